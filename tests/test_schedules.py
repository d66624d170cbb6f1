"""Optimal constant and per-step schedules of k-step GD, and the claim eta.optimal_k (wrong versions refused)."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.proofs import beyond_claims as bc
from gdssm.symbolic import kstep_loss as kl
from gdssm.symbolic import schedules as sc
from gdssm.symbolic import stepsize as st

UNIFORM = kl.CoordinateLaw.uniform()


@pytest.fixture(scope="module")
def uniform_moments() -> kl.TraceMoments:
    return kl.trace_moments(UNIFORM, 6, 10, 10)


def test_one_step_equals_the_derived_one_step_optimum(uniform_moments: kl.TraceMoments) -> None:
    constant, per_step = sc.optimal_constant(1, uniform_moments), sc.optimal_per_step(1, uniform_moments)
    for s in (constant, per_step):
        assert s.alphas[0].exact == sp.Rational(20, 33) == st.optimal_alpha(UNIFORM.input_law(), 10, 10)
        assert s.loss == sp.Rational(245, 1188)
    gauss = kl.gaussian_trace_moments(2, 10, 10, 1)
    assert sc.optimal_per_step(1, gauss).alphas[0].exact == sp.Rational(1, 21)  # 1 / (N + f + 1)


def test_two_steps_exactly(uniform_moments: kl.TraceMoments) -> None:
    per_step = sc.optimal_per_step(2, uniform_moments)
    assert per_step.loss == sp.Rational(17228165, 121952736)
    assert all(a.exact.has(sp.sqrt(410604968305)) for a in per_step.alphas)  # radicals for a quadratic
    assert [round(float(a), 6) for a in per_step.alphas] == [0.400192, 1.156821]
    constant = sc.optimal_constant(2, uniform_moments)
    (root,) = constant.alphas
    assert isinstance(root.exact, sp.CRootOf) and root.exact.poly.degree() == 3
    assert root.lower < root.exact < root.upper and root.error_bound <= sc.DEFAULT_WIDTH / 2
    lo, hi = constant.loss_bounds
    assert lo <= hi and hi - lo < sp.Rational(1, 10**25)
    assert abs(constant.loss_float - 0.1566151708) < 1e-9


def test_per_step_beats_constant_and_more_steps_help(uniform_moments: kl.TraceMoments) -> None:
    losses = [(sc.optimal_constant(k, uniform_moments).loss_float, sc.optimal_per_step(k, uniform_moments).loss_float)
              for k in range(4)]
    assert losses[0] == (5 / 12, 5 / 12)  # k = 0: 1/2 sigma^2 f
    for k in (2, 3):
        assert losses[k][1] < losses[k][0] < losses[k - 1][0]
    assert [round(c, 3) for c, _ in losses[1:]] == [0.206, 0.157, 0.133]  # the Monte Carlo anchors, to 1e-3


def test_the_per_step_optimum_is_stationary_and_global(uniform_moments: kl.TraceMoments) -> None:
    schedule = sc.optimal_per_step(3, uniform_moments)
    alphas = kl.step_symbols(3)
    loss = kl.expected_loss(alphas, uniform_moments)
    point = {a: r.midpoint for a, r in zip(alphas, schedule.alphas, strict=True)}
    assert all(abs(sp.diff(loss, a).subs(point)) < 1e-20 for a in alphas)
    for shift in ((1, 0, 0), (0, -1, 0), (0, 0, 1)):
        moved = {a: v + sp.Rational(s, 100) for (a, v), s in zip(point.items(), shift, strict=True)}
        assert loss.subs(moved) > schedule.loss


def test_weight_decay_cannot_beat_the_per_step_optimum(uniform_moments: kl.TraceMoments) -> None:
    """With decay rho_j the error factor is r~(lambda) = 1 - lambda sum_j alpha_j prod_{i>j} (rho_i - alpha_i lambda):
    still r~(0) = 1 and degree k, so the per-step optimum bounds it."""
    lam = kl.LAMBDA
    best = sc.optimal_per_step(2, uniform_moments).loss
    for alphas, rhos in (((sp.Rational(1, 3), 1), (sp.Rational(9, 10), sp.Rational(8, 10))),
                         ((sp.Rational(2, 5), sp.Rational(6, 5)), (1, sp.Rational(99, 100)))):
        r = 1 - lam * sum(alphas[j] * sp.Mul(*(rhos[i] - alphas[i] * lam for i in range(j + 1, 2))) for j in range(2))
        square = sp.Poly(sp.expand(r**2), lam)
        loss = uniform_moments.sigma2 / 2 * sum(square.coeff_monomial(lam**i) * uniform_moments.values[i]
                                                for i in range(5))
        assert loss >= best


def test_gaussian_scaling_and_table_values() -> None:
    one = kl.gaussian_trace_moments(4, 10, 10, 1)
    twelfth = kl.gaussian_trace_moments(4, 10, 10, sp.Rational(1, 12))
    a, b = sc.optimal_per_step(2, one), sc.optimal_per_step(2, twelfth)
    assert b.loss_bounds[0] == a.loss_bounds[0] / 12  # L scales as sigma^2
    assert all(abs(12 * float(x) - float(y)) < 1e-12 for x, y in zip(a.alphas, b.alphas, strict=True))  # ~ 1/sigma^2
    assert round(b.loss_float, 6) == 0.15306


def test_schedule_fields(uniform_moments: kl.TraceMoments) -> None:
    s = sc.optimal_per_step(2, uniform_moments)
    assert s.steps == s.alphas and len(s.etas) == 2 and s.etas[0] == 10 * s.alphas[0].midpoint
    constant = sc.optimal_constant(3, uniform_moments)
    assert len(constant.steps) == 3 and len(set(constant.steps)) == 1
    doc = constant.as_dict()
    alphas = doc["alphas"]
    assert doc["loss"] is None and isinstance(alphas, list)
    assert alphas[0].startswith("CRootOf(") and "alpha" in alphas[0]
    assert sc.optimal_per_step(2, uniform_moments).as_dict()["loss"] == "17228165/121952736"


def test_refusals() -> None:
    with pytest.raises(BadInput, match="concrete rational"):
        sc.optimal_per_step(1, kl.gaussian_trace_moments(2))
    with pytest.raises(BadInput, match="moments up to order"):
        sc.optimal_constant(3, kl.gaussian_trace_moments(4, 2, 2, 1))
    alpha = sc.ALPHA
    with pytest.raises(BadInput, match="repeated"):
        sc.isolate_roots(sp.Poly((alpha - 1) ** 2, alpha))


def test_derived_schedules_for_both_laws() -> None:
    constant, per_step = sc.derived_schedules("gaussian", 10, 10, 4)
    assert per_step.loss < constant.loss_bounds[0] and len(per_step.alphas) == 4
    assert all(r.lower > 0 for r in per_step.alphas)


# -- the claim ------------------------------------------------------------------------------------------------------
def test_claim_eta_optimal_k_passes() -> None:
    ok, detail = bc.check_k_step()
    assert ok, detail
    assert "k=2: 0.156615 / 0.141269" in detail


def test_claim_refuses_a_wrong_gaussian_recursion() -> None:
    """Dropping the real-Wishart term (k - 1) E tr G^{k-1} gives E tr G^2 = N f (N + f) sigma^4: refused."""
    def wrong(n: int, f: object, N: object, s2: object) -> kl.TraceMoments:
        m = kl.gaussian_trace_moments(n, f, N, s2)
        values = list(m.values)
        values[2] = sp.expand(values[2] - m.values[1] * s2)
        return dataclasses.replace(m, values=tuple(values))

    ok, detail = bc.check_k_step(gaussian=wrong)
    assert not ok and "Stein recursion" in detail


def test_claim_refuses_wrong_pattern_counts() -> None:
    """Counting N^b instead of the falling factorial N (N-1) ... (N-b+1) is refused."""
    def wrong(law, n, f=st.F_SYM, N=st.N_SYM, **kw):
        m = kl.iid_trace_moments(law, n, f, N, **kw)
        values = tuple(v + (N * f if i >= 2 else 0) for i, v in enumerate(m.values))
        return dataclasses.replace(m, values=values)

    assert not bc.check_k_step(pattern=wrong)[0]


def test_claim_refuses_a_wrong_schedule() -> None:
    def shifted(k: int, moments: kl.TraceMoments, *args: object) -> sc.Schedule:
        s = sc.optimal_per_step(k, moments)
        bump = sp.Rational(1, 1000)
        roots = tuple(dataclasses.replace(r, lower=r.lower + bump, upper=r.upper + bump) for r in s.alphas)
        return dataclasses.replace(s, alphas=roots)

    ok, detail = bc.check_k_step(per_step=shifted)
    assert not ok and "gradient vanishes" in detail

    def too_good(k: int, moments: kl.TraceMoments, *args: object) -> sc.Schedule:
        s = sc.optimal_constant(k, moments)
        return dataclasses.replace(s, loss_bounds=(s.loss_bounds[0] / 2, s.loss_bounds[1] / 2),
                                   loss=None if s.loss is None else s.loss / 2)

    assert not bc.check_k_step(constant=too_good)[0]


# -- the command-line handler ---------------------------------------------------------------------------------------
def test_schedule_document_prints_the_exact_polynomials_and_schedules() -> None:
    from gdssm.cli.schedule import render_text, schedule_document

    doc = schedule_document("uniform", 10, 10, 2)
    assert doc["moments"]["kind"] == "exact" and doc["moments"]["values"][:3] == ["10", "25/3", "55/4"]
    alpha = sp.Symbol("alpha")
    assert sp.sympify(doc["loss_constant"], locals={"alpha": alpha}) == kl.constant_step_loss(
        2, kl.trace_moments(UNIFORM, 4, 10, 10), alpha)
    assert doc["per_step"]["loss"] == "17228165/121952736" and "alpha_0" in doc["loss_per_step"]
    assert doc["constant"]["alphas_digits"][0].startswith("0.598417226")
    assert "loss_per_step_quadratic: " in render_text(doc)
    gauss = schedule_document("gaussian", 10, 10, 6)
    assert gauss["moments"]["kind"] == "exact" and "loss_per_step" not in gauss
    assert len(gauss["per_step"]["alphas"]) == 6


def test_schedule_document_estimates_and_refuses() -> None:
    from gdssm.cli.schedule import schedule_document

    doc = schedule_document("uniform", 4, 5, 2, moments="estimate", tasks=2000, seed=1)
    assert doc["moments"]["kind"] == "estimate (Monte Carlo)" and "+-" in doc["per_step"]["loss_estimate"]
    with pytest.raises(BadInput, match="rational variance"):
        schedule_document("gaussian", 3, 3, 1, scale=sp.Rational(1, 2) ** sp.Rational(1, 3))
    with pytest.raises(BadInput, match="use --moments estimate"):
        schedule_document("uniform", 3, 3, 6, moments="exact")
    with pytest.raises(BadInput, match="--moments"):
        schedule_document("uniform", 3, 3, 1, moments="grid")


def test_schedule_handler_writes_json(tmp_path) -> None:
    import argparse
    import json

    from gdssm.cli.schedule import schedule

    out = tmp_path / "s.json"
    args = argparse.Namespace(law="gaussian", f=3, N=4, steps=2, format="json", output=str(out), scale=None,
                              moments=None, tasks=None, seed=None)
    assert schedule(args) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "gdssm.schedule/1" and doc["k"] == 2 and doc["sigma2"] == "1"
