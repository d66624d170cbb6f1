"""Cost before work: every command estimates the memory and time its sizes need and refuses above a budget.

A :class:`Budget` is a memory limit (``--max-memory``, default :data:`DEFAULT_MEMORY` = 4 GiB) and a time limit
(``--max-time``, default :data:`DEFAULT_SECONDS` = 1 h). The command line sets it for the duration of one
command (:func:`using`); library code asks :func:`require` with an :class:`Estimate` built by the estimators
below, before it starts the work. A refusal is one line, within milliseconds::

    derive at f = 1000000, m = 1 needs about 8.2 TiB of memory and 1.1 years; the memory budget is 4 GiB
    (raise it with --max-memory)

The estimators are arithmetic on the sizes alone (terms, tensor entries, tasks), with constants measured
on the 2-core development machine (see each function). They aim at the right order of magnitude, a little on
the high side, so that a refused command would truly not have fit; an accepted one may still take a while.
The exact route's polynomial child process has its own cap (``proofs.route_exact.DEFAULT_MEMORY``) and falls back
to random evaluation past it, so it is not counted here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from gdssm.core.errors import BadInput

DEFAULT_MEMORY = 4 * 2**30
DEFAULT_SECONDS = 3600.0

BASE_BYTES = 200 * 2**20
"""The interpreter with SymPy loaded (measured ~70 MB; with torch ~300 MB, counted where torch is used)."""
TORCH_BYTES = 300 * 2**20
SYMPY_ENTRY_BYTES = 150
"""One explicit SymPy matrix entry with its share of the JSON text: ``derive --f 200`` peaks 44 MB above the
interpreter for 9 * 201^2 = 364k entries (120 B each)."""
SYMPY_ENTRY_SECONDS = 4e-6
"""Building, rendering and writing one entry: ``derive --f 200`` takes 1.2 s for 364k entries (3.3 us each)."""
RING_ENTRY_BYTES = 400
"""One entry of a matrix over an exact ring (python-flint / Fraction) in the exact route's programs."""
RING_OP_SECONDS = 2e-6
"""One exact ring operation (multiply-add) of the exact route's random evaluation."""
READOUT_STEP_SECONDS = 5e-4
"""Deriving one step of the k-fold readout (rho_j, beta_j, c_j): ``derive --steps 1000`` takes 0.3 s for them."""
READOUT_STEP_BYTES = 2000
FLOAT_SECONDS = 1e-9
"""One float64 multiply-add in torch on one thread (small tensors reach about 1 GFLOP/s here)."""
FLOAT_BYTES = 8


@dataclass(frozen=True)
class Budget:
    """The limits a command runs under."""

    memory: int = DEFAULT_MEMORY
    seconds: float = DEFAULT_SECONDS


@dataclass(frozen=True)
class Estimate:
    """What a piece of work needs: ``what`` names it with its sizes ("derive at f = 1000000, m = 1")."""

    what: str
    bytes: float
    seconds: float

    def __add__(self, other: Estimate) -> Estimate:
        return Estimate(self.what, self.bytes + other.bytes, self.seconds + other.seconds)


_DEFAULT = Budget()
_CURRENT: ContextVar[Budget] = ContextVar("gdssm_budget", default=_DEFAULT)


def current() -> Budget:
    """The budget of the command running now (the defaults outside the command line)."""
    return _CURRENT.get()


@contextmanager
def using(budget: Budget) -> Iterator[Budget]:
    """Run the block under ``budget``."""
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def require(estimate: Estimate, budget: Budget | None = None) -> Estimate:
    """``estimate`` if it fits the budget; else one line saying what it needs and how to raise the limit."""
    limit = budget or current()
    needs = (f"{estimate.what} needs about {format_bytes(estimate.bytes)} of memory and "
             f"{format_seconds(estimate.seconds)}")
    if estimate.bytes > limit.memory:
        raise BadInput(f"{needs}; the memory budget is {format_bytes(limit.memory)} (raise it with --max-memory)")
    if estimate.seconds > limit.seconds:
        raise BadInput(f"{needs}; the time budget is {format_seconds(limit.seconds)} (raise it with --max-time)")
    return estimate


_SIZE = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*([kKmMgGtT]?)(i?)[bB]?\s*", re.ASCII)
_DURATION = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*(s|min|m|h|d)?\s*", re.ASCII)


