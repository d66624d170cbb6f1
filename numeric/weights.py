"""Export and import of analytic GD-SSM weights, with provenance metadata (schema ``gdssm.weights/1``).

Formats (``format``) and the containers that hold them (chosen by the file's suffix):

* ``safetensors`` (``.safetensors``): one tensor per entry of :meth:`GDSSMLayer.state_dict` -- Q (3,3),
  Lambda (H,H), d (3,), C (m,H), F (m,H), V1, V2, V3, R (H,H), rho (k-1,), beta (k-1,), c (k,), and the
  embeddings E_x (H,f), E_y (H,m) -- contiguous, each with its own storage; the metadata JSON is the string
  under the header key ``gdssm`` (a single key: safetensors stores header metadata in a hash map, so two
  keys would be written in a random order and equal inputs would not give equal bytes);
* ``pt`` (``.pt``, ``.pth``): the same tensors as a torch ``state_dict`` (``torch.save``), loadable with
  ``layer.load_state_dict(torch.load(path), strict=True)`` into the layer built from the metadata; the metadata
  JSON rides in torch's own per-module slot ``state_dict._metadata[""]["gdssm"]``;
* ``reference`` (``.npz`` or ``.safetensors``): the one-step construction in the authors' names and
  conventions (:mod:`numeric.reference_export`).

What a file promises: its tensors are the lowering of the construction its metadata re-derives, so by the
claims it lists the layer predicts yhat_t = W_k^{(t)} x_{t+1} at every prefix t = 1..N, where W_k^{(t)} is k
steps of GD with alpha_j = eta_j / N on the (discounted, decayed) loss of examples 1..t.

Metadata keys: ``schema``, ``format``, ``construction``, ``claims`` (id -> statement hash of every claim that
justifies the file), ``certificate_hash`` (:func:`certificate_hash` of ``claims``), ``dims`` {f, m, N, H},
``steps`` (k), ``eta`` and ``alpha`` (exact strings, alpha = eta/N), ``layout``, ``gd`` {etas, per_step,
lambda, gamma, W0} (what :func:`derive` needs to re-derive the construction), ``conventions``, ``dtype``,
``gdssm_version``; reference files add ``task``, ``gd_lr`` and ``arrays``.

Import (:func:`read_weights`, :func:`load_layer`) refuses, with one-line :class:`~gdssm.core.errors.BadInput`\\ s,
damaged files, missing or unknown metadata (schema, construction, format, dtype), metadata that is not
self-consistent (claims vs certificate hash, dims vs re-derivation), tensors whose names, shapes or dtype
disagree with the metadata, non-finite values and -- unless ``verify=False`` -- tensors whose values differ
from the re-derived construction. Equal inputs give byte-identical files; every write is atomic.
"""

from __future__ import annotations

import hashlib
import io
import json
import pickle
import re
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import safetensors
import safetensors.torch
import sympy as sp
import torch
from torch import Tensor

from gdssm import __version__
from gdssm.core.atomic import write_bytes
from gdssm.core.errors import BadInput
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.reference_export import (
    REFERENCE_EXPORT_CONVENTIONS,
    exact_matrix,
    npz_bytes,
    params_from_reference,
    read_npz,
    reference_metadata,
    reference_tensors,
)
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout
from gdssm.symbolic.layouts import Layout
from gdssm.symbolic.serialize import CONVENTIONS, exact, matrix_rows

if TYPE_CHECKING:
    from gdssm.numeric.check import CheckReport, Progress

SCHEMA = "gdssm.weights/1"
METADATA_KEY = "gdssm"
EXPORTABLE = ("one-step", "k-step")
FORMATS = ("safetensors", "pt", "reference")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
SUFFIXES = {".safetensors": "safetensors", ".pt": "pt", ".pth": "pt", ".npz": "npz"}
"""File suffix -> container."""
CONTAINERS = {"safetensors": ("safetensors",), "pt": ("pt",), "reference": ("npz", "safetensors")}
"""Format -> the containers that may hold it."""
REFERENCE_CLAIM = "ref.param_map"

