"""The three block scans of the GD-SSM state: S_t = Lambda (.) S_{t-1} + M_t, S_0 = 0, with M_t = P_t K_t^T.

A forward pass (:class:`numeric.layer.GDSSMLayer`) processes the positions in blocks t = t0+1..t0+L, carrying
the state S_{t0} between blocks. A block scan (:data:`BlockScan`) takes the block's window projections and the
carried state,

    P (B, L, 3, H)   row a of position l: P_t[:, a] = V_a u_{t,a}             (P holds P_t^T)
    K (B, L, 3, H)   row a of position l: K_t[:, a] = (U_t Q^T)[:, a]          (K holds K_t^T)
    S_{t0} (B, H, H)

so M_t = P_t K_t^T = P^T K per position, and returns the map v_t -> S_t v_t for the block's positions
(a :data:`StateMap`) and the state S_{t0+L} after the block (the next block's carry).

* :func:`cumsum_scan` (Lambda = 1): S_t = S_{t0} + sum_{t0 < s <= t} M_s by one cumulative sum; the block's
  states (B, L, H, H) are formed. With the whole sequence in one block this is the plain cumsum over t.
* :func:`chunked_scan` (Lambda = lambda * ones, linear-attention style): S_t is never formed;
  S_{t0+1+l} v = lambda^(l+1) S_{t0} v + sum_{s<=l} lambda^(l-s) P_s (K_s^T v), i.e. a matrix product with
  the carried state plus causal scores K_s^T v weighted by the within-block decay matrix
  D_ls = lambda^(l-s) (s <= l). Memory B (H^2 + 6 L H), work B H (H + 6 L) per position and vector.
* :func:`sequential_scan` (any Lambda): S_t = Lambda (.) S_{t-1} + M_t, one position per block.

No log-space scan is used (lambda^(-t) overflows). ``cumsum`` and ``chunked`` hold the structure of Lambda
fixed (Lambda = 1, or one shared lambda), so they give Lambda no gradient; which scan a pass takes is decided
by :mod:`numeric.planner`.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from gdssm.core.errors import BadInput, ShapeError

StateMap = Callable[[Tensor], Tensor]
"""v (B, L, H) -> S_t v_t for the L positions of a block."""
BlockScan = Callable[[Tensor, Tensor, Tensor], tuple[StateMap, Tensor]]
"""(P, K, S_{t0}) for a block -> (its :data:`StateMap`, the state after the block)."""
SCANS = ("cumsum", "chunked", "sequential")


def block_scan(path: str, block: int, Lambda: Tensor) -> BlockScan:
    """The block scan named ``path`` for the decay Lambda (H, H) and blocks of ``block`` positions.

    cumsum: S_t = S_{t0} + sum_{s<=t} M_s; chunked: S_t = lambda^(t-t0) S_{t0} + sum_s lambda^(t-s) M_s;
    sequential: S_t = Lambda (.) S_{t-1} + M_t. The caller guarantees Lambda's structure (:mod:`numeric.planner`).
    """
    if path == "cumsum":
        return cumsum_scan  # Lambda = 1: S_t = S_{t0} + cumsum M
    if path == "chunked":
        return chunked_scan(Lambda[0, 0], block)  # Lambda = lambda * ones: decay by powers of lambda
    if path == "sequential":
        return sequential_scan(Lambda)  # any Lambda: S_t = Lambda (.) S_{t-1} + M_t
    raise BadInput(f"unknown scan {path!r}; choose one of {', '.join(SCANS)}")


def cumsum_scan(P: Tensor, K: Tensor, carry: Tensor) -> tuple[StateMap, Tensor]:
    """Lambda = 1: S_{t0+l} = S_{t0} + sum_{s=1..l} M_{t0+s} for l = 1..L, every state formed.

    M_t = P_t K_t^T = P^T K per position (P, K hold P_t^T, K_t^T, shape (B, L, 3, H)); returns
    (v_t -> S_t v_t, S_{t0+L}).
    """
    M = P.transpose(-1, -2) @ K  # M_t = P_t K_t^T, (B, L, H, H)
    S = carry.unsqueeze(1) + M.cumsum(dim=1)  # S_t = S_{t0} + sum_{t0 < s <= t} M_s
    return _apply(S), S[:, -1]  # (v_t -> S_t v_t, the carry S_{t0+L})


def sequential_scan(Lambda: Tensor) -> BlockScan:
    """Any Lambda: one position per block, S_t = Lambda (.) S_{t-1} + M_t with M_t = P_t K_t^T."""

    def sequential(P: Tensor, K: Tensor, carry: Tensor) -> tuple[StateMap, Tensor]:
        if P.shape[1] != 1:
            raise ShapeError(f"the sequential scan takes one position per block, got {P.shape[1]}")
        M = P.transpose(-1, -2) @ K  # M_t = P_t K_t^T, (B, 1, H, H)
        S = (Lambda * carry).unsqueeze(1) + M  # S_t = Lambda (.) S_{t-1} + M_t
        return _apply(S), S[:, -1]  # (v -> S_t v, the carry S_t)

    return sequential


def chunked_scan(lam: Tensor, L: int) -> BlockScan:
    """Lambda = lambda * ones, blocks of at most L positions, in linear-attention form (no S_t is formed).

    For the block's positions l = 0..n-1 after the carried state S_c,
    S_{t0+1+l} v = lambda^(l+1) S_c v + sum_{s<=l} lambda^(l-s) P_s (K_s^T v): a matrix product with S_c
    plus causal scores K_s^T v weighted by the decay matrix D_ls = lambda^(l-s) (s <= l, else 0).
    The next carry is lambda^n S_c + sum_s lambda^(n-1-s) P_s K_s^T.
    """
    powers = torch.cat([torch.ones_like(lam).reshape(1), lam.expand(L).cumprod(dim=0)])  # lambda^0 .. lambda^L
    lag = torch.arange(L, device=lam.device)
    lag = lag.unsqueeze(1) - lag.unsqueeze(0)  # lag_ls = l - s
    decay = torch.where(lag >= 0, powers[lag.clamp(min=0)], torch.zeros_like(lam))  # D_ls = lambda^(l-s) [s <= l]

    def chunked(P: Tensor, K: Tensor, carry: Tensor) -> tuple[StateMap, Tensor]:
        B, n, H = P.shape[0], P.shape[1], P.shape[-1]
        values = P.reshape(B, 3 * n, H)  # row (s, a): P_s[:, a]
        keys = K.reshape(B, 3 * n, H)  # row (s, a): K_s[:, a]
        weights = decay[:n, :n].repeat_interleave(3, dim=1)  # (l, (s, a)) -> lambda^(l-s)
        growth = powers[1 : n + 1].unsqueeze(-1)  # lambda^(l+1)

        def apply_state(v: Tensor) -> Tensor:
            scores = (v @ keys.transpose(1, 2)) * weights  # lambda^(l-s) K_s^T v_l
            return growth * (v @ carry.transpose(1, 2)) + scores @ values  # lambda^(l+1) S_c v + sum_s ... P_s

        tail = powers[:n].flip(0).repeat_interleave(3).unsqueeze(-1)  # lambda^(n-1-s)
        return apply_state, powers[n] * carry + values.transpose(1, 2) @ (tail * keys)  # lambda^n S_c + sum_s ...

    return chunked


def _apply(S: Tensor) -> StateMap:
    """v_t -> S_t v_t for formed states S (B, L, H, H) and vectors v (B, L, H)."""
    return lambda v: torch.einsum("blij,blj->bli", S, v)  # (S_t v_t)_i = sum_j (S_t)_ij (v_t)_j
