"""In-context tasks: batches of (x_1..x_{N+1}, y_1..y_N) drawn from a seeded ``torch.Generator``.

A :class:`TaskLaw` says how one task is drawn:

* inputs x_i in R^f, i = 1..N+1 (x_{N+1} the query): ``uniform`` x_ia ~ U(-r/2, r/2) (r = ``input_range``)
  or ``gaussian`` x_ia ~ N(0, s^2) (s = ``input_scale``), all coordinates independent;
* a teacher W in R^{m x f} with W_ab ~ N(0, ``weight_scale``^2);
* regression labels y_i = W x_i + ``noise`` * e_i, e_i ~ N(0, I_m); classification (``classes`` = m) labels
  y_i = one_hot(argmax_c (W x_i)_c);
* distractors: each context label independently, with probability ``distractors``, is replaced by a draw
  from N(0, I_m) (regression) or a uniformly random one-hot vector (classification).

Out-of-distribution tests stretch a law: :meth:`TaskLaw.stretched` multiplies the input range (or scale)
and the weight scale. Sampling runs on the CPU in float64 from the generator, so one seed gives the same
task on every device; the batch is then cast to the requested dtype and device.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from fractions import Fraction

import torch
from torch import Tensor

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_dim

INPUT_LAWS = ("uniform", "gaussian")


@dataclass(frozen=True)
class TaskLaw:
    """How a task is drawn (module docstring)."""

    inputs: str = "uniform"
    input_range: float = 1.0
    input_scale: float = 1.0
    weight_scale: float = 1.0
    noise: float = 0.0
    distractors: float = 0.0
    classes: int | None = None

    def __post_init__(self) -> None:
        if self.inputs not in INPUT_LAWS:
            raise BadInput(f"unknown input law {self.inputs!r}; choose one of {', '.join(INPUT_LAWS)}")
        for name in ("input_range", "input_scale", "weight_scale"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise BadInput(f"{name} must be a positive finite number, got {value!r}")
        if not (math.isfinite(self.noise) and self.noise >= 0):
            raise BadInput(f"label noise must be a finite number >= 0, got {self.noise!r}")
        if not 0 <= self.distractors <= 1:
            raise BadInput(f"distractor fraction must lie in [0, 1], got {self.distractors!r}")
        if self.classes is not None:
            require_dim("classes", self.classes)

    @property
    def input_variance(self) -> float:
        """sigma^2 = E x_ia^2 in closed form: a^2/3 for U(-a, a) (a = r/2, so r^2/12) and s^2 for N(0, s^2).

        Exact: the parameter (a, or s) is read as the rational of its shortest decimal (as
        :mod:`symbolic.stepsize` reads it) and the result rounded once; the tests confirm it equals the SymPy
        integral of the density (:func:`symbolic.stepsize.input_law`), which is no longer evaluated per draw.
        """
        if self.inputs == "uniform":
            half = Fraction(repr(self.input_range / 2))  # the half-width a = r/2, read as SymPy read it
            return float(half * half / 3)  # int_{-a}^{a} x^2 / (2a) dx = a^2 / 3
        scale = Fraction(repr(self.input_scale))
        return float(scale * scale)

    def stretched(self, inputs: float = 1.0, weights: float = 1.0) -> TaskLaw:
        """The law with inputs ``inputs`` times wider and teacher weights ``weights`` times larger."""
        return replace(self, input_range=self.input_range * inputs, input_scale=self.input_scale * inputs,
                       weight_scale=self.weight_scale * weights)


@dataclass(frozen=True)
class TaskBatch:
    """x (B, N+1, f), y (B, N, m), the teachers W (B, m, f) and which labels are distractors (B, N)."""

    x: Tensor
    y: Tensor
    W: Tensor
    distractor: Tensor


def sample_tasks(law: TaskLaw, batch: int, N: int, f: int, m: int, *, seed: int | None = None,
                 generator: torch.Generator | None = None, dtype: torch.dtype = torch.float64,
                 device: torch.device | str | None = None) -> TaskBatch:
    """``batch`` independent tasks of N context examples drawn from ``law`` (give ``seed`` or ``generator``)."""
    for name, value in (("batch", batch), ("N", N), ("f", f), ("m", m)):
        require_dim(name, value)
    if law.classes is not None and law.classes != m:
        raise BadInput(f"a classification law with {law.classes} classes needs m = {law.classes}, got m = {m}")
    if (seed is None) == (generator is None):
        raise BadInput("give exactly one of seed and generator")
    gen = generator if generator is not None else torch.Generator().manual_seed(int(seed or 0))
    f64 = torch.float64
    if law.inputs == "uniform":
        x = (torch.rand(batch, N + 1, f, generator=gen, dtype=f64) - 0.5) * law.input_range
    else:
        x = torch.randn(batch, N + 1, f, generator=gen, dtype=f64) * law.input_scale
    W = torch.randn(batch, m, f, generator=gen, dtype=f64) * law.weight_scale
    scores = x[:, :N] @ W.transpose(1, 2)
    if law.classes is None:
        y = scores + law.noise * torch.randn(batch, N, m, generator=gen, dtype=f64)
        replacement = torch.randn(batch, N, m, generator=gen, dtype=f64)
    else:
        y = _one_hot(scores.argmax(dim=-1), m)
        replacement = _one_hot(torch.randint(0, m, (batch, N), generator=gen), m)
    distractor = torch.rand(batch, N, generator=gen, dtype=f64) < law.distractors
    y = torch.where(distractor.unsqueeze(-1), replacement, y)
    return TaskBatch(x=x.to(dtype=dtype, device=device), y=y.to(dtype=dtype, device=device),
                     W=W.to(dtype=dtype, device=device), distractor=distractor.to(device=device))


def _one_hot(index: Tensor, classes: int) -> Tensor:
    return torch.nn.functional.one_hot(index, classes).to(torch.float64)
