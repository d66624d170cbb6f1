"""Preset ``nonlinear``: a GD-SSM with a learned MLP feature map on the sine task (the paper's E2, quirks fixed).

* Task: y = a sin(x + b) with N context examples and a query. Law ``independent`` (default): a ~ U(0.1, 0.5) and
  b ~ U(0, pi) drawn independently, x ~ U(-5, 5) (von Oswald et al.'s input range 10). Law ``authors``: the
  authors' draw (paper-facts §3.1): one u ~ U(0, 1) gives both a = 0.1 + 0.4 u and b = pi u, x ~ U(-1/2, 1/2).
* Model: phi, an MLP R -> R^p (tanh, random init), applied to the x tokens and the query; the GD-SSM layer of
  :mod:`numeric.layer` (split layout at dims (p, 1), one readout term) with random Q, Lambda, d, C
  (:func:`numeric.train.random_layer`). phi and the layer are trained together by Adam on the half squared
  error at the query, float32, one thread.
* Compared with, on held-out tasks (float64):
  (i) GD on the learned features: the analytic one-step core (:func:`symbolic.constructions.one_step`, the
  construction ``ssm.features_one_step`` proves) fed the trained phi, eta set by exact least squares on the
  evaluation tasks (the prediction is linear in eta);
  (ii) the same core on fixed random features: phi at its initialisation, never trained;
  (iii) exact least squares on the learned features, W* = argmin_W sum_i ||W phi(x_i) - y_i||^2 (min-norm).
  For each: its loss, the prediction L2 (RMS of its query predictions minus the trained model's) and the
  sensitivity cosine, the mean over tasks of the cosine between d yhat_q / d(x_1..x_N, y_1..y_N, x_q) of the
  trained model and of the comparison (a scalar task has one query input, so the sensitivity runs over the
  whole context).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from torch import Tensor, nn

from gdssm.core.errors import BadInput
from gdssm.numeric.features import mlp
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.threads import torch_threads
from gdssm.numeric.train import random_layer
from gdssm.symbolic.constructions import one_step

LAWS = ("independent", "authors")
Progress = Callable[[str, int, int, float], None]


@dataclass(frozen=True)
class NonlinearPreset:
    """Sizes, law and optimiser settings of the ``nonlinear`` preset."""

    name: str = "nonlinear"
    description: str = ("sine regression y = a sin(x + b), learned MLP feature map + GD-SSM layer, compared with GD "
                        "on learned and random features and least squares")
    N: int = 20
    p: int = 16
    widths: tuple[int, ...] = (32, 32)
    activation: str = "tanh"
    law: str = "independent"
    steps: int = 2000
    batch: int = 128
    lr: float = 3e-3
    eval_tasks: int = 1024
    eval_seed: int = 1919

    def as_dict(self) -> dict[str, object]:
        """JSON-ready settings."""
        out = asdict(self)
        out["widths"] = list(self.widths)
        return out


def sine_tasks(n: int, N: int, law: str, gen: torch.Generator, dtype: torch.dtype = torch.float64
               ) -> tuple[Tensor, Tensor, Tensor]:
    """x (n, N+1, 1), context labels y (n, N, 1) and query targets (n, 1) under ``law`` (module docstring)."""
    if law not in LAWS:
        raise BadInput(f"unknown law {law!r} of the sine task; choose one of {', '.join(LAWS)}")
    if law == "authors":
        u = torch.rand(n, 1, 1, generator=gen, dtype=dtype)
        a, b = 0.1 + 0.4 * u, math.pi * u
        x = torch.rand(n, N + 1, 1, generator=gen, dtype=dtype) - 0.5
    else:
        a = 0.1 + 0.4 * torch.rand(n, 1, 1, generator=gen, dtype=dtype)
        b = math.pi * torch.rand(n, 1, 1, generator=gen, dtype=dtype)
        x = 10 * torch.rand(n, N + 1, 1, generator=gen, dtype=dtype) - 5
    y = a * torch.sin(x + b)
    return x, y[:, :N], y[:, N]


class FeatureGDSSM(nn.Module):
    """phi then the GD-SSM layer: the query prediction yhat_N from the raw x (B, N+1, 1) and y (B, N, 1)."""

    def __init__(self, phi: nn.Module, layer: GDSSMLayer) -> None:
        super().__init__()
        self.phi = phi
        self.layer = layer

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        """yhat_N, shape (B, 1)."""
        return self.layer(self.phi(x), y)[:, -1]


def analytic_core(p: int, N: int, dtype: torch.dtype = torch.float64) -> GDSSMLayer:
    """The one-step construction at dims (p, 1) with eta = 1 (alpha = 1/N), lowered."""
    return GDSSMLayer.from_construction(one_step(p, 1, N, 1), dtype=dtype)


def least_squares(phi: nn.Module, x: Tensor, y: Tensor) -> Tensor:
    """W* phi(x_q) with W* the min-norm least-squares fit on the context features, (B, 1)."""
    feats = phi(x)
    W = torch.linalg.pinv(feats[:, :-1]) @ y  # (B, p, 1)
    return (feats[:, -1:] @ W)[:, 0]


def _sensitivities(predict: Callable[[Tensor, Tensor], Tensor], x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """(predictions (B, 1), d yhat / d(x, y) flattened per task (B, 2N+1))."""
    xs, ys = x.clone().requires_grad_(True), y.clone().requires_grad_(True)
    with torch.enable_grad():
        out = predict(xs, ys)
        gx, gy = torch.autograd.grad(out.sum(), (xs, ys), allow_unused=True)
    gx = torch.zeros_like(x) if gx is None else gx
    gy = torch.zeros_like(y) if gy is None else gy
    return out.detach(), torch.cat([gx.flatten(1), gy.flatten(1)], dim=1)


@dataclass
class Comparison:
    """One comparison model's metrics against the trained GD-SSM."""

    name: str
    loss: float
    prediction_l2: float
    sensitivity_cosine: float
    eta: float | None = None


