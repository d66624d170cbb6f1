"""The GD-SSM layer of DESIGN §1.2 as a function, over any ring.

Tokens z_1..z_{2N+1} in R^H are interleaved: z_{2i-1} = E_x x_i (i = 1..N+1, the last one is the query),
z_{2i} = E_y y_i. For t = 1..N the window U_t = [u_{t,1}, u_{t,2}, u_{t,3}] = [z_{2t-1}, z_{2t}, z_{2t+1}]
(size 3, stride 2) feeds

    M_t   = sum_{a,b} Q_ab (V_a u_{t,a}) u_{t,b}^T                 (cross-product input, H x H)
    S_t   = Lambda (.) S_{t-1} + M_t,   S_0 = 0                      (H^2 scalar recurrences)
    q_t   = U_t d                                                     (readout query)
    r_0   = q_t,  r_{j+1} = rho_j r_j - beta_j R S_t r_j             (k-fold readout, j < k-1)
    yhat_t = C S_t sum_{j<k} c_j r_j + F q_t.

With k = 1 this is the paper's multiplicative readout yhat_t = c_0 C S_t q_t (+ F q_t).
The equations themselves are :mod:`gdssm.symbolic.equations`, shared with route 1 (which applies them to the
descriptions in the free algebra); :func:`forward` evaluates them on dense matrices.
Parameters are SymPy matrices (so that which entries are zero is known exactly); data may live in any
ring, and ``to_ring`` maps each parameter entry into it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from gdssm.symbolic import equations as eq
from gdssm.symbolic.dense import Mat, add, convert, full, hadamard, matmul, outer, scale, sub
from gdssm.symbolic.task import Context

PARAMETER_NAMES = ("Q", "Lambda", "d", "C", "F", "V1", "V2", "V3", "R")


@dataclass(frozen=True)
class Readout:
    """The k-fold readout constants: rho_j, beta_j (j < k-1) and c_j (j < k)."""

    rho: tuple[sp.Expr, ...]
    beta: tuple[sp.Expr, ...]
    c: tuple[sp.Expr, ...]

    def __post_init__(self) -> None:
        k = len(self.c)
        if len(self.rho) != max(k - 1, 0) or len(self.beta) != max(k - 1, 0):
            raise ValueError(f"readout with k = {k} needs {max(k - 1, 0)} rho and beta, got "
                             f"{len(self.rho)} and {len(self.beta)}")

    @property
    def steps(self) -> int:
        """k, the number of readout terms."""
        return len(self.c)


@dataclass(frozen=True)
class LayerParams:
    """Q (3x3), Lambda (HxH), d (3x1), C and F (m x H), value maps V1..V3 (HxH), R (HxH), readout."""

    Q: sp.Matrix
    Lambda: sp.Matrix
    d: sp.Matrix
    C: sp.Matrix
    F: sp.Matrix
    V1: sp.Matrix
    V2: sp.Matrix
    V3: sp.Matrix
    R: sp.Matrix
    readout: Readout

    def __post_init__(self) -> None:
        H = self.Lambda.shape[0]
        m = self.C.shape[0]
        expected = {"Q": (3, 3), "Lambda": (H, H), "d": (3, 1), "C": (m, H), "F": (m, H),
                    "V1": (H, H), "V2": (H, H), "V3": (H, H), "R": (H, H)}
        for name, want in expected.items():
            got = getattr(self, name).shape
            if got != want:
                raise ValueError(f"parameter {name} has shape {got}, expected {want}")

    @property
    def H(self) -> int:
        """Token width."""
        return int(self.Lambda.shape[0])

    @property
    def m(self) -> int:
        """Output dimension."""
        return int(self.C.shape[0])

    def matrices(self) -> dict[str, sp.Matrix]:
        """The matrix parameters by name, in :data:`PARAMETER_NAMES` order."""
        return {name: getattr(self, name) for name in PARAMETER_NAMES}

    def replace(self, **changes: Any) -> LayerParams:
        """A copy with some parameters replaced (used to build mutants)."""
        fields = {name: getattr(self, name) for name in (*PARAMETER_NAMES, "readout")}
        fields.update(changes)
        return LayerParams(**fields)


def tokens(ctx: Context, E_x: sp.Matrix, E_y: sp.Matrix, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
    """z_1..z_{2N+1}: z_{2i-1} = E_x x_i, z_{2i} = E_y y_i (:func:`equations.token`; the query token carries no y)."""
    conv = to_ring or (lambda v: v)
    ex, ey = _lift(E_x, conv), _lift(E_y, conv)
    xs = (*ctx.xs, ctx.query)
    return [eq.token(n, ex, ey, lambda i: xs[i - 1], lambda i: ctx.ys[i - 1], DENSE) for n in range(1, 2 * ctx.N + 2)]


def _lift(a: sp.Matrix, conv: Callable[[Any], Any]) -> Mat:
    return convert(tuple(tuple(row) for row in a.tolist()), conv)


class _Dense:
    """:class:`equations.Arithmetic` on dense matrices over any ring (:mod:`symbolic.dense`)."""

    add, sub, mul, outer = staticmethod(add), staticmethod(sub), staticmethod(matmul), staticmethod(outer)

    @staticmethod
    def scale(c: Any, a: Mat) -> Mat:
        return scale(c, a)

    @staticmethod
    def hadamard(lam: Mat, s: Mat) -> Mat:
        return hadamard(lam, s)


DENSE = _Dense()


def forward(params: LayerParams, z: Sequence[Mat], to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
    """yhat_1..yhat_N of the layer on tokens z (len 2N+1), as m x 1 columns in the ring of the tokens.

    Each line is one equation of :mod:`gdssm.symbolic.equations`, evaluated on dense matrices.
    """
    conv = to_ring or (lambda v: v)
    if len(z) % 2 != 1 or len(z) < 3:
        raise ValueError(f"need 2N+1 >= 3 tokens, got {len(z)}")
    H, m = params.H, params.m
    zero = conv(sp.Integer(0))
    Lam, R, C, F = (_lift(getattr(params, n), conv) for n in ("Lambda", "R", "C", "F"))
    V = [_lift(params.V1, conv), _lift(params.V2, conv), _lift(params.V3, conv)]
    Q_terms = [(a, b, conv(params.Q[a, b])) for a in range(3) for b in range(3) if params.Q[a, b] != 0]
    d_terms = [(a, conv(params.d[a, 0])) for a in range(3) if params.d[a, 0] != 0]
    ro = params.readout
    rho, beta, c = ([conv(v) for v in seq] for seq in (ro.rho, ro.beta, ro.c))
    feed = F if any(v != 0 for v in params.F) else None
    S: Mat = full(H, H, zero)
    out: list[Mat] = []
    for t in range(1, len(z) // 2 + 1):
        U = eq.window(lambda n: z[n - 1], t)
        S = eq.state(Lam, S, eq.cross_product(U, V, Q_terms, full(H, H, zero), DENSE), DENSE)
        q = eq.query(U, d_terms, full(H, 1, zero), DENSE)
        if c:
            r, P = q, eq.readout_sum(full(H, 1, zero), c[0], q, DENSE)
            for j in range(len(c) - 1):
                r = eq.readout_vector(rho[j], beta[j], R, S, r, DENSE)
                P = eq.readout_sum(P, c[j + 1], r, DENSE)
            y = eq.prediction(C, S, P, feed, q, DENSE)
        else:  # k = 0 readout terms: P_0 = 0, so yhat_t = F q_t
            y = full(m, 1, zero) if feed is None else matmul(feed, q)
        out.append(y)
    return out


def layer_predictions(
    params: LayerParams, ctx: Context, E_x: sp.Matrix, E_y: sp.Matrix, to_ring: Callable[[Any], Any] | None = None
) -> list[Mat]:
    """yhat_t for t = 1..N on the context ``ctx`` embedded with E_x, E_y."""
    return forward(params, tokens(ctx, E_x, E_y, to_ring), to_ring)
