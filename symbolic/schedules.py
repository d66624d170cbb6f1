"""Optimal step schedules of k-step GD, derived from the expected-loss polynomial (DESIGN §1.4).

With the trace moments m_i = E tr G^i (:mod:`symbolic.kstep_loss`) the expected loss of k GD steps is
L = 1/2 s_w^2 sigma^2 E tr r(G)^2 with r(lambda) = prod_j (1 - alpha_j lambda).

* **Per-step schedule.** Write r(lambda) = 1 - sum_{j=1}^k a_j lambda^j. Then E tr r(G)^2 = m_0 - 2 b^T a + a^T H a
  with the Hankel matrix H_{jl} = m_{j+l} and b_j = m_j (j, l = 1..k): a convex quadratic in a, minimised by
  H a = b, with minimum m_0 - b^T H^{-1} b -- an exact rational number whenever the moments are. The optimal
  r is the degree-k orthogonal polynomial of the measure lambda dmu(lambda) (mu the expected spectral measure
  of G) normalised to r(0) = 1, so its k roots are real, simple and positive, and the step sizes are their
  reciprocals alpha_s = 1 / lambda_s: the roots of p(alpha) = alpha^k - sum_j a_j alpha^{k-j}. Because every
  r with r(0) = 1 and real roots is a GD schedule, this is the global optimum over all real step sizes; the
  order of the steps does not matter (the factors commute). The roots are exact algebraic numbers (SymPy's
  radicals up to degree 2, ``CRootOf`` otherwise) with rational isolating intervals refined to a stated width:
  that there are k of them certifies that all roots are real.
* **Constant step.** L(alpha) = 1/2 s_w^2 sigma^2 sum_i binom(2k, i) (-alpha)^i m_i is strictly convex (a mean of
  even powers of affine functions of alpha, G != 0), so dL/dalpha, of degree 2k - 1, has exactly one real
  root alpha*. It is isolated in a rational interval [lo, hi] with dL/dalpha(lo) < 0 < dL/dalpha(hi) (checked
  exactly), and the minimum loss is certified between max(L(lo) + L'(lo)(hi - lo), L(hi) - L'(hi)(hi - lo))
  and min(L(lo), L(hi)) (convexity), both exact rationals.
* **Weight decay** (rho_j = 1 - eta_j gamma) keeps r(0) = 1 and degree k: W_k = w^T (I - r~(G)) with
  r~(lambda) = 1 - lambda sum_j alpha_j prod_{i>j} (rho_i - alpha_i lambda), so it cannot beat the per-step
  optimum, which gamma = 0 already reaches.

For k = 1 both schedules are the one-step optimum of :mod:`symbolic.stepsize` (20/33 and 245/1188 at
f = N = 10, x ~ U(-1/2, 1/2)).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.kstep_loss import (
    TraceMoments,
    constant_step_loss,
    coordinate_law,
    quadratic_form,
    trace_moments,
)
from gdssm.symbolic.stepsize import Exact, _positive

ALPHA = sp.Symbol("alpha", real=True)
"""The step size variable of the constant schedule and of the step polynomial p(alpha)."""

DEFAULT_WIDTH = sp.Rational(1, 10**30)
"""Width of the rational isolating intervals of the step sizes (the stated error bound is half of it)."""


@dataclass(frozen=True)
class Root:
    """One real algebraic number: a root of ``polynomial`` (rational coefficients) isolated in [lower, upper]."""

    polynomial: sp.Poly
    lower: sp.Rational
    upper: sp.Rational
    exact: sp.Expr

    @property
    def midpoint(self) -> sp.Rational:
        """(lower + upper) / 2: within :attr:`error_bound` of the root."""
        return (self.lower + self.upper) / 2

    @property
    def error_bound(self) -> sp.Rational:
        """(upper - lower) / 2: the distance from :attr:`midpoint` to the root is at most this."""
        return (self.upper - self.lower) / 2

    def __float__(self) -> float:
        return float(self.midpoint)

    @property
    def text(self) -> str:
        """The exact form: radicals, a rational, or ``CRootOf(p(alpha), i)`` (the i-th real root of p, from 0)."""
        if isinstance(self.exact, sp.CRootOf):
            poly = self.exact.poly
            return f"CRootOf({poly.as_expr().subs(poly.gen, ALPHA)}, {self.exact.index})"
        return str(self.exact)

    def digits(self, n: int = 20) -> str:
        """The midpoint to n significant digits."""
        return str(sp.Float(self.midpoint, n))


@dataclass(frozen=True)
class Schedule:
    """An optimal schedule: step sizes, the minimum loss (exact or certified bounds) and how it was obtained."""

    kind: str  # "constant" or "per-step"
    k: int
    alphas: tuple[Root, ...]
    loss: sp.Expr | None  # exact minimum (rational), None when only bounds are known
    loss_bounds: tuple[sp.Rational, sp.Rational]
    moments: TraceMoments
    weight_var: sp.Expr
    detail: str

    @property
    def loss_float(self) -> float:
        """The minimum loss as a float (the exact value, else the middle of its bounds)."""
        if self.loss is not None:
            return float(self.loss)
        return float((self.loss_bounds[0] + self.loss_bounds[1]) / 2)

    @property
    def exact(self) -> bool:
        """Whether the moments, hence the schedule, are exact (not Monte Carlo estimates)."""
        return self.moments.exact

    @property
    def steps(self) -> tuple[Root, ...]:
        """The k step sizes in order: alpha* k times (constant), or alpha_0..alpha_{k-1} (per-step)."""
        return self.alphas * self.k if self.kind == "constant" else self.alphas

    @property
    def etas(self) -> tuple[sp.Rational, ...]:
        """eta_s = N alpha_s at the midpoints (rationals within N * error bound of the optimum), one per step."""
        return tuple(self.moments.N * a.midpoint for a in self.steps)

    def as_dict(self, digits: int = 20) -> dict[str, object]:
        """JSON-ready fields: exact step sizes, intervals, the loss and its bounds."""
        lo, hi = self.loss_bounds
        return {
            "kind": self.kind, "k": self.k, "law": self.moments.law, "f": str(self.moments.f), "N": str(self.moments.N),
            "sigma2": str(self.moments.sigma2), "weight_var": str(self.weight_var),
            "moments": "exact" if self.exact else "Monte Carlo estimate",
            "alphas": [a.text for a in self.alphas],
            "alphas_digits": [a.digits(digits) for a in self.alphas],
            "alpha_intervals": [[str(a.lower), str(a.upper)] for a in self.alphas],
            "alpha_error_bound": str(max((a.error_bound for a in self.alphas), default=sp.Integer(0))),
            "loss": None if self.loss is None else str(self.loss),
            "loss_bounds": [str(lo), str(hi)],
            "loss_digits": str(sp.Float(self.loss if self.loss is not None else (lo + hi) / 2, digits)),
            "detail": self.detail,
        }


def _rational_moments(moments: TraceMoments, k: int) -> tuple[sp.Rational, ...]:
    if 2 * k > moments.order:
        raise BadInput(f"k = {k} steps need moments up to order {2 * k}, have {moments.order}")
    head = moments.values[: 2 * k + 1]
    values = tuple(sp.Rational(str(v)) if isinstance(v, sp.Float) else sp.sympify(v, strict=True) for v in head)
    if not all(v.is_Rational for v in values) or not moments.sigma2.is_Rational:
        raise BadInput("optimal schedules need concrete rational moments: give f, N and a law with a rational "
                       f"variance (got sigma^2 = {moments.sigma2}, m = {values[:3]}...)")
    return values


def isolate_roots(poly: sp.Poly, width: sp.Rational = DEFAULT_WIDTH) -> list[Root]:
    """Every real root of ``poly`` (rational coefficients), ascending, each with an exact form and a rational
    isolating interval of width <= ``width`` (SymPy's real-root isolation, exact arithmetic)."""
    if poly.degree() < 1:
        return []
    intervals = poly.intervals(eps=width)
    if any(mult != 1 for _, mult in intervals):
        raise BadInput(f"the polynomial {poly.as_expr()} has a repeated real root")
    exact_roots: list[sp.Expr] = []
    for factor, _ in sp.factor_list(poly.as_expr(), ALPHA)[1]:
        exact_roots += sp.Poly(factor, ALPHA).real_roots()
    out = []
    for (lo, hi), _ in intervals:
        lo_, hi_ = sp.Rational(lo), sp.Rational(hi)
        inside = [r for r in exact_roots if lo_ <= r <= hi_]
        if len(inside) != 1:
            raise BadInput(f"could not match the root in [{lo_}, {hi_}] with an exact form")
        out.append(Root(poly, lo_, hi_, inside[0]))
    return out


def optimal_per_step(k: int, moments: TraceMoments, weight_var: Exact = 1,
                     width: sp.Rational = DEFAULT_WIDTH) -> Schedule:
    """The optimal alpha_0..alpha_{k-1} (module docstring): H a = b; alpha_s are the roots of alpha^k r(1/alpha)."""
    s_w2 = _positive("weight variance", weight_var)
    m = _rational_moments(moments, k)
    scale = s_w2 * moments.sigma2 / 2
    if k == 0:
        loss = scale * m[0]
        return Schedule("per-step", 0, (), loss, (loss, loss), moments, s_w2, "no steps: L = 1/2 s_w^2 sigma^2 f")
    exact_moments = TraceMoments(moments.law, moments.sigma2, moments.f, moments.N, m, moments.exact, moments.method,
                                 moments.stderr)
    H, b = quadratic_form(k, exact_moments)
    a = H.LUsolve(b)
    loss = sp.Rational(scale * (m[0] - (b.T * a)[0, 0]))
    p = sp.Poly(ALPHA**k - sum(a[j] * ALPHA ** (k - 1 - j) for j in range(k)), ALPHA)
    roots = isolate_roots(p, width)
    if len(roots) != k:
        raise BadInput(f"the optimal residual polynomial of degree {k} has only {len(roots)} real roots")
    if any(r.lower <= 0 for r in roots):
        raise BadInput("an optimal step size is not positive")
    detail = (f"H a = b with H_jl = m_(j+l), b_j = m_j (j, l = 1..{k}); alpha_s = roots of alpha^{k} - "
              f"sum_j a_j alpha^({k}-j), {k} real roots isolated in rational intervals of width <= {width}; "
              "L* = 1/2 s_w^2 sigma^2 (m_0 - b^T H^-1 b), exact")
    return Schedule("per-step", k, tuple(roots), loss, (loss, loss), moments, s_w2, detail)


def optimal_constant(k: int, moments: TraceMoments, weight_var: Exact = 1,
                     width: sp.Rational = DEFAULT_WIDTH) -> Schedule:
    """The optimal constant alpha* (module docstring): the one real root of dL/dalpha, certified bounds on L*."""
    s_w2 = _positive("weight variance", weight_var)
    m = _rational_moments(moments, k)
    exact_moments = TraceMoments(moments.law, moments.sigma2, moments.f, moments.N, m, moments.exact, moments.method,
                                 moments.stderr)
    loss = sp.Poly(constant_step_loss(k, exact_moments, ALPHA, s_w2), ALPHA)
    if k == 0:
        value = loss.as_expr()
        return Schedule("constant", 0, (), value, (value, value), moments, s_w2, "no steps")
    slope = loss.diff(ALPHA)
    roots = isolate_roots(slope, width)
    if len(roots) != 1:
        raise BadInput(f"dL/dalpha has {len(roots)} real roots; the loss is not strictly convex")
    (root,) = roots
    lo, hi = root.lower, root.upper
    exact: sp.Expr | None = None
    if root.exact.is_Rational:
        if slope.eval(root.exact) != 0:
            raise BadInput(f"the rational root {root.exact} does not solve dL/dalpha = 0")
        exact = loss.eval(root.exact)
        lower = upper = exact
    else:
        s_lo, s_hi = slope.eval(lo), slope.eval(hi)
        if not (s_lo < 0 < s_hi):
            raise BadInput(f"bracket [{lo}, {hi}] does not certify the minimiser (slopes {s_lo}, {s_hi})")
        l_lo, l_hi = loss.eval(lo), loss.eval(hi)
        lower = max(l_lo + s_lo * (hi - lo), l_hi - s_hi * (hi - lo))
        upper = min(l_lo, l_hi)
    detail = (f"alpha* = the unique real root of dL/dalpha (degree {2 * k - 1}), isolated in [lo, hi] of width <= "
              f"{width} with dL/dalpha(lo) < 0 < dL/dalpha(hi); L* certified in [max(L(lo) + L'(lo)(hi - lo), "
              "L(hi) - L'(hi)(hi - lo)), min(L(lo), L(hi))] by convexity")
    return Schedule("constant", k, (root,), exact, (lower, upper), moments, s_w2, detail)


def derived_schedules(law: str, f: int, N: int, k: int, *, parameter: Exact | None = None, weight_var: Exact = 1,
                      width: sp.Rational = DEFAULT_WIDTH) -> tuple[Schedule, Schedule]:
    """(constant, per-step) optima of k-step GD for the named law at f, N, from exact moments.

    Exact moments exist for the Gaussian law at every k and for the uniform law up to
    :data:`~symbolic.kstep_loss.EXACT_PATTERN_LIMIT` / 2 steps (see :func:`symbolic.kstep_loss.trace_moments`).
    """
    moments = trace_moments(coordinate_law(law, parameter), 2 * k, f, N)
    return optimal_constant(k, moments, weight_var, width), optimal_per_step(k, moments, weight_var, width)


__all__ = ["ALPHA", "DEFAULT_WIDTH", "Root", "Schedule", "derived_schedules", "isolate_roots", "optimal_constant",
           "optimal_per_step"]
