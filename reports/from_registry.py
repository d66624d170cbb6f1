"""The claim registry (:mod:`proofs.claims`) and route outcomes as the report's views.

Statements and hypotheses are the registry's LaTeX: for a claim with a route-1 theorem, the conclusion of its last
record and what its records used (:class:`proofs.theories.common.Theorem`), its "uses" the claims they cite; proof
steps are those same records, each side printed by SymPy's LaTeX printer through :func:`proofs.sympy_bridge.latex`.
Nothing here states a theorem by hand.

A claim is shown as a *lemma* when another claim uses it and as a *theorem* otherwise.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from gdssm.proofs.claims import CLAIMS, ROUTES, TRUSTED_BASE, Claim
from gdssm.proofs.induction import Proof
from gdssm.proofs.sympy_bridge import latex
from gdssm.proofs.verify import Outcome
from gdssm.reports.model import ClaimView, FormalView, ProofStepView, RouteResultView, RouteView
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


def formal_view(c: Claim) -> FormalView | None:
    """The claim's Coq file and theorems (:mod:`proofs.coq.generate`), or None without a Coq route."""
    if "coq" not in c.routes:
        return None
    from gdssm.proofs.coq.generate import render

    f = render(c.id)
    return FormalView(f.name, f.theorems, f.origin, f.source)


def claim_view(c: Claim, outcomes: Outcomes, used: frozenset[str],
               unavailable: Iterable[str] = ()) -> ClaimView:
    """The view of ``c``: statement, hypotheses, per-route results (missing routes stay missing, so an
    unchecked claim is unverified, unless the route's engine is ``unavailable`` here: then the route is
    "not run") and the proof chain of its route-1 records."""
    results = {route: result_view(outcomes[(c.id, route)]) for route in c.routes if (c.id, route) in outcomes}
    not_run = tuple(r for r in c.routes if r not in results and r in set(unavailable))
    steps = step_views(c.proved().records) if c.theorem is not None else ()
    return ClaimView(c.id, c.title, TexMath(c.statement), tuple(TexMath(h) for h in c.hypotheses), c.uses,
                     c.routes, results, steps, c.statement_hash, kind="lemma" if c.id in used else "theorem",
                     not_run=not_run, formal=formal_view(c))


def claim_views(outcomes: Outcomes, claims: Iterable[Claim] = CLAIMS,
                unavailable: Iterable[str] | None = None) -> tuple[ClaimView, ...]:
    """Views of ``claims`` (default: the whole registry) in registry order; ``unavailable`` routes (default:
    those whose engine is missing here, :func:`proofs.verify.unavailable_routes`) are shown as not run."""
    from gdssm.proofs.verify import unavailable_routes

    chosen = tuple(claims)
    used = frozenset(u for c in chosen for u in c.uses)
    missing = tuple(unavailable_routes()) if unavailable is None else tuple(unavailable)
    return tuple(claim_view(c, outcomes, used, missing) for c in chosen)


def formal_files() -> tuple[tuple[str, str], ...]:
    """(name, text) of every claim's generated Coq file, for the folder of the report."""
    from gdssm.proofs.coq.generate import render_all

    return tuple((f.name, f.text) for f in render_all())
