"""Tests for numeric.optimal_steps: Monte-Carlo k-step optimum of alpha (paper-facts §3.3 table)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from gdssm.core.errors import BadInput
from gdssm.numeric.optimal_steps import (
    golden_section_minimise,
    gram_eigenvalues,
    optimal_k_step,
    sample_inputs,
    task_losses,
)
from gdssm.symbolic.stepsize import InputLaw, optimal_alpha, optimal_loss

TASKS = 4000

# paper-facts §3.3, f = N = 10, x ~ U(-1/2, 1/2): (best loss, best alpha) per k, 20,000 tasks on a grid.
PAPER_TABLE = {2: (0.156, 0.605), 3: (0.133, 0.585)}


@pytest.mark.parametrize(("law_name", "law"), [("uniform", InputLaw.uniform()), ("gaussian", InputLaw.gaussian())])
def test_one_step_agrees_with_closed_form(law_name: str, law: InputLaw) -> None:
    result = optimal_k_step(law_name, 10, 10, 1, tasks=TASKS, seed=3)
    assert abs(result["loss"] - float(optimal_loss(law, 10, 10))) < 3 * result["stderr"]
    assert result["alpha_star"] == pytest.approx(float(optimal_alpha(law, 10, 10)), rel=0.02)
    assert result["eta_star"] == pytest.approx(10 * result["alpha_star"])


def test_one_step_at_closed_form_alpha_is_the_closed_form_loss() -> None:
    law = InputLaw.uniform()
    eigenvalues = gram_eigenvalues(law, 10, 10, TASKS, seed=5)
    losses = task_losses(float(optimal_alpha(law, 10, 10)), eigenvalues, 1, 0.5 / 12)
    stderr = losses.std(ddof=1) / np.sqrt(TASKS)
    assert abs(losses.mean() - float(optimal_loss(law, 10, 10))) < 3 * stderr


def test_more_steps_lower_loss_and_match_paper_table() -> None:
    results = {k: optimal_k_step("uniform", 10, 10, k, tasks=TASKS) for k in (1, 2, 3)}
    assert results[1]["loss"] > results[2]["loss"] > results[3]["loss"]
    for k, (loss, alpha) in PAPER_TABLE.items():
        assert results[k]["loss"] == pytest.approx(loss, abs=0.003)
        assert results[k]["alpha_star"] == pytest.approx(alpha, abs=0.015)


def test_deterministic_under_seed() -> None:
    first = optimal_k_step("uniform", 6, 8, 2, tasks=500, seed=11)
    again = optimal_k_step("uniform", 6, 8, 2, tasks=500, seed=11)
    other = optimal_k_step("uniform", 6, 8, 2, tasks=500, seed=12)
    assert first == again
    assert first["loss"] != other["loss"]


def test_method_describes_the_computation() -> None:
    method = optimal_k_step("gaussian", 3, 4, 2, tasks=100)["method"]
    for phrase in ("Monte Carlo over 100 tasks", "golden-section", "eigvalsh", "k = 2", "alpha = eta/N"):
        assert phrase in method


def test_law_parameter_and_weight_variance() -> None:
    base = optimal_k_step("uniform", 4, 5, 2, tasks=300)
    wide = optimal_k_step("uniform", 4, 5, 2, tasks=300, law_parameter=1, weight_var=2.0)
    assert wide["sigma2"] == pytest.approx(1 / 3)
    assert wide["alpha_star"] == pytest.approx(base["alpha_star"] / 4, rel=1e-6)
    assert wide["loss"] == pytest.approx(base["loss"] * 4 * 2, rel=1e-6)


def test_sample_inputs_laws() -> None:
    rng = np.random.default_rng(0)
    uniform = sample_inputs(InputLaw.uniform(), (200_000,), rng)
    assert np.abs(uniform).max() <= 0.5
    assert uniform.var() == pytest.approx(1 / 12, rel=0.01)
    assert np.mean(uniform**4) == pytest.approx(1 / 80, rel=0.02)
    gaussian = sample_inputs(InputLaw.gaussian(2), (200_000,), rng)
    assert gaussian.var() == pytest.approx(4, rel=0.01)
    assert np.mean(gaussian**4) == pytest.approx(48, rel=0.03)


def test_task_losses_at_zero_step_is_zero_predictor() -> None:
    eigenvalues = gram_eigenvalues(InputLaw.uniform(), 10, 10, 50, seed=0)
    assert np.allclose(task_losses(0.0, eigenvalues, 3, 0.5 / 12), 10 / 24)


def test_golden_section_finds_minimum_of_convex_function() -> None:
    assert golden_section_minimise(lambda a: (a - 0.3) ** 2 + (a - 0.3) ** 4, 0.0, 2.0) == pytest.approx(0.3)
    assert golden_section_minimise(lambda a: a, 1.0, 2.0) == pytest.approx(1.0)


@pytest.mark.parametrize(
    "make",
    [
        lambda: optimal_k_step("uniform", 10, 10, 0, tasks=10),
        lambda: optimal_k_step("uniform", 0, 10, 1, tasks=10),
        lambda: optimal_k_step("uniform", 10, 10, 1, tasks=1),
        lambda: optimal_k_step("uniform", 10, 10, 1, tasks=10, seed=-1),
        lambda: optimal_k_step("laplace", 10, 10, 1, tasks=10),
        lambda: optimal_k_step("uniform", 10, 10, 1, tasks=10, weight_var=0.0),
        lambda: optimal_k_step("uniform", 10, 10, 1, tasks=10, law_parameter=-1),
        lambda: sample_inputs(InputLaw.from_moments(1, 3), (3,), np.random.default_rng(0)),
        lambda: golden_section_minimise(lambda a: a, 1.0, 1.0),
    ],
)
def test_bad_inputs_raise_user_error(make: Callable[[], object]) -> None:
    with pytest.raises(BadInput):
        make()
