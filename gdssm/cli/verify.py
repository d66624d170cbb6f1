"""``gdssm verify``: every route of the chosen claims, certificates, and a user's construction file."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.inputs import load_construction_file
from gdssm.cli.output import progress, table

NUMERIC_EXAMPLES = 12


def numeric_outcome(claim_id: str, names: tuple[str, ...], seed: int = 0) -> Any:
    """Route 3 for a claim: ``numeric.check`` over Hypothesis-drawn constructions of the claim's kind."""
    import time

    from gdssm.core.errors import Refuted
    from gdssm.numeric.check import run_check
    from gdssm.proofs.verify import Outcome

    start = time.perf_counter()
    try:
        report = run_check(NUMERIC_EXAMPLES, seed, names=names, max_f=8, max_m=3, max_N=32, max_k=4)
    except Refuted as failure:
        return Outcome(claim_id, "numeric", False, "drawn", f"{NUMERIC_EXAMPLES} examples",
                       time.perf_counter() - start, str(failure), failure.counterexample)
    rel = ", ".join(f"{name} max rel {s.max_rel:.1e}" for name, s in report.stats.items())
    return Outcome(claim_id, "numeric", True, "f<=8, m<=3, N<=32, k<=4 (drawn)", f"{report.examples} examples",
                   time.perf_counter() - start, rel)


def run_jobs(jobs: list[Any], bar: Any, reused: dict[tuple[str, str], Any] | None = None) -> list[Any]:
    """The outcome of every (claim, route) job, in order: reused where ``reused`` has it, run otherwise."""
    from gdssm.proofs.claims import claim
    from gdssm.proofs.verify import RUNNERS

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
    """Raise :class:`Refuted` for the first failed outcome, if any."""
    from gdssm.core.errors import Refuted

    failed = [o for o in outcomes if not o.ok]
    if failed:
        first = failed[0]
        raise Refuted(f"claim {first.claim} fails route {first.route}: {first.detail}",
                                  first.counterexample or {"claim": first.claim, "route": first.route})


def verify(args: argparse.Namespace) -> int:
    """``gdssm verify``: run every route of the chosen claims, print the table, write certificates."""
    if args.construction_file:
        return verify_file(args)
    from gdssm.core.atomic import write_text
    from gdssm.proofs.verify import certificate_text, certificates, plan

    jobs = plan(args.claim, args.route)
    with progress() as bar:
        outcomes = run_jobs(jobs, bar)
    doc = certificates(outcomes)
    write_text(args.certificates, certificate_text(doc))
    if args.json:
        sys.stdout.write(certificate_text(doc))
    else:
        table("gdssm verify", ["claim", "route", "result", "size", "seconds", "detail"],
               [[o.claim, o.route, "passed" if o.ok else "FAILED", o.size, f"{o.seconds:.2f}", o.detail[:70]]
                for o in outcomes])
        print(f"certificates: {args.certificates}")
    first_failure(outcomes)
    return EXIT_OK


def verify_file(args: argparse.Namespace) -> int:
    """``gdssm verify --construction-file``: routes 2 (exact, random points) and 3 (numeric) on a user's file."""
    from gdssm.core.errors import Refuted
    from gdssm.numeric.check import check_construction
    from gdssm.proofs.route_exact import check_exact

    c = load_construction_file(args.construction_file)
    exact = check_exact(c, "auto", seed=0, timeout=60.0)
    if not exact.ok:
        raise Refuted(f"{args.construction_file}: the layer is not {c.steps}-step GD ({exact.status})",
                                  exact.counterexample or {"dims": exact.dims})
    numeric = check_construction(c, examples=10, seed=0)
    worst = max(s.max_rel for s in numeric.stats.values())
    print(f"{args.construction_file}: holds. exact: {exact.method} {exact.status} at {exact.dims}; "
          f"numeric: {numeric.examples} examples, max relative error {worst:.2e}")
    return EXIT_OK
