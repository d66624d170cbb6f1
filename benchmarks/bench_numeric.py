"""Numeric route: the torch GD-SSM layer against the matmul roofline, explicit GD, the authors' layer; memory, threads,
and the property run. Every timed comparison is interleaved (:func:`benchmarks.interleaved`, >= 5 rounds, min and
median); ``python -m benchmarks [--quick] [--threads N|auto] bench_numeric``.

Main case (the numeric issue's): all-prefix GD-k predictions, B = 256 tasks, N = 8192, f = 64, m = 1, k = 3, float64,
the derived k-step construction (the statistics path). ``--quick``: B = 32, N = 1024 (what the tests run).

* ``matmul fraction`` -- useful flops per second of the layer against a float64 n x n matmul timed in the same
  rounds. Useful flops are the minimum any method needs for all prefixes: per task and position a rank-1 update
  of G_t (2 f^2, only for k >= 2) and of A_t (2 m f), k - 1 products G_t v (2 f^2 each) and one A_t v (2 m f),
  i.e. B N (2 k f^2 + 4 m f) for k >= 2 and B N 4 m f for k = 1. The matmul flops the layer really runs (counted
  by ``torch.utils.flop_counter``) are printed next to them. Target >= 1/3.
* ``explicit GD`` -- :mod:`benchmarks.explicit_gd` (every prefix its own GD, masked matmuls): timed on a few
  blocks of prefixes spread over 1..N, its cost fitted as a + b I (I the longest prefix of the block) and summed
  over all blocks; the same blocks are checked against the layer. Target >= 100x. The autograd oracle
  (:mod:`numeric.oracle`) is reported too, extrapolated the same way from single prefixes (one run each: it is slow).
* ``authors' JAX forward`` -- the one-layer forward of the reference code (``shared/reference/paper-facts.md``
  §4.8: per window M = U^T Q U, S = Lam (.) S + M, out = C S^T U^T D), transcribed in JAX, ``jax.jit`` of a
  ``lax.scan`` over the windows ``vmap``-ed over the batch, float32, with the one-step construction's parameters
  (Q = e_1 e_2^T, Lam = 1, C = -alpha I, D = e_3; prediction -out), against the torch layer at the same dims
  (vector task, reference layout): B = 1024, f = N = 10 and B = 16, N = 1024, f = 10. Target >= 10x. A sample
  is the mean of as many calls in a row as last about 20 ms (a call takes 0.2-7 ms), for both contenders. torch
  runs with the run's threads (``--threads``), JAX on one thread, its fastest setting here
  (:func:`benchmarks.configure_threads`).
  Skipped with one line when jax is not importable (``pip install -e '.[bench]'``).
* ``peak memory`` -- a child process runs the main case once; its peak RSS (VmHWM, reset just before the data are
  made) above its RSS then, against the bytes of inputs plus outputs. Target <= 2.
* ``statistics / general path``, ``threads`` -- the same layer on the general chunked scan, and on more threads.
* ``property run`` -- examples per second of :func:`numeric.check.run_check` at N <= 64, f <= 16. Target >= 300.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from typing import Any

import torch
from torch.utils.flop_counter import FlopCounterMode

from benchmarks import Row, interleaved
from benchmarks.explicit_gd import explicit_block, explicit_flops, joined, prefix_blocks
from gdssm.numeric import check as numeric_check
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.lowering import lower_gd
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.numeric.threads import available_cores
from gdssm.symbolic.constructions import Construction, k_step, one_step

MAIN = {"B": 256, "N": 8192, "f": 64, "m": 1}
QUICK = {"B": 32, "N": 1024, "f": 64, "m": 1}
ETA = "1/128"
REPEATS = 5
JAX_REPEATS = 9
JAX_SAMPLE_SECONDS = 0.02
"""A sample of the JAX rows is the mean of as many calls in a row as last about this long (each contender)."""
JAX_CASES = ((1024, 10, 10), (16, 1024, 10))  # (B, N, f), f = m = H (vector task)
PROPERTY_TARGET = 300.0


def useful_flops(B: int, N: int, f: int, m: int, k: int) -> float:
    """The minimal flop count of all-prefix GD-k predictions (module docstring)."""
    return float(B * N * (4 * m * f + (2 * k * f * f if k >= 2 else 0)))


def _data(B: int, N: int, f: int, m: int) -> tuple[torch.Tensor, torch.Tensor]:
    tasks = sample_tasks(TaskLaw(), B, N, f, m, seed=0)
    return tasks.x, tasks.y


def _matmul(n: int) -> tuple[Callable[[], object], float]:
    a, b = torch.randn(n, n, dtype=torch.float64), torch.randn(n, n, dtype=torch.float64)
    return (lambda: a @ b), 2.0 * n**3


def _inplace_baddbmm_flops(self_shape: tuple[int, ...], a_shape: tuple[int, ...], b_shape: tuple[int, ...],
                           *args: object, out_shape: object = None, **kwargs: object) -> int:
    """Matmul flops of the in-place ``baddbmm_``, which ``FlopCounterMode`` does not count by itself."""
    batch, rows, inner = a_shape
    return 2 * batch * rows * inner * b_shape[2]


def _fit_total(points: list[tuple[int, float]], sizes: list[int]) -> float:
    """Least-squares a + b s through (s, seconds), summed over ``sizes`` (a >= 0)."""
    n = len(points)
    s_mean = sum(p[0] for p in points) / n
    t_mean = sum(p[1] for p in points) / n
    var = sum((p[0] - s_mean) ** 2 for p in points)
    slope = sum((p[0] - s_mean) * (p[1] - t_mean) for p in points) / var if var else 0.0
    intercept = max(0.0, t_mean - slope * s_mean)
    return sum(intercept + slope * s for s in sizes)


def _spread(count: int, samples: int) -> list[int]:
    """``samples`` indices evenly spread over 0..count-1 (first and last included)."""
    if samples >= count:
        return list(range(count))
    return sorted({round(i * (count - 1) / (samples - 1)) for i in range(samples)})


def layer_rows(dims: dict[str, int], k: int, repeats: int, matmul_n: int, quick: bool) -> tuple[list[Row], float]:
    """Matmul fraction, explicit GD and autograd oracle rows for one k; returns them and the layer's best time."""
    B, N, f, m = dims["B"], dims["N"], dims["f"], dims["m"]
    c = k_step(f, m, N, k, ETA)
    layer = GDSSMLayer.from_construction(c).requires_grad_(False)
    x, y = _data(B, N, f, m)
    mm, mm_flops = _matmul(matmul_n)
    plan = layer.plan(B, N)
    timing = interleaved({"layer": lambda: layer(x, y), "matmul": mm}, repeats)
    with FlopCounterMode(display=False, custom_mapping={torch.ops.aten.baddbmm_: _inplace_baddbmm_flops}) as counter:
        out = layer(x, y)
    counted = float(counter.get_total_flops())
    useful = useful_flops(B, N, f, m, k)
    t_layer, t_mm = timing["layer"], timing["matmul"]
    where = f"B={B},N={N},f={f},m={m},k={k}"
    rows = [Row(f"matmul fraction {where}: layer useful GFLOP/s / float64 {matmul_n}^3 matmul",
                useful / t_layer.best / 1e9, mm_flops / t_mm.best / 1e9, "GFLOP/s", ">= 0.3333" if k >= 2 else "",
                f"useful (minimal) {useful / 1e9:.4g} GFLOP = B N (2 k f^2 + 4 m f) [k>=2] / B N 4 m f [k=1]; counted "
                f"matmul flops {counted / 1e9:.4g} GFLOP ({counted / useful:.3g}x useful, "
                f"{counted / t_layer.best / 1e9:.4g} GFLOP/s); layer {t_layer.text()} [{plan.path}, chunk "
                f"{plan.block}, groups of {plan.group}, span {plan.span}]; matmul {t_mm.text()}; median fraction "
                f"{(useful / t_layer.median) / (mm_flops / t_mm.median):.3g}")]
    # explicit per-prefix GD, masked matmuls: sampled blocks, interleaved, fitted, summed
    gd = lower_gd(c.gd)
    blocks = prefix_blocks(B, N, m, x.element_size())
    data = joined(x, y)  # [x_i, y_i], made once for all blocks
    chosen = [blocks[i] for i in _spread(len(blocks), 3 if quick else 4)]
    contenders = {f"{t0}+{T}": partial(explicit_block, x, y, t0, T, gd.etas, gd.normaliser, gd.lam, gd.gamma, data)
                  for t0, T in chosen}
    explicit = interleaved(contenders, repeats, warmup=False)
    points = [(t0 + T, explicit[f"{t0}+{T}"].best) for t0, T in chosen]
    t_explicit = _fit_total(points, [t0 + T for t0, T in blocks])
    worst = max(float((explicit_block(x, y, t0, T, gd.etas, gd.normaliser, gd.lam, gd.gamma, data)
                       - out[:, t0 : t0 + T]).abs().max()) for t0, T in chosen) / float(out.abs().max())
    e_flops = explicit_flops(B, N, f, m, k, blocks)
    rows.append(Row(f"explicit GD {where}: per-prefix masked matmuls (extrapolated) / layer", t_explicit, t_layer.best,
                    "s", ">= 100" if k >= 2 else "",
                    f"{len(blocks)} blocks of {blocks[0][1]} prefixes; timed blocks ending at "
                    f"{[p[0] for p in points]} ({', '.join(explicit[n].text() for n in contenders)}), fitted a + b I "
                    f"and summed; {e_flops / 1e9:.4g} GFLOP at {e_flops / t_explicit / 1e9:.4g} GFLOP/s; max "
                    f"relative difference to the layer on the timed blocks {worst:.2g}"))
    samples = 4 if quick else 8
    ts = sorted({max(1, round(N * (i + 1) / samples)) for i in range(samples)})
    oracle = interleaved({str(t): partial(gd_predictions, c.gd, x, y, prefixes=[t]) for t in ts}, 1, warmup=False)
    t_oracle = _fit_total([(t, oracle[str(t)].best) for t in ts], list(range(1, N + 1)))
    rows.append(Row(f"autograd oracle {where}: per prefix (extrapolated from {len(ts)} prefixes) / layer", t_oracle,
                    t_layer.best, "s", "",
                    f"one run per sampled prefix (it is slow), fitted a + b t; oracle / explicit GD "
                    f"{t_oracle / t_explicit:.3g}x"))
    return rows, t_layer.best


