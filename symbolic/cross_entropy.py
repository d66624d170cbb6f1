"""Cross-entropy: one GD step from W = 0 equals the least-squares construction up to a logit shift.

Logits W x (K classes), one-hot labels y_i (sum_c y_ic = 1), loss L(W) = (1/N) sum_i l(W x_i, y_i) with
l(z, y) = -y^T log softmax(z) = -sum_c y_c (z_c - log sum_c' exp z_c'). The gradient is derived by SymPy from the
loss through the logits (chain rule, both factors differentiated by SymPy):

    dL/dW_cj = (1/N) sum_i sum_c' (dl/dz_c')(W x_i, y_i) d(W x_i)_c'/dW_cj;

at W = 0 the logits vanish, dl/dz_c'(0, y) = 1/K - y_c' (softmax(0) = 1/K), and

    grad L(0) = (1/N) sum_i (1/K 1 - y_i) x_i^T,   W_1 = -eta grad L(0) = alpha (A - (1/K) 1 s^T),  s = sum_i x_i,

so W_1 x_q = alpha A x_q - (alpha/K)(s^T x_q) 1: the least-squares one-step prediction alpha A x_q (what the
one-step GD-SSM outputs on one-hot label tokens) plus the same constant in every logit, which softmax ignores.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gdssm.core.validation import require_dim


@dataclass(frozen=True)
class CrossEntropyStep:
    """The derived one-step quantities at concrete K, f, N on symbolic data, and the data they are about."""

    examples: sp.Matrix  # X, N x f: the rows are x_i^T
    labels: sp.Matrix  # Y, N x K: the rows are y_i^T, one-hot (y_iK = 1 - the other entries)
    query: sp.Matrix  # x_q, f x 1
    gradient_at_zero: sp.Matrix  # K x f
    logits: sp.Matrix  # W_1 x_q, K x 1
    least_squares: sp.Matrix  # alpha A x_q, K x 1
    shift: sp.Expr  # -(alpha/K) s^T x_q

    @property
    def difference(self) -> sp.Matrix:
        """W_1 x_q - alpha A x_q, expanded."""
        return (self.logits - self.least_squares).applyfunc(sp.expand)

    def is_constant_shift(self) -> bool:
        """Whether every logit differs from the least-squares prediction by the same ``shift``."""
        return all(sp.expand(d - self.shift) == 0 for d in self.difference)


def cross_entropy_one_step(K: int, f: int, N: int) -> CrossEntropyStep:
    """Derive the one-step CE update at W = 0 for K classes, inputs in R^f, N examples (all data symbolic)."""
    for name, value in (("K", K), ("f", f), ("N", N)):
        require_dim(name, value)
    eta = sp.Symbol("eta", positive=True)
    alpha = eta / N
    W = sp.Matrix(K, f, lambda c, j: sp.Symbol(f"w{c}_{j}"))
    xs = [sp.Matrix([sp.Symbol(f"x{i}_{j}") for j in range(f)]) for i in range(1, N + 2)]
    ys = [sp.Matrix([sp.Symbol(f"y{i}_{c}") for c in range(K)]) for i in range(1, N + 1)]
    z = sp.Matrix([sp.Symbol(f"z_{c}") for c in range(K)])
    u = sp.Matrix([sp.Symbol(f"u_{c}") for c in range(K)])
    example_loss = -sum(u[c] * (z[c] - sp.log(sum(sp.exp(v) for v in z))) for c in range(K))
    logit_gradient = [sp.diff(example_loss, v).xreplace({v: 0 for v in z}) for v in z]  # dl/dz at z = W x = 0
    one_hot = {y[K - 1]: 1 - sum(y[c] for c in range(K - 1)) for y in ys}  # sum_c y_ic = 1
    grad = sp.zeros(K, f)
    for x, y in zip(xs[:N], ys, strict=True):
        dl = [d.xreplace(dict(zip(u, y, strict=True))) for d in logit_gradient]
        logits = W * x
        grad += sp.Matrix(K, f, [sum(dl[a] * sp.diff(logits[a], W[c, j]) for a in range(K))
                                 for c in range(K) for j in range(f)])
    grad = (grad / N).xreplace(one_hot).applyfunc(sp.expand)  # polynomials over Q: expand is their normal form
    W1 = -eta * grad
    xq = xs[N]
    A = sum((y * x.T for x, y in zip(xs[:N], ys, strict=True)), sp.zeros(K, f)).xreplace(one_hot)
    s = sum(xs[:N], sp.zeros(f, 1))
    return CrossEntropyStep(
        examples=sp.Matrix.vstack(*(x.T for x in xs[:N])),
        labels=sp.Matrix.vstack(*(y.T for y in ys)).xreplace(one_hot),
        query=xq, gradient_at_zero=grad, logits=(W1 * xq).applyfunc(sp.expand),
        least_squares=(alpha * A * xq).applyfunc(sp.expand), shift=sp.expand(-(alpha / K) * (s.T * xq)[0, 0]),
    )
