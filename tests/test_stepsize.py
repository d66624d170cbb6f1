"""Tests for symbolic.stepsize: the derived optimal one-step step size (DESIGN §1.4, paper-facts §3.3)."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
import sympy as sp
from sympy import stats

from gdssm.core.errors import BadInput
from gdssm.symbolic.stepsize import (
    ALPHA,
    F_SYM,
    N_SYM,
    SIGMA,
    InputLaw,
    anisotropic_one_step_loss,
    anisotropic_optimal_alpha,
    anisotropic_trace_ratio,
    covariance,
    expected_gram,
    expected_gram_squared,
    expected_one_step_loss,
    expected_trace_gram,
    expected_trace_gram_squared,
    general_law,
    input_law,
    isotropic_trace_ratio,
    law_names,
    one_step_hypotheses,
    one_step_loss_by_expansion,
    one_step_statement,
    optimal_alpha,
    optimal_eta,
    optimal_loss,
    optimal_step_summary,
    zero_predictor_loss,
)

S = sp.Symbol("s", positive=True)
A_HALF = sp.Symbol("a", positive=True)
SIGMA2, MU4 = sp.symbols("sigma2 mu4", positive=True)


def test_paper_example_uniform_f10_n10_is_exact() -> None:
    law = InputLaw.uniform()
    assert optimal_alpha(law, 10, 10) == sp.Rational(20, 33)
    assert optimal_eta(law, 10, 10) == sp.Rational(200, 33)
    assert optimal_loss(law, 10, 10) == sp.Rational(245, 1188)
    assert abs(float(optimal_loss(law, 10, 10)) - 0.2062) < 5e-5
    assert zero_predictor_loss(law, 10) == sp.Rational(5, 12)
    assert isinstance(optimal_alpha(law, 10, 10), sp.Rational)


def test_gaussian_closed_form_for_symbolic_f_and_n() -> None:
    law = InputLaw.gaussian(S)
    alpha = optimal_alpha(law, F_SYM, N_SYM)
    assert sp.simplify(alpha - 1 / (S**2 * (N_SYM + F_SYM + 1))) == 0
    expected = S**2 * F_SYM / 2 * (1 - N_SYM / (N_SYM + F_SYM + 1))
    assert sp.simplify(optimal_loss(law, F_SYM, N_SYM) - expected) == 0


def test_uniform_closed_form_for_symbolic_half_width() -> None:
    law = InputLaw.uniform(A_HALF)
    alpha = optimal_alpha(law, F_SYM, N_SYM)
    sigma2 = A_HALF**2 / 3
    assert sp.simplify(alpha - 1 / (sigma2 * (N_SYM + F_SYM - sp.Rational(1, 5)))) == 0


def test_general_law_matches_ratio_of_traces_and_loss_formula() -> None:
    law = InputLaw.from_moments(SIGMA2, MU4)
    trace_g = N_SYM * F_SYM * SIGMA2
    trace_g2 = N_SYM * F_SYM * MU4 + N_SYM * F_SYM * (F_SYM - 1) * SIGMA2**2 + N_SYM * (N_SYM - 1) * F_SYM * SIGMA2**2
    assert sp.simplify(expected_trace_gram(law) - trace_g) == 0
    assert sp.simplify(expected_trace_gram_squared(law) - trace_g2) == 0
    assert sp.simplify(optimal_alpha(law, F_SYM, N_SYM) - trace_g / trace_g2) == 0
    loss_star = SIGMA2 / 2 * (F_SYM - trace_g**2 / trace_g2)
    assert sp.simplify(optimal_loss(law, F_SYM, N_SYM) - loss_star) == 0


def test_moments_are_derived_and_agree_with_sympy_stats() -> None:
    uniform, gaussian = InputLaw.uniform(A_HALF), InputLaw.gaussian(S)
    assert (uniform.sigma2, uniform.mu4) == (A_HALF**2 / 3, A_HALF**4 / 5)
    assert (gaussian.sigma2, gaussian.mu4) == (S**2, 3 * S**4)
    u, g = stats.Uniform("u", -A_HALF, A_HALF), stats.Normal("g", 0, S)
    assert sp.simplify(stats.E(u**4) - uniform.mu4) == 0
    assert sp.simplify(stats.E(g**4) - gaussian.mu4) == 0
    assert InputLaw.uniform(1) == InputLaw("uniform", sp.Rational(1, 3), sp.Rational(1, 5))
    assert InputLaw.uniform(0.5) == InputLaw.uniform()


def _brute_force_trace_gram_squared(law: InputLaw, f: int, N: int) -> sp.Expr:
    """E tr G^2 at concrete (f, N): expand tr(G^2) over entry symbols and take each monomial's moments."""
    x = sp.Matrix(N, f, lambda i, a: sp.Symbol(f"x_{i}_{a}"))
    gram = x.T * x
    moments = {1: sp.Integer(0), 2: law.sigma2, 3: sp.Integer(0), 4: law.mu4}
    poly = sp.Poly(sp.expand((gram * gram).trace()), *x)
    return sp.Add(*(coeff * sp.Mul(*(moments[p] for p in powers if p)) for powers, coeff in poly.terms()))


