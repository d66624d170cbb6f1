"""The alignment metrics on analytic, rescaled (an invariance) and perturbed (not one) layers."""

from __future__ import annotations

import pytest
import torch

from gdssm.core.errors import BadInput
from gdssm.numeric.alignment import (
    align,
    compared_names,
    frozen_copy,
    implied_steps,
    normalise,
    query_losses,
    query_sensitivities,
    readout_polynomial,
    supports,
    trainable_names,
)
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.symbolic.constructions import k_step, one_step

F, N = 4, 5
ETA = "75/11"  # N alpha*, alpha* = 1 / (sigma^2 (N + f - 1/5)) = 15/11 for x ~ U(-1/2, 1/2): GD-1 at its best
ALPHA = 15 / 11


def one_step_layer(m: int = F) -> GDSSMLayer:
    return GDSSMLayer.from_construction(one_step(F, m, N, ETA, layout="reference"))


def k_step_layer(k: int = 2) -> GDSSMLayer:
    return GDSSMLayer.from_construction(k_step(F, F, N, k, ETA, layout="split"))


def tasks(m: int = F, batch: int = 512, seed: int = 3):
    return sample_tasks(TaskLaw(), batch, N, F, m, seed=seed)


def edited(layer: GDSSMLayer, **scale: float) -> GDSSMLayer:
    """A copy with parameters multiplied by the given factors (``Lambda_shift`` adds to Lambda[0, 0])."""
    out = frozen_copy(layer)
    with torch.no_grad():
        for name, factor in scale.items():
            if name == "Lambda_shift":
                out.Lambda[0, 0] += factor
            else:
                getattr(out, name).mul_(factor)
    return out


@pytest.mark.parametrize("layer_fn", [one_step_layer, k_step_layer])
def test_analytic_against_itself_is_a_perfect_match(layer_fn) -> None:
    layer = layer_fn()
    batch = tasks()
    result = align(layer, layer, batch, supports(layer, batch))
    assert result.behaviour.sensitivity_cosine == pytest.approx(1.0, abs=1e-12)
    assert result.behaviour.sensitivity_l2 == pytest.approx(0.0, abs=1e-12)
    assert result.behaviour.prediction_l2 == pytest.approx(0.0, abs=1e-12)
    assert all(value == pytest.approx(0.0, abs=1e-12) for value in result.distances.relative.values())
    assert set(result.distances.relative) == set(compared_names(layer.k))
    assert result.interpolation_loss == pytest.approx(result.analytic_loss, rel=1e-12)
    assert result.loss == result.analytic_loss and result.paired_difference == 0.0


def test_sensitivities_of_gd1_are_the_implicit_weights() -> None:
    """d yhat / d x_q of the one-step construction is alpha A, A = sum_i y_i x_i^T (computed here directly)."""
    layer = one_step_layer()
    batch = tasks()
    _, J = query_sensitivities(frozen_copy(layer), batch)
    A = torch.einsum("bim,bif->bmf", batch.y, batch.x[:, :N])
    torch.testing.assert_close(J, ALPHA * A, rtol=1e-12, atol=1e-12)


def test_effective_step_of_the_construction_is_alpha() -> None:
    layer = one_step_layer()
    batch = tasks()
    result = align(layer, layer, batch, supports(layer, batch))
    assert result.effective_steps["alpha"] == [pytest.approx(ALPHA, rel=1e-12)]


@pytest.mark.parametrize("a, b", [(2.0, 0.25), (-0.5, 3.0), (-1.0, -1.0)])
def test_trilinear_rescaling_is_removed(a: float, b: float) -> None:
    """(aQ, bd, C/(ab)) computes the same function and has distance 0 after normalisation, signs included."""
    layer = one_step_layer()
    batch = tasks()
    rescaled = edited(layer, Q=a, d=b, C=1 / (a * b))
    result = align(rescaled, layer, batch, supports(layer, batch))
    assert all(value == pytest.approx(0.0, abs=1e-12) for value in result.distances.relative.values())
    assert result.behaviour.sensitivity_cosine == pytest.approx(1.0, abs=1e-12)
    assert result.interpolation_loss == pytest.approx(result.analytic_loss, rel=1e-12)
    assert result.effective_steps["alpha"] == [pytest.approx(ALPHA, rel=1e-12)]


def test_k_step_rescaling_is_removed() -> None:
    """Q -> aQ, R -> eR, beta -> beta/(ae), d -> bd, C -> gC, c -> c/(abg) is a symmetry; normalised away."""
    layer = k_step_layer(3)
    a, e, b, g = -2.0, 0.5, 3.0, -0.25
    assert_symmetry_removed(edited(layer, Q=a, R=e, beta=1 / (a * e), d=b, C=g, c=1 / (a * b * g)), layer)


def assert_symmetry_removed(changed: GDSSMLayer, layer: GDSSMLayer) -> None:
    """``changed`` computes the same function as ``layer`` and every normalised distance to it is 0."""
    batch = tasks()
    with torch.no_grad():
        torch.testing.assert_close(query_losses(changed, batch), query_losses(layer, batch), rtol=1e-10, atol=0)
    result = align(changed, layer, batch, supports(layer, batch))
    assert all(value == pytest.approx(0.0, abs=1e-12) for value in result.distances.relative.values())


def test_split_layout_block_scalings_are_removed() -> None:
    """x rows of the state (Q rows 1, 3) x u, y rows (Q row 2) x v, compensated in the columns of C and R."""
    layer = k_step_layer(2)
    u, v = 3.0, -0.5
    scaled = frozen_copy(layer)
    x, y = slice(0, F), slice(F, 2 * F)
    with torch.no_grad():
        scaled.Q[[0, 2]] *= u
        scaled.Q[1] *= v
        for P in (scaled.C, scaled.R):
            P[:, x] /= u
            P[:, y] /= v
    assert_symmetry_removed(scaled, layer)