def parse_size(text: str) -> int:
    """A memory size: bytes, or a number with a unit (``512M``, ``4GiB``, ``1.5G``, ``2T``; K/M/G/T are 1024^n)."""
    match = _SIZE.fullmatch(text)
    if match is None or len(text) > 32:
        raise BadInput(f"memory size must be a number of bytes or like 512M, 4G, 4GiB, got {text!r}")
    number, unit = float(match.group(1)), match.group(2).upper()
    value = number * 1024 ** " KMGT".index(unit or " ")
    if not math.isfinite(value) or value < 2**20:
        raise BadInput(f"memory size must be at least 1M, got {text!r}")
    return int(value)


def parse_duration(text: str) -> float:
    """A duration: seconds, or a number with a unit (``90s``, ``30min``, ``2h``, ``1d``)."""
    match = _DURATION.fullmatch(text)
    if match is None or len(text) > 32:
        raise BadInput(f"time must be a number of seconds or like 90s, 30min, 2h, 1d, got {text!r}")
    number = float(match.group(1))
    scale = {"s": 1, "min": 60, "m": 60, "h": 3600, "d": 86400}[match.group(2) or "s"]
    if number * scale < 1:
        raise BadInput(f"time must be at least 1 s, got {text!r}")
    return number * scale


def format_bytes(n: float) -> str:
    """``4 GiB``, ``1.3 TiB``, ``210 MiB``."""
    for unit, size in (("EiB", 2**60), ("PiB", 2**50), ("TiB", 2**40), ("GiB", 2**30), ("MiB", 2**20)):
        if n >= size:
            value = n / size
            return f"{value:.0f} {unit}" if value >= 10 or value == int(value) else f"{value:.1f} {unit}"
    return f"{max(n, 0) / 2**10:.0f} KiB"


def format_seconds(s: float) -> str:
    """``40 s``, ``12 min``, ``3.5 h``, ``9 days``, ``2e+04 years``."""
    if s < 60:
        return f"{max(s, 0.1):.2g} s" if s < 10 else f"{s:.0f} s"
    if s < 3600:
        return f"{s / 60:.0f} min"
    if s < 86400:
        return f"{s / 3600:.2g} h"
    if s < 365 * 86400:
        return f"{s / 86400:.0f} days"
    return f"{s / (365 * 86400):.2g} years"


# --- estimators ----------------------------------------------------------------------------------------------


def token_width(f: int, m: int, layout: str = "split") -> int:
    """H of a layout: f + m (split) or f (reference)."""
    return f if layout == "reference" else f + m


def sizes(**named: int) -> str:
    """``f = 1000000, m = 1``."""
    return ", ".join(f"{name} = {value}" for name, value in named.items())


def symbolic_construction(f: int, m: int, k: int = 1, layout: str = "split") -> tuple[float, float]:
    """(bytes, seconds) of deriving one construction explicitly: 9 matrices of up to H x H SymPy entries."""
    H = token_width(f, m, layout)
    entries = 9.0 * H * H
    return (entries * SYMPY_ENTRY_BYTES + k * READOUT_STEP_BYTES,
            entries * SYMPY_ENTRY_SECONDS + k * READOUT_STEP_SECONDS)


def derive_cost(name: str, f: int, m: int, N: int, k: int = 1, layout: str = "split") -> Estimate:
    """``gdssm derive``: the construction's entries, rendered (JSON, LaTeX or text)."""
    if name == "reference-two-step":  # three layers of w_q, Lambda_bar, C, D: about 6 H x H arrays in all
        H = float(f)
        entries = 6 * H * H
        b, s = entries * SYMPY_ENTRY_BYTES * 2, entries * SYMPY_ENTRY_SECONDS * 2
    else:
        b, s = symbolic_construction(f, m, k, layout)
    shown = sizes(f=f, m=m, k=k) if name == "k-step" else sizes(f=f, m=m)
    return Estimate(f"derive at {shown}", BASE_BYTES + b, s)


def export_cost(f: int, m: int, k: int = 1, layout: str = "split") -> Estimate:
    """``gdssm export``: the derivation, its float tensors (a few copies) and the file's bytes."""
    H = token_width(f, m, layout)
    b, s = symbolic_construction(f, m, k, layout)
    tensors = (9.0 * H * H + 3 * k) * FLOAT_BYTES * 4
    return Estimate(f"export at {sizes(f=f, m=m, k=k)}", BASE_BYTES + TORCH_BYTES + b + tensors, s + tensors * 1e-9)


