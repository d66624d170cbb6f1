"""``gdssm derive``: the analytic parameters of a construction, or the optimal step size."""

from __future__ import annotations

import argparse
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.output import emit
from gdssm.core.errors import BadInput


def derive_document(args: argparse.Namespace) -> dict[str, Any]:
    """The derive document (schema ``gdssm.derive/1``) that the arguments ask for."""
    from gdssm.symbolic.constructions import CONSTRUCTIONS, k_step, one_step
    from gdssm.symbolic.reference import reference_two_step
    from gdssm.symbolic.serialize import construction_json, reference_json

    name = args.construction
    if name not in CONSTRUCTIONS:
        raise BadInput(f"unknown construction {name!r}; choose one of {', '.join(CONSTRUCTIONS)}")
    if name == "one-step":
        if args.steps not in (None, 1):
            raise BadInput(f"the one-step construction has k = 1, got --steps {args.steps}; use k-step")
        return construction_json(one_step(args.f, args.m, args.N, args.eta, layout=args.layout, lam=args.lam))
    if name == "k-step":
        etas = args.etas.split(",") if args.etas else None
        k = args.steps if args.steps is not None else (len(etas) if etas else 1)
        c = k_step(args.f, args.m, args.N, k, args.eta, layout=args.layout, lam=args.lam, gamma=args.gamma, etas=etas)
        return construction_json(c)
    if args.layout != "split" and args.layout != "reference":
        raise BadInput(f"unknown layout {args.layout!r}; choose one of split, reference")
    return reference_json(reference_two_step(args.f, args.m, args.N, args.eta, args.variant))


def derive(args: argparse.Namespace) -> int:
    """``gdssm derive``: print the analytic parameters, or the optimal step size."""
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

    if args.law not in law_names():
        raise BadInput(f"unknown input law {args.law!r}; choose one of {', '.join(law_names())}")
    summary = optimal_step_summary(input_law(args.law), args.f, args.N)
    if args.format == "json":
        emit(json.dumps(summary, indent=2, sort_keys=True) + "\n", args.output)
    else:
        emit("".join(f"{key}: {value}\n" for key, value in summary.items()), args.output)
    return EXIT_OK
