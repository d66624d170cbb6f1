"""The report's input: plain frozen dataclasses, filled by the caller from the claim registry and the checks.

Nothing here imports ``proofs`` or ``numeric``: the caller copies what the report shows into these views.
Math is passed as :class:`~reports.tex.TexMath` (see :func:`~reports.tex.tex_math`); every other string is
prose and is escaped when rendered. Each view checks its own consistency when it is built, and
:class:`ReportInput` checks the cross-references (routes, ``uses``, series lengths).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from tokenize import TokenError

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.reports.tex import TexMath, matrix_tex, tex_math

_NO_SYMBOL = TexMath("")

JUSTIFICATIONS = ("definition", "lemma", "induction-hypothesis", "algebra")
CLAIM_KINDS = ("definition", "lemma", "theorem")


def label_word(label: str) -> str:
    """How a proof record's label is cited: a claim's conclusion (``claim-<n>``) is a theorem, a record a lemma."""
    return "Theorem" if label.startswith("claim-") else "Lemma"


def _require_math(owner: str, name: str, value: object) -> None:
    if not isinstance(value, TexMath):
        raise TypeError(f"{owner}.{name} must be TexMath (see reports.tex.tex_math), got {type(value).__name__}")


@dataclass(frozen=True)
class RouteResultView:
    """One route's result on one claim: ``dims`` says where it was checked, ``size`` how much was checked
    (proof steps, polynomial terms, drawn examples). ``seconds`` is kept for the certificates; the report
    does not print it, so that the same inputs give the same ``.tex``."""

    ok: bool
    dims: str
    size: str
    seconds: float
    detail: str = ""


@dataclass(frozen=True)
class ProofStepView:
    """One step ``lhs = rhs`` of a proof chain, why it holds, and whether each route accepted it."""

    lhs_tex: TexMath
    rhs_tex: TexMath
    justification: str
    detail: str = ""
    hypotheses: tuple[str, ...] = ()
    status: dict[str, bool] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _require_math("ProofStepView", "lhs_tex", self.lhs_tex)
        _require_math("ProofStepView", "rhs_tex", self.rhs_tex)
        if self.justification not in JUSTIFICATIONS:
            raise BadInput(f"proof step justification must be one of {', '.join(JUSTIFICATIONS)}, "
                            f"got {self.justification!r}")

    @property
    def checked(self) -> bool:
        """Whether some route checked the step and every route that did accepted it."""
        return bool(self.status) and all(self.status.values())


@dataclass(frozen=True)
class ShownStep:
    """A non-trivial step as printed: ``lhs = rhs``, its justification (LaTeX: the rule or hypothesis it names,
    trivial neighbours folded in) and each step-checking route's verdict."""

    lhs_tex: TexMath
    rhs_tex: TexMath
    justification: str
    status: dict[str, bool] = field(default_factory=dict)


@dataclass(frozen=True)
class RecordView:
    """One proof record of a claim's route-1 theorem: a sub-lemma (or the conclusion, the last record).

    ``label`` is its LaTeX label; ``same_as`` the label of an identical record printed earlier (then the chain is
    not printed again); ``induction`` says how it is proved (``induction on k from 0``, or "")."""

    name: str
    label: str
    statement: TexMath
    steps: tuple[ShownStep, ...]
    induction: str = ""
    same_as: str | None = None
    trivial: int = 0
    """How many trivial steps (X = X) were folded into their neighbours."""

    @property
    def same_as_word(self) -> str:
        """How the record it repeats is cited (:func:`label_word`)."""
        return label_word(self.same_as or "")


CHAIN_ROWS = ("lemma", "step", "hence")


@dataclass(frozen=True)
class ChainRow:
    """One row of a flattened proof: a numbered ``step`` (an equation and the rule or hypothesis it names), a
    ``lemma`` stated where its proof starts, or ``hence``: the lemma proved by the rows before it."""

    number: int | None
    kind: str
    equation: TexMath
    justification: str
    ok: bool = True

    def __post_init__(self) -> None:
        _require_math("ChainRow", "equation", self.equation)
        if self.kind not in CHAIN_ROWS:
            raise BadInput(f"chain row kind must be one of {', '.join(CHAIN_ROWS)}, got {self.kind!r}")
        if (self.number is None) != (self.kind != "step"):
            raise BadInput(f"a chain row is numbered iff it is a step, got {self.kind} {self.number}")