REQUIRED: dict[str, tuple[type, ...]] = {
    "schema": (str,), "format": (str,), "construction": (str,), "claims": (dict,), "certificate_hash": (str,),
    "dims": (dict,), "steps": (int,), "eta": (str, type(None)), "alpha": (str, type(None)), "layout": (str,),
    "gd": (dict,), "conventions": (dict,), "dtype": (str,), "gdssm_version": (str,),
}
"""Every metadata key and the JSON types it may take."""
GD_KEYS: dict[str, tuple[type, ...]] = {
    "etas": (list,), "per_step": (bool,), "lambda": (str,), "gamma": (str,), "W0": (list, type(None)),
}
HEX64 = re.compile(r"[0-9a-f]{64}")
VERSION = re.compile(r"\d+(\.\d+)*([.+-]?[0-9A-Za-z.+-]*)?")


@dataclass(frozen=True)
class LoadedWeights:
    """A validated weights file: its metadata, the re-derived construction, the file's tensors, the layer, and
    ``differences``: max |file - derivation| of every tensor that is not bitwise its derived value (empty for an
    untouched export)."""

    source: str
    metadata: dict[str, Any]
    construction: Construction
    tensors: dict[str, Tensor]
    layer: GDSSMLayer
    differences: dict[str, float]

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of every tensor of the file."""
        return DTYPES[self.metadata["dtype"]]


def justifying_claims(construction: Construction, fmt: str) -> tuple[str, ...]:
    """The claim ids a file of this construction and format rests on (``ref.param_map`` for ``reference``)."""
    return construction.claims + ((REFERENCE_CLAIM,) if fmt == "reference" else ())


def certificate_hash(claims: Mapping[str, str]) -> str:
    """sha256 over the lines ``<claim id>:<statement hash>``, sorted by id: what the file is justified by."""
    text = "".join(f"{cid}:{claims[cid]}\n" for cid in sorted(claims))
    return hashlib.sha256(text.encode()).hexdigest()


def metadata(construction: Construction, fmt: str, dtype: str, claims: Mapping[str, str]) -> dict[str, Any]:
    """The metadata document of a file (module docstring); ``claims`` maps claim id -> statement hash."""
    if construction.name not in EXPORTABLE:
        raise BadInput(f"cannot export construction {construction.name!r}; choose one of {', '.join(EXPORTABLE)}")
    if fmt not in FORMATS:
        raise BadInput(f"unknown weights format {fmt!r}; choose one of {', '.join(FORMATS)}")
    if dtype not in DTYPES:
        raise BadInput(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    wanted = justifying_claims(construction, fmt)
    if sorted(claims) != sorted(wanted):
        raise BadInput(f"the statement hashes given are for claims {sorted(claims)}, the file needs {sorted(wanted)}")
    gd, lay = construction.gd, construction.layout
    doc: dict[str, Any] = {
        "schema": SCHEMA, "format": fmt, "construction": construction.name,
        "claims": {cid: claims[cid] for cid in sorted(claims)}, "certificate_hash": certificate_hash(claims),
        "dims": {"f": lay.f, "m": lay.m, "N": construction.N, "H": lay.H}, "steps": construction.steps,
        "eta": exact(gd.etas[0]) if gd.etas else None, "alpha": exact(gd.alphas[0]) if gd.etas else None,
        "layout": lay.name,
        "gd": {"etas": [exact(e) for e in gd.etas], "per_step": "ssm.per_step_eta" in construction.claims,
               "lambda": exact(gd.lam), "gamma": exact(gd.gamma),
               "W0": None if gd.W0 is None else matrix_rows(gd.W0)},
        "conventions": dict(REFERENCE_EXPORT_CONVENTIONS if fmt == "reference" else CONVENTIONS),
        "dtype": dtype, "gdssm_version": __version__,
    }
    if fmt == "reference":
        doc.update(reference_metadata(construction))
    return doc


def file_tensors(construction: Construction, fmt: str, dtype: torch.dtype) -> dict[str, Tensor]:
    """The tensors a file of this format holds: the layer's state_dict, or the authors' arrays."""
    if fmt == "reference":
        return reference_tensors(construction, dtype)
    state = GDSSMLayer.from_construction(construction, dtype=dtype).state_dict()
    return {name: value.detach().clone().contiguous() for name, value in state.items()}


def container_of(path: str | Path, fmt: str | None = None) -> str:
    """The container a path's suffix names; with ``fmt``, also check that it may hold that format."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"{path}: unknown weights file suffix {suffix or '(none)'!r}; "
                        f"use one of {', '.join(SUFFIXES)}")
    container = SUFFIXES[suffix]
    if fmt is not None and container not in CONTAINERS[fmt]:
        allowed = ", ".join(s for s, c in SUFFIXES.items() if c in CONTAINERS[fmt])
        raise BadInput(f"{path}: suffix {suffix!r} does not fit format {fmt!r}; use {allowed}")
    return container


