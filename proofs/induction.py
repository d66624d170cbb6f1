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

Ranges and nonvanishing conditions:

* every :class:`Lemma` with an index range that the induction is given -- as a step lemma, a
  definition, a base definition or an assumption -- must be over the induction's index and hold from
  ``b`` on (``least <= b``), else :class:`BadInput`;
* every nonvanishing condition of a step (:attr:`Step.nonvanishing`) that involves the index must hold
  at every integer ``i >= b`` (an irreducible polynomial in the index alone with no integer root
  ``>= b``), else :class:`NonvanishingError`: a step that holds only after dividing by ``k`` does not
  prove anything at ``k = 0``;
* conditions in the other scalars are the proof's :attr:`Proof.nonvanishing`: the result holds for all
  values of the scalars where they are nonzero (generic in the scalars), and a lemma carries them to
  every proof that uses it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from enum import StrEnum

import sympy
from sympy import Symbol

from gdssm.core.errors import BadInput, Refuted
from gdssm.proofs.normal_form import (
    Element,
    Fact,
    Hypothesis,
    NonvanishingError,
    Nonzero,
    NormalForm,
    equal,
    sorted_conditions,
)
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
    """One checked equation ``lhs = rhs``; ``residual = NF_H(lhs - rhs)``, zero iff ``ok``.

    ``nonvanishing``: the scalar polynomials that must be nonzero for the step to hold
    (:attr:`CheckResult.nonvanishing`).
    """

    name: str
    lhs: Element
    rhs: Element
    kind: Kind
    hypotheses: tuple[str, ...]
    ok: bool
    residual: Element
    nonvanishing: tuple[sympy.Expr, ...] = ()

    @property
    def residual_latex(self) -> str:
        """The residual in LaTeX (``0`` for a passing step)."""
        return latex(self.residual)

    def __str__(self) -> str:
        status = "ok" if self.ok else "FAILED"
        line = f"[{status}] {self.name} ({self.kind}; {', '.join(self.hypotheses) or '-'}): {self.lhs} = {self.rhs}"
        return line if self.ok else f"{line}\n    residual: {self.residual}"


def check_step(name: str, lhs: Element, rhs: Element, kind: Kind, hypotheses: Sequence[Fact] = ()) -> Step:
    """Check ``lhs = rhs`` modulo ``hypotheses`` and record it as a step."""
    result = equal(lhs, rhs, hypotheses)
    return Step(name, lhs, rhs, kind, result.hypotheses_used, result.ok, result.residual, result.nonvanishing)


@dataclass(frozen=True, eq=False)
class Lemma(Hypothesis):
    """A proved equation, usable as a rewrite rule; valid when ``index >= least`` (if ``index``) and
    where the polynomials ``conditions`` are nonzero (every use inherits them)."""

    index: Symbol | None = None
    least: int | None = None
    conditions: tuple[sympy.Expr, ...] = ()

    def carried_conditions(self) -> frozenset[sympy.Expr]:
        """The proof's nonvanishing conditions."""
        return frozenset(self.conditions)


def nonzero_on_range(condition: sympy.Expr, index: Symbol, least: int) -> bool:
    """Whether ``condition`` (a polynomial) is nonzero at every integer ``index >= least``.

    Decided for polynomials in ``index`` alone: true iff no irreducible factor has an integer root
    ``>= least`` (a factor of degree >= 2 has no rational root). A condition that also involves other
    scalars is not decided (``False``): for each ``index`` it would be another condition on them.
    """
    expr = sympy.expand(condition)
    if index not in expr.free_symbols:
        return True
    if expr.free_symbols != {index}:
        return False
    _, factors = sympy.factor_list(expr, index)
    for factor, _ in factors:
        poly = sympy.Poly(factor, index)
        if poly.degree() != 1:
            continue
        a, b = poly.all_coeffs()
        root = -b / a
        if root.is_integer and root >= least:
            return False
    return True