def general_path_row(dims: dict[str, int], repeats: int) -> Row:
    """The statistics path against the general chunked scan on the same layer and data (N at most 1024)."""
    B, N, f, m = dims["B"], min(dims["N"], 1024), dims["f"], dims["m"]
    layer = GDSSMLayer.from_construction(k_step(f, m, N, 3, ETA)).requires_grad_(False)
    x, y = _data(B, N, f, m)
    timing = interleaved({"general": lambda: layer(x, y, path="chunked"), "statistics": lambda: layer(x, y)},
                         repeats)
    general, fast = layer(x, y, path="chunked"), layer(x, y)
    diff = float((general - fast).abs().max()) / float(general.abs().max())
    return Row(f"general path [chunked] / statistics path, B={B},N={N},f={f},k=3", timing["general"].best,
               timing["statistics"].best, "s", "",
               f"general {timing['general'].text()}, statistics {timing['statistics'].text()}; max relative "
               f"difference {diff:.2g}")


def threads_row(dims: dict[str, int], repeats: int) -> Row | None:
    """The statistics path on all cores against one thread (N at most 1024)."""
    cores = available_cores()
    if cores < 2:
        return None
    B, N, f, m = dims["B"], min(dims["N"], 1024), dims["f"], dims["m"]
    layer = GDSSMLayer.from_construction(k_step(f, m, N, 3, ETA)).requires_grad_(False)
    x, y = _data(B, N, f, m)
    before = torch.get_num_threads()

    def on(n: int) -> Callable[[], object]:
        def run() -> object:
            torch.set_num_threads(n)
            try:
                return layer(x, y)
            finally:
                torch.set_num_threads(before)
        return run

    timing = interleaved({"one": on(1), "all": on(cores)}, repeats)
    return Row(f"threads B={B},N={N},f={f},k=3: {cores} threads / 1 thread", timing["all"].best, timing["one"].best,
               "s", "", f"1 thread {timing['one'].text()}, {cores} threads {timing['all'].text()} (this run uses "
                        f"{before}; numeric.threads.choose_threads picks from the load average)")


