"""The statistics path of the GD-SSM layer: derived constructions computed from the sufficient statistics.

The general layer (:mod:`numeric.layer`) forms, per position, the window projections of H-dimensional tokens
and applies the H x H state S_t. For the parameters of the derived constructions most of that is structure:
identity value maps V_a = I, no feedthrough F = 0, one decay Lambda = lambda 1, and a window product that
only pairs the first window slot with the first two, Q = Q_11 e_1 e_1^T + Q_21 e_2 e_1^T. Then

    S_t v = sum_{s<=t} lambda^(t-s) (Q_11 E_x x_s + Q_21 E_y y_s) x_s^T (E_x^T v),

so S_t reads a vector only through xi = E_x^T v (f numbers), and the readout lives in the coordinates xi.
With the embedding Gram matrices and the readout matrices reduced to those coordinates,

    xi_0     = d_1 E_x^T E_x x_t + d_2 E_x^T E_y y_t + d_3 E_x^T E_x x_{t+1}          (= E_x^T q_t)
    xi_{j+1} = rho_j xi_j - beta_j G^R_t xi_j,   G^R_t = sum_{s<=t} lambda^(t-s) g_s x_s^T,
               g_s = Q_11 E_x^T R E_x x_s + Q_21 E_x^T R E_y y_s                          (= E_x^T r_{j+1})
    yhat_t   = A^C_t sum_{j<k} c_j xi_j,  A^C_t = sum_{s<=t} lambda^(t-s) a_s x_s^T,
               a_s = Q_11 C E_x x_s + Q_21 C E_y y_s,

which is the layer's output exactly (an identity of the equations, for every value of E_x, E_y, R, C, d, the
readout constants and lambda; only the rounding order differs). For the k-step construction in the split
layout g_s = x_s and a_s = y_s, so G^R_t = G_t and A^C_t = A_t are the GD statistics themselves.

:func:`recognise` checks the structure (exactly, entry by entry) and returns the reduced maps, or the reason
it does not apply; then the layer takes the general path. :func:`statistics_forward` runs the scan in chunks
of L positions, linear-attention style, never forming a per-position state: for chunk positions l = 0..L-1
after the carried states (G^R_c, A^C_c),

    G^R_{t0+1+l} xi_l = lambda^(l+1) G^R_c xi_l + sum_{s<=l} lambda^(l-s) g_s (x_s^T xi_l),

a product with the carry plus causal scores x_s^T xi_l (one (L x L) matrix per task and vector), and the next
carry is lambda^L G^R_c + sum_s lambda^(L-1-s) g_s x_s^T. Memory: the states (f x f and m x f per task) and
one chunk's scores; nothing of size (B, N, H) is formed (x_{t+1}, g_s, a_s are views of the data where the
reduced maps are identities, or a single scaling of a_s, which is applied to the decay weights instead). Gradients
flow to the data (the parameters are frozen on this path: it holds their structure fixed, see
:meth:`numeric.layer.GDSSMLayer.plan`).

Narrow products are computed wide when the plan says so (``lanes``, :data:`numeric.planner.LANES`: float32): MKL's
batched products with a few output columns run far below its rate for 16 float32 columns (:func:`widened`), so
a_s gets zero columns up to 16 (A^C is then kept keys-major, f' x 16, so that its update is a wide product too) and
the keys of a chunk shorter than 16 get zero rows. The padding is zeros, so it changes no sum, and it is dropped from
the result.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

LINEAR_KINDS = ("zero", "identity", "scaled", "matrix")


@dataclass(frozen=True)
class Linear:
    """v -> v T^T for a fixed matrix T (rows v), with T = 0, T = I and T = c I kept apart: no copy, no product."""

    kind: str
    matrix: Tensor | None = None
    scale: float = 1.0

    @classmethod
    def of(cls, T: Tensor) -> Linear:
        """The map of T, classified exactly (entries compared with 0 and 1, no tolerance)."""
        if not bool(T.any()):
            return cls("zero")
        if T.shape[0] == T.shape[1]:
            diagonal = T.diagonal()
            if bool((T - torch.diag_embed(diagonal)).any()) is False and bool((diagonal == diagonal[0]).all()):
                value = float(diagonal[0])
                return cls("identity") if value == 1.0 else cls("scaled", scale=value)
        return cls("matrix", T.detach().clone())

    def __call__(self, v: Tensor) -> Tensor | None:
        """v T^T, or None for T = 0 (the caller adds nothing); T = I returns v itself (a view, never written)."""
        if self.kind == "zero":
            return None
        if self.kind == "identity":
            return v
        if self.kind == "scaled":
            return v * self.scale
        assert self.matrix is not None
        return v @ self.matrix.T


def combine(*terms: Tensor | None) -> Tensor | None:
    """The sum of the terms that are not None (None when all are: the zero vector)."""
    present = [t for t in terms if t is not None]
    if not present:
        return None
    total = present[0]
    for term in present[1:]:
        total = total + term
    return total


@dataclass(frozen=True)
class Statistics:
    """The reduced maps of a recognised layer (module docstring), for data streams x (B, N+1, f') and y (B, N, m').

    ``start`` gives xi_0 from (x_t, y_t, x_{t+1}); ``inner`` gives g_s from (x_s, y_s) (None when the readout never
    reads G^R: k < 2 or it is 0); ``outer`` and ``scale`` give a_s = scale * outer(x_s, y_s) (the scale of a single
    scaled term is kept apart, :func:`factored`, and applied to the decay weights instead of to the data).
    """

    lam: float
    start: tuple[Linear, Linear, Linear]
    inner: tuple[Linear, Linear] | None
    outer: tuple[Linear, Linear]
    rho: tuple[float, ...]
    beta: tuple[float, ...]
    c: tuple[float, ...]
    outputs: int
    scale: float = 1.0

    @property
    def k(self) -> int:
        """Readout terms."""
        return len(self.c)

    @property
    def predicts_zero(self) -> bool:
        """Whether yhat_t = 0 for all data (k = 0, xi_0 = 0 or A^C = 0)."""
        return (self.k == 0 or all(t.kind == "zero" for t in self.start)
                or all(t.kind == "zero" for t in self.outer))


def recognise(params: dict[str, Tensor], E_x: Tensor, E_y: Tensor) -> Statistics | str:
    """The reduced maps of the layer with parameters ``params`` (by name) and embeddings E_x, E_y, or a one-line
    reason why the statistics path does not apply (then the general path must run).

    Structure required, exactly: V_1 = V_2 = V_3 = I, F = 0, Lambda = lambda 1, Q_ab = 0 unless (a, b) is (1, 1) or
    (2, 1), every parameter finite. Every other parameter (d, C, R, rho, beta, c, the embeddings) may be anything.
    """
    H = E_x.shape[0]
    if not all(bool(torch.isfinite(p).all()) for p in params.values()):
        return "a parameter is not finite"
    eye = torch.eye(H, dtype=E_x.dtype, device=E_x.device)
    for name in ("V1", "V2", "V3"):
        if not torch.equal(params[name], eye):
            return f"value map {name} is not the identity"
    if bool(params["F"].any()):
        return "the feedthrough F is not 0"
    Lambda, Q = params["Lambda"], params["Q"]
    if not bool((Lambda == Lambda[0, 0]).all()):
        return "Lambda has more than one decay"
    if bool(Q[:, 1:].any()) or bool(Q[2, 0] != 0):
        return "Q pairs other window slots than (1, 1) and (2, 1)"
    q11, q21 = Q[0, 0], Q[1, 0]
    d, R, C = params["d"], params["R"], params["C"]
    Gxx, Gxy = E_x.T @ E_x, E_x.T @ E_y  # E_x^T E_x, E_x^T E_y
    start = (Linear.of(d[0] * Gxx), Linear.of(d[1] * Gxy), Linear.of(d[2] * Gxx))  # xi_0 = E_x^T U_t d
    outer, scale = factored((Linear.of(q11 * (C @ E_x)), Linear.of(q21 * (C @ E_y))))  # a_s = C (Q_11 E_x x_s + ..)
    k = int(params["c"].shape[0])
    inner: tuple[Linear, Linear] | None = None
    if k >= 2:
        inner = (Linear.of(q11 * (E_x.T @ R @ E_x)), Linear.of(q21 * (E_x.T @ R @ E_y)))  # g_s
        if all(t.kind == "zero" for t in inner):
            inner = None
    return Statistics(
        lam=float(Lambda[0, 0]), start=start, inner=inner, outer=outer,
        rho=tuple(float(v) for v in params["rho"]), beta=tuple(float(v) for v in params["beta"]),
        c=tuple(float(v) for v in params["c"]), outputs=int(C.shape[0]), scale=scale,
    )


def factored(maps: tuple[Linear, Linear]) -> tuple[tuple[Linear, Linear], float]:
    """``maps`` as (unit maps, scale) with maps = scale * unit maps: one scaled term and a zero one become the
    identity and the scale c (so a_s = c y_s is read as y_s, a view); anything else has scale 1."""
    kinds = [t.kind for t in maps]
    if sorted(kinds) == ["scaled", "zero"]:
        term = maps[kinds.index("scaled")]
        unit = Linear("identity")
        return ((unit, maps[1]) if kinds[0] == "scaled" else (maps[0], unit)), term.scale
    return maps, 1.0


def widened(width: int, lanes: int) -> int:
    """The width a batched product's output is computed at: ``lanes`` for 1 < width < lanes, else ``width``.

    Measured (MKL, float32, 1024 products of (10..16) x 10 by 10 x w on one thread): w = 10 takes 150-240 us, w = 16
    takes 90-110 us, so narrow outputs are padded with zero columns (:data:`numeric.planner.LANES`); w = 1 is a
    matrix-vector product, fast as it is.
    """
    return lanes if 1 < width < lanes else width


@dataclass(frozen=True)
class _Masks:
    """The decay weights of a chunk of L positions whose scores are computed ``width`` >= L columns wide.

    ``decay`` (L, width) is lambda^(l-s) [s <= l] (zero in the padded columns s >= L), ``growth`` (L, 1) is
    lambda^(l+1), ``powers`` lambda^0 .. lambda^L (as tensor and as floats, ``scalars``); ``outer_decay`` and
    ``outer_growth`` are decay and growth times the scale of a_s (:attr:`Statistics.scale`).
    """

    scalars: tuple[float, ...]
    powers: Tensor
    decay: Tensor
    growth: Tensor
    outer_decay: Tensor
    outer_growth: Tensor


@functools.lru_cache(maxsize=128)
def _masks(lam: float, L: int, width: int, scale: float, dtype: torch.dtype, device: torch.device) -> _Masks:
    """The :class:`_Masks` of a chunk (cached: never written, built outside inference mode so autograd may save
    them)."""
    powers = [1.0]
    for _ in range(L):
        powers.append(powers[-1] * lam)  # repeated products, no logarithms: lambda may be 0 or negative
    with torch.inference_mode(False):
        power_t = torch.tensor(powers, dtype=dtype, device=device)
        lag = torch.arange(L, device=device).unsqueeze(1) - torch.arange(width, device=device).unsqueeze(0)  # l - s
        zero = torch.zeros((), dtype=dtype, device=device)
        decay = torch.where(lag >= 0, power_t[lag.clamp(min=0)], zero)  # lambda^(l-s) [s <= l], (L, width)
        growth = power_t[1:].unsqueeze(-1)  # lambda^(l+1)
        return _Masks(tuple(powers), power_t, decay, growth, decay * scale, growth * scale)


def statistics_forward(st: Statistics, x: Tensor, y: Tensor, block: int, span: int = 1, lanes: int = 1) -> Tensor:
    """yhat_1..yhat_N (B, N, outputs) from the data streams x (B, N+1, f') and y (B, N, m'), chunks of ``block``.

    ``span`` chunks are processed side by side: their carried states are formed together (a cumulative sum over
    the chunks, or a product with their decay matrix), so a span costs a fixed number of calls; with ``span = 1``
    the states are carried chunk by chunk (updated in place when no gradient is recorded). ``lanes`` > 1 computes
    narrow products wide (:func:`widened`): the scores of a chunk of n < lanes positions against keys padded with
    zero rows, and a_s with zero columns appended (the readout state A^C is then kept as its transpose, so that its
    update is wide too); the padding is dropped from the result, which is then a view.
    """
    B, N = y.shape[0], y.shape[1]
    if st.predicts_zero:
        return x.new_zeros(B, N, st.outputs)
    L = min(block, N)
    ones = st.lam == 1.0
    masks = _masks(st.lam, L, widened(L, lanes), st.scale, x.dtype, x.device)
    outputs = widened(st.outputs, lanes)
    wide = outputs != st.outputs  # a_s padded with zero columns, A^C kept keys-major (f' x outputs)
    inplace = not (torch.is_grad_enabled() and (x.requires_grad or y.requires_grad))  # no graph to keep intact

    def scored(v: Tensor, keys: Tensor, n: int, decay: Tensor) -> Tensor:
        """decay_ls keys_s^T v_l (decay: lambda^(l-s) [s <= l], maybe scaled), (B S, n, n): against keys padded to a
        wide product if n is narrow."""
        columns = widened(n, lanes)
        if columns > n:
            keys = F.pad(keys, (0, 0, 0, columns - n))  # zero rows: keys_s = 0 for s >= n
        scores = torch.bmm(v, keys.transpose(1, 2)).mul_(decay[:n, :columns])
        return scores if columns == n else scores[:, :, :n]

    def weighted(keys: Tensor, n: int) -> Tensor:
        """lambda^(n-1-s) keys_s: the weight of position s in the state after the chunk."""
        return keys if ones else keys * masks.powers[:n].flip(0).unsqueeze(-1)

    def rise(keys: Tensor, values: Tensor, n: int, keys_major: bool) -> Tensor:
        """sum_s lambda^(n-1-s) values_s keys_s^T, (B S, r, w) -- or its transpose (B S, w, r) if ``keys_major``."""
        if keys_major:
            return torch.bmm(weighted(keys, n).transpose(1, 2), values)
        return torch.bmm(values.transpose(1, 2), weighted(keys, n))

    def through(state: Tensor, keys_major: bool) -> Tensor:
        """The (w x r) matrix with v -> v @ it the map v -> state v (state is stored r x w, or keys-major w x r)."""
        return state if keys_major else state.transpose(1, 2)

    def read_into(target: Tensor, v: Tensor, keys: Tensor, values: Tensor, carry: Tensor | None, n: int,
                  alpha: float) -> Tensor:
        """target += alpha (lambda^(l+1) carry v_l + sum_{s<=l} lambda^(l-s) values_s (keys_s^T v_l)), in place."""
        scores = scored(v, keys, n, masks.decay)
        if carry is not None:
            if ones:
                target.baddbmm_(v, through(carry, False), alpha=alpha)  # + alpha carry v_l
            else:
                target.addcmul_(torch.bmm(v, through(carry, False)), masks.growth[:n], value=alpha)
        return target.baddbmm_(scores, values, alpha=alpha)  # + alpha sum_s lambda^(l-s) values_s (keys_s^T v_l)

    def apply(v: Tensor, keys: Tensor, values: Tensor, carry: Tensor | None, n: int) -> Tensor:
        """scale (lambda^(l+1) carry v_l + sum_{s<=l} lambda^(l-s) values_s (keys_s^T v_l)), a fresh tensor (A^C)."""
        out = torch.bmm(scored(v, keys, n, masks.outer_decay), values)
        if carry is None:
            return out
        if ones:
            return out.baddbmm_(v, through(carry, wide), alpha=st.scale)
        return out.addcmul_(torch.bmm(v, through(carry, wide)), masks.outer_growth[:n])

    def update(carry: Tensor | None, values: Tensor, keys: Tensor, n: int, keys_major: bool) -> Tensor:
        """lambda^n carry + sum_s lambda^(n-1-s) values_s keys_s^T (one chunk)."""
        if carry is None:
            return rise(keys, values, n, keys_major)
        beta = masks.scalars[n]
        left, right = (weighted(keys, n).transpose(1, 2), values) if keys_major else \
            (values.transpose(1, 2), weighted(keys, n))
        if inplace:
            return carry.baddbmm_(left, right, beta=beta)
        return torch.baddbmm(carry, left, right, beta=beta)

    def carries(state: Tensor | None, values: Tensor, keys: Tensor, S: int, n: int, keys_major: bool,
                more: bool) -> tuple[Tensor, Tensor | None]:
        """The states entering each of S chunks (B S, r, w) and (when ``more`` chunks follow) the state after them
        (B, r, w), all at once: G_c = lambda^(n c) G_in + sum_{c' < c} lambda^(n (c-1-c')) dG_c' with the chunk
        increments dG_c = sum_s lambda^(n-1-s) values_s keys_s^T (transposed throughout if ``keys_major``)."""
        dG = rise(keys, values, n, keys_major)  # dG_c, (B S, r, w)
        dG = dG.reshape(B, S, *dG.shape[1:])
        first = dG.new_zeros(B, 1, *dG.shape[2:]) if state is None else state.unsqueeze(1)
        if ones:
            before = torch.cat([first, dG[:, :-1]], dim=1)
            live = before[..., : st.outputs] if keys_major and wide else before  # the padded columns stay 0
            live.cumsum_(dim=1)  # G_in + sum_{c' < c} dG_c'
            after = before[:, -1] + dG[:, -1] if more else None
        else:
            step = masks.scalars[n]  # lambda^n
            gaps = torch.arange(S, device=x.device)
            gaps = gaps.unsqueeze(1) - gaps.unsqueeze(0) - 1  # c - 1 - c'
            weights = torch.tensor([step**i for i in range(S)] + [0.0], dtype=x.dtype, device=x.device)
            mix = weights[torch.where(gaps >= 0, gaps, S)]  # lambda^(n (c-1-c')) [c' < c], (S, S)
            before = torch.einsum("cd,bdij->bcij", mix, dG)
            if state is not None:
                before = before + weights[:S].reshape(1, S, 1, 1) * first  # + lambda^(n c) G_in
            after = before[:, -1] * step + dG[:, -1] if more else None
        return before.reshape(B * S, *before.shape[2:]), after

    inner_state: Tensor | None = None
    outer_state: Tensor | None = None
    pieces = []
    t0 = 0
    while t0 < N:
        n = min(L, N - t0)
        S = max(1, min(span, (N - t0) // n))  # full chunks of n positions side by side (the tail: one short chunk)
        width = S * n
        more = t0 + width < N
        if S == 1:
            keys, nexts = x[:, t0 : t0 + n], x[:, t0 + 1 : t0 + 1 + n]  # x_s, x_{s+1} (views)
        else:  # chunk c's n + 1 inputs x_s .. x_{s+n}, copied once, chunk by chunk: (B S, n + 1, f')
            windows = x[:, t0 : t0 + width + 1].unfold(1, n + 1, n).transpose(2, 3).reshape(B * S, n + 1, -1)
            keys, nexts = windows[:, :n], windows[:, 1:]
        labels = y[:, t0 : t0 + width].reshape(B * S, n, -1)  # y_s
        xi = combine(st.start[0](keys), st.start[1](labels), st.start[2](nexts))  # xi_0 (never None here)
        assert xi is not None
        g = None if st.inner is None else combine(st.inner[0](keys), st.inner[1](labels))  # g_s
        a = combine(st.outer[0](keys), st.outer[1](labels))  # a_s / scale
        assert a is not None
        if wide:
            a = F.pad(a, (0, outputs - st.outputs))  # [a_s, 0]
        inner_carry, outer_carry = inner_state, outer_state
        if S > 1:
            if g is not None:
                inner_carry, inner_state = carries(inner_state, g, keys, S, n, False, more)
            outer_carry, outer_state = carries(outer_state, a, keys, S, n, wide, more)
        acc = xi * st.c[0] if (st.k > 1 or st.c[0] != 1.0) else xi  # sum_j c_j xi_j, built in place
        for j in range(st.k - 1):
            last = j == st.k - 2  # xi_{k-1} only enters the sum: add c_{k-1} xi_{k-1} to acc directly
            if g is None:  # G^R = 0: xi_{j+1} = rho_j xi_j
                xi = xi * st.rho[j]
                acc.add_(xi, alpha=st.c[j + 1])
            elif last:  # acc += c_{k-1} (rho_j xi_j - beta_j G^R_t xi_j)
                acc.add_(xi, alpha=st.c[j + 1] * st.rho[j])
                read_into(acc, xi, keys, g, inner_carry, n, -st.c[j + 1] * st.beta[j])
            else:  # xi_{j+1} = rho_j xi_j - beta_j G^R_t xi_j; acc += c_{j+1} xi_{j+1}
                fresh = xi * st.rho[j] if st.rho[j] != 1.0 else xi.clone()
                xi = read_into(fresh, xi, keys, g, inner_carry, n, -st.beta[j])
                acc.add_(xi, alpha=st.c[j + 1])
        out = apply(acc, keys, a, outer_carry, n)  # yhat_t = A^C_t sum_j c_j xi_j (a_s = scale * a)
        pieces.append(out.reshape(B, width, -1))
        if S == 1 and more:  # the carries for the next chunk
            if g is not None:
                inner_state = update(inner_state, g, keys, n, False)
            outer_state = update(outer_state, a, keys, n, wide)
        t0 += width
    result = pieces[0] if len(pieces) == 1 else torch.cat(pieces, dim=1)
    return result if outputs == st.outputs else result[:, :, : st.outputs]
