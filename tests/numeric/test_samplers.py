"""In-context task samplers: shapes, seeds, laws, noise, distractors, classification, OOD stretches."""

from __future__ import annotations

import pytest
import torch

from gdssm.core.errors import BadInput
from gdssm.numeric.samplers import TaskLaw, sample_tasks


def test_shapes_dtype_and_seed() -> None:
    law = TaskLaw()
    a = sample_tasks(law, 3, 7, 4, 2, seed=5)
    assert (a.x.shape, a.y.shape, a.W.shape, a.distractor.shape) == ((3, 8, 4), (3, 7, 2), (3, 2, 4), (3, 7))
    assert a.x.dtype == torch.float64
    b = sample_tasks(law, 3, 7, 4, 2, seed=5)
    assert torch.equal(a.x, b.x) and torch.equal(a.y, b.y)
    assert not torch.equal(a.x, sample_tasks(law, 3, 7, 4, 2, seed=6).x)
    c = sample_tasks(law, 3, 7, 4, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float32)
    assert c.x.dtype == torch.float32 and torch.equal(c.x, a.x.float())


def test_noise_free_regression_labels_are_the_teacher() -> None:
    t = sample_tasks(TaskLaw(), 4, 9, 3, 2, seed=0)
    assert torch.allclose(t.y, t.x[:, :9] @ t.W.transpose(1, 2), rtol=0, atol=1e-15)
    assert not t.distractor.any()


def test_input_laws_and_stretches() -> None:
    uniform = sample_tasks(TaskLaw(input_range=2.0), 64, 63, 8, 1, seed=1)
    assert uniform.x.abs().max() <= 1.0 and uniform.x.abs().max() > 0.95
    gaussian = TaskLaw(inputs="gaussian", input_scale=0.5)
    assert abs(float(sample_tasks(gaussian, 64, 63, 8, 1, seed=1).x.std()) - 0.5) < 0.02
    wide = TaskLaw().stretched(inputs=4.0, weights=3.0)
    assert (wide.input_range, wide.weight_scale) == (4.0, 3.0)
    assert TaskLaw().input_variance == pytest.approx(1 / 12)
    assert gaussian.input_variance == pytest.approx(0.25)


@pytest.mark.parametrize("width", [1.0, 2.0, 0.3, 1e-3, 7.25, 123.456])
def test_closed_form_input_variance_equals_the_sympy_integral(width: float) -> None:
    """sigma^2 in closed form (a^2/3, s^2) is the SymPy integral of the density, exactly (same float)."""
    import sympy as sp

    from gdssm.symbolic.stepsize import input_law

    uniform = float(input_law("uniform", sp.Rational(repr(width / 2))).sigma2)
    gaussian = float(input_law("gaussian", sp.Rational(repr(width))).sigma2)
    assert TaskLaw(input_range=width).input_variance == uniform
    assert TaskLaw(inputs="gaussian", input_scale=width).input_variance == gaussian


def test_label_noise_and_distractors() -> None:
    noisy = sample_tasks(TaskLaw(noise=0.1), 32, 64, 3, 1, seed=2)
    residual = noisy.y - noisy.x[:, :64] @ noisy.W.transpose(1, 2)
    assert abs(float(residual.std()) - 0.1) < 0.01
    mixed = sample_tasks(TaskLaw(distractors=0.25), 32, 64, 3, 1, seed=2)
    assert abs(float(mixed.distractor.double().mean()) - 0.25) < 0.03
    clean = mixed.x[:, :64] @ mixed.W.transpose(1, 2)
    assert torch.equal(mixed.y[~mixed.distractor], clean[~mixed.distractor])
    assert not torch.isclose(mixed.y[mixed.distractor], clean[mixed.distractor]).any()


def test_classification_labels_are_one_hot_argmax() -> None:
    t = sample_tasks(TaskLaw(classes=3), 8, 20, 4, 3, seed=3)
    assert torch.equal(t.y.sum(-1), torch.ones(8, 20, dtype=torch.float64))
    assert torch.equal(t.y.argmax(-1), (t.x[:, :20] @ t.W.transpose(1, 2)).argmax(-1))


@pytest.mark.parametrize(("make", "words"), [
    (lambda: TaskLaw(inputs="cauchy"), "unknown input law"),
    (lambda: TaskLaw(input_range=-1.0), "input_range"),
    (lambda: TaskLaw(weight_scale=float("inf")), "weight_scale"),
    (lambda: TaskLaw(noise=float("nan")), "label noise"),
    (lambda: TaskLaw(distractors=1.5), "distractor fraction"),
    (lambda: sample_tasks(TaskLaw(classes=3), 1, 2, 2, 2, seed=0), "needs m = 3"),
    (lambda: sample_tasks(TaskLaw(), 1, 0, 2, 2, seed=0), "dimension N"),
    (lambda: sample_tasks(TaskLaw(), 1, 2, 2, 2), "exactly one of seed and generator"),
])
def test_bad_laws_are_user_errors(make: object, words: str) -> None:
    with pytest.raises(BadInput, match=words):
        make()  # type: ignore[operator]