def authors_forward() -> Callable[..., Any]:
    """The reference code's one-layer forward (paper-facts §4.8) in JAX: jit(vmap(scan over windows))."""
    import jax
    import jax.numpy as jnp

    def layer(z: Any, Q: Any, Lam: Any, C: Any, D: Any) -> Any:
        U = jnp.stack([z[0:-1:2], z[1::2], z[2::2]], axis=1)  # windows (N, 3, H): rows z_{2k-1}, z_{2k}, z_{2k+1}

        def window(S: Any, u: Any) -> tuple[Any, Any]:
            M = u.T @ Q @ u  # M_k = U_k^T Q U_k
            S = Lam * S + M  # S_k = Lam (.) S_{k-1} + M_k
            return S, (C @ S.T) @ (u.T @ D)  # o_k = Z_k v_k, Z_k = C S_k^T, v_k = U_k^T D

        H = z.shape[1]
        return jax.lax.scan(window, jnp.zeros((H, H), z.dtype), U)[1]

    return jax.jit(jax.vmap(layer, in_axes=(0, None, None, None, None)))


def xla_threads() -> str:
    """XLA's CPU threading in this process, as :func:`benchmarks.configure_threads` set it before jax was imported."""
    if "--xla_cpu_multi_thread_eigen=false" in os.environ.get("XLA_FLAGS", ""):
        return "XLA 1 thread"
    return f"XLA default threading, {available_cores()} cores"