@dataclass(frozen=True)
class Encoded:
    """The metadata document of a weights file and the file's bytes."""

    metadata: dict[str, Any]
    data: bytes


def encode(construction: Construction, fmt: str, container: str, dtype: str, claims: Mapping[str, str]) -> Encoded:
    """A weights file in memory (deterministic: equal arguments give equal bytes)."""
    doc = metadata(construction, fmt, dtype, claims)
    if container not in CONTAINERS[fmt]:
        raise BadInput(f"format {fmt!r} cannot be stored as {container}; use {', '.join(CONTAINERS[fmt])}")
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))
    return Encoded(doc, _WRITERS[container](file_tensors(construction, fmt, DTYPES[dtype]), text))


def write_weights(path: str | Path, construction: Construction, fmt: str, dtype: str,
                  claims: Mapping[str, str]) -> Encoded:
    """Write the weights file atomically (container from the suffix of ``path``); return what was written."""
    encoded = encode(construction, fmt, container_of(path, fmt), dtype, claims)
    write_bytes(path, encoded.data)
    return encoded


def _safetensors_bytes(tensors: Mapping[str, Tensor], text: str) -> bytes:
    return safetensors.torch.save(dict(tensors), metadata={METADATA_KEY: text})


def _pt_bytes(tensors: Mapping[str, Tensor], text: str) -> bytes:
    state: OrderedDict[str, Tensor] = OrderedDict(tensors)
    setattr(state, "_metadata", OrderedDict([("", {"version": GDSSMLayer._version, METADATA_KEY: text})]))  # noqa: B010
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


_WRITERS: dict[str, Callable[[Mapping[str, Tensor], str], bytes]] = {
    "safetensors": _safetensors_bytes, "pt": _pt_bytes, "npz": npz_bytes,
}


def _read_safetensors(data: bytes, source: str) -> tuple[Any, dict[str, Tensor]]:
    try:
        tensors = safetensors.torch.load(data)
    except safetensors.SafetensorError as err:
        raise BadInput(f"{source}: corrupt or truncated safetensors file ({err})") from None
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    return (header.get("__metadata__") or {}).get(METADATA_KEY), tensors


def _read_pt(data: bytes, source: str) -> tuple[Any, dict[str, Tensor]]:
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise BadInput(f"{source}: corrupt or truncated torch file ({reason})") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in state.items()):
        raise BadInput(f"{source}: not a state_dict (a mapping of names to tensors)")
    slot = (getattr(state, "_metadata", None) or {}).get("", {})
    return (slot.get(METADATA_KEY) if isinstance(slot, dict) else None), dict(state)


