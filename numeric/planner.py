"""Which path a forward pass takes, and how many positions it puts in a block.

Choice under ``path="auto"`` (the constants were measured on CPU, see ``benchmarks/bench_numeric.py``):

0. no parameter needs a gradient and :func:`numeric.fast_path.recognise` accepts the parameters (the structure
   of a derived construction) -> ``statistics`` (:func:`statistics_plan`): the scan over the GD statistics,
   in chunks of :func:`statistics_chunk` positions, groups of :func:`statistics_group` tasks and spans of
   :func:`statistics_span` chunks, narrow products widened to :data:`LANES` (float32);

and otherwise, by :func:`choose_plan`, one of the general scans of :mod:`numeric.scans`:

1. a gradient to Lambda is wanted, or Lambda's entries differ -> ``sequential``;
2. Lambda = 1 and all N states fit: LIVE_COPIES * B * N * H^2 * itemsize <= ``memory_budget`` and
   B * N * H^2 <= ``cumsum_work`` -> ``cumsum`` in one block (one vectorised pass wins at small sizes);
3. otherwise ``chunked``, with blocks of :func:`chunk_length` positions (a cost model: Python launches per
   block against the within-block flops); its memory does not grow with N.

``cumsum`` and ``chunked`` hold the structure of Lambda fixed (Lambda = 1, or one shared lambda), so they give
Lambda no gradient: they are only used when none is wanted (grad mode off, or ``Lambda.requires_grad`` False).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_count, require_int

PATHS = ("auto", "statistics", "cumsum", "chunked", "sequential")
LIVE_COPIES = 4
"""Copies of a (B, L, H, H) block alive at once (M, S, scan temporaries, autograd's saved tensors)."""
CHUNK_OVERHEAD = 7e4
"""c0 R / 6 of the cost model in :func:`chunk_length` (launch cost times flop rate)."""
STATISTICS_OVERHEAD = 2.5e5
"""c1 R / 4 of the cost model in :func:`statistics_chunk` (launch cost of one readout vector's ~6 calls times
the small-GEMM flop rate: 6 * 5 us * 3e10 / 4, measured on CPU)."""
CACHE_BYTES = 4 << 20
"""Working set one thread's share of a group of tasks of the statistics path may take per chunk (about the per-core
cache share)."""
SPAN_BYTES = 1 << 20
"""Carried states of the chunks the statistics path processes side by side (:func:`statistics_span`)."""
SPAN_WORK_BYTES = 6 << 20
"""Vectors and scores of one span of the statistics path. Larger spans made glibc return the freed heap to the
system after every call and fault it back in on the next (measured: B = 54 tasks, N = 2048, f = 64, k = 1, float64:
spans of 7 chunks (16 MB) 17000 page faults and 44 ms per call, spans of 1-2 chunks none and 19-20 ms)."""
SINGLE_CHUNK = 64
"""Up to this many positions the statistics path runs one chunk (no carried state at all)."""
SPAN_CHUNK = 16
"""Chunk length of the statistics path when chunks run side by side (measured: f = 10, B = 16, N = 1024, float32,
one thread, products widened to 16 lanes: L = 16 in one span of 64 chunks 0.74 ms, L = 32 in one span 0.78 ms;
f = 64, k = 1, float64: L = 16 47 ms, L = 32 59 ms)."""
LANES = {4: 16}
"""Itemsize -> the width narrow batched products of the statistics path are computed at
(:func:`numeric.fast_path.widened`). float32: 16 (MKL on the development machine, AMD EPYC with AVX-512, one
thread: 1024 products with 16 output columns ran 1.5-2.6x faster than with 2..12); float64: none (its fastest width
was erratic there: 12 beat both 8 and 16)."""


@dataclass(frozen=True)
class Plan:
    """How a forward pass runs: ``path``, positions per ``block`` and (statistics path) tasks per ``group``, chunks
    side by side per ``span`` and the ``lanes`` narrow products are padded to (1: none)."""

    path: str
    block: int
    group: int | None = None
    span: int | None = None
    lanes: int = 1


def choose_plan(Lambda: Tensor, batch: int, N: int, path: str = "auto", block: int | None = None, *, k: int,
                itemsize: int, memory_budget: int, cumsum_work: int, chunk: int | None) -> Plan:
    """The scan and block length for ``batch`` sequences of N windows with decay Lambda (H, H) (module doc).

    Rules: grad to Lambda or Lambda_ij != Lambda_11 -> sequential (block 1); Lambda = 1 and the states fit
    -> cumsum, block min(N, memory_budget / (LIVE_COPIES B H^2 itemsize)); else chunked, block min(N, L*).
    """
    if path not in PATHS:
        raise BadInput(f"unknown forward path {path!r}; choose one of {', '.join(PATHS)}")
    if path == "statistics":
        raise BadInput("the statistics path is planned by the layer (it needs the parameters): use "
                       "GDSSMLayer.plan or statistics_plan")
    if block is not None:
        require_int("block length", block, 1)
    require_count("batch size B", batch)
    H = int(Lambda.shape[0])
    uniform = bool(torch.all(Lambda == Lambda[0, 0]))  # Lambda = lambda * ones
    ones = uniform and bool(Lambda[0, 0] == 1)  # Lambda = 1
    frozen = not (torch.is_grad_enabled() and Lambda.requires_grad)  # no gradient to Lambda wanted
    if path in ("cumsum", "chunked") and not frozen:
        raise BadInput(f"path {path!r} holds the structure of Lambda fixed and gives it no gradient; run under "
                        "torch.no_grad(), call Lambda.requires_grad_(False), or use path 'sequential'")
    if path == "cumsum" and not ones:
        raise BadInput("path 'cumsum' needs Lambda = 1 everywhere; use 'chunked' or 'sequential'")
    if path == "chunked" and not uniform:
        raise BadInput("path 'chunked' needs one decay for every entry (Lambda = lambda * ones); use 'sequential'")
    if path == "auto":
        if not (frozen and uniform):
            path = "sequential"  # rule 1
        elif ones and cumsum_fits(batch, N, H, itemsize, memory_budget, cumsum_work):
            path = "cumsum"  # rule 2
        else:
            path = "chunked"  # rule 3
    if path == "sequential":
        return Plan("sequential", 1)  # one position per step
    if block is not None:
        return Plan(path, min(block, N))  # the caller's block, at most N
    if path == "cumsum":
        return Plan(path, min(N, max(1, memory_budget // bytes_per_state(batch, H, itemsize))))  # states that fit
    return Plan(path, min(N, chunk or chunk_length(batch, H, k)))  # L* of the cost model (or the fixed chunk)


def chunk_length(batch: int, H: int, k: int) -> int:
    """Block length of ``chunked``: L* = sqrt(CHUNK_OVERHEAD (k+3) / (B k H)), a power of two in [16, 128].

    Cost model: a block pays about k+3 launches of fixed cost c0 and B k H (H + 6L) flops per position at
    rate R, so N (k+3) c0 / L + N B k H (H + 6L) / R is least at L* with CHUNK_OVERHEAD = c0 R / 6
    (c0 ~ 20 us, R ~ 2e10 flop/s measured on CPU).
    """
    k = max(k, 1)  # k = 0 still runs one state product
    best = math.sqrt(CHUNK_OVERHEAD * (k + 3) / (batch * k * H))  # L* = sqrt(CHUNK_OVERHEAD (k+3) / (B k H))
    return int(2 ** min(7, max(4, round(math.log2(best)))))  # 2^round(log2 L*), clamped to [16, 128]


def bytes_per_state(batch: int, H: int, itemsize: int) -> int:
    """Memory of one position's states in a block: LIVE_COPIES * B * H^2 numbers of ``itemsize`` bytes."""
    return LIVE_COPIES * batch * H**2 * itemsize  # LIVE_COPIES B H^2 itemsize


def cumsum_fits(batch: int, N: int, H: int, itemsize: int, memory_budget: int, cumsum_work: int) -> bool:
    """Whether ``auto`` takes ``cumsum``: N * bytes_per_state <= memory_budget and B N H^2 <= cumsum_work."""
    return (N * bytes_per_state(batch, H, itemsize) <= memory_budget  # all N states fit the budget
            and batch * N * H**2 <= cumsum_work)  # and one vectorised pass is still the cheaper one


def statistics_chunk(batch: int, width: int) -> int:
    """Chunk length of the statistics path, chunk by chunk: L* = sqrt(STATISTICS_OVERHEAD / (B w)), a power of two
    in [16, 128].

    Cost model (w = the width of the keys x_s, f for (x, y) input): per chunk and readout vector about six calls of
    fixed cost c1, and per position and vector 4 L w flops inside the chunk (the scores and their values) on top of
    the 2 w^2 of the carried state, at rate R; N k (6 c1 / L + B 4 L w / R) is least at L*. Below 16 the small
    products lose more rate than they save flops (measured at w = 64: L = 16 is fastest).
    """
    best = math.sqrt(STATISTICS_OVERHEAD / (batch * width))
    return int(2 ** min(7, max(4, round(math.log2(best)))))


def statistics_group(batch: int, width: int, outputs: int, block: int, itemsize: int, threads: int = 1) -> int:
    """Tasks per group of the statistics path: each thread's share of a group's states and one chunk's vectors fits
    CACHE_BYTES (the batched products split a group over the threads).

    Per task: the carried states (w^2 + m w numbers), five chunk vectors (5 L w: keys, next inputs, xi, the new
    xi, the readout sum) and the scores (L^2); the group is the largest that fits, at least 1, at most B. Measured
    (B = 256, N = 8192, f = 64, k = 3, float64, seconds per forward pass): 1 thread, groups of 54 / 86 / 128 / 256:
    2.38 / 2.39 / 2.43 / 3.04; 2 threads: 1.35 / 1.28 / 1.27 / 1.32.
    """
    per_task = itemsize * (width * width + outputs * width + 5 * block * width + block * block)
    return max(1, min(batch, threads * CACHE_BYTES // per_task))


def statistics_span(group: int, N: int, width: int, outputs: int, k: int, block: int, itemsize: int) -> int:
    """Chunks the statistics path processes side by side: as many as keep their carried states (w^2 numbers when
    k >= 2, and m w) within SPAN_BYTES and the span's vectors and scores (L (5 w + L) per position) within
    SPAN_WORK_BYTES, at least 1 (chunk by chunk, states in cache), at most the N / L chunks there are."""
    state = group * itemsize * ((width * width if k >= 2 else 0) + outputs * width)
    work = group * itemsize * block * (5 * width + block)
    return max(1, min(N // block, SPAN_BYTES // state, SPAN_WORK_BYTES // work))


def statistics_plan(batch: int, N: int, width: int, outputs: int, itemsize: int, block: int | None = None, *,
                    k: int = 1, threads: int = 1) -> Plan:
    """The statistics path for ``batch`` tasks of N positions with keys of ``width``: chunk, group and span sizes.

    N <= SINGLE_CHUNK: one chunk (fewest calls). Otherwise, when several chunks' states fit side by side
    (:func:`statistics_span` > 1 at L = SPAN_CHUNK), chunks of SPAN_CHUNK positions in spans; else chunk by chunk
    with :func:`statistics_chunk`. ``block`` fixes the chunk length. Products narrower than :data:`LANES` of the
    itemsize are computed wide (float32: 16 columns; float64: as they are).
    """
    require_count("batch size B", batch)
    if block is not None:
        require_int("block length", block, 1)
    if block is not None:
        L = min(N, block)
    elif N <= SINGLE_CHUNK:
        L = N
    else:
        L = SPAN_CHUNK
        group = statistics_group(batch, width, outputs, L, itemsize, threads)
        if statistics_span(group, N, width, outputs, k, L, itemsize) == 1:
            L = min(N, statistics_chunk(batch, width))
    group = statistics_group(batch, width, outputs, L, itemsize, threads)
    return Plan("statistics", L, group, statistics_span(group, N, width, outputs, k, L, itemsize),
                LANES.get(itemsize, 1))