@dataclass
class NonlinearResult:
    """The trained model's loss, the comparisons, the training log and the settings."""

    preset: dict[str, object]
    seed: int
    loss: float
    zero_loss: float
    comparisons: list[Comparison]
    log: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0
    model: FeatureGDSSM | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready results (the model left out)."""
        return {"preset": self.preset, "seed": self.seed, "loss": self.loss, "zero_loss": self.zero_loss,
                "comparisons": [asdict(c) for c in self.comparisons], "log": self.log, "seconds": self.seconds}


def _half_mse(pred: Tensor, target: Tensor) -> float:
    return float(0.5 * ((pred - target) ** 2).mean())


def _cosine(a: Tensor, b: Tensor, eps: float = 1e-8) -> float:
    return float(((a * b).sum(1) / (a.norm(dim=1).clamp_min(eps) * b.norm(dim=1).clamp_min(eps))).mean())


def evaluate(model: FeatureGDSSM, phi_init: nn.Module, x: Tensor, y: Tensor, target: Tensor) -> tuple[
        float, list[Comparison]]:
    """The trained model's loss and the three comparisons (module docstring), all in float64."""
    trained = copy.deepcopy(model).double()
    phi, phi0 = trained.phi, copy.deepcopy(phi_init).double()
    for module in (trained, phi0):
        for param in module.parameters():
            param.requires_grad_(False)
    N, p = y.shape[1], trained.layer.f
    core = analytic_core(p, N)
    yhat, J = _sensitivities(trained, x, y)

    def gd_on(features: nn.Module) -> tuple[Callable[[Tensor, Tensor], Tensor], float]:
        with torch.no_grad():
            g = core(features(x), y, )[:, -1]  # the core at eta = 1: yhat = eta g
        eta = float((g * target).sum() / (g * g).sum().clamp_min(1e-300))
        return (lambda xs, ys: eta * core(features(xs), ys, )[:, -1]), eta

    comparisons = []
    for name, features in (("gd on learned features", phi), ("gd on random features", phi0)):
        predict, eta = gd_on(features)
        pred, J_ref = _sensitivities(predict, x, y)
        comparisons.append(Comparison(name, _half_mse(pred, target), float(((pred - yhat) ** 2).mean().sqrt()),
                                      _cosine(J, J_ref), eta))
    pred, J_ref = _sensitivities(lambda xs, ys: least_squares(phi, xs, ys), x, y)
    comparisons.append(Comparison("least squares on learned features", _half_mse(pred, target),
                                  float(((pred - yhat) ** 2).mean().sqrt()), _cosine(J, J_ref)))
    return _half_mse(yhat, target), comparisons


