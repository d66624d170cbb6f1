"""The GD-SSM layer as a batched ``torch.nn.Module``: exactly the equations of :mod:`symbolic.layer`.

Tokens z_1..z_{2N+1} in R^H are interleaved, z_{2i-1} = E_x x_i (i = 1..N+1, the last is the query) and
z_{2i} = E_y y_i. For t = 1..N the window U_t = [u_{t,1}, u_{t,2}, u_{t,3}] = [z_{2t-1}, z_{2t}, z_{2t+1}]
(H x 3) feeds

    M_t    = sum_{a,b} Q_ab (V_a u_{t,a}) u_{t,b}^T = P_t K_t^T,
             P_t = [V_1 u_{t,1}, V_2 u_{t,2}, V_3 u_{t,3}],  K_t = U_t Q^T       (rank <= 3, H x H)
    S_t    = Lambda (.) S_{t-1} + M_t,  S_0 = 0                                   (elementwise decay)
    q_t    = U_t d
    r_0    = q_t,  r_{j+1} = rho_j r_j - beta_j R S_t r_j                         (j < k-1)
    yhat_t = C S_t sum_{j<k} c_j r_j + F q_t                                      (k = len(c))

and the layer returns yhat_1..yhat_N, shape (B, N, m). Every parameter is an ``nn.Parameter`` stored as
it appears in the equations (Lambda itself, so it can be exactly 1): Q (3,3), Lambda (H,H), d (3,),
C (m,H), F (m,H), V1, V2, V3 (H,H), R (H,H), rho (k-1,), beta (k-1,), c (k,). E_x (H,f) and E_y (H,m)
are buffers.

The k-fold readout applies S_t to k vectors per position (S_t r_0, ..., S_t r_{k-2}, S_t sum_j c_j r_j).
Positions are processed in blocks [t0, t0 + L), carrying the state S_{t0} between blocks, by one of
three scans; each gives the map v -> S_t v for the block's positions.

* ``cumsum`` (Lambda = 1): S_t = S_{t0} + sum_{t0 < s <= t} M_s by one cumulative sum; the block's
  states (B, L, H, H) are formed. With the whole sequence in one block this is the plain cumsum over t.
* ``chunked`` (Lambda = lambda * ones, linear-attention style): S_t is never formed;
  S_{t0+l} v = lambda^(l+1) S_{t0} v + sum_{s<=l} lambda^(l-s) P_s (K_s^T v), i.e. a matrix product with
  the carried state plus causal scores K_s^T v weighted by the within-block decay matrix
  D_ls = lambda^(l-s) (s <= l). Memory B (H^2 + 6 L H), work B H (H + 6 L) per position and vector.
* ``sequential`` (any Lambda): S_t = Lambda (.) S_{t-1} + M_t, one position at a time.

No log-space scan is used (lambda^(-t) overflows). ``cumsum`` and ``chunked`` hold the structure of Lambda
fixed (Lambda = 1, or one shared lambda), so they give Lambda no gradient: they are only used when none is
wanted (grad mode off, or ``Lambda.requires_grad`` False). Choice under ``path="auto"``
(:meth:`GDSSMLayer.plan`; the constants were measured on CPU, see ``benchmarks/bench_numeric.py``):

1. a gradient to Lambda is wanted, or Lambda's entries differ -> ``sequential``;
2. Lambda = 1 and all N states fit: LIVE_COPIES * B * N * H^2 * itemsize <= :attr:`memory_budget` and
   B * N * H^2 <= :attr:`cumsum_work` -> ``cumsum`` in one block (one vectorised pass wins at small sizes);
3. otherwise ``chunked``, with blocks of :meth:`GDSSMLayer.chunk_length` positions (a cost model: Python
   launches per block against the within-block flops); its memory does not grow with N.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_steps
from gdssm.numeric.lowering import lower_construction
from gdssm.symbolic.constructions import Construction

PATHS = ("auto", "cumsum", "chunked", "sequential")
LIVE_COPIES = 4
"""Copies of a (B, L, H, H) block alive at once (M, S, scan temporaries, autograd's saved tensors)."""

SPAN = 64
"""Positions whose window projections P, K, q are formed together (whole blocks; keeps them in cache)."""
CHUNK_OVERHEAD = 7e4
"""c0 R / 6 of the cost model in :meth:`GDSSMLayer.chunk_length` (launch cost times flop rate)."""

StateMap = Callable[[Tensor], Tensor]
"""v (B, L, H) -> S_t v_t for the L positions of a block."""
BlockScan = Callable[[Tensor, Tensor, Tensor], tuple[StateMap, Tensor]]
"""(P, K, S_{t0}) for a block -> (its :data:`StateMap`, the state after the block)."""


@dataclass(frozen=True)
class Plan:
    """How a forward pass forms the states: ``path`` and positions per ``block``."""

    path: str
    block: int


class GDSSMLayer(nn.Module):
    """The GD-SSM layer (module docstring) for embeddings E_x (H x f), E_y (H x m) and a k-fold readout.

    Fresh parameters are the neutral layer: Q = 0, Lambda = 1, d = 0, C = F = R = 0, V_a = I, rho = 1,
    beta = 0, c = 0 (it predicts 0). :meth:`from_construction` loads a derived construction.
    """

    E_x: Tensor
    E_y: Tensor
    memory_budget: int = 2**29
    """Bytes the states of a ``cumsum`` block may take (see :data:`LIVE_COPIES`)."""
    cumsum_work: int = 2**19
    """Largest B * N * H^2 for which ``auto`` forms all states by ``cumsum`` (Lambda = 1)."""
    chunk: int | None = None
    """Block length of the ``chunked`` scan; None: chosen by :meth:`chunk_length`."""

    def __init__(self, E_x: Tensor, E_y: Tensor, k: int, *, dtype: torch.dtype = torch.float64,
                 device: torch.device | str | None = None) -> None:
        super().__init__()
        require_steps(k)
        if E_x.dim() != 2 or E_y.dim() != 2 or E_x.shape[0] != E_y.shape[0]:
            raise BadInput(f"embeddings must be E_x (H, f) and E_y (H, m) with the same H, "
                            f"got {tuple(E_x.shape)} and {tuple(E_y.shape)}")
        H, m = E_y.shape
        self.register_buffer("E_x", E_x.detach().to(dtype=dtype, device=device).clone())
        self.register_buffer("E_y", E_y.detach().to(dtype=dtype, device=device).clone())

        def param(value: float, *shape: int) -> nn.Parameter:
            return nn.Parameter(torch.full(shape, value, dtype=dtype, device=device))

        def identity() -> nn.Parameter:
            return nn.Parameter(torch.eye(H, dtype=dtype, device=device))

        self.Q, self.Lambda, self.d = param(0.0, 3, 3), param(1.0, H, H), param(0.0, 3)
        self.C, self.F = param(0.0, m, H), param(0.0, m, H)
        self.V1, self.V2, self.V3 = identity(), identity(), identity()
        self.R = param(0.0, H, H)
        self.rho, self.beta, self.c = param(1.0, max(k - 1, 0)), param(0.0, max(k - 1, 0)), param(0.0, k)

    @classmethod
    def from_construction(cls, construction: Construction, dtype: torch.dtype = torch.float64,
                          device: torch.device | str | None = None) -> GDSSMLayer:
        """The layer with a construction's derived parameters (its eta must be a number, not a symbol)."""
        values = lower_construction(construction, dtype, device)
        layer = cls(values["E_x"], values["E_y"], construction.params.readout.steps, dtype=dtype, device=device)
        with torch.no_grad():
            for name, param in layer.named_parameters():
                param.copy_(values[name])
        return layer

    @classmethod
    def from_file(cls, path: str) -> GDSSMLayer:
        """The layer of a weights file written by ``gdssm export`` (any format), its metadata validated and its
        values verified against the re-derived construction (:func:`numeric.weights.load_layer`)."""
        from gdssm.numeric.weights import load_layer

        return load_layer(path)

    @property
    def H(self) -> int:
        """Token width."""
        return int(self.E_x.shape[0])

    @property
    def f(self) -> int:
        """Input dimension."""
        return int(self.E_x.shape[1])

    @property
    def m(self) -> int:
        """Output dimension."""
        return int(self.E_y.shape[1])

    @property
    def k(self) -> int:
        """Number of readout terms (GD steps)."""
        return int(self.c.shape[0])

    def extra_repr(self) -> str:
        return f"f={self.f}, m={self.m}, H={self.H}, k={self.k}, dtype={self.Q.dtype}"

    def forward(self, inputs: Tensor, labels: Tensor | None = None, *, path: str = "auto",
                block: int | None = None) -> Tensor:
        """Predictions yhat_1..yhat_N, shape (B, N, m).

        ``inputs`` is either the interleaved tokens (B, 2N+1, H) with ``labels=None``, or the inputs
        x (B, N+1, f) (the last one is the query) with ``labels`` y (B, N, m). ``path`` is ``auto``,
        ``cumsum``, ``chunked`` or ``sequential``; ``block`` overrides the positions per block of
        ``cumsum`` and ``chunked``.
        """
        slots = self._windows(inputs, labels)
        B, N = slots[0].shape[0], slots[0].shape[1]
        plan = self.plan(B, N, path, block)
        scan = self._scan(plan)
        carry = slots[0].new_zeros(B, self.H, self.H)
        outputs = []
        span = plan.block * max(1, SPAN // plan.block)
        for s0 in range(0, N, span):
            U = torch.stack([u[:, s0 : s0 + span] for u in slots], dim=2)  # (B, span, 3, H): rows u_{t,a}
            P = torch.stack([U[:, :, a] @ V.T for a, V in enumerate((self.V1, self.V2, self.V3))], dim=2)
            K, q = self.Q @ U, torch.einsum("a,blah->blh", self.d, U)
            for t0 in range(0, U.shape[1], plan.block):
                block_ = slice(t0, t0 + plan.block)
                apply_state, carry = scan(P[:, block_], K[:, block_], carry)
                outputs.append(self._readout(apply_state, q[:, block_]))
        return torch.cat(outputs, dim=1)

    def plan(self, batch: int, N: int, path: str = "auto", block: int | None = None) -> Plan:
        """The scan and block length a forward pass on ``batch`` sequences of N windows uses (module doc)."""
        if path not in PATHS:
            raise BadInput(f"unknown forward path {path!r}; choose one of {', '.join(PATHS)}")
        if block is not None and (isinstance(block, bool) or not isinstance(block, int) or block < 1):
            raise BadInput(f"block length must be an integer >= 1, got {block!r}")
        uniform = bool(torch.all(self.Lambda == self.Lambda[0, 0]))
        ones = uniform and bool(self.Lambda[0, 0] == 1)
        frozen = not (torch.is_grad_enabled() and self.Lambda.requires_grad)
        if path in ("cumsum", "chunked") and not frozen:
            raise BadInput(f"path {path!r} holds the structure of Lambda fixed and gives it no gradient; run under "
                            "torch.no_grad(), call Lambda.requires_grad_(False), or use path 'sequential'")
        if path == "cumsum" and not ones:
            raise BadInput("path 'cumsum' needs Lambda = 1 everywhere; use 'chunked' or 'sequential'")
        if path == "chunked" and not uniform:
            raise BadInput("path 'chunked' needs one decay for every entry (Lambda = lambda * ones); use 'sequential'")
        if path == "auto":
            if not (frozen and uniform):
                path = "sequential"
            elif ones and self._cumsum_fits(batch, N):
                path = "cumsum"
            else:
                path = "chunked"
        if path == "sequential":
            return Plan("sequential", 1)
        if block is not None:
            return Plan(path, min(block, N))
        if path == "cumsum":
            return Plan(path, min(N, max(1, self.memory_budget // self._bytes_per_state(batch))))
        return Plan(path, min(N, self.chunk or self.chunk_length(batch)))

    def chunk_length(self, batch: int) -> int:
        """Block length of ``chunked``: L* = sqrt(CHUNK_OVERHEAD (k+3) / (B k H)), a power of two in [16, 128].

        Cost model: a block pays about k+3 launches of fixed cost c0 and B k H (H + 6L) flops per position at
        rate R, so N (k+3) c0 / L + N B k H (H + 6L) / R is least at L* with CHUNK_OVERHEAD = c0 R / 6
        (c0 ~ 20 us, R ~ 2e10 flop/s measured on CPU).
        """
        k = max(self.k, 1)
        best = math.sqrt(CHUNK_OVERHEAD * (k + 3) / (batch * k * self.H))
        return int(2 ** min(7, max(4, round(math.log2(best)))))

    def _bytes_per_state(self, batch: int) -> int:
        """Memory of one position's states in a block: LIVE_COPIES * B * H^2 numbers."""
        return LIVE_COPIES * batch * self.H**2 * self.Q.element_size()

    def _cumsum_fits(self, batch: int, N: int) -> bool:
        """Whether ``auto`` takes ``cumsum``: all N states fit the budget and B N H^2 <= cumsum_work."""
        return N * self._bytes_per_state(batch) <= self.memory_budget and batch * N * self.H**2 <= self.cumsum_work

    def _scan(self, plan: Plan) -> BlockScan:
        """The block scan of ``plan``: (P, K, S_{t0}) -> (v -> S_t v for the block's t, S_{t1}).

        P and K hold P_t^T and K_t^T, (B, L, 3, H), so M_t = P_t K_t^T = P^T K per position.
        """
        if plan.path == "chunked":
            return self._chunked_scan(plan.block)
        Lam = self.Lambda

        def materialised(P: Tensor, K: Tensor, carry: Tensor) -> tuple[StateMap, Tensor]:
            M = P.transpose(-1, -2) @ K
            S = carry.unsqueeze(1) + M.cumsum(dim=1) if plan.path == "cumsum" else (Lam * carry).unsqueeze(1) + M
            return (lambda v: torch.einsum("blij,blj->bli", S, v)), S[:, -1]

        return materialised

    def _chunked_scan(self, L: int) -> BlockScan:
        """Linear-attention form for Lambda = lambda * ones; no per-position state is formed.

        For the block's positions l = 0..n-1 after the carried state S_c,
        S_{t0+l} v = lambda^(l+1) S_c v + sum_{s<=l} lambda^(l-s) P_s (K_s^T v): a matrix product with S_c
        plus causal scores K_s^T v weighted by the decay matrix D_ls = lambda^(l-s) (s <= l, else 0).
        The next carry is lambda^n S_c + sum_s lambda^(n-1-s) P_s K_s^T.
        """
        lam = self.Lambda[0, 0]
        powers = torch.cat([torch.ones_like(lam).reshape(1), lam.expand(L).cumprod(dim=0)])
        lag = torch.arange(L, device=lam.device)
        lag = lag.unsqueeze(1) - lag.unsqueeze(0)
        decay = torch.where(lag >= 0, powers[lag.clamp(min=0)], torch.zeros_like(lam))

        def chunked(P: Tensor, K: Tensor, carry: Tensor) -> tuple[StateMap, Tensor]:
            B, n = P.shape[0], P.shape[1]
            values = P.reshape(B, 3 * n, self.H)  # row (s, a): P_s[:, a]
            keys = K.reshape(B, 3 * n, self.H)  # row (s, a): K_s[:, a]
            weights = decay[:n, :n].repeat_interleave(3, dim=1)  # (l, (s, a)) -> lambda^(l-s)
            growth = powers[1 : n + 1].unsqueeze(-1)

            def apply_state(v: Tensor) -> Tensor:
                scores = (v @ keys.transpose(1, 2)) * weights
                return growth * (v @ carry.transpose(1, 2)) + scores @ values

            tail = powers[:n].flip(0).repeat_interleave(3).unsqueeze(-1)  # lambda^(n-1-s)
            return apply_state, powers[n] * carry + values.transpose(1, 2) @ (tail * keys)

        return chunked

    def _readout(self, apply_state: StateMap, q: Tensor) -> Tensor:
        """yhat = C S sum_j c_j r_j + F q with r_0 = q, r_{j+1} = rho_j r_j - beta_j R S r_j (per position)."""
        y = q @ self.F.T
        if self.k == 0:
            return y
        r, acc = q, self.c[0] * q
        for j in range(self.k - 1):
            r = self.rho[j] * r - self.beta[j] * (apply_state(r) @ self.R.T)
            acc = acc + self.c[j + 1] * r
        return apply_state(acc) @ self.C.T + y

    def _windows(self, inputs: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
        """The window slots u_{t,1}, u_{t,2}, u_{t,3} = z_{2t-1}, z_{2t}, z_{2t+1} for t = 1..N, each (B, N, H)."""
        self._check_data("inputs", inputs)
        if labels is None:
            if inputs.dim() != 3 or inputs.shape[2] != self.H or inputs.shape[1] % 2 != 1 or inputs.shape[1] < 3:
                raise BadInput(f"tokens must have shape (B, 2N+1, H={self.H}) with N >= 1, "
                                f"got {tuple(inputs.shape)}")
            first, second, third = inputs[:, 0:-1:2], inputs[:, 1::2], inputs[:, 2::2]
        else:
            self._check_data("labels", labels)
            if inputs.dim() != 3 or inputs.shape[2] != self.f or inputs.shape[1] < 2:
                raise BadInput(f"inputs x must have shape (B, N+1, f={self.f}) with N >= 1, "
                                f"got {tuple(inputs.shape)}")
            want = (inputs.shape[0], inputs.shape[1] - 1, self.m)
            if tuple(labels.shape) != want:
                raise BadInput(f"labels y must have shape (B, N, m) = {want} for inputs of shape "
                                f"{tuple(inputs.shape)}, got {tuple(labels.shape)}")
            first, third = inputs[:, :-1] @ self.E_x.T, inputs[:, 1:] @ self.E_x.T
            second = labels @ self.E_y.T
        return first, second, third

    def _check_data(self, name: str, data: Tensor) -> None:
        if not isinstance(data, Tensor):
            raise BadInput(f"{name} must be a torch.Tensor, got {type(data).__name__}")
        if data.dtype != self.Q.dtype:
            raise BadInput(f"dtype mismatch: {name} are {data.dtype} but the layer's parameters are "
                            f"{self.Q.dtype}; convert one of them (e.g. layer.to({data.dtype}))")
        if data.device != self.Q.device:
            raise BadInput(f"device mismatch: {name} are on {data.device} but the layer is on {self.Q.device}")
        # a finite sum proves every entry finite (one cheap pass); otherwise look entry by entry
        if not bool(torch.isfinite(data.sum())) and not bool(torch.isfinite(data).all()):
            raise BadInput(f"{name} contain NaN or infinite values")
