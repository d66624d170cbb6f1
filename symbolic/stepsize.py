"""Optimal one-step GD step size for in-context linear regression, derived with SymPy (DESIGN §1.4).

Setting (DESIGN §1.1, paper-facts §3.3): loss L_N(W) = 1/(2N) sum_i ||W x_i - y_i||^2, GD from W_0 = 0
with alpha = eta/N, so W_1 = alpha A with A = sum_i y_i x_i^T and G = sum_i x_i x_i^T (f x f).
Inputs x_1..x_N and the query x_q are i.i.d. with independent zero-mean coordinates of variance
sigma^2 and fourth moment mu4; the teacher is w ~ N(0, s_w^2 I), independent of the inputs, and
y = w^T x (no noise). The hypotheses matter: :func:`one_step_hypotheses` prints them from the moment
table and the factorisation rule the derivation uses, and :func:`one_step_statement` prints the
derived closed form.

The expected one-step half-MSE per output dimension is

    L(alpha) = 1/2 sigma^2 s_w^2 (f - 2 alpha E tr G + alpha^2 E tr G^2),

and everything here is derived, never grid-scanned: the moments sigma^2 and mu4 by integrating the
density, E tr G and E tr G^2 by splitting index sums into coincidence patterns (in symbolic f, N),
and alpha* by solving dL/dalpha = 0: alpha* = E tr G / E tr G^2 = sigma^2 / (mu4 + (N + f - 2) sigma^4),
and 1/(sigma^2 (N + f + 1)) for Gaussian inputs.

Unequal variances (anisotropic inputs). With independent zero-mean coordinates of variances
sigma_a^2 (covariance Sigma = diag(sigma_a^2)) and fourth moments mu4_a, the loss is
1/2 s_w^2 tr(Sigma E (I - alpha G)^2) and alpha* = tr(Sigma E G) / tr(Sigma E G^2), not
E tr G / E tr G^2. :func:`anisotropic_one_step_loss` derives the loss at a concrete f from the
error w^T (alpha G - I) x_q itself (expectations over w and x_q monomial by monomial, then over the
examples through E G and the second moments E G_ab G_cd), for any N; coordinates U(-1/2, 1/2) and
U(-1, 1) at N = 1 give alpha* = 204/137, where the isotropic formula would give 300/193.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import product
from typing import Any, TypeAlias

import sympy as sp

from gdssm.core.errors import BadInput

F_SYM = sp.Symbol("f", integer=True, positive=True)
"""Input dimension f as a SymPy symbol (positive integer)."""

N_SYM = sp.Symbol("N", integer=True, positive=True)
"""Number of in-context examples N as a SymPy symbol (positive integer)."""

ALPHA = sp.Symbol("alpha", real=True)
"""The one-step step size alpha = eta/N."""

ETA = sp.Symbol("eta", real=True)
"""The GD learning rate eta of the aggregated loss (alpha = eta/N)."""

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
    expr = sp.sympify(value, strict=True)
    if expr.is_integer is not True or expr.is_positive is not True:
        raise BadInput(f"dimension {name} must be an integer >= 1, got {value!r}")
    return expr


@functools.lru_cache(maxsize=64)
def _density_moment(density: sp.Expr, lower: sp.Expr, upper: sp.Expr, power: int) -> sp.Expr:
    """E[x^p] = integral_{lower}^{upper} x^p rho(x) dx for the density rho (integrated once per process and
    arguments: SymPy expressions are immutable)."""
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


def _linear_root(derivative: sp.Expr) -> sp.Expr:
    """The root of dL/dalpha = 0 for a loss quadratic in alpha: dL/dalpha = c_1 alpha + c_0 is linear, so the root
    is -c_0 / c_1 (unique where c_1 = d^2L/dalpha^2 != 0). What ``sp.solve`` returns, without its search."""
    poly = sp.Poly(sp.expand(derivative), ALPHA)
    if poly.degree() != 1:
        raise ValueError(f"dL/dalpha is not linear in alpha (degree {poly.degree()}): {derivative}")
    c1, c0 = poly.all_coeffs()
    return -c0 / c1


def optimal_alpha(law: InputLaw, f: int | sp.Expr, N: int | sp.Expr) -> sp.Expr:
    """alpha* solves dL/dalpha = 0: alpha* = E tr G / E tr G^2 (unique, since d^2L/dalpha^2 > 0)."""
    derivative = sp.diff(expected_one_step_loss(ALPHA, law, F_SYM, N_SYM), ALPHA)
    return _at(_linear_root(derivative), f, N)


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


# -- the statement and its hypotheses, printed from what the derivation uses -------------------------
class Expectation(sp.Function):
    """``E[expr]``, unevaluated: only printed (``\\mathbb{E}[...]``), never computed by SymPy."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        inner = ", ".join(printer._print(arg) for arg in self.args)
        text = rf"\mathbb{{E}}\left[{inner}\right]"
        return text if exp is None else rf"{text}^{{{exp}}}"


