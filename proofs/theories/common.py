r"""What the theories share: symbols, the algebra of one theorem, and :class:`Theorem`, the records of one claim.

A :class:`Theorem` is everything route 1 did for a claim, in one algebra: the proof records (lemmas first, the
conclusion last), the parameter values it read from the description, the algebraic hypotheses it could use,
and the definitions of the symbols its statement is about. The printed statement *is* the conclusion record's
equation, and the printed hypotheses are generated from what the records used:

* the description's parameter values the equations read (``Q = e_2 e_1^T``, ``c_0 = 1``, ...);
* the algebraic hypotheses whose rewrite rules fired in some step (``E_x^T E_x = I``, ...);
* the definitions of every symbol printed (``A_t``, ``G_t``, ``W^{(t)}_s``), closed under the symbols they use;
* the nonvanishing conditions of the records (generic-in-scalars results).

"Uses" are the claims whose records a step cites (a fired hypothesis named after a claim id), never declared.
A record that fails stops the theorem (later records would need it as a lemma); so does a description the
kernel cannot read (a scalar outside the coefficient field, a decay that is not a multiple of the all-ones
matrix): :attr:`Theorem.failure` says where.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import sympy
from sympy import Indexed, Symbol

from gdssm.core.errors import BadInput, Refuted
from gdssm.proofs.induction import K, Proof
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis
from gdssm.proofs.sympy_bridge import latex
from gdssm.symbolic import description as descriptions

N, f, m, H = descriptions.N, descriptions.f, descriptions.m, descriptions.H
T = Symbol("t", integer=True, nonnegative=True)
"""The prefix t (the state's induction index; fixed in the readout)."""
J = descriptions.j
"""The readout index j."""
if descriptions.k != K:  # the number of readout terms of a description is the induction index of the k-step proofs
    raise ImportError("gdssm.symbolic.description.k must be the kernel's induction index k")
INDICES = frozenset({T, J, K, descriptions.s})
DIMENSIONS = frozenset({f, m, H})


def scalar_generators(exprs: Iterable[object]) -> list[sympy.Expr]:
    """The scalars of a coefficient field for ``exprs``: their free symbols other than dimensions and indices,
    and their indexed symbols (``eta[k - 1 - j]`` is one indeterminate), in a deterministic order."""
    found: set[sympy.Expr] = set()
    for raw in exprs:
        expr = sympy.sympify(raw)
        indexed = expr.atoms(Indexed)
        found |= indexed
        bare = expr.xreplace({i: sympy.Integer(0) for i in indexed})
        found |= {s for s in bare.free_symbols if isinstance(s, Symbol) and not isinstance(s, sympy.MatrixSymbol)
                  and s not in DIMENSIONS and s not in INDICES}
    return sorted(found, key=sympy.default_sort_key)


def fact_tex(fact: Hypothesis) -> str:
    """``lhs = rhs`` of a hypothesis or lemma, printed by SymPy."""
    return f"{latex(fact.lhs)} = {latex(fact.rhs)}"


def conclusion_tex(proof: Proof) -> str:
    """The printed statement of a proof: its equation, with the index range when it is one (``k \\geq 0``)."""
    text = f"{latex(proof.lhs)} = {latex(proof.rhs)}"
    if proof.index is not None and proof.least is not None:
        text += rf" \quad ({sympy.latex(proof.index)} \geq {proof.least})"
    return text


def generators(element: Element) -> set[str]:
    """The names of the generators in ``element``."""
    return {name for word in element.terms for name, _ in word}


@dataclass(frozen=True)
class Definitions:
    """The definitions of one family of printed symbols (``stem``: ``A`` for ``A_t``, ``W^{(t)}``)."""

    stem: str
    facts: tuple[Hypothesis, ...]

    def names(self, name: str) -> bool:
        """Whether the generator ``name`` belongs to this family."""
        return name == self.stem or name.startswith((self.stem + "_", self.stem + "^"))


@dataclass(frozen=True)
class Theorem:
    """The route-1 record of one claim (module docstring)."""

    claim: str
    records: tuple[Proof, ...]
    parameters: tuple[str, ...] = ()
    assumptions: tuple[Hypothesis, ...] = ()
    definitions: tuple[Definitions, ...] = ()
    failure: str | None = None

    @property
    def complete(self) -> bool:
        """Whether every record was built (no record failed, the description was read)."""
        return self.failure is None and bool(self.records) and all(p.ok for p in self.records)

    @property
    def ok(self) -> bool:
        """Whether the theorem is proved."""
        return self.complete

    @property
    def conclusion(self) -> Proof:
        """The last record: its equation is the claim's statement."""
        if not self.records:
            raise Refuted(f"{self.claim}: no proof record was built ({self.failure})", {"claim": self.claim})
        return self.records[-1]

    @property
    def fired(self) -> frozenset[str]:
        """The names of every hypothesis whose rule fired in some step."""
        return frozenset(name for p in self.records for step in p.steps for name in step.hypotheses)

    def cited(self, claim_ids: Iterable[str]) -> tuple[str, ...]:
        """The other claims whose records a step cites (a fired hypothesis named after the claim)."""
        ids = set(claim_ids) - {self.claim}
        return tuple(sorted({name.split(" [")[0] for name in self.fired} & ids))

    @property
    def statement_tex(self) -> str:
        """The conclusion's equation."""
        return conclusion_tex(self.conclusion)

    def printed_definitions(self) -> tuple[Hypothesis, ...]:
        """The definitions of every symbol in the statement, closed under the symbols they print."""
        shown = generators(self.conclusion.lhs) | generators(self.conclusion.rhs)
        chosen: list[Definitions] = []
        changed = True
        while changed:
            changed = False
            for group in self.definitions:
                if group not in chosen and any(group.names(name) for name in shown):
                    chosen.append(group)
                    shown |= {name for fact in group.facts for name in generators(fact.lhs) | generators(fact.rhs)}
                    changed = True
        return tuple(fact for group in self.definitions if group in chosen for fact in group.facts)

    @property
    def nonvanishing_tex(self) -> tuple[str, ...]:
        """The records' nonvanishing conditions, ``p \\neq 0``."""
        seen: list[str] = []
        for p in self.records:
            seen += [c for c in p.nonvanishing_latex if c not in seen]
        return tuple(seen)

    @property
    def hypotheses_tex(self) -> tuple[str, ...]:
        """Parameter values read, algebraic hypotheses used, definitions of the printed symbols, conditions."""
        used = [fact_tex(a) for a in self.assumptions if a.name in self.fired]
        return (*self.parameters, *used, *(fact_tex(d) for d in self.printed_definitions()), *self.nonvanishing_tex)

    def first_failure(self) -> str:
        """Where the theorem stopped: the record and step that does not check, or why it could not be built."""
        for p in self.records:
            for step in p.failures:
                return f"record '{p.name}', step '{step.name}' does not check; residual {step.residual}"
        if self.failure is not None:
            return self.failure
        return "no proof record"


class Incomplete(Exception):
    """A record failed: the theorem stops there."""


@dataclass
class Builder:
    """Collects the records of a theorem; :meth:`stage` names what is being done, for the failure message."""

    claim: str
    records: list[Proof] = field(default_factory=list)
    parameters: list[str] = field(default_factory=list)
    assumptions: list[Hypothesis] = field(default_factory=list)
    definitions: list[Definitions] = field(default_factory=list)
    current: str = "start"

    def add(self, proof: Proof) -> Proof:
        """Record ``proof``; stop the theorem if it failed."""
        self.records.append(proof)
        if not proof.ok:
            raise Incomplete(proof.name)
        return proof

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        """Run a part of the construction of the theorem under a name (for :attr:`Theorem.failure`)."""
        previous, self.current = self.current, name
        yield
        self.current = previous

    def parameter(self, text: str) -> None:
        """Record a parameter value read from the description (once)."""
        if text not in self.parameters:
            self.parameters.append(text)

    def theorem(self, failure: str | None = None) -> Theorem:
        """The theorem built so far."""
        return Theorem(self.claim, tuple(self.records), tuple(self.parameters), tuple(self.assumptions),
                       tuple(self.definitions), failure)


def build(claim: str, body: Callable[[Builder], None]) -> Theorem:
    """Run ``body`` on a fresh :class:`Builder`; a failed record or an unreadable description ends it early."""
    builder = Builder(claim)
    try:
        body(builder)
    except Incomplete:
        return builder.theorem()
    except (BadInput, Refuted, TypeError, ValueError) as exc:
        return builder.theorem(f"{builder.current}: {exc}")
    return builder.theorem()


def algebra(exprs: Sequence[object]) -> Algebra:
    """A fresh algebra over QQ(N, the scalars of ``exprs``)."""
    scalars = scalar_generators([N, *exprs])
    return Algebra(scalars)