@dataclass(frozen=True)
class EndToEndView:
    """One claim's route-1 proof printed as one chain: the layer's general ``equations``, the ``hypotheses`` the
    proof read, and the ``rows``; the last row is a step ending at ``statement``. Every step must be accepted."""

    claim: str
    title: str
    equations: tuple[tuple[TexMath, tuple[TexMath, ...]], ...]
    """(lhs, the lines of the right-hand side, a sum when there are several)."""
    hypotheses: tuple[TexMath, ...]
    rows: tuple[ChainRow, ...]
    statement: TexMath

    def __post_init__(self) -> None:
        if not self.rows or self.rows[-1].kind != "step":
            raise BadInput(f"the end-to-end chain of {self.claim} must end with a step")
        rejected = [r.number for r in self.rows if r.kind == "step" and not r.ok]
        if rejected:
            raise BadInput(f"the end-to-end chain of {self.claim} has rejected steps {rejected}")

    @property
    def steps(self) -> tuple[ChainRow, ...]:
        """The numbered steps."""
        return tuple(r for r in self.rows if r.kind == "step")


@dataclass(frozen=True)
class FormalView:
    """A claim's kernel-checked form: the ``.v`` file, its theorem names, and whether the statement was
    generated from the description or stated by the library (``statement``), with ``source`` saying from what."""

    file: str
    theorems: tuple[str, ...]
    statement: str
    source: str = ""


@dataclass(frozen=True)
class ClaimView:
    """A claim of the registry with its statement, proof chain and per-route results.

    ``routes`` are the routes the claim requires; ``uses`` the ids of the claims its proof uses.
    """

    id: str
    title: str
    statement_tex: TexMath
    hypotheses_tex: tuple[TexMath, ...]
    uses: tuple[str, ...]
    routes: tuple[str, ...]
    results: dict[str, RouteResultView]
    steps: tuple[ProofStepView, ...]
    statement_hash: str
    kind: str = "theorem"
    not_run: tuple[str, ...] = ()
    """Required routes whose engine is not installed here (e.g. coq without coqc): not checked, not failed."""
    formal: FormalView | None = None
    records: tuple[RecordView, ...] = ()
    """The route-1 records as printed (sub-lemmas first, the conclusion last); empty for a claim without one."""

    @property
    def lemmas(self) -> tuple[RecordView, ...]:
        """The records before the conclusion: the sub-lemmas the proof states and uses."""
        return self.records[:-1]

    @property
    def conclusion(self) -> RecordView | None:
        """The record whose equation is the statement."""
        return self.records[-1] if self.records else None

    @property
    def printed_steps(self) -> tuple[ShownStep, ...]:
        """The non-trivial steps printed for this claim (records printed earlier are cross-referenced, not here)."""
        return tuple(s for r in self.records if r.same_as is None for s in r.steps)

    def __post_init__(self) -> None:
        _require_math("ClaimView", "statement_tex", self.statement_tex)
        for hyp in self.hypotheses_tex:
            _require_math("ClaimView", "hypotheses_tex", hyp)
        if self.kind not in CLAIM_KINDS:
            raise BadInput(f"claim {self.id}: kind must be one of {', '.join(CLAIM_KINDS)}, got {self.kind!r}")
        if not self.routes:
            raise BadInput(f"claim {self.id} requires no route; every claim needs at least one")

    @property
    def step_routes(self) -> tuple[str, ...]:
        """The routes that checked at least one proof step, in order of first appearance."""
        return tuple(dict.fromkeys(r for step in self.steps for r in step.status))

    @property
    def failed_routes(self) -> tuple[str, ...]:
        """Required routes without a passing result."""
        return tuple(r for r in self.routes if (r not in self.results and r not in self.not_run)
                     or (r in self.results and not self.results[r].ok))

    @property
    def kernel_checked(self) -> bool:
        """The Coq route passed: the blueprint's "formalised" (green fill)."""
        return "coq" in self.results and self.results["coq"].ok

    @property
    def coq_status(self) -> str:
        """What the summary says about Coq: kernel-checked, not Coq-checked (coqc missing), or no Coq route."""
        if "coq" not in self.routes:
            return "no Coq route"
        return "kernel-checked" if self.kernel_checked else "not Coq-checked"

    @property
    def verified(self) -> bool:
        """All required routes passed."""
        return not self.failed_routes

    @property
    def statement_checked(self) -> bool:
        """Border colour: the statement holds on every required route (the claim is verified)."""
        return self.verified

    @property
    def proof_checked(self) -> bool:
        """Fill colour: a verified claim with a dimension-free proof chain whose every step was accepted.

        A definition has no proof: it counts as checked once its statement is.
        """
        if self.kind == "definition":
            return self.statement_checked
        return self.verified and bool(self.steps) and all(step.checked for step in self.steps)


