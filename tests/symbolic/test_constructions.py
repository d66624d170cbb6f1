"""The derived parameters make the symbolic layer equal k-step GD exactly, and wrong ones do not."""

from __future__ import annotations

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from gdssm.core.errors import BadInput, ShapeError
from gdssm.symbolic.constructions import k_step, one_step
from gdssm.symbolic.layer import Readout
from gdssm.symbolic.mutants import MUTANTS, applicable
from tests.symbolic.exact import disagreements, random_context

dims = st.integers(1, 6)
contexts = st.integers(1, 8)
rationals = st.fractions(min_value=sp.Rational(1, 9), max_value=2, max_denominator=9).map(sp.Rational)
seeds = st.integers(0, 10**6)


@given(f=dims, m=dims, N=contexts, k=st.integers(0, 4), eta=rationals, seed=seeds)
def test_k_step_equals_gd(f: int, m: int, N: int, k: int, eta: sp.Rational, seed: int) -> None:
    c = k_step(f, m, N, k, eta)
    assert disagreements(c, random_context(f, m, N, seed)) == []


@given(f=dims, m=dims, N=contexts, k=st.integers(1, 4), eta=rationals, seed=seeds,
       lam=st.sampled_from([sp.Rational(1, 2), sp.Rational(9, 10), 1]),
       gamma=st.sampled_from([0, sp.Rational(1, 5), sp.Rational(1, 3)]))
def test_k_step_with_discount_and_weight_decay(f: int, m: int, N: int, k: int, eta: sp.Rational, seed: int,
                                               lam: sp.Rational, gamma: sp.Rational) -> None:
    c = k_step(f, m, N, k, eta, lam=lam, gamma=gamma)
    assert disagreements(c, random_context(f, m, N, seed)) == []


@given(f=dims, m=dims, N=contexts, etas=st.lists(rationals, min_size=1, max_size=4), seed=seeds)
def test_k_step_with_per_step_sizes(f: int, m: int, N: int, etas: list[sp.Rational], seed: int) -> None:
    c = k_step(f, m, N, len(etas), etas=etas)
    assert disagreements(c, random_context(f, m, N, seed)) == []


@given(f=dims, m=dims, N=contexts, eta=rationals, seed=seeds, layout=st.sampled_from(["split", "reference"]),
       with_w0=st.booleans(), lam=st.sampled_from([1, sp.Rational(3, 4)]))
def test_one_step_equals_gd(f: int, m: int, N: int, eta: sp.Rational, seed: int, layout: str, with_w0: bool,
                            lam: sp.Rational) -> None:
    if layout == "reference":
        m = f if m % 2 else 1  # the reference layout has the vector (m = f) and the scalar (m = 1) task
    W0 = sp.Matrix(m, f, lambda i, j: sp.Rational((seed + 3 * i + j) % 7 - 3, 2)) if with_w0 else None
    c = one_step(f, m, N, eta, layout=layout, lam=lam, W0=W0)
    assert disagreements(c, random_context(f, m, N, seed)) == []


@given(f=dims, m=dims, N=contexts, k=st.integers(1, 3), eta=rationals, seed=seeds,
       lam=st.sampled_from([1, sp.Rational(3, 4)]), per_step=st.booleans())
def test_k_step_from_w0_equals_gd(f: int, m: int, N: int, k: int, eta: sp.Rational, seed: int, lam: sp.Rational,
                                  per_step: bool) -> None:
    """The value map I - E_y W_0 E_x^T and the feedthrough W_0 E_x^T give k GD steps from W_0 (any lambda, per-step
    step sizes too)."""
    W0 = sp.Matrix(m, f, lambda i, j: sp.Rational((seed + 3 * i + j) % 7 - 3, 2))
    etas = [eta / (i + 1) for i in range(k)] if per_step else None
    c = k_step(f, m, N, k, eta, lam=lam, etas=etas, W0=W0)
    assert "ssm.k_step_w0" in c.claims
    assert disagreements(c, random_context(f, m, N, seed)) == []
    zero = k_step(f, m, N, k, eta, lam=lam, etas=etas, W0=sp.zeros(m, f))
    assert disagreements(zero, random_context(f, m, N, seed)) == []  # W_0 = 0 is the plain k-step layer


def test_k_steps_from_w0_refuse_weight_decay_and_a_wrong_shape() -> None:
    with pytest.raises(BadInput, match="weight decay gamma = 0"):
        k_step(2, 1, 3, 2, "1/2", gamma="1/10", W0=sp.Matrix([[1, 2]]))
    with pytest.raises(ShapeError, match="m x f = 1 x 2"):
        k_step(2, 1, 3, 2, "1/2", W0=sp.Matrix([[1, 2, 3]]))


