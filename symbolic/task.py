"""The in-context regression task: data, implicit linear model, loss, and its gradient derived by SymPy.

Context (x_i, y_i), i = 1..N, x_i in R^f, y_i in R^m, query x_q = x_{N+1}. Implicit model y = W x with
W in R^{m x f}. Stacking the context as rows, X in R^{N x f} and Y in R^{N x m}:

    L_N(W) = 1/(2N) sum_i ||W x_i - y_i||^2 = 1/(2N) tr((W X^T - Y^T)^T (W X^T - Y^T)),

and with the sufficient statistics G = X^T X = sum_i x_i x_i^T and A = Y^T X = sum_i y_i x_i^T,

    grad L_N(W) = (1/N)(W G - A).

The gradient is *derived* here by SymPy's matrix calculus from the loss; that it equals (1/N)(W G - A)
is the claim ``gd.gradient``, checked in ``proofs``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import sympy as sp

from gdssm.symbolic.dense import Mat, add, matmul, outer, scale


@dataclass(frozen=True)
class SymbolicTask:
    """The task over MatrixSymbols with symbolic sizes f, m, N."""

    f: sp.Symbol
    m: sp.Symbol
    N: sp.Symbol
    X: sp.MatrixSymbol  # N x f, rows x_i^T
    Y: sp.MatrixSymbol  # N x m, rows y_i^T
    W: sp.MatrixSymbol  # m x f

    @property
    def G(self) -> sp.MatrixExpr:
        """G = X^T X = sum_i x_i x_i^T (f x f)."""
        return self.X.T * self.X

    @property
    def A(self) -> sp.MatrixExpr:
        """A = Y^T X = sum_i y_i x_i^T (m x f)."""
        return self.Y.T * self.X

    @property
    def residual(self) -> sp.MatrixExpr:
        """R = W X^T - Y^T, the m x N matrix of residuals W x_i - y_i."""
        return self.W * self.X.T - self.Y.T

    @property
    def loss(self) -> sp.Expr:
        """L_N(W) = 1/(2N) tr(R^T R)."""
        return sp.Trace(self.residual.T * self.residual) / (2 * self.N)

    @property
    def gradient(self) -> sp.MatrixExpr:
        """d L_N / d W, derived by SymPy's matrix calculus (not typed in)."""
        return self.loss.diff(self.W)

    @property
    def gradient_target(self) -> sp.MatrixExpr:
        """(1/N)(W G - A), the form the derived gradient must equal."""
        return (self.W * self.G - self.A) / self.N


@cache
def symbolic_task() -> SymbolicTask:
    """The task with f, m, N positive integer symbols."""
    f, m, N = sp.symbols("f m N", integer=True, positive=True)
    return SymbolicTask(
        f=f, m=m, N=N, X=sp.MatrixSymbol("X", N, f), Y=sp.MatrixSymbol("Y", N, m), W=sp.MatrixSymbol("W", m, f)
    )


@dataclass(frozen=True)
class Context:
    """Concrete in-context data over any ring: xs = (x_1, ..., x_{N+1}) (x_{N+1} = x_q), ys = (y_1, ..., y_N).

    Each x is an f x 1 column and each y an m x 1 column (see :mod:`symbolic.dense`).
    """

    xs: tuple[Mat, ...]
    ys: tuple[Mat, ...]

    def __post_init__(self) -> None:
        if len(self.xs) != len(self.ys) + 1:
            raise ValueError(f"need N+1 inputs for N labels, got {len(self.xs)} inputs, {len(self.ys)} labels")
        if len(self.ys) < 1:
            raise ValueError("need at least one context example (N >= 1)")

    @property
    def N(self) -> int:
        """Number of context examples."""
        return len(self.ys)

    @property
    def f(self) -> int:
        """Input dimension."""
        return len(self.xs[0])

    @property
    def m(self) -> int:
        """Output dimension."""
        return len(self.ys[0])

    @property
    def query(self) -> Mat:
        """x_q = x_{N+1}."""
        return self.xs[-1]


def statistics(ctx: Context, t: int, lam: object = 1) -> tuple[Mat, Mat]:
    """(A_t, G_t) with forgetting: A_t = sum_{i<=t} lam^(t-i) y_i x_i^T, G_t = sum_{i<=t} lam^(t-i) x_i x_i^T."""
    A, G = outer(ctx.ys[0], ctx.xs[0]), outer(ctx.xs[0], ctx.xs[0])
    for i in range(1, t):
        A = add(scale(lam, A), outer(ctx.ys[i], ctx.xs[i]))
        G = add(scale(lam, G), outer(ctx.xs[i], ctx.xs[i]))
    return A, G


def symbolic_context(f: int, m: int, N: int) -> Context:
    """A context whose entries are all SymPy symbols: x{i}_{a} and y{i}_{b} (query: x{N+1}_{a})."""
    xs = tuple(tuple((sp.Symbol(f"x{i}_{a}"),) for a in range(f)) for i in range(1, N + 2))
    ys = tuple(tuple((sp.Symbol(f"y{i}_{b}"),) for b in range(m)) for i in range(1, N + 1))
    return Context(xs=xs, ys=ys)


def predict(W: Mat, x: Mat) -> Mat:
    """y = W x."""
    return matmul(W, x)


__all__ = ["Context", "SymbolicTask", "predict", "statistics", "symbolic_context", "symbolic_task"]