@dataclass(frozen=True)
class MutantView:
    """A deliberately wrong construction and, for each route that ran on it, whether the route rejected it."""

    name: str
    description: str
    rejected_by: dict[str, bool]

    @property
    def rejected(self) -> bool:
        """Some route ran on the mutant and every route that did rejected it."""
        return bool(self.rejected_by) and all(self.rejected_by.values())


@dataclass(frozen=True)
class RouteView:
    """A verification route and what it trusts."""

    name: str
    title: str
    trusted_base: str


@dataclass(frozen=True)
class NumericTable:
    """A table of numeric evidence; cells are prose or :class:`TexMath`."""

    caption: str
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.header):
                raise BadInput(f"table {self.caption!r}: row {row!r} has {len(row)} cells, "
                                f"the header has {len(self.header)}")


@dataclass(frozen=True)
class LearnedView:
    """A training run from random initialisation set against the construction (``gdssm train``).

    ``figures`` are (caption, source PDF) pairs; the build copies each next to the report.
    """

    preset: str
    setting: str
    verdict: str
    table: NumericTable
    figures: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ParameterView:
    """A derived layer parameter: its role, (possibly truncated) matrix and shape.

    ``symbol_tex`` is how the name is typeset; empty means SymPy's printing of the name (``Lambda`` -> ``\\Lambda``).
    ``note`` says what a truncated matrix leaves out.
    """

    name: str
    role: str
    matrix_tex: TexMath
    shape: tuple[int, int]
    symbol_tex: TexMath = _NO_SYMBOL
    note: str = ""

    def __post_init__(self) -> None:
        _require_math("ParameterView", "symbol_tex", self.symbol_tex)
        _require_math("ParameterView", "matrix_tex", self.matrix_tex)

    @property
    def symbol(self) -> TexMath:
        """The typeset name."""
        return self.symbol_tex or tex_math(sp.Symbol(self.name))

    @classmethod
    def from_matrix(cls, name: str, role: str, matrix: sp.MatrixBase, limit: int = 8) -> ParameterView:
        """The view of ``matrix``; more than ``limit`` rows or columns are truncated, with a note."""
        body, note = matrix_tex(matrix, limit)
        rows, cols = matrix.shape
        return cls(name, role, body, (int(rows), int(cols)), note=note)


