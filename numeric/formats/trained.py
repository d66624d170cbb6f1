"""Weights files of trained feature GD-SSMs (``gdssm train --preset nonlinear``): schema ``gdssm.trained/1``.

A ``.safetensors`` file (:mod:`~numeric.formats.containers`) holding the ``state_dict`` of a
:class:`~numeric.train_nonlinear.FeatureGDSSM`: phi's parameters as ``phi.<i>.weight`` / ``phi.<i>.bias`` (the
Linear layers of :func:`numeric.features.mlp`) and the GD-SSM layer's as ``layer.<name>``
(:meth:`GDSSMLayer.state_dict`), with the metadata JSON under the header key ``gdssm``:

* ``schema``, ``format`` (``safetensors``), ``model`` (``feature-gdssm``), ``dtype``, ``gdssm_version``;
* ``feature_map`` {kind ``mlp``, in_dim, out_dim, widths, activation}: the architecture phi is rebuilt from;
* ``layer`` {construction ``one-step``, dims {f, m, N, H}, steps, layout}: the layer's shape (f = phi's out_dim);
* ``preset``, ``law``, ``seed``, ``training_steps``, ``settings``: the run that trained it;
* ``claims`` (id -> statement hash) and ``certificate_hash``: the claims behind comparison (i), the one-step core
  on the stored phi computing one GD step on its features; ``conventions`` as in every weights file;
* ``tensors_sha256``: :func:`tensors_digest` of the tensors; ``evaluation`` {tasks, seed, loss}: the model's
  evaluation loss, which :func:`numeric.trained_check.check_trained` reproduces.

The trained values are not a construction, so nothing re-derives them: a file's tensors are what training wrote
when their digest is the recorded one. :func:`read_trained` refuses, with one-line
:class:`~gdssm.core.errors.BadInput`\\ s, damaged containers, missing, unknown or ill-typed metadata, an
architecture whose parameter count or shapes disagree with the tensors, a wrong dtype, non-finite values and --
unless ``verify=False`` -- tensors whose digest is not the recorded one. The model is rebuilt from the metadata
alone and loaded with ``load_state_dict(strict=True)``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gdssm import __version__
from gdssm.core.atomic import write_bytes
from gdssm.core.errors import BadInput
from gdssm.core.strict_json import loads_strict
from gdssm.numeric.features import ACTIVATIONS, mlp
from gdssm.numeric.formats.containers import container_of, read_container, safetensors_bytes
from gdssm.numeric.formats.load import read_weights_bytes
from gdssm.numeric.formats.provenance import DTYPES, HEX64, METADATA_BYTES, VERSION, _require_keys, certificate_hash
from gdssm.numeric.formats.tensors import check_tensors
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.train_nonlinear import LAWS, FeatureGDSSM
from gdssm.symbolic.constructions import one_step
from gdssm.symbolic.serialize import CONVENTIONS

SCHEMA = "gdssm.trained/1"
MODEL = "feature-gdssm"
CORE = "one-step"
LAYOUT = "split"
FEATURE_CLAIM = "ssm.features_one_step"
MAX_WIDTH, MAX_DEPTH = 1 << 16, 64
"""Largest hidden width and number of hidden layers a file may name (the tensors must hold them anyway)."""

REQUIRED: dict[str, tuple[type, ...]] = {
    "schema": (str,), "format": (str,), "model": (str,), "feature_map": (dict,), "layer": (dict,),
    "preset": (str,), "law": (str,), "seed": (int,), "training_steps": (int,), "settings": (dict,),
    "claims": (dict,), "certificate_hash": (str,), "conventions": (dict,), "dtype": (str,), "gdssm_version": (str,),
    "tensors_sha256": (str,), "evaluation": (dict,),
}
FEATURE_KEYS: dict[str, tuple[type, ...]] = {"kind": (str,), "in_dim": (int,), "out_dim": (int,), "widths": (list,),
                                             "activation": (str,)}
LAYER_KEYS: dict[str, tuple[type, ...]] = {"construction": (str,), "dims": (dict,), "steps": (int,), "layout": (str,)}
EVALUATION_KEYS: dict[str, tuple[type, ...]] = {"tasks": (int,), "seed": (int,), "loss": (float,)}


def trained_claims(model: FeatureGDSSM) -> tuple[str, ...]:
    """The claim ids a file of ``model`` lists: the one-step core's and ``ssm.features_one_step``."""
    return (*one_step(model.layer.f, model.layer.m, 1, 1).claims, FEATURE_CLAIM)


