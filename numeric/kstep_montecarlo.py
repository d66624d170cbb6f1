"""Monte Carlo cross-check of the derived k-step losses and schedules, with standard errors.

Two estimators of the expected query half-MSE of GD with step sizes alpha_0..alpha_{k-1} (alpha = eta/N):

* :func:`oracle_loss` -- whole tasks from the training sampler (:func:`numeric.samplers.sample_tasks`: x_i, x_q,
  teacher W, y = W x) run through the GD oracle (:func:`numeric.oracle.gd_predictions`: autograd gradients
  of the per-example loss, nothing of the derivation), loss 1/2 ||W_k x_q - W x_q||^2 / m per task. It shares
  no algebra with :mod:`symbolic.kstep_loss`: it tests the reduction to trace moments as well as the moments.
* :func:`spectral_loss` -- the expectation over w and x_q done exactly: per task 1/2 s_w^2 sigma^2
  sum_lambda r(lambda)^2 over the eigenvalues of G (numpy, float64). Lower variance; it tests the moments.

Both return the mean and its standard error std / sqrt(tasks). :func:`estimated_moments` estimates the trace
moments E tr G^i where the exact pattern sum is out of reach (the uniform law beyond k = 4 or 5), and
:func:`schedule_table` builds the table of optimal constant and per-step schedules for k = 0..10, exact where
the moments are and marked as estimates (with standard errors of the loss at the schedule) where they are not.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
import torch

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_count, require_dim, require_seed
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.symbolic.gd import GDSpec
from gdssm.symbolic.kstep_loss import TraceMoments, coordinate_law, trace_moments
from gdssm.symbolic.schedules import Schedule, optimal_constant, optimal_per_step
from gdssm.symbolic.stepsize import Exact

AGREEMENT_Z = 4.0
"""The exact value and the estimate agree when they differ by at most this many standard errors."""


@dataclass(frozen=True)
class Estimate:
    """A Monte Carlo mean with its standard error, and how it was drawn."""

    mean: float
    stderr: float
    tasks: int
    seed: int
    method: str

    def z(self, exact: float) -> float:
        """(mean - exact) / stderr."""
        return (self.mean - exact) / self.stderr if self.stderr > 0 else (0.0 if self.mean == exact else math.inf)

    def agrees(self, exact: float, z: float = AGREEMENT_Z) -> bool:
        """|mean - exact| <= z standard errors."""
        return abs(self.z(exact)) <= z


def task_law(law: str, parameter: Exact | None = None, weight_var: float = 1.0) -> TaskLaw:
    """The sampler's law for a :mod:`symbolic.kstep_loss` law: U(-a, a) is input_range 2a, N(0, s^2) input_scale s."""
    coord = coordinate_law(law, parameter)
    if not (math.isfinite(weight_var) and weight_var > 0):
        raise BadInput(f"weight variance must be positive and finite, got {weight_var!r}")
    scale = math.sqrt(weight_var)
    if law == "uniform":
        return TaskLaw(inputs="uniform", input_range=2 * float(coord.parameter), weight_scale=scale)
    return TaskLaw(inputs="gaussian", input_scale=float(coord.parameter), weight_scale=scale)


def _alphas(alphas: Iterable[Exact | Any]) -> tuple[sp.Rational, ...]:
    out = []
    for a in alphas:
        value = getattr(a, "midpoint", a)
        out.append(sp.Rational(repr(value)) if isinstance(value, float) else sp.Rational(value))
    return tuple(out)


def oracle_loss(law: TaskLaw, f: int, N: int, alphas: Sequence[Exact | Any], tasks: int = 20000, seed: int = 0,
                m: int = 1) -> Estimate:
    """The loss of k GD steps on ``tasks`` sampled tasks, through the autograd GD oracle (module docstring)."""
    require_dim("f", f)
    require_dim("N", N)
    require_count("tasks", tasks)
    require_seed(seed)
    steps = _alphas(alphas)
    batch = sample_tasks(law, tasks, N, f, m, seed=seed)
    if steps:
        spec = GDSpec(etas=tuple(N * a for a in steps), normaliser=N)
        with torch.no_grad():
            pred = gd_predictions(spec, batch.x, batch.y, prefixes=[N])[:, 0]
    else:
        pred = torch.zeros(tasks, m, dtype=torch.float64)
    target = torch.einsum("bmf,bf->bm", batch.W, batch.x[:, N])
    per_task = (0.5 * ((pred - target) ** 2).mean(dim=1)).numpy()
    return Estimate(float(per_task.mean()), float(per_task.std(ddof=1) / math.sqrt(tasks)), tasks, seed,
                    f"whole tasks by numeric.samplers.sample_tasks (seed {seed}), {len(steps)} GD steps by the "
                    "autograd oracle numeric.oracle.gd_predictions, loss 1/2 ||W_k x_q - W x_q||^2 / m")