def train_nonlinear(spec: NonlinearPreset | None = None, *, steps: int | None = None, seed: int = 0,
                    law: str | None = None, progress: Progress | None = None) -> NonlinearResult:
    """Train the preset (module docstring) and compare; the same seed gives the same numbers."""
    spec = spec or NonlinearPreset()
    if law is not None:
        spec = NonlinearPreset(**{**asdict(spec), "law": law})
    if spec.law not in LAWS:
        raise BadInput(f"unknown law {spec.law!r} of the sine task; choose one of {', '.join(LAWS)}")
    total = spec.steps if steps is None else steps
    if total < 0:
        raise BadInput(f"steps must be >= 0, got {total}")
    start = time.perf_counter()
    with torch_threads(1):
        init_gen = torch.Generator().manual_seed(seed)
        phi = mlp(1, spec.widths, spec.p, spec.activation, seed=seed, dtype=torch.float32)
        phi_init = copy.deepcopy(phi)
        layer = random_layer(analytic_core(spec.p, spec.N), init_gen, dtype=torch.float32)
        model = FeatureGDSSM(phi, layer)
        params = [q for q in model.parameters() if q.requires_grad]
        opt = torch.optim.Adam(params, lr=spec.lr)
        sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: 0.5 * (1 + math.cos(math.pi * s / max(total, 1))))
        data_gen = torch.Generator().manual_seed(seed + 7919)
        log: list[dict[str, float]] = []
        every = max(1, total // 20)
        for step in range(total):
            x, y, target = sine_tasks(spec.batch, spec.N, spec.law, data_gen, torch.float32)
            loss = 0.5 * ((model(x, y) - target) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            if step % every == 0 or step == total - 1:
                log.append({"step": float(step), "train_loss": float(loss.detach())})
                if progress is not None:
                    progress(spec.name, step + 1, total, float(loss.detach()))
        eval_gen = torch.Generator().manual_seed(spec.eval_seed)
        x, y, target = sine_tasks(spec.eval_tasks, spec.N, spec.law, eval_gen)
        trained_loss, comparisons = evaluate(model, phi_init, x, y, target)
    return NonlinearResult(spec.as_dict(), seed, trained_loss, _half_mse(torch.zeros_like(target), target),
                           comparisons, log, time.perf_counter() - start, model)


def summary(result: NonlinearResult) -> str:
    """A plain-text table of the comparisons."""
    lines = [f"nonlinear ({result.preset['law']} law): trained GD-SSM loss {result.loss:.4g} "
             f"(zero predictor {result.zero_loss:.4g}), {result.seconds:.1f} s",
             f"{'comparison':36s} {'loss':>10s} {'pred L2':>10s} {'sens cos':>9s} {'eta':>9s}"]
    for c in result.comparisons:
        eta = "" if c.eta is None else f"{c.eta:9.3g}"
        lines.append(f"{c.name:36s} {c.loss:10.4g} {c.prediction_l2:10.4g} {c.sensitivity_cosine:9.3f} {eta}")
    return "\n".join(lines)


PRESET = NonlinearPreset()

__all__ = ["LAWS", "PRESET", "Comparison", "FeatureGDSSM", "NonlinearPreset", "NonlinearResult", "analytic_core",
           "evaluate", "least_squares", "sine_tasks", "summary", "train_nonlinear"]