def tensors_digest(tensors: Mapping[str, Tensor]) -> str:
    """sha256 over ``name dtype shape\\n`` and the raw bytes of every tensor, sorted by name."""
    digest = hashlib.sha256()
    for name in sorted(tensors):
        value = tensors[name].detach().contiguous()
        digest.update(f"{name} {str(value.dtype).removeprefix('torch.')} {list(value.shape)}\n".encode())
        digest.update(value.numpy().tobytes())
    return digest.hexdigest()


def _state(model: FeatureGDSSM) -> dict[str, Tensor]:
    return {name: value.detach().clone().contiguous() for name, value in model.state_dict().items()}


def _linears(phi: torch.nn.Module) -> list[torch.nn.Linear]:
    return [m for m in phi.modules() if isinstance(m, torch.nn.Linear)]


def architecture(model: FeatureGDSSM, activation: str) -> dict[str, Any]:
    """The ``feature_map`` block of a model whose phi is :func:`numeric.features.mlp` with ``activation``."""
    linears = _linears(model.phi)
    return {"kind": "mlp", "in_dim": linears[0].in_features, "out_dim": linears[-1].out_features,
            "widths": [lin.out_features for lin in linears[:-1]], "activation": activation}


def trained_metadata(model: FeatureGDSSM, run: Mapping[str, Any], claims: Mapping[str, str],
                     evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """The metadata document (module docstring). ``run``: preset, law, seed, training_steps, settings (with
    ``activation``); ``claims``: id -> statement hash of :func:`trained_claims`; ``evaluation``: tasks, seed, loss."""
    if sorted(claims) != sorted(trained_claims(model)):
        raise BadInput(f"the statement hashes given are for claims {sorted(claims)}, the file needs "
                       f"{sorted(trained_claims(model))}")
    layer = model.layer
    dtype = str(layer.Q.dtype).removeprefix("torch.")
    return {
        "schema": SCHEMA, "format": "safetensors", "model": MODEL,
        "feature_map": architecture(model, str(run["settings"]["activation"])),
        "layer": {"construction": CORE, "dims": {"f": layer.f, "m": layer.m, "N": int(run["settings"]["N"]),
                                                 "H": layer.H}, "steps": layer.k, "layout": LAYOUT},
        "preset": run["preset"], "law": run["law"], "seed": run["seed"], "training_steps": run["training_steps"],
        "settings": dict(run["settings"]),
        "claims": {cid: claims[cid] for cid in sorted(claims)}, "certificate_hash": certificate_hash(claims),
        "conventions": dict(CONVENTIONS), "dtype": dtype, "gdssm_version": __version__,
        "tensors_sha256": tensors_digest(_state(model)),
        "evaluation": {"tasks": int(evaluation["tasks"]), "seed": int(evaluation["seed"]),
                       "loss": float(evaluation["loss"])},
    }


def encode_trained(model: FeatureGDSSM, doc: Mapping[str, Any]) -> bytes:
    """The bytes of the file: the model's state_dict and ``doc`` as canonical JSON (equal inputs, equal bytes)."""
    return safetensors_bytes(_state(model), json.dumps(doc, sort_keys=True, separators=(",", ":")))


def write_trained(path: str | Path, model: FeatureGDSSM, doc: Mapping[str, Any]) -> bytes:
    """Write the file atomically (the suffix must be ``.safetensors``); return its bytes."""
    container_of(path, "safetensors")
    data = encode_trained(model, doc)
    write_bytes(path, data)
    return data


@dataclass(frozen=True)
class LoadedTrained:
    """A validated trained-model file: its metadata, its tensors, the rebuilt model (float, eval mode), and
    whether the tensors' digest is the recorded one."""

    source: str
    metadata: dict[str, Any]
    tensors: dict[str, Tensor]
    model: FeatureGDSSM
    digest_matches: bool


def is_trained_file(path: str | Path) -> bool:
    """Whether ``path`` is a safetensors file whose metadata names schema ``gdssm.trained/1`` (False if unreadable)."""
    if Path(path).suffix.lower() != ".safetensors":
        return False
    try:
        text, _ = read_container("safetensors", Path(path).read_bytes(), str(path))
        doc = loads_strict(text, str(path), max_bytes=METADATA_BYTES) if isinstance(text, str) else None
    except (OSError, BadInput, ValueError):
        return False
    return isinstance(doc, dict) and doc.get("schema") == SCHEMA


def read_trained(path: str | Path, *, verify: bool = True) -> LoadedTrained:
    """Read and validate a trained-model file (module docstring)."""
    container_of(path, "safetensors")
    return decode_trained(read_weights_bytes(path), str(path), verify=verify)


def _is_count(value: Any, low: int = 1, high: int = MAX_WIDTH) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def parse_trained_metadata(text: Any, source: str) -> dict[str, Any]:
    """The metadata JSON, checked for schema, keys, JSON types, known values, consistency and its certificate."""
    if not isinstance(text, str):
        raise BadInput(f"{source}: no 'gdssm' metadata; not a file written by gdssm")
    doc = loads_strict(text, f"{source}: metadata", max_bytes=METADATA_BYTES)
    if not isinstance(doc, dict):
        raise BadInput(f"{source}: metadata must be a JSON object")
    if doc.get("schema") != SCHEMA:
        raise BadInput(f"{source}: metadata schema {json.dumps(doc.get('schema'))[:40]} is not {SCHEMA}")
    unknown = sorted(set(doc) - set(REQUIRED))
    if unknown:
        raise BadInput(f"{source}: unknown metadata key {unknown[0][:40]!r}")
    _require_keys(doc, REQUIRED, "metadata", source)
    for key, keys in (("feature_map", FEATURE_KEYS), ("layer", LAYER_KEYS), ("evaluation", EVALUATION_KEYS)):
        extra = sorted(set(doc[key]) - set(keys))
        if extra:
            raise BadInput(f"{source}: unknown metadata {key} key {extra[0][:40]!r}")
        _require_keys(doc[key], keys, f"metadata {key}", source)
    phi, layer = doc["feature_map"], doc["layer"]
    dims = layer["dims"]
    checks = [
        (doc["format"] == "safetensors" and doc["model"] == MODEL, f"format/model must be safetensors/{MODEL}"),
        (doc["dtype"] in DTYPES, f"unknown dtype {doc['dtype'][:20]!r}; known: {', '.join(DTYPES)}"),
        (VERSION.fullmatch(doc["gdssm_version"]) is not None, "gdssm_version is not a version number"),
        (doc["law"] in LAWS, f"unknown law {doc['law'][:20]!r}; known: {', '.join(LAWS)}"),
        (phi["kind"] == "mlp" and phi["activation"] in ACTIVATIONS,
         f"feature_map must be an mlp with activation one of {', '.join(ACTIVATIONS)}"),
        (_is_count(phi["in_dim"]) and _is_count(phi["out_dim"]) and len(phi["widths"]) <= MAX_DEPTH
         and all(_is_count(w) for w in phi["widths"]), "feature_map in_dim, out_dim and widths must be sizes >= 1"),
        (layer["construction"] == CORE and layer["layout"] == LAYOUT and layer["steps"] == 1,
         f"layer must be the {CORE} core in layout {LAYOUT} with steps 1"),
        (set(dims) == {"f", "m", "N", "H"} and all(_is_count(v) for v in dims.values()),
         "layer dims must hold sizes f, m, N, H >= 1"),
        (dims.get("f") == phi["out_dim"] and dims.get("H") == dims.get("f", 0) + dims.get("m", 0),
         "layer dims disagree with the feature map (f = out_dim, H = f + m)"),
        (all(isinstance(h, str) and HEX64.fullmatch(h) for h in doc["claims"].values()),
         "claims must map claim ids to sha256 statement hashes"),
        (FEATURE_CLAIM in doc["claims"], f"claims lack {FEATURE_CLAIM}"),
        (doc["certificate_hash"] == certificate_hash(doc["claims"]),
         "certificate_hash does not match the claims it hashes (metadata edited)"),
        (HEX64.fullmatch(doc["tensors_sha256"]) is not None, "tensors_sha256 must be a sha256 hex digest"),
        (math.isfinite(doc["evaluation"]["loss"]) and _is_count(doc["evaluation"]["tasks"], 2, 1 << 24),
         "evaluation must give at least 2 tasks and a finite loss"),
    ]
    for ok, message in checks:
        if not ok:
            raise BadInput(f"{source}: {message}")
    return doc


def parameter_count(doc: Mapping[str, Any]) -> int:
    """The number of tensor entries the metadata implies: phi's sum_l (a_l b_l + b_l) and the layer's
    Q, Lambda, d, C, F, V1..V3, R, rho, beta, c, E_x, E_y at k = 1."""
    phi, dims = doc["feature_map"], doc["layer"]["dims"]
    sizes = [phi["in_dim"], *phi["widths"], phi["out_dim"]]
    f, m, H = dims["f"], dims["m"], dims["H"]
    return sum(a * b + b for a, b in pairwise(sizes)) + 9 + H * H + 3 + 2 * m * H + 4 * H * H + 1 + H * (f + m)


def rebuild(doc: Mapping[str, Any]) -> FeatureGDSSM:
    """The model the metadata describes, with placeholder values: phi = mlp(architecture), the layer at dims (f, m)."""
    phi, dims = doc["feature_map"], doc["layer"]["dims"]
    dtype = DTYPES[doc["dtype"]]
    H, f, m = dims["H"], dims["f"], dims["m"]
    layer = GDSSMLayer(torch.zeros(H, f), torch.zeros(H, m), doc["layer"]["steps"], dtype=dtype)
    return FeatureGDSSM(mlp(phi["in_dim"], phi["widths"], phi["out_dim"], phi["activation"], dtype=dtype), layer)


def decode_trained(data: bytes, source: str = "<bytes>", *, verify: bool = True) -> LoadedTrained:
    """Validate the bytes of a trained-model file and rebuild its model (see :func:`read_trained`)."""
    text, tensors = read_container("safetensors", data, source)
    doc = parse_trained_metadata(text, source)
    held = sum(t.numel() for t in tensors.values())
    if held != parameter_count(doc):
        raise BadInput(f"{source}: the tensors hold {held} numbers but the architecture in the metadata needs "
                       f"{parameter_count(doc)}")
    model = rebuild(doc)
    dims = doc["layer"]["dims"]
    check_tensors(tensors, _state(model), {"format": "trained", "dims": dims, "steps": doc["layer"]["steps"],
                                           "dtype": doc["dtype"]}, source)  # names, dtypes, shapes, finiteness
    matches = tensors_digest(tensors) == doc["tensors_sha256"]
    if verify and not matches:
        raise BadInput(f"{source}: the tensors are not the ones training wrote (sha256 differs from tensors_sha256); "
                       "the file was edited or damaged")
    model.load_state_dict(tensors, strict=True)
    model.eval()
    return LoadedTrained(source, doc, tensors, model, matches)


__all__ = ["SCHEMA", "LoadedTrained", "architecture", "decode_trained", "encode_trained", "is_trained_file",
           "parameter_count", "parse_trained_metadata", "read_trained", "rebuild", "tensors_digest",
           "trained_claims", "trained_metadata", "write_trained"]
