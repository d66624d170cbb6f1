"""Numeric route: the torch GD-SSM layer against explicit per-prefix GD, its flop rate, and the property run.

Rows (``python -m benchmarks.bench_numeric [--quick] [--batch B]``; float64, f = 64, m = 1):

* ``all-prefix`` -- predictions at every prefix t = 1..N for a batch of tasks: explicit GD (the autograd
  oracle, run separately per prefix) vs one layer pass. The explicit side is *extrapolated*: it is timed
  on a few evenly spread prefixes, fitted as a + b t (its cost is linear in t) and summed over t = 1..N.
* ``flop rate`` -- matmul flops of the layer pass (counted by ``torch.utils.flop_counter``) per second,
  vs the throughput of one large float64 matmul on the same machine.
* ``property run`` -- Hypothesis examples per second of :func:`numeric.check.run_check` at N <= 64,
  f <= 16 vs at N <= 16, f <= 6.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks import Row, best_time
from gdssm.numeric.check import run_check
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.symbolic.constructions import Construction, k_step

F, M = 64, 1
SAMPLED_PREFIXES = 8


def _explicit_all_prefixes(construction: Construction, x: torch.Tensor, y: torch.Tensor, samples: int) -> float:
    """Seconds explicit GD would take for every prefix: time ``samples`` prefixes, fit a + b t, sum over t."""
    N = y.shape[1]
    ts = sorted({max(1, round(N * (i + 1) / samples)) for i in range(samples)})
    times = [best_time(partial(gd_predictions, construction.gd, x, y, prefixes=[t]), repeat=1) for t in ts]
    t_mean, s_mean = sum(ts) / len(ts), sum(times) / len(times)
    var = sum((t - t_mean) ** 2 for t in ts)
    slope = sum((t - t_mean) * (s - s_mean) for t, s in zip(ts, times, strict=True)) / var if var else 0.0
    intercept = max(0.0, s_mean - slope * t_mean)
    return N * intercept + slope * N * (N + 1) / 2


def _matmul_rate(dtype: torch.dtype = torch.float64, n: int = 1024) -> float:
    """Flops per second of an n x n by n x n matmul."""
    a, b = torch.randn(n, n, dtype=dtype), torch.randn(n, n, dtype=dtype)
    return 2 * n**3 / best_time(lambda: a @ b)


def _layer_rows(batch: int, N: int, k: int, matmul_rate: float) -> list[Row]:
    c = k_step(F, M, N, k, "1/128")
    layer = GDSSMLayer.from_construction(c)
    tasks = sample_tasks(TaskLaw(), batch, N, F, M, seed=0)
    with torch.no_grad():
        plan = layer.plan(batch, N)
        with FlopCounterMode(display=False) as counter:
            layer(tasks.x, tasks.y)
        t_layer = best_time(lambda: layer(tasks.x, tasks.y), repeat=1)
    t_explicit = _explicit_all_prefixes(c, tasks.x, tasks.y, SAMPLED_PREFIXES)
    where = f"B={batch},N={N},f={F},k={k}"
    return [
        Row(f"all-prefix {where}: explicit GD (extrapolated from {SAMPLED_PREFIXES} prefixes) / layer "
            f"[{plan.path}]", t_explicit, t_layer),
        Row(f"flop rate {where}: layer / torch matmul", counter.get_total_flops() / t_layer / 1e9,
            matmul_rate / 1e9, "GFLOP/s"),
    ]


def _property_rate(examples: int, max_N: int, max_f: int) -> float:
    start = time.perf_counter()
    report = run_check(examples, seed=0, max_N=max_N, max_f=max_f)
    return report.examples / (time.perf_counter() - start)


def run(quick: bool = False, batch: int | None = None) -> list[Row]:
    """All rows; ``quick`` uses batch 64 and N = 1024 only (under a minute), ``batch`` overrides the batch."""
    B = batch or (64 if quick else 256)
    rate = _matmul_rate()
    rows = []
    for N in [1024] if quick else [1024, 8192]:
        for k in (1, 3):
            rows += _layer_rows(B, N, k, rate)
    examples = 30 if quick else 200
    rows.append(Row("property run: examples/s at N<=64,f<=16 / at N<=16,f<=6",
                    _property_rate(examples, 64, 16), _property_rate(examples, 16, 6), "ex/s"))
    return rows


def main() -> None:
    """Print one line per benchmark: name, figure a, figure b, unit, ratio a/b."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_numeric")
    parser.add_argument("--quick", action="store_true", help="batch 64, N = 1024 only (under a minute)")
    parser.add_argument("--batch", type=int, default=None, help="tasks per batch (default 256, quick 64)")
    args = parser.parse_args()
    for row in run(quick=args.quick, batch=args.batch):
        print(row.line(), flush=True)


if __name__ == "__main__":
    main()
