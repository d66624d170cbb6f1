"""Benchmarks: each ``bench_*.py`` module has ``run(quick: bool) -> list[Row]``; ratios are measured in one run.

A row is (name, figure_a, figure_b, unit): the runner prints name, both figures and ratio = a / b.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import NamedTuple


class Row(NamedTuple):
    """One benchmark line: two figures measured in the same run, and what they are."""

    name: str
    a: float
    b: float
    unit: str = "s"

    @property
    def ratio(self) -> float:
        """a / b."""
        return self.a / self.b if self.b else float("inf")

    def line(self) -> str:
        """``name  a  b  ratio``."""
        return f"{self.name:<64} {self.a:>12.4g} {self.b:>12.4g} {self.unit:<6} ratio {self.ratio:>10.4g}"


def best_time(fn: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` wall-clock runs of ``fn`` (seconds)."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
