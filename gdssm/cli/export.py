"""``gdssm export``: a thin handler over :mod:`gdssm.numeric.formats`.

``numeric`` never imports ``proofs`` (DESIGN §3), so the statement hashes of the claims that justify a file
are looked up here, in the claims registry, and handed to the writer; ``check --weights`` compares the
file's hashes with the registry of this installation.

Everything is checked before the derivation: the options (``--eta`` or ``--etas`` is required -- tensors hold
numbers, so export has no default step size and no ``symbolic``), the output path (suffix, not a folder,
writable), the cost (:func:`gdssm.core.budget.export_cost`), and that every constant fits the dtype.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.options import build_construction, construction_args, lambda_note, output_file
from gdssm.core import budget
from gdssm.core.errors import BadInput

EXPORT_NAMES = ("one-step", "k-step")
DTYPE_RANGE = {"float64": (2.2250738585072014e-308, 1.7976931348623157e308),
               "float32": (1.1754943508222875e-38, 3.4028234663852886e38)}
"""Smallest normal and largest finite magnitude of each dtype."""


def claim_hashes(ids: Iterable[str]) -> dict[str, str]:
    """Claim id -> sha256 statement hash, from the registry (an unknown id is a BadInput)."""
    from gdssm.proofs.claims import claim

    return {cid: claim(cid).statement_hash for cid in ids}


def fits_dtype(construction: Any, dtype: str) -> None:
    """Every GD constant of the construction (eta_j, alpha_j, rho_j, lambda, gamma) fits ``dtype``: finite, and
    not rounded to 0 when it is not 0."""
    import sympy as sp

    tiny, huge = DTYPE_RANGE[dtype]
    gd = construction.gd
    named = [*(("eta", e) for e in gd.etas), *(("alpha = eta/N", a) for a in gd.alphas),
             *(("rho = 1 - eta gamma", r) for r in gd.decays), ("lambda", gd.lam), ("gamma", gd.gamma)]
    for name, value in named:
        v = sp.Rational(value)
        if v != 0 and not tiny <= abs(v) <= huge:
            shown = sp.Float(v, 3)
            raise BadInput(f"{name} = {shown} does not fit a {dtype} tensor (magnitudes {tiny:.3g} to {huge:.3g})")


def export(args: argparse.Namespace) -> int:
    """``gdssm export``: derive the construction, write the weights file atomically, print one line."""
    if args.construction not in EXPORT_NAMES:
        raise BadInput(f"cannot export construction {args.construction!r}; choose one of {', '.join(EXPORT_NAMES)}")
    if args.format == "reference" and args.construction != "one-step":
        raise BadInput("format 'reference' holds the one-step construction only (the authors' single layer)")
    spec = construction_args(args, "export")
    if args.eta is None and args.etas is None:
        raise BadInput("export needs a step size: give --eta (a number or a fraction) or --etas; there is no default "
                       "(derive's 'symbolic' cannot be stored in tensors)")
    for value in [args.eta, *(args.etas or [])]:
        if value is not None and value.free_symbols:
            raise BadInput("export needs numeric step sizes (tensors hold numbers), got 'symbolic'")
    output_file(args.output, "-o/--output")
    from gdssm.numeric.formats import container_of

    container_of(args.output, args.format)
    layout = args.layout or ("reference" if args.format == "reference" else "split")
    budget.require(budget.export_cost(args.f, args.m, spec["k"], layout))
    construction = build_construction(spec, layout)
    fits_dtype(construction, args.dtype)
    lambda_note(spec["lam"])
    from gdssm.numeric.formats import describe, justifying_claims, write_weights

    claims = claim_hashes(justifying_claims(construction, args.format))
    written = write_weights(args.output, construction, args.format, args.dtype, claims)
    digest = hashlib.sha256(written.data).hexdigest()
    print(f"wrote {args.output}: {describe(written.metadata)}, {len(written.data)} bytes, sha256 {digest[:16]}")
    return EXIT_OK
