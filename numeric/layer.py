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

Two ways to compute the same outputs:

* the **statistics path** (:mod:`numeric.fast_path`), for parameters with the structure of a derived construction
  (V_a = I, F = 0, Lambda = lambda 1, Q pairing window slot 1 with slots 1 and 2 only; recognised exactly, entry by
  entry) when no parameter needs a gradient: a chunked scan over the GD statistics G_t (f x f) and A_t (m x f) of
  the raw data x, y, never forming window tensors. It is what ``path="auto"`` takes for derived constructions;
* the **general path**, for any parameters (training, edited weights): the k-fold readout applies S_t to k
  vectors per position (S_t r_0, ..., S_t r_{k-2}, S_t sum_j c_j r_j). Positions are processed in blocks,
  carrying the state between blocks, by one of three scans (:mod:`numeric.scans`: ``cumsum`` for Lambda = 1,
  ``chunked`` for Lambda = lambda * ones, ``sequential`` for any Lambda); each gives the map v -> S_t v for the
  block's positions.

:mod:`numeric.planner` chooses the path, the scan and the block length under ``path="auto"``
(:meth:`GDSSMLayer.plan`); the layer itself holds the parameters, forms the windows and their projections, and
applies the readout. Loading a weights file into a layer is :func:`numeric.formats.load_layer`: this module knows
nothing about files.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gdssm.core.errors import BadInput, ShapeError
from gdssm.core.validation import require_steps
from gdssm.numeric.fast_path import Statistics, recognise, statistics_forward
from gdssm.numeric.lowering import lower_construction
from gdssm.numeric.planner import Plan, choose_plan, statistics_plan
from gdssm.numeric.planner import chunk_length as planned_chunk_length
from gdssm.numeric.scans import StateMap, block_scan
from gdssm.symbolic.constructions import Construction

SPAN = 64
"""Positions whose window projections P, K, q are formed together (whole blocks; keeps them in cache)."""
STRUCTURES_KEPT = 8
"""Recognised structures a layer keeps (one per input kind, dtype and layout of its parameters)."""