_READERS: dict[str, Callable[[bytes, str], tuple[Any, dict[str, Tensor]]]] = {
    "safetensors": _read_safetensors, "pt": _read_pt, "npz": read_npz,
}


def read_weights(path: str | Path, *, verify: bool = True) -> LoadedWeights:
    """Read and validate a weights file (module docstring); with ``verify``, its values must equal the derivation."""
    container = container_of(path)
    try:
        data = Path(path).read_bytes()
    except FileNotFoundError:
        raise BadInput(f"weights file not found: {path}") from None
    except OSError as err:
        raise BadInput(f"cannot read weights file {path}: {err.strerror or err}") from None
    return decode(data, container, str(path), verify=verify)


def load_layer(path: str | Path) -> GDSSMLayer:
    """The :class:`GDSSMLayer` of a weights file of any format, validated and verified (:func:`read_weights`)."""
    return read_weights(path).layer


def decode(data: bytes, container: str, source: str = "<bytes>", *, verify: bool = True) -> LoadedWeights:
    """Validate the bytes of a weights file held in ``container`` and build its layer (see :func:`read_weights`)."""
    text, tensors = _READERS[container](data, source)
    doc = _metadata_document(text, source)
    fmt = doc["format"]
    if container not in CONTAINERS[fmt]:
        raise BadInput(f"{source}: metadata says format {fmt!r}, which is never stored as {container}")
    construction = derive(doc, source)
    dtype = DTYPES[doc["dtype"]]
    expected = file_tensors(construction, fmt, dtype)
    _check_tensors(tensors, expected, doc, source)
    differences = tensor_differences(tensors, expected)
    if verify and differences:
        name = max(differences, key=lambda n: differences[n])
        raise BadInput(f"{source}: tensor values differ from the {construction.name} construction the metadata "
                        f"derives (max |difference| {differences[name]:.3g} in {name!r}); the file was edited or "
                        "damaged (`gdssm check --weights` tells whether it still computes GD)")
    if fmt == "reference":
        params = params_from_reference(tensors, construction.layout)
        layer = GDSSMLayer.from_construction(construction.with_params(params), dtype=dtype)
    else:
        layer = GDSSMLayer(tensors["E_x"], tensors["E_y"], construction.params.readout.steps, dtype=dtype)
        layer.load_state_dict(tensors, strict=True)
    return LoadedWeights(source, doc, construction, tensors, layer, differences)


def _metadata_document(text: Any, source: str) -> dict[str, Any]:
    """The metadata JSON, checked for schema, keys, types, known values and its own certificate hash."""
    if not isinstance(text, str):
        raise BadInput(f"{source}: no '{METADATA_KEY}' metadata; not a file written by `gdssm export`")
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as err:
        raise BadInput(f"{source}: metadata is not valid JSON ({err})") from None
    if not isinstance(doc, dict):
        raise BadInput(f"{source}: metadata must be a JSON object")
    if "schema" in doc and doc["schema"] != SCHEMA:
        raise BadInput(f"{source}: unknown metadata version {doc['schema']!r}; "
                        f"this gdssm {__version__} reads {SCHEMA}")
    _require_keys(doc, REQUIRED, "metadata", source)
    _require_keys(doc["gd"], GD_KEYS, "metadata gd", source)
    checks = [
        (doc["construction"] in EXPORTABLE, f"unknown construction {doc['construction']!r}; "
                                            f"known: {', '.join(EXPORTABLE)}"),
        (doc["format"] in FORMATS, f"unknown format {doc['format']!r}; known: {', '.join(FORMATS)}"),
        (doc["dtype"] in DTYPES, f"unknown dtype {doc['dtype']!r}; known: {', '.join(DTYPES)}"),
        (VERSION.fullmatch(doc["gdssm_version"]) is not None, f"gdssm_version {doc['gdssm_version']!r} is not a "
                                                               "version number"),
        (all(isinstance(h, str) and HEX64.fullmatch(h) for h in doc["claims"].values()),
         "claims must map claim ids to sha256 statement hashes"),
        (doc["certificate_hash"] == certificate_hash(doc["claims"]),
         "certificate_hash does not match the claims it hashes (metadata edited)"),
    ]
    for ok, message in checks:
        if not ok:
            raise BadInput(f"{source}: {message}")
    return doc


