"""The authors' parameterisation: the map to ours, and what their two-step construction computes."""

from __future__ import annotations

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import one_step
from gdssm.symbolic.cross_entropy import cross_entropy_one_step
from gdssm.symbolic.reference import (
    ReferenceLayer,
    eta_from_reference,
    from_reference,
    reference_predictions,
    reference_tokens,
    reference_two_step,
    to_reference,
    two_step_difference,
    two_step_expected_difference,
)
from gdssm.symbolic.task import symbolic_context
from tests.symbolic.exact import random_context


@pytest.mark.parametrize(("f", "m"), [(1, 1), (2, 2), (3, 3), (3, 1), (4, 1)])
def test_param_map_authors_forward_equals_ours(f: int, m: int) -> None:
    c = one_step(f, m, 3, "symbolic", layout="reference")
    ctx = symbolic_context(f, m, 3)
    theirs = reference_predictions(to_reference(c), reference_tokens(ctx, c.layout), c.layout.task)
    ours = c.predictions(ctx)
    assert all(sp.expand(a[i][0] - b[i][0]) == 0 for a, b in zip(theirs, ours, strict=True) for i in range(m))
    back = from_reference(to_reference(c), c.layout)
    assert back.Q == c.params.Q and back.C == c.params.C and back.d == c.params.d


def test_authors_Q_without_their_transpose_is_not_gd() -> None:
    """Orientation matters (paper-facts §5.1): w_q = e_2 e_1^T in their code is not GD."""
    c = one_step(2, 2, 3, sp.Rational(1, 2), layout="reference")
    ref = to_reference(c)
    wrong = ReferenceLayer(w_q=ref.w_q.T, Lambda_bar=ref.Lambda_bar, C=ref.C, D=ref.D)
    ctx = random_context(2, 2, 3, seed=5)
    theirs = reference_predictions(wrong, reference_tokens(ctx, c.layout), "vector")
    ours = c.predictions(ctx)
    assert any(a[i][0] != b[i][0] for a, b in zip(theirs, ours, strict=True) for i in range(2))


def test_eta_from_reference() -> None:
    assert eta_from_reference(sp.Rational(6), 10, 10) == 6
    assert eta_from_reference(sp.Rational(6), 10, 20) == 12


@pytest.mark.parametrize(("f", "m", "N"), [(2, 2, 2), (2, 2, 3), (3, 1, 3), (1, 1, 4)])
def test_variant_A_computes_W2_xq_minus_xq(f: int, m: int, N: int) -> None:
    c = reference_two_step(f, m, N, "symbolic", "A")
    ctx = symbolic_context(f, m, N)
    diff = two_step_difference(c, ctx)
    xq = sp.Matrix([row[0] for row in ctx.query])
    assert diff == (-xq if m == f else -xq[-1:, :])


@pytest.mark.parametrize(("f", "m", "N"), [(2, 2, 2), (2, 2, 3), (3, 1, 2)])
def test_variant_B_adds_the_G_prime_term(f: int, m: int, N: int) -> None:
    c = reference_two_step(f, m, N, "symbolic", "B")
    ctx = symbolic_context(f, m, N)
    assert (two_step_difference(c, ctx) - two_step_expected_difference(c, ctx)).applyfunc(sp.expand).is_zero_matrix
    other = reference_two_step(f, m, N, "symbolic", "A")
    assert not (two_step_difference(c, ctx) - two_step_expected_difference(other, ctx)).applyfunc(
        sp.expand).is_zero_matrix


def test_reference_two_step_rejects_bad_input() -> None:
    with pytest.raises(BadInput, match="variant"):
        reference_two_step(2, 2, 2, 1, "C")
    with pytest.raises(BadInput, match="reference"):
        reference_two_step(3, 2, 2, 1, "A")


@pytest.mark.parametrize(("K", "f", "N"), [(2, 1, 1), (3, 2, 2), (4, 1, 3)])
def test_cross_entropy_one_step_is_least_squares_up_to_a_logit_shift(K: int, f: int, N: int) -> None:
    step = cross_entropy_one_step(K, f, N)
    assert step.is_constant_shift()
    assert step.shift != 0
    # the check can fail: a per-class shift is not a constant shift
    assert not step.difference.equals(step.difference + sp.Matrix([1] + [0] * (K - 1)))


@pytest.mark.parametrize(("K", "f", "N"), [(2, 1, 2), (3, 2, 2)])
def test_cross_entropy_gradient_at_zero_is_the_softmax_residual(K: int, f: int, N: int) -> None:
    """grad L(0) = (1/N) sum_i (1/K 1 - y_i) x_i^T with y_iK = 1 - sum_{c<K} y_ic (one-hot), entry by entry."""
    grad = cross_entropy_one_step(K, f, N).gradient_at_zero
    xs = [sp.Matrix([sp.Symbol(f"x{i}_{j}") for j in range(f)]) for i in range(1, N + 1)]
    ys = [[sp.Symbol(f"y{i}_{c}") for c in range(K - 1)] for i in range(1, N + 1)]
    ys = [sp.Matrix([*y, 1 - sum(y)]) for y in ys]
    want = sum(((sp.ones(K, 1) / K - y) * x.T for x, y in zip(xs, ys, strict=True)), sp.zeros(K, f)) / N
    assert (grad - want).applyfunc(sp.expand).is_zero_matrix


def test_ce_claim_refuses_a_wrong_derivation() -> None:
    from dataclasses import replace

    from gdssm.proofs.claims import _ce_check

    assert _ce_check()[0]

    def per_class(K: int, f: int, N: int):  # the first logit shifted by one more unit of the shift
        step = cross_entropy_one_step(K, f, N)
        return replace(step, logits=step.logits + sp.Matrix([step.shift] + [0] * (K - 1)))

    ok, detail = _ce_check(per_class)
    assert not ok and "not a constant shift" in detail

    def twice_the_step(K: int, f: int, N: int):  # eta counted twice in W_1 = -2 eta grad
        step = cross_entropy_one_step(K, f, N)
        return replace(step, logits=2 * step.logits)

    assert not _ce_check(twice_the_step)[0]
