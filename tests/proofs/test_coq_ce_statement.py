"""The Coq file of ce.one_step is printed from the registry (its route-1 theorem): a wrong statement there is refused.

* the file follows the route-1 theorem of proofs/theories/cross_entropy.py as the registry builds it at render
  time: a wrong gradient at 0 (stated with the consistent wrong conclusion, which route 1 accepts), a shift
  without 1/K, alpha = eta instead of eta/N, a flipped shift print other files;
* with coqc: the right statement passes (accepted, ``Print Assumptions`` closed) and every wrong one is refused;
* the exact route checks the registry's statement against the derivation from the loss at concrete sizes, so it
  refuses the wrong statements too;
* rendering is deterministic and leaves every other claim's file as it was.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from gdssm.proofs import claims as registry
from gdssm.proofs.coq import generate, run
from gdssm.proofs.normal_form import Element
from gdssm.proofs.theories.common import Theorem
from gdssm.proofs.theories.cross_entropy import Classification, K, one_step_theorem
from gdssm.symbolic.description import N, eta
from tests.proofs.coq_support import assert_accepted, assert_refused, coq_check, needs_coq, patch_theorem

CLAIM = "ce.one_step"


def _flipped_gradient(ce: Classification) -> Element:
    """(1/N) (Y^T - (1/K) 1_K 1_N^T) X: the softmax residual with the wrong sign."""
    return (ce.Y.T - ce.ones_K * ce.ones_N.T / K) * ce.X / N


def _right_side(shift: Callable[[Classification], Element], scale: object = eta / N) -> Callable[
        [Classification], Element]:
    """``scale A x_q + shift(ce)``: a conclusion with another least-squares scale or another shift."""
    return lambda ce: scale * ce.A * ce.x_q + shift(ce)


MUTANTS: dict[str, Callable[[], Theorem]] = {
    # consistent: W_1 x_q follows from the flipped gradient, so route 1 checks it; only the anchor grad = grad0_gen
    # (Coq) and the derivation from the loss (exact) can refuse it
    "flipped gradient, consistent conclusion": lambda: one_step_theorem(
        _flipped_gradient, _right_side(lambda ce: eta / (K * N) * ce.ones_K * ce.s.T * ce.x_q, -eta / N)),
    "shift without 1/K": lambda: one_step_theorem(
        claimed=_right_side(lambda ce: -eta / N * ce.ones_K * ce.s.T * ce.x_q)),
    "alpha = eta": lambda: one_step_theorem(
        claimed=_right_side(lambda ce: -eta / K * ce.ones_K * ce.s.T * ce.x_q, eta)),
    "flipped shift": lambda: one_step_theorem(
        claimed=_right_side(lambda ce: eta / (K * N) * ce.ones_K * ce.s.T * ce.x_q)),
}


def test_the_statement_comes_from_the_registry() -> None:
    f = generate.render(CLAIM)
    assert f.origin == generate.REGISTRY and "proofs/claims.py ce.one_step" in f.source
    assert "let grad := (1 / K%:R / N%:R) *: (onesK *m onesN^T *m X) - ((1 / N%:R) *: (Y^T *m X)) in" in f.text
    assert "let W1 := (- eta) *: grad in" in f.text and "let s := X^T *m onesN in" in f.text
    assert ("grad = grad0_gen (ce_rows X) (ce_rows Y) /\\ W1 *m xq = (eta / N%:R) *: (A *m xq) - "
            "((eta / K%:R / N%:R) *: (onesK *m s^T *m xq)).") in f.text


def test_route_1_accepts_the_consistent_wrong_gradient_and_refuses_the_others() -> None:
    """What the other routes must catch: route 1 checks W_1 x_q against the stated gradient only."""
    assert registry.claim(CLAIM).proved().ok
    oks = {name: build().ok for name, build in MUTANTS.items()}
    assert oks == {name: name.startswith("flipped gradient") for name in MUTANTS}


@pytest.mark.parametrize("name", MUTANTS)
def test_a_wrong_statement_prints_another_file_and_fails_the_exact_route(name: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    right = generate.render(CLAIM).text
    assert registry._ce_check()[0]
    patch_theorem(monkeypatch, CLAIM, MUTANTS[name])
    assert generate.render(CLAIM).text != right
    ok, detail = registry._ce_check()
    assert not ok and "the statement differs from the derivation" in detail


def test_rendering_is_deterministic_and_touches_no_other_file() -> None:
    others = {f.name: f.text for f in generate.render_all() if f.claim_id != CLAIM}
    assert generate.render(CLAIM).text == generate.render(CLAIM).text
    with pytest.MonkeyPatch.context() as mp:  # a fresh builder: the theorem is rebuilt, the file is the same
        patch_theorem(mp, CLAIM, lambda: one_step_theorem())
        rebuilt = generate.render(CLAIM).text
        assert {f.name: f.text for f in generate.render_all() if f.claim_id != CLAIM} == others
    assert rebuilt == generate.render(CLAIM).text


@needs_coq
def test_coqc_accepts_the_right_statement() -> None:
    assert_accepted(CLAIM, generate.REGISTRY)


@needs_coq
@pytest.mark.parametrize("name", MUTANTS)
def test_coqc_refuses_a_wrong_statement(name: str, library: run.Library, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    patch_theorem(monkeypatch, CLAIM, MUTANTS[name])
    assert_refused(coq_check(library, generate.render(CLAIM), tmp_path))