def test_readout_constants_count_only_through_their_polynomial() -> None:
    """k = 2: yhat depends on c_0 + c_1 and c_1 beta_0 only; (c_0 + c_1 - c_1 t, c_1 t, beta_0 / t) is the same."""
    layer = k_step_layer(2)
    moved = frozen_copy(layer)
    t = 2.5
    with torch.no_grad():
        c0, c1, b0 = (float(v) for v in (layer.c[0], layer.c[1], layer.beta[0]))
        moved.c.copy_(torch.tensor([c0 + c1 - c1 * t, c1 * t], dtype=torch.float64))
        moved.beta.fill_(b0 / t)
    torch.testing.assert_close(readout_polynomial(moved.c, moved.beta), readout_polynomial(layer.c, layer.beta))
    batch = tasks()
    result = align(moved, layer, batch, supports(layer, batch))
    assert result.distances.relative["c"] == pytest.approx(0.0, abs=1e-12)
    assert result.behaviour.prediction_l2 == pytest.approx(0.0, abs=1e-12)


def test_implied_steps_of_per_step_gd() -> None:
    """1 - X p(X) of the construction with steps alpha_s is prod_s (1 - alpha_s X): its alphas come back."""
    alphas = [0.25, 0.5, 1.5]
    layer = GDSSMLayer.from_construction(k_step(F, F, N, 3, layout="split", etas=[str(a * N) for a in alphas]))
    real, imag = implied_steps(readout_polynomial(layer.c.detach(), layer.beta.detach()))
    assert real == pytest.approx(alphas, rel=1e-10) and imag == pytest.approx([0, 0, 0], abs=1e-12)
    batch = tasks()
    result = align(layer, layer, batch, supports(layer, batch))
    assert result.effective_steps["alpha"] == pytest.approx(alphas, rel=1e-10)


def test_normalisation_keeps_the_function_of_a_random_layer() -> None:
    layer = k_step_layer(2)
    random = frozen_copy(layer)
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name in trainable_names(2):
            param = getattr(random, name)
            param.copy_(torch.randn(param.shape, generator=gen, dtype=param.dtype) * 0.3 + (name == "Lambda"))
    batch = tasks()
    with torch.no_grad():
        torch.testing.assert_close(query_losses(normalise(random, layer), batch), query_losses(random, batch),
                                   rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("edit, moved", [
    ({"Q": 2.0}, "C"),  # abc = 2, not an invariance: the factor lands in C
    ({"C": -1.0}, "C"),  # a sign flip of the function
    ({"Lambda_shift": -0.2}, "Lambda"),
])
def test_a_perturbation_that_is_no_invariance_is_detected(edit: dict[str, float], moved: str) -> None:
    layer = one_step_layer()
    batch = tasks()
    result = align(edited(layer, **edit), layer, batch, supports(layer, batch))
    assert result.distances.relative[moved] > 0.04
    assert result.behaviour.prediction_l2 > 1e-3
    assert result.paired_difference != 0.0
    still = {name: v for name, v in result.distances.relative.items() if name != moved}
    assert all(value == pytest.approx(0.0, abs=1e-12) for value in still.values())


def test_noise_on_q_lowers_the_cosine_and_moves_q() -> None:
    layer = one_step_layer()
    noisy = frozen_copy(layer)
    with torch.no_grad():
        noisy.Q.add_(0.3 * torch.randn(3, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64))
    batch = tasks()
    result = align(noisy, layer, batch, supports(layer, batch))
    assert result.behaviour.sensitivity_cosine < 0.99
    assert result.distances.relative["Q"] > 0.1
    assert result.interpolation_loss < result.loss


def test_supports_follow_what_the_construction_reads() -> None:
    vector = supports(one_step_layer(), tasks())
    assert all(bool(mask.all()) for mask in vector.values())
    scalar = supports(one_step_layer(m=1), tasks(m=1))  # y lives in the last slot, only that state row is read
    assert scalar["Lambda"][-1].all() and not scalar["Lambda"][:-1].any()
    assert scalar["C"][0, -1] and not scalar["C"][0, :-1].any()
    assert scalar["Q"].all() and scalar["d"].all()
    split = supports(k_step_layer(2), tasks())  # S = E_x G E_x^T + E_y A E_x^T: the y columns stay 0
    assert split["Lambda"][:, :F].all() and not split["Lambda"][:, F:].any()
    assert split["R"][:F].all() and not split["R"][F:].any()  # r_j in the y block would meet those zero columns


def test_off_support_entries_count_in_the_full_distance_only() -> None:
    layer = one_step_layer(m=1)
    batch = tasks(m=1)
    moved = frozen_copy(layer)
    with torch.no_grad():
        moved.C[0, 0] = 0.3  # reads a state row that is 0 at the construction
    result = align(moved, layer, batch, supports(layer, batch))
    assert result.distances.relative["C"] > 0.1
    assert result.distances.identifiable["C"] == pytest.approx(0.0, abs=1e-12)


def test_mismatched_layers_are_refused() -> None:
    with pytest.raises(BadInput, match="same dimensions"):
        normalise(one_step_layer(), k_step_layer())
    other = GDSSMLayer.from_construction(one_step(F - 1, 1, N, ETA, layout="split"))  # H = F, other E_x, E_y
    with pytest.raises(BadInput, match="embeddings"):
        normalise(other, one_step_layer(m=1))
