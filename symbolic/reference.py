"""The authors' parameterisation (reference code, paper-facts §4, §5.1, §5.6) and its map to ours.

Their layer, on tokens z_1..z_{2N+1} in R^H (H = f), for windows k = 1..N with rows u_{k,1..3}:

    M_k = U_k^T w_q U_k = sum_{r,s} (w_q)_{rs} u_{k,r} u_{k,s}^T,   S_k = Lambda_bar (.) S_{k-1} + M_k,
    Z_k = C S_k^T   (the state is read transposed),   v_k = U_k^T D,   o_k = Z_k v_k,

and the prediction is the *negated* output: yhat_k = -o_k (vector task, m = f) or -(o_k)_H (scalar task,
m = 1, y written into the last slot). The one-step construction is w_q = e_1 e_2^T, Lambda_bar = 1,
C = -alpha I, D = e_3 with alpha = gd_lr / P (P the state size).

**Map to ours** (claim ``ref.param_map``): Q = w_q^T, Lambda = Lambda_bar^T, d = D, C_ours = -E_y^T C.
Indeed (M^ref_k)^T = sum (w_q)_{rs} u_s u_r^T = sum Q_{ab} u_a u_b^T = M_k, so S_k = (S^ref_k)^T and
yhat = -E_y^T C (S^ref)^T U^T D = C_ours S_k q_k. Step sizes: alpha = gd_lr/P = eta/N, so eta = N gd_lr / P.

**Two steps** (three layers on the same tokens, plus a residual): with Z^(l) the states read as above,
W^code_k = Z^(1)_k + Z^(1)_N Z^(2)_k + Z^(3)_k, o_k = W^code_k v^(3)_k, and the outputs, front-padded with
N+1 zero rows, are added to the tokens, so the final prediction is -(o_N + x_q) (its last slot for the
scalar task). Variant A: w_q^(1) = w_q^(3) = e_1 e_2^T, w_q^(2) = e_1 e_1^T. Variant B adds e_3 e_3^T to
w_q^(1) and w_q^(3). What they compute is derived by :func:`two_step_difference`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_dim
from gdssm.symbolic import description as sym
from gdssm.symbolic.constructions import Construction, parse_eta
from gdssm.symbolic.dense import Mat, add, convert, full, hadamard, matmul, outer, scale, transpose
from gdssm.symbolic.gd import GDSpec, gd_weights
from gdssm.symbolic.layer import LayerParams, Readout, tokens
from gdssm.symbolic.layouts import Layout, make_layout
from gdssm.symbolic.task import Context

REFERENCE_NAMES = ("w_q", "Lambda_bar", "C", "D")
VARIANTS = ("A", "B")


@dataclass(frozen=True)
class ReferenceLayer:
    """One layer in the authors' names: w_q (3x3), Lambda_bar (HxH), C (HxH), D (3x1)."""

    w_q: sp.Matrix
    Lambda_bar: sp.Matrix
    C: sp.Matrix
    D: sp.Matrix

    def arrays(self) -> dict[str, sp.Matrix]:
        """The parameters by their names in the authors' code."""
        return {name: getattr(self, name) for name in REFERENCE_NAMES}


def _lift(a: sp.Matrix, conv: Callable[[Any], Any]) -> Mat:
    return convert(tuple(tuple(row) for row in a.tolist()), conv)


