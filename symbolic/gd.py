"""Gradient descent on the in-context loss: the recursion, run per sample, and its closed form.

With alpha_j = eta_j / N and per-example residuals, one step on the prefix loss of examples 1..t is

    W_{j+1} = rho_j W_j - alpha_j (sum_{i<=t} lam^(t-i) (W_j x_i - y_i) x_i^T) P,

where rho_j = 1 - eta_j gamma (weight decay gamma), lam the discount of the loss
L = 1/(2N) sum_i lam^(t-i) ||W x_i - y_i||^2 + gamma/2 ||W||^2, and P a fixed preconditioner (default I).
The prediction at prefix t is W_k^{(t)} x_{t+1}: it is normalised by N, not by t (DESIGN §1.3).

:func:`gd_predictions` is the oracle of the exact checks: it computes residuals sample by sample and shares
no algebra with the layer. :func:`closed_form` states the k-step solution over MatrixSymbols,

    W_k = W_0 prod_j (rho_j I - alpha_j G P) + sum_j alpha_j A P prod_{i>j} (rho_i I - alpha_i G P),

which for constant steps and no decay is W_k = W_0 (I - alpha G)^k + alpha A sum_{j<k} (I - alpha G)^j.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.dense import Mat, add, full, matmul, scale, sub, transpose
from gdssm.symbolic.task import Context


@dataclass(frozen=True)
class GDSpec:
    """Which GD a construction claims to implement.

    ``etas``: step sizes eta_0..eta_{k-1} (k = len(etas) steps); ``normaliser``: N in alpha_j = eta_j/N;
    ``gamma``: weight decay; ``lam``: loss discount; ``W0``: initial weights (m x f, None = 0);
    ``precond``: fixed preconditioner P (f x f, None = I).
    """

    etas: tuple[Any, ...]
    normaliser: Any
    gamma: Any = 0
    lam: Any = 1
    W0: sp.Matrix | None = None
    precond: sp.Matrix | None = None
    variant: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def steps(self) -> int:
        """k, the number of GD steps."""
        return len(self.etas)

    @property
    def alphas(self) -> tuple[Any, ...]:
        """alpha_j = eta_j / N."""
        return tuple(sp.S(eta) / sp.S(self.normaliser) for eta in self.etas)

    @property
    def decays(self) -> tuple[Any, ...]:
        """rho_j = 1 - eta_j gamma."""
        return tuple(1 - sp.S(eta) * sp.S(self.gamma) for eta in self.etas)


def gd_weights(spec: GDSpec, ctx: Context, t: int, to_ring: Any = None) -> Mat:
    """W_k^{(t)}: k GD steps on the prefix loss of examples 1..t, per-sample residuals, from W_0."""
    conv = to_ring or (lambda v: v)
    zero = conv(sp.Integer(0))
    W0 = spec.W0 if spec.W0 is not None else sp.zeros(ctx.m, ctx.f)
    W: Mat = tuple(tuple(conv(W0[i, j]) for j in range(ctx.f)) for i in range(ctx.m))
    P = None if spec.precond is None else tuple(tuple(conv(v) for v in row) for row in spec.precond.tolist())
    lam = conv(sp.S(spec.lam))
    for alpha, rho in zip(spec.alphas, spec.decays, strict=True):
        grad: Mat = full(ctx.m, ctx.f, zero)
        for i in range(t):
            residual = sub(matmul(W, ctx.xs[i]), ctx.ys[i])
            grad = add(scale(lam, grad), matmul(residual, transpose(ctx.xs[i])))
        if P is not None:
            grad = matmul(grad, P)
        W = sub(scale(conv(rho), W), scale(conv(alpha), grad))
    return W


def gd_predictions(spec: GDSpec, ctx: Context, to_ring: Any = None) -> list[Mat]:
    """yhat_t = W_k^{(t)} x_{t+1} for t = 1..N (every prefix)."""
    return [matmul(gd_weights(spec, ctx, t, to_ring), ctx.xs[t]) for t in range(1, ctx.N + 1)]


def closed_form(
    k: int,
    alphas: Sequence[sp.Expr] | None = None,
    decays: Sequence[sp.Expr] | None = None,
    *,
    with_w0: bool = True,
    preconditioned: bool = False,
) -> sp.MatrixExpr:
    """W_k as a matrix expression in W_0, A, G (and P), for symbolic sizes m x f.

    W_k = W_0 prod_{j<k} M_j + sum_{j<k} alpha_j A P prod_{j<i<k} M_i with M_j = rho_j I - alpha_j G P.
    Defaults: alpha_j = alpha, rho_j = 1.
    """
    if k < 0:
        raise BadInput(f"number of steps k must be >= 0, got {k}")
    f, m = sp.symbols("f m", integer=True, positive=True)
    W0, A, G = sp.MatrixSymbol("W_0", m, f), sp.MatrixSymbol("A", m, f), sp.MatrixSymbol("G", f, f)
    P = sp.MatrixSymbol("P", f, f) if preconditioned else sp.Identity(f)
    alpha = sp.Symbol("alpha")
    al = list(alphas) if alphas is not None else [alpha] * k
    rh = list(decays) if decays is not None else [sp.Integer(1)] * k
    if len(al) != k or len(rh) != k:
        raise BadInput(f"need {k} step sizes and decays, got {len(al)} and {len(rh)}")
    Ms = [rh[j] * sp.Identity(f) - al[j] * G * P for j in range(k)]

    def prod(factors: Sequence[sp.MatrixExpr]) -> sp.MatrixExpr:
        out: sp.MatrixExpr = sp.Identity(f)
        for factor in factors:
            out = out * factor
        return out

    total: sp.MatrixExpr = W0 * prod(Ms) if with_w0 else sp.ZeroMatrix(m, f)
    for j in range(k):
        total = total + al[j] * A * P * prod(Ms[j + 1 :])
    return total
