"""Optimal one-step GD step size for in-context linear regression, derived with SymPy (DESIGN §1.4).

Setting (DESIGN §1.1, paper-facts §3.3): loss L_N(W) = 1/(2N) sum_i ||W x_i - y_i||^2, GD from W_0 = 0
with alpha = eta/N, so W_1 = alpha A with A = sum_i y_i x_i^T and G = sum_i x_i x_i^T (f x f).
Inputs x_1..x_N and the query x_q are i.i.d. with independent zero-mean coordinates of variance
sigma^2 and fourth moment mu4; the teacher is w ~ N(0, s_w^2 I) and y = w^T x (no noise).

The expected one-step half-MSE per output dimension is

    L(alpha) = 1/2 sigma^2 s_w^2 (f - 2 alpha E tr G + alpha^2 E tr G^2),

and everything here is derived, never grid-scanned: the moments sigma^2 and mu4 by integrating the
density, E tr G and E tr G^2 by splitting index sums into coincidence patterns (in symbolic f, N),
and alpha* by solving dL/dalpha = 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeAlias

import sympy as sp

from gdssm.core.errors import BadInput

F_SYM = sp.Symbol("f", integer=True, positive=True)
"""Input dimension f as a SymPy symbol (positive integer)."""

N_SYM = sp.Symbol("N", integer=True, positive=True)
"""Number of in-context examples N as a SymPy symbol (positive integer)."""

ALPHA = sp.Symbol("alpha", real=True)
"""The one-step step size alpha = eta/N."""

DEFAULT_HALF_WIDTH = sp.Rational(1, 2)
"""Default uniform half-width a: x ~ U(-1/2, 1/2), the reference code's input law (paper-facts §3.1)."""

_X = sp.Symbol("x", real=True)

Exact: TypeAlias = int | float | sp.Expr
"""A number or SymPy expression accepted as an exact input (floats are read as their decimal)."""


def _exact(name: str, value: Exact) -> sp.Expr:
    """Return ``value`` as a SymPy expression; a float becomes the Rational of its shortest decimal."""
    if isinstance(value, bool):
        raise BadInput(f"{name} must be a number or SymPy expression, got {value!r}")
    try:
        expr = sp.Rational(repr(float(value))) if isinstance(value, float) else sp.sympify(value, strict=True)
    except (sp.SympifyError, TypeError, ValueError):
        raise BadInput(f"{name} must be a number or SymPy expression, got {value!r}") from None
    if not isinstance(expr, sp.Expr) or expr.is_real is False or expr.is_finite is False:
        raise BadInput(f"{name} must be a finite real number or expression, got {value!r}")
    return expr


def _positive(name: str, value: Exact) -> sp.Expr:
    """Return ``value`` as a SymPy expression if it is provably > 0 (symbols need positive=True)."""
    expr = _exact(name, value)
    if expr.is_positive is not True:
        raise BadInput(f"{name} must be positive (declare symbols positive=True), got {value!r}")
    return expr


def _dimension(name: str, value: int | sp.Expr) -> sp.Expr:
    """Return a dimension as a SymPy integer >= 1, or a symbol declared integer and positive."""
    if isinstance(value, bool) or not isinstance(value, int | sp.Expr):
        raise BadInput(f"dimension {name} must be an integer >= 1, got {value!r}")
    expr = sp.sympify(value)
    if expr.is_integer is not True or expr.is_positive is not True:
        raise BadInput(f"dimension {name} must be an integer >= 1, got {value!r}")
    return expr


def _density_moment(density: sp.Expr, lower: sp.Expr, upper: sp.Expr, power: int) -> sp.Expr:
    """E[x^p] = integral_{lower}^{upper} x^p rho(x) dx for the density rho."""
    return sp.simplify(sp.integrate(_X**power * density, (_X, lower, upper)))


