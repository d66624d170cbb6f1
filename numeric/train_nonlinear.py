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
  and the zero predictor yhat = 0.
  For each: its loss L = mean over tasks of l_i = (yhat_i - y_i)^2 / 2 with its standard error s / sqrt(n), the
  paired difference mean(l_i^cmp - l_i^trained) with its standard error, the prediction L2 (RMS of its query
  predictions minus the trained model's) and the sensitivity cosine, the mean over tasks (with its standard
  error) of the cosine between d yhat_q / d(x_1..x_N, y_1..y_N, x_q) of the trained model and of the comparison
  (a scalar task has one query input, so the sensitivity runs over the whole context; the zero predictor has
  none).
* :func:`prediction_curves`: for the first few evaluation tasks, the predictions of the trained model, of GD on
  the learned features and of least squares as the query x sweeps the law's range, with the truth a sin(x + b).
"""

from __future__ import annotations

import copy
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any, cast

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
Predict = Callable[[Tensor, Tensor], Tensor]
"""A predictor: (x (B, N+1, 1), y (B, N, 1)) -> yhat_q (B, 1)."""


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


X_RANGE = {"independent": (-5.0, 5.0), "authors": (-0.5, 0.5)}
"""The interval x is drawn from under each law."""
AMPLITUDE = (0.1, 0.5)
"""a ranges over this interval (uniformly) under both laws."""
PHASE_TURNS = (0.0, 1.0)
"""b / pi ranges over this interval (uniformly) under both laws."""


def sine_draw(n: int, N: int, law: str, gen: torch.Generator, dtype: torch.dtype = torch.float64
              ) -> tuple[Tensor, Tensor, Tensor]:
    """Amplitudes a (n, 1, 1), phases b (n, 1, 1) and inputs x (n, N+1, 1) under ``law`` (module docstring)."""
    if law not in LAWS:
        raise BadInput(f"unknown law {law!r} of the sine task; choose one of {', '.join(LAWS)}")
    lo, hi = X_RANGE[law]
    (a0, a1), (b0, b1) = AMPLITUDE, PHASE_TURNS
    u = torch.rand(n, 1, 1, generator=gen, dtype=dtype)
    v = u if law == "authors" else torch.rand(n, 1, 1, generator=gen, dtype=dtype)  # authors: one draw for both
    a, b = a0 + (a1 - a0) * u, math.pi * (b0 + (b1 - b0) * v)
    x = (hi - lo) * torch.rand(n, N + 1, 1, generator=gen, dtype=dtype) + lo
    return a, b, x


def sine_tasks(n: int, N: int, law: str, gen: torch.Generator, dtype: torch.dtype = torch.float64
               ) -> tuple[Tensor, Tensor, Tensor]:
    """x (n, N+1, 1), context labels y (n, N, 1) and query targets (n, 1): y = a sin(x + b) (:func:`sine_draw`)."""
    a, b, x = sine_draw(n, N, law, gen, dtype)
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


def _sensitivities(predict: Predict, x: Tensor, y: Tensor) -> tuple[Tensor, Tensor]:
    """(predictions (B, 1), d yhat / d(x, y) flattened per task (B, 2N+1))."""
    xs, ys = x.clone().requires_grad_(True), y.clone().requires_grad_(True)
    with torch.enable_grad():
        out = predict(xs, ys)
        gx, gy = torch.autograd.grad(out.sum(), (xs, ys), allow_unused=True)
    gx = torch.zeros_like(x) if gx is None else gx
    gy = torch.zeros_like(y) if gy is None else gy
    return out.detach(), torch.cat([gx.flatten(1), gy.flatten(1)], dim=1)


def mean_stderr(values: Tensor) -> tuple[float, float]:
    """(mean, s / sqrt(n)) of a 1-D sample, s the sample standard deviation (divisor n - 1)."""
    n = values.numel()
    return float(values.mean()), float(values.std(correction=1) / math.sqrt(n)) if n > 1 else math.nan


@dataclass
class Comparison:
    """One comparison model against the trained GD-SSM on the evaluation tasks (module docstring).

    ``paired_difference`` = mean(l_i^cmp - l_i^trained); the cosine is None for the zero predictor (no
    sensitivity); ``eta`` is the fitted step size of the GD comparisons.
    """

    name: str
    loss: float
    loss_stderr: float
    paired_difference: float
    paired_stderr: float
    prediction_l2: float
    sensitivity_cosine: float | None
    sensitivity_cosine_stderr: float | None
    eta: float | None = None


@dataclass
class NonlinearResult:
    """The trained model's loss, the comparisons, the training log, the prediction curves and the settings."""

    preset: dict[str, Any]
    seed: int
    steps: int
    loss: float
    loss_stderr: float
    comparisons: list[Comparison]
    log: list[dict[str, float]] = field(default_factory=list)
    curves: dict[str, Any] = field(default_factory=dict)
    seconds: float = 0.0
    model: FeatureGDSSM | None = None

    @property
    def zero_loss(self) -> float:
        """The loss of the zero predictor on the evaluation tasks."""
        return next(c.loss for c in self.comparisons if c.name == ZERO)

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready results (the model left out)."""
        return {"preset": self.preset, "seed": self.seed, "steps": self.steps, "loss": self.loss,
                "loss_stderr": self.loss_stderr, "comparisons": [asdict(c) for c in self.comparisons],
                "log": self.log, "seconds": self.seconds}


GD_LEARNED, GD_RANDOM, LEAST_SQUARES, ZERO = ("gd on learned features", "gd on random features",
                                              "least squares on learned features", "zero predictor")
"""The comparisons, in the order they are reported."""


def _half_se(pred: Tensor, target: Tensor) -> Tensor:
    """Per-task loss l_i = (yhat_i - y_i)^2 / 2, shape (B,)."""
    return 0.5 * ((pred - target) ** 2).flatten(1).mean(1)


def _cosines(a: Tensor, b: Tensor, eps: float = 1e-8) -> Tensor:
    """Per-task cos(a_i, b_i), shape (B,)."""
    return (a * b).sum(1) / (a.norm(dim=1).clamp_min(eps) * b.norm(dim=1).clamp_min(eps))


def gd_predictor(core: GDSSMLayer, features: nn.Module, eta: float) -> Predict:
    """yhat_q = eta g with g the one-step core at eta = 1 on phi(x): GD on the features with step eta."""
    return lambda xs, ys: eta * core(features(xs), ys)[:, -1]


def fit_eta(core: GDSSMLayer, features: nn.Module, x: Tensor, y: Tensor, target: Tensor) -> float:
    """The eta minimising sum_i (eta g_i - y_i)^2: eta = <g, y> / <g, g> (the prediction is linear in eta)."""
    with torch.no_grad():
        g = core(features(x), y)[:, -1]
    return float((g * target).sum() / (g * g).sum().clamp_min(1e-300))


def _frozen64(module: nn.Module) -> nn.Module:
    """A float64 copy of ``module`` with no parameter requiring a gradient."""
    out = copy.deepcopy(module).double()
    for param in out.parameters():
        param.requires_grad_(False)
    return out


def evaluate(model: FeatureGDSSM, phi_init: nn.Module, x: Tensor, y: Tensor, target: Tensor) -> tuple[
        float, float, list[Comparison]]:
    """The trained model's loss with its standard error and the comparisons (module docstring), in float64."""
    trained = cast(FeatureGDSSM, _frozen64(model))
    phi, phi0 = trained.phi, _frozen64(phi_init)
    core = analytic_core(trained.layer.f, y.shape[1])
    yhat, J = _sensitivities(trained, x, y)
    base = _half_se(yhat, target)

    def compare(name: str, predict: Predict, eta: float | None = None) -> Comparison:
        pred, J_ref = _sensitivities(predict, x, y)
        losses = _half_se(pred, target)
        (loss, loss_se), (diff, diff_se) = mean_stderr(losses), mean_stderr(losses - base)
        cos, cos_se = (None, None) if name == ZERO else mean_stderr(_cosines(J, J_ref))
        return Comparison(name, loss, loss_se, diff, diff_se, float(((pred - yhat) ** 2).mean().sqrt()), cos, cos_se,
                          eta)

    comparisons = []
    for name, features in ((GD_LEARNED, phi), (GD_RANDOM, phi0)):
        eta = fit_eta(core, features, x, y, target)
        comparisons.append(compare(name, gd_predictor(core, features, eta), eta))
    comparisons.append(compare(LEAST_SQUARES, lambda xs, ys: least_squares(phi, xs, ys)))
    comparisons.append(compare(ZERO, lambda xs, ys: torch.zeros_like(ys[:, -1]) * xs[:, -1]))
    return *mean_stderr(base), comparisons


