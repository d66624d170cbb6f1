"""The claim registry (:mod:`proofs.claims`) and route outcomes as the report's views.

Statements and hypotheses are the registry's LaTeX: for a claim with a route-1 theorem, the conclusion of its last
record and what its records used (:class:`proofs.theories.common.Theorem`), its "uses" the claims they cite; proof
steps are those same records, each side printed by SymPy's LaTeX printer through :func:`proofs.sympy_bridge.latex`.
Nothing here states a theorem by hand.

Every claim is shown as a *theorem* (a result); the records its proof builds before the conclusion are its
*lemmas*, each stated and proved where it is first needed. Trivial steps (``X = X``: a statement checked uniform
in its index, an algebra step that changes nothing printed) are folded into the justification of their
neighbour, and a record identical to one printed earlier (same statement, same steps) is a cross-reference
instead of a second copy.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

import sympy as sp

from gdssm.proofs.claims import CLAIMS, ROUTES, TRUSTED_BASE, Claim
from gdssm.proofs.induction import Proof
from gdssm.proofs.sympy_bridge import latex
from gdssm.proofs.verify import Outcome
from gdssm.reports.model import (
    ClaimView,
    FormalView,
    ProofStepView,
    RecordView,
    RouteResultView,
    RouteView,
    ShownStep,
    label_word,
)
from gdssm.reports.prose import ascii_math, fix_math, prose
from gdssm.reports.tex import TexMath, TexRaw, tex_escape

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
        ProofStepView(fix_math(latex(step.lhs)), fix_math(latex(step.rhs)), step.kind.value,
                      f"{record.name}: {step.name}", step.hypotheses, {"symbolic": step.ok})
        for record in records for step in record.steps
    )


Labels = dict[str, str]
"""Record name -> the LaTeX label of the record printed for it (the first identical one)."""

Placed = dict[tuple[str, int], tuple[str, str | None]]
"""(claim id, position of the record in its theorem) -> (its label, the label of the earlier identical record it
repeats, or None when it is printed here)."""


def _signature(record: Proof) -> tuple[str, ...]:
    return (latex(record.lhs), latex(record.rhs),
            *(f"{latex(s.lhs)}={latex(s.rhs)}:{s.kind.value}" for s in record.steps))


def record_label(name: str) -> str:
    """A LaTeX label for a record name."""
    return "rec-" + re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-")


def record_labels(claims: Sequence[Claim]) -> tuple[Labels, Placed]:
    """Over ``claims`` in order (numbered from 1): (name -> label of the record printed for it, where each record
    is printed). A claim's conclusion is labelled as its theorem (``claim-<n>``), a lemma ``rec-<name>``. A record
    identical to an earlier one (same statement, same steps) is printed once, where it first appears, and cited by
    cross-reference everywhere after, also when it has the same name (a lemma shared by two claims); a different
    record under a name already used gets a label of its own."""
    labels: Labels = {}
    placed: Placed = {}
    first: dict[tuple[str, ...], str] = {}
    taken: set[str] = set()
    for number, c in enumerate(claims, start=1):
        if c.theorem is None:
            continue
        records = c.proved().records
        for position, record in enumerate(records):
            key = _signature(record)
            if key in first:
                placed[(c.id, position)] = (first[key], first[key])
                labels.setdefault(record.name, first[key])
                continue
            label = f"claim-{number}" if position == len(records) - 1 else record_label(record.name)
            suffix = 2
            while label in taken:
                label, suffix = f"{record_label(record.name)}-{suffix}", suffix + 1
            taken.add(label)
            first[key] = label
            placed[(c.id, position)] = (label, None)
            labels.setdefault(record.name, label)
    return labels, placed


def citation(name: str, labels: Labels, claim_no: Mapping[str, int], cited: Mapping[str, str] | None = None) -> str:
    """One cited rule as LaTeX: a lemma or claim by reference, a definition, layer equation or hypothesis as math.

    ``cited`` maps a record name to how it is cited instead (the rows of a flattened chain that prove it)."""
    base = name.split(" [")[0]
    if cited is not None and base in cited:
        return cited[base]
    if base in labels:
        return rf"{label_word(labels[base])}~\ref{{{labels[base]}}} (\texttt{{{tex_escape(base)}}})"
    if base in claim_no:
        return rf"Theorem~\ref{{claim-{claim_no[base]}}} (\texttt{{{tex_escape(base)}}})"
    found = re.fullmatch(r"induction hypothesis (\w+\(\w+\))", name)
    if found:
        return rf"the induction hypothesis \({ascii_math(found.group(1))}\)"
    for prefix, words in (("def ", "definition"), ("layer: ", "layer equation")):
        if name.startswith(prefix):
            return rf"{words} \({ascii_math(name[len(prefix):])}\)"
    if "=" in name and not re.search(r"[a-z]{4,}", name):
        return rf"\({ascii_math(name)}\)"
    return str(prose(name))


def _justification(kind: str, name: str, hypotheses: Iterable[str], folded: Sequence[str], labels: Labels,
                   claim_no: Mapping[str, int], by: Mapping[str, str] | None = None) -> TexRaw:
    text = rf"\textit{{{kind}}}: {prose(name)}"
    cited = [citation(h, labels, claim_no, by) for h in hypotheses if h != name]
    if cited:
        text += "; by " + ", ".join(dict.fromkeys(cited))
    if folded:
        text += r" \quad(with " + "; ".join(str(prose(f)) for f in dict.fromkeys(folded)) + ", trivial)"
    return TexRaw(text)


def record_view(record: Proof, labels: Labels, claim_no: Mapping[str, int], label: str | None = None,
                same_as: str | None = None, by: Mapping[str, str] | None = None) -> RecordView:
    """The record as printed: non-trivial steps with their justifications, trivial ones folded into the next
    (or, at the end, the previous) step. ``label`` is its LaTeX label (default: from its name), ``same_as`` the
    label of the earlier identical record it repeats, ``by`` how records are cited instead of by label."""
    shown: list[tuple[TexMath, TexMath, str, str, tuple[str, ...], list[str], dict[str, bool]]] = []
    pending: list[str] = []
    trivial = 0
    for step in record.steps:
        lhs, rhs = latex(step.lhs), latex(step.rhs)
        if lhs == rhs:
            trivial += 1
            pending.append(step.name)
            continue
        shown.append((fix_math(lhs), fix_math(rhs), step.kind.value, step.name, step.hypotheses, pending,
                      {"symbolic": step.ok}))
        pending = []
    if pending and shown:
        shown[-1][5].extend(pending)
    steps = tuple(ShownStep(lhs, rhs, _justification(kind, name, hyps, folded, labels, claim_no, by), status)
                  for lhs, rhs, kind, name, hyps, folded, status in shown)
    induction = ""
    if record.by_induction and record.index is not None:
        induction = TexRaw(rf"induction on \({sp.latex(record.index)}\) from \({record.least}\)")
    return RecordView(record.name, label or record_label(record.name), fix_math(conclusion_statement(record)), steps,
                      induction, same_as, trivial)


def conclusion_statement(record: Proof) -> str:
    """The record's equation with its index range."""
    from gdssm.proofs.theories.common import conclusion_tex

    return conclusion_tex(record)