@dataclass(frozen=True)
class InputLaw:
    """Law of one input coordinate: zero mean, variance ``sigma2``, fourth moment ``mu4`` (SymPy)."""

    name: str
    sigma2: sp.Expr
    mu4: sp.Expr

    def __post_init__(self) -> None:
        """Check sigma^2 > 0 and mu4 >= sigma^4 (Jensen: E x^4 >= (E x^2)^2)."""
        sigma2, mu4 = _positive("variance sigma2", self.sigma2), _exact("fourth moment mu4", self.mu4)
        if (mu4 - sigma2**2).is_negative:
            raise BadInput(f"fourth moment mu4 = {mu4} must be >= sigma2^2 = {sigma2**2}")

    @classmethod
    def gaussian(cls, scale: Exact = 1) -> InputLaw:
        """x ~ N(0, s^2), rho(x) = exp(-x^2/(2 s^2)) / (s sqrt(2 pi)); integrating gives s^2 and 3 s^4."""
        s = _positive("Gaussian scale", scale)
        density = sp.exp(-(_X**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi))
        moments = [_density_moment(density, -sp.oo, sp.oo, p) for p in (2, 4)]
        return cls("gaussian", *moments)

    @classmethod
    def uniform(cls, half_width: Exact = DEFAULT_HALF_WIDTH) -> InputLaw:
        """x ~ U(-a, a), rho(x) = 1/(2a) on [-a, a]; integrating gives a^2/3 and a^4/5."""
        a = _positive("uniform half-width", half_width)
        moments = [_density_moment(1 / (2 * a), -a, a, p) for p in (2, 4)]
        return cls("uniform", *moments)

    @classmethod
    def from_moments(cls, sigma2: Exact, mu4: Exact, name: str = "moments") -> InputLaw:
        """A law given by its variance sigma^2 and fourth moment mu4 (zero mean assumed)."""
        return cls(name, _exact("variance sigma2", sigma2), _exact("fourth moment mu4", mu4))


_LAWS: dict[str, Callable[..., InputLaw]] = {
    "gaussian": InputLaw.gaussian,
    "uniform": InputLaw.uniform,
}


def law_names() -> tuple[str, ...]:
    """Names accepted by :func:`input_law`."""
    return tuple(_LAWS)


def input_law(name: str, parameter: Exact | None = None) -> InputLaw:
    """The named law: ``gaussian`` (parameter = std, default 1) or ``uniform`` (half-width, default 1/2)."""
    if name not in _LAWS:
        raise BadInput(f"unknown input law {name!r}; choose one of {', '.join(_LAWS)}")
    make = _LAWS[name]
    return make() if parameter is None else make(parameter)


def _coordinate_moment(law: InputLaw, power: int) -> sp.Expr:
    """E[x_a^p] for one coordinate, p in {1, 2, 4}: 0 (zero mean), sigma^2, mu4."""
    moments = {1: sp.Integer(0), 2: law.sigma2, 4: law.mu4}
    return moments[power]


def _monomial_expectation(law: InputLaw, factors: list[tuple[str, str]]) -> sp.Expr:
    """E[prod x_{s,c}] over (sample, coordinate) factors = prod over distinct (s, c) of E[x^{multiplicity}]."""
    return sp.Mul(*(_coordinate_moment(law, power) for power in Counter(factors).values()))


def _pair_counts(n: sp.Expr) -> dict[bool, sp.Expr]:
    """Index pairs (p, q) in {1..n}^2: #{p = q} = sum_p 1 = n, #{p != q} = sum_p sum_q 1 - n = n^2 - n."""
    p, q = sp.symbols("p q", integer=True, positive=True)
    equal = sp.summation(sp.Integer(1), (p, 1, n))
    total = sp.summation(sp.summation(sp.Integer(1), (q, 1, n)), (p, 1, n))
    return {True: equal, False: sp.expand(total - equal)}


def _at(expr: sp.Expr, f: int | sp.Expr, N: int | sp.Expr) -> sp.Expr:
    """Substitute the dimensions f and N into an expression in F_SYM, N_SYM."""
    values = {F_SYM: _dimension("f", f), N_SYM: _dimension("N", N)}
    return sp.factor(expr.subs(values, simultaneous=True))


def expected_trace_gram(law: InputLaw, f: int | sp.Expr = F_SYM, N: int | sp.Expr = N_SYM) -> sp.Expr:
    """E tr G = sum_{i<=N} sum_{a<=f} E[x_ia^2] = N f sigma^2, summed by SymPy over symbolic f, N."""
    i, a = sp.symbols("i a", integer=True, positive=True)
    term = _monomial_expectation(law, [("i", "a"), ("i", "a")])
    return _at(sp.summation(sp.summation(term, (a, 1, F_SYM)), (i, 1, N_SYM)), f, N)


