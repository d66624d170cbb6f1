r"""Proof records, calc-style derivations and explicit induction, every step checked by ``NF_H``.

A proof of ``lhs = rhs`` is a chain ``e_0 = e_1 = ... = e_n`` (``e_0 = lhs``, ``e_n = rhs``). Step
``e_i = e_{i+1}`` is checked by :func:`~proofs.normal_form.equal` modulo the hypotheses it names plus
the standing assumptions, and carries one justification :class:`Kind` (definition, lemma, induction
hypothesis, algebra) and the names of the hypotheses whose rewrite rules actually fired.

Induction on an index ``i`` (``k`` for GD steps, ``t`` for positions) from ``b``: ``statement(i)``
builds ``P(i): L(i) = R(i)`` from indexed generators (``Algebra.indexed``). The obligations are

* uniformity: ``D(k)[k := b] = D(b)`` and ``D(k)[k := k+1] = D(k+1)`` with ``D = L - R``, so the
  builder states one predicate, not one per case;
* base: ``L(b) = R(b)`` modulo the base definitions and the assumptions;
* step: ``L(k+1) = R(k+1)`` modulo the definitions (recursions from ``k`` to ``k+1``), the induction
  hypothesis ``L(k) -> R(k)`` as a rewrite rule, lemmas valid for ``k >= b`` and the assumptions.

Then ``P(i)`` holds for every integer ``i >= b``, in every dimension. Definitions and assumptions
are trusted (they are what a claim is about) and appear by name in every step that uses them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import sympy
from sympy import Symbol

from gdssm.core.errors import BadInput, Refuted
from gdssm.proofs.normal_form import Element, Hypothesis, NormalForm, equal
from gdssm.proofs.sympy_bridge import latex

K = Symbol("k", integer=True, nonnegative=True)
Statement = Callable[[sympy.Expr], tuple[Element, Element]]


class Kind(StrEnum):
    """Why a step holds."""

    DEFINITION = "definition"
    LEMMA = "lemma"
    INDUCTION_HYPOTHESIS = "induction-hypothesis"
    ALGEBRA = "algebra"


@dataclass(frozen=True)
class Step:
    """One checked equation ``lhs = rhs``; ``residual = NF_H(lhs - rhs)``, zero iff ``ok``."""

    name: str
    lhs: Element
    rhs: Element
    kind: Kind
    hypotheses: tuple[str, ...]
    ok: bool
    residual: Element

    @property
    def residual_latex(self) -> str:
        """The residual in LaTeX (``0`` for a passing step)."""
        return latex(self.residual)

    def __str__(self) -> str:
        status = "ok" if self.ok else "FAILED"
        line = f"[{status}] {self.name} ({self.kind}; {', '.join(self.hypotheses) or '-'}): {self.lhs} = {self.rhs}"
        return line if self.ok else f"{line}\n    residual: {self.residual}"


def check_step(name: str, lhs: Element, rhs: Element, kind: Kind, hypotheses: Sequence[Hypothesis] = ()) -> Step:
    """Check ``lhs = rhs`` modulo ``hypotheses`` and record it as a step."""
    result = equal(lhs, rhs, hypotheses)
    return Step(name, lhs, rhs, kind, result.hypotheses_used, result.ok, result.residual)


@dataclass(frozen=True, eq=False)
class Lemma(Hypothesis):
    """A proved equation, usable as a rewrite rule; valid when ``index >= least`` (if ``index``)."""

    index: Symbol | None = None
    least: int | None = None


@dataclass(frozen=True)
class Proof:
    """The record of a proof of ``lhs = rhs`` (for all ``index >= least`` when ``index`` is set)."""

    name: str
    lhs: Element
    rhs: Element
    steps: tuple[Step, ...]
    index: Symbol | None = None
    least: int | None = None
    by_induction: bool = False

    @property
    def ok(self) -> bool:
        """Whether there is at least one step and every step passed."""
        return bool(self.steps) and all(step.ok for step in self.steps)

    @property
    def failures(self) -> tuple[Step, ...]:
        """The failed steps."""
        return tuple(step for step in self.steps if not step.ok)

    def lemma(self, at: object = None, name: str | None = None) -> Lemma:
        """The proved statement as a :class:`Lemma`, optionally at index ``at`` (induction proofs).

        ``at`` may be an integer ``>= least`` or ``index + c`` with an integer ``c``. Raises
        :class:`Refuted` if the proof failed.
        """
        if not self.ok:
            first = self.failures[0] if self.failures else None
            raise Refuted(
                f"{self.name} is not proved",
                {"step": first.name, "residual": str(first.residual)} if first else {},
            )
        if at is None:
            return Lemma(name or self.name, self.lhs, self.rhs, self.index, self.least)
        if not self.by_induction or self.index is None or self.least is None:
            raise BadInput(f"{self.name} is not an induction proof; it has no instances")
        value = sympy.sympify(at)
        shift = sympy.simplify(value - self.index)
        alg = self.lhs.algebra
        lhs = alg.substitute(self.lhs, self.index, value)
        rhs = alg.substitute(self.rhs, self.index, value)
        label = name or f"{self.name} [{self.index} := {value}]"
        if value.is_Integer:
            if value < self.least:
                raise BadInput(f"{self.name} holds for {self.index} >= {self.least}, not at {value}")
            return Lemma(label, lhs, rhs)
        if shift.is_Integer:
            return Lemma(label, lhs, rhs, self.index, self.least - int(shift))
        raise BadInput(f"instance {value} of {self.name} must be an integer or {self.index} + integer")

    def report(self) -> str:
        """Every step, one per line, with status, kind, hypotheses used and residuals."""
        scope = f" for {self.index} >= {self.least}" if self.index is not None else ""
        head = f"{self.name}: {self.lhs} = {self.rhs}{scope} -- {'PROVED' if self.ok else 'NOT PROVED'}"
        return "\n".join([head, *(f"  {step}" for step in self.steps)])


def _scope(hypotheses: Sequence[Hypothesis]) -> tuple[Symbol | None, int | None]:
    """The index range on which conclusions drawn from ``hypotheses`` hold."""
    scoped = [h for h in hypotheses if isinstance(h, Lemma) and h.index is not None]
    symbols = {h.index for h in scoped}
    if len(symbols) > 1:
        raise BadInput(f"lemmas over different indices {sorted(map(str, symbols))} in one derivation")
    if not scoped:
        return None, None
    return scoped[0].index, max(h.least for h in scoped if h.least is not None)


class Derivation:
    """A calc chain from ``start``: each :meth:`step` checks ``current = target``; :meth:`qed` ends it."""

    def __init__(self, name: str, start: Element, *, assumptions: Sequence[Hypothesis] = ()) -> None:
        self.name = name
        self.start = start
        self.current = start
        self.assumptions = tuple(assumptions)
        self._steps: list[Step] = []
        self._used: list[Hypothesis] = list(self.assumptions)

    def step(
        self,
        name: str,
        target: Element | None = None,
        *,
        kind: Kind = Kind.ALGEBRA,
        using: Sequence[Hypothesis] = (),
    ) -> Derivation:
        """Check ``current = target`` modulo ``using`` and the assumptions, then move to ``target``.

        Without ``target`` the step goes to ``NF`` of ``current`` modulo ``using`` (e.g. unfolding a
        definition), which is recorded like any other step.
        """
        if target is None:
            target = NormalForm(self.current.algebra, using)(self.current)
        self._steps.append(check_step(name, self.current, target, kind, [*using, *self.assumptions]))
        self._used.extend(using)
        self.current = target
        return self

    def qed(self, rhs: Element | None = None) -> Proof:
        """Finish; with ``rhs`` a last algebra step checks ``current = rhs`` modulo the assumptions."""
        if rhs is not None:
            self.step("conclusion", rhs)
        index, least = _scope(self._used)
        return Proof(self.name, self.start, self.current, tuple(self._steps), index, least)


@dataclass(frozen=True)
class InductionStep:
    """What the base case and the step may use.

    ``definitions`` express objects at ``k + 1`` through objects at ``k`` (the recursions);
    ``base_definitions`` give the objects at the base index; ``lemmas`` are proved facts valid for
    the whole range (checked against the base index); ``assumptions`` hold throughout.
    """

    definitions: tuple[Hypothesis, ...] = ()
    base_definitions: tuple[Hypothesis, ...] = ()
    lemmas: tuple[Hypothesis, ...] = ()
    assumptions: tuple[Hypothesis, ...] = ()


def _chain(
    prefix: str,
    lhs: Element,
    rhs: Element,
    stages: Sequence[tuple[str, Kind, Sequence[Hypothesis]]],
    definitions: Sequence[Hypothesis],
    assumptions: Sequence[Hypothesis],
) -> list[Step]:
    """``lhs`` rewritten stage by stage, then ``= NF(rhs, definitions)`` by algebra, then ``= rhs``.

    A stage (or the final folding) whose rules do not fire is left out of the record.
    """
    derivation = Derivation(prefix, lhs, assumptions=assumptions)
    everything: list[Hypothesis] = []
    for label, kind, hypotheses in stages:
        everything.extend(hypotheses)
        target, fired = NormalForm(lhs.algebra, hypotheses).reduce(derivation.current)
        if fired:
            derivation.step(f"{prefix}: {label}", target, kind=kind, using=hypotheses)
    unfolded, fired = NormalForm(rhs.algebra, definitions).reduce(rhs)
    derivation.step(f"{prefix}: algebra", unfolded if fired else rhs, using=everything)
    if fired:
        derivation.step(f"{prefix}: fold definitions", rhs, kind=Kind.DEFINITION, using=definitions)
    return list(derivation.qed().steps)


def induction(name: str, statement: Statement, base_k: int, step: InductionStep, *, index: Symbol = K) -> Proof:
    """Prove ``statement(i)`` for all integers ``i >= base_k`` by induction on ``index``.

    ``statement(i)`` returns ``(L(i), R(i))``; ``L(k)`` must be one word (the induction hypothesis
    is the rule ``L(k) -> R(k)``). Returns the full record; it is proved iff ``Proof.ok``.
    """
    for lemma in step.lemmas:
        if isinstance(lemma, Lemma) and lemma.index is not None:
            if lemma.index != index:
                raise BadInput(f"lemma {lemma.name} is over {lemma.index}, the induction over {index}")
            if lemma.least is not None and base_k < lemma.least:
                raise BadInput(
                    f"lemma {lemma.name} holds for {index} >= {lemma.least}; the induction starts at {base_k}"
                )
    base_lhs, base_rhs = statement(sympy.Integer(base_k))
    lhs_k, rhs_k = statement(index)
    next_lhs, next_rhs = statement(index + 1)
    alg = lhs_k.algebra
    steps: list[Step] = []
    for value, (inst_lhs, inst_rhs) in ((base_k, (base_lhs, base_rhs)), (index + 1, (next_lhs, next_rhs))):
        steps.append(
            check_step(
                f"statement uniform in {index} ({index} := {value})",
                alg.substitute(lhs_k - rhs_k, index, value),
                inst_lhs - inst_rhs,
                Kind.ALGEBRA,
            )
        )
    steps += _chain(
        f"base {index} = {base_k}",
        base_lhs,
        base_rhs,
        [("unfold base definitions", Kind.DEFINITION, step.base_definitions)],
        step.base_definitions,
        step.assumptions,
    )
    hypothesis = Hypothesis(f"induction hypothesis P({index})", lhs_k, rhs_k)
    steps += _chain(
        f"step {index} -> {index} + 1",
        next_lhs,
        next_rhs,
        [
            ("unfold definitions", Kind.DEFINITION, step.definitions),
            ("induction hypothesis", Kind.INDUCTION_HYPOTHESIS, [hypothesis]),
            ("lemmas", Kind.LEMMA, step.lemmas),
        ],
        step.definitions,
        step.assumptions,
    )
    return Proof(name, lhs_k, rhs_k, tuple(steps), index, base_k, by_induction=True)
