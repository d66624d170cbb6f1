"""``gdssm verify`` runs its jobs in forked processes: the same outcomes as in one process, edits included."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from gdssm.cli.verify import job_workers, run_jobs
from gdssm.proofs import verify
from gdssm.proofs.claims import claim
from gdssm.proofs.verify import Outcome, certificates


class Bar:
    """A progress bar that counts."""

    def __init__(self) -> None:
        self.done = 0

    def add_task(self, *args: Any, **kwargs: Any) -> int:
        return 0

    def update(self, *args: Any, **kwargs: Any) -> None:
        pass

    def advance(self, task: int, steps: int = 1) -> None:
        self.done += steps


JOBS = [(claim(i), r) for i, r in (("gd.gradient", "symbolic"), ("ssm.one_step", "exact"), ("ssm.one_step", "z3"),
                                  ("ssm.k_step", "symbolic"), ("ref.param_map", "exact"), ("ssm.k_step", "numeric"))]


def _same(a: Outcome, b: Outcome) -> bool:
    return (a.claim, a.route, a.ok, a.dims, a.size, a.detail) == (b.claim, b.route, b.ok, b.dims, b.size, b.detail)


def test_processes_give_the_outcomes_of_one_process_in_order() -> None:
    bar = Bar()
    parallel = run_jobs(JOBS, bar, workers=2)
    serial = run_jobs(JOBS, Bar(), workers=1)
    assert bar.done == len(JOBS)
    assert [(o.claim, o.route) for o in parallel] == [(c.id, r) for c, r in JOBS]
    assert all(o.ok for o in parallel) and all(_same(a, b) for a, b in zip(parallel, serial, strict=True))
    assert all(o.statement_hash == claim(o.claim).statement_hash for o in parallel)
    doc = certificates(parallel)
    assert [row["statement_hash"] for row in doc["certificates"]] == [claim(o.claim).statement_hash for o in parallel]


def test_a_reused_outcome_is_not_run_again() -> None:
    kept = Outcome("ssm.one_step", "exact", True, "kept", "kept", 0.0, "kept")
    outcomes = run_jobs(JOBS, Bar(), {("ssm.one_step", "exact"): kept}, workers=2)
    assert outcomes[1] is kept and all(o.ok for o in outcomes)


def test_the_processes_see_this_process_edits(monkeypatch: pytest.MonkeyPatch) -> None:
    """A runner replaced here (a refuting exact route) and an edited claim are what the forked processes run."""
    def refuting(c: Any) -> Outcome:
        return Outcome(c.id, "exact", False, "d", "s", 0.0, "refuted here")

    monkeypatch.setitem(verify.RUNNERS, "exact", refuting)
    edited = replace(claim("gd.gradient"), theorem=claim("ssm.state").theorem)
    outcomes = run_jobs([(edited, "symbolic"), *JOBS[1:]], Bar(), workers=2)
    exact = [o for o in outcomes if o.route == "exact"]
    assert exact and all(not o.ok and o.detail == "refuted here" for o in exact)
    assert outcomes[0].statement_hash == edited.statement_hash != claim("gd.gradient").statement_hash


def test_an_error_in_a_process_is_raised_here(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(c: Any) -> Outcome:
        raise RuntimeError(f"broken runner on {c.id}")

    monkeypatch.setitem(verify.RUNNERS, "z3", broken)
    with pytest.raises(RuntimeError, match=r"broken runner on ssm\.one_step"):
        run_jobs(JOBS, Bar(), workers=2)


def test_few_jobs_run_here() -> None:
    assert job_workers(1) == job_workers(3) == 1 and job_workers(40) >= 1
