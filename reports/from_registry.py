"""The claim registry (:mod:`proofs.claims`) and route outcomes as the report's views.

Statements and hypotheses are the registry's LaTeX (printed by SymPy when the registry was built); proof
steps are the route-1 proof records, each side printed by SymPy's LaTeX printer through
:func:`proofs.sympy_bridge.latex`. Nothing here states a theorem by hand.

A claim is shown as a *lemma* when another claim uses it and as a *theorem* otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gdssm.proofs.claims import CLAIMS, ROUTES, TRUSTED_BASE, Claim
from gdssm.proofs.induction import Proof
from gdssm.proofs.sympy_bridge import latex
from gdssm.proofs.verify import Outcome
from gdssm.reports.model import ClaimView, ProofStepView, RouteResultView, RouteView
from gdssm.reports.tex import TexMath

Outcomes = Mapping[tuple[str, str], Outcome]
"""(claim id, route) -> the outcome of that route on that claim."""


def route_views() -> tuple[RouteView, ...]:
    """Every route with its title and trusted base."""
    return tuple(RouteView(name, title, TRUSTED_BASE[name]) for name, title in ROUTES.items())


def result_view(outcome: Outcome) -> RouteResultView:
    """An outcome as the report shows it."""
    return RouteResultView(outcome.ok, outcome.dims, outcome.size, outcome.seconds, outcome.detail)


def step_views(records: Iterable[Proof]) -> tuple[ProofStepView, ...]:
    """One view per step of the proof records; route 1 (``symbolic``) is the route that checks steps."""
    return tuple(
        ProofStepView(TexMath(latex(step.lhs)), TexMath(latex(step.rhs)), step.kind.value,
                      f"{record.name}: {step.name}", step.hypotheses, {"symbolic": step.ok})
        for record in records for step in record.steps
    )


def claim_view(c: Claim, outcomes: Outcomes, used: frozenset[str]) -> ClaimView:
    """The view of ``c``: statement, hypotheses, per-route results (missing routes stay missing, so an
    unchecked claim is unverified) and the proof chain of its route-1 records."""
    results = {route: result_view(outcomes[(c.id, route)]) for route in c.routes if (c.id, route) in outcomes}
    steps = step_views(c.proofs()) if c.proofs is not None else ()
    return ClaimView(c.id, c.title, TexMath(c.statement), tuple(TexMath(h) for h in c.hypotheses), c.uses,
                     c.routes, results, steps, c.statement_hash, kind="lemma" if c.id in used else "theorem")


def claim_views(outcomes: Outcomes, claims: Iterable[Claim] = CLAIMS) -> tuple[ClaimView, ...]:
    """Views of ``claims`` (default: the whole registry) in registry order."""
    chosen = tuple(claims)
    used = frozenset(u for c in chosen for u in c.uses)
    return tuple(claim_view(c, outcomes, used) for c in chosen)