def _block(forward: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """One call of the jitted forward, waited for (jax dispatches asynchronously)."""
    return forward(*args).block_until_ready()


def jax_rows(repeats: int) -> list[Row | str]:
    """The authors' forward in JAX against the torch layer at equal dims (module docstring)."""
    try:
        import jax
        import jax.numpy as jnp
        import numpy as np
    except ImportError:
        return ["authors' JAX forward: skipped (jax is not importable; install the bench extra: "
                "pip install -e '.[bench]')"]
    forward = authors_forward()
    rows: list[Row | str] = []
    for B, N, f in JAX_CASES:
        c: Construction = one_step(f, f, N, "1/2", layout="reference")
        layer = GDSSMLayer.from_construction(c, dtype=torch.float32).requires_grad_(False)
        tasks = sample_tasks(TaskLaw(), B, N, f, f, seed=0, dtype=torch.float32)
        z = np.zeros((B, 2 * N + 1, f), np.float32)
        z[:, 0::2], z[:, 1::2] = tasks.x.numpy(), tasks.y.numpy()
        alpha = 0.5 / N
        args = (jnp.asarray(z), jnp.asarray(np.outer([1, 0, 0], [0, 1, 0]), jnp.float32),
                jnp.ones((f, f), jnp.float32), -alpha * jnp.eye(f, dtype=jnp.float32),
                jnp.asarray([0.0, 0.0, 1.0], jnp.float32))
        theirs = -np.asarray(forward(*args))  # the prediction is -out
        ours = layer(tasks.x, tasks.y).numpy()
        diff = float(np.abs(theirs - ours).max() / np.abs(ours).max())
        timing = interleaved({"jax": partial(_block, forward, args), "torch": partial(layer, tasks.x, tasks.y)},
                             repeats, sample_seconds=JAX_SAMPLE_SECONDS)
        plan = layer.plan(B, N)
        rows.append(Row(f"authors' JAX forward (jit, float32) / layer, B={B},N={N},f={f}", timing["jax"].best,
                        timing["torch"].best, "s", ">= 10",
                        f"jax {jax.__version__} {timing['jax'].text()} [{xla_threads()}], torch "
                        f"{timing['torch'].text()} [{plan.path}, chunk {plan.block}, span {plan.span}, lanes "
                        f"{plan.lanes}, {torch.get_num_threads()} threads]; max relative difference of the "
                        f"predictions {diff:.2g}"))
    return rows


def memory_probe(B: int, N: int, f: int, m: int, k: int) -> dict[str, float]:
    """In this (fresh) process: RSS before the data, peak RSS after one forward pass, bytes of inputs and outputs."""
    layer = GDSSMLayer.from_construction(k_step(f, m, N, k, ETA)).requires_grad_(False)
    layer(torch.rand(2, 9, f, dtype=torch.float64), torch.rand(2, 8, m, dtype=torch.float64))  # warm-up, small
    with open("/proc/self/status") as status:
        before = _status_bytes(status.read(), "VmRSS")
    with open("/proc/self/clear_refs", "w") as clear:  # reset the peak (VmHWM) to the current RSS
        clear.write("5")
    x = torch.rand(B, N + 1, f, dtype=torch.float64)
    y = torch.rand(B, N, m, dtype=torch.float64)
    out = layer(x, y)
    with open("/proc/self/status") as status:
        peak = _status_bytes(status.read(), "VmHWM")
    return {"before": before, "peak": peak, "inputs": x.nbytes + y.nbytes, "outputs": out.nbytes}


def _status_bytes(text: str, field: str) -> int:
    """A ``kB`` field of /proc/self/status in bytes."""
    for line in text.splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) * 1024
    raise RuntimeError(f"/proc/self/status has no {field}")