def expected_trace_gram_squared(law: InputLaw, f: int | sp.Expr = F_SYM, N: int | sp.Expr = N_SYM) -> sp.Expr:
    """E tr G^2 = sum_{i,j} E (x_i^T x_j)^2 = sum_{i,j,a,b} E[x_ia x_ib x_ja x_jb].

    The sum is split by the patterns i = j / i != j (counts N, N(N-1)) and a = b / a != b (counts f,
    f(f-1)); each pattern's expectation factorises over the distinct coordinates, giving
    N f mu4 + N f (f-1) sigma^4 + N (N-1) f sigma^4 + N (N-1) f (f-1) * 0.
    """
    samples, coords = _pair_counts(N_SYM), _pair_counts(F_SYM)
    total = sp.Integer(0)
    for same_sample, j in ((True, "i"), (False, "j")):
        for same_coord, b in ((True, "a"), (False, "b")):
            term = _monomial_expectation(law, [("i", "a"), ("i", b), (j, "a"), (j, b)])
            total += samples[same_sample] * coords[same_coord] * term
    return _at(sp.expand(total), f, N)


def expected_one_step_loss(
    alpha: Exact, law: InputLaw, f: int | sp.Expr, N: int | sp.Expr, weight_var: Exact = 1
) -> sp.Expr:
    """L(alpha) = 1/2 sigma^2 s_w^2 (f - 2 alpha E tr G + alpha^2 E tr G^2) = 1/2 sigma^2 s_w^2 E||I - alpha G||_F^2."""
    step, s_w2 = _exact("alpha", alpha), _positive("weight variance", weight_var)
    trace_g, trace_g2 = expected_trace_gram(law), expected_trace_gram_squared(law)
    loss = law.sigma2 * s_w2 * (F_SYM - 2 * step * trace_g + step**2 * trace_g2) / 2
    return _at(loss, f, N)


def optimal_alpha(law: InputLaw, f: int | sp.Expr, N: int | sp.Expr) -> sp.Expr:
    """alpha* solves dL/dalpha = 0: alpha* = E tr G / E tr G^2 (unique, since d^2L/dalpha^2 > 0)."""
    derivative = sp.diff(expected_one_step_loss(ALPHA, law, F_SYM, N_SYM), ALPHA)
    (root,) = sp.solve(derivative, ALPHA)
    return _at(root, f, N)


def optimal_eta(law: InputLaw, f: int | sp.Expr, N: int | sp.Expr) -> sp.Expr:
    """eta* = N alpha* (convention alpha = eta/N)."""
    return _at(N_SYM * optimal_alpha(law, F_SYM, N_SYM), f, N)


def optimal_loss(law: InputLaw, f: int | sp.Expr, N: int | sp.Expr, weight_var: Exact = 1) -> sp.Expr:
    """L* = L(alpha*) = 1/2 sigma^2 s_w^2 (f - (E tr G)^2 / E tr G^2)."""
    loss = expected_one_step_loss(optimal_alpha(law, F_SYM, N_SYM), law, F_SYM, N_SYM, weight_var)
    return _at(loss, f, N)


def zero_predictor_loss(law: InputLaw, f: int | sp.Expr, weight_var: Exact = 1) -> sp.Expr:
    """L(0) = 1/2 sigma^2 s_w^2 f, the loss of the predictor W = 0 (independent of N)."""
    return expected_one_step_loss(0, law, f, N_SYM, weight_var)


def _float_text(expr: sp.Expr) -> str:
    """Render ``expr`` with 6 significant digits (numeric coefficients only if symbols remain)."""
    return f"{float(expr):.6g}" if expr.is_number else str(sp.N(expr, 6))


def optimal_step_summary(law: InputLaw, f: int | sp.Expr, N: int | sp.Expr, weight_var: Exact = 1) -> dict[str, str]:
    """Exact alpha*, eta*, L* and L(0) at (f, N), their closed forms in symbolic f, N, and 6-digit floats."""
    closed = {
        "E_trG": expected_trace_gram(law),
        "E_trG2": expected_trace_gram_squared(law),
        "alpha_star": optimal_alpha(law, F_SYM, N_SYM),
        "eta_star": optimal_eta(law, F_SYM, N_SYM),
        "loss_star": optimal_loss(law, F_SYM, N_SYM, weight_var),
        "zero_predictor_loss": zero_predictor_loss(law, F_SYM, weight_var),
    }
    exact = {key: _at(expr, f, N) for key, expr in closed.items()}
    summary = {
        "law": law.name,
        "sigma2": str(law.sigma2),
        "mu4": str(law.mu4),
        "f": str(f),
        "N": str(N),
        "weight_var": str(_positive("weight variance", weight_var)),
        "convention": "alpha = eta/N; L_N(W) = 1/(2N) sum_i ||W x_i - y_i||^2; W_0 = 0; loss = half-MSE per output",
    }
    summary.update({key: str(value) for key, value in exact.items()})
    summary.update({f"{key}_closed_form": str(expr) for key, expr in closed.items()})
    summary.update({f"{key}_float": _float_text(value) for key, value in exact.items()})
    return summary