class ConditionalExpectation(sp.Function):
    """``E[expr | first, ..., last]``, unevaluated (printed only)."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        head, first, last = (printer._print(arg) for arg in self.args)
        return rf"\mathbb{{E}}\left[{head} \mid {first}, \ldots, {last}\right]"


class Normal(sp.Function):
    """The normal law ``N(mean, covariance)`` (printed only)."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return rf"\mathcal{{N}}\left({', '.join(printer._print(arg) for arg in self.args)}\right)"


class Distributed(sp.Basic):
    """The relation ``variable ~ law`` (printed only)."""

    def _latex(self, printer: Any) -> str:
        variable, law = self.args
        return rf"{printer._print(variable)} \sim {printer._print(law)}"


class Argmin(sp.Function):
    """``argmin_variable expr`` (printed only)."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        expr, variable = self.args
        return rf"\operatorname{{argmin}}_{{{printer._print(variable)}}} {printer._print(expr)}"


@dataclass(frozen=True)
class Assumption:
    """One hypothesis of the derivation: a label and the SymPy relation it is printed from."""

    label: str
    relation: sp.Basic

    @property
    def latex(self) -> str:
        """The relation in LaTeX, by SymPy's printer."""
        return str(sp.latex(self.relation))


SIGMA = sp.Symbol("sigma", positive=True)
"""The common standard deviation of the input coordinates (isotropic case)."""

MU4 = sp.Symbol("mu_4", positive=True)
"""The common fourth moment E x_ia^4 of the input coordinates."""

_SAMPLE, _COORD = sp.symbols("i a", integer=True)
_XS, _PS = sp.IndexedBase("x"), sp.IndexedBase("p")
_W = sp.MatrixSymbol("w", F_SYM, 1)
_GRAM = sp.MatrixSymbol("G", F_SYM, F_SYM)
_QUERY = sp.MatrixSymbol("x_q", F_SYM, 1)


def _vector(i: int | sp.Expr) -> sp.MatrixSymbol:
    return sp.MatrixSymbol(f"x_{{{i}}}", F_SYM, 1)


def general_law() -> InputLaw:
    """The law with symbolic moments: variance sigma^2, fourth moment mu_4 (zero mean)."""
    return InputLaw.from_moments(SIGMA**2, MU4, name="general")


