"""Optimal step size of k-step GD (k >= 1) for in-context linear regression, by Monte Carlo over G.

From W_0 = 0, k GD steps with alpha = eta/N give W_k = alpha A sum_{j<k} (I - alpha G)^j; with
y = w^T x the query error is w^T (I - alpha G)^k x_q, so per output dimension

    L_k(alpha) = 1/2 s_w^2 sigma^2 E ||(I - alpha G)^k||_F^2 = 1/2 s_w^2 sigma^2 E sum_lambda (1 - alpha lambda)^{2k},

the expectation over G = sum_i x_i x_i^T only (lambda: eigenvalues of G). The expectation is a
sample mean over a fixed-seed batch of tasks (numpy, float64); alpha* minimises it by golden-section
search. For k = 1 this reproduces the closed form of :mod:`symbolic.stepsize`. The input laws and
their variances come from :func:`symbolic.stepsize.input_law` (one description of each law).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TypedDict

import numpy as np

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_dim
from gdssm.symbolic.stepsize import Exact, InputLaw, input_law

_INV_PHI = (math.sqrt(5.0) - 1.0) / 2.0


class KStepOptimum(TypedDict):
    """Result of :func:`optimal_k_step`."""

    law: str
    sigma2: float
    f: int
    N: int
    k: int
    tasks: int
    seed: int
    alpha_star: float
    eta_star: float
    loss: float
    stderr: float
    method: str


def _variance(law: InputLaw) -> float:
    """sigma^2 of ``law`` as a float; the law must be concrete (no free symbols)."""
    if not law.sigma2.is_number:
        raise BadInput(f"law {law.name!r} has a symbolic variance {law.sigma2}; give concrete parameters")
    return float(law.sigma2)


def sample_inputs(law: InputLaw, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Draw i.i.d. coordinates: U(-a, a) with a = sqrt(3 sigma^2), or N(0, s^2) with s = sqrt(sigma^2)."""
    sigma2 = _variance(law)
    if law.name == "uniform":
        half_width = math.sqrt(3.0 * sigma2)
        return rng.uniform(-half_width, half_width, size=shape)
    if law.name == "gaussian":
        return rng.normal(0.0, math.sqrt(sigma2), size=shape)
    raise BadInput(f"cannot sample law {law.name!r}: only 'uniform' and 'gaussian' are sampled")


def gram_eigenvalues(law: InputLaw, f: int, N: int, tasks: int, seed: int) -> np.ndarray:
    """Eigenvalues of G = sum_{i<=N} x_i x_i^T = X^T X for ``tasks`` independent tasks, shape (tasks, f)."""
    x = sample_inputs(law, (tasks, N, f), np.random.default_rng(seed))
    return np.linalg.eigvalsh(np.einsum("tni,tnj->tij", x, x))


def task_losses(alpha: float, eigenvalues: np.ndarray, k: int, scale: float) -> np.ndarray:
    """Per-task loss scale * sum_lambda (1 - alpha lambda)^{2k}, with scale = 1/2 s_w^2 sigma^2."""
    return scale * np.sum((1.0 - alpha * eigenvalues) ** (2 * k), axis=-1)


def _mean_slope(alpha: float, eigenvalues: np.ndarray, k: int) -> float:
    """d/dalpha of mean_t sum_lambda (1 - alpha lambda)^{2k}.

    It equals -2k mean_t sum_lambda lambda (1 - alpha lambda)^{2k-1}.
    """
    return float(-2 * k * np.mean(np.sum(eigenvalues * (1.0 - alpha * eigenvalues) ** (2 * k - 1), axis=-1)))


def _upper_bracket(eigenvalues: np.ndarray, k: int) -> float:
    """An alpha_hi with positive mean slope, starting at 2 / E lambda_max and doubling.

    The mean loss is convex in alpha (a mean of even powers of affine functions) with negative slope
    at 0, so its minimiser lies in (0, alpha_hi).
    """
    alpha_hi = 2.0 / float(np.mean(eigenvalues[:, -1]))
    while _mean_slope(alpha_hi, eigenvalues, k) <= 0.0:
        alpha_hi *= 2.0
    return alpha_hi


