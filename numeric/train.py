"""Training a randomly initialised GD-SSM on in-context linear regression (the paper's experiment E1).

A run trains one :class:`~numeric.layer.GDSSMLayer` with a k-fold readout on fresh tasks each step and
compares it, while it trains and at the end, with the analytic layer of the GD it should find
(:mod:`numeric.alignment`, :mod:`numeric.train_targets`).

* Task (paper-facts §3.1, §7.1): x_i, x_q ~ U(-1/2, 1/2)^f, W ~ N(0, I), y_i = W x_i, N context examples.
* Loss: half-MSE per output dimension at the query only, 1/(2 B m) sum_b ||yhat_N - W x_q||^2, the loss the
  paper trains and whose expectation :mod:`symbolic.stepsize` derives.
* Trained: Q, Lambda, d, C (the paper's set, §4.9), plus R, beta, c for k >= 2. Frozen at their structural
  values in every construction here: V_a = I, F = 0 (W_0 = 0), rho = 1 (no weight decay), and c_0 = 1 for
  k = 1 (redundant with the scale of C).
* Initialisation (seeded): Q ~ N(0, 0.1^2) and d ~ N(0, 1) as in the reference code; C, R ~ N(0, 1/H)
  (LeCun); Lambda_ij = exp(-Delta_j / 2) with log Delta_j ~ U(log 1e-3, log 1e-1), the reference code's
  ZOH initialisation (Lambda in [0.951, 0.9995]), but Lambda itself is trained, not its logarithm;
  beta, c ~ N(0, 1).
* Optimiser: Adam (no weight decay) on batches of 64, learning rate ``lr`` (``lambda_lr`` for Lambda) with a
  cosine decay to 0. Training runs in float32 on one thread (the tensors are tiny: more threads only add
  synchronisation); every metric is computed in float64.
* Determinism: the initialisation, the training tasks and the evaluation tasks come from three
  ``torch.Generator`` streams derived from (seed, k); the same seed gives the same numbers.

Presets: ``paper-e1`` (f = m = N = 10, reference layout, k = 1), ``scalar`` (the same with m = 1) and
``k-step`` (split layout, our single-state k-fold readout for k = 2 and 3).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch

from gdssm.core.errors import BadInput
from gdssm.numeric.alignment import Alignment, align, query_losses, supports, trainable_names
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.samplers import TaskBatch, TaskLaw, sample_tasks
from gdssm.numeric.threads import torch_threads
from gdssm.numeric.train_targets import GDTarget, constant_step_target, one_step_target, per_step_target

Progress = Callable[[str, int, int, float], None]
"""(run label, steps done, steps in all, current training loss)."""

TRAIN_DTYPE = torch.float32
PROGRESS_EVERY = 50
"""Steps between progress reports."""
LOG_INTERVAL = 5
"""Fewest steps between two logged points (short runs log less often than ``Preset.logs``)."""
SAMPLE_CHUNK = 128
"""Training batches drawn from the generator at once (fewer, larger draws; the same stream of tasks)."""


@dataclass(frozen=True)
class Preset:
    """One training experiment: task sizes, layout, readout steps k (one run each) and optimiser settings."""

    name: str
    description: str
    f: int
    m: int
    N: int
    layout: str
    ks: tuple[int, ...]
    steps: int
    batch: int = 64
    lr: float = 3e-3
    lambda_lr: float = 1e-3
    eval_tasks: int = 10000
    behaviour_tasks: int = 2000
    monitor_tasks: int = 2000
    monitor_behaviour_tasks: int = 256
    logs: int = 40
    eval_seed: int = 1919
    law: TaskLaw = field(default_factory=TaskLaw)

    def as_dict(self) -> dict[str, object]:
        """JSON-ready settings."""
        return {"name": self.name, "description": self.description, "f": self.f, "m": self.m, "N": self.N,
                "layout": self.layout, "ks": list(self.ks), "steps": self.steps, "batch": self.batch,
                "lr": self.lr, "lambda_lr": self.lambda_lr, "eval_tasks": self.eval_tasks,
                "behaviour_tasks": self.behaviour_tasks, "monitor_tasks": self.monitor_tasks,
                "monitor_behaviour_tasks": self.monitor_behaviour_tasks, "eval_seed": self.eval_seed,
                "law": asdict(self.law)}


PRESETS: dict[str, Preset] = {
    "paper-e1": Preset("paper-e1", "paper's E1: vector task f = m = N = 10, reference layout, one layer, GD-1",
                       f=10, m=10, N=10, layout="reference", ks=(1,), steps=12000),
    "scalar": Preset("scalar", "E1 with a scalar output m = 1 (y in the last token slot), GD-1",
                     f=10, m=1, N=10, layout="reference", ks=(1,), steps=12000),
    "k-step": Preset("k-step", "our single-state k-fold readout, split layout f = m = N = 10, GD-2 and GD-3",
                     f=10, m=10, N=10, layout="split", ks=(2, 3), steps=30000),
}


def preset(name: str) -> Preset:
    """The preset ``name``; an unknown name is a :class:`BadInput` that lists the presets."""
    if name not in PRESETS:
        raise BadInput(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


@dataclass
class RunResult:
    """One trained layer: its references, final alignment against each, and the metrics logged over training."""

    k: int
    target: GDTarget
    references: list[GDTarget]
    trained: GDSSMLayer
    analytic: list[GDSSMLayer]
    supports: dict[str, torch.Tensor]
    history: list[dict[str, float]]
    final: list[Alignment]
    seconds: float

    @property
    def tag(self) -> str:
        """``k1``, ``k2``, ...: names the run's files."""
        return f"k{self.k}"