def _range_conditions(conditions: Sequence[sympy.Expr], index: Symbol | None, least: int | None) -> tuple[
        sympy.Expr, ...]:
    """``conditions`` less those in ``index`` alone that hold on ``index >= least``."""
    if index is None or least is None:
        return tuple(conditions)
    return tuple(c for c in conditions if index not in c.free_symbols or not nonzero_on_range(c, index, least))


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

    @property
    def nonvanishing(self) -> tuple[sympy.Expr, ...]:
        """The result holds where these polynomials in the scalars are nonzero (generic in the scalars):
        the union of the steps' conditions, less those in the index alone that hold on its range."""
        union = sorted_conditions(c for step in self.steps for c in step.nonvanishing)
        return _range_conditions(union, self.index, self.least)

    @property
    def nonvanishing_latex(self) -> tuple[str, ...]:
        """:attr:`nonvanishing` as LaTeX relations ``p \\neq 0``."""
        return tuple(f"{sympy.latex(c)} \\neq 0" for c in self.nonvanishing)

    def lemma(self, at: object = None, name: str | None = None) -> Lemma:
        """The proved statement as a :class:`Lemma`, optionally at index ``at`` (induction proofs).

        ``at`` may be an integer ``>= least`` or ``index + c`` with an integer ``c``. The lemma carries
        the proof's :attr:`nonvanishing` conditions (at the instance). Raises :class:`Refuted` if the
        proof failed.
        """
        if not self.ok:
            first = self.failures[0] if self.failures else None
            raise Refuted(
                f"{self.name} is not proved",
                {"step": first.name, "residual": str(first.residual)} if first else {},
            )
        conditions = self.nonvanishing
        if at is None:
            return Lemma(name or self.name, self.lhs, self.rhs, self.index, self.least, conditions)
        if not self.by_induction or self.index is None or self.least is None:
            raise BadInput(f"{self.name} is not an induction proof; it has no instances")
        value = sympy.sympify(at)
        shift = sympy.simplify(value - self.index)
        if not (value.is_Integer or shift.is_Integer):
            raise BadInput(f"instance {value} of {self.name} must be an integer or {self.index} + integer")
        if value.is_Integer and value < self.least:
            raise BadInput(f"{self.name} holds for {self.index} >= {self.least}, not at {value}")
        alg = self.lhs.algebra
        lhs = alg.substitute(self.lhs, self.index, value)
        rhs = alg.substitute(self.rhs, self.index, value)
        label = name or f"{self.name} [{self.index} := {value}]"
        at_value = []
        for condition in conditions:
            instance = sympy.expand(condition.subs(self.index, value))
            if instance == 0:
                raise NonvanishingError(f"{self.name} holds where {condition} != 0, not at {self.index} = {value}")
            if instance.free_symbols:
                at_value.append(instance)
        if value.is_Integer:
            return Lemma(label, lhs, rhs, conditions=sorted_conditions(at_value))
        return Lemma(label, lhs, rhs, self.index, self.least - int(shift), sorted_conditions(at_value))

    def report(self) -> str:
        """Every step, one per line, with status, kind, hypotheses used and residuals."""
        scope = f" for {self.index} >= {self.least}" if self.index is not None else ""
        where = self.nonvanishing
        if where:
            scope += f" where {', '.join(f'{c} != 0' for c in where)}"
        head = f"{self.name}: {self.lhs} = {self.rhs}{scope} -- {'PROVED' if self.ok else 'NOT PROVED'}"
        return "\n".join([head, *(f"  {step}" for step in self.steps)])