def formal_view(c: Claim) -> FormalView | None:
    """The claim's Coq file and theorems (:mod:`proofs.coq.generate`), or None without a Coq route."""
    if "coq" not in c.routes:
        return None
    from gdssm.proofs.coq.generate import render

    f = render(c.id)
    return FormalView(f.name, f.theorems, f.origin, f.source)


def claim_view(c: Claim, outcomes: Outcomes, used: frozenset[str],
               unavailable: Iterable[str] = (), labels: Labels | None = None, placed: Placed | None = None,
               claim_no: Mapping[str, int] | None = None) -> ClaimView:
    """The view of ``c``: statement, hypotheses, per-route results (missing routes stay missing, so an
    unchecked claim is unverified, unless the route's engine is ``unavailable`` here: then the route is
    "not run") and the proof chain of its route-1 records."""
    results = {route: result_view(outcomes[(c.id, route)]) for route in c.routes if (c.id, route) in outcomes}
    not_run = tuple(r for r in c.routes if r not in results and r in set(unavailable))
    steps = step_views(c.proved().records) if c.theorem is not None else ()
    if labels is None or placed is None:
        (labels, placed), claim_no = record_labels([c]), {c.id: 1}
    records = tuple(record_view(r, labels, claim_no or {}, *placed[(c.id, i)])
                    for i, r in enumerate(c.proved().records)) if c.theorem is not None else ()
    return ClaimView(c.id, c.title, fix_math(c.statement), tuple(fix_math(h) for h in c.hypotheses), c.uses,
                     c.routes, results, steps, c.statement_hash, kind="theorem", not_run=not_run,
                     formal=formal_view(c), records=records)


def claim_views(outcomes: Outcomes, claims: Iterable[Claim] = CLAIMS,
                unavailable: Iterable[str] | None = None) -> tuple[ClaimView, ...]:
    """Views of ``claims`` (default: the whole registry) in registry order; ``unavailable`` routes (default:
    those whose engine is missing here, :func:`proofs.verify.unavailable_routes`) are shown as not run."""
    from gdssm.proofs.verify import unavailable_routes

    chosen = tuple(claims)
    used = frozenset(u for c in chosen for u in c.uses)
    missing = tuple(unavailable_routes()) if unavailable is None else tuple(unavailable)
    labels, placed = record_labels(chosen)
    claim_no = {c.id: i for i, c in enumerate(chosen, start=1)}
    return tuple(claim_view(c, outcomes, used, missing, labels, placed, claim_no) for c in chosen)


def formal_files() -> tuple[tuple[str, str], ...]:
    """(name, text) of every claim's generated Coq file, for the folder of the report."""
    from gdssm.proofs.coq.generate import render_all

    return tuple((f.name, f.text) for f in render_all())