def _inputs(law: str, parameter: Exact | None, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    coord = coordinate_law(law, parameter)
    if law == "uniform":
        a = float(coord.parameter)
        return rng.uniform(-a, a, size=shape)
    return rng.normal(0.0, float(coord.parameter), size=shape)


def gram_eigenvalues(law: str, f: int, N: int, tasks: int, seed: int, parameter: Exact | None = None,
                     chunk: int = 50000) -> np.ndarray:
    """Eigenvalues of G = X^T X for ``tasks`` independent tasks (numpy default_rng(seed)), shape (tasks, f)."""
    require_dim("f", f)
    require_dim("N", N)
    require_count("tasks", tasks)
    require_seed(seed)
    rng = np.random.default_rng(seed)
    parts = []
    for start in range(0, tasks, chunk):
        x = _inputs(law, parameter, (min(chunk, tasks - start), N, f), rng)
        parts.append(np.linalg.eigvalsh(np.einsum("tni,tnj->tij", x, x)))
    return np.concatenate(parts)


def spectral_loss(law: str, f: int, N: int, alphas: Sequence[Exact | Any], tasks: int = 20000, seed: int = 0,
                  parameter: Exact | None = None, weight_var: float = 1.0) -> Estimate:
    """Per task 1/2 s_w^2 sigma^2 sum_lambda prod_j (1 - alpha_j lambda)^2 over the eigenvalues of G."""
    eig = gram_eigenvalues(law, f, N, tasks, seed, parameter)
    steps = np.array([float(a) for a in _alphas(alphas)], dtype=np.float64)
    residual = np.prod(1.0 - steps[None, None, :] * eig[..., None], axis=-1) if steps.size else np.ones_like(eig)
    sigma2 = float(coordinate_law(law, parameter).sigma2)
    per_task = 0.5 * weight_var * sigma2 * np.sum(residual**2, axis=-1)
    return Estimate(float(per_task.mean()), float(per_task.std(ddof=1) / math.sqrt(tasks)), tasks, seed,
                    f"eigenvalues of G for {tasks} tasks (numpy default_rng({seed})), expectation over w and "
                    "x_q exact: 1/2 s_w^2 sigma^2 sum_lambda r(lambda)^2")


def estimated_moments(law: str, f: int, N: int, order: int, tasks: int = 200000, seed: int = 0,
                      parameter: Exact | None = None) -> TraceMoments:
    """m_i = E tr G^i, i <= order, estimated as sample means of sum_lambda lambda^i (marked as estimates)."""
    eig = gram_eigenvalues(law, f, N, tasks, seed, parameter)
    powers = np.stack([np.sum(eig**i, axis=-1) for i in range(order + 1)], axis=-1)
    means = powers.mean(axis=0)
    errors = powers.std(axis=0, ddof=1) / math.sqrt(tasks)
    coord = coordinate_law(law, parameter)
    values = (sp.Integer(f), *(sp.Rational(repr(float(v))) for v in means[1:]))
    return TraceMoments(law, sp.sympify(coord.sigma2, strict=True), sp.Integer(f), sp.Integer(N), values, False,
                        f"Monte Carlo estimate: sample means of tr G^i over {tasks} tasks (numpy default_rng({seed}))",
                        tuple(float(e) for e in errors))


def crosscheck(schedule: Schedule, law: TaskLaw, tasks: int = 20000, seed: int = 0) -> dict[str, Any]:
    """The derived minimum loss of ``schedule`` against the oracle's Monte Carlo loss at its step sizes."""
    f, N = int(schedule.moments.f), int(schedule.moments.N)
    estimate = oracle_loss(law, f, N, schedule.steps, tasks, seed)
    exact = schedule.loss_float
    return {"kind": schedule.kind, "k": schedule.k, "exact": exact, "estimate": estimate.mean,
            "stderr": estimate.stderr, "z": estimate.z(exact), "agree": estimate.agrees(exact),
            "method": estimate.method}


@dataclass(frozen=True)
class TableRow:
    """One law and k of :func:`schedule_table`."""

    law: str
    k: int
    exact: bool
    constant: Schedule
    per_step: Schedule
    constant_check: Estimate | None
    per_step_check: Estimate | None
    seconds: float

    def as_dict(self, digits: int = 6) -> dict[str, Any]:
        """JSON-ready fields (floats to ``digits`` significant digits, exact values as text)."""
        def fmt(x: float) -> str:
            return f"{x:.{digits}g}"

        out: dict[str, Any] = {
            "law": self.law, "k": self.k, "moments": "exact" if self.exact else "estimate (Monte Carlo)",
            "alpha_constant": [fmt(float(a)) for a in self.constant.alphas],
            "loss_constant": fmt(self.constant.loss_float),
            "alphas_per_step": [fmt(float(a)) for a in self.per_step.alphas],
            "loss_per_step": fmt(self.per_step.loss_float), "seconds": round(self.seconds, 2),
        }
        if self.exact:
            out["loss_per_step_exact"] = str(self.per_step.loss)
        for name, check in (("constant", self.constant_check), ("per_step", self.per_step_check)):
            if check is not None:
                out[f"loss_{name}"] = f"{fmt(check.mean)} +- {check.stderr:.1g}"
        return out


def schedule_table(f: int = 10, N: int = 10, ks: Iterable[int] = range(11), laws: Sequence[tuple[str, Exact | None]]
                   = (("gaussian", sp.sqrt(sp.Rational(1, 12))), ("uniform", None)), exact_order: int = 8,
                   tasks: int = 200000, seed: int = 0) -> list[TableRow]:
    """Optimal constant and per-step schedules for each law and k at f, N.

    Moments are exact for the Gaussian law and, up to order ``exact_order`` (k <= exact_order / 2), for the
    others; beyond, they are estimated from ``tasks`` tasks (seed ``seed``), the schedules are the optima for the
    estimated moments, and the loss at each is re-estimated on ``tasks`` fresh tasks (seed + 1) with its
    standard error (the derived loss of an estimated schedule is itself only an estimate).
    """
    rows = []
    ks = list(ks)
    for law, parameter in laws:
        need = 2 * max(ks)
        if law == "gaussian" or need <= exact_order:
            exact_moments: TraceMoments | None = trace_moments(coordinate_law(law, parameter), need, f, N)
        else:
            exact_moments = trace_moments(coordinate_law(law, parameter), exact_order, f, N) if exact_order else None
        mc: TraceMoments | None = None
        for k in ks:
            start = time.perf_counter()
            if exact_moments is not None and 2 * k <= exact_moments.order:
                moments, exact = exact_moments, True
            else:
                if mc is None:
                    mc = estimated_moments(law, f, N, need, tasks, seed, parameter)
                moments, exact = mc, False
            constant, per_step = optimal_constant(k, moments), optimal_per_step(k, moments)
            checks: list[Estimate | None] = [None, None]
            if not exact:
                checks = [spectral_loss(law, f, N, s.steps, tasks, seed + 1, parameter) for s in (constant, per_step)]
            rows.append(TableRow(law, k, exact, constant, per_step, checks[0], checks[1],
                                 time.perf_counter() - start))
    return rows


def _law_of(law: TaskLaw) -> tuple[str, sp.Expr]:
    """The :mod:`symbolic.kstep_loss` law and parameter of a sampler law (noiseless regression only)."""
    if law.noise != 0 or law.distractors != 0 or law.classes is not None:
        raise BadInput("GD references are derived for noiseless regression without distractors")
    if law.inputs == "uniform":
        return "uniform", sp.Rational(repr(law.input_range)) / 2
    return "gaussian", sp.Rational(repr(law.input_scale))


def derived_target_fields(law: TaskLaw, f: int, N: int, k: int, kind: str, tasks: int = 200000,
                          seed: int = 0) -> dict[str, Any]:
    """The fields of a :class:`numeric.train_targets.GDTarget` for the derived optimal ``kind`` ("constant" or
    "per-step") schedule of k steps: exact moments where they exist (Gaussian; uniform up to k = 4), else Monte
    Carlo moments from ``tasks`` tasks (marked in ``method``)."""
    from gdssm.symbolic.kstep_loss import coordinate_law, trace_moments

    if kind not in ("constant", "per-step"):
        raise BadInput(f"schedule kind must be 'constant' or 'per-step', got {kind!r}")
    require_dim("f", f)
    require_dim("N", N)
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise BadInput(f"number of steps k must be an integer >= 1, got {k!r}")
    name, parameter = _law_of(law)
    if name == "gaussian" and not sp.sympify(parameter**2, strict=True).is_Rational:
        raise BadInput(f"the derived schedules need a rational variance, got input_scale {law.input_scale}")
    s_w2 = sp.Rational(repr(law.weight_scale**2))
    if name == "gaussian" or 2 * k <= 8:
        moments = trace_moments(coordinate_law(name, parameter), 2 * k, f, N)
    else:
        moments = estimated_moments(name, f, N, 2 * k, tasks, seed, parameter)
    schedule = (optimal_constant if kind == "constant" else optimal_per_step)(k, moments, s_w2)
    etas = tuple(str(sp.Rational(repr(float(N * a.midpoint)))) for a in schedule.steps)
    alphas = tuple(float(sp.Rational(e)) / N for e in etas)
    exact = schedule.loss is not None and moments.exact
    lo, hi = schedule.loss_bounds
    label = "optimal constant alpha" if kind == "constant" else "optimal per-step step sizes"
    source = "derived" if moments.exact else "derived from Monte Carlo moments"
    return {
        "name": f"GD-{k} with {label} ({source})", "k": k, "etas": etas, "alphas": alphas,
        "loss": schedule.loss_float, "loss_exact": str(schedule.loss) if exact else None,
        "method": (f"{moments.method}; {schedule.detail}; step sizes {', '.join(a.text for a in schedule.alphas)}"
                   + ("" if exact else f"; loss in [{float(lo):.12g}, {float(hi):.12g}]")),
    }


__all__ = ["AGREEMENT_Z", "Estimate", "TableRow", "crosscheck", "derived_target_fields", "estimated_moments",
           "gram_eigenvalues",
           "oracle_loss", "schedule_table", "spectral_loss", "task_law"]