@pytest.mark.parametrize(("f", "N"), [(1, 1), (2, 3), (3, 2)])
def test_trace_derivation_agrees_with_brute_force_expansion(f: int, N: int) -> None:
    law = InputLaw.from_moments(SIGMA2, MU4)
    brute = _brute_force_trace_gram_squared(law, f, N)
    assert sp.expand(expected_trace_gram_squared(law, f, N) - brute) == 0
    assert expected_trace_gram(law, f, N) == N * f * SIGMA2


def test_alpha_star_minimises_the_expected_loss() -> None:
    law = InputLaw.uniform()
    alpha_star, loss_star = optimal_alpha(law, 10, 10), optimal_loss(law, 10, 10)
    assert expected_one_step_loss(alpha_star, law, 10, 10) == loss_star
    delta = sp.Rational(1, 100)
    for alpha in (alpha_star - delta, alpha_star + delta, 0):
        assert expected_one_step_loss(alpha, law, 10, 10) > loss_star
    assert expected_one_step_loss(0, law, 10, 10) == zero_predictor_loss(law, 10)
    loss_curve = expected_one_step_loss(ALPHA, law, 10, 10)
    assert sp.solve(sp.diff(loss_curve, ALPHA), ALPHA) == [alpha_star]


def test_weight_variance_scales_loss_but_not_alpha() -> None:
    law = InputLaw.uniform()
    assert optimal_loss(law, 10, 10, weight_var=4) == 4 * optimal_loss(law, 10, 10)
    assert zero_predictor_loss(law, 10, weight_var=sp.Rational(1, 2)) == sp.Rational(5, 24)


def test_wrong_law_gives_a_different_alpha() -> None:
    uniform = InputLaw.uniform()
    wrong = InputLaw.from_moments(uniform.sigma2, 3 * uniform.sigma2**2)
    assert optimal_alpha(wrong, 10, 10) == sp.Rational(4, 7)
    assert optimal_alpha(wrong, 10, 10) != sp.Rational(20, 33)
    assert optimal_loss(wrong, 10, 10) != optimal_loss(uniform, 10, 10)


def test_summary_has_exact_closed_form_and_float_strings() -> None:
    summary = optimal_step_summary(InputLaw.uniform(), 10, 10)
    assert summary["alpha_star"] == "20/33"
    assert summary["eta_star"] == "200/33"
    assert summary["loss_star"] == "245/1188"
    assert summary["zero_predictor_loss"] == "5/12"
    assert summary["alpha_star_float"] == "0.606061"
    assert summary["loss_star_float"] == "0.206229"
    assert summary["alpha_star_closed_form"] == "60/(5*N + 5*f - 1)"
    closed = sp.sympify(summary["alpha_star_closed_form"], locals={"N": N_SYM, "f": F_SYM})
    assert closed.subs({N_SYM: 10, F_SYM: 10}) == sp.Rational(20, 33)
    assert all(isinstance(value, str) for value in summary.values())


def test_summary_with_symbolic_law_renders_floats() -> None:
    summary = optimal_step_summary(InputLaw.gaussian(S), 10, 10)
    assert summary["alpha_star"] == "1/(21*s**2)"
    assert "s" in summary["alpha_star_float"]


def test_input_law_by_name() -> None:
    assert set(law_names()) == {"gaussian", "uniform"}
    assert input_law("uniform") == InputLaw.uniform()
    assert input_law("gaussian", 2) == InputLaw.gaussian(2)
    assert input_law("gaussian", 2).sigma2 == 4


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimal_alpha(InputLaw.uniform(), 0, 10),
        lambda: optimal_alpha(InputLaw.uniform(), 10, 0),
        lambda: optimal_alpha(InputLaw.uniform(), True, 10),
        lambda: optimal_alpha(InputLaw.uniform(), sp.Rational(3, 2), 10),
        lambda: optimal_alpha(InputLaw.uniform(), sp.Symbol("g"), 10),
        lambda: InputLaw.from_moments(-1, 3),
        lambda: InputLaw.from_moments(0, 3),
        lambda: InputLaw.from_moments(1, sp.Rational(1, 2)),
        lambda: InputLaw.from_moments("1", 3),
        lambda: InputLaw.from_moments(float("nan"), 3),
        lambda: InputLaw.gaussian(0),
        lambda: InputLaw.gaussian(sp.Symbol("t")),
        lambda: InputLaw.uniform(-1),
        lambda: input_law("laplace"),
        lambda: optimal_loss(InputLaw.uniform(), 10, 10, weight_var=0),
        lambda: expected_one_step_loss(sp.I, InputLaw.uniform(), 10, 10),
    ],
)
def test_bad_inputs_raise_user_error(make: Callable[[], object]) -> None:
    with pytest.raises(BadInput):
        make()


