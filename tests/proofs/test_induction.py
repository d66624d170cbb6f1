"""Explicit induction and calc-style derivations: the worked proofs pass, broken ones are rejected."""

from __future__ import annotations

import pytest
import sympy

from gdssm.core.errors import BadInput, Refuted
from gdssm.proofs.induction import Derivation, InductionStep, K, Kind, Lemma, Proof, induction
from gdssm.proofs.normal_form import Hypothesis
from gdssm.proofs.theories.common import T
from gdssm.proofs.theories.gd import GradientDescent, algebra, alpha, gd_proofs, gradient_descent
from gdssm.proofs.theories.ssm import SSM_CLAIMS
from gdssm.symbolic.description import f


@pytest.fixture(scope="module")
def gd() -> GradientDescent:
    return gradient_descent(algebra())


def assert_failed_with_residual(proof: Proof, *names: str) -> None:
    assert not proof.ok
    assert proof.failures
    for step in proof.failures:
        assert not step.residual.is_zero()
        assert str(step.residual) not in ("", "0")
        assert step.residual_latex
    text = " ".join(str(step.residual) for step in proof.failures)
    for name in names:
        assert name in text, text
    assert "NOT PROVED" in proof.report()
    with pytest.raises(Refuted, match="not proved"):
        proof.lemma()


def test_gd_lemmas_and_closed_forms() -> None:
    proofs = gd_proofs()
    for proof in vars(proofs).values():
        if not isinstance(proof, Proof):
            continue
        assert proof.ok, proof.report()
        assert proof.index == K and proof.least == 0
        assert "PROVED" in proof.report()
    kinds = {step.kind for step in proofs.closed_form.steps}
    assert kinds == {Kind.ALGEBRA, Kind.DEFINITION, Kind.INDUCTION_HYPOTHESIS}
    ih = [s for s in proofs.closed_form.steps if s.kind is Kind.INDUCTION_HYPOTHESIS]
    assert ih and ih[0].hypotheses == ("induction hypothesis P(k)",)
    algebra_step = [s for s in proofs.closed_form_left.steps if s.name.endswith("algebra")][-1]
    assert "gd.power_commutes" in algebra_step.hypotheses


def test_step_records_are_complete() -> None:
    proof = gd_proofs().power_commutes
    for step in proof.steps:
        assert step.name and isinstance(step.kind, Kind)
        assert step.ok and step.residual.is_zero()
        assert step.residual_latex == "0"
        assert str(step).startswith("[ok]")
    names = [step.name for step in proof.steps]
    assert any(n.startswith("base k = 0") for n in names)
    assert any(n.startswith("step k -> k + 1") for n in names)


def test_commutation_lemma_is_needed() -> None:
    proofs = gd_proofs()
    gd = proofs.gd

    def closed(i: sympy.Expr) -> tuple:
        return gd.weights(i), gd.weights(0) * gd.power(i) + alpha * gd.A * gd.partial_sum(i)

    without = induction(
        "closed form, left recursions, no commutation lemma",
        closed,
        0,
        InductionStep(
            definitions=(gd.gd_step(),),
            base_definitions=gd.base_definitions(),
            lemmas=(proofs.power_left.lemma(), proofs.sum_left.lemma()),
        ),
    )
    assert_failed_with_residual(without, "G*D^{k}")


def test_bad_induction_step_holds_only_at_zero(gd: GradientDescent) -> None:
    proof = induction(
        "D^k = I",
        lambda i: (gd.power(i), gd.alg.identity(f)),
        0,
        InductionStep(definitions=gd.definitions()[:1], base_definitions=gd.base_definitions()[:1]),
    )
    base = [s for s in proof.steps if s.name.startswith("base")]
    assert base and all(s.ok for s in base)
    assert_failed_with_residual(proof, "alpha*G")


