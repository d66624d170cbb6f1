"""The claim dependency graph: layered layout and blueprint status (leanblueprint's colour grammar).

Level 0 holds the claims that use nothing; a claim sits one level below the deepest claim it uses. Within a
level, claims are ordered by the mean position of what they use (one barycentre pass, ties by input order),
which keeps edges short without a graph library. Coordinates are in centimetres, y growing downwards.

Status per node, as in leanblueprint: ``statement_checked`` (green border), ``formalised`` (green fill: the
proof is kernel-checked, route ``coq``), ``fully_formalised`` (dark green fill: the node and all its ancestors
are kernel-checked). ``proof_checked`` (a dimension-free route-1 proof chain checked, not kernel-checked) has a
pale fill of its own, and ``fully_checked`` counts route-1 chains with all their ancestors.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gdssm.core.errors import BadInput
from gdssm.reports.model import ClaimView

X_STEP_CM = 3.6
Y_STEP_CM = 1.8


@dataclass(frozen=True)
class GraphNode:
    """A claim placed on the page."""

    id: str
    kind: str
    level: int
    x: float
    y: float
    statement_checked: bool
    proof_checked: bool
    fully_checked: bool
    formalised: bool = False
    fully_formalised: bool = False


@dataclass(frozen=True)
class GraphEdge:
    """``source`` is used by ``target``; the edge is drawn from the dependency down to the dependent."""

    source: str
    target: str


@dataclass(frozen=True)
class GraphStats:
    """The counts printed under the legend."""

    claims: int
    statements_checked: int
    proofs_checked: int
    fully_checked: int
    steps: int
    steps_checked: int
    route_checks: int
    route_checks_passed: int
    formalised: int = 0
    fully_formalised: int = 0
    not_run: int = 0
    """Required route checks not run because their engine is not installed (e.g. coq without coqc)."""
    distinct_steps: int = 0
    """Non-trivial proof steps as printed, each once: steps of records printed (not cross-referenced to an earlier
    identical record), trivial steps (X = X, folded into a neighbour) left out. ``steps`` counts every checked step."""
    distinct_steps_checked: int = 0
    """Of :attr:`distinct_steps`, those every step-checking route accepted."""


@dataclass(frozen=True)
class DepGraph:
    """Nodes with coordinates, edges, and statistics."""

    nodes: tuple[GraphNode, ...]
    edges: tuple[GraphEdge, ...]
    stats: GraphStats


def levels(claims: Sequence[ClaimView]) -> dict[str, int]:
    """Topological level of every claim; a dependency cycle raises :class:`BadInput` naming it."""
    by_id = {c.id: c for c in claims}
    out: dict[str, int] = {}
    visiting: list[str] = []

    def visit(cid: str) -> int:
        if cid in out:
            return out[cid]
        if cid in visiting:
            cycle = [*visiting[visiting.index(cid):], cid]
            raise BadInput(f"claim dependency cycle: {' -> '.join(cycle)}")
        visiting.append(cid)
        level = 1 + max((visit(u) for u in by_id[cid].uses), default=-1)
        visiting.pop()
        out[cid] = level
        return level

    for c in claims:
        visit(c.id)
    return out


def _fully_checked(claims: Sequence[ClaimView], formal: bool = False) -> dict[str, bool]:
    by_id = {c.id: c for c in claims}
    memo: dict[str, bool] = {}

    def full(cid: str) -> bool:
        if cid not in memo:
            c = by_id[cid]
            memo[cid] = (c.kernel_checked if formal else c.proof_checked) and all(full(u) for u in c.uses)
        return memo[cid]

    return {c.id: full(c.id) for c in claims}


def layout(claims: Sequence[ClaimView]) -> DepGraph:
    """The layered layout of ``claims`` (each ``uses`` entry must name one of them)."""
    level = levels(claims)
    full = _fully_checked(claims)
    full_formal = _fully_checked(claims, formal=True)
    order = {c.id: i for i, c in enumerate(claims)}
    rows: dict[int, list[ClaimView]] = {}
    for c in claims:
        rows.setdefault(level[c.id], []).append(c)
    x_of: dict[str, float] = {}
    nodes: list[GraphNode] = []
    for lev in sorted(rows):
        row = rows[lev]

        def barycentre(c: ClaimView) -> tuple[float, int]:
            xs = [x_of[u] for u in c.uses]
            return (sum(xs) / len(xs) if xs else 0.0, order[c.id])

        if lev > 0:
            row.sort(key=barycentre)
        offset = (len(row) - 1) / 2
        for i, c in enumerate(row):
            x_of[c.id] = round((i - offset) * X_STEP_CM, 3)
            nodes.append(GraphNode(c.id, c.kind, lev, x_of[c.id], round(lev * Y_STEP_CM, 3),
                                   c.statement_checked, c.proof_checked, full[c.id], c.kernel_checked,
                                   full_formal[c.id]))
    edges = tuple(GraphEdge(u, c.id) for c in claims for u in c.uses)
    steps = [s for c in claims for s in c.steps]
    printed = [s for c in claims for s in c.printed_steps]
    results = [c.results.get(r) for c in claims for r in c.routes if r not in c.not_run]
    stats = GraphStats(
        claims=len(claims),
        statements_checked=sum(c.statement_checked for c in claims),
        proofs_checked=sum(c.proof_checked for c in claims),
        fully_checked=sum(full.values()),
        steps=len(steps),
        steps_checked=sum(s.checked for s in steps),
        route_checks=len(results),
        route_checks_passed=sum(r is not None and r.ok for r in results),
        formalised=sum(c.kernel_checked for c in claims),
        fully_formalised=sum(full_formal.values()),
        not_run=sum(len(c.not_run) for c in claims),
        distinct_steps=len(printed),
        distinct_steps_checked=sum(bool(s.status) and all(s.status.values()) for s in printed),
    )
    return DepGraph(tuple(nodes), edges, stats)
