"""``gdssm derive``: the analytic parameters of a construction, or the optimal step size.

Options another choice makes meaningless are refused (``--gamma`` for one-step, ``--law`` without
``--optimal-eta``, ...). The output file is checked before the derivation, and the derivation's cost against
the budget (:func:`gdssm.core.budget.derive_cost`). The default step size is ``symbolic``; ``export`` has none
(tensors hold numbers).
"""

from __future__ import annotations

import argparse
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.options import build_construction, construction_args, lambda_note, output_file, refuse
from gdssm.cli.output import emit
from gdssm.core import budget
from gdssm.core.errors import BadInput

CONSTRUCTION_NAMES = ("one-step", "k-step", "reference-two-step")


def derive_document(args: argparse.Namespace) -> dict[str, Any]:
    """The derive document (schema ``gdssm.derive/2``) that the arguments ask for."""
    name = args.construction or "one-step"
    if name not in CONSTRUCTION_NAMES:
        raise BadInput(f"unknown construction {name!r}; choose one of {', '.join(CONSTRUCTION_NAMES)}")
    args = argparse.Namespace(**{**vars(args), "construction": name})
    refuse(args, ("law",), "without --optimal-eta")
    if name == "reference-two-step":
        return _reference_document(args)
    refuse(args, ("variant",), "to the one-step and k-step constructions (it picks a reference-two-step variant)")
    spec = construction_args(args, "derive")
    layout = args.layout or "split"
    budget.require(budget.derive_cost(name, args.f, args.m, args.N, spec["k"], layout))
    from gdssm.symbolic.serialize import construction_json

    doc = construction_json(build_construction(spec, layout))
    lambda_note(spec["lam"])
    return doc


def _reference_document(args: argparse.Namespace) -> dict[str, Any]:
    from gdssm.symbolic.constructions import ETA
    from gdssm.symbolic.reference import reference_two_step
    from gdssm.symbolic.serialize import reference_json

    why = "to reference-two-step (the authors' fixed two-step stack: one eta, lambda = 1, no decay)"
    refuse(args, ("etas", "lam", "gamma"), why)
    if args.steps not in (None, 2):
        raise BadInput(f"reference-two-step has k = 2, got --steps {args.steps}")
    if args.layout not in (None, "reference"):
        raise BadInput(f"reference-two-step uses the reference layout, got --layout {args.layout}")
    budget.require(budget.derive_cost("reference-two-step", args.f, args.m, args.N, 2, "reference"))
    variant = args.variant or "A"
    return reference_json(reference_two_step(args.f, args.m, args.N, args.eta if args.eta is not None else ETA,
                                             variant))


def derive(args: argparse.Namespace) -> int:
    """``gdssm derive``: print the analytic parameters, or the optimal step size."""
    if args.output is not None:
        output_file(args.output, "-o/--output")
    if args.optimal_eta:
        return optimal_eta(args)
    from gdssm.symbolic.serialize import to_json_text, to_latex, to_text

    doc = derive_document(args)
    render = {"json": to_json_text, "latex": to_latex, "text": to_text}[args.format]
    emit(render(doc), args.output)
    return EXIT_OK


def optimal_eta(args: argparse.Namespace) -> int:
    """``gdssm derive --optimal-eta``: alpha*, eta* and the expected one-step loss, exact."""
    import json

    from gdssm.symbolic.stepsize import input_law, law_names, optimal_step_summary

    refuse(args, ("construction", "steps", "eta", "etas", "lam", "gamma", "layout", "variant"),
           "with --optimal-eta (it derives the optimal one-step eta for --law, --f and --n)")
    if args.format == "latex":
        raise BadInput("--format latex renders parameters; --optimal-eta prints json or text")
    law = args.law or "uniform"
    if law not in law_names():
        raise BadInput(f"unknown input law {law!r}; choose one of {', '.join(law_names())}")
    summary = optimal_step_summary(input_law(law), args.f, args.N)
    if args.format == "json":
        emit(json.dumps(summary, indent=2, sort_keys=True) + "\n", args.output)
    else:
        emit("".join(f"{key}: {value}\n" for key, value in summary.items()), args.output)
    return EXIT_OK