def test_rademacher_edge_case_mu4_equals_sigma4_is_accepted() -> None:
    law = InputLaw.from_moments(1, 1)
    assert optimal_alpha(law, 1, 1) == 1
    assert optimal_loss(law, 1, 1) == 0


@pytest.mark.parametrize(("f", "N"), list(itertools.product((1, 3), (1, 4))))
def test_gaussian_concrete_matches_closed_form(f: int, N: int) -> None:
    assert optimal_alpha(InputLaw.gaussian(2), f, N) == sp.Rational(1, 4 * (N + f + 1))


# -- the general law, the statement and its hypotheses -----------------------------------------------
MU_4 = general_law().mu4  # the module's symbolic fourth moment (MU4 above is this file's own symbol)


def test_general_closed_form_and_gaussian_for_symbolic_sigma() -> None:
    law = general_law()
    alpha = optimal_alpha(law, F_SYM, N_SYM)
    assert sp.simplify(alpha - SIGMA**2 / (MU_4 + (N_SYM + F_SYM - 2) * SIGMA**4)) == 0
    gaussian = optimal_alpha(InputLaw.gaussian(SIGMA), F_SYM, N_SYM)
    assert sp.simplify(gaussian - 1 / (SIGMA**2 * (N_SYM + F_SYM + 1))) == 0
    assert sp.simplify(alpha.subs(MU_4, 3 * SIGMA**4) - gaussian) == 0


def test_statement_is_the_derived_closed_form() -> None:
    statement = one_step_statement()
    assert statement.startswith(r"\alpha^{*} = \frac{\mathbb{E}\left[\operatorname{tr}\left(G \right)\right]}")
    assert statement.endswith(sp.latex(SIGMA**2 / (MU_4 + SIGMA**4 * (N_SYM + F_SYM - 2))))
    gaussian = one_step_statement(InputLaw.gaussian(S))  # another law, another derived right side
    assert gaussian != statement and "N + f + 1" in gaussian


def test_hypotheses_are_printed_from_the_moment_table() -> None:
    labels = {h.label: h.latex for h in one_step_hypotheses()}
    assert labels["zero mean"] == r"\mathbb{E}\left[{x}_{i,a}\right] = 0"
    assert labels["equal variance"] == r"\mathbb{E}\left[{x}_{i,a}^{2}\right] = \sigma^{2}"
    assert labels["equal fourth moment"] == r"\mathbb{E}\left[{x}_{i,a}^{4}\right] = \mu_{4}"
    assert r"\prod_{\substack{0 \leq i \leq N" in labels["i.i.d. examples and query, independent coordinates"]
    assert labels["teacher"] == r"w \sim \mathcal{N}\left(0, \mathbb{I}\right)"
    assert labels["the query is x_0"] == "x_{0} = x_{q}"
    uniform = {h.label: h.latex for h in one_step_hypotheses(InputLaw.uniform())}
    assert uniform["equal variance"].endswith(r"\frac{1}{12}") and uniform["equal fourth moment"].endswith(
        r"\frac{1}{80}")
    assert all(r"\text" not in h.latex for h in one_step_hypotheses())


def test_registry_prints_the_generated_statement_and_hypotheses() -> None:
    from gdssm.proofs.claims import claim

    c = claim("eta.optimal")
    assert c.statement == one_step_statement()
    assert c.hypotheses == tuple(h.latex for h in one_step_hypotheses())
    ok, detail = c.scalar_check()  # type: ignore[misc]
    assert ok, detail
    assert "204/137" in detail


