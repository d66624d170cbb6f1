"""The expected loss of k GD steps as a polynomial in the step sizes, with moment coefficients (DESIGN §1.4).

Setting (DESIGN §1.1, as :mod:`symbolic.stepsize`): noise-free labels y = w^T x, G = sum_{i<=N} x_i x_i^T,
k GD steps W_{j+1} = W_j - alpha_j (W_j G - A) from W_0 = 0 (alpha_j = eta_j / N). Then
w^T - W_{j+1} = (w^T - W_j)(I - alpha_j G), so the query error is w^T r(G) x_q with the residual polynomial

    r(lambda) = prod_{j<k} (1 - alpha_j lambda),

and, with the query independent of G, E x_q x_q^T = sigma^2 I and w ~ N(0, s_w^2 I) independent of the inputs,
the expected half-MSE per output dimension is

    L(alpha_0, ..., alpha_{k-1}) = 1/2 s_w^2 sigma^2 E tr r(G)^2 = 1/2 s_w^2 sigma^2 sum_{i<=2k} c_i(alpha) m_i,

where c_i = [lambda^i] r(lambda)^2 and m_i = E tr G^i (m_0 = f). The loss is a polynomial in the step sizes
whose coefficients are the trace moments m_0..m_{2k}; this module derives those moments.

* **Gaussian inputs** (x_ia ~ N(0, sigma^2) i.i.d.): G is a real Wishart matrix and the moments are closed
  forms in f, N, sigma, derived by Gaussian integration by parts (Stein's lemma E[x h(x)] = E[h'(x)]) on
  E[tr G^k prod_j tr G^{m_j}], which gives the recursion (tr G^0 = f)

      E[p_k P] = (N + k - 1) E[p_{k-1} P] + sum_{s=1}^{k-1} E[p_s p_{k-1-s} P] + sum_j 2 m_j E[p_{k+m_j-1} P / p_{m_j}]

  over products p_lambda = prod tr G^{lambda_j} (:func:`gaussian_trace_moments`); e.g. E tr G^2 =
  N f (N + f + 1) sigma^4 and E tr G^3 = N f (N^2 + f^2 + 3 N f + 3 N + 3 f + 4) sigma^6.
* **Any law with independent, identically distributed, zero-mean coordinates** (the uniform law of the
  reference code): tr G^n = sum over index cycles (i_1, a_1, ..., i_n, a_n) of prod_j x_{i_j a_j} x_{i_j a_{j+1}};
  grouping the cycles by the set partitions of their example indices and of their coordinate indices, each
  pattern counts N^(b_I) f^(b_A) (falling factorials) times prod over its cells of the law's moments
  E x^{multiplicity} (:func:`iid_trace_moments`). The result is exact and symbolic in f and N; the work grows
  as Bell(n)^2 / (2n) patterns (n = 2k), under a second for k <= 3, a few seconds for k = 4, minutes for k = 5.
  Beyond that the moments are estimated by Monte Carlo (:mod:`numeric.kstep_montecarlo`) and marked so.

The coordinate moments E x^p come from integrating the law's density (:class:`CoordinateLaw`); the variance and
fourth moment agree with :mod:`symbolic.stepsize`'s :class:`~symbolic.stepsize.InputLaw` (checked).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import sympy as sp
from sympy.polys.matrices import DomainMatrix

from gdssm.core.errors import BadInput
from gdssm.symbolic.stepsize import (
    DEFAULT_HALF_WIDTH,
    F_SYM,
    N_SYM,
    Exact,
    InputLaw,
    _dimension,
    _exact,
    _positive,
)

LAMBDA = sp.Symbol("lambda", real=True)
"""The spectral variable of the residual polynomial r(lambda)."""

SIGMA2 = sp.Symbol("sigma^2", positive=True)
"""A symbolic coordinate variance sigma^2."""

S_W2 = sp.Symbol("s_w^2", positive=True)
"""A symbolic teacher variance s_w^2."""

EXACT_PATTERN_LIMIT = 10
"""Largest moment order n = 2k the pattern enumeration accepts (k = 5 takes minutes; k = 6 would take days)."""

_X = sp.Symbol("x", real=True)


def step_symbols(k: int) -> tuple[sp.Symbol, ...]:
    """alpha_0, ..., alpha_{k-1} (real symbols)."""
    _steps(k)
    return tuple(sp.Symbol(f"alpha_{j}", real=True) for j in range(k))


def _steps(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise BadInput(f"number of steps k must be an integer >= 0, got {k!r}")
    return k


def residual_polynomial(alphas: Sequence[Exact]) -> sp.Poly:
    """r(lambda) = prod_j (1 - alpha_j lambda), the factor W_k applies to the error (module docstring)."""
    r = sp.Poly(1, LAMBDA)
    for alpha in alphas:
        r *= sp.Poly(1 - _exact("step size alpha", alpha) * LAMBDA, LAMBDA)
    return r


def loss_coefficients(alphas: Sequence[Exact]) -> tuple[sp.Expr, ...]:
    """c_0..c_{2k}: r(lambda)^2 = sum_i c_i lambda^i (polynomials in the step sizes)."""
    square = residual_polynomial(alphas) ** 2
    degree = 2 * len(alphas)
    return tuple(sp.expand(square.coeff_monomial(LAMBDA**i)) for i in range(degree + 1))


# -- coordinate laws ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class CoordinateLaw:
    """The law of one input coordinate by its density on [lower, upper]; moments by integration (cached)."""

    name: str
    parameter: sp.Expr
    density: sp.Expr
    lower: sp.Expr
    upper: sp.Expr
    _moments: dict[int, sp.Expr] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def gaussian(cls, scale: Exact = 1) -> CoordinateLaw:
        """x ~ N(0, s^2): rho(x) = exp(-x^2 / (2 s^2)) / (s sqrt(2 pi)) on the real line."""
        s = _positive("Gaussian scale", scale)
        return cls("gaussian", s, sp.exp(-(_X**2) / (2 * s**2)) / (s * sp.sqrt(2 * sp.pi)), -sp.oo, sp.oo)

    @classmethod
    def uniform(cls, half_width: Exact = DEFAULT_HALF_WIDTH) -> CoordinateLaw:
        """x ~ U(-a, a): rho(x) = 1 / (2a) on [-a, a]."""
        a = _positive("uniform half-width", half_width)
        return cls("uniform", a, 1 / (2 * a), -a, a)

    def moment(self, power: int) -> sp.Expr:
        """E x^p = integral_{lower}^{upper} x^p rho(x) dx: F(upper) - F(lower) with F the exact antiderivative
        where x^p rho(x) is a polynomial on a bounded support (the uniform law), SymPy's definite integral
        otherwise."""
        if power not in self._moments:
            integrand = _X**power * self.density
            if self.lower.is_finite and self.upper.is_finite and integrand.is_polynomial(_X):
                antiderivative = sp.Poly(integrand, _X).integrate()
                value = sp.expand(antiderivative.eval(self.upper) - antiderivative.eval(self.lower))
            else:
                value = sp.simplify(sp.integrate(integrand, (_X, self.lower, self.upper)))
            self._moments[power] = value
        return self._moments[power]

    @property
    def sigma2(self) -> sp.Expr:
        """The variance E x^2."""
        return self.moment(2)

    def input_law(self) -> InputLaw:
        """The :class:`~symbolic.stepsize.InputLaw` of the same name and parameter (variance, fourth moment)."""
        make = {"gaussian": InputLaw.gaussian, "uniform": InputLaw.uniform}[self.name]
        return make(self.parameter)


def coordinate_law(name: str, parameter: Exact | None = None) -> CoordinateLaw:
    """``gaussian`` (parameter = std, default 1) or ``uniform`` (half-width, default 1/2)."""
    makers: dict[str, Callable[..., CoordinateLaw]] = {"gaussian": CoordinateLaw.gaussian,
                                                       "uniform": CoordinateLaw.uniform}
    if name not in makers:
        raise BadInput(f"unknown input law {name!r}; choose one of {', '.join(makers)}")
    return makers[name]() if parameter is None else makers[name](parameter)


# -- trace moments ---------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TraceMoments:
    """m_i = E tr G^i for i = 0..n: exact SymPy values (in f, N or at given f, N) or Monte Carlo estimates."""

    law: str
    sigma2: sp.Expr
    f: sp.Expr
    N: sp.Expr
    values: tuple[sp.Expr, ...]
    exact: bool
    method: str
    stderr: tuple[float, ...] | None = None

    @property
    def order(self) -> int:
        """n, the highest moment held (enough for k = n // 2 steps)."""
        return len(self.values) - 1

    def at(self, f: int, N: int) -> TraceMoments:
        """The moments at concrete f, N (exact values are substituted; estimates must already be there)."""
        dims = {F_SYM: _dimension("f", f), N_SYM: _dimension("N", N)}
        if not self.exact and (self.f != dims[F_SYM] or self.N != dims[N_SYM]):
            raise BadInput(f"Monte Carlo moments were estimated at f={self.f}, N={self.N}, not f={f}, N={N}")
        values = tuple(sp.expand(sp.sympify(v, strict=True).subs(dims, simultaneous=True)) for v in self.values)
        return TraceMoments(self.law, self.sigma2, dims[F_SYM], dims[N_SYM], values, self.exact, self.method,
                            self.stderr)


def _order(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise BadInput(f"moment order must be an integer >= 0, got {n!r}")
    return n


def wishart_power_sum(partition: Sequence[int], f: int | sp.Expr = F_SYM, N: int | sp.Expr = N_SYM) -> sp.Expr:
    """E prod_j tr G^{lambda_j} for G = X^T X, X an N x f matrix of i.i.d. N(0, 1) entries (Stein recursion)."""
    parts = tuple(sorted((_order(p) for p in partition), reverse=True))
    f_, n_ = _dimension("f", f), _dimension("N", N)
    if f_.is_Integer and n_.is_Integer:
        return sp.Integer(_power_sum_int(parts, int(f_), int(n_)))
    poly = _power_sum_poly(parts)
    return sp.expand(poly.as_expr().subs({F_SYM: f_, N_SYM: n_}, simultaneous=True))


def _stein_terms(parts: tuple[int, ...]) -> list[tuple[int, tuple[int, ...], int]]:
    """The recursion's right side for prod tr G^{parts}: (coefficient of N, partition, constant coefficient).

    Largest part k, rest P: (N + k - 1) p_{k-1} P + sum_{s=1}^{k-1} p_s p_{k-1-s} P + sum_j 2 m_j p_{k+m_j-1} P/p_{m_j}.
    Zeros in a partition stand for tr G^0 = f and are kept (the caller multiplies by f).
    """
    k, rest = parts[0], list(parts[1:])
    terms: list[tuple[int, tuple[int, ...], int]] = [(1, (k - 1, *rest), k - 1)]
    terms += [(0, (s, k - 1 - s, *rest), 1) for s in range(1, k)]
    for j, m in enumerate(rest):
        others = rest[:j] + rest[j + 1:]
        terms.append((0, (k + m - 1, *others), 2 * m))
    return terms


def _normal(parts: Sequence[int]) -> tuple[tuple[int, ...], int]:
    """(positive parts sorted descending, number of zero parts)."""
    positive = tuple(sorted((p for p in parts if p > 0), reverse=True))
    return positive, len(parts) - len(positive)


@cache
def _power_sum_int(parts: tuple[int, ...], f: int, N: int) -> int:
    positive, zeros = _normal(parts)
    if not positive:
        return f**zeros
    total = 0
    for n_coeff, sub, const in _stein_terms(positive):
        total += (n_coeff * N + const) * _power_sum_int(sub, f, N)
    return total * f**zeros


@cache
def _power_sum_poly(parts: tuple[int, ...]) -> sp.Poly:
    positive, zeros = _normal(parts)
    f_poly, n_poly = sp.Poly(F_SYM, F_SYM, N_SYM), sp.Poly(N_SYM, F_SYM, N_SYM)
    if not positive:
        return f_poly**zeros
    total = sp.Poly(0, F_SYM, N_SYM)
    for n_coeff, sub, const in _stein_terms(positive):
        total += (n_poly * n_coeff + const) * _power_sum_poly(sub)
    return total * f_poly**zeros


def gaussian_trace_moments(n: int, f: int | sp.Expr = F_SYM, N: int | sp.Expr = N_SYM,
                           sigma2: Exact = SIGMA2) -> TraceMoments:
    """m_i = E tr G^i = sigma^{2i} E tr W^i (W real Wishart with N degrees of freedom, identity scale), i <= n."""
    _order(n)
    s2 = _positive("variance sigma^2", sigma2)
    f_, n_ = _dimension("f", f), _dimension("N", N)
    values = tuple(sp.expand(s2**i * wishart_power_sum((i,), f_, n_)) for i in range(n + 1))
    return TraceMoments("gaussian", s2, f_, n_, values, True,
                        "exact: real Wishart moments by Gaussian integration by parts (Stein recursion)")


# -- any i.i.d. zero-mean coordinate law: index-pattern enumeration ---------------------------------------------------
def set_partitions(n: int) -> np.ndarray:
    """All set partitions of {0..n-1} as restricted growth strings, shape (Bell(n), n), in lexicographic order."""
    rows: list[tuple[int, ...]] = [()]
    for _ in range(n):
        rows = [(*r, b) for r in rows for b in range((max(r) + 2) if r else 1)]
    return np.array(rows, dtype=np.int64).reshape(len(rows), n)


def _relabel(labels: Sequence[int]) -> tuple[int, ...]:
    """The restricted growth string of a labelling (blocks renumbered by first appearance)."""
    seen: dict[int, int] = {}
    return tuple(seen.setdefault(v, len(seen)) for v in labels)


def _dihedral_classes(n: int) -> list[tuple[np.ndarray, int]]:
    """Example-index partitions up to the symmetries of the index cycle, each with its orbit size.

    Rotating every position (i_j, a_j) -> (i_{j+1}, a_{j+1}) and reflecting (i_j -> i_{n-1-j}, a_j -> a_{n-j})
    map the cycles of tr G^n onto themselves, so the sum over all coordinate patterns depends on the example
    pattern only through its orbit.
    """
    classes: dict[tuple[int, ...], int] = {}
    for row in set_partitions(n):
        labels = tuple(int(v) for v in row)
        images = {_relabel(labels[s:] + labels[:s]) for s in range(n)}
        reflected = tuple(reversed(labels))
        images |= {_relabel(reflected[s:] + reflected[:s]) for s in range(n)}
        canonical = min(images)
        if canonical == labels:
            classes[labels] = len(images)
    return [(np.array(c, dtype=np.int64), size) for c, size in classes.items()]


@cache
def pattern_counts(n: int) -> dict[tuple[int, int, tuple[int, ...]], int]:
    """For tr G^n: {(b_I, b_A, multiplicities): number of (example pattern, coordinate pattern) pairs}.

    ``multiplicities`` is the sorted tuple of how often each distinct entry x_{ia} occurs in the cycle's
    monomial prod_j x_{i_j a_j} x_{i_j a_{j+1}}. Patterns with an entry of multiplicity 1 are left out (their
    expectation is 0 for any zero-mean law); other odd multiplicities are kept (0 only for a symmetric law).
    """
    n = _order(n)
    if n == 0:
        return {(0, 0, ()): 1}
    coords = set_partitions(n)
    nxt = np.roll(np.arange(n), -1)
    base = n + 1
    # entry multiplicity L contributes base^(L-2) to a row's code (L = 1: the row is dropped, E x = 0)
    table = np.array([0, 0, *(base ** (length - 2) for length in range(2, 2 * n + 1))], dtype=np.int64)
    groups = [(b, coords[coords.max(axis=1) + 1 == b]) for b in range(1, n + 1)]
    out: dict[tuple[int, int, tuple[int, ...]], int] = {}
    for examples, size in _dihedral_classes(n):
        b_i = int(examples.max()) + 1
        for b_a, block in groups:
            for code, count in _row_codes(examples, block, nxt, table).items():
                key = (b_i, b_a, _decode(code, n, base))
                out[key] = out.get(key, 0) + count * size
    return out


def _row_codes(examples: np.ndarray, coords: np.ndarray, nxt: np.ndarray, table: np.ndarray) -> dict[int, int]:
    """{code of the multiplicities: number of coordinate patterns} for one example pattern (rows of ``coords``)."""
    n = examples.shape[0]
    keys = np.concatenate([examples * n + coords, examples * n + coords[:, nxt]], axis=1)
    keys.sort(axis=1)
    start = np.ones_like(keys, dtype=bool)
    start[:, 1:] = keys[:, 1:] != keys[:, :-1]
    run = np.cumsum(start, axis=1) - 1
    rows = np.repeat(np.arange(keys.shape[0]), 2 * n)
    lengths = np.bincount(rows * (2 * n) + run.reshape(-1), minlength=keys.shape[0] * 2 * n)
    lengths = lengths.reshape(keys.shape[0], 2 * n)
    alive = ~np.any(lengths == 1, axis=1)
    codes = table[lengths[alive]].sum(axis=1)
    values, counts = np.unique(codes, return_counts=True)
    return dict(zip(values.tolist(), counts.tolist(), strict=True))


def _decode(signature: int, n: int, base: int) -> tuple[int, ...]:
    counts = []
    for _ in range(2, 2 * n + 1):
        signature, c = divmod(signature, base)
        counts.append(c)
    # counts[i] = number of entries of multiplicity i + 2 (the digit of base^i)
    return tuple(sorted(length for i, c in enumerate(counts) for length in [i + 2] * c))


def _falling(x: sp.Expr, b: int) -> sp.Expr:
    return sp.Mul(*(x - j for j in range(b)))


def iid_trace_moments(law: CoordinateLaw | Callable[[int], sp.Expr], n: int, f: int | sp.Expr = F_SYM,
                      N: int | sp.Expr = N_SYM, *, name: str | None = None) -> TraceMoments:
    """m_i = E tr G^i, i <= n, exactly, for i.i.d. zero-mean coordinates with moments ``law(p)`` = E x^p.

    Each (example pattern, coordinate pattern) pair contributes N^(b_I) f^(b_A) prod_cells E x^{multiplicity}
    (:func:`pattern_counts`). Refused above :data:`EXACT_PATTERN_LIMIT` (the work grows as Bell(n)^2).
    """
    _order(n)
    if n > EXACT_PATTERN_LIMIT:
        raise BadInput(f"exact moments by pattern enumeration stop at order {EXACT_PATTERN_LIMIT} "
                       f"(k = {EXACT_PATTERN_LIMIT // 2}); order {n} would take days: use Monte Carlo")
    moment = law.moment if isinstance(law, CoordinateLaw) else law
    label = name or (law.name if isinstance(law, CoordinateLaw) else "iid")
    f_, n_ = _dimension("f", f), _dimension("N", N)
    if moment(1) != 0:
        raise BadInput(f"the pattern enumeration needs zero-mean coordinates; E x = {moment(1)}")
    values = []
    for i in range(n + 1):
        total = sp.Integer(0)
        for (b_i, b_a, mults), count in pattern_counts(i).items():
            weight = sp.Mul(*(moment(p) for p in mults))
            if weight != 0:
                total += count * _falling(N_SYM, b_i) * _falling(F_SYM, b_a) * weight
        values.append(sp.expand(total.subs({F_SYM: f_, N_SYM: n_}, simultaneous=True)) if i else f_)
    sigma2 = moment(2)
    return TraceMoments(label, sp.sympify(sigma2, strict=True), f_, n_, tuple(values), True,
                        "exact: index patterns of tr G^n (set partitions of example and coordinate indices, "
                        "falling-factorial counts, coordinate moments by integration)")


def trace_moments(law: CoordinateLaw, n: int, f: int | sp.Expr = F_SYM, N: int | sp.Expr = N_SYM) -> TraceMoments:
    """The exact trace moments: the Wishart closed form for a Gaussian law, the pattern sum otherwise."""
    if law.name == "gaussian":
        return gaussian_trace_moments(n, f, N, law.sigma2)
    return iid_trace_moments(law, n, f, N)


def moments_by_expansion(law: CoordinateLaw | Callable[[int], sp.Expr], n: int, f: int, N: int) -> tuple[sp.Expr, ...]:
    """m_0..m_n by brute force at small f, N: every entry a symbol, tr G^i expanded, each monomial's expectation
    the product of its entries' moments. An independent check of both derivations (tiny sizes only)."""
    moment = law.moment if isinstance(law, CoordinateLaw) else law
    X = sp.Matrix(N, f, lambda i, a: sp.Symbol(f"x_{i}_{a}"))
    entries = list(X)
    R = sp.QQ[tuple(entries)]  # G^i over QQ[x]: sparse canonical polynomials, products exact and expanded
    G = DomainMatrix.from_Matrix(X.T * X).convert_to(R)
    out: list[sp.Expr] = [sp.Integer(f)]
    power = DomainMatrix.eye(f, R)
    for _ in range(n):
        power = power * G
        rows = power.to_list()
        trace = sum((rows[a][a] for a in range(f)), R.zero)
        out.append(sp.expand(sum(R.domain.to_sympy(c) * sp.Mul(*(moment(p) for p in exps if p))
                                 for exps, c in trace.terms())))
    return tuple(out)


# -- the loss -------------------------------------------------------------------------------------------------------
def expected_loss(alphas: Sequence[Exact], moments: TraceMoments, weight_var: Exact = 1) -> sp.Expr:
    """L = 1/2 s_w^2 sigma^2 sum_i c_i(alpha) m_i, a polynomial in the step sizes (module docstring)."""
    coeffs = loss_coefficients(alphas)
    if len(coeffs) > len(moments.values):
        raise BadInput(f"{len(alphas)} steps need moments up to order {len(coeffs) - 1}, have {moments.order}")
    s_w2 = _positive("weight variance", weight_var)
    total = sum((c * m for c, m in zip(coeffs, moments.values, strict=False)), sp.Integer(0))
    return sp.expand(s_w2 * moments.sigma2 * total / 2)


def constant_step_loss(k: int, moments: TraceMoments, alpha: Exact | None = None, weight_var: Exact = 1) -> sp.Expr:
    """L(alpha) for k steps of one step size: 1/2 s_w^2 sigma^2 sum_i binom(2k, i) (-alpha)^i m_i."""
    step = sp.Symbol("alpha", real=True) if alpha is None else alpha
    return expected_loss([step] * _steps(k), moments, weight_var)


def quadratic_form(k: int, moments: TraceMoments) -> tuple[sp.Matrix, sp.Matrix]:
    """(H, b) with H_{jl} = m_{j+l}, b_j = m_j (j, l = 1..k): with r(lambda) = 1 - sum_j a_j lambda^j,
    E tr r(G)^2 = m_0 - 2 b^T a + a^T H a."""
    _steps(k)
    if 2 * k > moments.order:
        raise BadInput(f"{k} steps need moments up to order {2 * k}, have {moments.order}")
    m = moments.values
    H = sp.Matrix(k, k, lambda j, l: m[j + l + 2])
    b = sp.Matrix(k, 1, lambda j, _: m[j + 1])
    return H, b


def elementary_coefficients(alphas: Sequence[Exact]) -> tuple[sp.Expr, ...]:
    """a_1..a_k with prod_j (1 - alpha_j lambda) = 1 - sum_j a_j lambda^j (a_j = (-1)^{j+1} e_j(alpha))."""
    r = residual_polynomial(alphas)
    return tuple(sp.expand(-r.coeff_monomial(LAMBDA**j)) for j in range(1, len(alphas) + 1))


def loss_by_expansion(alphas: Sequence[Exact], law: CoordinateLaw | Callable[[int], sp.Expr], f: int, N: int,
                      weight_var: Exact = 1) -> sp.Expr:
    """The expected loss at tiny f, N straight from the error w^T r(G) x_q: every entry of X, x_q and w a symbol,
    e^2 expanded, each monomial's expectation the product of its entries' moments (x: ``law``; w: N(0, s_w^2)).
    Checks the reduction to trace moments independently (it never forms tr G^i)."""
    moment = law.moment if isinstance(law, CoordinateLaw) else law
    s_w2 = _positive("weight variance", weight_var)
    X = sp.Matrix(N, f, lambda i, a: sp.Symbol(f"x_{i}_{a}"))
    q = sp.Matrix(f, 1, lambda a, _: sp.Symbol(f"q_{a}"))
    w = sp.Matrix(f, 1, lambda a, _: sp.Symbol(f"w_{a}"))
    G = X.T * X
    r = sp.eye(f)
    for alpha in alphas:
        r = (r * (sp.eye(f) - _exact("step size alpha", alpha) * G)).applyfunc(sp.expand)
    error = (w.T * r * q)[0, 0]
    data, weights = [*X, *q], list(w)
    total = sp.Integer(0)
    for powers, coeff in (sp.Poly(error, *data, *weights) ** 2).terms():
        xs, ws = powers[: len(data)], powers[len(data):]
        if any(p % 2 for p in ws):
            continue
        w_part = sp.Mul(*(s_w2 ** (p // 2) * math.prod(range(p - 1, 0, -2)) for p in ws))
        total += coeff * w_part * sp.Mul(*(moment(p) for p in xs if p))
    return sp.expand(total / 2)


def general_moment_table(max_power: int) -> Callable[[int], sp.Expr]:
    """E x^p as symbols mu_p for even p >= 4, sigma^2 for p = 2, 0 for odd p (a zero-mean symmetric law)."""
    symbols = {p: sp.Symbol(f"mu_{p}", positive=True) for p in range(4, max_power + 1, 2)}

    def moment(p: int) -> sp.Expr:
        if p == 0:
            return sp.Integer(1)
        if p % 2:
            return sp.Integer(0)
        return SIGMA2 if p == 2 else symbols[p]

    return moment


def gaussian_moment_table(sigma2: Exact = SIGMA2) -> Callable[[int], sp.Expr]:
    """E x^p for x ~ N(0, sigma^2): (p - 1)!! sigma^p for even p, 0 for odd p."""
    s2 = _positive("variance sigma^2", sigma2)

    def moment(p: int) -> sp.Expr:
        return sp.Integer(0) if p % 2 else math.prod(range(p - 1, 0, -2)) * s2 ** (p // 2)

    return moment


__all__ = [
    "EXACT_PATTERN_LIMIT", "LAMBDA", "SIGMA2", "S_W2", "CoordinateLaw", "TraceMoments", "constant_step_loss",
    "coordinate_law", "elementary_coefficients", "expected_loss", "gaussian_moment_table", "gaussian_trace_moments",
    "general_moment_table", "iid_trace_moments", "loss_by_expansion", "loss_coefficients", "moments_by_expansion",
    "pattern_counts", "quadratic_form", "residual_polynomial", "set_partitions", "step_symbols",
    "trace_moments", "wishart_power_sum",
]


# -- the statement and its hypotheses, printed from what the derivation uses ------------------------------------------
class Trace(sp.Function):
    """``tr(expr)``, unevaluated (printed only)."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        text = rf"\operatorname{{tr}}\left({printer._print(self.args[0])}\right)"
        return text if exp is None else rf"{text}^{{{exp}}}"


class OrderedProduct(sp.Function):
    """``prod_{j=lo}^{hi} factor`` of matrices (printed only): the residual product of k GD steps."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        factor, index, lo, hi = (printer._print(a) for a in self.args)
        text = rf"\prod_{{{index}={lo}}}^{{{hi}}} \left({factor}\right)"
        return text if exp is None else rf"\left({text}\right)^{{{exp}}}"


class Uniform(sp.Function):
    """The uniform law ``U(lower, upper)`` (printed only)."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        return rf"U\left({', '.join(printer._print(arg) for arg in self.args)}\right)"


class Minimum(sp.Function):
    """``min_{variables} expr`` (printed only)."""

    def _latex(self, printer: Any, exp: Any = None) -> str:
        expr, *variables = (printer._print(a) for a in self.args)
        return rf"\min_{{{', '.join(variables)}}} {expr}"


K_SYM = sp.Symbol("k", integer=True, nonnegative=True)
_J, _I, _L = sp.symbols("j i l", integer=True, nonnegative=True)
_ALPHA_J = sp.IndexedBase(r"\alpha")[_J]
_G = sp.MatrixSymbol("G", F_SYM, F_SYM)
_QUERY = sp.MatrixSymbol("x_q", F_SYM, 1)
_WEIGHT = sp.MatrixSymbol("w", F_SYM, 1)


def _moment_expr(power: sp.Expr) -> sp.Expr:
    from gdssm.symbolic.stepsize import Expectation

    return Expectation(Trace(_G**power))


def k_step_statement(law: CoordinateLaw | None = None) -> str:
    """The derived statement in LaTeX (SymPy's printer): the loss as a moment polynomial, the per-step optimum's
    minimum, and the Gaussian moments E tr G^2, E tr G^3 closed forms in f, N, sigma (derived by the recursion)."""
    from gdssm.symbolic.stepsize import SIGMA, Distributed, Expectation, Normal

    sigma2 = SIGMA**2
    loss = sp.Function("L")(sp.IndexedBase(r"\alpha")[0], sp.Symbol(r"\ldots"), sp.IndexedBase(r"\alpha")[K_SYM - 1])
    residual = OrderedProduct(sp.Identity(F_SYM) - _ALPHA_J * _G, _J, 0, K_SYM - 1)
    c_i = sp.IndexedBase("c")[_I]
    first = [loss, S_W2 * sigma2 / 2 * Expectation(Trace(residual**2)),
             S_W2 * sigma2 / 2 * sp.Sum(c_i * _moment_expr(_I), (_I, 0, 2 * K_SYM))]
    H, b = sp.MatrixSymbol("H", K_SYM, K_SYM), sp.MatrixSymbol("b", K_SYM, 1)
    quadratic = sp.Symbol(str(sp.latex(b.T * H.I * b)))  # the 1 x 1 form b^T H^-1 b, printed by SymPy
    second = [Minimum(loss, sp.IndexedBase(r"\alpha")[_J]), S_W2 * sigma2 / 2 * (F_SYM - quadratic)]
    gauss = gaussian_trace_moments(3, F_SYM, N_SYM, sigma2)
    law = law if law is not None else CoordinateLaw.uniform()
    uniform = iid_trace_moments(law, 3)
    parts = [" = ".join(str(sp.latex(p)) for p in first), " = ".join(str(sp.latex(p)) for p in second)]
    entry = sp.IndexedBase("x")[_I, sp.Symbol("a")]
    gaussian_law = sp.latex(Distributed(entry, Normal(sp.Integer(0), sigma2)))
    uniform_law = sp.latex(Distributed(entry, Uniform(law.lower, law.upper)))
    parts += [rf"{sp.latex(_moment_expr(n))} = {sp.latex(sp.factor(gauss.values[n]))}\ ({gaussian_law})"
              for n in (2, 3)]
    parts += [rf"{sp.latex(_moment_expr(3))} = {sp.latex(sp.factor(uniform.values[3]))}\ ({uniform_law})"]
    return r";\quad ".join(parts)


def k_step_hypotheses() -> tuple[Any, ...]:
    """The hypotheses the derivation uses, printed from SymPy relations (:class:`symbolic.stepsize.Assumption`)."""
    from gdssm.symbolic.stepsize import (
        SIGMA,
        Assumption,
        ConditionalExpectation,
        Distributed,
        Expectation,
        Normal,
        one_step_hypotheses,
    )

    A = sp.MatrixSymbol("A", 1, F_SYM)
    W_j, W_next, W_k = (sp.MatrixSymbol(name, 1, F_SYM) for name in ("W_j", "W_{j+1}", "W_k"))
    y_q = sp.MatrixSymbol("y_q", 1, 1)
    H_jl, b_j = sp.IndexedBase("H")[_J, _L], sp.IndexedBase("b")[_J]
    lam = LAMBDA
    c_i = sp.IndexedBase("c")[_I]
    x0, xN = sp.MatrixSymbol("x_1", F_SYM, 1), sp.MatrixSymbol("x_N", F_SYM, 1)
    own = (
        Assumption("k GD steps from W_0 = 0", sp.Eq(W_next, W_j - _ALPHA_J * (W_j * _G - A), evaluate=False)),
        Assumption("noise-free labels", sp.Eq(A, _WEIGHT.T * _G, evaluate=False)),
        Assumption("expected query loss", sp.Eq(sp.Function("L")(sp.IndexedBase(r"\alpha")[0], sp.Symbol(r"\ldots"),
                                                                  sp.IndexedBase(r"\alpha")[K_SYM - 1]),
                                                Expectation((W_k * _QUERY - y_q) ** 2) / 2, evaluate=False)),
        Assumption("residual coefficients", sp.Eq(sp.Sum(c_i * lam**_I, (_I, 0, 2 * K_SYM)),
                                                  sp.Product(1 - _ALPHA_J * lam, (_J, 0, K_SYM - 1)) ** 2,
                                                  evaluate=False)),
        Assumption("query independent of the examples, isotropic",
                   sp.Eq(ConditionalExpectation(_QUERY * _QUERY.T, x0, xN), SIGMA**2 * sp.Identity(F_SYM),
                         evaluate=False)),
        Assumption("Hankel moments", sp.Eq(H_jl, _moment_expr(_J + _L), evaluate=False)),
        Assumption("moment vector", sp.Eq(b_j, _moment_expr(_J), evaluate=False)),
        Assumption("Gaussian coordinates (closed form)",
                   Distributed(sp.IndexedBase("x")[_I, sp.Symbol("a")], Normal(sp.Integer(0), SIGMA**2))),
        Assumption("uniform coordinates (pattern sums)",
                   Distributed(sp.IndexedBase("x")[_I, sp.Symbol("a")], Uniform(-sp.Symbol("a_U"), sp.Symbol("a_U")))),
    )
    inherited = tuple(h for h in one_step_hypotheses(weight_var=S_W2) if h.label in (
        "Gram matrix", "the query is x_0", "entries", "i.i.d. examples and query, independent coordinates",
        "zero mean", "teacher", "teacher independent of the inputs"))
    return (*own, *inherited)
