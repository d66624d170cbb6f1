"""The expected loss of k GD steps: trace moments (Gaussian closed form, i.i.d. index patterns) and the loss
polynomial, against brute-force expansion and the one-step derivation of symbolic.stepsize."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic import kstep_loss as kl
from gdssm.symbolic import stepsize as st

F, N = st.F_SYM, st.N_SYM
S2 = kl.SIGMA2


def test_wishart_moments_closed_forms() -> None:
    m = kl.gaussian_trace_moments(3)
    assert m.values[0] == F
    assert sp.expand(m.values[1] - N * F * S2) == 0
    assert sp.expand(m.values[2] - N * F * (N + F + 1) * S2**2) == 0
    assert sp.expand(m.values[3] - N * F * (N**2 + F**2 + 3 * N * F + 3 * N + 3 * F + 4) * S2**3) == 0
    assert sp.expand(kl.wishart_power_sum((1, 1)) - (N**2 * F**2 + 2 * N * F)) == 0  # tr G ~ chi^2_{Nf}
    assert kl.wishart_power_sum((2, 1), 3, 4) == kl.wishart_power_sum((2, 1)).subs({F: 3, N: 4})


def test_stein_recursion_equals_the_index_patterns_with_gaussian_moments() -> None:
    stein = kl.gaussian_trace_moments(6)
    patterns = kl.iid_trace_moments(kl.gaussian_moment_table(), 6)
    assert all(sp.expand(a - b) == 0 for a, b in zip(stein.values, patterns.values, strict=True))


def test_both_derivations_equal_brute_force_expansion() -> None:
    general = kl.general_moment_table(8)
    assert kl.iid_trace_moments(general, 3, 2, 2).values == tuple(
        sp.expand(v) for v in kl.moments_by_expansion(general, 3, 2, 2))
    gauss = kl.gaussian_moment_table(S2)
    brute = kl.moments_by_expansion(gauss, 4, 2, 1)
    assert all(sp.expand(a - b) == 0 for a, b in zip(kl.gaussian_trace_moments(4, 2, 1).values, brute, strict=True))


def test_patterns_reproduce_the_one_step_moments() -> None:
    law = st.general_law()
    table = {0: sp.Integer(1), 1: sp.Integer(0), 2: st.SIGMA**2, 3: sp.Integer(0), 4: st.MU4}
    m = kl.iid_trace_moments(lambda p: table[p], 2)
    assert sp.expand(m.values[1] - st.expected_trace_gram(law)) == 0
    assert sp.expand(m.values[2] - st.expected_trace_gram_squared(law)) == 0


def test_uniform_law_moments_match_stepsize() -> None:
    for a in (sp.Rational(1, 2), sp.Integer(1), sp.Rational(3, 2)):
        coord, law = kl.CoordinateLaw.uniform(a), st.InputLaw.uniform(a)
        assert coord.sigma2 == law.sigma2 and coord.moment(4) == law.mu4
        assert coord.moment(6) == a**6 / 7 and coord.moment(5) == 0
    gauss = kl.CoordinateLaw.gaussian(2)
    assert gauss.moment(6) == 15 * 2**6 and gauss.input_law().mu4 == gauss.moment(4)
    u = kl.iid_trace_moments(kl.CoordinateLaw.uniform(), 2)
    assert sp.factor(u.values[2]) == sp.factor(N * F * (5 * N + 5 * F - 1) / 720)


def test_polynomial_densities_are_integrated_by_their_antiderivative() -> None:
    """On a bounded support with a polynomial density, E x^p = F(upper) - F(lower) equals SymPy's definite
    integral (symbolic half-width a, p <= 8); a shifted support changes every moment (the check can fail)."""
    a, x = sp.Symbol("a", positive=True), sp.Symbol("x", real=True)
    law = kl.CoordinateLaw.uniform(a)
    for p in range(9):
        assert sp.simplify(law.moment(p) - sp.integrate(x**p / (2 * a), (x, -a, a))) == 0
    shifted = dataclasses.replace(kl.CoordinateLaw.uniform(a), lower=sp.Integer(0), upper=2 * a)
    assert shifted.moment(1) == a and shifted.moment(2) != law.moment(2)


def test_one_step_loss_is_the_stepsize_loss() -> None:
    alpha = sp.Symbol("alpha", real=True)
    u = kl.CoordinateLaw.uniform()
    m = kl.trace_moments(u, 2, 10, 10)
    assert sp.expand(kl.constant_step_loss(1, m, alpha) - st.expected_one_step_loss(alpha, u.input_law(), 10, 10)) == 0


def test_loss_polynomial_equals_the_error_expanded_directly() -> None:
    """The reduction L = 1/2 s_w^2 sigma^2 sum_i c_i m_i against e = w^T r(G) x_q expanded, k = 2."""
    a0, a1 = kl.step_symbols(2)
    s_w2 = sp.Symbol("s", positive=True)
    general = kl.general_moment_table(8)
    m = kl.iid_trace_moments(general, 4, 2, 1)
    assert sp.expand(kl.expected_loss([a0, a1], m, s_w2) - kl.loss_by_expansion([a0, a1], general, 2, 1, s_w2)) == 0


def test_quadratic_form_and_elementary_coefficients() -> None:
    alphas = kl.step_symbols(3)
    m = kl.gaussian_trace_moments(6, 3, 4, sp.Rational(1, 2))
    H, b = kl.quadratic_form(3, m)
    a = sp.Matrix(kl.elementary_coefficients(alphas))
    scale = m.sigma2 / 2
    form = scale * (m.values[0] - 2 * (b.T * a)[0, 0] + (a.T * H * a)[0, 0])
    assert sp.expand(form - kl.expected_loss(alphas, m)) == 0
    assert kl.elementary_coefficients([2, 3]) == (5, -6)  # (1 - 2l)(1 - 3l) = 1 - 5l + 6l^2


def test_loss_is_symmetric_in_the_step_order() -> None:
    a0, a1, a2 = kl.step_symbols(3)
    m = kl.gaussian_trace_moments(6)
    assert sp.expand(kl.expected_loss([a0, a1, a2], m) - kl.expected_loss([a2, a0, a1], m)) == 0


def test_moments_at_concrete_sizes() -> None:
    m = kl.gaussian_trace_moments(2).at(10, 10)
    assert m.values == (10, 100 * S2, 2100 * S2**2)
    estimate = dataclasses.replace(m, exact=False)
    with pytest.raises(BadInput, match="estimated at"):
        estimate.at(3, 3)


def test_pattern_counts_total_the_number_of_index_cycles() -> None:
    """Summing N^(b_I) f^(b_A) over all pairs of patterns gives (N f)^n cycles (multiplicity-1 pairs included)."""
    n = 3
    parts = kl.set_partitions(n)
    assert len(parts) == 5
    from math import prod

    total = sum(prod(4 - j for j in range(int(p.max()) + 1)) * prod(5 - j for j in range(int(q.max()) + 1))
                for p in parts for q in parts)
    assert total == (4 * 5) ** n


@pytest.mark.parametrize("call", [
    lambda: kl.iid_trace_moments(kl.general_moment_table(4), kl.EXACT_PATTERN_LIMIT + 1),
    lambda: kl.iid_trace_moments(lambda p: sp.Integer(1), 2),
    lambda: kl.step_symbols(-1),
    lambda: kl.gaussian_trace_moments(2, 0, 3),
    lambda: kl.coordinate_law("laplace"),
    lambda: kl.expected_loss(kl.step_symbols(2), kl.gaussian_trace_moments(2)),
    lambda: kl.quadratic_form(3, kl.gaussian_trace_moments(4)),
])
def test_bad_inputs_are_refused(call) -> None:
    with pytest.raises(BadInput):
        call()


def test_statement_and_hypotheses_are_printed_from_the_derivation() -> None:
    text = kl.k_step_statement()
    assert r"\left(N^{2} + 3 N f + 3 N + f^{2} + 3 f + 4\right)" in text  # E tr G^3, Gaussian, derived
    labels = [h.label for h in kl.k_step_hypotheses()]
    assert "k GD steps from W_0 = 0" in labels and "teacher" in labels and len(labels) == len(set(labels))
    assert all(h.latex for h in kl.k_step_hypotheses())