def test_wrong_closed_form_fails(gd: GradientDescent) -> None:
    proof = induction(
        "W_k = W_0 D^k + alpha A D^k",
        lambda i: (gd.weights(i), gd.weights(0) * gd.power(i) + alpha * gd.A * gd.power(i)),
        0,
        InductionStep(definitions=gd.definitions(), base_definitions=gd.base_definitions()),
    )
    assert_failed_with_residual(proof, "A")


def test_non_uniform_statement_is_rejected(gd: GradientDescent) -> None:
    def cheat(i: sympy.Expr) -> tuple:
        if i == 0:
            return gd.power(i), gd.alg.identity(f)
        return gd.G * gd.power(i), gd.power(i) * gd.G

    proof = induction(
        "cheat",
        cheat,
        0,
        InductionStep(definitions=gd.definitions()[:1], base_definitions=gd.base_definitions()[:1]),
    )
    assert not proof.ok
    assert proof.failures[0].name.startswith("statement uniform in k")


def test_lemma_instances_and_ranges(gd: GradientDescent) -> None:
    proof = gd_proofs().power_commutes
    at3 = proof.lemma(at=3)
    assert isinstance(at3, Lemma) and at3.index is None
    assert "D^{3}" in str(at3)
    shifted = proof.lemma(at=K + 1)
    assert shifted.index == K and shifted.least == -1
    with pytest.raises(BadInput, match=">= 0"):
        proof.lemma(at=-1)
    late = Lemma("holds from k = 1", gd.G, gd.G, K, 1)
    with pytest.raises(BadInput, match="k >= 1"):
        induction("uses a late lemma", lambda i: (gd.power(i), gd.power(i)), 0, InductionStep(lemmas=(late,)))


def test_ill_formed_induction_hypothesis(gd: GradientDescent) -> None:
    with pytest.raises(BadInput, match="one nonempty word"):
        induction("sum lhs", lambda i: (gd.power(i) + gd.G, gd.G), 0, InductionStep())


def test_ssm_one_step_state_and_readout() -> None:
    """The one-step theorem: the state by induction on t, then the readout at t citing it (route 1 reads the
    description; the tests of the theories are tests/proofs/test_theories.py)."""
    state, readout = SSM_CLAIMS["ssm.one_step"].theorem().records
    assert state.ok, state.report()
    assert readout.ok, readout.report()
    assert state.index == T and readout.index is None
    assert "ssm.state" in {name for step in readout.steps for name in step.hypotheses}


def test_ssm_with_the_wrong_cross_product_fails() -> None:
    c = SSM_CLAIMS["ssm.one_step"]
    d = c.description()
    theorem = c.theorem(d.changed(Q=d.Q.T))  # e_1 e_2^T: z_x z_y^T instead of z_y z_x^T
    (state,) = theorem.records  # the readout is never built on an unproved state
    assert_failed_with_residual(state, "E_x*x_{t + 1}")
    assert not theorem.ok


def test_readout_needs_orthonormal_embeddings() -> None:
    c = SSM_CLAIMS["ssm.one_step"]
    d = c.description()
    readout = c.theorem(d.changed(hypotheses=d.hypotheses[:1])).records[-1]
    assert_failed_with_residual(readout, "E_y^T*E_y")


def test_derivation_records_hypotheses_and_kinds() -> None:
    alg = algebra()
    Ex = alg.generator("E_x", sympy.Symbol("H", integer=True, positive=True), f)
    unit = Hypothesis("E_x^T E_x = I", Ex.T * Ex, alg.identity(f))
    proof = Derivation("idempotent projector", Ex * Ex.T * Ex * Ex.T).qed(Ex * Ex.T)
    assert not proof.ok
    proof = Derivation("idempotent projector", Ex * Ex.T * Ex * Ex.T, assumptions=[unit]).qed(Ex * Ex.T)
    assert proof.ok
    assert proof.steps[0].hypotheses == ("E_x^T E_x = I",)
    assert proof.index is None