@dataclass
class TrainResult:
    """All runs of a preset."""

    preset: Preset
    seed: int
    steps: int
    runs: list[RunResult]
    seconds: float


def _stream(seed: int, k: int, name: str) -> torch.Generator:
    """An independent generator for (seed, k, stream name)."""
    words = [seed, k, *name.encode()]
    return torch.Generator().manual_seed(int(np.random.SeedSequence(words).generate_state(1, np.uint64)[0] >> 1))


def random_layer(analytic: GDSSMLayer, gen: torch.Generator, dtype: torch.dtype = TRAIN_DTYPE) -> GDSSMLayer:
    """A layer with the embeddings of ``analytic`` and random trainable parameters (module docstring)."""
    k, H = analytic.k, analytic.H
    layer = GDSSMLayer(analytic.E_x, analytic.E_y, k, dtype=dtype)

    def normal(*shape: int, std: float = 1.0) -> torch.Tensor:
        return torch.randn(*shape, generator=gen, dtype=torch.float64) * std

    delta = torch.exp(torch.empty(H, dtype=torch.float64).uniform_(math.log(1e-3), math.log(1e-1), generator=gen))
    values = {"Q": normal(3, 3, std=0.1), "d": normal(3), "C": normal(layer.m, H, std=H**-0.5),
              "Lambda": torch.exp(-0.5 * delta).expand(H, H)}
    if k == 1:
        values["c"] = torch.ones(1, dtype=torch.float64)
    else:
        values.update(R=normal(H, H, std=H**-0.5), beta=normal(k - 1), c=normal(k))
    with torch.no_grad():
        for name, value in values.items():
            getattr(layer, name).copy_(value)
    trained = trainable_names(k)
    for name, param in layer.named_parameters():
        param.requires_grad_(name in trained)
    return layer


def references(spec: Preset, k: int) -> list[GDTarget]:
    """The GD a k-fold readout should find: GD-1 at the derived alpha* (k = 1); GD-k at its optimal constant
    alpha (the target) and with optimal per-step alphas (k >= 2)."""
    if k == 1:
        return [one_step_target(spec.law, spec.f, spec.N)]
    return [constant_step_target(spec.law, spec.f, spec.N, k), per_step_target(spec.law, spec.f, spec.N, k)]


def _batches(spec: Preset, gen: torch.Generator, steps: int) -> Iterator[TaskBatch]:
    """``steps`` training batches, drawn SAMPLE_CHUNK batches at a time from ``gen``."""
    done = 0
    while done < steps:
        n = min(SAMPLE_CHUNK, steps - done)
        chunk = sample_tasks(spec.law, n * spec.batch, spec.N, spec.f, spec.m, generator=gen, dtype=TRAIN_DTYPE)
        for i in range(n):
            part = slice(i * spec.batch, (i + 1) * spec.batch)
            yield TaskBatch(x=chunk.x[part], y=chunk.y[part], W=chunk.W[part], distractor=chunk.distractor[part])
        done += n


def _subset(batch: TaskBatch, n: int) -> TaskBatch:
    return TaskBatch(x=batch.x[:n], y=batch.y[:n], W=batch.W[:n], distractor=batch.distractor[:n])