def _scope(hypotheses: Sequence[Fact]) -> tuple[Symbol | None, int | None]:
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

    def __init__(self, name: str, start: Element, *, assumptions: Sequence[Fact] = ()) -> None:
        self.name = name
        self.start = start
        self.current = start
        self.assumptions = tuple(assumptions)
        self._steps: list[Step] = []
        self._used: list[Fact] = list(self.assumptions)

    def step(
        self,
        name: str,
        target: Element | None = None,
        *,
        kind: Kind = Kind.ALGEBRA,
        using: Sequence[Fact] = (),
    ) -> Derivation:
        """Check ``current = target`` modulo ``using`` and the assumptions, then move to ``target``.

        Without ``target`` the step goes to ``NF`` of ``current`` modulo ``using`` (e.g. unfolding a
        definition; the assumptions' :class:`Nonzero` facts may license divisions), which is recorded
        like any other step.
        """
        if target is None:
            stated = [h for h in self.assumptions if isinstance(h, Nonzero)]
            target = NormalForm(self.current.algebra, [*using, *stated])(self.current)
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
    the whole range; ``assumptions`` hold throughout (they may include :class:`Nonzero` facts). Every
    :class:`Lemma` among any of them is checked against the range of the induction.
    """

    definitions: tuple[Fact, ...] = ()
    base_definitions: tuple[Fact, ...] = ()
    lemmas: tuple[Fact, ...] = ()
    assumptions: tuple[Fact, ...] = ()


def _chain(
    prefix: str,
    lhs: Element,
    rhs: Element,
    stages: Sequence[tuple[str, Kind, Sequence[Fact]]],
    definitions: Sequence[Fact],
    assumptions: Sequence[Fact],
) -> list[Step]:
    """``lhs`` rewritten stage by stage, then ``= NF(rhs, definitions)`` by algebra, then ``= rhs``.

    A stage (or the final folding) whose rules do not fire is left out of the record. The stated
    :class:`Nonzero` facts among ``assumptions`` are available to every stage.
    """
    derivation = Derivation(prefix, lhs, assumptions=assumptions)
    stated = [h for h in assumptions if isinstance(h, Nonzero)]
    everything: list[Fact] = []
    for label, kind, hypotheses in stages:
        everything.extend(hypotheses)
        target, fired = NormalForm(lhs.algebra, [*hypotheses, *stated]).reduce(derivation.current)
        if fired:
            derivation.step(f"{prefix}: {label}", target, kind=kind, using=hypotheses)
    unfolded, fired = NormalForm(rhs.algebra, [*definitions, *stated]).reduce(rhs)
    derivation.step(f"{prefix}: algebra", unfolded if fired else rhs, using=everything)
    if fired:
        derivation.step(f"{prefix}: fold definitions", rhs, kind=Kind.DEFINITION, using=definitions)
    return list(derivation.qed().steps)


def induction(name: str, statement: Statement, base_k: int, step: InductionStep, *, index: Symbol = K) -> Proof:
    """Prove ``statement(i)`` for all integers ``i >= base_k`` by induction on ``index``.

    ``statement(i)`` returns ``(L(i), R(i))``; ``L(k)`` must be one word (the induction hypothesis
    is the rule ``L(k) -> R(k)``). Returns the full record; it is proved iff ``Proof.ok``.

    Raises :class:`BadInput` if a lemma given in any role does not hold on the whole range, and
    :class:`NonvanishingError` if a step needs a polynomial in ``index`` to be nonzero somewhere on it.
    """
    roles = (("step lemma", step.lemmas), ("definition", step.definitions),
             ("base definition", step.base_definitions), ("assumption", step.assumptions))
    for role, facts in roles:
        for lemma in facts:
            if not isinstance(lemma, Lemma) or lemma.index is None:
                continue
            if lemma.index != index:
                raise BadInput(f"{role} {lemma.name} is over {lemma.index}, the induction over {index}")
            if lemma.least is not None and base_k < lemma.least:
                raise BadInput(
                    f"{role} {lemma.name} holds for {index} >= {lemma.least}; the induction starts at {base_k}"
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
    for checked in steps:
        for condition in checked.nonvanishing:
            if index in condition.free_symbols and not nonzero_on_range(condition, index, base_k):
                raise NonvanishingError(
                    f"{name}: step '{checked.name}' holds only where {condition} != 0, which is not shown "
                    f"for every {index} >= {base_k}"
                )
    return Proof(name, lhs_k, rhs_k, tuple(steps), index, base_k, by_induction=True)


def instance(proof: Proof, value: object, name: str | None = None) -> Lemma:
    """The statement of the induction ``proof`` at ``index := value``, as an index-free :class:`Lemma`.

    ``value`` is any integer expression that SymPy's assumptions show is ``>= least`` for every value of
    its symbols (e.g. ``t`` or ``k`` declared nonnegative integers, or ``k + 1``): "for all i >= least,
    P(i)" gives P(value). The lemma is about that one value, so it carries no index range and may be used
    in a proof over another index (the state lemma at the fixed prefix ``t`` inside an induction on the
    readout index ``j``). It carries the proof's nonvanishing conditions at ``value``. Raises
    :class:`Refuted` if the proof failed, :class:`BadInput` if ``value`` is not shown to be in the range.
    """
    if not proof.ok:
        proof.lemma()  # raises Refuted, naming the failed step
    if not proof.by_induction or proof.index is None or proof.least is None:
        raise BadInput(f"{proof.name} is not an induction proof; it has no instances")
    at = sympy.sympify(value)
    if at.is_integer is not True or (at - proof.least).is_nonnegative is not True:
        raise BadInput(f"{proof.name} holds for {proof.index} >= {proof.least}; {at} is not shown to be in that range")
    alg = proof.lhs.algebra
    for side in (proof.lhs, proof.rhs):
        if any(proof.index in c.as_expr().free_symbols for c in side.terms.values()):
            raise BadInput(f"{proof.name}: a coefficient depends on {proof.index}; instances substitute indices only")
    conditions = []
    for condition in proof.nonvanishing:
        at_value = sympy.expand(condition.subs(proof.index, at))
        if at_value == 0:
            raise NonvanishingError(f"{proof.name} holds where {condition} != 0, not at {proof.index} = {at}")
        if at_value.free_symbols:
            conditions.append(at_value)
    return Lemma(name or proof.name, alg.substitute(proof.lhs, proof.index, at),
                 alg.substitute(proof.rhs, proof.index, at), conditions=sorted_conditions(conditions))
