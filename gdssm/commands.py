"""Handlers of the subcommands: each turns parsed arguments into calls of the packages and prints."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gdssm.atomic import write_text
from gdssm.errors import EXIT_OK, UserError


def emit(text: str, output: str | None) -> None:
    """Print ``text`` or write it atomically to ``output``."""
    if output:
        write_text(output, text)
    else:
        sys.stdout.write(text)


def derive_document(args: argparse.Namespace) -> dict[str, Any]:
    """The derive document (schema ``gdssm.derive/1``) that the arguments ask for."""
    from symbolic.constructions import CONSTRUCTIONS, k_step, one_step
    from symbolic.reference import reference_two_step
    from symbolic.serialize import construction_json, reference_json

    name = args.construction
    if name not in CONSTRUCTIONS:
        raise UserError(f"unknown construction {name!r}; choose one of {', '.join(CONSTRUCTIONS)}")
    if name == "one-step":
        if args.steps not in (None, 1):
            raise UserError(f"the one-step construction has k = 1, got --steps {args.steps}; use k-step")
        return construction_json(one_step(args.f, args.m, args.N, args.eta, layout=args.layout, lam=args.lam))
    if name == "k-step":
        etas = args.etas.split(",") if args.etas else None
        k = args.steps if args.steps is not None else (len(etas) if etas else 1)
        c = k_step(args.f, args.m, args.N, k, args.eta, layout=args.layout, lam=args.lam, gamma=args.gamma, etas=etas)
        return construction_json(c)
    if args.layout != "split" and args.layout != "reference":
        raise UserError(f"unknown layout {args.layout!r}; choose one of split, reference")
    return reference_json(reference_two_step(args.f, args.m, args.N, args.eta, args.variant))


def derive(args: argparse.Namespace) -> int:
    """``gdssm derive``: print the analytic parameters, or the optimal step size."""
    if args.optimal_eta:
        return optimal_eta(args)
    from symbolic.serialize import to_json_text, to_latex, to_text

    doc = derive_document(args)
    render = {"json": to_json_text, "latex": to_latex, "text": to_text}[args.format]
    emit(render(doc), args.output)
    return EXIT_OK


def optimal_eta(args: argparse.Namespace) -> int:
    """``gdssm derive --optimal-eta``: alpha*, eta* and the expected one-step loss, exact."""
    import json

    from symbolic.stepsize import input_law, law_names, optimal_step_summary

    if args.law not in law_names():
        raise UserError(f"unknown input law {args.law!r}; choose one of {', '.join(law_names())}")
    summary = optimal_step_summary(input_law(args.law), args.f, args.N)
    if args.format == "json":
        emit(json.dumps(summary, indent=2, sort_keys=True) + "\n", args.output)
    else:
        emit("".join(f"{key}: {value}\n" for key, value in summary.items()), args.output)
    return EXIT_OK


def _progress() -> Any:
    """A rich progress bar on stderr (transient, so tables and JSON on stdout stay clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def _table(title: str, header: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)


NUMERIC_EXAMPLES = 12


def numeric_outcome(claim_id: str, names: tuple[str, ...], seed: int = 0) -> Any:
    """Route 3 for a claim: ``numeric.check`` over Hypothesis-drawn constructions of the claim's kind."""
    import time

    from gdssm.errors import VerificationFailure
    from numeric.check import run_check
    from proofs.verify import Outcome

    start = time.perf_counter()
    try:
        report = run_check(NUMERIC_EXAMPLES, seed, names=names, max_f=8, max_m=3, max_N=32, max_k=4)
    except VerificationFailure as failure:
        return Outcome(claim_id, "numeric", False, "drawn", f"{NUMERIC_EXAMPLES} examples",
                       time.perf_counter() - start, str(failure), failure.counterexample)
    rel = ", ".join(f"{name} max rel {s.max_rel:.1e}" for name, s in report.stats.items())
    return Outcome(claim_id, "numeric", True, "f<=8, m<=3, N<=32, k<=4 (drawn)", f"{report.examples} examples",
                   time.perf_counter() - start, rel)


def run_jobs(jobs: list[Any], bar: Any, reused: dict[tuple[str, str], Any] | None = None) -> list[Any]:
    """The outcome of every (claim, route) job, in order: reused where ``reused`` has it, run otherwise."""
    from proofs.claims import claim
    from proofs.verify import RUNNERS

    reused = reused or {}
    outcomes = []
    task = bar.add_task("verifying claims", total=len(jobs))
    for c, route in jobs:
        bar.update(task, description=f"{c.id} [{route}]")
        if (c.id, route) in reused:
            outcomes.append(reused[(c.id, route)])
        elif route == "numeric":
            outcomes.append(numeric_outcome(c.id, claim(c.id).numeric))
        else:
            outcomes.append(RUNNERS[route](c))
        bar.advance(task)
    return outcomes


def first_failure(outcomes: list[Any]) -> None:
    """Raise :class:`VerificationFailure` for the first failed outcome, if any."""
    from gdssm.errors import VerificationFailure

    failed = [o for o in outcomes if not o.ok]
    if failed:
        first = failed[0]
        raise VerificationFailure(f"claim {first.claim} fails route {first.route}: {first.detail}",
                                  first.counterexample or {"claim": first.claim, "route": first.route})


def verify(args: argparse.Namespace) -> int:
    """``gdssm verify``: run every route of the chosen claims, print the table, write certificates."""
    if args.construction_file:
        return verify_file(args)
    from gdssm.atomic import write_text
    from proofs.verify import certificate_text, certificates, plan

    jobs = plan(args.claim, args.route)
    with _progress() as bar:
        outcomes = run_jobs(jobs, bar)
    doc = certificates(outcomes)
    write_text(args.certificates, certificate_text(doc))
    if args.json:
        sys.stdout.write(certificate_text(doc))
    else:
        _table("gdssm verify", ["claim", "route", "result", "size", "seconds", "detail"],
               [[o.claim, o.route, "passed" if o.ok else "FAILED", o.size, f"{o.seconds:.2f}", o.detail[:70]]
                for o in outcomes])
        print(f"certificates: {args.certificates}")
    first_failure(outcomes)
    return EXIT_OK


def load_construction_file(path: str) -> Any:
    """A construction from a derive-schema JSON file; unreadable or invalid files are user errors."""
    import json
    from pathlib import Path

    from symbolic.serialize import construction_from_json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"construction file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise UserError(f"cannot read construction file {path}: {err}") from None
    if not isinstance(doc, dict):
        raise UserError(f"construction file {path} must hold a JSON object")
    return construction_from_json(doc)


def verify_file(args: argparse.Namespace) -> int:
    """``gdssm verify --construction-file``: routes 2 (exact, random points) and 3 (numeric) on a user's file."""
    from gdssm.errors import VerificationFailure
    from numeric.check import check_construction
    from proofs.route_exact import check_exact

    c = load_construction_file(args.construction_file)
    exact = check_exact(c, "auto", seed=0, timeout=60.0)
    if not exact.ok:
        raise VerificationFailure(f"{args.construction_file}: the layer is not {c.steps}-step GD ({exact.status})",
                                  exact.counterexample or {"dims": exact.dims})
    numeric = check_construction(c, examples=10, seed=0)
    worst = max(s.max_rel for s in numeric.stats.values())
    print(f"{args.construction_file}: holds. exact: {exact.method} {exact.status} at {exact.dims}; "
          f"numeric: {numeric.examples} examples, max relative error {worst:.2e}")
    return EXIT_OK


def check(args: argparse.Namespace) -> int:
    """``gdssm check``: the Hypothesis property run of layer vs autograd GD, with a bar and a table."""
    import json

    from numeric.check import run_check

    if args.weights:
        from gdssm.export_command import check_weights

        return check_weights(args)
    names: tuple[str, ...] = ("one-step", "k-step")
    construction = None
    if args.construction_file:
        construction = load_construction_file(args.construction_file)
    elif args.construction:
        if args.construction not in names:
            raise UserError(f"unknown construction {args.construction!r} for check; choose one-step or k-step")
        names = (args.construction,)
    with _progress() as bar:
        task = bar.add_task("layer vs autograd GD", total=args.examples)
        report = run_check(args.examples, args.seed, construction, names=names,
                           progress=lambda done, total: bar.update(task, completed=done))
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n")
    else:
        check_table("gdssm check", report)
    return EXIT_OK


def check_table(title: str, report: Any) -> None:
    """The table of a property run (:class:`numeric.check.CheckReport`): errors by dtype against tolerance."""
    _table(f"{title}: {report.examples} examples, seed {report.seed}, {report.seconds:.1f} s",
           ["dtype", "examples", "max abs error", "max rel error", "tolerance (rel)"],
           [[name, str(s.examples), f"{s.max_abs:.2e}", f"{s.max_rel:.2e}", f"{report.tolerances[name]:.0e}"]
            for name, s in report.stats.items()])
