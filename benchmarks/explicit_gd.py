"""The best explicit per-prefix GD we know, for the benchmarks: every prefix trained by its own GD, as masked matmuls.

For a block of T prefixes t = t0+1..t0+T and the examples i = 1..I (I = t0+T) every prefix keeps its own
W^{(t)} (m x f), and one GD step for all of them is two batched matrix products and a mask:

    R[t, i]  = W^{(t)} x_i - y_i                                   (B, T m, I): [W, -I] (B, T m, f+m) @ [X, Y]^T
    grad^{(t)} = 1/N sum_i lam^(t-i) [i <= t] R[t, i] x_i^T        (B, T m, f): (mask (.) R) @ X (B, I, f)
    W^{(t)} <- W^{(t)} - eta_j (grad^{(t)} + gamma W^{(t)})

then yhat_t = W_k^{(t)} x_{t+1}. Nothing is shared between prefixes (no statistic G_t, A_t is formed): this is GD
run on each prefix, written as fast as dense products allow. Cost 4 B m f k sum_blocks T I flops, about
2 B m f k N^2 for all N prefixes (:func:`explicit_flops`), against the statistics path's 2 B k f^2 N.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

BLOCK_BYTES = 1 << 30
"""Largest residual tensor (B, T m, I) of one block of prefixes."""


def prefix_blocks(B: int, N: int, m: int, itemsize: int, T: int | None = None) -> list[tuple[int, int]]:
    """Blocks (t0, T) of consecutive prefixes t0+1..t0+T covering 1..N; T from BLOCK_BYTES at the longest prefix."""
    size = T or max(1, min(N, BLOCK_BYTES // max(1, B * m * N * itemsize)))
    return [(t0, min(size, N - t0)) for t0 in range(0, N, size)]


def joined(x: Tensor, y: Tensor) -> Tensor:
    """[x_i, y_i] for i = 1..N, (B, N, f + m): the data one product of :func:`explicit_block` reads."""
    return torch.cat([x[:, : y.shape[1]], y], dim=2)


def explicit_block(x: Tensor, y: Tensor, t0: int, T: int, etas: Sequence[float], normaliser: float,
                   lam: float = 1.0, gamma: float = 0.0, data: Tensor | None = None) -> Tensor:
    """yhat_t = W_k^{(t)} x_{t+1} for the prefixes t = t0+1..t0+T, shape (B, T, m), W_0 = 0.

    Written for speed: the residual W x_i - y_i is one product [W, -I] [x_i; y_i] (``data`` = :func:`joined`, made
    once for all blocks), 1/N is folded into the step, and with lam = 1 only the block's last T columns
    (examples t0+1..t0+T) need the mask [i <= t].
    """
    B, _, f = x.shape
    m = y.shape[2]
    I = t0 + T
    Z = (data if data is not None else joined(x, y))[:, :I]  # (B, I, f + m)
    X = Z[:, :, :f]
    t = torch.arange(t0 + 1, t0 + T + 1, device=x.device).unsqueeze(1)
    if lam == 1.0:
        i = torch.arange(t0 + 1, I + 1, device=x.device).unsqueeze(0)
        mask = (i <= t).to(x.dtype).repeat_interleave(m, dim=0)  # [i <= t] on the last T columns, (T m, T)
    else:
        i = torch.arange(1, I + 1, device=x.device).unsqueeze(0)
        lam_t = torch.tensor(lam, dtype=x.dtype, device=x.device)
        mask = torch.where(i <= t, lam_t ** (t - i).clamp(min=0).to(x.dtype), torch.zeros((), dtype=x.dtype))
        mask = mask.repeat_interleave(m, dim=0)  # lam^(t-i) [i <= t], (T m, I)
    Wa = x.new_zeros(B, T * m, f + m)  # rows (t, o): [W^{(t)}_o, -e_o], W_0 = 0
    Wa[:, :, f:] = -torch.eye(m, dtype=x.dtype, device=x.device).repeat(T, 1)
    W = Wa[:, :, :f]
    for eta in etas:
        R = torch.bmm(Wa, Z.transpose(1, 2))  # W^{(t)} x_i - y_i, (B, T m, I)
        if lam == 1.0:
            R[:, :, t0:].mul_(mask)
        else:
            R.mul_(mask)
        grad = torch.bmm(R, X)  # N grad_data^{(t)}, (B, T m, f)
        if gamma:
            W.mul_(1.0 - eta * gamma)  # - eta gamma W
        W.sub_(grad, alpha=eta / normaliser)  # - eta grad_data
    queries = x[:, t0 + 1 : t0 + T + 1]  # x_{t+1}, (B, T, f)
    return (W.reshape(B, T, m, f) @ queries.unsqueeze(-1)).squeeze(-1)


def explicit_predictions(x: Tensor, y: Tensor, etas: Sequence[float], normaliser: float, lam: float = 1.0,
                         gamma: float = 0.0, T: int | None = None) -> Tensor:
    """yhat_t for every prefix t = 1..N (B, N, m), block after block."""
    B, N, m = y.shape
    blocks = prefix_blocks(B, N, m, x.element_size(), T)
    data = joined(x, y)
    return torch.cat([explicit_block(x, y, t0, n, etas, normaliser, lam, gamma, data) for t0, n in blocks], dim=1)


def explicit_flops(B: int, N: int, f: int, m: int, k: int, blocks: Sequence[tuple[int, int]]) -> float:
    """Matmul flops of :func:`explicit_predictions`: per block and step 2 x 2 B (T m) I f."""
    return float(sum(4 * B * T * m * (t0 + T) * f * k for t0, T in blocks))
