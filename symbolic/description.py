"""The one description of each construction, at symbolic dimensions.

A :class:`Description` holds the layer's parameters as SymPy expressions in the layout's embeddings
E_x (H x f), E_y (H x m), the start W_0 (m x f) and the scalar symbols of the GD it implements, with the
readout constants as functions of the readout index j and the number of steps k:

    one-step:  Q = e_2 e_1^T (+ e_1 e_1^T with W_0),  V_1 = I (or -E_y W_0 E_x^T),  V_2 = V_3 = I,
               Lambda = lambda 1,  d = e_3,  C = alpha E_y^T,  F = 0 (or W_0 E_x^T),  R = 0,  c_0 = 1;
    k-step:    Q = (e_1 + e_2) e_1^T,  V_1 = I (or I - E_y W_0 E_x^T),  V_2 = V_3 = I,  Lambda = lambda 1,
               d = e_3,  C = E_y^T,  F = 0 (or W_0 E_x^T),  R = E_x E_x^T,  c_j = beta_j = alpha_{k-1-j},
               rho_j = 1 - eta_{k-1-j} gamma.

From W_0 the k-step state holds E_x G_t E_x^T + E_y (A_t - W_0 G_t) E_x^T: GD from W_0 on the labels y_i is W_0
plus GD from 0 on the residuals y_i - W_0 x_i (without weight decay, which pulls towards 0, not W_0), and the
feedthrough adds W_0 x_{t+1}.

Every concrete construction (``derive``, ``export``, the exact, Z3 and numeric routes) is
:meth:`Description.instantiate` of one of these; the dimension-free routes (``symbolic``, ``coq``) read the
same expressions. A catalogue mutant changes a description, so every route sees the same wrong layer.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout

f, m, H = sp.symbols("f m H", integer=True, positive=True)
N = sp.Symbol("N", integer=True, positive=True)
k = sp.Symbol("k", integer=True, nonnegative=True)
j, s = sp.symbols("j s", integer=True, nonnegative=True)
E_x, E_y = sp.MatrixSymbol("E_x", H, f), sp.MatrixSymbol("E_y", H, m)
W_0 = sp.MatrixSymbol("W_0", m, f)
eta, lam, gamma = sp.Symbol("eta", positive=True), sp.Symbol("lambda"), sp.Symbol("gamma")
eta_s = sp.IndexedBase("eta")  # per-step step sizes eta_0 .. eta_{k-1}

ORTHONORMAL = ("E_x^T E_x = I", "E_y^T E_y = I")
SPLIT = (*ORTHONORMAL, "E_x^T E_y = 0")


def unit(a: int) -> sp.ImmutableMatrix:
    """e_a in R^3 (a = 1, 2, 3): the window slot a of U_t = [x_t, y_t, x_{t+1}]."""
    return sp.ImmutableMatrix([1 if b == a else 0 for b in (1, 2, 3)])


@dataclass(frozen=True)
class Description:
    """A construction at symbolic f, m, H, N, k: parameters as expressions, readout constants as functions of j.

    ``step_eta`` (eta_s), ``decay`` (rho_s) are the GD it implements as functions of the step s; ``lam`` the
    discount, ``W0`` the start (None for 0); ``hypotheses`` what the layout must satisfy.
    """

    name: str
    Q: sp.ImmutableMatrix
    V1: sp.MatrixExpr
    V2: sp.MatrixExpr
    V3: sp.MatrixExpr
    Lambda: sp.MatrixExpr
    d: sp.ImmutableMatrix
    C: sp.MatrixExpr
    F: sp.MatrixExpr
    R: sp.MatrixExpr
    readout_steps: sp.Expr
    rho: sp.Lambda
    beta: sp.Lambda
    c: sp.Lambda
    step_eta: sp.Lambda
    decay: sp.Lambda
    lam: sp.Expr
    W0: sp.MatrixExpr | None
    hypotheses: tuple[str, ...]

    def matrices(self) -> dict[str, sp.Basic]:
        """The matrix parameters by name, in :data:`~gdssm.symbolic.layer.PARAMETER_NAMES` order."""
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    def changed(self, **changes: Any) -> Description:
        """The same description with some fields replaced (how mutants are made)."""
        return replace(self, **changes)

    def instantiate(self, E_x_: sp.Matrix, E_y_: sp.Matrix, N_: int, k_: int,
                    values: Mapping[sp.Basic, Any] | None = None) -> LayerParams:
        """The concrete parameters: E_x, E_y, N, k and the scalars (``values``: eta, lambda, gamma, eta[s],
        W_0) substituted, matrices made explicit, readout constants evaluated at j = 0..k-1."""
        mats, readout = self.evaluate(E_x_, E_y_, N_, k_, values)
        rho, beta, c = readout
        return LayerParams(**mats, readout=Readout(rho=rho, beta=beta, c=c))

    def evaluate(self, E_x_: sp.Matrix, E_y_: sp.Matrix, N_: int, k_: int,
                 values: Mapping[sp.Basic, Any] | None = None,
                 arithmetic: Arithmetic | None = None) -> tuple[dict[str, Any], tuple[tuple[Any, ...], ...]]:
        """:meth:`instantiate` in any exact arithmetic (default SymPy's, :data:`SYMPY`): the matrices by name, in
        :data:`~gdssm.symbolic.layer.PARAMETER_NAMES` order, and the readout constants (rho, beta, c).

        The inputs are those of :meth:`instantiate` (SymPy matrices E_x, E_y and a W_0 in ``values``, which
        :meth:`Arithmetic.matrix` converts). The walk over the expressions is this one for every arithmetic, so a
        lowering straight to numbers (:func:`gdssm.numeric.lowering.lower_derivation`) derives what the SymPy
        instantiation derives; only the arithmetic differs.
        """
        ar = arithmetic or SYMPY
        dims = {H: E_x_.shape[0], f: E_x_.shape[1], m: E_y_.shape[1], N: N_, k: k_}
        binding: dict[sp.Basic, Any] = dict(values or {})
        mats = {E_x: ar.matrix(E_x_), E_y: ar.matrix(E_y_)}
        if W_0 in binding:
            mats[W_0] = ar.matrix(binding.pop(W_0))
        scalars = {**dims, **binding}

        def at(fn: sp.Lambda, n: int) -> tuple[Any, ...]:
            return tuple(ar.constant(fn, i, dims, binding) for i in range(n))  # fn(0)..fn(n-1)

        steps = int(ar.scalar(self.readout_steps, dims))
        readout = (at(self.rho, max(steps - 1, 0)), at(self.beta, max(steps - 1, 0)), at(self.c, steps))
        return {name: explicit(expr, mats, scalars, ar) for name, expr in self.matrices().items()}, readout


class Arithmetic:
    """Where :meth:`Description.evaluate` computes: SymPy matrices and exact SymPy numbers (this class), or any
    exact arithmetic that overrides these methods (the numeric lowering evaluates on exact rational arrays)."""

    def matrix(self, a: sp.MatrixBase) -> Any:
        """A SymPy matrix (E_x, E_y, W_0) in this arithmetic: here a fresh mutable copy."""
        return sp.Matrix(a)

    def scalar(self, expr: sp.Basic, scalars: Mapping[sp.Basic, Any]) -> Any:
        """The value of a scalar expression with ``scalars`` substituted."""
        return sp.sympify(expr, strict=True).subs(scalars)

    def constant(self, fn: sp.Lambda, i: int, dims: Mapping[sp.Basic, Any], binding: Mapping[sp.Basic, Any]) -> Any:
        """A readout constant fn(i): the dimensions substituted, then the scalars."""
        return sp.sympify(fn(i), strict=True).subs(dims).subs(binding)

    def eye(self, n: int) -> Any:
        return sp.eye(n)

    def zeros(self, rows: int, cols: int) -> Any:
        return sp.zeros(rows, cols)

    def ones(self, rows: int, cols: int) -> Any:
        return sp.ones(rows, cols)

    def transpose(self, a: Any) -> Any:
        return a.T

    def add(self, a: Any, b: Any) -> Any:
        return a + b

    def mul(self, a: Any, b: Any) -> Any:
        return a * b

    def scale(self, c: Any, a: Any) -> Any:
        return c * a

    def entries(self, matrix: sp.MatrixBase, scalars: Mapping[sp.Basic, Any]) -> Any:
        """An explicit matrix of the description (Q, d) with ``scalars`` substituted."""
        return sp.Matrix(matrix).subs(scalars)


SYMPY = Arithmetic()
"""SymPy's exact arithmetic: :meth:`Description.instantiate` evaluates here."""


def explicit(expr: sp.Basic, mats: Mapping[sp.MatrixSymbol, Any], scalars: Mapping[sp.Basic, Any],
             arithmetic: Arithmetic | None = None) -> Any:
    """The explicit matrix of a matrix expression: symbols looked up in ``mats``, scalars substituted.

    Evaluated structurally (sum, product, transpose, identity, zero, ones), which is linear in the size of the
    expression and never expands a symbolic matrix entry by entry; in SymPy's arithmetic unless told otherwise.
    """
    ar = arithmetic or SYMPY

    def dim(n: sp.Expr) -> int:
        return int(ar.scalar(n, scalars))  # a symbolic size at these dimensions

    if isinstance(expr, sp.MatrixSymbol):
        return mats[expr]
    if isinstance(expr, sp.Identity):
        return ar.eye(dim(expr.rows))  # I_n
    if isinstance(expr, sp.ZeroMatrix):
        return ar.zeros(dim(expr.rows), dim(expr.cols))  # 0
    if isinstance(expr, sp.OneMatrix):
        return ar.ones(dim(expr.rows), dim(expr.cols))  # 1 (all ones)
    if isinstance(expr, sp.Transpose):
        return ar.transpose(explicit(expr.arg, mats, scalars, ar))  # X^T
    if isinstance(expr, sp.MatAdd):
        terms = [explicit(a, mats, scalars, ar) for a in expr.args]  # X + Y + ...
        total = terms[0]
        for term in terms[1:]:
            total = ar.add(total, term)
        return total
    if isinstance(expr, sp.MatMul):
        scalar, factors = expr.as_coeff_matrices()  # c X Y ...
        out = explicit(factors[0], mats, scalars, ar)
        for factor in factors[1:]:
            out = ar.mul(out, explicit(factor, mats, scalars, ar))
        return ar.scale(ar.scalar(scalar, scalars), out)
    if isinstance(expr, sp.MatrixBase):
        return ar.entries(expr, scalars)  # explicit entries (Q, d)
    raise TypeError(f"cannot make {expr!r} explicit")


def _step_size(per_step: bool) -> sp.Lambda:
    """eta_s: one eta for every step, or the per-step sequence eta[s]."""
    return sp.Lambda(s, eta_s[s] if per_step else eta)


@functools.cache
def one_step_description(with_w0: bool = False) -> Description:
    """The paper's construction (module docstring); with W_0 the value map and feedthrough start GD at W_0.

    Built once per argument (a description is immutable; a mutant is a changed copy)."""
    alpha = eta / N
    Q = unit(2) * unit(1).T + (unit(1) * unit(1).T if with_w0 else sp.zeros(3, 3))
    V1 = -E_y * W_0 * E_x.T if with_w0 else sp.Identity(H)
    F = W_0 * E_x.T if with_w0 else sp.ZeroMatrix(m, H)
    return Description(
        name="one-step", Q=sp.ImmutableMatrix(Q), V1=V1, V2=sp.Identity(H), V3=sp.Identity(H),
        Lambda=lam * sp.OneMatrix(H, H), d=unit(3), C=alpha * E_y.T, F=F, R=sp.ZeroMatrix(H, H),
        readout_steps=sp.Integer(1), rho=sp.Lambda(j, 1), beta=sp.Lambda(j, 0), c=sp.Lambda(j, 1),
        step_eta=_step_size(False), decay=sp.Lambda(s, 1), lam=lam, W0=W_0 if with_w0 else None,
        hypotheses=ORTHONORMAL,
    )


@functools.cache
def k_step_description(per_step: bool = False, with_w0: bool = False) -> Description:
    """Our single-state k-step construction (module docstring): one state, k-fold readout, split layout; with W_0 the
    value map and feedthrough start GD at W_0.

    Built once per argument (a description is immutable; a mutant is a changed copy)."""
    step_eta = _step_size(per_step)
    alpha_of = sp.Lambda(j, step_eta(k - 1 - j) / N)  # readout index j uses GD step s = k-1-j
    rho_of = sp.Lambda(j, 1 - step_eta(k - 1 - j) * gamma)
    V1 = sp.Identity(H) - E_y * W_0 * E_x.T if with_w0 else sp.Identity(H)  # x-slot: E_x x_t - E_y W_0 x_t
    F = W_0 * E_x.T if with_w0 else sp.ZeroMatrix(m, H)  # F q_t = W_0 x_{t+1}
    return Description(
        name="k-step", Q=sp.ImmutableMatrix(unit(1) * unit(1).T + unit(2) * unit(1).T), V1=V1,
        V2=sp.Identity(H), V3=sp.Identity(H), Lambda=lam * sp.OneMatrix(H, H), d=unit(3), C=E_y.T,
        F=F, R=E_x * E_x.T, readout_steps=k, rho=rho_of, beta=alpha_of, c=alpha_of,
        step_eta=step_eta, decay=sp.Lambda(s, 1 - step_eta(s) * gamma), lam=lam, W0=W_0 if with_w0 else None,
        hypotheses=SPLIT,
    )


DESCRIPTIONS: dict[str, Callable[..., Description]] = {"one-step": one_step_description, "k-step": k_step_description}
