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
    """Route 3 for a claim: ``numeric.check`` over Hypothesis-drawn constructions of the claim's kind, or for a
    feature claim :mod:`numeric.feature_route` over drawn torch feature maps."""
    import time

    from gdssm.core.errors import Refuted
    from gdssm.numeric.check import run_check
    from gdssm.numeric.feature_route import KINDS, run_feature_check
    from gdssm.proofs.verify import Outcome

    start = time.perf_counter()
    if names and names[0] in KINDS:
        try:
            found = run_feature_check(names[0], NUMERIC_EXAMPLES, seed)
        except Refuted as failure:
            return Outcome(claim_id, "numeric", False, "drawn", f"{NUMERIC_EXAMPLES} examples",
                           time.perf_counter() - start, str(failure), failure.counterexample)
        where = "drawn P<=6, N<=12, GELU and sigmoid" if names[0] == "glu" else "drawn MLP phi, f<=3, m<=2, N<=12"
        return Outcome(claim_id, "numeric", True, where, f"{found.examples} examples", time.perf_counter() - start,
                       f"max rel {found.max_rel:.1e} (float64, tolerance 1e-9)")
    try:
        report = run_check(NUMERIC_EXAMPLES, seed, names=names, max_f=8, max_m=3, max_N=32, max_k=4)
    except Refuted as failure:
        return Outcome(claim_id, "numeric", False, "drawn", f"{NUMERIC_EXAMPLES} examples",
                       time.perf_counter() - start, str(failure), failure.counterexample)
    rel = ", ".join(f"{name} max rel {s.max_rel:.1e}" for name, s in report.stats.items())
    return Outcome(claim_id, "numeric", True, "f<=8, m<=3, N<=32, k<=4 (drawn)", f"{report.examples} examples",
                   time.perf_counter() - start, rel)


def run_jobs(jobs: list[Any], bar: Any, reused: dict[tuple[str, str], Any] | None = None,
             workers: int | None = None, recheck: bool = False) -> list[Any]:
    """The outcome of every (claim, route) job, in order: reused where ``reused`` has it, run otherwise.
    ``recheck``: the batch routes answer nothing from stored verdicts (coqc checks every file).

    The batch routes (coq: one library build, the claims' files in parallel, a file accepted before answered from
    its stored verdict) run in a thread beside the others; those run in ``workers`` forked processes (default: one
    per core, :func:`job_workers`), each job where it is free next, or here when one process is all there is. A
    job's outcome is the same wherever it runs: a forked process holds the very claims, runners and seed of this
    one. Each outcome carries its claim's statement hash, computed beside it (:attr:`Outcome.statement_hash`).
    """
    import threading

    from gdssm.proofs.verify import BATCH_RUNNERS

    reused = dict(reused or {})
    pending = [(i, c, route) for i, (c, route) in enumerate(jobs) if (c.id, route) not in reused]
    batched = {route: [c for _, c, r in pending if r == route] for route in BATCH_RUNNERS}
    single = [(i, c, route) for i, c, route in pending if route not in BATCH_RUNNERS]
    task = bar.add_task("verifying claims", total=len(jobs))
    bar.advance(task, len(jobs) - len(pending))
    count = job_workers(len(single)) if workers is None else max(1, min(workers, len(single)))
    pool = _Workers(jobs, count, bar) if count > 1 else None  # forked before any thread of ours starts
    done: dict[int, Any] = {}
    errors: list[BaseException] = []

    def run_batches() -> None:
        try:
            for route, claims in batched.items():
                if claims:
                    for o in BATCH_RUNNERS[route](claims, not recheck):
                        done[next(i for i, c, r in pending if r == route and c.id == o.claim)] = o
                        bar.advance(task)
        except BaseException as exc:  # re-raised by the main thread
            errors.append(exc)

    thread = threading.Thread(target=run_batches, name="gdssm-batch-routes", daemon=True)
    thread.start()
    try:
        if pool is not None:
            bar.update(task, description=f"{len(single)} checks in {count} processes, "
                                         f"{sum(map(len, batched.values()))} batched")
            for i, outcome in pool.run(_units(single)):
                done[i] = outcome
                bar.advance(task)
        else:
            for i, c, route in single:
                bar.update(task, description=f"{c.id} [{route}]")
                done[i] = run_job(c, route)
                bar.advance(task)
        thread.join()
    except BaseException:
        if pool is not None:
            pool.close(kill=True)
            pool = None
        raise
    finally:
        if pool is not None:
            pool.close()
    if errors:
        raise errors[0]
    return [reused[(c.id, route)] if (c.id, route) in reused else done[i] for i, (c, route) in enumerate(jobs)]


