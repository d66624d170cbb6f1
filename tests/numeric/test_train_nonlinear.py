"""The ``nonlinear`` preset: sine tasks, the learned-feature GD-SSM and its comparisons (short runs only)."""

from __future__ import annotations

import math

import pytest
import torch

from gdssm.core.errors import BadInput
from gdssm.numeric.features import mlp
from gdssm.numeric.train_nonlinear import (
    NonlinearPreset,
    evaluation_tasks,
    least_squares,
    mean_stderr,
    sine_tasks,
    train_nonlinear,
)

SMALL = NonlinearPreset(N=6, p=4, widths=(8,), steps=15, batch=16, eval_tasks=32)


def test_laws() -> None:
    gen = torch.Generator().manual_seed(0)
    x, y, target = sine_tasks(64, 5, "authors", gen)
    assert x.abs().max() <= 0.5 and y.shape == (64, 5, 1) and target.shape == (64, 1)
    x, _, _ = sine_tasks(64, 5, "independent", gen)
    assert x.abs().max() <= 5 and x.abs().max() > 1
    with pytest.raises(BadInput):
        sine_tasks(1, 1, "other", gen)


def test_authors_law_is_one_parameter() -> None:
    """a and b come from one u: a = 0.1 + 0.4 b / pi, so y is determined by (x, b) alone."""
    gen = torch.Generator().manual_seed(1)
    x, y, _ = sine_tasks(8, 3, "authors", gen)
    for task in range(8):
        us = torch.linspace(0, 1, 20001, dtype=torch.float64)
        fits = [(0.1 + 0.4 * u) * torch.sin(x[task, :3, 0] + math.pi * u) for u in us]
        assert min(float((fit - y[task, :, 0]).abs().max()) for fit in fits) < 1e-4


def test_least_squares_interpolates_when_p_exceeds_n() -> None:
    phi = mlp(1, (8,), 6, seed=0)
    x, y, _ = sine_tasks(4, 3, "independent", torch.Generator().manual_seed(2))
    feats = phi(x)
    W = torch.linalg.pinv(feats[:, :-1]) @ y
    assert torch.allclose(feats[:, :-1] @ W, y, atol=1e-8)
    assert least_squares(phi, x, y).shape == (4, 1)


def test_short_run_reports_every_comparison() -> None:
    result = train_nonlinear(SMALL, seed=0)
    names = [c.name for c in result.comparisons]
    assert names == ["gd on learned features", "gd on random features", "least squares on learned features",
                     "zero predictor"]
    assert all(math.isfinite(c.loss) and c.loss_stderr > 0 and c.paired_stderr > 0 for c in result.comparisons)
    assert all(c.sensitivity_cosine is not None and -1 <= c.sensitivity_cosine <= 1 for c in result.comparisons[:3])
    assert result.comparisons[3].sensitivity_cosine is None and result.zero_loss == result.comparisons[3].loss
    assert len(result.curves["tasks"]) == 3 and len(result.curves["x"]) == len(result.curves["tasks"][0]["truth"])
    assert result.as_dict()["preset"]["law"] == "independent"
    again = train_nonlinear(SMALL, seed=0)
    assert again.loss == result.loss


def test_bad_settings() -> None:
    with pytest.raises(BadInput):
        train_nonlinear(SMALL, law="nope")
    with pytest.raises(BadInput):
        train_nonlinear(SMALL, steps=-1)


def test_standard_errors_and_the_zero_predictor_by_hand() -> None:
    mean, se = mean_stderr(torch.tensor([1.0, 2.0, 3.0, 4.0], dtype=torch.float64))
    assert mean == 2.5 and abs(se - math.sqrt(5 / 3) / 2) < 1e-15  # s^2 = 5/3, s.e. = s / sqrt(4)
    result = train_nonlinear(SMALL, seed=1)
    *_, target = evaluation_tasks("independent", SMALL.N, SMALL.eval_tasks, SMALL.eval_seed)
    per_task = 0.5 * target[:, 0] ** 2
    assert abs(result.zero_loss - float(per_task.mean())) < 1e-15
    zero = result.comparisons[3]
    assert abs(zero.loss_stderr - float(per_task.std() / math.sqrt(SMALL.eval_tasks))) < 1e-15
