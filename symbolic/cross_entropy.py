"""Cross-entropy: one GD step from W = 0 equals the least-squares construction up to a logit shift.

Logits W x (K classes), one-hot labels y_i (sum_c y_ic = 1), loss L(W) = -(1/N) sum_i y_i^T log softmax(W x_i).
The gradient is derived by SymPy from the loss; at W = 0, softmax = 1/K and

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
    """The derived one-step quantities at concrete K, f, N on symbolic data."""

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
    loss = sp.Integer(0)
    for x, y in zip(xs[:N], ys, strict=True):
        logits = W * x
        log_partition = sp.log(sum(sp.exp(v) for v in logits))
        loss += -sum(y[c] * (logits[c] - log_partition) for c in range(K))
    loss = loss / N
    at_zero = {w: 0 for w in W}
    one_hot = {y[K - 1]: 1 - sum(y[c] for c in range(K - 1)) for y in ys}  # sum_c y_ic = 1
    grad = sp.Matrix(K, f, lambda c, j: sp.simplify(sp.diff(loss, W[c, j]).subs(at_zero).subs(one_hot)))
    W1 = -eta * grad
    xq = xs[N]
    A = sum((y * x.T for x, y in zip(xs[:N], ys, strict=True)), sp.zeros(K, f)).subs(one_hot)
    s = sum(xs[:N], sp.zeros(f, 1))
    return CrossEntropyStep(
        gradient_at_zero=grad, logits=(W1 * xq).applyfunc(sp.expand),
        least_squares=(alpha * A * xq).applyfunc(sp.expand), shift=sp.expand(-(alpha / K) * (s.T * xq)[0, 0]),
    )