def property_check_cost(f: int, m: int, N: int, k: int, examples: int, H: int | None = None,
                        batch: int = 8, what: str | None = None) -> Estimate:
    """A property run (``numeric.check``) at these sizes: per example a batch of tasks, the autograd oracle
    (O(k B N^2 m f), blocked) and the layer (states blocked to 512 MiB)."""
    H = H if H is not None else f + m
    data = batch * (N + 1.0) * (f + m) * FLOAT_BYTES * 8  # x, y in two dtypes, predictions, differences
    oracle = 2.0**24 * FLOAT_BYTES * 4  # the oracle's block of residuals and products
    layer = min(batch * N * H * H * FLOAT_BYTES * 3.0, 2.0**29) + 9.0 * H * H * FLOAT_BYTES * 4
    per_example = (max(k, 1) * batch * float(N) * N * m * f * 4 + batch * N * H * H * (k + 2.0) * 2) * FLOAT_SECONDS
    return Estimate(what or f"check at {sizes(f=f, m=m, N=N, k=k)}",
                    BASE_BYTES + TORCH_BYTES + data + oracle + layer + symbolic_construction(f, m, k)[0],
                    examples * (per_example + 0.01))


def exact_route_cost(f: int, m: int, N: int, k: int, H: int | None = None) -> Estimate:
    """The exact route's random evaluation (three trials, the degree bound): both programs over exact rings."""
    H = H if H is not None else f + m
    ops = 4 * 3.0 * N * (H * H * (k + 2) + (k + 1) * m * f * N)
    entries = 4 * (H * H + N * (f + m) + m * f) * 3.0
    return Estimate(f"exact check at {sizes(f=f, m=m, N=N, k=k)}", entries * RING_ENTRY_BYTES, ops * RING_OP_SECONDS)


def construction_file_cost(f: int, m: int, N: int, k: int, H: int, examples: int, routes: tuple[str, ...],
                           what: str) -> Estimate:
    """``verify`` / ``check --construction-file``: reading the file, then the routes asked for."""
    b, s = symbolic_construction(f, m, k)
    total = Estimate(what, BASE_BYTES + 2 * b, 2 * s)
    if "exact" in routes:
        exact = exact_route_cost(f, m, N, k, H)
        total = total + Estimate(what, exact.bytes, exact.seconds + 60.0 * min(1.0, exact.seconds))
    if "numeric" in routes:
        numeric = property_check_cost(f, m, N, k, examples, H)
        total = Estimate(what, max(total.bytes, numeric.bytes + b), total.seconds + numeric.seconds)
    return total


def report_cost(f: int, m: int, N: int, max_steps: int, loss_tasks: int = 2000) -> Estimate:
    """``gdssm report``: the parameters at (f, m, N), the exact check at the dims (k <= 3), the loss-vs-k figure
    (``loss_tasks`` tasks, k = 0..K: a construction, the oracle and the layer for each k) and the mutants."""
    K = max_steps
    b_params, s_params = symbolic_construction(f, m, 3)
    exact = exact_route_cost(f, m, N, 3)
    tasks = loss_tasks * (N + 1.0) * (f + m) * FLOAT_BYTES * 4
    H = f + m
    per_k = 0.05 + symbolic_construction(f, m, 1)[1]  # a construction and a layer per k
    loss_time = (K + 1) * per_k + (K + 1.0) * (K + 1) / 2 * loss_tasks * N * (m * f + H * H) * 4 * FLOAT_SECONDS
    readout = (K + 1.0) * K * 40  # the readout constants of every k
    mutants = 12 * (s_params + exact.seconds / 3)
    return Estimate(f"report at {sizes(f=f, m=m, N=N, K=K)}",
                    BASE_BYTES + TORCH_BYTES + 4 * b_params + exact.bytes + tasks + readout,
                    120.0 + 4 * s_params + 4 * exact.seconds + loss_time + mutants)


def train_cost(preset: str, f: int, m: int, N: int, ks: tuple[int, ...], steps: int, batch: int,
               eval_tasks: int) -> Estimate:
    """``gdssm train``: the evaluation set (x, y, W, distractor per task; float64, a few copies) and the runs
    (per Adam step a batch through the layer and back)."""
    per_task = ((N + 1.0) * f + N * m + m * f + f) * FLOAT_BYTES
    H = f + m
    step_time = batch * N * H * H * (max(ks) + 2) * 6 * FLOAT_SECONDS + 1.5e-3
    eval_time = eval_tasks * N * H * H * (max(ks) + 2) * 20 * FLOAT_SECONDS
    return Estimate(f"train --preset {preset} with {sizes(eval_tasks=eval_tasks, steps=steps)}",
                    BASE_BYTES + TORCH_BYTES + per_task * eval_tasks * 4,
                    len(ks) * (steps * step_time + eval_time))
