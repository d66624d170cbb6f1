"""The theories of route 1: each builds its records from the description and the layer's equations; wrong
descriptions, wrong equations and wrong layouts are refused; the kernel's instance rule checks its range."""

from __future__ import annotations

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.proofs.induction import K, instance
from gdssm.proofs.theories.common import J, T, conclusion_tex
from gdssm.proofs.theories.concrete import k_step_checks
from gdssm.proofs.theories.gd import closed_form_theorem
from gdssm.proofs.theories.gradient import gradient_theorem
from gdssm.proofs.theories.layer import ones_coefficient
from gdssm.proofs.theories.ssm import SSM_CLAIMS, bind
from gdssm.symbolic import description as D
from gdssm.symbolic import equations


def test_gd_theories_are_proved() -> None:
    for theorem in (gradient_theorem(), closed_form_theorem()):
        assert theorem.ok, theorem.first_failure()
        assert theorem.statement_tex == conclusion_tex(theorem.records[-1])
    assert closed_form_theorem().conclusion.name == "gd.closed_form"


def test_k_step_records_join_the_state_and_the_readout_in_one_algebra() -> None:
    theorem = SSM_CLAIMS["ssm.k_step"].theorem()
    assert theorem.ok, theorem.first_failure()
    names = [p.name for p in theorem.records]
    assert names == ["ssm.k_step.state", "ssm.k_step.vectors", "ssm.k_step.sums", "ssm.k_step.one_more_step",
                     "ssm.k_step.one_more_sum", "ssm.k_step.gd", "ssm.k_step"]
    assert len({id(p.lhs.algebra) for p in theorem.records}) == 1  # one algebra
    state, vectors, sums, *_, steps, conclusion = theorem.records
    assert (state.index, vectors.index, sums.index, steps.index) == (T, J, J, K)
    assert conclusion.index == K and conclusion.least == 0  # for every k >= 0
    first = conclusion.steps[0]
    assert first.name == "the layer's prediction" and first.hypotheses == ("layer: yhat_t = C S_t P_n + F q_t",)
    assert str(conclusion.lhs) == r"\hat{y}_{t}" and str(conclusion.rhs) == "W^{(t)}_{k}*x_{t + 1}"
    fired = {name for step in conclusion.steps for name in step.hypotheses}
    assert {"ssm.k_step.state", "ssm.k_step.sums", "ssm.k_step.gd", "E_y^T E_y = I"} <= fired


def test_the_general_scalars_stay_symbolic() -> None:
    scalars = {claim: {str(s) for s in SSM_CLAIMS[claim].theorem().records[-1].lhs.algebra.scalars}
               for claim in ("ssm.discounted", "ssm.weight_decay", "ssm.per_step_eta")}
    assert "lambda" in scalars["ssm.discounted"]
    assert {"gamma", "eta"} <= scalars["ssm.weight_decay"]
    assert {"eta[-j + k - 1]", "eta[k]"} <= scalars["ssm.per_step_eta"]
    w0 = SSM_CLAIMS["ssm.one_step_w0"].theorem()
    assert w0.ok and w0.records[-1].lhs.algebra.declared("W_0")
    kw0 = SSM_CLAIMS["ssm.k_step_w0"].theorem()
    assert kw0.ok and kw0.records[-1].lhs.algebra.declared("W_0")
    assert [r.name for r in kw0.records][-3:] == ["ssm.k_step_w0.gd", "ssm.k_step_w0.backward", "ssm.k_step_w0"]
    hypotheses = " ".join(SSM_CLAIMS["ssm.per_step_eta"].theorem().hypotheses_tex)
    assert r"{\eta}_{- j + k - 1}" in hypotheses and r"{\eta}_{s}" in hypotheses


def test_printed_hypotheses_are_complete() -> None:
    expected = {
        "ssm.state": [r"Q = e_{2} e_{1}^{T}", r"V_{2} = \mathbb{I}", r"\Lambda = \mathbf{1}", "A_{0} = 0"],
        "ssm.one_step": [r"Q = e_{2} e_{1}^{T}", r"V_{2} = \mathbb{I}", r"\Lambda = \mathbf{1}", "d = e_{3}",
                         r"C = \frac{\eta}{N} E_{y}^{T}", "F = 0", "c_{0} = 1", r"E_{x}^{T} E_{x} = \mathbb{I}",
                         r"E_{y}^{T} E_{y} = \mathbb{I}", r"W^{(t)}_{0} = 0"],
        "ssm.k_step": [r"Q = e_{1} e_{1}^{T} + e_{2} e_{1}^{T}", r"V_{1} = \mathbb{I}", r"V_{2} = \mathbb{I}",
                       r"\Lambda = \mathbf{1}", "d = e_{3}", r"\rho_{j} = 1", r"\beta_{j} = \frac{\eta}{N}",
                       r"c_{j} = \frac{\eta}{N}", r"R = E_{x} E_{x}^{T}", r"C = E_{y}^{T}", "F = 0",
                       r"E_{x}^{T} E_{x} = \mathbb{I}", r"E_{y}^{T} E_{y} = \mathbb{I}", r"E_{x}^{T} E_{y} = 0",
                       r"W^{(t)}_{0} = 0", "G_{0} = 0", "A_{0} = 0"],
        "ssm.one_step_w0": [r"V_{1} = - E_{y} W_{0} E_{x}^{T}", r"F = W_{0} E_{x}^{T}", r"W^{(t)}_{0} = W_{0}"],
        "ssm.k_step_w0": [r"F = W_{0} E_{x}^{T}", r"W^{(t)}_{0} = W_{0}", r"\rho_{j} = 1", r"R = E_{x} E_{x}^{T}",
                          r"E_{x}^{T} E_{y} = 0"],
    }
    for claim, wanted in expected.items():
        printed = SSM_CLAIMS[claim].theorem().hypotheses_tex
        missing = [h for h in wanted if h not in printed]
        assert not missing, (claim, missing, printed)
    state = SSM_CLAIMS["ssm.state"].theorem().hypotheses_tex
    assert not any(h.startswith(("C =", "d =", "W^{(t)}")) for h in state)  # only what the state theorem read
    one = SSM_CLAIMS["ssm.one_step"].theorem().hypotheses_tex
    assert not any(h.startswith((r"\rho", r"\beta", "R =")) for h in one)  # one readout term: no recursion read


