"""The provenance metadata of a weights file (schema ``gdssm.weights/1``): its keys, writing, parsing, checking.

Keys: ``schema``, ``format``, ``construction``, ``claims`` (id -> statement hash of every claim that justifies the
file), ``certificate_hash`` (:func:`certificate_hash` of ``claims``), ``dims`` {f, m, N, H}, ``steps`` (k),
``eta`` and ``alpha`` (exact strings, alpha = eta/N), ``layout``, ``gd`` {etas, per_step, lambda, gamma, W0}
(what :func:`derive` needs to re-derive the construction), ``conventions``, ``dtype``, ``gdssm_version``;
reference files add ``task``, ``gd_lr`` and ``arrays`` (:func:`numeric.formats.reference.reference_metadata`).

:func:`metadata` writes the document of a construction; :func:`parse_metadata` reads one back, refusing with
one-line :class:`~gdssm.core.errors.BadInput`\\ s missing or unknown keys and values (schema, construction,
format, dtype), wrong JSON types and a certificate hash that does not hash the claims; :func:`derive` re-derives
the construction it names and refuses a document that disagrees with it (dims, k, eta, alpha, gd, claims).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

import sympy as sp
import torch

from gdssm import __version__
from gdssm.core import budget
from gdssm.core.errors import BadInput
from gdssm.core.strict_json import loads_strict
from gdssm.numeric.formats.containers import METADATA_KEY
from gdssm.numeric.formats.reference import REFERENCE_EXPORT_CONVENTIONS, reference_metadata
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.exact_text import parse_number
from gdssm.symbolic.serialize import CONVENTIONS, exact, matrix_rows

SCHEMA = "gdssm.weights/1"
EXPORTABLE = ("one-step", "k-step")
FORMATS = ("safetensors", "pt", "reference")
DTYPES = {"float32": torch.float32, "float64": torch.float64}
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
REFERENCE_KEYS = ("task", "gd_lr", "arrays")
"""Keys a reference file adds."""
METADATA_BYTES = 16 << 20
"""Largest metadata text read (a W_0 of 1000 x 1000 exact entries is a few MB)."""
MAX_STEPS = 10**6
HEX64 = re.compile(r"[0-9a-f]{64}")
VERSION = re.compile(r"\d+(\.\d+)*([.+-]?[0-9A-Za-z.+-]*)?")


def justifying_claims(construction: Construction, fmt: str) -> tuple[str, ...]:
    """The claim ids a file of this construction and format rests on (``ref.param_map`` for ``reference``)."""
    return construction.claims + ((REFERENCE_CLAIM,) if fmt == "reference" else ())


def certificate_hash(claims: Mapping[str, str]) -> str:
    """sha256 over the lines ``<claim id>:<statement hash>``, sorted by id: what the file is justified by."""
    text = "".join(f"{cid}:{claims[cid]}\n" for cid in sorted(claims))  # "id:hash\n", sorted by id
    return hashlib.sha256(text.encode()).hexdigest()  # sha256(text)


def metadata(construction: Construction, fmt: str, dtype: str, claims: Mapping[str, str]) -> dict[str, Any]:
    """The metadata document of a file (module docstring); ``claims`` maps claim id -> statement hash.

    alpha = eta / N; certificate_hash = sha256 of the sorted ``id:hash`` lines of ``claims``.
    """
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
        doc.update(reference_metadata(construction))  # task, gd_lr = alpha P, arrays
    return doc


def parse_metadata(text: Any, source: str) -> dict[str, Any]:
    """The metadata JSON, checked for schema, keys, types, known values and its own certificate hash."""
    if not isinstance(text, str):
        raise BadInput(f"{source}: no '{METADATA_KEY}' metadata; not a file written by `gdssm export`")
    doc = loads_strict(text, f"{source}: metadata", max_bytes=METADATA_BYTES)  # data only: no NaN, no duplicates
    if not isinstance(doc, dict):
        raise BadInput(f"{source}: metadata must be a JSON object")
    unknown = sorted(set(doc) - set(REQUIRED) - set(REFERENCE_KEYS))
    if unknown:
        raise BadInput(f"{source}: unknown metadata key {unknown[0][:40]!r}")
    if "schema" in doc and doc["schema"] != SCHEMA:
        raise BadInput(f"{source}: unknown metadata version {_shown(doc['schema'])}; "
                       f"this gdssm {__version__} reads {SCHEMA}")
    _require_keys(doc, REQUIRED, "metadata", source)
    _require_keys(doc["gd"], GD_KEYS, "metadata gd", source)
    checks = [
        (doc["construction"] in EXPORTABLE, f"unknown construction {_shown(doc['construction'])}; "
                                            f"known: {', '.join(EXPORTABLE)}"),
        (doc["format"] in FORMATS, f"unknown format {_shown(doc['format'])}; known: {', '.join(FORMATS)}"),
        (doc["dtype"] in DTYPES, f"unknown dtype {_shown(doc['dtype'])}; known: {', '.join(DTYPES)}"),
        (VERSION.fullmatch(doc["gdssm_version"]) is not None, f"gdssm_version {_shown(doc['gdssm_version'])} is not a "
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


def _shown(value: Any, limit: int = 40) -> str:
    """A value for a message, cut short (a hostile file's 10 MB string stays out of the one line)."""
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def _require_keys(doc: Mapping[str, Any], keys: Mapping[str, tuple[type, ...]], where: str, source: str) -> None:
    """Every key of ``keys`` is in ``doc`` with one of its JSON types (a bool is not an int)."""
    missing = [key for key in keys if key not in doc]
    if missing:
        raise BadInput(f"{source}: {where} lacks key(s) {', '.join(missing)}")
    for key, types in keys.items():
        value = doc[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
            names = " or ".join("null" if t is type(None) else t.__name__ for t in types)
            raise BadInput(f"{source}: {where} key {key!r} must be {names}, got {json.dumps(value)[:40]}")


def _number(text: Any, what: str, source: str) -> sp.Rational:
    """An exact number written as text ("1/4", "0.5", "3") as a SymPy rational: the strict grammar of
    :mod:`symbolic.exact_text`, never evaluated."""
    if not isinstance(text, str):
        raise BadInput(f"{source}: metadata {what} must be an exact number written as a string, "
                       f"got {json.dumps(text)[:40]}")
    try:
        return parse_number(text, f"metadata {what}")
    except BadInput as err:
        raise BadInput(f"{source}: {err}") from None


def derive(doc: Mapping[str, Any], source: str = "<metadata>") -> Construction:
    """Re-derive the construction a (schema-checked) metadata document names, and check it against the document.

    one-step: k = 1, one eta, gamma = 0, W_0 as given; k-step: W_0 = 0, k steps of eta (or per-step etas).
    """
    dims, gd = doc["dims"], doc["gd"]
    if set(dims) != {"f", "m", "N", "H"} or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 1
                                                     for v in dims.values()):
        raise BadInput(f"{source}: metadata dims must hold integers f, m, N, H >= 1, got {json.dumps(dims)[:80]}")
    if not 0 <= doc["steps"] <= MAX_STEPS:
        raise BadInput(f"{source}: metadata steps must be an integer in 0..{MAX_STEPS}, got {doc['steps']}")
    budget.require(budget.Estimate(f"{source} at {budget.sizes(f=dims['f'], m=dims['m'], H=dims['H'])}",
                                   *budget.symbolic_construction(dims["f"], dims["m"], doc["steps"], doc["layout"])))
    etas = [_number(e, "gd.etas", source) for e in gd["etas"]]
    lam, gamma = _number(gd["lambda"], "gd.lambda", source), _number(gd["gamma"], "gd.gamma", source)
    W0 = None if gd["W0"] is None else sp.Matrix([[_number(v, "gd.W0", source) for v in row] for row in gd["W0"]])
    f, m, N, k = dims["f"], dims["m"], dims["N"], doc["steps"]
    if doc["construction"] == "one-step" and (len(etas) != 1 or k != 1 or gamma != 0 or gd["per_step"]):
        raise BadInput(f"{source}: a one-step construction has k = 1, one eta, no decay and no per-step etas")
    try:
        if doc["construction"] == "one-step":
            c = one_step(f, m, N, etas[0], layout=doc["layout"], lam=lam, W0=W0)
        else:
            c = k_step(f, m, N, k, etas[0] if etas else 1, layout=doc["layout"], lam=lam, gamma=gamma,
                       etas=etas if gd["per_step"] else None, W0=W0)
    except BadInput as err:
        raise BadInput(f"{source}: metadata: {err}") from None
    _check_derivation(c, doc, source)
    return c


def _check_derivation(c: Construction, doc: Mapping[str, Any], source: str) -> None:
    """The re-derived construction must agree with every descriptive key of the metadata."""
    rebuilt = metadata(c, doc["format"], doc["dtype"], dict.fromkeys(justifying_claims(c, doc["format"]), "0" * 64))
    for key in sorted(set(doc) | set(rebuilt)):  # the descriptive keys too: conventions, task, gd_lr, arrays
        if key in ("claims", "certificate_hash", "gdssm_version", "dims", "steps", "eta", "alpha", "gd"):
            continue
        if doc.get(key) != rebuilt.get(key):
            raise BadInput(f"{source}: metadata {key} is not what gdssm writes for this construction and format "
                           "(the file was edited)")
    for key in ("dims", "steps", "eta", "alpha", "gd"):
        if rebuilt[key] != doc[key]:
            raise BadInput(f"{source}: metadata {key} {json.dumps(doc[key])[:120]} disagrees with the construction it "
                           f"derives ({json.dumps(rebuilt[key])[:120]})")
    if sorted(doc["claims"]) != sorted(rebuilt["claims"]):
        raise BadInput(f"{source}: metadata claims {_shown(sorted(doc['claims']), 120)} are not the claims of its "
                       f"construction ({sorted(rebuilt['claims'])})")


def describe(doc: Mapping[str, Any]) -> str:
    """One line naming a file by its metadata: format, construction, dims, k, eta, layout, dtype."""
    dims = " ".join(f"{key}={doc['dims'][key]}" for key in ("f", "m", "N", "H"))
    eta = f" eta={doc['eta']} (alpha={doc['alpha']})" if doc["eta"] is not None else ""
    return f"{doc['format']}, {doc['construction']} {dims} k={doc['steps']}{eta} layout {doc['layout']} {doc['dtype']}"
