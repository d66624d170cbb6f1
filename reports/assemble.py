"""Assemble the :class:`~reports.model.ReportInput` of ``gdssm report`` from the registry and the checks.

The caller supplies the route outcomes of the registry's claims (run or reused from fresh certificates);
everything else is derived or measured here, at the report's dimensions (f, m, N) and largest step count K:

* parameters -- the k-step construction (k = :data:`SHOWN_STEPS`, symbolic eta) as derived by ``symbolic``;
* step size -- alpha*, eta* and the expected loss for x ~ U(-1/2, 1/2) at (f, N), exact;
* evidence -- :mod:`reports.evidence` (exact check at the dims, property runs, loss vs k, error vs N,
  mutants) and :mod:`reports.two_step_audit`;
* learned vs derived -- finished ``gdssm train`` runs found under ``train_dir`` (:mod:`reports.learned`);
* end to end -- the proofs of :data:`END_TO_END` as one chain each from the layer's equations
  (:mod:`reports.end_to_end`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import sympy as sp

from gdssm.proofs.claims import claim
from gdssm.proofs.verify import Outcome, certificates
from gdssm.reports import evidence
from gdssm.reports.end_to_end import end_to_end_view
from gdssm.reports.from_registry import claim_views, formal_files, route_views
from gdssm.reports.learned import learned_views
from gdssm.reports.model import EndToEndView, ParameterView, ReportInput, step_size_view
from gdssm.reports.tex import tex_math
from gdssm.reports.two_step_audit import two_step_audit
from gdssm.symbolic.constructions import ETA, PARAMETER_ROLES, k_step
from gdssm.symbolic.serialize import CONVENTIONS, REFERENCE_CONVENTIONS
from gdssm.symbolic.stepsize import input_law, optimal_step_summary

TITLE = "gdssm: derivations and proofs that a state-space layer runs gradient descent in context"
SHOWN_STEPS = 2
ERROR_NS = (4, 8, 16, 32, 64, 128, 256)
PROPERTY_EXAMPLES = 40
END_TO_END = ("ssm.one_step", "ssm.k_step")
"""The claims whose route-1 proofs the report prints as one chain each: the paper's step and ours, for every k."""
"""The claim whose proof is printed end to end: one GD step, from the layer's equations to its prediction."""

Stage = Callable[[str], None]
"""Called with the name of each stage as it starts (drives a progress bar)."""

STAGES = ("parameters", "exact check at the dims", "property run", "loss vs k", "error vs N", "mutants",
          "two-step audit")


@dataclass(frozen=True)
class ReportSettings:
    """What the report is about: dims (f, m, N), the largest step count K, the command that asked for it."""

    f: int
    m: int
    N: int
    max_steps: int
    command: str
    seed: int = 0
    train_dir: Path | None = None
    """Where finished ``gdssm train`` runs are looked for (``<dir>/<preset>/summary.json``); None: nowhere."""


def certificate_hash(outcome: Outcome) -> str:
    """sha256 of an outcome's certificate row without its time (so that it is reproducible)."""
    (row,) = certificates([outcome])["certificates"]
    row.pop("seconds")
    return hashlib.sha256(json.dumps(row, sort_keys=True, default=str).encode()).hexdigest()


def parameter_views(f: int, m: int, N: int) -> tuple[tuple[ParameterView, ...], dict[str, str]]:
    """The derived k-step parameters (symbolic eta) and the readout constants as symbolic forms."""
    c = k_step(f, m, N, SHOWN_STEPS, ETA)
    views = tuple(ParameterView.from_matrix(name, PARAMETER_ROLES[name], matrix)
                  for name, matrix in c.params.matrices().items())
    ro = c.params.readout
    forms: dict[str, str] = {
        f"construction k-step, k = {c.steps}, layout {c.layout.name}, H = {c.layout.H}": tex_math(sp.Eq(
            sp.Symbol("alpha"), ETA / N)),
        "readout decays rho_j": tex_math(sp.Matrix([list(ro.rho)]) if ro.rho else sp.Symbol(r"\varnothing")),
        "readout steps beta_j": tex_math(sp.Matrix([list(ro.beta)]) if ro.beta else sp.Symbol(r"\varnothing")),
        "readout weights c_j": tex_math(sp.Matrix([list(ro.c)])),
    }
    return views, forms


def build_report_input(settings: ReportSettings, outcomes: Iterable[Outcome], versions: dict[str, str],
                       stage: Stage = lambda name: None) -> ReportInput:
    """The report: claims with the given outcomes, and the evidence measured at ``settings``' dims."""
    s = settings
    done = list(outcomes)
    by_key = {(o.claim, o.route): o for o in done}
    stage("parameters")
    parameters, forms = parameter_views(s.f, s.m, s.N)
    stage("exact check at the dims")
    exact = evidence.exact_at_dims(s.f, s.m, s.N, _shown_steps(s.max_steps))
    stage("property run")
    runs = evidence.property_runs(PROPERTY_EXAMPLES, s.seed)
    stage("loss vs k")
    losses = evidence.loss_vs_k(s.max_steps, seed=s.seed)
    stage("error vs N")
    errors = evidence.error_vs_n(s.f, s.m, max(1, min(s.max_steps, 3)), ERROR_NS, seed=s.seed)
    stage("mutants")
    mutants = evidence.mutant_views(s.f, s.m, s.N)
    stage("two-step audit")
    audit = two_step_audit(seed=s.seed)
    return ReportInput(
        title=TITLE,
        command=s.command,
        versions=versions,
        dims={"f": s.f, "m": s.m, "N": s.N, "H": s.f + s.m, "K": s.max_steps},
        claims=claim_views(by_key),
        routes=route_views(),
        mutants=mutants,
        parameters=parameters,
        symbolic_forms=forms,
        step_size=step_size_view(optimal_step_summary(input_law("uniform"), s.f, s.N)),
        numeric_tables=(exact, evidence.property_table(runs), evidence.figure_settings(s.f, s.m, s.N, s.seed)),
        loss_vs_k=losses,
        loss_vs_k_caption=evidence.loss_vs_k_caption(s.max_steps),
        error_vs_N=errors,
        two_step_audit=audit,
        conventions={**CONVENTIONS, **{f"ref.{key}": value for key, value in REFERENCE_CONVENTIONS.items()}},
        certificate_hashes={f"{o.claim}/{o.route}": certificate_hash(o) for o in done},
        learned=learned_views(s.train_dir) if s.train_dir is not None else (),
        formal_files=formal_files(),
        end_to_end=tuple(end_to_end(c) for c in END_TO_END),
    )


def end_to_end(claim_id: str = END_TO_END[0]) -> EndToEndView:
    """The proof of ``claim_id`` (one of :data:`END_TO_END`) printed as one chain from the layer's equations (the
    route-1 theorem about the description as it is now, as the rest of the report prints it)."""
    c = claim(claim_id)
    return end_to_end_view(c.id, c.title, c.proved)


def _shown_steps(max_steps: int) -> Sequence[int]:
    """The k of the exact check at the report's dims: 1..min(K, 3) (larger k grows the polynomials fast)."""
    return tuple(range(1, min(max_steps, 3) + 1))

