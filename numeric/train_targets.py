"""The GD references a trained layer is measured against, and their analytic constructions.

With labels y = W x, k GD steps from W_0 = 0 with step sizes alpha_0..alpha_{k-1} (alpha = eta/N) satisfy
W - W_{j+1} = (W - W_j)(I - alpha_j G), so W_k = W (I - r(G)) with r(G) = prod_s (I - alpha_s G): the query
error of output i is w_i^T r(G) x_q, and the expected half-MSE per output dimension is

    L = 1/2 s_w^2 sigma^2 E sum_lambda r(lambda)^2        (lambda: eigenvalues of G = sum_i x_i x_i^T).

* :func:`one_step_target` -- k = 1 at alpha* = E tr G / E tr G^2, exact (:mod:`symbolic.stepsize`;
  20/33 and 245/1188 ~ 0.2062 for x ~ U(-1/2, 1/2), f = N = 10).
* :func:`constant_step_target` -- k steps of one alpha*, derived (:func:`symbolic.schedules.optimal_constant`:
  the unique real root of dL/dalpha, certified).
* :func:`per_step_target` -- the best k-step GD with its own step per step, derived
  (:func:`symbolic.schedules.optimal_per_step`): r ranges over all polynomials of degree k with r(0) = 1, so the
  optimum solves the Hankel system H a = b of the trace moments; its roots are real and alpha_s = 1 / root_s.
  The single-state construction runs this GD with per-step etas (claim ``ssm.per_step_eta``), and its free
  readout constants c, beta reach exactly this family (claim ``rel.gdpp``).
  Both use exact moments (Gaussian inputs; uniform up to k = 4) and Monte Carlo moments beyond
  (:func:`numeric.kstep_montecarlo.derived_target_fields`, marked in ``method``).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.numeric.kstep_montecarlo import derived_target_fields
from gdssm.numeric.samplers import TaskLaw
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.stepsize import InputLaw, input_law, optimal_step_summary, zero_predictor_loss

ROOT_IMAG_TOL = 1e-8
"""Largest relative imaginary part accepted for a root of the optimal residual polynomial."""


@dataclass(frozen=True)
class GDTarget:
    """A GD reference: its step sizes (alpha_s = eta_s / N), expected loss, and how they were obtained."""

    name: str
    k: int
    etas: tuple[str, ...]
    alphas: tuple[float, ...]
    loss: float
    loss_exact: str | None
    method: str

    def construction(self, f: int, m: int, N: int, layout: str) -> Construction:
        """The analytic layer that runs this GD: the paper's one-step (k = 1) or our k-step construction."""
        if self.k == 1:
            return one_step(f, m, N, self.etas[0], layout=layout)
        per_step = len(set(self.etas)) > 1
        return k_step(f, m, N, self.k, self.etas[0], layout=layout, etas=self.etas if per_step else None)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready fields."""
        return {"name": self.name, "k": self.k, "etas": list(self.etas), "alphas": list(self.alphas),
                "loss": self.loss, "loss_exact": self.loss_exact, "method": self.method}


def symbolic_law(law: TaskLaw) -> InputLaw:
    """The :mod:`symbolic.stepsize` law of a sampler's input law (uniform half-width r/2, or Gaussian std s)."""
    if law.noise != 0 or law.distractors != 0 or law.classes is not None:
        raise BadInput("GD references are derived for noiseless regression without distractors")
    parameter = law.input_range / 2 if law.inputs == "uniform" else law.input_scale
    return input_law(law.inputs, sp.Rational(repr(parameter)))


def _eta_text(eta: float) -> str:
    """A float step size as the exact rational of its shortest decimal (what the construction receives)."""
    return str(sp.Rational(repr(eta)))


def one_step_target(law: TaskLaw, f: int, N: int) -> GDTarget:
    """GD-1 at the derived alpha*, with its exact expected loss."""
    summary = optimal_step_summary(symbolic_law(law), f, N, sp.Rational(repr(law.weight_scale**2)))
    alpha = sp.Rational(summary["alpha_star"])
    return GDTarget(name="GD-1 at alpha* (derived)", k=1, etas=(str(N * alpha),), alphas=(float(alpha),),
                    loss=float(sp.Rational(summary["loss_star"])), loss_exact=summary["loss_star"],
                    method="exact: alpha* = E tr G / E tr G^2, L* = sigma^2 s_w^2 (f - (E tr G)^2 / E tr G^2) / 2 "
                           "(symbolic.stepsize)")


def constant_step_target(law: TaskLaw, f: int, N: int, k: int, tasks: int = 20000, seed: int = 0) -> GDTarget:
    """GD-k with one step size at its derived optimum alpha* (:func:`symbolic.schedules.optimal_constant`)."""
    return GDTarget(**derived_target_fields(law, f, N, k, "constant", tasks, seed))


def per_step_target(law: TaskLaw, f: int, N: int, k: int, tasks: int = 20000, seed: int = 0) -> GDTarget:
    """GD-k with its derived optimal per-step step sizes (:func:`symbolic.schedules.optimal_per_step`)."""
    return GDTarget(**derived_target_fields(law, f, N, k, "per-step", tasks, seed))


def zero_loss(law: TaskLaw, f: int) -> float:
    """The expected loss of the predictor yhat = 0, 1/2 sigma^2 s_w^2 f (derived by :mod:`symbolic.stepsize`)."""
    return float(zero_predictor_loss(symbolic_law(law), f, sp.Rational(repr(law.weight_scale**2))))