def evaluation_tasks(law: str, N: int, tasks: int, seed: int) -> tuple[Tensor, Tensor, Tensor, Tensor, Tensor]:
    """The held-out tasks, float64: (a, b, x, context labels y, query targets), drawn from ``seed``."""
    a, b, x = sine_draw(tasks, N, law, torch.Generator().manual_seed(seed))
    labels = a * torch.sin(x + b)
    return a, b, x, labels[:, :N], labels[:, N]


def evaluation_loss(model: FeatureGDSSM, x: Tensor, y: Tensor, target: Tensor) -> float:
    """mean_i (yhat_i - y_i)^2 / 2 of ``model`` run in float64 on one thread (what a weights file records)."""
    with torch_threads(1), torch.no_grad():
        return float(_half_se(_frozen64(model)(x, y), target).mean())


def prediction_curves(model: FeatureGDSSM, eta: float, law: str, x: Tensor, y: Tensor, a: Tensor, b: Tensor,
                      points: int = 201) -> dict[str, Any]:
    """Per task (the rows of x (T, N+1, 1), y (T, N, 1), a, b (T, 1, 1)): the context, and the truth a sin(x + b)
    and the query predictions of the trained model, GD on the learned features (step ``eta``) and least squares
    as the query x sweeps the law's range on ``points`` grid points (float64)."""
    trained = cast(FeatureGDSSM, _frozen64(model))
    core = analytic_core(trained.layer.f, y.shape[1])
    grid = torch.linspace(*X_RANGE[law], points, dtype=torch.float64)
    models: dict[str, Predict] = {"trained": trained, GD_LEARNED: gd_predictor(core, trained.phi, eta),
                                  LEAST_SQUARES: lambda xs, ys: least_squares(trained.phi, xs, ys)}
    tasks = []
    with torch.no_grad():
        for t in range(x.shape[0]):
            xs = x[t:t + 1].repeat(points, 1, 1)
            xs[:, -1, 0] = grid
            ys = y[t:t + 1].repeat(points, 1, 1)
            curves = {name: predict(xs, ys)[:, 0].tolist() for name, predict in models.items()}
            tasks.append({"a": float(a[t]), "b": float(b[t]), "context_x": x[t, :-1, 0].tolist(),
                          "context_y": y[t, :, 0].tolist(), "truth": (a[t, 0] * torch.sin(grid + b[t, 0])).tolist(),
                          **curves})
    return {"x": grid.tolist(), "tasks": tasks}


