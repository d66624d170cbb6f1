"""The Z3 second checker: proves every true construction, refutes every applicable mutant with a model."""

from __future__ import annotations

from fractions import Fraction

import pytest

from gdssm.proofs.rings import fraction_ring, program_pair
from gdssm.proofs.route_z3 import check_z3
from gdssm.symbolic.constructions import k_step
from tests.proofs.test_route_exact import MUTANT_CASES, REFERENCE_CASES, TRUE_CASES, WRONG_REFERENCE


@pytest.mark.parametrize("name", list(TRUE_CASES))
def test_true_constructions_are_proved(name: str) -> None:
    result = check_z3(TRUE_CASES[name], timeout=30)
    assert result.ok and result.status == "proved" and result.counterexample is None


@pytest.mark.parametrize("name", list(REFERENCE_CASES))
def test_reference_two_step_is_proved(name: str) -> None:
    assert check_z3(REFERENCE_CASES[name], timeout=30).ok


@pytest.mark.parametrize("name", [*MUTANT_CASES, "wrong reference difference"])
def test_mutants_are_refuted_with_a_model(name: str) -> None:
    target = MUTANT_CASES.get(name, WRONG_REFERENCE)
    result = check_z3(target, timeout=30)
    assert not result.ok and result.status == "refuted"
    cex = result.counterexample
    assert cex is not None and cex["lhs"] != cex["rhs"]
    pair = program_pair(target)
    if all("?" not in v for v in cex["point"].values()):  # rational model: replay it exactly
        lhs, rhs = pair.evaluate(fraction_ring({s: Fraction(cex["point"][str(s)]) for s in pair.symbols}))
        t = pair.positions.index(cex["t"])
        assert lhs[t][cex["row"]][0] != rhs[t][cex["row"]][0]


def test_eta_positive_hypothesis() -> None:
    assert check_z3(TRUE_CASES["k-step k=2 lam"], eta_positive=True).ok
    refuted = check_z3(MUTANT_CASES["k-step k=2 lam / flipped-sign"], eta_positive=True)
    assert refuted.counterexample is not None and Fraction(refuted.counterexample["point"]["eta"]) > 0


def test_unknown_is_reported_honestly() -> None:
    result = check_z3(k_step(8, 1, 5, 3), timeout=0.001)
    assert result.status == "unknown" and not result.ok and result.reason
