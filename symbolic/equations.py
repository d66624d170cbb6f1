"""The GD-SSM layer's forward equations (DESIGN §1.2), written once over an abstract matrix arithmetic.

    z_{2i-1} = E_x x_i,  z_{2i} = E_y y_i                          (tokens)
    U_t      = [z_{2t-1}, z_{2t}, z_{2t+1}]                         (window: x_t, y_t, x_{t+1})
    M_t      = sum_{a,b} Q_ab (V_a u_{t,a}) u_{t,b}^T               (cross-product input)
    S_t      = Lambda (.) S_{t-1} + M_t,  S_0 = 0                   (state)
    q_t      = U_t d = sum_a d_a u_{t,a}                            (readout query)
    r_0 = q_t,  r_{j+1} = rho_j r_j - beta_j R S_t r_j              (readout vectors)
    P_0 = 0,    P_{j+1} = P_j + c_j r_j                             (readout sum: P_k = sum_{j<k} c_j r_j)
    yhat_t   = C S_t P_k + F q_t                                    (prediction)

Each equation is a function of an :class:`Arithmetic` and its inputs, so the *same* functions are evaluated by
:func:`gdssm.symbolic.layer.forward` on dense matrices over any ring (routes exact, z3 and the derive/export
programs) and applied by route 1 (:mod:`gdssm.proofs.theories.layer`) to a description's parameters as
elements of the free algebra, where they become the definitions its proofs unfold. A window or readout entry
whose parameter is zero is skipped (``terms`` lists only the nonzero ones); that is the same matrix.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, Protocol, TypeVar

import sympy as sp

X = TypeVar("X")


class Arithmetic(Protocol[X]):
    """The matrix operations the equations use."""

    def add(self, a: X, b: X) -> X:
        """a + b."""

    def sub(self, a: X, b: X) -> X:
        """a - b."""

    def scale(self, c: Any, a: X) -> X:
        """c a for a scalar c (a parameter entry or readout constant)."""

    def mul(self, a: X, b: X) -> X:
        """a b."""

    def outer(self, a: X, b: X) -> X:
        """a b^T for columns a, b."""

    def hadamard(self, lam: Any, s: X) -> X:
        """lam (.) s for the decay parameter lam."""


def token(n: Any, E_x: X, E_y: X, x: Callable[[Any], X], y: Callable[[Any], X], ar: Arithmetic[X]) -> X:
    """z_n (n >= 1): z_{2i-1} = E_x x_i, z_{2i} = E_y y_i (``n`` an integer or an integer expression)."""
    if isinstance(n, int):
        return ar.mul(E_x, x((n + 1) // 2)) if n % 2 == 1 else ar.mul(E_y, y(n // 2))
    if sp.Mod(n, 2) == 1:
        return ar.mul(E_x, x((n + 1) / 2))
    if sp.Mod(n, 2) == 0:
        return ar.mul(E_y, y(n / 2))
    raise ValueError(f"the parity of token index {n} is not known")


def window(z: Callable[[Any], X], t: Any) -> tuple[X, X, X]:
    """U_t = (u_{t,1}, u_{t,2}, u_{t,3}) = (z_{2t-1}, z_{2t}, z_{2t+1}): size 3, stride 2."""
    return z(2 * t - 1), z(2 * t), z(2 * t + 1)


def cross_product(U: Sequence[X], V: Sequence[X], terms: Iterable[tuple[int, int, Any]], zero: X,
                  ar: Arithmetic[X]) -> X:
    """M_t = sum_{a,b} Q_ab (V_a u_{t,a}) u_{t,b}^T over ``terms`` = the nonzero (a, b, Q_ab), a, b 0-based."""
    M = zero
    for a, b, q_ab in terms:
        M = ar.add(M, ar.scale(q_ab, ar.outer(ar.mul(V[a], U[a]), U[b])))
    return M


def state(Lam: Any, S_prev: X, M: X, ar: Arithmetic[X]) -> X:
    """S_t = Lambda (.) S_{t-1} + M_t."""
    return ar.add(ar.hadamard(Lam, S_prev), M)


def query(U: Sequence[X], terms: Iterable[tuple[int, Any]], zero: X, ar: Arithmetic[X]) -> X:
    """q_t = U_t d = sum_a d_a u_{t,a} over ``terms`` = the nonzero (a, d_a), a 0-based."""
    q = zero
    for a, d_a in terms:
        q = ar.add(q, ar.scale(d_a, U[a]))
    return q


def readout_vector(rho_j: Any, beta_j: Any, R: X, S: X, r: X, ar: Arithmetic[X]) -> X:
    """r_{j+1} = rho_j r_j - beta_j R S_t r_j."""
    return ar.sub(ar.scale(rho_j, r), ar.scale(beta_j, ar.mul(R, ar.mul(S, r))))


def readout_sum(P: X, c_j: Any, r: X, ar: Arithmetic[X]) -> X:
    """P_{j+1} = P_j + c_j r_j."""
    return ar.add(P, ar.scale(c_j, r))


def prediction(C: X, S: X, P: X, F: X | None, q: X, ar: Arithmetic[X]) -> X:
    """yhat_t = C S_t P_k + F q_t (``F`` None: the feedthrough is zero)."""
    y = ar.mul(C, ar.mul(S, P))
    return y if F is None else ar.add(y, ar.mul(F, q))