def golden_section_minimise(
    objective: Callable[[float], float], lower: float, upper: float, rel_tol: float = 1e-10
) -> float:
    """Minimiser of a unimodal ``objective`` on [lower, upper] by golden-section search.

    The bracket shrinks by 1/phi = (sqrt 5 - 1)/2 per step until its width is <= rel_tol * upper.
    """
    if not lower < upper:
        raise BadInput(f"golden-section bracket must satisfy lower < upper, got [{lower}, {upper}]")
    left, right = upper - _INV_PHI * (upper - lower), lower + _INV_PHI * (upper - lower)
    f_left, f_right = objective(left), objective(right)
    while upper - lower > rel_tol * abs(upper):
        if f_left <= f_right:
            upper, right, f_right = right, left, f_left
            left = upper - _INV_PHI * (upper - lower)
            f_left = objective(left)
        else:
            lower, left, f_left = left, right, f_right
            right = lower + _INV_PHI * (upper - lower)
            f_right = objective(right)
    return (lower + upper) / 2.0


def _check_run(k: int, tasks: int, seed: int) -> None:
    """Validate the number of steps k >= 1, tasks >= 2 (for a standard error) and seed >= 0."""
    for name, value, least in (("number of steps k", k, 1), ("tasks", tasks, 2), ("seed", seed, 0)):
        if isinstance(value, bool) or not isinstance(value, int) or value < least:
            raise BadInput(f"{name} must be an integer >= {least}, got {value!r}")


def optimal_k_step(
    law_name: str,
    f: int,
    N: int,
    k: int,
    tasks: int = 20000,
    seed: int = 0,
    *,
    law_parameter: Exact | None = None,
    weight_var: float = 1.0,
) -> KStepOptimum:
    """alpha* = argmin_alpha (1/T) sum_t 1/2 s_w^2 sigma^2 sum_lambda (1 - alpha lambda_t)^{2k}, and its loss.

    ``law_parameter`` is the uniform half-width (default 1/2) or the Gaussian std (default 1).
    """
    require_dim("f", f)
    require_dim("N", N)
    _check_run(k, tasks, seed)
    if not (math.isfinite(weight_var) and weight_var > 0):
        raise BadInput(f"weight variance must be positive and finite, got {weight_var!r}")
    law = input_law(law_name, law_parameter)
    scale = 0.5 * weight_var * _variance(law)
    eigenvalues = gram_eigenvalues(law, f, N, tasks, seed)

    def mean_loss(alpha: float) -> float:
        return float(np.mean(task_losses(alpha, eigenvalues, k, scale)))

    alpha_star = golden_section_minimise(mean_loss, 0.0, _upper_bracket(eigenvalues, k))
    losses = task_losses(alpha_star, eigenvalues, k, scale)
    return KStepOptimum(
        law=law.name,
        sigma2=_variance(law),
        f=f,
        N=N,
        k=k,
        tasks=tasks,
        seed=seed,
        alpha_star=alpha_star,
        eta_star=N * alpha_star,
        loss=float(np.mean(losses)),
        stderr=float(np.std(losses, ddof=1) / math.sqrt(tasks)),
        method=(
            f"Monte Carlo over {tasks} tasks (numpy default_rng({seed}), float64): x_i ~ {law.name} "
            f"(sigma^2 = {law.sigma2}), G = X^T X, eigenvalues by eigvalsh; "
            f"loss(alpha) = mean_t 1/2 s_w^2 sigma^2 sum_lambda (1 - alpha lambda)^(2k) with k = {k}, "
            f"s_w^2 = {weight_var} (expectation over w and x_q exact); alpha* by golden-section search "
            "on (0, alpha_hi), alpha_hi = 2/mean(lambda_max) doubled until the mean slope is positive "
            "(the mean loss is convex); loss and stderr (std/sqrt(tasks)) at alpha* on the same tasks "
            "(in-sample, bias O(1/tasks)); alpha = eta/N"
        ),
    )