def _log_row(step: int, train_loss: float, alignment: Alignment) -> dict[str, float]:
    row = {"step": float(step), "train_loss": train_loss, "eval_loss": alignment.loss,
           "analytic_loss": alignment.analytic_loss, "interpolation_loss": alignment.interpolation_loss,
           "sensitivity_cosine": alignment.behaviour.sensitivity_cosine,
           "sensitivity_l2": alignment.behaviour.sensitivity_l2,
           "prediction_l2": alignment.behaviour.prediction_l2}
    row.update({f"distance_{name}": value for name, value in alignment.distances.relative.items()})
    return row


def train_run(spec: Preset, k: int, steps: int, seed: int, eval_batch: TaskBatch,
              progress: Progress | None = None) -> RunResult:
    """Train one randomly initialised k-fold readout layer for ``steps`` Adam steps (module docstring)."""
    start = time.perf_counter()
    refs = references(spec, k)
    analytic = [GDSSMLayer.from_construction(r.construction(spec.f, spec.m, spec.N, spec.layout)) for r in refs]
    support = supports(analytic[0], eval_batch)
    monitor = _subset(eval_batch, spec.monitor_tasks)
    layer = random_layer(analytic[0], _stream(seed, k, "init"))
    groups = [{"params": [p for n, p in layer.named_parameters() if p.requires_grad and n != "Lambda"], "lr": spec.lr},
              {"params": [layer.Lambda], "lr": spec.lambda_lr}]
    optimiser = torch.optim.Adam(groups)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, lambda s: 0.5 * (1 + math.cos(math.pi * s / steps)))
    logs = min(spec.logs, max(1, steps // LOG_INTERVAL))
    log_at = set(np.unique(np.linspace(0, steps, logs + 1).round().astype(int)).tolist())

    def monitored() -> Alignment:
        return align(layer, analytic[0], monitor, support, spec.monitor_behaviour_tasks)

    initial = monitored()
    history: list[dict[str, float]] = []
    running, count = 0.0, 0
    for step, batch in enumerate(_batches(spec, _stream(seed, k, "data"), steps), start=1):
        loss = query_losses(layer, batch).mean()
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
        schedule.step()
        running, count = running + float(loss.detach()), count + 1
        if step == 1:  # the first batch's loss was taken at the initial parameters
            history.append(_log_row(0, running, initial))
        if progress is not None and (step % PROGRESS_EVERY == 0 or step == steps):
            progress(f"k = {k}", step, steps, running / count)
        if step in log_at:
            history.append(_log_row(step, running / count, monitored()))
            running, count = 0.0, 0
    final = [align(layer, a, eval_batch, support, spec.behaviour_tasks) for a in analytic]
    return RunResult(k=k, target=refs[0], references=refs, trained=layer, analytic=analytic, supports=support,
                     history=history, final=final, seconds=time.perf_counter() - start)


def train(name: str | Preset, steps: int | None = None, seed: int = 0, progress: Progress | None = None,
          eval_tasks: int | None = None) -> TrainResult:
    """Every run of a preset (by name, or a :class:`Preset`), ``steps`` Adam steps each (default the preset's),
    on one torch thread; ``eval_tasks`` shrinks the evaluation set (and the subsets drawn from it)."""
    spec = preset(name) if isinstance(name, str) else name
    for label, value, least in (("number of training steps", steps, 1), ("seed", seed, 0),
                                ("number of evaluation tasks", eval_tasks, 2)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < least):
            raise BadInput(f"{label} must be an integer >= {least}, got {value!r}")
    if eval_tasks is not None:
        spec = replace(spec, eval_tasks=eval_tasks, behaviour_tasks=min(spec.behaviour_tasks, eval_tasks),
                       monitor_tasks=min(spec.monitor_tasks, eval_tasks),
                       monitor_behaviour_tasks=min(spec.monitor_behaviour_tasks, eval_tasks))
    n_steps = spec.steps if steps is None else steps
    start = time.perf_counter()
    with torch_threads(1):
        eval_batch = sample_tasks(spec.law, spec.eval_tasks, spec.N, spec.f, spec.m, seed=spec.eval_seed)
        runs = [train_run(spec, k, n_steps, seed, eval_batch, progress) for k in spec.ks]
    return TrainResult(preset=spec, seed=seed, steps=n_steps, runs=runs, seconds=time.perf_counter() - start)