def reference_states(
    layer: ReferenceLayer, z: Sequence[Mat], to_ring: Callable[[Any], Any] | None = None
) -> tuple[list[Mat], list[Mat]]:
    """(Z_k, v_k) for k = 1..N: Z_k = C S_k^T and v_k = U_k^T D, as in the authors' forward pass."""
    conv = to_ring or (lambda v: v)
    H = len(z[0])
    zero = conv(sp.Integer(0))
    lam, C = _lift(layer.Lambda_bar, conv), _lift(layer.C, conv)
    terms = [(r, s, conv(layer.w_q[r, s])) for r in range(3) for s in range(3) if layer.w_q[r, s] != 0]
    S: Mat = full(H, H, zero)
    Zs: list[Mat] = []
    vs: list[Mat] = []
    for k in range(len(z) // 2):
        U = (z[2 * k], z[2 * k + 1], z[2 * k + 2])
        M: Mat = full(H, H, zero)
        for r, s, w in terms:
            M = add(M, scale(w, outer(U[r], U[s])))
        S = add(hadamard(lam, S), M)
        Zs.append(matmul(C, transpose(S)))
        v: Mat = full(H, 1, zero)
        for r in range(3):
            if layer.D[r, 0] != 0:
                v = add(v, scale(conv(layer.D[r, 0]), U[r]))
        vs.append(v)
    return Zs, vs


def reference_predictions(
    layer: ReferenceLayer, z: Sequence[Mat], task: str, to_ring: Callable[[Any], Any] | None = None
) -> list[Mat]:
    """yhat_k = -o_k (vector task) or -(o_k)_H (scalar task), k = 1..N, for one layer."""
    Zs, vs = reference_states(layer, z, to_ring)
    outs = [matmul(Z, v) for Z, v in zip(Zs, vs, strict=True)]
    return [_negated_prediction(o, task) for o in outs]


def _negated_prediction(o: Mat, task: str) -> Mat:
    return scale(-1, o[-1:] if task == "scalar" else o)


def reference_tokens(ctx: Context, layout: Layout, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
    """The authors' tokens (x_1, y~_1, ..., x_N, y~_N, x_q): y~ = y (vector) or y e_H (scalar)."""
    return tokens(ctx, layout.E_x, layout.E_y, to_ring)


def reference_layout(f: int, m: int) -> Layout:
    """The authors' layout: H = f, vector (m = f) or scalar (m = 1) task."""
    return make_layout("reference", f, m)


def to_reference(construction: Construction) -> ReferenceLayer:
    """The authors' parameters of our one-step construction (reference layout), via ``ref.param_map``.

    C_ref = -alpha I is the authors' full readout; only E_y^T C_ref matters for the prediction.
    """
    if construction.name != "one-step" or construction.layout.name != "reference":
        raise BadInput("the authors' parameterisation exists for the one-step construction in layout 'reference'")
    if construction.gd.W0 is not None:
        raise BadInput("the authors' code has no W_0 != 0 construction (no value maps, no feedthrough)")
    p = construction.params
    alpha = construction.gd.alphas[0]
    return ReferenceLayer(w_q=p.Q.T, Lambda_bar=p.Lambda.T, C=-alpha * sp.eye(p.H), D=p.d)


def reference_of(params: LayerParams, layout: Layout) -> ReferenceLayer:
    """The authors' parameters of our layer's own weights (not of the GD it claims, unlike :func:`to_reference`):
    w_q = Q^T, Lambda_bar = Lambda^T, D = d, C_ref = -C, in the reference layout of the vector task (E_y = I)
    with one readout term, c_0 = 1 and no value maps or feedthrough -- the inverse of :func:`from_reference`."""
    H = layout.H
    if layout.name != "reference" or layout.task != "vector":
        raise BadInput("the authors' parameters of a layer exist in the reference layout of the vector task")
    readout = params.readout
    plain = (params.V1, params.V2, params.V3) == (sp.eye(H),) * 3 and params.F == sp.zeros(layout.m, H)
    if not plain or len(readout.c) != 1 or readout.c[0] != 1:
        raise BadInput("the authors' layer has no value maps, no feedthrough and one readout term with c_0 = 1")
    return ReferenceLayer(w_q=params.Q.T, Lambda_bar=params.Lambda.T, C=-params.C, D=params.d)


W_Q, D_REF = sp.MatrixSymbol("w_q", 3, 3), sp.MatrixSymbol("D", 3, 1)
LAMBDA_BAR, C_REF = sp.MatrixSymbol(r"\bar{\Lambda}", sym.H, sym.H), sp.MatrixSymbol(r"C^{\mathrm{ref}}", sym.H, sym.H)
O_REF, YHAT = sp.MatrixSymbol(r"o^{\mathrm{ref}}_{t}", sym.m, 1), sp.MatrixSymbol(r"\hat{y}_{t}", sym.m, 1)


@dataclass(frozen=True)
class ParamMap:
    """The map ``ref.param_map`` at symbolic sizes: our layer's parameters as SymPy expressions in the authors'
    (:data:`W_Q`, :data:`LAMBDA_BAR`, :data:`C_REF`, :data:`D_REF`; ``E_y`` is the H x m label embedding of
    :mod:`symbolic.description`), one readout term per constant of ``c``, and the sign of the statement
    ``yhat_t = sign o^ref_t``. The registry prints its hypotheses from it, the Coq route its statement, and
    :meth:`instantiate` evaluates it at concrete sizes (what the exact route checks)."""

    Q: sp.MatrixExpr
    Lambda: sp.MatrixExpr
    d: sp.MatrixExpr
    C: sp.MatrixExpr
    F: sp.MatrixExpr
    V1: sp.MatrixExpr
    V2: sp.MatrixExpr
    V3: sp.MatrixExpr
    R: sp.MatrixExpr
    c: tuple[sp.Expr, ...]
    sign: sp.Expr

    def equations(self) -> tuple[tuple[sp.Basic, sp.Basic], ...]:
        """``(ours, expression in theirs)`` for every parameter, then ``(c_j, value)``."""
        names = {"Q": "Q", "Lambda": r"\Lambda", "d": "d", "C": "C", "F": "F", "V1": "V_1", "V2": "V_2",
                 "V3": "V_3", "R": "R"}
        out: list[tuple[sp.Basic, sp.Basic]] = []
        for field, name in names.items():
            value = getattr(self, field)
            out.append((sp.MatrixSymbol(name, *value.shape), value))
        return (*out, *((sp.Symbol(f"c_{j}"), v) for j, v in enumerate(self.c)))

    @property
    def statement(self) -> tuple[sp.MatrixExpr, sp.MatrixExpr]:
        """``(yhat_t, sign o^ref_t)``."""
        return YHAT, self.sign * O_REF

    def instantiate(self, layer: ReferenceLayer, layout: Layout) -> LayerParams:
        """Our layer parameters for the authors' ``layer`` in ``layout`` (concrete sizes): the map evaluated."""
        mats = {W_Q: layer.w_q, LAMBDA_BAR: layer.Lambda_bar, C_REF: layer.C, D_REF: layer.D, sym.E_y: layout.E_y}
        sizes = {sym.H: layout.H, sym.m: layout.m}
        values = {name: sp.Matrix(sym.explicit(getattr(self, name), mats, sizes))
                  for name in ("Q", "Lambda", "d", "C", "F", "V1", "V2", "V3", "R")}
        k = len(self.c)
        zeros = (sp.Integer(0),) * max(k - 1, 0)
        return LayerParams(**values, readout=Readout(rho=zeros, beta=zeros, c=tuple(sp.sympify(v) for v in self.c)))


PARAM_MAP = ParamMap(
    Q=W_Q.T, Lambda=LAMBDA_BAR.T, d=D_REF, C=-sym.E_y.T * C_REF, F=sp.ZeroMatrix(sym.m, sym.H),
    V1=sp.Identity(sym.H), V2=sp.Identity(sym.H), V3=sp.Identity(sym.H), R=sp.ZeroMatrix(sym.H, sym.H),
    c=(sp.Integer(1),), sign=sp.Integer(-1))
"""Q = w_q^T, Lambda = Lambda_bar^T, d = D, C = -E_y^T C_ref, no value maps or feedthrough, k = 1 with c_0 = 1;
yhat_t = -o^ref_t (claim ``ref.param_map``)."""


def from_reference(layer: ReferenceLayer, layout: Layout) -> LayerParams:
    """Our layer parameters from the authors': :data:`PARAM_MAP` evaluated (Q = w_q^T, Lambda = Lambda_bar^T,
    d = D, C = -E_y^T C_ref)."""
    return PARAM_MAP.instantiate(layer, layout)


def eta_from_reference(gd_lr: sp.Expr, P: int, N: int) -> sp.Expr:
    """Our eta for the authors' step: alpha = gd_lr / P = eta / N, so eta = N gd_lr / P."""
    return sp.S(gd_lr) * N / P


@dataclass(frozen=True)
class ReferenceTwoStep:
    """The authors' three-layer, two-step construction (variant A or B) at concrete sizes."""

    variant: str
    layout: Layout
    N: int
    eta: sp.Expr
    layers: tuple[ReferenceLayer, ReferenceLayer, ReferenceLayer]

    @property
    def alpha(self) -> sp.Expr:
        """alpha = eta / N (the code's gd_lr / P; equal when N = P)."""
        return self.eta / self.N

    def predict_query(self, ctx: Context, to_ring: Callable[[Any], Any] | None = None) -> Mat:
        """The code's final prediction: -(o_N + x_q), or its last slot for the scalar task."""
        z = reference_tokens(ctx, self.layout, to_ring)
        Z1, _ = reference_states(self.layers[0], z, to_ring)
        Z2, _ = reference_states(self.layers[1], z, to_ring)
        Z3, v3 = reference_states(self.layers[2], z, to_ring)
        W_code = add(add(Z1[-1], matmul(Z1[-1], Z2[-1])), Z3[-1])
        o_N = matmul(W_code, v3[-1])
        return _negated_prediction(add(o_N, z[-1]), self.layout.task)


def reference_two_step(f: int, m: int, N: int, eta: Any, variant: str = "A") -> ReferenceTwoStep:
    """The authors' 2-step parameters: Lambda_bar = 1, C = -alpha I, D = e_3, w_q by variant (module doc)."""
    require_dim("N", N)
    if variant not in VARIANTS:
        raise BadInput(f"unknown variant {variant!r} of the reference two-step construction; choose A or B")
    layout = reference_layout(f, m)
    eta_ = parse_eta(eta)
    H, alpha = layout.H, eta_ / N
    e = [sp.Matrix([1 if i == r else 0 for i in range(3)]) for r in range(3)]
    acc_A = e[0] * e[1].T + (e[2] * e[2].T if variant == "B" else sp.zeros(3, 3))

    def layer(w_q: sp.Matrix) -> ReferenceLayer:
        return ReferenceLayer(w_q=w_q, Lambda_bar=sp.ones(H, H), C=-alpha * sp.eye(H), D=e[2])

    return ReferenceTwoStep(variant, layout, N, eta_, (layer(acc_A), layer(e[0] * e[0].T), layer(acc_A)))


def two_step_difference(construction: ReferenceTwoStep, ctx: Context) -> sp.Matrix:
    """yhat_code - W_2 x_q on the given (typically all-symbolic) data, expanded.

    W_2 = 2 alpha A - alpha^2 A G (two GD steps from 0 on the full context; DESIGN §1.1).
    """
    spec = GDSpec(etas=(construction.eta, construction.eta), normaliser=construction.N)
    W2 = gd_weights(spec, ctx, ctx.N)
    target = matmul(W2, ctx.query)
    if construction.layout.task == "scalar":
        target = target[-1:]
    got = construction.predict_query(ctx)
    return sp.Matrix([[sp.expand(a[0] - b[0])] for a, b in zip(got, target, strict=True)])


def two_step_expected_difference(construction: ReferenceTwoStep, ctx: Context) -> sp.Matrix:
    """What the difference should be: -x_q (variant A); (2 alpha G' - alpha^2 G' G - I) x_q (variant B),
    with G' = sum_{i<=N} x_{i+1} x_{i+1}^T and G = sum_{i<=N} x_i x_i^T (last slot for the scalar task)."""
    alpha = construction.alpha
    xq = sp.Matrix([row[0] for row in ctx.query])
    if construction.variant == "A":
        diff = -xq
    else:
        cols = [sp.Matrix([row[0] for row in x]) for x in ctx.xs]
        G = sum((c * c.T for c in cols[: ctx.N]), sp.zeros(ctx.f, ctx.f))
        Gp = sum((c * c.T for c in cols[1 : ctx.N + 1]), sp.zeros(ctx.f, ctx.f))
        diff = (2 * alpha * Gp - alpha**2 * Gp * G - sp.eye(ctx.f)) * xq
    if construction.layout.task == "scalar":
        diff = diff[-1:, :]
    return diff.applyfunc(sp.expand)


__all__ = [
    "PARAM_MAP", "REFERENCE_NAMES", "VARIANTS", "ParamMap", "ReferenceLayer", "ReferenceTwoStep", "eta_from_reference",
    "from_reference",
    "reference_layout", "reference_of", "reference_predictions", "reference_states", "reference_tokens",
    "reference_two_step", "to_reference", "two_step_difference", "two_step_expected_difference",
]
