"""Which scan (:mod:`numeric.scans`) a forward pass takes, and how many positions it puts in a block.

Choice under ``path="auto"`` (:func:`choose_plan`; the constants were measured on CPU, see
``benchmarks/bench_numeric.py``):

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

PATHS = ("auto", "cumsum", "chunked", "sequential")
LIVE_COPIES = 4
"""Copies of a (B, L, H, H) block alive at once (M, S, scan temporaries, autograd's saved tensors)."""
CHUNK_OVERHEAD = 7e4
"""c0 R / 6 of the cost model in :func:`chunk_length` (launch cost times flop rate)."""


@dataclass(frozen=True)
class Plan:
    """How a forward pass forms the states: ``path`` and positions per ``block``."""

    path: str
    block: int


def choose_plan(Lambda: Tensor, batch: int, N: int, path: str = "auto", block: int | None = None, *, k: int,
                itemsize: int, memory_budget: int, cumsum_work: int, chunk: int | None) -> Plan:
    """The scan and block length for ``batch`` sequences of N windows with decay Lambda (H, H) (module doc).

    Rules: grad to Lambda or Lambda_ij != Lambda_11 -> sequential (block 1); Lambda = 1 and the states fit
    -> cumsum, block min(N, memory_budget / (LIVE_COPIES B H^2 itemsize)); else chunked, block min(N, L*).
    """
    if path not in PATHS:
        raise BadInput(f"unknown forward path {path!r}; choose one of {', '.join(PATHS)}")
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