def one_step_hypotheses(law: InputLaw | None = None, weight_var: Exact = 1) -> tuple[Assumption, ...]:
    """The hypotheses of the one-step optimum, printed from the objects the derivation reads.

    * the setting: noise-free labels y_i = w^T x_i, G = sum x_i x_i^T, one GD step W_1 = alpha sum y_i x_i^T
      from W_0 = 0, the loss L(alpha) = 1/2 E (W_1 x_q - y_q)^2 and alpha* = argmin L;
    * the rule :func:`_monomial_expectation` applies: the entries x_{i,a} of the examples (i = 1..N) and
      the query (i = 0) are independent, so a moment of a monomial is the product of the entries' moments
      (i.i.d. examples, independent coordinates);
    * the entries' moments from the moment table :func:`_coordinate_moment` reads (zero mean, equal
      variance sigma^2, equal fourth moment mu_4);
    * the teacher w ~ N(0, s_w^2 I), independent of the inputs: E[w w^T | x_0..x_N] = s_w^2 I.
    """
    law = law if law is not None else general_law()
    s_w2 = _positive("weight variance", weight_var)
    i = _SAMPLE
    x_i, y_i = _vector(i), sp.MatrixSymbol("y_i", 1, 1)
    W_1 = sp.MatrixSymbol("W_1", 1, F_SYM)
    alpha = ALPHA
    entry = _XS[i, _COORD]
    monomial = _PS[i, _COORD]
    ranges = ((i, 0, N_SYM), (_COORD, 1, F_SYM))
    y_q = sp.MatrixSymbol("y_q", 1, 1)
    loss = sp.Function("L")(alpha)
    setting = (
        Assumption("noise-free labels", sp.Eq(y_i, _W.T * x_i, evaluate=False)),
        Assumption("Gram matrix", sp.Eq(_GRAM, sp.Sum(x_i * x_i.T, (i, 1, N_SYM)), evaluate=False)),
        Assumption("one GD step from W_0 = 0", sp.Eq(W_1, alpha * sp.Sum(y_i * x_i.T, (i, 1, N_SYM)),
                                                     evaluate=False)),
        Assumption("step size convention", sp.Eq(alpha, ETA / N_SYM, evaluate=False)),
        Assumption("expected one-step loss", sp.Eq(loss, Expectation((W_1 * _QUERY - y_q) ** 2) / 2,
                                                   evaluate=False)),
        Assumption("optimal step size", sp.Eq(sp.Symbol(r"\alpha^*"), Argmin(loss, alpha), evaluate=False)),
        Assumption("the query is x_0", sp.Eq(_vector(0), _QUERY, evaluate=False)),
        Assumption("entries", sp.Eq(entry, sp.Indexed(sp.IndexedBase(x_i), _COORD), evaluate=False)),
    )
    independence = Assumption(
        "i.i.d. examples and query, independent coordinates",
        sp.Eq(Expectation(sp.Product(entry**monomial, *ranges)),
              sp.Product(Expectation(entry**monomial), *ranges), evaluate=False),
    )
    moments = tuple(
        Assumption(label, sp.Eq(Expectation(entry**power), _coordinate_moment(law, power), evaluate=False))
        for power, label in ((1, "zero mean"), (2, "equal variance"), (4, "equal fourth moment"))
    )
    teacher = (
        Assumption("teacher", Distributed(_W, Normal(sp.Integer(0), s_w2 * sp.Identity(F_SYM)))),
        Assumption("teacher independent of the inputs",
                   sp.Eq(ConditionalExpectation(_W * _W.T, _vector(0), _vector(N_SYM)), s_w2 * sp.Identity(F_SYM),
                         evaluate=False)),
    )
    return (*setting, independence, *moments, *teacher)


def _display(expr: sp.Expr, law: InputLaw) -> sp.Expr:
    """``expr`` with its denominator collected in sigma^4 (display only; the value is unchanged)."""
    numer, denom = sp.fraction(sp.together(expr))
    collected = sp.collect(sp.expand(denom), law.sigma2**2)
    return numer / collected


def one_step_statement(law: InputLaw | None = None) -> str:
    """``alpha* = E tr G / E tr G^2 = <derived closed form>`` in LaTeX (SymPy's printer).

    The right side is :func:`optimal_alpha` for ``law`` (default: symbolic sigma^2 and mu_4) at symbolic
    f and N; the middle is the ratio the derivation solves dL/dalpha = 0 to (checked by the claim)."""
    law = law if law is not None else general_law()
    ratio = Expectation(sp.Trace(_GRAM)) / Expectation(sp.Trace(_GRAM**2))
    closed = _display(optimal_alpha(law, F_SYM, N_SYM), law)
    parts = (sp.Symbol(r"\alpha^*"), ratio, closed)
    return " = ".join(str(sp.latex(part)) for part in parts)


# -- anisotropic inputs: per-coordinate laws ------------------------------------------------------------
def _coordinate_laws(laws: Sequence[InputLaw]) -> tuple[InputLaw, ...]:
    chosen = tuple(laws)
    if not chosen or not all(isinstance(law, InputLaw) for law in chosen):
        raise BadInput("give one InputLaw per input coordinate (at least one)")
    return chosen


def covariance(laws: Sequence[InputLaw]) -> sp.Matrix:
    """Sigma = E x x^T = diag(sigma_a^2) for independent zero-mean coordinates with laws ``laws``."""
    chosen = _coordinate_laws(laws)
    return sp.Matrix(len(chosen), len(chosen), lambda a, b: _sample_moment(chosen, [a, b]))


def _sample_moment(laws: Sequence[InputLaw], coords: Sequence[int]) -> sp.Expr:
    """E[prod_c x_c] for one sample: the product over distinct coordinates of E[x_c^{multiplicity}]
    (independent coordinates); 0 as soon as one coordinate appears once (zero mean)."""
    counts = Counter(coords)
    if 1 in counts.values():
        return sp.Integer(0)
    if not set(counts.values()) <= {2, 4}:
        raise BadInput(f"moments of orders {sorted(set(counts.values()))} are not part of the model (2 and 4)")
    return sp.Mul(*(_coordinate_moment(laws[coord], power) for coord, power in counts.items()))


