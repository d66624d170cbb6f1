"""Route 2 (exact at concrete dimensions): true constructions pass, every applicable mutant is refuted.

The catalogue ``TRUE_CASES`` / ``MUTANT_CASES`` is shared with the Z3 tests (``test_route_z3``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from fractions import Fraction

import flint
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from gdssm.core.errors import BadInput
from gdssm.proofs.rings import Degree, ProgramPair, fraction_ring, modp_ring, program_pair
from gdssm.proofs.route_exact import PRIMES, check_exact, check_random, degree_bound, run_capped
from gdssm.symbolic.constructions import ETA, Construction, k_step, one_step
from gdssm.symbolic.mutants import MUTANTS, applicable
from gdssm.symbolic.reference import ReferenceTwoStep, reference_two_step

HALF, THIRD = sp.Rational(1, 2), sp.Rational(1, 3)
LAM = sp.Symbol("lam")

TRUE_CASES: dict[str, Construction] = {
    "one-step split": one_step(2, 1, 3),
    "one-step split W0 lam": one_step(2, 1, 3, W0=sp.Matrix([[HALF, -2]]), lam=THIRD),
    "one-step split numeric eta W0": one_step(2, 2, 2, eta="3/10", W0=sp.Matrix([[1, 0], [2, -1]])),
    "one-step reference vector": one_step(2, 2, 3, layout="reference"),
    "one-step reference scalar W0 lam": one_step(3, 1, 2, layout="reference", lam=2, W0=sp.Matrix([[1, 0, -1]])),
    "one-step symbolic lam": one_step(2, 1, 3, lam=LAM),
    "k-step k=1": k_step(2, 1, 3, 1),
    "k-step k=2 lam": k_step(2, 1, 3, 2, lam=HALF),
    "k-step k=2 symbolic lam": k_step(2, 1, 2, 2, lam=LAM),
    "k-step k=3 gamma": k_step(2, 2, 2, 3, gamma=sp.Rational(1, 10)),
    "k-step k=3 per-step etas": k_step(2, 1, 3, 3, etas=(HALF, ETA, THIRD)),
    "k-step k=2 lam gamma etas": k_step(3, 1, 2, 2, lam=sp.Rational(3, 4), gamma=sp.Rational(1, 5),
                                        etas=(ETA, sp.Rational(2, 3))),
}
MUTANT_CASES: dict[str, Construction] = {
    f"{case} / {mut.name}": mut.apply(c) for case, c in TRUE_CASES.items() for mut in applicable(c)
}
REFERENCE_CASES: dict[str, ReferenceTwoStep] = {
    f"{variant} {task}": reference_two_step(f, m, 3, "symbolic", variant)
    for variant in ("A", "B") for task, (f, m) in {"vector": (2, 2), "scalar": (3, 1)}.items()
}
WRONG_REFERENCE = replace(reference_two_step(2, 2, 3, "symbolic", "A"), variant="B")


def test_every_mutant_is_exercised() -> None:
    assert {name.split(" / ")[1] for name in MUTANT_CASES} == {mut.name for mut in MUTANTS}


@pytest.mark.parametrize("mode", ["mpoly", "random", "auto"])
@pytest.mark.parametrize("name", list(TRUE_CASES))
def test_true_constructions_pass(name: str, mode: str) -> None:
    result = check_exact(TRUE_CASES[name], mode, seed=0)
    assert result.ok, result
    assert result.status == ("passed" if mode == "random" else "proved")
    assert result.counterexample is None


@pytest.mark.parametrize("mode", ["mpoly", "random"])
@pytest.mark.parametrize("name", list(MUTANT_CASES))
def test_mutants_are_refuted(name: str, mode: str) -> None:
    result = check_exact(MUTANT_CASES[name], mode, seed=0)
    assert not result.ok and result.status == "refuted"
    cex = result.counterexample
    assert cex is not None and cex["lhs"] != cex["rhs"]
    assert {"dims", "t", "row", "point"} <= cex.keys()
    if mode == "mpoly":
        assert cex["residual_leading_terms"]


def test_random_refutes_with_every_trial() -> None:
    """Each trial on its own (both primes and QQ) sees every mutant: no reliance on one of them."""
    for name, c in MUTANT_CASES.items():
        pair = program_pair(c)
        values = {s: i + 2 for i, s in enumerate(pair.symbols)}
        for ring in (*(modp_ring(p, values) for p in PRIMES), fraction_ring(values)):
            lhs, rhs = pair.evaluate(ring)
            assert lhs != rhs, (name, ring.name)


def test_counterexample_point_really_differs() -> None:
    pair = program_pair(MUTANT_CASES["k-step k=2 lam / no-gram-correction"])
    cex = check_exact(pair, "mpoly").counterexample
    assert cex is not None
    values = {s: Fraction(cex["point"][str(s)]) for s in pair.symbols}
    lhs, rhs = pair.evaluate(fraction_ring(values))
    t, row = pair.positions.index(cex["t"]), cex["row"]
    assert str(lhs[t][row][0]) == cex["lhs"] != cex["rhs"] == str(rhs[t][row][0])


@pytest.mark.parametrize("name", list(REFERENCE_CASES))
def test_reference_two_step_matches_its_derived_difference(name: str) -> None:
    for mode in ("mpoly", "random"):
        assert check_exact(REFERENCE_CASES[name], mode, seed=0).ok


def test_reference_with_the_wrong_expected_difference_is_refuted() -> None:
    for mode in ("mpoly", "random"):
        result = check_exact(WRONG_REFERENCE, mode, seed=0)
        assert result.status == "refuted" and result.counterexample is not None


def test_memory_cap_gives_a_clean_exceeded_result() -> None:
    """Past the cap flint aborts the child (SIGABRT) and Python raises MemoryError: both are ``exceeded``.

    The cap counts address space *added* after the fork (the parent's freed heap is reused uncounted), so
    the job must need far more than the test process could have free: 915k terms, hundreds of MB.
    """
    big = k_step(16, 2, 5, 3)
    result = check_exact(big, "mpoly", memory_bytes=1 << 20)
    assert result.status == "exceeded" and not result.ok
    assert "memory cap" in result.notes[0]
    fallback = check_exact(big, "auto", memory_bytes=1 << 20, seed=0)
    assert fallback.method == "random" and fallback.ok and "fell back" in fallback.notes[0]


@pytest.mark.parametrize("allocate", [lambda: flint.fmpz(2) ** (1 << 31), lambda: bytearray(1 << 28)],
                         ids=["flint-abort", "MemoryError"])
def test_capped_child_past_the_cap(allocate: Callable[[], object]) -> None:
    outcome = run_capped(lambda: {"allocated": allocate() is not None}, memory_bytes=1 << 20)
    assert outcome.status == "exceeded" and outcome.payload is None and "memory cap" in outcome.detail


def test_timeout_is_reported() -> None:
    result = check_exact(k_step(8, 2, 5, 3), "mpoly", timeout=0.01)
    assert result.status == "timeout" and not result.ok


def test_capped_child_errors() -> None:
    def user_error() -> dict[str, object]:
        raise BadInput("bad input in the child")

    def crash() -> dict[str, object]:
        raise RuntimeError("boom")

    with pytest.raises(BadInput, match="bad input in the child"):
        run_capped(user_error)
    outcome = run_capped(crash)
    assert outcome.status == "error" and "boom" in outcome.detail


@pytest.mark.parametrize("k", [1, 2, 3])
def test_schwartz_zippel_bound(k: int) -> None:
    """Degree <= (2k+1) in the data + k in eta = 3k+1; the QQ trial alone errs with probability < 1e-15."""
    c = k_step(3, 2, 3, k, gamma=sp.Rational(1, 7))
    pair = program_pair(c)
    assert degree_bound(pair) <= 3 * k + 1
    mpoly = check_exact(c, "mpoly")
    assert mpoly.degree is not None and mpoly.degree <= degree_bound(pair)
    result = check_random(pair, seed=1)
    assert result.degree == degree_bound(pair)
    assert [bound for _, bound in result.trial_bounds] == [result.degree / p for p in PRIMES] + [result.degree / 2**64]
    assert result.bound is not None and result.bound < 1e-15
    assert result.combined_bound is not None and result.combined_bound < result.bound


def test_primes_are_prime() -> None:
    assert all(flint.fmpz(p).is_prime() for p in PRIMES)


def test_terms_match_the_feasibility_count() -> None:
    """f=4, m=2, N=5, k=3: 14,040 monomials in the final prediction (feasibility §2)."""
    assert check_exact(k_step(4, 2, 5, 3), "mpoly").terms == 14040


def test_seeded_random_check_is_reproducible() -> None:
    c = MUTANT_CASES["k-step k=1 / flipped-sign"]
    first, second = (replace(check_exact(c, "random", seed=5), seconds=0.0) for _ in range(2))
    assert first == second and first.counterexample is not None


def test_rings_refuse_what_they_cannot_represent() -> None:
    with pytest.raises(BadInput, match="divisible by the prime 7"):
        modp_ring(7, {})(sp.Rational(1, 14))
    with pytest.raises(BadInput, match="not a polynomial"):
        fraction_ring({ETA: 2})(1 / ETA)
    with pytest.raises(BadInput, match="not a polynomial"):
        fraction_ring({})(sp.Float(0.5))
    with pytest.raises(BadInput, match="no value"):
        fraction_ring({})(ETA)
    with pytest.raises(BadInput, match="unknown mode"):
        check_exact(TRUE_CASES["k-step k=1"], "fast")
    with pytest.raises(BadInput, match="cannot check"):
        program_pair("k-step")  # type: ignore[arg-type]


def test_degree_ring() -> None:
    x, zero = Degree(1), Degree.of(0)
    assert (x * x + 3).value == 2 and (zero * x).value is None and (x - x * 0).value == 1


def test_program_pair_of_a_pair_is_itself() -> None:
    pair = program_pair(TRUE_CASES["k-step k=1"])
    assert program_pair(pair) is pair and isinstance(pair, ProgramPair)


@given(
    f=st.integers(1, 3), m=st.integers(1, 2), N=st.integers(1, 4), k=st.integers(1, 3),
    lam=st.fractions(Fraction(1, 5), 2, max_denominator=5), gamma=st.fractions(0, 1, max_denominator=5),
    data=st.data(),
)
def test_random_route_on_drawn_constructions(
    f: int, m: int, N: int, k: int, lam: Fraction, gamma: Fraction, data: st.DataObject
) -> None:
    c = k_step(f, m, N, k, lam=str(lam), gamma=str(gamma))
    assert check_random(program_pair(c), seed=0).ok
    mutants = applicable(c)
    if mutants:
        mut = data.draw(st.sampled_from(mutants))
        assert not check_random(program_pair(mut.apply(c)), seed=0).ok