def _require_keys(doc: Mapping[str, Any], keys: Mapping[str, tuple[type, ...]], where: str, source: str) -> None:
    missing = [key for key in keys if key not in doc]
    if missing:
        raise BadInput(f"{source}: {where} lacks key(s) {', '.join(missing)}")
    for key, types in keys.items():
        value = doc[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise BadInput(f"{source}: {where} key {key!r} must be {names}, got {json.dumps(value)}")


def _number(text: Any, what: str, source: str) -> sp.Rational:
    try:
        value = sp.Rational(str(text))
    except (TypeError, ValueError, SyntaxError):
        raise BadInput(f"{source}: metadata {what} must be an exact number, got {text!r}") from None
    return value


def derive(doc: Mapping[str, Any], source: str = "<metadata>") -> Construction:
    """Re-derive the construction a (schema-checked) metadata document names, and check it against the document."""
    dims, gd = doc["dims"], doc["gd"]
    if not all(isinstance(dims.get(key), int) for key in ("f", "m", "N", "H")):
        raise BadInput(f"{source}: metadata dims must hold integers f, m, N, H, got {json.dumps(dims)}")
    etas = [_number(e, "gd.etas", source) for e in gd["etas"]]
    lam, gamma = _number(gd["lambda"], "gd.lambda", source), _number(gd["gamma"], "gd.gamma", source)
    W0 = None if gd["W0"] is None else sp.Matrix([[_number(v, "gd.W0", source) for v in row] for row in gd["W0"]])
    f, m, N, k = dims["f"], dims["m"], dims["N"], doc["steps"]
    if doc["construction"] == "one-step" and (len(etas) != 1 or k != 1 or gamma != 0 or gd["per_step"]):
        raise BadInput(f"{source}: a one-step construction has k = 1, one eta, no decay and no per-step etas")
    if doc["construction"] == "k-step" and W0 is not None:
        raise BadInput(f"{source}: the k-step construction starts from W_0 = 0, but the metadata gives W0")
    try:
        if doc["construction"] == "one-step":
            c = one_step(f, m, N, etas[0], layout=doc["layout"], lam=lam, W0=W0)
        else:
            c = k_step(f, m, N, k, etas[0] if etas else 1, layout=doc["layout"], lam=lam, gamma=gamma,
                       etas=etas if gd["per_step"] else None)
    except BadInput as err:
        raise BadInput(f"{source}: metadata: {err}") from None
    _check_derivation(c, doc, source)
    return c


def _check_derivation(c: Construction, doc: Mapping[str, Any], source: str) -> None:
    """The re-derived construction must agree with every descriptive key of the metadata."""
    rebuilt = metadata(c, doc["format"], doc["dtype"], dict.fromkeys(justifying_claims(c, doc["format"]), "0" * 64))
    for key in ("dims", "steps", "eta", "alpha", "gd"):
        if rebuilt[key] != doc[key]:
            raise BadInput(f"{source}: metadata {key} {json.dumps(doc[key])} disagrees with the construction it "
                            f"derives ({json.dumps(rebuilt[key])})")
    if sorted(doc["claims"]) != sorted(rebuilt["claims"]):
        raise BadInput(f"{source}: metadata claims {sorted(doc['claims'])} are not the claims of its construction "
                        f"({sorted(rebuilt['claims'])})")


def _check_tensors(tensors: Mapping[str, Tensor], expected: Mapping[str, Tensor], doc: Mapping[str, Any],
                   source: str) -> None:
    """Names, dtypes, shapes and finiteness of the file's tensors against what the metadata implies."""
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        raise BadInput(f"{source}: tensors do not match format {doc['format']!r}: missing {missing or 'none'}, "
                        f"unexpected {extra or 'none'}")
    dims = ", ".join(f"{key}={doc['dims'][key]}" for key in ("f", "m", "N", "H"))
    for name, want in expected.items():
        got = tensors[name]
        if got.dtype != want.dtype:
            raise BadInput(f"{source}: dtype mismatch: tensor {name!r} is {str(got.dtype).removeprefix('torch.')} "
                            f"but the metadata says {doc['dtype']}")
        if got.shape != want.shape:
            raise BadInput(f"{source}: tensor {name!r} has shape {tuple(got.shape)} but the metadata "
                            f"({dims}, k={doc['steps']}) implies {tuple(want.shape)}")
        if not bool(torch.isfinite(got).all()):
            raise BadInput(f"{source}: tensor {name!r} holds NaN or infinite values")


def tensor_differences(tensors: Mapping[str, Tensor], expected: Mapping[str, Tensor]) -> dict[str, float]:
    """max |file - derivation| for every tensor that is not bitwise equal to its derived value."""
    return {name: float((tensors[name] - want).abs().max()) for name, want in expected.items()
            if not torch.equal(tensors[name], want)}


def as_construction(loaded: LoadedWeights) -> Construction:
    """The file's own numbers as a construction: the loaded layer's parameters and embeddings as exact
    rationals, claiming the GD of the metadata. Lowering it gives the loaded layer bit for bit."""
    state = loaded.layer.state_dict()
    mats = {name: exact_matrix(state[name]) for name in PARAMETER_NAMES}
    readout = Readout(**{name: tuple(exact_matrix(state[name])) for name in ("rho", "beta", "c")})
    lay = loaded.construction.layout
    layout = Layout(lay.name, lay.f, lay.m, exact_matrix(state["E_x"]), exact_matrix(state["E_y"]))
    c = loaded.construction
    return Construction(c.name, layout, c.N, LayerParams(**mats, readout=readout), c.gd, c.claims)


def check_loaded(loaded: LoadedWeights, examples: int, seed: int, progress: Progress | None = None) -> CheckReport:
    """The property check (:func:`numeric.check.check_construction`) of the loaded layer against autograd GD,
    in the file's dtype, at the file's dims. It runs on :func:`as_construction`, whose lowering is first
    confirmed to be the loaded layer bit for bit, so the file's own tensors are what is checked."""
    from gdssm.numeric.check import check_construction

    checked = as_construction(loaded)
    lowered = GDSSMLayer.from_construction(checked, dtype=loaded.dtype).state_dict()
    for name, value in loaded.layer.state_dict().items():
        if not torch.equal(lowered[name], value):
            raise RuntimeError(f"re-lowering the loaded tensor {name!r} changed it; the check would not test the file")
    return check_construction(checked, examples, seed, dtypes=(loaded.dtype,), progress=progress)


def describe(doc: Mapping[str, Any]) -> str:
    """One line naming a file by its metadata: format, construction, dims, k, eta, layout, dtype."""
    dims = " ".join(f"{key}={doc['dims'][key]}" for key in ("f", "m", "N", "H"))
    eta = f" eta={doc['eta']} (alpha={doc['alpha']})" if doc["eta"] is not None else ""
    return f"{doc['format']}, {doc['construction']} {dims} k={doc['steps']}{eta} layout {doc['layout']} {doc['dtype']}"


__all__ = [
    "DTYPES", "EXPORTABLE", "FORMATS", "SCHEMA", "Encoded", "LoadedWeights", "as_construction", "certificate_hash",
    "check_loaded", "container_of", "decode", "derive", "describe", "encode", "file_tensors", "justifying_claims",
    "load_layer", "metadata", "read_weights", "tensor_differences", "write_weights",
]