def test_every_printed_symbol_is_defined() -> None:
    """W^{(t)}, A_t and G_t are defined where the statement prints them (G_t because W's definition uses it)."""
    printed = " ".join(SSM_CLAIMS["ssm.one_step"].theorem().hypotheses_tex)
    for definition in ("W^{(t)}_{s + 1} =", "A_{t + 1} =", "G_{t + 1} ="):
        assert definition in printed


def test_one_letter_per_meaning() -> None:
    """S is the layer's state only; GD's step matrix is D and its partial sums Z (no S_k, no M^k)."""
    names = {name for p in closed_form_theorem().records for name in p.lhs.algebra._generators}
    assert not any(n.startswith(("S", "M")) for n in names)
    ssm = SSM_CLAIMS["ssm.k_step"].theorem().records[-1].lhs.algebra._generators
    assert {n for n in ssm if n.startswith("S_")} <= {"S_{t}", "S_{0}", "S_{t + 1}"}


@pytest.mark.parametrize(("change", "record"), [
    (lambda d: d.changed(beta=sp.Lambda(D.j, -d.beta(D.j))), "ssm.k_step.vectors"),
    (lambda d: d.changed(beta=sp.Lambda(D.j, d.beta(D.j) / D.N)), "ssm.k_step.vectors"),
    (lambda d: d.changed(hypotheses=d.hypotheses[:2]), "ssm.k_step.vectors"),  # no E_x^T E_y = 0
    (lambda d: d.changed(c=sp.Lambda(D.j, 2 * d.c(D.j))), "ssm.k_step.sums"),
    (lambda d: d.changed(rho=sp.Lambda(D.j, 1 - D.gamma * d.beta(D.j))), "ssm.k_step.vectors"),
    (lambda d: d.changed(Q=D.one_step_description().Q), "ssm.k_step.state"),  # the one-step window mixing
])
def test_a_wrong_k_step_description_fails_at_its_record(change: object, record: str) -> None:
    c = SSM_CLAIMS["ssm.k_step"]
    theorem = c.theorem(change(c.description()))  # type: ignore[operator]
    assert not theorem.ok
    assert theorem.records[-1].name == record and not theorem.records[-1].ok  # stops at the first failed record


def test_weight_decay_needs_the_readout_decay() -> None:
    c = SSM_CLAIMS["ssm.weight_decay"]
    wrong = c.description().changed(rho=sp.Lambda(D.j, 1))
    assert not c.theorem(wrong).ok


def test_per_step_readout_in_the_wrong_order_is_refused() -> None:
    """c_j = beta_j = eta_j / N (the steps in forward order) is not GD with eta_0, ..., eta_{k-1}."""
    c = SSM_CLAIMS["ssm.per_step_eta"]
    forward = sp.Lambda(D.j, D.eta_s[D.j] / D.N)
    assert not c.theorem(c.description().changed(c=forward, beta=forward)).ok


def test_the_layer_equations_are_shared_with_the_dense_layer(monkeypatch: pytest.MonkeyPatch) -> None:
    """A wrong readout equation reaches route 1 and the dense layer alike: the equations are one module."""
    from gdssm.proofs.route_exact import check_exact
    from gdssm.symbolic.constructions import k_step

    def dropped_beta(rho: object, beta: object, R: object, S: object, r: object, ar: equations.Arithmetic) -> object:
        return ar.scale(rho, r)

    assert SSM_CLAIMS["ssm.k_step"].theorem().ok and check_exact(k_step(2, 1, 3, 2, "symbolic"), seed=0).ok
    monkeypatch.setattr(equations, "readout_vector", dropped_beta)
    assert not SSM_CLAIMS["ssm.k_step"].theorem().ok
    assert not check_exact(k_step(2, 1, 3, 2, "symbolic"), seed=0).ok


def test_a_decay_that_is_not_a_multiple_of_ones_is_refused() -> None:
    c = SSM_CLAIMS["ssm.state"]
    theorem = c.theorem(c.description().changed(Lambda=sp.MatrixSymbol("L", D.H, D.H)))
    assert not theorem.ok and "all-ones" in (theorem.failure or "")


def test_bind_keeps_the_other_scalars_symbolic() -> None:
    d = bind(D.k_step_description(), {D.lam: 1})
    assert ones_coefficient(d.Lambda) == 1 and d.rho(D.j) == 1 - D.eta * D.gamma


def test_concrete_k_cross_check() -> None:
    assert all(check.result.ok for check in k_step_checks(range(1, 8)))


def test_instance_checks_its_range_and_coefficients() -> None:
    theorem = SSM_CLAIMS["ssm.k_step"].theorem()
    sums = theorem.records[2]
    at_k = instance(sums, K)
    assert at_k.index is None and "P_{k}" in str(at_k)
    with pytest.raises(BadInput, match="not shown to be in that range"):
        instance(sums, K - 1)
    with pytest.raises(BadInput, match="not shown to be in that range"):
        instance(sums, sp.Rational(1, 2))
