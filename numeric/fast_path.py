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
reduced maps are identities). Gradients flow to the data (the parameters are frozen on this path: it holds
their structure fixed, see :meth:`numeric.layer.GDSSMLayer.plan`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor, nn

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
    reads G^R: k < 2 or it is 0); ``outer`` gives a_s from (x_s, y_s).
    """

    lam: float
    start: tuple[Linear, Linear, Linear]
    inner: tuple[Linear, Linear] | None
    outer: tuple[Linear, Linear]
    rho: tuple[float, ...]
    beta: tuple[float, ...]
    c: tuple[float, ...]
    outputs: int

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
    outer = (Linear.of(q11 * (C @ E_x)), Linear.of(q21 * (C @ E_y)))  # a_s = C (Q_11 E_x x_s + Q_21 E_y y_s)
    k = int(params["c"].shape[0])
    inner: tuple[Linear, Linear] | None = None
    if k >= 2:
        inner = (Linear.of(q11 * (E_x.T @ R @ E_x)), Linear.of(q21 * (E_x.T @ R @ E_y)))  # g_s
        if all(t.kind == "zero" for t in inner):
            inner = None
    return Statistics(
        lam=float(Lambda[0, 0]), start=start, inner=inner, outer=outer,
        rho=tuple(float(v) for v in params["rho"]), beta=tuple(float(v) for v in params["beta"]),
        c=tuple(float(v) for v in params["c"]), outputs=int(C.shape[0]),
    )


class _Decay:
    """The powers of lambda a chunk of L positions needs (only built for lambda != 1)."""

    def __init__(self, lam: float, L: int, like: Tensor) -> None:
        powers = [1.0]
        for _ in range(L):
            powers.append(powers[-1] * lam)  # repeated products, no logarithms: lambda may be 0 or negative
        self.scalars = powers  # lambda^0 .. lambda^L as floats
        self.powers = torch.tensor(powers, dtype=like.dtype, device=like.device)
        lag = torch.arange(L, device=like.device)
        lag = lag.unsqueeze(1) - lag.unsqueeze(0)  # l - s
        zero = torch.zeros((), dtype=like.dtype, device=like.device)
        self.decay = torch.where(lag >= 0, self.powers[lag.clamp(min=0)], zero)  # lambda^(l-s) [s <= l], (L, L)
        self.growth = self.powers[1:].unsqueeze(-1)  # lambda^(l+1), (L, 1)


def statistics_forward(st: Statistics, x: Tensor, y: Tensor, block: int, span: int = 1) -> Tensor:
    """yhat_1..yhat_N (B, N, outputs) from the data streams x (B, N+1, f') and y (B, N, m'), chunks of ``block``.

    ``span`` chunks are processed side by side: their carried states are formed together (a cumulative sum over
    the chunks, or a product with their decay matrix), so a span costs a fixed number of calls; with ``span = 1``
    the states are carried chunk by chunk (updated in place when no gradient is recorded).
    """
    B, N = y.shape[0], y.shape[1]
    if st.predicts_zero:
        return x.new_zeros(B, N, st.outputs)
    L = min(block, N)
    ones = st.lam == 1.0
    dk = None if ones else _Decay(st.lam, L, x)
    inplace = not (torch.is_grad_enabled() and (x.requires_grad or y.requires_grad))  # no graph to keep intact

    def masked(scores: Tensor, n: int) -> Tensor:
        """lambda^(l-s) [s <= l] (.) scores, in place (scores is a fresh product)."""
        return scores.tril_() if dk is None else scores.mul_(dk.decay[:n, :n])

    def read_into(target: Tensor, v: Tensor, keys: Tensor, values: Tensor, carry: Tensor | None, n: int,
                  alpha: float) -> Tensor:
        """target += alpha (lambda^(l+1) carry v_l + sum_{s<=l} lambda^(l-s) values_s (keys_s^T v_l)), in place."""
        scores = masked(torch.bmm(v, keys.transpose(1, 2)), n)  # lambda^(l-s) keys_s^T v_l, (B, n, n)
        if carry is not None:
            if dk is None:
                target.baddbmm_(v, carry.transpose(1, 2), alpha=alpha)  # + alpha carry v_l
            else:
                target.addcmul_(torch.bmm(v, carry.transpose(1, 2)), dk.growth[:n], value=alpha)
        return target.baddbmm_(scores, values, alpha=alpha)  # + alpha sum_s lambda^(l-s) values_s (keys_s^T v_l)

    def apply(v: Tensor, keys: Tensor, values: Tensor, carry: Tensor | None, n: int) -> Tensor:
        """lambda^(l+1) carry v_l + sum_{s<=l} lambda^(l-s) values_s (keys_s^T v_l), a fresh tensor."""
        scores = masked(torch.bmm(v, keys.transpose(1, 2)), n)
        if carry is None:
            return torch.bmm(scores, values)
        out = torch.bmm(v, carry.transpose(1, 2))
        if dk is not None:
            out = out.mul_(dk.growth[:n])
        return out.baddbmm_(scores, values)

    def weighted(keys: Tensor, n: int) -> Tensor:
        """lambda^(n-1-s) keys_s: the weight of position s in the state after the chunk."""
        return keys if dk is None else keys * dk.powers[:n].flip(0).unsqueeze(-1)

    def update(carry: Tensor | None, values: Tensor, keys: Tensor, n: int) -> Tensor:
        """lambda^n carry + sum_s lambda^(n-1-s) values_s keys_s^T (one chunk)."""
        if carry is None:
            return torch.bmm(values.transpose(1, 2), weighted(keys, n))
        beta = 1.0 if dk is None else dk.scalars[n]
        if inplace:
            return carry.baddbmm_(values.transpose(1, 2), weighted(keys, n), beta=beta)
        return torch.baddbmm(carry, values.transpose(1, 2), weighted(keys, n), beta=beta)

    def carries(state: Tensor | None, values: Tensor, keys: Tensor, S: int, n: int) -> tuple[Tensor, Tensor]:
        """The states entering each of S chunks (B S, r, w) and the state after them (B, r, w), all at once:
        G_c = lambda^(n c) G_in + sum_{c' < c} lambda^(n (c-1-c')) dG_c' with the chunk increments
        dG_c = sum_s lambda^(n-1-s) values_s keys_s^T."""
        rise = torch.bmm(values.transpose(1, 2), weighted(keys, n))  # dG_c, (B S, r, w)
        rise = rise.reshape(B, S, *rise.shape[1:])
        if dk is None:
            total = rise.cumsum(dim=1)  # sum_{c' <= c} dG_c'
            before = torch.cat([torch.zeros_like(rise[:, :1]), total[:, :-1]], dim=1)  # sum_{c' < c} dG_c'
            after = total[:, -1]
            if state is not None:
                before, after = before + state.unsqueeze(1), after + state
        else:
            step = dk.scalars[n]  # lambda^n
            gaps = torch.arange(S, device=x.device)
            gaps = gaps.unsqueeze(1) - gaps.unsqueeze(0) - 1  # c - 1 - c'
            weights = torch.tensor([step**i for i in range(S)] + [0.0], dtype=x.dtype, device=x.device)
            mix = weights[torch.where(gaps >= 0, gaps, S)]  # lambda^(n (c-1-c')) [c' < c], (S, S)
            before = torch.einsum("cd,bdij->bcij", mix, rise)
            if state is not None:
                before = before + weights[:S].reshape(1, S, 1, 1) * state.unsqueeze(1)  # + lambda^(n c) G_in
            after = before[:, -1] * step + rise[:, -1]
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
        keys = x[:, t0 : t0 + width].reshape(B * S, n, -1)  # x_s (a view when S = 1)
        labels = y[:, t0 : t0 + width].reshape(B * S, n, -1)  # y_s
        nexts = x[:, t0 + 1 : t0 + 1 + width].reshape(B * S, n, -1)  # x_{s+1}
        xi = combine(st.start[0](keys), st.start[1](labels), st.start[2](nexts))  # xi_0 (never None here)
        assert xi is not None
        g = None if st.inner is None else combine(st.inner[0](keys), st.inner[1](labels))  # g_s
        a = combine(st.outer[0](keys), st.outer[1](labels))  # a_s
        assert a is not None
        inner_carry, outer_carry = inner_state, outer_state
        if S > 1:
            if g is not None:
                inner_carry, inner_state = carries(inner_state, g, keys, S, n)
            outer_carry, outer_state = carries(outer_state, a, keys, S, n)
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
        out = apply(acc, keys, a, outer_carry, n)  # yhat_t = A^C_t sum_j c_j xi_j
        pieces.append(out.reshape(B, width, -1))
        if S == 1 and more:  # the carries for the next chunk
            if g is not None:
                inner_state = update(inner_state, g, keys, n)
            outer_state = update(outer_state, a, keys, n)
        t0 += width
    return pieces[0] if len(pieces) == 1 else torch.cat(pieces, dim=1)


def layer_parameters(module: nn.Module) -> dict[str, Tensor]:
    """The parameters of a layer by name (detached: the statistics path never differentiates them)."""
    return {name: p.detach() for name, p in module.named_parameters()}