def test_symbolic_eta_and_symbolic_data() -> None:
    """With eta and every data entry a symbol the identity holds as polynomials, not just at a point."""
    from gdssm.symbolic.task import symbolic_context

    c = k_step(2, 1, 2, 2)
    assert disagreements(c, symbolic_context(2, 1, 2)) == []


@given(seed=seeds, k=st.integers(2, 3))
def test_every_mutant_is_rejected(seed: int, k: int) -> None:
    W0 = sp.Matrix([[1, -2, 1]])
    for c in (k_step(3, 1, 4, k, sp.Rational(1, 2), lam=sp.Rational(4, 5), gamma=sp.Rational(1, 4)),
              one_step(3, 1, 4, sp.Rational(1, 3), W0=W0), one_step(3, 3, 4, 1, layout="reference"),
              k_step(3, 1, 4, k, sp.Rational(1, 2), W0=W0)):
        ctx = random_context(3, c.layout.m, 4, seed)
        names = [mut.name for mut in applicable(c)]
        assert len(names) >= 6
        for mut in applicable(c):
            assert disagreements(mut.apply(c), ctx), f"{c.name}: mutant {mut.name} was not rejected"


def test_catalogue_covers_the_standard_mutants() -> None:
    names = {mut.name for mut in MUTANTS}
    assert {"flipped-sign", "one-over-P", "missing-1/N", "q-entry-moved", "lambda-not-one", "wrong-window-entry",
            "missing-readout-step"} <= names


def test_each_entry_of_Q_d_C_matters_in_the_reference_layout() -> None:
    """Perturbing any single entry of Q, d or C by 1 is detected (vector task, E_x = E_y = I)."""
    c = one_step(2, 2, 3, sp.Rational(1, 2), layout="reference")
    ctx = random_context(2, 2, 3, seed=7)
    for name in ("Q", "d", "C"):
        base = getattr(c.params, name)
        for i in range(base.rows):
            for j in range(base.cols):
                bumped = base.copy()
                bumped[i, j] += 1
                assert disagreements(c.with_params(c.params.replace(**{name: bumped})), ctx), (name, i, j)


def test_y_columns_of_Q_are_a_true_invariance_of_the_k_step_readout() -> None:
    """Q_{a,2} only writes the y-columns of the state, which the readout never reads: no false alarm."""
    c = k_step(2, 1, 3, 2, sp.Rational(1, 2))
    ctx = random_context(2, 1, 3, seed=3)
    for a in range(3):
        Q = c.params.Q.copy()
        Q[a, 1] += 1
        assert disagreements(c.with_params(c.params.replace(Q=Q)), ctx) == []
        Q = c.params.Q.copy()
        Q[a, 2] += 1
        assert disagreements(c.with_params(c.params.replace(Q=Q)), ctx), f"Q[{a},2] perturbation missed"


def test_one_over_P_is_invisible_only_when_P_equals_N() -> None:
    """alpha = gd_lr/P equals eta/N exactly when P = N (paper-facts D1): the check is about the normaliser."""
    c = one_step(2, 1, 3, sp.Rational(1, 2))
    ctx = random_context(2, 1, 3, seed=1)
    for P, visible in ((3, False), (4, True), (10, True)):
        factor = sp.Rational(3, P)
        wrong = c.with_params(c.params.replace(C=factor * c.params.C))
        assert bool(disagreements(wrong, ctx)) is visible


def test_readout_shape_is_validated() -> None:
    import pytest

    with pytest.raises(ValueError, match="readout with k = 3"):
        Readout(rho=(1,), beta=(1, 1), c=(1, 1, 1))


def test_lambda_mutant_does_not_apply_where_lambda_is_zero() -> None:
    """Lambda = 0 (lambda = 0, no memory) scaled by 9/10 is still 0: that mutant changes nothing and must not
    be counted as a rejected mutant; with lambda != 0 it applies and is visible."""
    names = {mut.name for mut in applicable(k_step(2, 1, 3, 2, sp.Rational(1, 2), lam=0))}
    assert "lambda-not-one" not in names and "flipped-sign" in names
    c = k_step(2, 1, 3, 2, sp.Rational(1, 2), lam=sp.Rational(1, 2))
    (mut,) = [mu for mu in applicable(c) if mu.name == "lambda-not-one"]
    assert disagreements(mut.apply(c), random_context(2, 1, 3, 0))