def memory_row(dims: dict[str, int], k: int) -> Row:
    """Peak memory of one forward pass at ``dims``, measured in a child process."""
    B, N, f, m = dims["B"], dims["N"], dims["f"], dims["m"]
    command = [sys.executable, "-m", "benchmarks.bench_numeric", "--memory-probe", str(B), str(N), str(f), str(m),
               str(k), "--threads", str(torch.get_num_threads())]
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    probe = json.loads(done.stdout.strip().splitlines()[-1])
    used = probe["peak"] - probe["before"]
    data = probe["inputs"] + probe["outputs"]
    return Row(f"peak memory B={B},N={N},f={f},m={m},k={k}: peak RSS above start / inputs + outputs", used / 1e9,
               data / 1e9, "GB", "<= 2",
               f"inputs {probe['inputs'] / 1e9:.4g} GB, outputs {probe['outputs'] / 1e9:.4g} GB; child's RSS before "
               f"the data {probe['before'] / 1e9:.3g} GB, peak {probe['peak'] / 1e9:.4g} GB (VmHWM, reset before the "
               f"data)")


def property_row(examples: int, repeats: int) -> Row:
    """Examples per second of the property run at N <= 64, f <= 16, and the share of time inside the check."""
    inside = [0.0]
    original = numeric_check.check_case

    def timed(*args: Any, **kwargs: Any) -> None:
        start = time.perf_counter()
        try:
            original(*args, **kwargs)
        finally:
            inside[0] += time.perf_counter() - start

    numeric_check.run_check(examples, seed=0, max_N=64, max_f=16)  # warm-up, untimed
    numeric_check.check_case = timed
    try:
        timing = interleaved({"run": lambda: numeric_check.run_check(examples, seed=0, max_N=64, max_f=16)},
                             repeats, warmup=False)
    finally:
        numeric_check.check_case = original
    total = sum(timing["run"].samples)
    rate, median = examples / timing["run"].best, examples / timing["run"].median
    return Row(f"property run: examples/s at N<=64,f<=16 / target {PROPERTY_TARGET:g}", rate, PROPERTY_TARGET,
               "ex/s", ">= 1",
               f"{examples} examples per run, {timing['run'].text()}; median {median:.4g} ex/s; share of the time in "
               f"the check itself (lowering, layers, oracle, sampling) {inside[0] / total:.0%}, the rest is "
               f"Hypothesis generation and drawing each derivation (its description is lowered straight to tensors, "
               f"no SymPy matrices)")


def run(quick: bool = False) -> list[Row | str]:
    """Every row of the module docstring; ``quick`` uses B = 32, N = 1024 and fewer property examples."""
    dims = QUICK if quick else MAIN
    rows: list[Row | str] = []
    for k in (3, 1):
        found, _ = layer_rows(dims, k, REPEATS, 1024 if quick else 2048, quick)
        rows += found
    rows.append(memory_row(dims, 3))
    rows.append(general_path_row(dims, REPEATS))
    extra = threads_row(dims, REPEATS)
    if extra is not None:
        rows.append(extra)
    rows += jax_rows(JAX_REPEATS)
    rows.append(property_row(40 if quick else 100, REPEATS))
    return rows


def main() -> None:
    """``--memory-probe B N f m k``: print the probe's JSON (used by the peak-memory row); otherwise print the rows."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench_numeric")
    parser.add_argument("--quick", action="store_true", help="B = 32, N = 1024 (what the tests run)")
    parser.add_argument("--threads", default="auto", help="torch threads: a number or auto")
    parser.add_argument("--memory-probe", nargs=5, type=int, metavar=("B", "N", "f", "m", "k"), default=None)
    args = parser.parse_args()
    from benchmarks import configure_threads

    configure_threads(args.threads)
    if args.memory_probe is not None:
        with torch.no_grad():
            print(json.dumps(memory_probe(*args.memory_probe)))
        return
    for row in run(quick=args.quick):
        print(row if isinstance(row, str) else row.line(), flush=True)


if __name__ == "__main__":
    main()
