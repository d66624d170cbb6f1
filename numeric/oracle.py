"""The GD oracle: the implicit linear model trained by actual gradient descent, gradients by autograd.

For every prefix t = 1..N and every task in the batch, starting from W_0 (m x f, default 0), k steps

    W_{j+1} = W_j - eta_j (grad L^data_t(W_j) P + grad R(W_j)),
    L^data_t(W) = 1/(2N) sum_{i<=t} lam^(t-i) ||W x_i - y_i||^2,     R(W) = gamma/2 ||W||_F^2,

with both gradients taken by ``torch.autograd.grad`` of the losses as written (the preconditioner P acts on
the data gradient, as in :class:`symbolic.gd.GDSpec`; with P = I this is GD on L^data_t + R). The oracle
predicts W_k^{(t)} x_{t+1}. It shares no code with the layer: no sufficient statistics, no closed form,
only the per-example loss and autograd.

The prefixes are independent problems, so they are trained side by side: W has shape (B, T, m, f) for a
block of T prefixes, and the summed loss has block-diagonal gradient. Cost O(k B N^2 m f) for all prefixes.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

from gdssm.core.errors import BadInput
from gdssm.numeric.lowering import NumericGD, lower_gd
from gdssm.symbolic.gd import GDSpec

BLOCK_ELEMENTS = 2**24
"""Largest residual tensor (B x T x t x m entries, plus the matching products) the oracle forms at once."""


def gd_predictions(spec: GDSpec, x: Tensor, y: Tensor, prefixes: Sequence[int] | None = None) -> Tensor:
    """W_k^{(t)} x_{t+1}, shape (B, T, m), for t in ``prefixes`` (1-based, default 1..N).

    ``x`` is (B, N+1, f) (x_{N+1} the query), ``y`` is (B, N, m); the result has the dtype of ``x``.
    """
    _check_data(x, y)
    B, N, m = y.shape
    f = x.shape[2]
    ts = list(range(1, N + 1)) if prefixes is None else [int(t) for t in prefixes]
    if any(t < 1 or t > N for t in ts):
        raise BadInput(f"prefixes must lie in 1..N = 1..{N}, got {ts}")
    gd = lower_gd(spec, x.dtype, x.device)
    if gd.W0 is not None and tuple(gd.W0.shape) != (m, f):
        raise BadInput(f"W0 must be m x f = {m} x {f}, got {tuple(gd.W0.shape)}")
    if gd.precond is not None and tuple(gd.precond.shape) != (f, f):
        raise BadInput(f"the preconditioner must be f x f = {f} x {f}, got {tuple(gd.precond.shape)}")
    per_prefix = max(1, B * N * (m + f))
    size = max(1, BLOCK_ELEMENTS // per_prefix)
    blocks = [_prefix_block(gd, x, y, ts[i : i + size]) for i in range(0, len(ts), size)]
    return torch.cat(blocks, dim=1) if blocks else x.new_zeros(B, 0, m)


def _prefix_block(gd: NumericGD, x: Tensor, y: Tensor, ts: list[int]) -> Tensor:
    """Train one W per (task, prefix) for the prefixes ``ts`` and predict their next inputs."""
    B, _, m = y.shape
    f = x.shape[2]
    longest = max(ts)
    xs, ys = x[:, :longest], y[:, :longest]
    t = torch.tensor(ts, device=x.device).unsqueeze(1)
    i = torch.arange(1, longest + 1, device=x.device).unsqueeze(0)
    lam = torch.tensor(gd.lam, dtype=x.dtype, device=x.device)
    weight = torch.where(i <= t, lam ** (t - i).clamp(min=0), torch.zeros((), dtype=x.dtype, device=x.device))
    W = x.new_zeros(B, len(ts), m, f) if gd.W0 is None else gd.W0.expand(B, len(ts), m, f).clone()
    for eta in gd.etas:
        with torch.enable_grad():
            W_var = W.detach().requires_grad_(True)
            residual = torch.einsum("btmf,bif->btim", W_var, xs) - ys.unsqueeze(1)
            data_loss = (weight.unsqueeze(-1) * residual**2).sum() / (2 * gd.normaliser)
            (grad_data,) = torch.autograd.grad(data_loss, W_var)
            step = grad_data if gd.precond is None else grad_data @ gd.precond
            if gd.gamma != 0:
                reg_loss = gd.gamma / 2 * (W_var**2).sum()
                step = step + torch.autograd.grad(reg_loss, W_var)[0]
        W = W - eta * step
    queries = x[:, ts]
    return torch.einsum("btmf,btf->btm", W, queries)


def _check_data(x: Tensor, y: Tensor) -> None:
    if x.dim() != 3 or y.dim() != 3 or x.shape[0] != y.shape[0] or x.shape[1] != y.shape[1] + 1 or y.shape[1] < 1:
        raise BadInput(f"the oracle needs x (B, N+1, f) and y (B, N, m) with N >= 1, "
                        f"got {tuple(x.shape)} and {tuple(y.shape)}")
    if x.dtype != y.dtype or not x.dtype.is_floating_point:
        raise BadInput(f"x and y must share one floating dtype, got {x.dtype} and {y.dtype}")
    if not (bool(torch.isfinite(x).all()) and bool(torch.isfinite(y).all())):
        raise BadInput("x and y must be finite (no NaN or infinite values)")
