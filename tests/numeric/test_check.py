"""The property run (route 3): passes on the derived constructions, rejects every mutant, reports and shrinks."""

from __future__ import annotations

import pytest
import sympy as sp
import torch
from hypothesis import settings

from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric.check import check_construction, run_check
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.mutants import MUTANTS, applicable

BASES = {
    "one-step-W0": one_step(3, 2, 6, "1/8", W0=sp.Matrix([[1, -1, 0], [0, 1, 1]]) / 2),
    "one-step-reference": one_step(3, 1, 6, "1/8", layout="reference"),
    "k-step": k_step(3, 2, 6, 3, "1/8"),
    "k-step-discounted": k_step(2, 1, 5, 2, "1/8", lam="9/10", gamma="1/4"),
}
PAIRS = [(base, mut) for base, c in BASES.items() for mut in applicable(c)]


def _examples() -> int:
    """Examples per property run, scaled by the Hypothesis profile (dev 15 -> 5, ci 40 -> 13)."""
    return max(3, settings.default.max_examples // 3)


def test_run_check_passes_and_reports() -> None:
    calls: list[tuple[int, int]] = []
    n = _examples()
    report = run_check(n, seed=1, progress=lambda done, total: calls.append((done, total)), max_N=16, max_f=6)
    assert report.examples == n and calls[-1] == (n, n) and len(calls) == n
    assert set(report.stats) == {"float64", "float32"}
    assert report.stats["float64"].examples == n and report.stats["float64"].max_rel <= 1e-10
    assert report.stats["float32"].max_rel <= 1e-4
    assert sum(report.constructions.values()) == n
    again = run_check(n, seed=1, max_N=16, max_f=6)
    assert again.stats["float64"].max_abs == report.stats["float64"].max_abs
    only = run_check(n, seed=2, names=("k-step",), max_N=16, max_f=6, dtypes=(torch.float32,))
    assert set(only.constructions) == {"k-step"} and set(only.stats) == {"float32"}


@pytest.mark.parametrize("name", list(BASES))
def test_derived_constructions_pass(name: str) -> None:
    report = check_construction(BASES[name], examples=_examples())
    assert report.stats["float64"].max_rel <= 1e-10 and report.stats["float32"].max_rel <= 1e-4
    assert report.constructions == {BASES[name].name: _examples()}


def test_every_mutant_applies_somewhere() -> None:
    assert {mut.name for _, mut in PAIRS} == {mut.name for mut in MUTANTS}


@pytest.mark.parametrize(("base", "mutant"), PAIRS, ids=[f"{b}:{m.name}" for b, m in PAIRS])
def test_every_mutant_is_rejected(base: str, mutant: object) -> None:
    """Each applicable mutant of each base construction fails the check (float64 and float32 alike)."""
    wrong: Construction = mutant.apply(BASES[base])  # type: ignore[attr-defined]
    for dtype in (torch.float64, torch.float32):
        with pytest.raises(Refuted) as info:
            check_construction(wrong, examples=_examples(), dtypes=(dtype,), shrink=False)
        cx = info.value.counterexample
        assert cx["construction"] == wrong.name and cx["dims"]["N"] == wrong.N and cx["dtype"] == str(dtype)[6:]
        assert cx["max_rel_error"] > cx["tolerance"]


def test_a_failure_is_shrunk_and_explained() -> None:
    """With shrinking, the counterexample is the simplest: smallest batch, plain law; it shows both sides."""
    wrong = next(m for m in MUTANTS if m.name == "flipped-sign").apply(BASES["k-step"])
    with pytest.raises(Refuted) as info:
        check_construction(wrong, examples=_examples(), dtypes=(torch.float64,))
    cx = info.value.counterexample
    assert cx["batch"] == 4 and cx["law"]["inputs"] == "uniform" and cx["law"]["noise"] == 0.0
    assert cx["dims"] == {"f": 3, "m": 2, "N": 6, "H": 5, "k": 3} and cx["tolerance"] == 1e-10
    assert len(cx["layer"]) == len(cx["oracle"]) == len(cx["prefixes"]) > 0
    assert "disagrees with GD in float64" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize(("call", "words"), [
    (lambda: run_check(0, seed=0), "number of examples"),
    (lambda: run_check(2, seed="x"), "seed must be an integer"),  # type: ignore[arg-type]
    (lambda: run_check(2, seed=0, dtypes=(torch.bfloat16,)), "dtypes"),
    (lambda: check_construction(k_step(2, 1, 3, 1), examples=2), "symbol"),
])
def test_bad_arguments_are_user_errors(call: object, words: str) -> None:
    with pytest.raises(BadInput, match=words):
        call()  # type: ignore[operator]