def run_job(c: Any, route: str) -> Any:
    """One non-batch job: the route's runner (route 3 through :func:`numeric_outcome`), with the statement hash."""
    from dataclasses import replace

    from gdssm.proofs.claims import claim
    from gdssm.proofs.verify import RUNNERS

    outcome = numeric_outcome(c.id, claim(c.id).numeric) if route == "numeric" else RUNNERS[route](c)
    return replace(outcome, statement_hash=c.statement_hash)


def job_workers(jobs: int) -> int:
    """Processes for ``jobs`` independent checks: one per core this process may use (1 for fewer than 4 jobs,
    where forking costs more than it saves, and where processes cannot be forked)."""
    import multiprocessing
    import os

    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return 1 if jobs < 4 else max(1, min(cores, jobs))


def _units(single: list[tuple[int, Any, str]]) -> list[list[int]]:
    """The jobs as units of work for the processes, long ones first so that the processes stay busy until the end:
    every route-3 job in one unit (one process imports torch, once), then the exact route's SymPy identities, then
    the rest, one job each."""
    numeric = [i for i, _, route in single if route == "numeric"]
    heavy = [[i] for i, c, route in single if route == "exact" and c.scalar_check is not None]
    rest = [[i] for i, c, route in single if route != "numeric" and not (route == "exact" and c.scalar_check)]
    return ([numeric] if numeric else []) + heavy + rest


class _Workers:
    """Forked processes that run :func:`run_job` on jobs of one list by index, one job at a time each.

    Forked, not spawned: a worker holds the parent's claims (edited or not), runners, seed and imports as they are
    at the fork. They are not daemonic, so a job may fork a capped child of its own (the exact route). The rich
    progress display is paused while forking (no thread of it runs into a fork)."""

    def __init__(self, jobs: list[Any], count: int, bar: Any) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("fork")
        live = bool(getattr(getattr(bar, "live", None), "is_started", False))  # a rich Progress on screen
        if live:
            bar.stop()
        try:
            self.links: list[Any] = []
            self.processes: list[Any] = []
            for _ in range(count):
                parent, child = ctx.Pipe()
                process = ctx.Process(target=_serve, args=(jobs, child), daemon=False)
                process.start()
                child.close()
                self.links.append(parent)
                self.processes.append(process)
        finally:
            if live:
                bar.start()

    def run(self, units: list[list[int]]) -> Any:
        """Yield (index, outcome) as the workers finish, handing each free worker the next unit (job indices run in
        turn by one worker) of ``units``."""
        from multiprocessing.connection import wait

        queue = [list(unit) for unit in units if unit]
        busy: dict[Any, int] = {}  # link -> outcomes still to come from its unit
        link: Any
        for link in self.links:
            if queue:
                unit = queue.pop(0)
                link.send(unit)
                busy[link] = len(unit)
        while busy:
            for link in wait(list(busy)):
                try:
                    index, status, value = link.recv()
                except EOFError:
                    raise RuntimeError("a verify worker process died") from None
                if status != "ok":
                    raise value
                busy[link] -= 1
                if busy[link] == 0:
                    if queue:
                        unit = queue.pop(0)
                        link.send(unit)
                        busy[link] = len(unit)
                    else:
                        del busy[link]
                yield index, value

    def close(self, kill: bool = False) -> None:
        """Let the workers end (they are idle once :meth:`run` is done), or ``kill`` them now."""
        for link in self.links:
            try:
                if not kill:
                    link.send(None)
                link.close()
            except OSError:
                pass
        for process in self.processes:
            if kill:
                process.kill()
            process.join(timeout=None if kill else 5)
            if process.is_alive():
                process.kill()
                process.join()