def train_nonlinear(spec: NonlinearPreset | None = None, *, steps: int | None = None, seed: int = 0,
                    law: str | None = None, progress: Progress | None = None, curve_tasks: int = 3
                    ) -> NonlinearResult:
    """Train the preset (module docstring) and compare; the same seed gives the same numbers.

    The log holds the mean training loss over each logging interval (20 intervals)."""
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
        interval: list[float] = []
        for step in range(total):
            x, y, target = sine_tasks(spec.batch, spec.N, spec.law, data_gen, torch.float32)
            loss = 0.5 * ((model(x, y) - target) ** 2).mean()
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            interval.append(float(loss.detach()))
            if step % every == every - 1 or step == total - 1:
                log.append({"step": float(step + 1), "train_loss": sum(interval) / len(interval)})
                interval = []
                if progress is not None:
                    progress(spec.name, step + 1, total, log[-1]["train_loss"])
        a, b, x, y, target = evaluation_tasks(spec.law, spec.N, spec.eval_tasks, spec.eval_seed)
        loss_mean, loss_se, comparisons = evaluate(model, phi_init, x, y, target)
        eta = next(c.eta for c in comparisons if c.name == GD_LEARNED)
        assert eta is not None
        shown = slice(0, min(curve_tasks, spec.eval_tasks))
        curves = prediction_curves(model, eta, spec.law, x[shown], y[shown], a[shown], b[shown])
    return NonlinearResult(spec.as_dict(), seed, total, loss_mean, loss_se, comparisons, log, curves,
                           time.perf_counter() - start, model)


def _pm(mean: float, stderr: float) -> str:
    return f"{mean:.4g} +- {stderr:.2g}"


def summary(result: NonlinearResult) -> str:
    """A plain-text table of the comparisons (losses and paired differences with their standard errors)."""
    lines = [f"nonlinear ({result.preset['law']} law, seed {result.seed}, {result.steps} steps): trained GD-SSM "
             f"loss {_pm(result.loss, result.loss_stderr)} on {result.preset['eval_tasks']} tasks, "
             f"{result.seconds:.1f} s",
             f"{'comparison':34s} {'loss (+- s.e.)':>22s} {'minus trained (+- s.e.)':>24s} {'pred L2':>8s} "
             f"{'sens cos':>8s} {'eta':>7s}"]
    for c in result.comparisons:
        cos = "" if c.sensitivity_cosine is None else f"{c.sensitivity_cosine:.3f}"
        eta = "" if c.eta is None else f"{c.eta:.3g}"
        lines.append(f"{c.name:34s} {_pm(c.loss, c.loss_stderr):>22s} "
                     f"{_pm(c.paired_difference, c.paired_stderr):>24s} {c.prediction_l2:8.4g} {cos:>8s} {eta:>7s}")
    return "\n".join(lines)


PRESET = NonlinearPreset()

__all__ = ["AMPLITUDE", "GD_LEARNED", "GD_RANDOM", "LAWS", "LEAST_SQUARES", "PHASE_TURNS", "PRESET", "X_RANGE",
           "ZERO", "Comparison", "FeatureGDSSM", "NonlinearPreset", "NonlinearResult", "analytic_core", "evaluate",
           "evaluation_loss", "evaluation_tasks", "fit_eta", "gd_predictor", "least_squares", "mean_stderr",
           "prediction_curves", "sine_draw", "sine_tasks", "summary", "train_nonlinear"]