def test_eta_claim_refuses_a_wrong_optimum() -> None:
    """A solver that drops the fourth-moment correction (alpha* = E tr G / (E tr G)^2 N) or is off by a factor is
    refused by the exact identities (sp.cancel of the difference is not 0)."""
    from gdssm.proofs.claims import _eta_check

    def halved(law: InputLaw, f: object, N: object) -> sp.Expr:
        return optimal_alpha(law, f, N) / 2

    ok, detail = _eta_check(halved)
    assert not ok and "E tr G / E tr G^2" in detail and "dL/dalpha(alpha*) = 0" in detail

    def no_fourth_moment(law: InputLaw, f: object, N: object) -> sp.Expr:
        return optimal_alpha(InputLaw.from_moments(law.sigma2, law.sigma2**2), f, N)  # mu_4 read as sigma^4

    ok, detail = _eta_check(no_fourth_moment)
    assert not ok and "mu_4 + (N + f - 2)" in detail


@pytest.mark.parametrize(("f", "N"), [(1, 1), (2, 2), (3, 1)])
def test_loss_by_expansion_agrees_with_the_pattern_sums(f: int, N: int) -> None:
    law = InputLaw.from_moments(SIGMA2, MU4)
    assert sp.expand(one_step_loss_by_expansion(ALPHA, [law] * f, N) - expected_one_step_loss(ALPHA, law, f, N)) == 0


# -- unequal variances -------------------------------------------------------------------------------
MIXED = [InputLaw.uniform(sp.Rational(1, 2)), InputLaw.uniform(1)]  # U(-1/2, 1/2) x U(-1, 1)


def test_unequal_variances_give_204_over_137_not_the_isotropic_300_over_193() -> None:
    """The hypotheses matter: with coordinates U(-1/2, 1/2) and U(-1, 1) (f = 2, N = 1) the optimum is
    tr(Sigma E G) / tr(Sigma E G^2) = 204/137; E tr G / E tr G^2 would give 300/193."""
    assert anisotropic_optimal_alpha(MIXED, 1) == sp.Rational(204, 137)
    assert anisotropic_trace_ratio(MIXED, 1) == sp.Rational(204, 137)
    assert isotropic_trace_ratio(MIXED, 1) == sp.Rational(300, 193)
    brute = one_step_loss_by_expansion(ALPHA, MIXED, 1)
    (root,) = sp.solve(sp.diff(brute, ALPHA), ALPHA)
    assert root == sp.Rational(204, 137)
    assert brute.subs(ALPHA, root) < brute.subs(ALPHA, sp.Rational(300, 193))
    assert sp.simplify(anisotropic_optimal_alpha(MIXED) - 204 / (65 * N_SYM + 72)) == 0


@pytest.mark.parametrize("N", [1, 2, 3])
def test_anisotropic_loss_agrees_with_brute_force(N: int) -> None:
    assert sp.expand(anisotropic_one_step_loss(ALPHA, MIXED, N) - one_step_loss_by_expansion(ALPHA, MIXED, N)) == 0


@pytest.mark.parametrize("f", [1, 2, 3])
def test_anisotropic_loss_is_the_trace_formula_for_symbolic_moments(f: int) -> None:
    laws = [InputLaw.from_moments(sp.Symbol(f"s_{a}", positive=True), sp.Symbol(f"m_{a}", positive=True))
            for a in range(f)]
    sigma, eg, eg2 = covariance(laws), expected_gram(laws), expected_gram_squared(laws)
    assert sigma == sp.diag(*(law.sigma2 for law in laws))
    assert sp.expand(eg - N_SYM * sigma) == sp.zeros(f, f)
    formula = ((sigma - 2 * ALPHA * sigma * eg + ALPHA**2 * sigma * eg2).trace()) / 2
    assert sp.expand(anisotropic_one_step_loss(ALPHA, laws) - formula) == 0
    ratio = (sigma * eg).trace() / (sigma * eg2).trace()
    assert sp.simplify(anisotropic_optimal_alpha(laws) - ratio) == 0


def test_equal_laws_reduce_to_the_isotropic_derivation() -> None:
    law = general_law()
    assert sp.simplify(anisotropic_optimal_alpha([law] * 3) - optimal_alpha(law, 3, N_SYM)) == 0
    assert sp.expand(anisotropic_one_step_loss(ALPHA, [law] * 2, N_SYM) - expected_one_step_loss(ALPHA, law, 2, N_SYM)
                     ) == 0
    assert sp.simplify(isotropic_trace_ratio([law] * 3) - anisotropic_trace_ratio([law] * 3)) == 0


def test_anisotropic_bad_inputs() -> None:
    with pytest.raises(BadInput):
        anisotropic_optimal_alpha([])
    with pytest.raises(BadInput):
        anisotropic_one_step_loss(ALPHA, MIXED, 0)
    with pytest.raises(BadInput):
        covariance([1, 2])  # type: ignore[list-item]