def _serve(jobs: list[Any], link: Any) -> None:
    """A worker's loop: receive a unit (job indices), answer (index, "ok", outcome) or (index, "raised", exception)
    for each job in turn; None ends it."""
    import traceback

    from gdssm.core.errors import GdssmError

    while True:
        try:
            unit = link.recv()
        except EOFError:
            return
        if unit is None:
            return
        for index in unit:
            c, route = jobs[index]
            try:
                answer = (index, "ok", run_job(c, route))
            except GdssmError as exc:  # gdssm's own exceptions cross the pipe as they are
                answer = (index, "raised", exc)
            except Exception:  # anything else may not survive the pipe: its traceback as text
                answer = (index, "raised",
                          RuntimeError(f"{c.id} [{route}] failed in a worker process:\n{traceback.format_exc()}"))
            link.send(answer)


def available_jobs(jobs: list[Any], asked: list[str] | None) -> tuple[list[Any], list[Any]]:
    """(jobs whose route can run here, jobs of routes whose engine is missing). A missing engine prints one
    line naming what to install and its claims are not checked by it (not failed); asking for that route
    by name (``--route coq``) is a user error instead."""
    from gdssm.core.errors import BadInput
    from gdssm.proofs.verify import unavailable_routes

    missing = {route: reason for route, reason in unavailable_routes().items() if any(r == route for _, r in jobs)}
    for route, reason in missing.items():
        if asked and route in asked:
            raise BadInput(f"--route {route}: {reason}")
        print(f"gdssm: {route}: {reason}", file=sys.stderr)
    return [j for j in jobs if j[1] not in missing], [j for j in jobs if j[1] in missing]


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
    import secrets

    from gdssm.cli.options import output_file
    from gdssm.core.atomic import write_text
    from gdssm.proofs.route_exact import RUN_SEED
    from gdssm.proofs.verify import certificate_text, certificates, plan

    args.certificates = "out/certificates.json" if args.certificates is None else args.certificates
    output_file(args.certificates, "--certificates")

    jobs, skipped = available_jobs(plan(args.claim, args.route), args.route)
    seed = args.seed if args.seed is not None else secrets.randbits(63)  # the exact route's random points
    token = RUN_SEED.set(seed)
    try:
        with progress() as bar:
            outcomes = run_jobs(jobs, bar, recheck=args.recheck)
    finally:
        RUN_SEED.reset(token)
    doc = certificates(outcomes)
    write_text(args.certificates, certificate_text(doc))
    if args.json:
        sys.stdout.write(certificate_text(doc))
    else:
        table("gdssm verify", ["claim", "route", "result", "size", "seconds", "detail"],
               [[o.claim, o.route, "passed" if o.ok else "FAILED", o.size, f"{o.seconds:.2f}", o.detail[:70]]
                for o in outcomes]
               + [[c.id, route, f"not {route.capitalize()}-checked", "-", "-", "engine not installed"]
                  for c, route in skipped])
        print(f"certificates: {args.certificates}")
        print(f"seed of the exact route's random evaluation (where a check fell back to it): {seed}; "
              f"--seed {seed} reproduces this run")
    first_failure(outcomes)
    return EXIT_OK


FILE_ROUTES = ("exact", "z3", "numeric")
"""The routes that apply to a construction file (the dimension-free routes prove the registry's claims)."""
FILE_DEFAULT_ROUTES = ("exact", "numeric")
FILE_EXAMPLES = 10
NUMERIC_ETA = "1/2"
"""Where the numeric route evaluates a file whose eta is symbolic (the exact route covers every eta)."""


