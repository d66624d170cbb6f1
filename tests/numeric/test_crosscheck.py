"""Torch and SymPy compute the same layer and the same GD on exact data (the proofs are about this code)."""

from __future__ import annotations

import pytest
import sympy as sp

import gdssm.numeric.crosscheck
from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric.crosscheck import crosscheck
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.mutants import MUTANTS

CONSTRUCTIONS = {
    "one-step": one_step(3, 2, 6, "1/8"),
    "one-step-W0-discounted": one_step(2, 2, 5, "1/4", lam="1/2", W0=sp.Matrix([[1, 2], [3, 4]]) / 8),
    "one-step-reference-vector": one_step(3, 3, 4, "1/8", layout="reference"),
    "k-step": k_step(3, 2, 6, 4, "1/8", lam="9/10", gamma="1/8"),
    "k-step-per-step-etas": k_step(2, 1, 7, 3, etas=["1/8", "1/16", "1/4"]),
}


@pytest.mark.parametrize("name", list(CONSTRUCTIONS))
def test_torch_equals_symbolic(name: str) -> None:
    report = crosscheck(CONSTRUCTIONS[name], seed=1)
    assert report.layer_rel <= 1e-12 and report.oracle_rel <= 1e-12


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_torch_equals_symbolic_even_for_wrong_constructions(mutant: object) -> None:
    """The link is about code, not claims: a mutant's torch layer still equals its symbolic layer."""
    base: Construction = CONSTRUCTIONS["one-step-W0-discounted"]
    if not mutant.applies(base):  # type: ignore[attr-defined]
        base = CONSTRUCTIONS["k-step"]
    assert crosscheck(mutant.apply(base)).layer_rel <= 1e-12  # type: ignore[attr-defined]


def test_a_tampered_oracle_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    real = gdssm.numeric.crosscheck.gd_predictions
    monkeypatch.setattr(gdssm.numeric.crosscheck, "gd_predictions", lambda *a: real(*a) * (1 + 1e-9))
    with pytest.raises(Refuted, match="torch GD oracle vs symbolic GD"):
        crosscheck(CONSTRUCTIONS["k-step"])


def test_symbolic_eta_is_a_user_error() -> None:
    with pytest.raises(BadInput, match="symbol"):
        crosscheck(one_step(2, 1, 3))
