"""The loss-vs-k figure: the paper's f = N = 10, derived step sizes, GD and the GD-SSM on the same tasks."""

from __future__ import annotations

import itertools

import pytest

from gdssm.reports import evidence
from gdssm.reports.figures import loss_vs_k_pdf

MAX_STEPS = 6


@pytest.fixture(scope="module")
def losses() -> dict[str, tuple[float, ...]]:
    return evidence.loss_vs_k(MAX_STEPS, tasks=400, seed=0)


def test_setting_is_the_papers() -> None:
    f, _, N = evidence.LOSS_DIMS
    assert f == N == 10
    assert evidence.LOSS_LAW.inputs == "gaussian"
    caption = evidence.loss_vs_k_caption(10)
    assert "f = N = 10" in caption and "1000 tasks" in caption and "N(0, I)" in caption
    assert "constant" in caption and "per-step" in caption


def test_gd_and_the_layer_agree_on_the_same_tasks(losses: dict[str, tuple[float, ...]]) -> None:
    assert losses["k"] == tuple(float(k) for k in range(MAX_STEPS + 1))
    for schedule in evidence.SCHEDULES:
        for gd, ssm in zip(losses[f"GD, {schedule}"], losses[f"GD-SSM, {schedule}"], strict=True):
            assert ssm == pytest.approx(gd, rel=1e-10)


def test_exact_loss_is_within_a_few_standard_errors(losses: dict[str, tuple[float, ...]]) -> None:
    for schedule in evidence.SCHEDULES:
        for mean, se, exact in zip(losses[f"GD-SSM, {schedule}"], losses[f"s.e., {schedule}"],
                                   losses[f"exact, {schedule}"], strict=True):
            assert 0 < se and abs(mean - exact) < 4 * se
    assert losses["exact, constant"][0] == pytest.approx(5.0)  # k = 0: 1/2 sigma^2 f
    per_step, constant = losses["exact, per-step"], losses["exact, constant"]
    assert all(p <= c + 1e-12 for p, c in zip(per_step, constant, strict=True))  # per-step optimum is no worse
    assert all(b < a for a, b in itertools.pairwise(constant))  # derived steps: no divergence


def test_the_figure_is_deterministic() -> None:
    """Its time is measured by ``python -m benchmarks bench_report``, not here."""
    data = evidence.loss_vs_k(10, seed=1)
    assert loss_vs_k_pdf(data) == loss_vs_k_pdf(data)
