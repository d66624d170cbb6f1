"""What several commands share: options that do not apply (refused, not ignored), the construction the options
describe (``derive`` and ``export``), output paths checked before any work, and the note on lambda.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_writable_file, require_writable_folder


def refuse(args: argparse.Namespace, options: Iterable[str], why: str) -> None:
    """A BadInput if any of ``options`` (argparse dests; given = not None and not False) was given."""
    for dest in options:
        value = getattr(args, dest, None)
        if value is not None and value is not False:
            raise BadInput(f"{flag(dest)} does not apply {why}")


def flag(dest: str) -> str:
    """The option of an argparse dest (``N`` -> ``--n``, ``construction_file`` -> ``--construction-file``)."""
    return {"N": "--n", "output": "-o/--output", "lam": "--lam"}.get(dest, "--" + dest.replace("_", "-"))


def output_file(path: str | Path, option: str) -> Path:
    """An output file checked before any work: not a folder, under a folder that exists or can be created and
    is writable (a missing parent is created when the file is written)."""
    try:
        return require_writable_file(path)
    except BadInput as err:
        raise BadInput(f"{option}: {err}") from None


def output_folder(path: str | Path, option: str) -> Path:
    """An output folder checked before any work (created when the outputs are written)."""
    try:
        return require_writable_folder(path)
    except BadInput as err:
        raise BadInput(f"{option}: {err}") from None


def input_file(path: str, what: str) -> Path:
    """An input file that exists and is a file (checked before any heavy import)."""
    target = Path(path)
    if not target.exists():
        raise BadInput(f"{what} not found: {path}")
    if target.is_dir():
        raise BadInput(f"{what} {path} is a folder, not a file")
    return target


def lambda_note(lam: Any, where: str = "") -> None:
    """One line on stderr when lambda is outside (0, 1]: what is then proved (the identity holds for any lambda)."""
    from gdssm.symbolic.exact_text import as_expr

    value = as_expr(lam)
    if value.free_symbols or 0 < value <= 1:
        return
    if value > 1:
        meaning = "that loss weights older examples more: it is not a discounted (forgetting) loss"
    elif value == 0:
        meaning = "only the latest example has weight (0^0 = 1): the state keeps the current window alone"
    else:
        meaning = "the weights alternate in sign: the loss is not bounded below and GD on it is formal"
    print(f"note: {where}lambda = {value} is outside (0, 1]; the theorem holds for every lambda (the layer computes "
          f"exactly GD on 1/(2N) sum_(i<=t) lambda^(t-i) ||W x_i - y_i||^2), but {meaning}", file=sys.stderr)


def construction_args(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """The validated construction options of ``derive`` / ``export``: name, f, m, N, k, eta, etas, lam, gamma,
    layout; options the construction does not take are refused."""
    name = args.construction
    if name == "one-step":
        refuse(args, ("etas",), "to the one-step construction (one eta; per-step step sizes are k-step)")
        refuse(args, ("gamma",), "to the one-step construction (no weight decay; use k-step)")
        if args.steps not in (None, 1):
            raise BadInput(f"the one-step construction has k = 1, got --steps {args.steps}; use k-step")
    if args.eta is not None and args.etas is not None:
        raise BadInput("give --eta or --etas, not both (--etas sets every step's eta)")
    k = args.steps if args.steps is not None else (len(args.etas) if args.etas else 1)
    if name == "one-step":
        k = 1
    lam = args.lam if args.lam is not None else 1
    gamma = args.gamma if args.gamma is not None else 0
    return {"name": name, "f": args.f, "m": args.m, "N": args.N, "k": k, "eta": args.eta, "etas": args.etas,
            "lam": lam, "gamma": gamma}


def build_construction(spec: dict[str, Any], layout: str) -> Any:
    """The construction of :func:`construction_args` (``symbolic.constructions``)."""
    from gdssm.symbolic.constructions import ETA, k_step, one_step

    eta = spec["eta"] if spec["eta"] is not None else ETA
    if spec["name"] == "one-step":
        return one_step(spec["f"], spec["m"], spec["N"], eta, layout=layout, lam=spec["lam"])
    return k_step(spec["f"], spec["m"], spec["N"], spec["k"], eta, layout=layout, lam=spec["lam"],
                  gamma=spec["gamma"], etas=spec["etas"])