@dataclass(frozen=True)
class ReportInput:
    """Everything the report renders.

    ``loss_vs_k`` holds the key ``"k"`` (steps 0, 1, ...) and one loss series per method (e.g. ``"GD"``,
    ``"GD-SSM"``); ``error_vs_N`` holds ``"N"`` and one error series per label. ``symbolic_forms``,
    ``step_size``, ``two_step_audit`` and ``conventions`` map a label to prose or :class:`TexMath`.
    ``source_date`` (e.g. ``"2025-01-31"``) is printed as the date; None leaves the date out unless
    ``SOURCE_DATE_EPOCH`` is set.
    """

    title: str
    command: str
    versions: dict[str, str]
    dims: dict[str, int]
    claims: tuple[ClaimView, ...]
    routes: tuple[RouteView, ...]
    mutants: tuple[MutantView, ...] = ()
    parameters: tuple[ParameterView, ...] = ()
    symbolic_forms: dict[str, str] = field(default_factory=dict)
    step_size: dict[str, str] = field(default_factory=dict)
    numeric_tables: tuple[NumericTable, ...] = ()
    loss_vs_k: dict[str, tuple[float, ...]] = field(default_factory=dict)
    loss_vs_k_caption: str = ""
    """What the loss-vs-k figure shows (law, step sizes, tasks); empty: a generic caption."""
    error_vs_N: dict[str, tuple[float, ...]] = field(default_factory=dict)
    two_step_audit: dict[str, str] = field(default_factory=dict)
    conventions: dict[str, str] = field(default_factory=dict)
    certificate_hashes: dict[str, str] = field(default_factory=dict)
    learned: tuple[LearnedView, ...] = ()
    formal_files: tuple[tuple[str, str], ...] = ()
    """(file name, text) of each generated Coq file, written next to the PDF."""
    source_date: str | None = None
    end_to_end: tuple[EndToEndView, ...] = ()
    """The proofs printed as one chain each (in order: the one-step claim, then the k-step claim)."""
    """One claim's proof printed as one chain from the layer's equations (its claim must be in ``claims``)."""

    def __post_init__(self) -> None:
        ids = [c.id for c in self.claims]
        for chain in self.end_to_end:
            if chain.claim not in ids:
                raise BadInput(f"the end-to-end proof is about {chain.claim}, which is not a claim of the report")
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise BadInput(f"duplicate claim ids: {', '.join(dup)}")
        route_names = {r.name for r in self.routes}
        for c in self.claims:
            unknown = sorted({u for u in c.uses if u not in ids})
            if unknown:
                raise BadInput(f"claim {c.id} uses unknown claims: {', '.join(unknown)}")
            bad = sorted({r for r in (*c.routes, *c.results) if r not in route_names})
            if bad:
                raise BadInput(f"claim {c.id} names unknown routes: {', '.join(bad)}")
        _check_series("loss_vs_k", self.loss_vs_k, "k")
        _check_series("error_vs_N", self.error_vs_N, "N")

    def claim_by_id(self, claim_id: str) -> ClaimView | None:
        """The claim called ``claim_id``, or None."""
        return next((c for c in self.claims if c.id == claim_id), None)


_PLAIN_SYMBOLS = {name: sp.Symbol(name) for name in ("N", "E", "I", "S", "O", "Q", "C")}
"""One-letter names that SymPy's parser would otherwise read as its own objects (N() is numeric evaluation)."""


def step_size_view(summary: Mapping[str, str], prose: Sequence[str] = ("law", "convention")) -> dict[str, str]:
    """A step-size summary (``symbolic.stepsize.optimal_step_summary``) with its SymPy strings as TexMath.

    Keys in ``prose`` and ``*_float`` values stay text; a value SymPy cannot parse stays text too.
    """
    out: dict[str, str] = {}
    for key, value in summary.items():
        out[key] = value
        if key in prose or key.endswith("_float"):
            continue
        try:
            out[key] = tex_math(sp.parse_expr(value, local_dict=_PLAIN_SYMBOLS))
        except (sp.SympifyError, TypeError, SyntaxError, TokenError):
            pass
    return out


def _check_series(name: str, data: Mapping[str, Sequence[float]], axis: str) -> None:
    """``data`` is empty, or has the key ``axis`` and at least one series, all as long as the axis."""
    if not data:
        return
    if axis not in data or len(data) < 2:
        raise BadInput(f"{name} needs the key {axis!r} and at least one series, got keys {sorted(data)}")
    n = len(data[axis])
    for label, values in data.items():
        if len(values) != n:
            raise BadInput(f"{name}: series {label!r} has {len(values)} values, {axis!r} has {n}")