def _gram_second_moment(laws: Sequence[InputLaw], N: sp.Expr, a: int, b: int, c: int, d: int) -> sp.Expr:
    """E[G_ab G_cd] = sum_{i,j} E[x_ia x_ib x_jc x_jd] = N E[x_a x_b x_c x_d] + N(N-1) E[x_a x_b] E[x_c x_d]
    (split by i = j / i != j; distinct samples are independent)."""
    pairs = _pair_counts(N_SYM)
    same = _sample_moment(laws, [a, b, c, d])
    apart = _sample_moment(laws, [a, b]) * _sample_moment(laws, [c, d])
    return (pairs[True] * same + pairs[False] * apart).subs(N_SYM, N)


def expected_gram(laws: Sequence[InputLaw], N: int | sp.Expr = N_SYM) -> sp.Matrix:
    """E G = sum_i E x_i x_i^T = N Sigma (f x f, f = the number of coordinate laws)."""
    chosen, n = _coordinate_laws(laws), _dimension("N", N)
    size = len(chosen)
    total = sp.summation(sp.Integer(1), (_SAMPLE, 1, N_SYM)).subs(N_SYM, n)
    return sp.Matrix(size, size, lambda a, b: total * _sample_moment(chosen, [a, b]))


def expected_gram_squared(laws: Sequence[InputLaw], N: int | sp.Expr = N_SYM) -> sp.Matrix:
    """E G^2, entry (a, b) = sum_c E[G_ac G_cb]."""
    chosen, n = _coordinate_laws(laws), _dimension("N", N)
    size = range(len(chosen))
    return sp.Matrix(len(chosen), len(chosen),
                     lambda a, b: sp.expand(sum(_gram_second_moment(chosen, n, a, c, c, b) for c in size)))


def anisotropic_one_step_loss(
    alpha: Exact, laws: Sequence[InputLaw], N: int | sp.Expr = N_SYM, weight_var: Exact = 1
) -> sp.Expr:
    """L(alpha) = 1/2 E (W_1 x_q - y_q)^2, derived from the error itself at f = len(laws).

    With y = w^T x and W_1 = alpha w^T G the error is e = w^T (alpha G - I) x_q. e^2 is expanded over
    symbols for w, x_q and the entries g_ab of G; its expectation is taken monomial by monomial: over
    w ~ N(0, s_w^2 I) (E w_a w_b = s_w^2 delta_ab, odd moments 0), over x_q (independent coordinates,
    :func:`_sample_moment`), then over the examples, replacing g_ab by E G_ab and g_ab g_cd by
    E[G_ab G_cd] (:func:`_gram_second_moment`). The result equals
    1/2 s_w^2 (tr Sigma - 2 alpha tr(Sigma E G) + alpha^2 tr(Sigma E G^2)) (checked in the tests).
    """
    chosen, n = _coordinate_laws(laws), _dimension("N", N)
    step, s_w2 = _exact("alpha", alpha), _positive("weight variance", weight_var)
    size = len(chosen)
    w = sp.symbols(f"w_0:{size}")
    q = sp.symbols(f"q_0:{size}")
    g = {(a, b): sp.Symbol(f"g_{min(a, b)}_{max(a, b)}") for a, b in product(range(size), repeat=2)}
    gram = sp.Matrix(size, size, lambda a, b: g[(a, b)])
    a_sym = sp.Symbol("alpha_")
    error = (sp.Matrix([w]) * (a_sym * gram - sp.eye(size)) * sp.Matrix(q))[0, 0]
    entries = sorted(set(g.values()), key=str)
    poly = sp.Poly(sp.expand(error**2), *w, *q, *entries)
    index = {symbol: (a, b) for (a, b), symbol in g.items()}
    total = sp.Integer(0)
    for powers, coeff in poly.terms():
        w_pow, q_pow, g_pow = powers[:size], powers[size:2 * size], powers[2 * size:]
        w_part = sp.Mul(*(_gaussian_moment(s_w2, p) for p in w_pow))
        q_part = _sample_moment(chosen, [c for c, p in enumerate(q_pow) for _ in range(p)])
        if w_part == 0 or q_part == 0:
            continue
        gs = [index[entries[j]] for j, p in enumerate(g_pow) for _ in range(p)]
        total += coeff * w_part * q_part * _gram_moment(chosen, n, gs)
    return sp.expand(total.subs(a_sym, step) / 2)


