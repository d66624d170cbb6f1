r"""``gd.gradient``: the gradient of the in-context loss, derived by SymPy, equals ``(W G - A) / N``.

SymPy differentiates ``L(W) = tr((W X^T - Y^T)^T (W X^T - Y^T)) / (2N)`` (``X: N x f``, ``Y: N x m``,
``W: m x f``, the examples as rows); the kernel shows the result equal to ``(W G - A) / N`` with the definitions
``G = X^T X`` and ``A = Y^T X``. Nothing about ``G`` is assumed (it is not declared symmetric).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy
from sympy import MatrixSymbol, Trace
from sympy import latex as latex_expr

from gdssm.proofs.induction import Derivation, Kind, Proof
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis
from gdssm.proofs.sympy_bridge import to_element
from gdssm.proofs.theories.common import Builder, Definitions, Theorem, build, f, m
from gdssm.symbolic.description import N


@dataclass(frozen=True)
class Regression:
    """Generators of the in-context regression problem, with the definitions ``G = X^T X`` and ``A = Y^T X``."""

    alg: Algebra
    X: Element
    Y: Element
    W: Element
    G: Element
    A: Element
    definitions: tuple[Hypothesis, ...]


def regression(alg: Algebra | None = None) -> Regression:
    """Declare ``X (N x f)``, ``Y (N x m)``, ``W (m x f)``, ``G (f x f)``, ``A (m x f)`` (in a fresh algebra over
    QQ(N) unless ``alg`` is given)."""
    alg = alg if alg is not None else Algebra([N])
    X, Y = alg.generator("X", N, f), alg.generator("Y", N, m)
    G, A = alg.generator("G", f, f), alg.generator("A", m, f)
    definitions = (Hypothesis("def G = X^T X", G, X.T * X), Hypothesis("def A = Y^T X", A, Y.T * X))
    return Regression(alg, X, Y, alg.generator("W", m, f), G, A, definitions)


def loss() -> tuple[MatrixSymbol, MatrixSymbol, MatrixSymbol, sympy.Expr]:
    """``X``, ``Y``, ``W`` and ``L(W) = tr((W X^T - Y^T)^T (W X^T - Y^T)) / (2N)`` as SymPy objects."""
    X, Y, W = MatrixSymbol("X", N, f), MatrixSymbol("Y", N, m), MatrixSymbol("W", m, f)
    residual = W * X.T - Y.T
    return X, Y, W, Trace(residual.T * residual) / (2 * N)


def derived_gradient(reg: Regression) -> Element:
    """``d/dW L(W)``, differentiated by SymPy, as an element."""
    X, Y, W, L = loss()
    return to_element(L.diff(W), reg.alg, bindings={X: reg.X, Y: reg.Y, W: reg.W})


GRADIENT = r"\nabla_{W} L"


def gradient_theorem(claimed: Callable[[Regression], Element] | None = None) -> Theorem:
    """``\\nabla_W L = (W G - A) / N`` (or ``= claimed(reg)``, to state a wrong gradient)."""

    def body(b: Builder) -> None:
        reg = regression()
        gradient = reg.alg.generator(GRADIENT, reg.W.rows, reg.W.cols)
        derived = derived_gradient(reg)
        expanded = (reg.W * reg.X.T * reg.X - reg.Y.T * reg.X) / N
        target = claimed(reg) if claimed is not None else (reg.W * reg.G - reg.A) / N
        b.parameter(f"L(W) = {latex_expr(loss()[3])}")
        sympy_says = Hypothesis("the derivative of L, by SymPy", gradient, derived)
        b.definitions += [Definitions("G", reg.definitions[:1]), Definitions("A", reg.definitions[1:])]
        b.add(
            Derivation("gd.gradient", gradient)
            .step("the derivative of L, by SymPy", derived, kind=Kind.DEFINITION, using=[sympy_says])
            .step("expand the derived gradient", expanded)
            .step("fold G and A", target, kind=Kind.DEFINITION, using=reg.definitions)
            .qed()
        )

    return build("gd.gradient", body)


def gradient_proof(claimed: Callable[[Regression], Element] | None = None) -> Proof:
    """The record of :func:`gradient_theorem`."""
    return gradient_theorem(claimed).conclusion