class GDSSMLayer(nn.Module):
    """The GD-SSM layer (module docstring) for embeddings E_x (H x f), E_y (H x m) and a k-fold readout.

    Fresh parameters are the neutral layer: Q = 0, Lambda = 1, d = 0, C = F = R = 0, V_a = I, rho = 1,
    beta = 0, c = 0 (it predicts 0). :meth:`from_construction` loads a derived construction.
    """

    E_x: Tensor
    E_y: Tensor
    memory_budget: int = 2**29
    """Bytes the states of a ``cumsum`` block may take (see :data:`numeric.planner.LIVE_COPIES`)."""
    cumsum_work: int = 2**19
    """Largest B * N * H^2 for which ``auto`` forms all states by ``cumsum`` (Lambda = 1)."""
    chunk: int | None = None
    """Block length of the ``chunked`` scan; None: chosen by :meth:`chunk_length`."""
    statistics: bool = True
    """Whether ``auto`` takes the statistics path where it applies (False: always a general scan)."""

    def __init__(self, E_x: Tensor, E_y: Tensor, k: int, *, dtype: torch.dtype = torch.float64,
                 device: torch.device | str | None = None) -> None:
        """The neutral layer (class docstring) with z = E_x x, E_y y tokens in R^H and k readout terms."""
        super().__init__()
        require_steps(k)
        if E_x.dim() != 2 or E_y.dim() != 2 or E_x.shape[0] != E_y.shape[0]:
            raise ShapeError(f"embeddings must be E_x (H, f) and E_y (H, m) with the same H, "
                             f"got {tuple(E_x.shape)} and {tuple(E_y.shape)}")
        H, m = E_y.shape
        self.register_buffer("E_x", E_x.detach().to(dtype=dtype, device=device).clone())  # z_{2i-1} = E_x x_i
        self.register_buffer("E_y", E_y.detach().to(dtype=dtype, device=device).clone())  # z_{2i} = E_y y_i

        def param(value: float, *shape: int) -> nn.Parameter:
            return nn.Parameter(torch.full(shape, value, dtype=dtype, device=device))

        def identity() -> nn.Parameter:
            return nn.Parameter(torch.eye(H, dtype=dtype, device=device))

        self.Q, self.Lambda, self.d = param(0.0, 3, 3), param(1.0, H, H), param(0.0, 3)  # Q = 0, Lambda = 1, d = 0
        self.C, self.F = param(0.0, m, H), param(0.0, m, H)  # C = F = 0
        self.V1, self.V2, self.V3 = identity(), identity(), identity()  # V_a = I
        self.R = param(0.0, H, H)  # R = 0
        self.rho, self.beta, self.c = param(1.0, max(k - 1, 0)), param(0.0, max(k - 1, 0)), param(0.0, k)
        self._structures: dict[tuple[object, ...], tuple[Tensor, Statistics | str]] = {}  # see :meth:`structure`

    @classmethod
    def from_construction(cls, construction: Construction, dtype: torch.dtype = torch.float64,
                          device: torch.device | str | None = None) -> GDSSMLayer:
        """The layer with a construction's derived parameters (its eta must be a number, not a symbol)."""
        values = lower_construction(construction, dtype, device)  # exact SymPy entries -> tensors
        layer = cls(values["E_x"], values["E_y"], construction.params.readout.steps, dtype=dtype, device=device)
        with torch.no_grad():
            for name, param in layer.named_parameters():
                param.copy_(values[name])  # theta <- lowered theta
        return layer

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
        """Predictions yhat_t = C S_t sum_{j<k} c_j r_j + F q_t for t = 1..N, shape (B, N, m).

        ``inputs`` is either the interleaved tokens (B, 2N+1, H) with ``labels=None``, or the inputs
        x (B, N+1, f) (the last one is the query) with ``labels`` y (B, N, m). ``path`` is ``auto``,
        ``statistics``, ``cumsum``, ``chunked`` or ``sequential``; ``block`` overrides the positions per block
        (chunk) of ``statistics``, ``cumsum`` and ``chunked``. Data of another dtype or device than the parameters,
        or of the wrong shape, is a :class:`~gdssm.core.errors.BadInput` (:class:`~gdssm.core.errors.ShapeError`
        for shapes).
        """
        xs, ys, tokens = self._streams(inputs, labels)  # x_1..x_{N+1}, y_1..y_N (or the odd and even tokens)
        B, N = ys.shape[0], ys.shape[1]
        plan, structure = self._plan(B, N, path, block, tokens)
        if structure is not None:  # the statistics path
            group = plan.group or B
            pieces = [statistics_forward(structure, xs[b0 : b0 + group], ys[b0 : b0 + group], plan.block,
                                         plan.span or 1, plan.lanes) for b0 in range(0, B, group)]
            return pieces[0] if len(pieces) == 1 else torch.cat(pieces, dim=0)
        slots = self._windows(xs, ys, tokens)  # u_{t,a}, a = 1..3, each (B, N, H)
        scan = block_scan(plan.path, plan.block, self.Lambda)
        carry = slots[0].new_zeros(B, self.H, self.H)  # S_0 = 0
        outputs = []
        span = plan.block * max(1, SPAN // plan.block)
        for s0 in range(0, N, span):
            U = torch.stack([u[:, s0 : s0 + span] for u in slots], dim=2)  # (B, span, 3, H): rows u_{t,a}
            P = torch.stack([U[:, :, a] @ V.T for a, V in enumerate((self.V1, self.V2, self.V3))], dim=2)  # V_a u_a
            K, q = self.Q @ U, torch.einsum("a,blah->blh", self.d, U)  # K_t = U_t Q^T, q_t = U_t d
            for t0 in range(0, U.shape[1], plan.block):
                block_ = slice(t0, t0 + plan.block)
                apply_state, carry = scan(P[:, block_], K[:, block_], carry)  # v -> S_t v; S_{t0+L}
                outputs.append(self._readout(apply_state, q[:, block_]))  # yhat_t
        return torch.cat(outputs, dim=1)

    def plan(self, batch: int, N: int, path: str = "auto", block: int | None = None, *,
             tokens: bool = False) -> Plan:
        """The path, block length (and group of tasks) a forward pass on ``batch`` sequences of N windows uses.

        ``statistics`` when asked for or under ``auto``, if :meth:`structure` recognises the parameters and none
        needs a gradient (``tokens``: for token input, else for (x, y) input); otherwise
        :func:`numeric.planner.choose_plan` with this layer's Lambda, k, dtype and its ``memory_budget``,
        ``cumsum_work`` and ``chunk`` settings.
        """
        return self._plan(batch, N, path, block, tokens)[0]

    def structure(self, tokens: bool = False) -> Statistics | str:
        """The reduced maps of :func:`numeric.fast_path.recognise` for this layer's parameters, or why they do not
        apply (a one-line reason). For token input the streams are the odd and even tokens (E_x = E_y = I).

        Cached per input kind, dtype and layout of the values (device, storage, strides, shapes; the last
        :data:`STRUCTURES_KEPT` layouts), and checked against the exact values of every parameter and buffer on each
        call (an edit through ``.data`` or ``load_state_dict`` is seen), so a stale structure is never used: the
        check is one concatenation (:meth:`_fingerprint`) and one comparison.
        """
        values = [*self._own_parameters(), self.E_x, self.E_y]
        layout, fingerprint = self._fingerprint(values)
        key = (tokens, self.Q.dtype, layout)  # layout: storage, strides and shape of every value (device in the key)
        cache: dict[tuple[object, ...], tuple[Tensor, Statistics | str]] = self.__dict__.setdefault("_structures", {})
        cached = cache.get(key)
        if cached is not None and torch.equal(cached[0], fingerprint):
            return cached[1]
        named = {name: p.detach() for name, p in self.named_parameters()}
        if tokens:
            eye = torch.eye(self.H, dtype=self.E_x.dtype, device=self.E_x.device)
            found = recognise(named, eye, eye)
        else:
            found = recognise(named, self.E_x, self.E_y)
        if len(cache) >= STRUCTURES_KEPT:
            cache.pop(next(iter(cache)))  # the oldest layout (parameters since replaced)
        cache[key] = (fingerprint, found)
        return found

    def chunk_length(self, batch: int) -> int:
        """Block length of ``chunked``: L* = sqrt(CHUNK_OVERHEAD (k+3) / (B k H)), a power of two in [16, 128].

        :func:`numeric.planner.chunk_length` at this layer's H and k.
        """
        return planned_chunk_length(batch, self.H, self.k)

    def _plan(self, batch: int, N: int, path: str, block: int | None, tokens: bool) -> tuple[Plan, Statistics | None]:
        """:meth:`plan`, and the recognised structure when the plan is the statistics path (else None)."""
        if path in ("auto", "statistics") and (path == "statistics" or self.statistics):
            needs_grad = torch.is_grad_enabled() and any(p.requires_grad for p in self._own_parameters())
            structure = None if needs_grad else self.structure(tokens)
            if isinstance(structure, Statistics):
                width = self.H if tokens else self.f
                plan = statistics_plan(batch, N, width, self.m, self.Q.element_size(), block, k=self.k,
                                       threads=torch.get_num_threads())
                return plan, structure
            if path == "statistics":
                why = ("it holds the parameters' structure fixed and gives them no gradient; run under "
                       "torch.no_grad() or call layer.requires_grad_(False)") if needs_grad else str(structure)
                raise BadInput(f"path 'statistics' does not apply: {why}; use path 'auto' or a general scan")
            path = "auto"
        return choose_plan(self.Lambda, batch, N, path, block, k=self.k, itemsize=self.Q.element_size(),
                           memory_budget=self.memory_budget, cumsum_work=self.cumsum_work, chunk=self.chunk), None

    def _own_parameters(self) -> list[nn.Parameter]:
        """The parameters (registration order; the layer has no submodules), read without the module walk of
        :meth:`parameters`."""
        return [p for p in self._parameters.values() if p is not None]

    def _fingerprint(self, values: list[Tensor]) -> tuple[tuple[object, ...], Tensor]:
        """The layout of ``values`` (device, storage address, strides and shape of each) and their current entries,
        concatenated (a copy). The flat views it concatenates are kept while the layout stays (a view reads the
        storage, so edits in place are seen)."""
        layout = tuple((v.device, v.data_ptr(), v.stride(), v.shape) for v in values)
        kept: tuple[tuple[object, ...], list[Tensor]] | None = self.__dict__.get("_flat")
        if kept is None or kept[0] != layout:
            if not all(v.is_contiguous() for v in values):  # reshape would copy: nothing to keep
                return layout, torch.cat([v.detach().reshape(-1) for v in values])
            kept = (layout, [v.detach().view(-1) for v in values])
            self.__dict__["_flat"] = kept
        return layout, torch.cat(kept[1])

    def _readout(self, apply_state: StateMap, q: Tensor) -> Tensor:
        """yhat = C S sum_j c_j r_j + F q with r_0 = q, r_{j+1} = rho_j r_j - beta_j R S r_j (per position)."""
        y = q @ self.F.T  # F q
        if self.k == 0:
            return y
        r, acc = q, self.c[0] * q  # r_0 = q, acc = c_0 r_0
        for j in range(self.k - 1):
            r = self.rho[j] * r - self.beta[j] * (apply_state(r) @ self.R.T)  # r_{j+1} = rho_j r_j - beta_j R S r_j
            acc = acc + self.c[j + 1] * r  # acc += c_{j+1} r_{j+1}
        return apply_state(acc) @ self.C.T + y  # C S sum_j c_j r_j + F q

    def _streams(self, inputs: Tensor, labels: Tensor | None) -> tuple[Tensor, Tensor, bool]:
        """The checked data as two streams and whether they are tokens: x (B, N+1, f) and y (B, N, m), or the odd
        tokens z_1, z_3, .., z_{2N+1} (B, N+1, H) and the even tokens z_2, .., z_{2N} (B, N, H)."""
        self._check_data("inputs", inputs)
        if labels is None:
            if inputs.dim() != 3 or inputs.shape[2] != self.H or inputs.shape[1] % 2 != 1 or inputs.shape[1] < 3:
                raise ShapeError(f"tokens must have shape (B, 2N+1, H={self.H}) with N >= 1, "
                                 f"got {tuple(inputs.shape)}")
            xs, ys = inputs[:, 0::2], inputs[:, 1::2]  # z_{2t-1} (t = 1..N+1), z_{2t} (t = 1..N)
        else:
            self._check_data("labels", labels)
            if inputs.dim() != 3 or inputs.shape[2] != self.f or inputs.shape[1] < 2:
                raise ShapeError(f"inputs x must have shape (B, N+1, f={self.f}) with N >= 1, "
                                 f"got {tuple(inputs.shape)}")
            want = (inputs.shape[0], inputs.shape[1] - 1, self.m)
            if tuple(labels.shape) != want:
                raise ShapeError(f"labels y must have shape (B, N, m) = {want} for inputs of shape "
                                 f"{tuple(inputs.shape)}, got {tuple(labels.shape)}")
            xs, ys = inputs, labels
        if inputs.shape[0] < 1:
            raise ShapeError(f"inputs must hold at least one sequence (B >= 1), got shape {tuple(inputs.shape)}")
        self._check_finite({"inputs": inputs} if labels is None else {"inputs": inputs, "labels": labels})
        return xs, ys, labels is None

    def _windows(self, xs: Tensor, ys: Tensor, tokens: bool) -> tuple[Tensor, Tensor, Tensor]:
        """The window slots u_{t,1}, u_{t,2}, u_{t,3} = z_{2t-1}, z_{2t}, z_{2t+1} for t = 1..N, each (B, N, H)."""
        if tokens:
            return xs[:, :-1], ys, xs[:, 1:]  # z_{2t-1}, z_{2t}, z_{2t+1}
        return xs[:, :-1] @ self.E_x.T, ys @ self.E_y.T, xs[:, 1:] @ self.E_x.T  # E_x x_t, E_y y_t, E_x x_{t+1}

    def _check_data(self, name: str, data: Tensor) -> None:
        """``data`` is a tensor of the parameters' dtype, on their device (one-line BadInput otherwise)."""
        if not isinstance(data, Tensor):
            raise BadInput(f"{name} must be a torch.Tensor, got {type(data).__name__}")
        if data.dtype != self.Q.dtype:
            fix = (f"convert the data ({name}.to({self.Q.dtype}))" if not data.dtype.is_floating_point else
                   f"convert the data ({name}.to({self.Q.dtype})) or the layer (layer.to({data.dtype}))")
            raise BadInput(f"dtype mismatch: {name} are {data.dtype} but the layer's parameters are "
                           f"{self.Q.dtype}; {fix}")
        if data.device != self.Q.device:
            raise BadInput(f"device mismatch: {name} are on {data.device} but the layer is on {self.Q.device}")

    @staticmethod
    def _check_finite(named: dict[str, Tensor]) -> None:
        """Every entry of every tensor is finite (one-line BadInput naming the first that is not).

        A finite total of the sums proves every entry finite (one pass per tensor, the sums added on the host);
        otherwise, as when a sum merely overflows, each tensor is looked at entry by entry.
        """
        if math.isfinite(sum(float(data.detach().sum()) for data in named.values())):  # sum_i sum(t_i) finite
            return
        for name, data in named.items():
            if not bool(torch.isfinite(data).all()):
                raise BadInput(f"{name} contain NaN or infinite values")