def _gaussian_moment(variance: sp.Expr, power: int) -> sp.Expr:
    """E[z^p] for z ~ N(0, variance), p <= 2 (all a quadratic error needs): 1, 0, variance."""
    if power > 2:
        raise BadInput(f"Gaussian moment of order {power} is not needed by a quadratic loss")
    return (sp.Integer(1), sp.Integer(0), variance)[power]


def _gram_moment(laws: Sequence[InputLaw], N: sp.Expr, entries: Sequence[tuple[int, int]]) -> sp.Expr:
    """E of a product of at most two Gram entries."""
    if not entries:
        return sp.Integer(1)
    if len(entries) == 1:
        ((a, b),) = entries
        return N * _sample_moment(laws, [a, b])
    if len(entries) == 2:
        (a, b), (c, d) = entries
        return _gram_second_moment(laws, N, a, b, c, d)
    raise BadInput("a one-step loss is quadratic in G")


def anisotropic_optimal_alpha(laws: Sequence[InputLaw], N: int | sp.Expr = N_SYM) -> sp.Expr:
    """alpha* solving dL/dalpha = 0 for :func:`anisotropic_one_step_loss` (= tr(Sigma E G) / tr(Sigma E G^2))."""
    derivative = sp.diff(anisotropic_one_step_loss(ALPHA, laws, N), ALPHA)
    return sp.factor(_linear_root(derivative))


def anisotropic_trace_ratio(laws: Sequence[InputLaw], N: int | sp.Expr = N_SYM) -> sp.Expr:
    """tr(Sigma E G) / tr(Sigma E G^2), the anisotropic optimum in closed form."""
    sigma = covariance(laws)
    return sp.factor((sigma * expected_gram(laws, N)).trace() / (sigma * expected_gram_squared(laws, N)).trace())


def isotropic_trace_ratio(laws: Sequence[InputLaw], N: int | sp.Expr = N_SYM) -> sp.Expr:
    """E tr G / E tr G^2 for these coordinate laws: the isotropic formula, the optimum only when all
    coordinates have equal variance (and fourth moment)."""
    return sp.factor(expected_gram(laws, N).trace() / expected_gram_squared(laws, N).trace())


def one_step_loss_by_expansion(
    alpha: Exact, laws: Sequence[InputLaw], N: int, weight_var: Exact = 1
) -> sp.Expr:
    """L(alpha) at concrete f = len(laws) and N by brute force: every entry of X (N x f), x_q and w is a
    symbol, e = w^T (alpha X^T X - I) x_q is expanded, and each monomial's expectation is the product of
    the entries' moments (independent entries; w ~ N(0, s_w^2 I)). An independent check of the pattern
    sums of :func:`expected_one_step_loss` and :func:`anisotropic_one_step_loss`."""
    chosen, n = _coordinate_laws(laws), int(_dimension("N", N))
    step, s_w2 = _exact("alpha", alpha), _positive("weight variance", weight_var)
    size = len(chosen)
    X = sp.Matrix(n, size, lambda i, a: sp.Symbol(f"x_{i}_{a}"))
    q = sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"q_{a}"))
    w = sp.Matrix(size, 1, lambda a, _: sp.Symbol(f"w_{a}"))
    a_sym = sp.Symbol("alpha_")
    error = (w.T * (a_sym * X.T * X - sp.eye(size)) * q)[0, 0]
    variables = [*X, *q, *w]
    laws_of = [*(chosen[a] for _ in range(n) for a in range(size)), *chosen]
    total = sp.Integer(0)
    for powers, coeff in sp.Poly(sp.expand(error**2), *variables).terms():
        data, weights = powers[: len(laws_of)], powers[len(laws_of):]
        if any(p % 2 for p in (*data, *weights)):
            continue  # zero: w_a is centred Gaussian; x-degree <= 4, so an odd power leaves an entry to power 1
        value = coeff * sp.Mul(*(_gaussian_moment(s_w2, p) for p in weights))
        value *= sp.Mul(*(_coordinate_moment(law, p) for law, p in zip(laws_of, data, strict=True) if p))
        total += value
    return sp.expand(total.subs(a_sym, step) / 2)
