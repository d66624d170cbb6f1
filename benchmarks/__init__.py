"""Benchmarks: each ``bench_*.py`` module has ``run(quick: bool) -> list[Row]``; ratios are measured in one run.

A row is (name, figure_a, figure_b, unit[, target, detail]): the runner prints name, both figures, ratio = a / b
and, when the row has a target (``">= 100"``, ``"<= 2"``), whether the ratio meets it. Timed figures come from
:func:`interleaved`: the contenders run in turn, repeat after repeat, so load on the machine hits all of them
alike; a row gives the best (minimum) times and its detail the medians.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time
from collections.abc import Callable, Mapping
from typing import NamedTuple


class Row(NamedTuple):
    """One benchmark line: two figures measured in the same run, what they are, and the target of their ratio."""

    name: str
    a: float
    b: float
    unit: str = "s"
    target: str = ""
    detail: str = ""

    @property
    def ratio(self) -> float:
        """a / b."""
        return self.a / self.b if self.b else float("inf")

    @property
    def met(self) -> bool | None:
        """Whether the ratio meets the target (None without one)."""
        if not self.target:
            return None
        op, value = self.target.split()
        return self.ratio >= float(value) if op == ">=" else self.ratio <= float(value)

    def line(self) -> str:
        """``name  a  b  unit  ratio  [target: met|NOT MET]`` and the detail on the next line."""
        verdict = "" if self.met is None else f"  target {self.target}: {'met' if self.met else 'NOT MET'}"
        text = f"{self.name:<66} {self.a:>11.4g} {self.b:>11.4g} {self.unit:<8} ratio {self.ratio:>9.4g}{verdict}"
        return text + (f"\n    {self.detail}" if self.detail else "")


class Timing(NamedTuple):
    """Wall-clock samples of one contender (seconds per call; a sample may time ``number`` calls in a row)."""

    samples: tuple[float, ...]
    number: int = 1

    @property
    def best(self) -> float:
        """The minimum."""
        return min(self.samples)

    @property
    def median(self) -> float:
        """The median."""
        return statistics.median(self.samples)

    def text(self) -> str:
        """``min/median s (n samples[ of k calls])``."""
        calls = f" of {self.number} calls" if self.number > 1 else ""
        return f"{self.best:.4g}/{self.median:.4g} s (min/median of {len(self.samples)}{calls})"


def calls_per_sample(fn: Callable[[], object], seconds: float) -> int:
    """The number of calls of ``fn`` in a row that lasted at least ``seconds`` (as ``timeit``'s autorange: try 1
    call, then scale the count by the time still missing, at most tenfold a step)."""
    number = 1
    while True:
        start = time.perf_counter()
        for _ in range(number):
            fn()
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return number
        grow = seconds / elapsed if elapsed > 0 else 10.0  # the count that would have lasted ``seconds``
        number = max(number + 1, math.ceil(number * min(10.0, grow)))


def interleaved(contenders: Mapping[str, Callable[[], object]], repeats: int = 5,
                warmup: bool = True, sample_seconds: float = 0.0) -> dict[str, Timing]:
    """Run every contender once per round, ``repeats`` rounds (after one untimed warm-up round): their times.

    ``sample_seconds`` > 0: a contender's sample is the mean of as many calls in a row as last about that long
    (:func:`calls_per_sample`, fixed per contender before the rounds), as ``timeit`` does: a call of a fraction of
    a millisecond is then not timed alone, straight after another contender has filled the caches.
    """
    if warmup:
        for fn in contenders.values():
            fn()
    number = {name: calls_per_sample(fn, sample_seconds) if sample_seconds > 0 else 1
              for name, fn in contenders.items()}
    times: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):
        for name, fn in contenders.items():
            start = time.perf_counter()
            for _ in range(number[name]):
                fn()
            times[name].append((time.perf_counter() - start) / number[name])  # seconds per call
    return {name: Timing(tuple(t), number[name]) for name, t in times.items()}


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` wall-clock runs of ``fn`` (seconds)."""
    return interleaved({"fn": fn}, repeat, warmup=False)["fn"].best


def load_average() -> str:
    """The 1, 5 and 15 minute load averages, or ``n/a``."""
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def environment(threads: int) -> str:
    """One header line: threads, cores, load average, CPU, versions."""
    import torch

    try:
        import jax

        jax_version = jax.__version__
    except ImportError:
        jax_version = "not installed"
    blas = "MKL" if torch.backends.mkl.is_available() else "other BLAS"
    return (f"threads {threads} (torch), cores {os.cpu_count()}, load average {load_average()}, "
            f"{platform.processor() or platform.machine()}; python {platform.python_version()}, "
            f"torch {torch.__version__} ({blas}), jax {jax_version}")


def configure_threads(setting: int | str | None = "auto") -> int:
    """Set torch's thread count for the benchmarks (``auto``: :func:`numeric.threads.choose_threads` for large work)
    and, before jax is imported, XLA's CPU threading to one thread (no Eigen pool) whatever torch's count: the
    authors' forward runs fastest so at the dims compared (measured, jit, float32, ms per call: B = 1024, N = 10:
    3.4-3.7 on one thread, 3.5-5.7 with XLA's default pool on 2 cores; B = 16, N = 1024: 6.8-7.1 and 6.9-7.1), so
    JAX is timed at its best. Returns torch's count."""
    import torch

    from gdssm.numeric.threads import choose_threads

    threads = choose_threads(None, setting)
    torch.set_num_threads(threads)
    if "jax" not in __import__("sys").modules:
        flags = os.environ.get("XLA_FLAGS", "")
        if "xla_cpu_multi_thread_eigen" not in flags:
            os.environ["XLA_FLAGS"] = f"{flags} --xla_cpu_multi_thread_eigen=false".strip()
    return threads
