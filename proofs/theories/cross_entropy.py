r"""``ce.one_step``: one GD step from ``W = 0`` on the cross-entropy loss, at symbolic sizes ``K``, ``f``, ``N``.

The N examples are the rows of ``X`` (``N x f``), their one-hot labels the rows of ``Y`` (``N x K``); ``x_q`` is
the query, ``\mathbf{1}_K`` and ``\mathbf{1}_N`` the all-ones columns. The gradient at zero is taken in the form
the log-softmax derivative gives (softmax(0) = (1/K) 1; :mod:`gdssm.symbolic.cross_entropy` derives it from the
loss at concrete sizes, and the exact route checks this definition against that derivation):

    \nabla L(0) = (1/N) ((1/K) 1_K 1_N^T - Y^T) X,   W_1 = -eta \nabla L(0),   A = Y^T X,   s = X^T 1_N,

and the kernel shows ``W_1 x_q = (eta/N) A x_q - (eta/(K N)) 1_K s^T x_q``: the least-squares one-step logits
``alpha A x_q`` (``alpha = eta/N``) plus the same shift ``-(alpha/K) s^T x_q`` in every logit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sympy

from gdssm.core.errors import BadInput
from gdssm.proofs.induction import Derivation, Kind
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis
from gdssm.proofs.sympy_bridge import to_sympy
from gdssm.proofs.theories.common import Builder, Definitions, Theorem, build, f
from gdssm.symbolic.description import N, eta

if TYPE_CHECKING:
    from gdssm.symbolic.cross_entropy import CrossEntropyStep

K = sympy.Symbol("K", integer=True, positive=True)
"""The number of classes (a size, and a scalar in the coefficients)."""
GRADIENT = r"\nabla L(0)"
ONES_K, ONES_N = r"\mathbf{1}_K", r"\mathbf{1}_N"


@dataclass(frozen=True)
class Classification:
    """The generators of the one-step cross-entropy problem and the definitions of ``\\nabla L(0)``, ``W_1``,
    ``A`` and ``s``."""

    alg: Algebra
    X: Element
    Y: Element
    x_q: Element
    ones_K: Element
    ones_N: Element
    gradient: Element
    W_1: Element
    A: Element
    s: Element

    def definitions(self, gradient: Element | None = None) -> tuple[Hypothesis, ...]:
        """``\\nabla L(0) = gradient`` (the log-softmax form unless given), ``W_1 = -eta \\nabla L(0)``,
        ``A = Y^T X``, ``s = X^T 1_N``."""
        right = gradient if gradient is not None else (self.ones_K * self.ones_N.T / K - self.Y.T) * self.X / N
        return (Hypothesis("def grad L(0)", self.gradient, right),
                Hypothesis("def W_1 = -eta grad L(0)", self.W_1, -eta * self.gradient),
                Hypothesis("def A = Y^T X", self.A, self.Y.T * self.X),
                Hypothesis("def s = X^T 1_N", self.s, self.X.T * self.ones_N))


def classification() -> Classification:
    """Declare the generators in a fresh algebra over QQ(N, K, eta)."""
    alg = Algebra([N, K, eta])
    return Classification(alg, alg.generator("X", N, f), alg.generator("Y", N, K), alg.generator("x_q", f, 1),
                          alg.generator(ONES_K, K, 1), alg.generator(ONES_N, N, 1), alg.generator(GRADIENT, K, f),
                          alg.generator("W_1", K, f), alg.generator("A", K, f), alg.generator("s", f, 1))


Change = Callable[[Classification], Element]
"""Builds another element from the problem's generators (to state a wrong gradient or a wrong conclusion)."""


def one_step_theorem(gradient: Change | None = None, claimed: Change | None = None) -> Theorem:
    """``W_1 x_q = (eta/N) A x_q - (eta/(K N)) 1_K s^T x_q``; ``gradient`` replaces the definition of
    ``\\nabla L(0)`` and ``claimed`` the right-hand side (to state a wrong one)."""

    def body(b: Builder) -> None:
        ce = classification()
        defs = ce.definitions(gradient(ce) if gradient is not None else None)
        target = (claimed(ce) if claimed is not None
                  else eta / N * ce.A * ce.x_q - eta / (K * N) * ce.ones_K * ce.s.T * ce.x_q)
        b.parameter(rf"\alpha = {sympy.latex(eta / N)}")
        b.parameter(r"\text{one-hot labels: the rows of } Y \text{ sum to } 1")
        b.definitions += [Definitions(GRADIENT, defs[:1]), Definitions("W_1", defs[1:2]),
                          Definitions("A", defs[2:3]), Definitions("s", defs[3:])]
        b.add(
            Derivation("ce.one_step", ce.W_1 * ce.x_q)
            .step("unfold W_1 and the gradient at 0", kind=Kind.DEFINITION, using=defs[:2])
            .step("fold A and s", target, kind=Kind.DEFINITION, using=defs[2:])
            .qed()
        )

    return build("ce.one_step", body)


def instance_residuals(theorem: Theorem, step: CrossEntropyStep) -> list[str]:
    """The theorem at the sizes and on the data of ``step`` (a derivation from the loss at concrete K, f, N),
    against it: the printed definitions evaluated in order from ``X``, ``Y``, ``x_q`` and the all-ones columns,
    then ``\nabla L(0)`` against the derived gradient and both sides of the conclusion against the derived
    logits ``W_1 x_q``. Empty when all agree (every entry expanded); otherwise what differs."""
    (n, f_), k = step.examples.shape, step.labels.shape[1]
    scalars: dict[sympy.Basic, sympy.Basic] = {N: sympy.Integer(n), K: sympy.Integer(k), f: sympy.Integer(f_)}
    values: dict[str, sympy.Matrix] = {"X": step.examples, "Y": step.labels, "x_q": step.query,
                                       ONES_K: sympy.ones(k, 1), ONES_N: sympy.ones(n, 1)}

    def value(element: Element) -> sympy.Matrix:
        expr = to_sympy(element)
        missing = sorted({s.name for s in expr.atoms(sympy.MatrixSymbol)} - set(values))
        if missing:
            raise BadInput(f"ce.one_step: no value for {', '.join(missing)} (not defined before it is used)")
        bound = {s: sympy.ImmutableMatrix(values[s.name]) for s in expr.atoms(sympy.MatrixSymbol)}
        return sympy.Matrix(expr.xreplace({**bound, **scalars}).doit()).applyfunc(sympy.expand)

    def differs(name: str, got: sympy.Matrix, derived: sympy.Matrix) -> list[str]:
        residual = (got - derived).applyfunc(sympy.expand)
        return [] if residual.is_zero_matrix else [f"{name}: residual {residual.tolist()}"]

    for fact in theorem.printed_definitions():
        (((name, _),),) = fact.lhs.terms
        values[name] = value(fact.rhs)
    if GRADIENT not in values:
        return [f"the statement does not define {GRADIENT}"]
    conclusion = theorem.conclusion
    return [*differs(GRADIENT, values[GRADIENT], step.gradient_at_zero),
            *differs("left side", value(conclusion.lhs), step.logits),
            *differs("right side", value(conclusion.rhs), step.logits)]