def verify_file(args: argparse.Namespace) -> int:
    """``gdssm verify --construction-file``: the file's layer against the GD the toolkit derives from its header,
    by the exact route (polynomial identity, or random points from a fresh seed, printed), Z3 (if asked) and the
    numeric route. Exit 0 when every route holds, 1 (Refuted) naming the route otherwise."""
    import json
    import secrets

    import sympy as sp

    from gdssm.cli.options import refuse
    from gdssm.core.errors import BadInput, Refuted

    refuse(args, ("claim",), "with --construction-file (the file's claims are derived from its header)")
    refuse(args, ("certificates",),
           "with --construction-file (it certifies no registry claim; --json prints the result)")
    routes = tuple(dict.fromkeys(args.route)) if args.route else FILE_DEFAULT_ROUTES
    for route in routes:
        if route not in FILE_ROUTES:
            raise BadInput(f"route {route!r} does not apply to a construction file; "
                           f"choose from {', '.join(FILE_ROUTES)}")
    read = load_construction_file(args.construction_file, routes=routes, examples=FILE_EXAMPLES)
    path, c = args.construction_file, read.checked
    seed = args.seed if args.seed is not None else secrets.randbits(63)
    against = f"the {read.gd_summary()}"
    result: dict[str, Any] = {"file": path, "gd": read.gd_summary(), "seed": seed, "routes": {},
                              "differing_from_derivation": list(read.differing)}
    lines = []
    if "exact" in routes:
        from gdssm.proofs.route_exact import check_exact

        exact = check_exact(c, "auto", seed=seed, timeout=60.0)
        result["routes"]["exact"] = {"method": exact.method, "status": exact.status, "dims": exact.dims,
                                     "seed": exact.seed, "bound": exact.bound}
        if not exact.ok:
            raise Refuted(f"construction file {path}: the layer is not {against} (exact route: {exact.status}; "
                          f"seed {seed})",
                          exact.counterexample or {"dims": exact.dims})
        how = "polynomial identity" if exact.method == "mpoly" else f"random points, seed {exact.seed}"
        lines.append(f"exact: {exact.status} ({how}) at {', '.join(f'{k}={v}' for k, v in exact.dims.items())}")
    if "z3" in routes:
        from gdssm.proofs.route_z3 import check_z3

        z3 = check_z3(c, timeout=60.0, eta_positive=True)
        result["routes"]["z3"] = {"status": z3.status, "ok": z3.ok}
        if not z3.ok:
            raise Refuted(f"construction file {path}: the layer is not {against} (z3: {z3.status})",
                          getattr(z3, "counterexample", None) or {"route": "z3"})
        lines.append(f"z3: {z3.status}")
    if "numeric" in routes:
        from gdssm.numeric.check import check_construction

        numeric_c, at = c, ""
        if read.symbolic:
            numeric_c, at = read.at_eta(sp.Rational(NUMERIC_ETA)), f" at eta = {NUMERIC_ETA}"
        try:
            numeric = check_construction(numeric_c, examples=FILE_EXAMPLES, seed=seed)
        except Refuted as failure:
            raise Refuted(f"construction file {path}: the layer is not {against} (numeric route{at}: {failure})",
                          failure.counterexample) from None
        worst = max(s.max_rel for s in numeric.stats.values())
        result["routes"]["numeric"] = {"examples": numeric.examples, "max_rel": worst, "at_eta": at.strip() or None}
        lines.append(f"numeric: {numeric.examples} examples{at}, max relative error {worst:.2e}")
    result["holds"] = True
    if args.json:
        sys.stdout.write(json.dumps(result, indent=2, sort_keys=True, default=str) + "\n")
        return EXIT_OK
    print(f"{path}: holds: its layer computes {against}")
    print("; ".join(lines) + f" (seed {seed}; --seed {seed} reproduces this run)")
    print("parameters: identical to the toolkit's derivation" if not read.differing else
          f"parameters: differ from the toolkit's derivation in {', '.join(read.differing)} "
          "(and still compute this GD)")
    return EXIT_OK
