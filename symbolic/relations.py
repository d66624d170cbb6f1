"""The layer's place among its relatives: readout variants, parameter and state counts, and the delta rule.

**Readout variants.** On the k-step state S_t = E_x G_t E_x^T + E_y A_t E_x^T (claim ``ssm.k_step``), the k-fold
readout with constants rho_j, beta_j (j < k-1), c_j (j < k) computes yhat_t = A_t q(G_t) x_{t+1} with

    q(lambda) = sum_{j<k} c_j prod_{i<j} (rho_i - beta_i lambda)          (:func:`readout_polynomial`),

so the family is every polynomial of degree < k (rho = 0, beta = -1 gives the monomials). Two GD variants:

* **GD++** (von Oswald et al. 2023, §4, arXiv:2212.07677): a curvature correction x -> (I - gamma G_t) x of
  every input, query included, then one GD step on the corrected data: yhat_t = alpha A_t (I - gamma G_t)^2 x_{t+1}.
  It is the k = 3 readout with c = (0, 0, alpha), beta = (gamma, gamma), rho = (1, 1) (:func:`gdpp_readout`).
* **A fixed preconditioner** P = B B^T (W_{j+1} = W_j - alpha_j (W_j G - A) P, :class:`symbolic.gd.GDSpec`):
  with z = E_x B^T x the same layer, parameters unchanged, runs it, since G~ = B^T G B and A~ = A B give
  W~_j B^T = W_j. A fixed P is not a polynomial in G_t, so no readout reaches it: it enters through the input
  embedding (:func:`preconditioned_difference`).

**Counts** (:func:`count_table`), as functions of f, m, k, each from the objects themselves: the layer's from the
shapes in its one description (:mod:`symbolic.description`); one-head LSA's (von Oswald et al. 2023, Prop. 1)
from the weights :func:`lsa_gd_weights` builds; the gated diagonal RNN that emulates it (Zucchet et al. 2023,
arXiv:2309.01775, §3, Fig. 1) from :func:`gated_rnn_from_lsa`; the authors' three-layer two-step stack from
:func:`symbolic.reference.reference_two_step` and the parameter inventory of their code.

**The delta rule.** Online SGD (DeltaNet's delta rule S_t = S_{t-1}(I - beta k_t k_t^T) + beta v_t k_t^T with
k = x, v = y) predicts W_t x_{t+1} with W_t = W_{t-1}(I - beta x_t x_t^T) + beta y_t x_t^T: a polynomial of
degree 2t + 1 in the data, with top part (-1)^{t-1} beta^t y_1 (x_1^T x_2)(x_2^T x_3)...(x_t^T x_{t+1}).
Every layer of this family with k readout steps, whatever its parameters, outputs a polynomial of degree at most
2k + 1 at every prefix (:func:`layer_degree_bound` runs the layer's own equations over degrees: the state keeps
degree 2 for all t, because its transition Lambda (.) is diagonal and input-independent). So for t > k no
parameters make the layer equal online SGD; :func:`ray_counterexample` exhibits a finite difference that
vanishes for every layer and not for SGD. The delta rule's transition (I - beta x_t x_t^T) is non-diagonal and
input-dependent (:func:`delta_rule_jacobian`). Hence "minibatch GD during a forward pass" means, for this
family, k full-batch steps on the examples seen so far, not sequential minibatch updates (those have degree
2 n + 1 after n updates, :func:`online_sgd_predictions` with ``batch``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.polys.constructor import construct_domain
from sympy.polys.domains import Domain
from sympy.polys.matrices import DomainMatrix
from sympy.polys.rings import ring

from gdssm.core.errors import BadInput
from gdssm.symbolic import equations as eq
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.dense import Mat, add, convert, full, matmul, outer, scale, sub, transpose
from gdssm.symbolic.description import Description, k_step_description, one_step_description
from gdssm.symbolic.gd import GDSpec, gd_predictions
from gdssm.symbolic.layer import LayerParams, Readout, forward, layer_predictions, tokens
from gdssm.symbolic.reference import reference_two_step
from gdssm.symbolic.task import Context, statistics, symbolic_context

f, m, k, d = sp.symbols("f m k d", integer=True, positive=True)
ALPHA, BETA, GAMMA, ETA = sp.Symbol("alpha"), sp.Symbol("beta"), sp.Symbol("gamma"), sp.Symbol("eta")
LAM = sp.Symbol("lambda")


# -- exact polynomial arithmetic ------------------------------------------------------------------------------------
def _data_symbols(ctx: Context) -> list[sp.Expr]:
    """The data entries of ``ctx``: x_1..x_{N+1}, then y_1..y_N."""
    return [e for x in ctx.xs for row in x for e in row] + [e for y in ctx.ys for row in y for e in row]


def _parameter_entries(params: LayerParams) -> list[sp.Expr]:
    """Every matrix entry and readout constant of a layer."""
    return [*(e for a in params.matrices().values() for e in a), *params.readout.rho, *params.readout.beta,
            *params.readout.c]


def _exact_domain(coefficients: Sequence[sp.Expr]) -> tuple[Domain, Callable[[Any], Any]]:
    """The exact domain K that holds the ``coefficients``, with rational constants (QQ for rationals, QQ[eta] for
    polynomials in eta, a fraction field or EX where the entries call for one), and the map of a SymPy number or
    parameter entry into it."""
    domain, _ = construct_domain(list(coefficients))
    if domain.is_ZZ:
        domain = sp.QQ
    elif domain.is_PolynomialRing and domain.domain.is_ZZ:
        domain = sp.QQ[domain.symbols]

    def to_domain(v: Any) -> Any:
        return domain.from_sympy(sp.sympify(v, strict=True))

    return domain, to_domain


def _polynomial_data(ctx: Context, coefficients: Sequence[sp.Expr]) -> tuple[Context, Callable[[Any], Any]]:
    """The data of ``ctx`` as the generators of K[data] (SymPy's sparse polynomials, canonical: a product or sum
    is exact and expanded), K = :func:`_exact_domain` of the ``coefficients``; and the map of a SymPy expression
    (a parameter entry, or a polynomial in the data over K) into K[data]."""
    symbols = _data_symbols(ctx)
    domain, _ = _exact_domain(coefficients)
    R, *gens = ring(symbols, domain)
    values = dict(zip(symbols, gens, strict=True))

    def lift(a: Mat) -> Mat:
        return tuple(tuple(values[e] for e in row) for row in a)

    def to_ring(v: Any) -> Any:
        return R.from_expr(sp.sympify(v, strict=True))

    return Context(xs=tuple(lift(x) for x in ctx.xs), ys=tuple(lift(y) for y in ctx.ys)), to_ring


def _over_one_domain(*matrices: sp.Matrix) -> list[DomainMatrix]:
    """The matrices as :class:`DomainMatrix` over :func:`_exact_domain` of all their entries (QQ[symbols] for
    polynomial entries: sparse polynomials with rational coefficients in canonical form, so sums and products are
    exact and need no ``expand``)."""
    domain, _ = _exact_domain([e for matrix in matrices for e in matrix])
    return [DomainMatrix.from_Matrix(matrix).convert_to(domain) for matrix in matrices]


def _differences(ctx: Context, coefficients: Sequence[sp.Expr],
                 got: Callable[[Context, Callable[[Any], Any]], Sequence[Mat]],
                 want: Callable[[Context, Callable[[Any], Any]], Sequence[Mat]]) -> list[sp.Expr]:
    """The nonzero entries of got - want over every prefix, both programs run on the data of ``ctx`` in
    K[data] (:func:`_polynomial_data`): a difference is zero exactly when the two polynomials are equal."""
    ring_ctx, to_ring = _polynomial_data(ctx, coefficients)
    return [e.as_expr() for a, b in zip(got(ring_ctx, to_ring), want(ring_ctx, to_ring), strict=True)
            for ra, rb in zip(a, b, strict=True) for u, v in zip(ra, rb, strict=True) if (e := u - v)]


# -- readout variants ------------------------------------------------------------------------------------------------
def readout_polynomial(readout: Readout, lam: sp.Symbol = LAM) -> sp.Poly:
    """q(lambda) = sum_j c_j prod_{i<j} (rho_i - beta_i lambda): the k-fold readout gives yhat = A q(G) x_{t+1}."""
    total, factor = sp.Integer(0), sp.Integer(1)
    for j, c_j in enumerate(readout.c):
        total += c_j * factor
        if j < len(readout.rho):
            factor *= readout.rho[j] - readout.beta[j] * lam
    return sp.Poly(sp.expand(total), lam)


def gdpp_readout(alpha: Any = ALPHA, gamma: Any = GAMMA) -> Readout:
    """The k = 3 readout that computes GD++: c = (0, 0, alpha), beta = (gamma, gamma), rho = (1, 1)."""
    return Readout(rho=(sp.Integer(1), sp.Integer(1)), beta=(sp.S(gamma), sp.S(gamma)),
                   c=(sp.Integer(0), sp.Integer(0), sp.S(alpha)))


def gdpp_predictions(ctx: Context, alpha: Any = ALPHA, gamma: Any = GAMMA) -> list[Mat]:
    """GD++ at every prefix t, from its definition: x_i' = (I - gamma G_t) x_i for i <= t+1, then one GD step from
    W_0 = 0 on (x_i', y_i), i <= t, predicting x_{t+1}': yhat_t = alpha sum_{i<=t} y_i x_i'^T x_{t+1}'."""
    out = []
    for t in range(1, ctx.N + 1):
        _, G = statistics(ctx, t)
        correction = sub(_eye(ctx.f), scale(gamma, G))
        xs = [matmul(correction, x) for x in ctx.xs[: t + 1]]
        W = full(ctx.m, ctx.f, sp.Integer(0))
        for i in range(t):
            W = add(W, outer(ctx.ys[i], xs[i]))
        out.append(scale(alpha, matmul(W, xs[t])))
    return out


def _eye(n: int) -> Mat:
    return tuple(tuple(sp.Integer(1 if i == j else 0) for j in range(n)) for i in range(n))


def readout_layer(f_: int, m_: int, N_: int, readout: Readout) -> Construction:
    """Our k-step construction (split layout, k = len(readout.c)) with its readout constants replaced."""
    base = k_step(f_, m_, N_, readout.steps, 1)
    return base.with_params(base.params.replace(readout=readout))


def readout_difference(f_: int, m_: int, N_: int, readout: Readout,
                       target: Callable[[Context], list[Mat]]) -> list[sp.Expr]:
    """The nonzero entries of layer - target over all-symbolic data, every prefix (empty: the identity holds); the
    layer runs in K[data], the target (SymPy) is read into it (:func:`_differences`)."""
    layer = readout_layer(f_, m_, N_, readout)
    ctx = symbolic_context(f_, m_, N_)
    expected = target(ctx)
    data = set(_data_symbols(ctx))
    scalars = sorted({s for y in expected for row in y for e in row for s in sp.sympify(e).free_symbols} - data,
                     key=str)

    def read(ring_ctx: Context, to_ring: Callable[[Any], Any]) -> list[Mat]:
        return [convert(y, to_ring) for y in expected]

    return _differences(ctx, [*_parameter_entries(layer.params), *scalars], layer.predictions, read)


def polynomial_readout_target(readout: Readout) -> Callable[[Context], list[Mat]]:
    """yhat_t = A_t q(G_t) x_{t+1} with q = :func:`readout_polynomial` (the readout family's closed form)."""
    q = readout_polynomial(readout)

    def target(ctx: Context) -> list[Mat]:
        out = []
        for t in range(1, ctx.N + 1):
            A, G = statistics(ctx, t)
            v, total = ctx.xs[t], full(ctx.f, 1, sp.Integer(0))
            for power in range(q.degree() + 1):
                total = add(total, scale(q.coeff_monomial(LAM**power), v))
                v = matmul(G, v)
            out.append(matmul(A, total))
        return out

    return target


def preconditioned_difference(construction: Construction, B: sp.Matrix,
                              token_map: Callable[[sp.Matrix], sp.Matrix] | None = None) -> list[sp.Expr]:
    """Nonzero entries of (layer on tokens E_x T x) - (GD preconditioned by P = B B^T), all-symbolic data, with the
    input map T = ``token_map(B)`` (default B^T, the map that makes them equal); both run in K[data]."""
    lay = construction.layout
    ctx = symbolic_context(lay.f, lay.m, construction.N)
    P = B * B.T
    gd = construction.gd
    spec = GDSpec(etas=gd.etas, normaliser=gd.normaliser, gamma=gd.gamma, lam=gd.lam, precond=P)
    T = token_map(B) if token_map is not None else B.T
    E_x = lay.E_x * T
    coefficients = [*_parameter_entries(construction.params), *E_x, *P, *gd.etas, gd.normaliser, gd.gamma, gd.lam]

    def layer(ring_ctx: Context, to_ring: Callable[[Any], Any]) -> list[Mat]:
        return layer_predictions(construction.params, ring_ctx, E_x, lay.E_y, to_ring)

    def descent(ring_ctx: Context, to_ring: Callable[[Any], Any]) -> list[Mat]:
        return gd_predictions(spec, ring_ctx, to_ring)

    return _differences(ctx, coefficients, layer, descent)


def preconditioned_statement(k_show: int = 2) -> tuple[sp.Expr, ...]:
    """W_1 and W_2 of GD preconditioned by P, from :func:`symbolic.gd.closed_form` (W_0 = 0)."""
    from gdssm.symbolic.gd import closed_form

    return tuple(closed_form(j, with_w0=False, preconditioned=True) for j in range(1, k_show + 1))


# -- counts ----------------------------------------------------------------------------------------------------------
def _entries(shape: tuple[Any, Any]) -> sp.Expr:
    return sp.expand(sp.sympify(shape[0], strict=True) * sp.sympify(shape[1], strict=True))


TRAINED_ONE_STEP: tuple[str, ...] = ("Q", "Lambda", "d", "C")
"""What a trained one-step layer learns (the paper's set; numeric.alignment.trainable_names(1))."""
TRAINED_K_STEP: tuple[str, ...] = ("Q", "Lambda", "d", "C", "R", "beta", "c")
"""What a trained k-step layer learns (numeric.alignment.trainable_names(k), k >= 2)."""


def layer_shapes(description: Description, steps: sp.Expr) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """The parameter shapes of a description (symbolic H, m) and its readout constants for ``steps`` readout terms."""
    shapes = {name: tuple(sp.sympify(n, strict=True) for n in matrix.shape)
              for name, matrix in description.matrices().items()}
    out: dict[str, tuple[sp.Expr, sp.Expr]] = {name: (s[0], s[1]) for name, s in shapes.items()}
    out.update({"rho": (steps - 1, sp.Integer(1)), "beta": (steps - 1, sp.Integer(1)), "c": (steps, sp.Integer(1))})
    return out


def layer_counts(kind: str) -> tuple[sp.Expr, sp.Expr, sp.Expr, sp.Expr]:
    """(state entries, all parameter entries, trained entries, nonzero state entries of the construction) for
    ``one-step`` or ``k-step``, in f, m, k (split layout H = f + m)."""
    from gdssm.symbolic import description as desc_symbols

    H = desc_symbols.H
    if kind == "one-step":
        description, steps, trained = one_step_description(), sp.Integer(1), TRAINED_ONE_STEP
        nonzero = _entries(sp.MatrixSymbol("A_t", desc_symbols.m, desc_symbols.f).shape)  # S = E_y A E_x^T
    elif kind == "k-step":
        description, steps, trained = k_step_description(), k, TRAINED_K_STEP
        nonzero = (_entries(sp.MatrixSymbol("G_t", desc_symbols.f, desc_symbols.f).shape)
                   + _entries(sp.MatrixSymbol("A_t", desc_symbols.m, desc_symbols.f).shape))
    else:
        raise BadInput(f"unknown layer kind {kind!r}")
    shapes = layer_shapes(description, steps)
    dims = {H: f + m, desc_symbols.f: f, desc_symbols.m: m}
    state = _entries(description.Lambda.shape)
    every = sum((_entries(s) for s in shapes.values()), sp.Integer(0))
    learned = sum((_entries(shapes[name]) for name in trained), sp.Integer(0))
    return tuple(sp.expand(sp.sympify(e, strict=True).subs(dims, simultaneous=True))
                 for e in (state, every, learned, nonzero))


def lsa_shapes(f_: Any = f, m_: Any = m) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """One-head linear self-attention on tokens e = (x, y) in R^{f+m}, key size f + m: W_K, W_Q, W_V, P."""
    width = sp.sympify(f_, strict=True) + sp.sympify(m_, strict=True)
    return {"W_K": (width, width), "W_Q": (width, width), "W_V": (width, width), "P": (width, width)}


def lsa_gd_weights(f_: int, m_: int, N_: int, eta: Any = ETA) -> dict[str, sp.Matrix]:
    """von Oswald et al.'s one-step weights (Prop. 1, W_0 = 0): W_K = W_Q = [[I_f, 0], [0, 0]],
    W_V = [[0, 0], [0, -I_m]], P = (eta/N) [[0, 0], [0, I_m]]; the prediction is minus the query's y-slot."""
    width = f_ + m_
    top = sp.diag(sp.eye(f_), sp.zeros(m_, m_))
    bottom = sp.diag(sp.zeros(f_, f_), sp.eye(m_))
    weights = {"W_K": top, "W_Q": top, "W_V": -bottom, "P": sp.S(eta) / N_ * bottom}
    for name, (rows, cols) in lsa_shapes(f_, m_).items():
        if weights[name].shape != (int(rows), int(cols)) or width != int(rows):
            raise BadInput(f"LSA weight {name} has shape {weights[name].shape}, expected {(rows, cols)}")
    return weights


def lsa_tokens(ctx: Context) -> list[sp.Matrix]:
    """e_i = (x_i, y_i), i = 1..N, and the query token (x_q, 0)."""
    out = [sp.Matrix.vstack(sp.Matrix(ctx.xs[i]), sp.Matrix(ctx.ys[i])) for i in range(ctx.N)]
    return [*out, sp.Matrix.vstack(sp.Matrix(ctx.query), sp.zeros(ctx.m, 1))]


def lsa_outputs(weights: dict[str, sp.Matrix], e: Sequence[sp.Matrix]) -> list[sp.Matrix]:
    """Causal linear self-attention: out_t = P sum_{s<=t} (W_V e_s)(W_K e_s)^T (W_Q e_t) (residual not added),
    computed over :func:`_over_one_domain` (entries returned expanded)."""
    W_K, W_Q, W_V, P, *tokens = _over_one_domain(*(weights[n] for n in ("W_K", "W_Q", "W_V", "P")), *e)
    state = DomainMatrix.zeros((W_V.shape[0], W_K.shape[0]), W_K.domain)
    out = []
    for token in tokens:
        state = state + (W_V * token) * (W_K * token).transpose()
        out.append((P * (state * (W_Q * token))).to_Matrix())
    return out


def gated_rnn_shapes(d_: Any = d) -> dict[str, tuple[sp.Expr, sp.Expr]]:
    """Our instantiation of Zucchet et al.'s gated diagonal RNN emulating one-head LSA of width d (key size d).

    Input x~ = (x, 1) (d + 1); recurrent neurons: d^2 key-value products (lambda = 1) and d queries (lambda = 0),
    n = d^2 + d; input gate (W_a x~) (.) (W_b x~); output gate (O_a h) (.) (O_b h) over the d^2 products;
    readout D (d x d^2) sums them (the LSA projection P folded in)."""
    dd = sp.sympify(d_, strict=True)
    n = dd**2 + dd
    return {"W_a": (n, dd + 1), "W_b": (n, dd + 1), "lambda": (n, sp.Integer(1)), "O_a": (dd**2, n),
            "O_b": (dd**2, n), "D": (dd, dd**2)}


@dataclass(frozen=True)
class GatedRNN:
    """h_t = lambda (.) h_{t-1} + (W_a x~_t) (.) (W_b x~_t),  y_t = D ((O_a h_t) (.) (O_b h_t)),  x~ = (x, 1)."""

    W_a: sp.Matrix
    W_b: sp.Matrix
    lam: sp.Matrix
    O_a: sp.Matrix
    O_b: sp.Matrix
    D: sp.Matrix

    def matrices(self) -> dict[str, sp.Matrix]:
        """The parameters by the names of :func:`gated_rnn_shapes`."""
        return {"W_a": self.W_a, "W_b": self.W_b, "lambda": self.lam, "O_a": self.O_a, "O_b": self.O_b, "D": self.D}

    def outputs(self, xs: Sequence[sp.Matrix]) -> list[sp.Matrix]:
        """y_t for the inputs x_1..x_T, computed over :func:`_over_one_domain` (entries returned expanded)."""
        W_a, W_b, lam, O_a, O_b, D, *inputs = _over_one_domain(
            *self.matrices().values(), *(sp.Matrix.vstack(x, sp.ones(1, 1)) for x in xs))
        h = DomainMatrix.zeros((lam.shape[0], 1), lam.domain)
        out = []
        for xt in inputs:
            h = lam.mul_elementwise(h) + (W_a * xt).mul_elementwise(W_b * xt)
            out.append((D * (O_a * h).mul_elementwise(O_b * h)).to_Matrix())
        return out


def gated_rnn_from_lsa(weights: dict[str, sp.Matrix]) -> GatedRNN:
    """The gated RNN equal to causal LSA with these weights (Zucchet et al. 2023, §3; module docstring)."""
    W_K, W_Q, W_V, P = (weights[n] for n in ("W_K", "W_Q", "W_V", "P"))
    width = W_K.shape[1]
    if W_K.shape[0] != width or W_V.shape[0] != width:
        raise BadInput("this instantiation needs key and value size equal to the token width")
    n = width * width + width
    kv = [(i, j) for i in range(width) for j in range(width)]
    pad = sp.zeros(1, 1)
    W_a = sp.zeros(n, width + 1)
    W_b = sp.zeros(n, width + 1)
    for r, (i, j) in enumerate(kv):
        W_a[r, :] = sp.Matrix.hstack(W_V[i, :], pad)  # value entry i: a row of repeat(W_V)
        W_b[r, :] = sp.Matrix.hstack(W_K[j, :], pad)  # key entry j: a row of W_K, repeated
    for j in range(width):
        W_a[width * width + j, :] = sp.Matrix.hstack(W_Q[j, :], pad)  # query entry j
        W_b[width * width + j, width] = 1  # times the appended constant 1
    lam = sp.Matrix([1] * (width * width) + [0] * width)
    O_a = sp.zeros(width * width, n)
    O_b = sp.zeros(width * width, n)
    for r, (_, j) in enumerate(kv):
        O_a[r, r] = 1  # the stored product v_i k_j
        O_b[r, width * width + j] = 1  # times the query entry q_j
    sums = sp.zeros(width, width * width)
    for r, (i, _) in enumerate(kv):
        sums[i, r] = 1
    rnn = GatedRNN(W_a, W_b, lam, O_a, O_b, P * sums)
    for name, matrix in rnn.matrices().items():
        rows, cols = gated_rnn_shapes(width)[name]
        if matrix.shape != (int(rows), int(cols)):
            raise BadInput(f"gated RNN matrix {name} has shape {matrix.shape}, expected {(rows, cols)}")
    return rnn


_WIDTH = sp.Symbol("d", integer=True, positive=True)  # the authors' token width d (= f in their layout)
REFERENCE_CODE_INVENTORY = {"w_q": (3, 3), "Lambda_re": (_WIDTH, _WIDTH), "log_step": (_WIDTH, 1),
                            "B": (_WIDTH, _WIDTH), "C": (_WIDTH, _WIDTH), "D": (3, 1)}
"""One layer of the authors' code as trained (paper-facts §4.9, gd_ssm/gd_ssm.py; B is never used)."""


def reference_counts() -> tuple[sp.Expr, sp.Expr, sp.Expr]:
    """(state entries, analytic parameter entries, code parameter entries) of the authors' two-step stack, in f.

    State and analytic entries are counted on :func:`symbolic.reference.reference_two_step` at f = 1, 2, 3 and
    interpolated (a quadratic in f; :func:`concrete_counts` checks other f); the code's entries per layer are the
    inventory of their code, three layers."""
    points = []
    for size in (1, 2, 3):
        stack = reference_two_step(size, size, 3, 1)
        state = sum(layer.Lambda_bar.rows * layer.Lambda_bar.cols for layer in stack.layers)
        params = sum(sum(a.rows * a.cols for a in layer.arrays().values()) for layer in stack.layers)
        points.append((size, state, params))
    state = sp.expand(sp.interpolate([(p[0], p[1]) for p in points], f))
    params = sp.expand(sp.interpolate([(p[0], p[2]) for p in points], f))
    code = 3 * sum((sp.sympify(r, strict=True).subs(_WIDTH, f) * sp.sympify(c, strict=True).subs(_WIDTH, f)
                    for r, c in REFERENCE_CODE_INVENTORY.values()), sp.Integer(0))
    return state, params, sp.expand(code)


@dataclass(frozen=True)
class CountRow:
    """One model: GD steps it runs, state entries and parameter entries as expressions in f, m, k, and the source."""

    model: str
    steps: sp.Expr
    state: sp.Expr
    parameters: sp.Expr
    trained: sp.Expr | None
    source: str

    def at(self, **values: int) -> dict[str, object]:
        """The counts at concrete f, m, k."""
        subs = {f: values.get("f", f), m: values.get("m", m), k: values.get("k", k)}
        out: dict[str, object] = {"model": self.model, "steps": int(self.steps.subs(subs)),
                                  "state": int(self.state.subs(subs)), "parameters": int(self.parameters.subs(subs))}
        out["trained"] = None if self.trained is None else int(self.trained.subs(subs))
        return out


SOURCES = {
    "layer": "derived from the one description (symbolic/description.py), split layout H = f + m; trained set as "
             "numeric/alignment.trainable_names",
    "lsa": "von Oswald et al. 2023, Transformers learn in-context by gradient descent, ICML, arXiv:2212.07677, "
           "Prop. 1 (one LSA layer = one GD step; k steps = k layers); weights as their code's create_weights "
           "(google-research/self-organising-systems, transformers_learn_icl_by_gd/src/data.py)",
    "zucchet": "Zucchet et al. 2023, Gated recurrent neural networks discover attention, arXiv:2309.01775, §3 and "
               "Fig. 1 (diagonal linear recurrence between multiplicative input and output gates, constant 1 "
               "appended, repeat(W_V) and W_K rows in the input gate, readout D); counted on our instantiation "
               "with dense gates, checked equal to the LSA layer (the paper's own count was not read here)",
    "reference": "the authors' code for arXiv:2410.11687 (Efficient-Scalable-Machine-Learning/gd-ssm, "
                 "gd_ssm/gd_ssm.py, analysis.scan_lrs): three layers for two steps, each w_q 3x3, Lambda_re dxd, "
                 "log_step d, B dxd (unused), C dxd, D 3 (paper-facts §4.9, §5.6), d = f",
}


def count_table() -> tuple[CountRow, ...]:
    """State and parameter entries of each model (module docstring), symbolic in f, m, k."""
    one_state, one_all, one_trained, _ = layer_counts("one-step")
    k_state, k_all, k_trained, _ = layer_counts("k-step")
    lsa = sum((_entries(s) for s in lsa_shapes().values()), sp.Integer(0))
    width = f + m
    rnn = sum((_entries(s) for s in gated_rnn_shapes(width).values()), sp.Integer(0))
    rnn_state = _entries(gated_rnn_shapes(width)["lambda"])
    ref_state, ref_params, ref_code = reference_counts()
    return (
        CountRow("GD-SSM one-step (this layer)", sp.Integer(1), one_state, one_all, one_trained, SOURCES["layer"]),
        CountRow("GD-SSM k-step (this layer, one state)", k, k_state, k_all, k_trained, SOURCES["layer"]),
        CountRow("one-head LSA, one GD step", sp.Integer(1), _entries((width, width)), sp.expand(lsa), None,
                 SOURCES["lsa"]),
        CountRow("k LSA layers, k GD steps", k, sp.expand(k * width**2), sp.expand(k * lsa), None, SOURCES["lsa"]),
        CountRow("gated diagonal RNN emulating one-head LSA", sp.Integer(1), sp.expand(rnn_state), sp.expand(rnn),
                 None, SOURCES["zucchet"]),
        CountRow("authors' three-layer two-step (m = f or 1)", sp.Integer(2), ref_state, ref_params, ref_code,
                 SOURCES["reference"]),
    )


def concrete_counts(f_: int, m_: int, k_: int) -> dict[str, tuple[int, int]]:
    """(state entries, parameter entries) counted on the concrete objects at f, m, k (checks :func:`count_table`)."""
    def layer(c: Construction) -> tuple[int, int]:
        p = c.params
        total = sum(a.rows * a.cols for a in p.matrices().values())
        total += len(p.readout.rho) + len(p.readout.beta) + len(p.readout.c)
        return p.Lambda.rows * p.Lambda.cols, total

    weights = lsa_gd_weights(f_, m_, 3)
    lsa_params = sum(a.rows * a.cols for a in weights.values())
    rnn = gated_rnn_from_lsa(weights)
    stack = reference_two_step(f_, f_, 3, 1)
    return {
        "GD-SSM one-step (this layer)": layer(one_step(f_, m_, 3, 1)),
        "GD-SSM k-step (this layer, one state)": layer(k_step(f_, m_, 3, k_, 1)),
        "one-head LSA, one GD step": (weights["W_V"].rows * weights["W_K"].rows, lsa_params),
        "k LSA layers, k GD steps": (k_ * weights["W_V"].rows * weights["W_K"].rows, k_ * lsa_params),
        "gated diagonal RNN emulating one-head LSA": (rnn.lam.rows,
                                                      sum(a.rows * a.cols for a in rnn.matrices().values())),
        "authors' three-layer two-step (m = f or 1)": (
            sum(layer_.Lambda_bar.rows * layer_.Lambda_bar.cols for layer_ in stack.layers),
            sum(sum(a.rows * a.cols for a in layer_.arrays().values()) for layer_ in stack.layers)),
    }


# -- the delta rule --------------------------------------------------------------------------------------------------
NEG = -(10**9)
"""The degree of the zero polynomial (below every real degree)."""


class DegreeArithmetic:
    """:class:`symbolic.equations.Arithmetic` over upper bounds on the total degree in the data of every entry:
    parameters have degree 0 (any values), data tokens degree 1; a sum has the larger degree, a product the sum.
    Running the layer's own equations over it bounds the degree of its outputs for *every* parameter setting."""

    @staticmethod
    def add(a: int, b: int) -> int:
        """deg(a + b) <= max."""
        return max(a, b)

    sub = add

    @staticmethod
    def scale(c: Any, a: int) -> int:
        """A parameter or readout constant has degree 0."""
        return a

    @staticmethod
    def mul(a: int, b: int) -> int:
        """deg(a b) <= deg a + deg b."""
        return NEG if NEG in (a, b) else a + b

    outer = mul

    @staticmethod
    def hadamard(lam: int, s: int) -> int:
        """Lambda (.) S: Lambda is a parameter (degree 0), whatever the inputs: the transition is input-independent."""
        return s


def layer_degree_bound(k_: int, t: int) -> dict[str, int]:
    """Degree bounds of the layer's state, readout vectors and output at prefix t with k readout steps, computed
    by the equations of :mod:`symbolic.equations` (the same functions :func:`symbolic.layer.forward` runs)."""
    ar = DegreeArithmetic()
    zero, param = NEG, 0
    terms = [(a, b, 1) for a in range(3) for b in range(3)]  # every Q_ab may be nonzero
    S = zero
    for step in range(1, t + 1):
        U = eq.window(lambda n: 1, step)
        S = eq.state(param, S, eq.cross_product(U, [param] * 3, terms, zero, ar), ar)
    q = eq.query(eq.window(lambda n: 1, t), [(a, 1) for a in range(3)], zero, ar)
    r, P = q, eq.readout_sum(zero, 1, q, ar)
    degrees = {"state": S, "r_0": r}
    for j in range(k_ - 1):
        r = eq.readout_vector(1, 1, param, S, r, ar)
        P = eq.readout_sum(P, 1, r, ar)
        degrees[f"r_{j + 1}"] = r
    degrees["output"] = eq.prediction(param, S, P, param, q, ar)
    return degrees


def random_layer(f_: int, m_: int, k_: int, seed: int = 0) -> LayerParams:
    """A layer with every parameter a nonzero rational drawn from a seeded generator (split layout H = f + m)."""
    import random

    rng = random.Random(seed)
    H = f_ + m_

    def draw(rows: int, cols: int) -> sp.Matrix:
        return sp.Matrix(rows, cols, lambda *_: sp.Rational(rng.choice([-3, -2, -1, 1, 2, 3]), rng.randint(1, 4)))

    def values(n: int) -> tuple[sp.Expr, ...]:
        return tuple(draw(1, 1)[0] for _ in range(n))

    readout = Readout(rho=values(k_ - 1), beta=values(k_ - 1), c=values(k_))
    return LayerParams(Q=draw(3, 3), Lambda=draw(H, H), d=draw(3, 1), C=draw(m_, H), F=draw(m_, H), V1=draw(H, H),
                       V2=draw(H, H), V3=draw(H, H), R=draw(H, H), readout=readout)


def data_degree(expr: sp.Expr, ctx: Context) -> int:
    """Total degree of ``expr`` in the data symbols of ``ctx`` (NEG for 0)."""
    expr = sp.expand(expr)
    return NEG if expr == 0 else sp.Poly(expr, *_data_symbols(ctx)).total_degree()


def layer_output_degrees(params: LayerParams, f_: int, m_: int, N_: int) -> list[int]:
    """The exact total degree in the data of each prefix output (largest over output entries), all data symbolic:
    the layer run over K[data] (:func:`_polynomial_data`), the degree of a polynomial its largest monomial's."""
    ctx, to_ring = _polynomial_data(symbolic_context(f_, m_, N_), _parameter_entries(params))
    E_x, E_y = sp.Matrix.vstack(sp.eye(f_), sp.zeros(m_, f_)), sp.Matrix.vstack(sp.zeros(f_, m_), sp.eye(m_))
    outs = forward(params, tokens(ctx, E_x, E_y, to_ring), to_ring)
    return [max(max((sum(mon) for mon in e.monoms()), default=NEG) for row in y for e in row) for y in outs]


def online_sgd_predictions(ctx: Context, beta: Any = BETA, batch: int = 1) -> list[Mat]:
    """Online (minibatch) SGD from W_0 = 0 at every prefix t: updates W <- W - beta sum_{i in B} (W x_i - y_i) x_i^T
    over the consecutive batches B of ``batch`` examples among 1..t (the last one possibly partial), then W x_{t+1}.
    With batch = 1 this is the delta rule with k = x, v = y; ceil(t / batch) updates in all."""
    if isinstance(batch, bool) or not isinstance(batch, int) or batch < 1:
        raise BadInput(f"batch size must be an integer >= 1, got {batch!r}")
    out = []
    for t in range(1, ctx.N + 1):
        W = full(ctx.m, ctx.f, sp.Integer(0))
        for start in range(0, t, batch):
            grad = full(ctx.m, ctx.f, sp.Integer(0))
            for i in range(start, min(start + batch, t)):
                grad = add(grad, matmul(sub(matmul(W, ctx.xs[i]), ctx.ys[i]), transpose(ctx.xs[i])))
            W = tuple(tuple(sp.expand(v) for v in row) for row in sub(W, scale(beta, grad)))
        out.append(tuple(tuple(sp.expand(v) for v in row) for row in matmul(W, ctx.xs[t])))
    return out


def sgd_top_part(ctx: Context, t: int, beta: Any = BETA) -> sp.Expr:
    """(-1)^{t-1} beta^t y_1 (x_1^T x_2)(x_2^T x_3)...(x_t^T x_{t+1}), first output entry (the top-degree part)."""
    value = (-1) ** (t - 1) * sp.S(beta) ** t * ctx.ys[0][0][0]
    for j in range(t):
        value *= matmul(transpose(ctx.xs[j]), ctx.xs[j + 1])[0][0]
    return sp.expand(value)


def top_part(expr: sp.Expr, ctx: Context) -> sp.Expr:
    """The homogeneous part of highest total degree in the data."""
    symbols = _data_symbols(ctx)
    poly = sp.Poly(sp.expand(expr), *symbols)
    top = poly.total_degree()
    return sp.expand(sum(c * sp.Mul(*(s**p for s, p in zip(symbols, mon, strict=True)))
                         for mon, c in poly.terms() if sum(mon) == top))


def _ray_context(t: int, s: sp.Expr) -> Context:
    """f = m = 1 data on a ray: x_i = s, y_i = s (i <= t), query x_{t+1} = s."""
    return Context(xs=tuple(((s,),) for _ in range(t + 1)), ys=tuple(((s,),) for _ in range(t)))


def finite_difference(values: Sequence[sp.Expr]) -> sp.Expr:
    """The forward difference of order len(values) - 1 at 0: sum_i (-1)^{n-i} binom(n, i) v_i."""
    n = len(values) - 1
    return sp.expand(sum((-1) ** (n - i) * sp.binomial(n, i) * v for i, v in enumerate(values)))


RAY_BETA = sp.Rational(1, 2)
"""The online SGD step size of :func:`ray_counterexample`."""


def ray_counterexample(k_: int, beta: Any = RAY_BETA, layer: LayerParams | None = None) -> dict[str, Any]:
    """Data x_i = y_i = s (f = m = 1) at s = 0, 1, ..., 2k+2 and t = k + 1 examples: the (2k+2)-th finite difference
    in s of the prediction is 0 for every layer with k readout steps (degree <= 2k + 1) and nonzero for online SGD
    (degree 2t + 1 = 2k + 3). ``layer`` (default: our k-step construction with alpha = beta) is evaluated too."""
    t = k_ + 1
    points = range(2 * k_ + 3)
    s = sp.Symbol("s")
    sgd = online_sgd_predictions(_ray_context(t, s), beta)[-1][0][0]
    sgd_values = [sgd.subs(s, v) for v in points]
    params = layer if layer is not None else k_step(1, 1, t, k_, sp.S(beta) * t).params
    E_x, E_y = sp.Matrix([[1], [0]]), sp.Matrix([[0], [1]])
    domain, to_domain = _exact_domain(_parameter_entries(params))  # the layer at s = v, exactly in K
    layer_values = [domain.to_sympy(forward(params, tokens(_ray_context(t, to_domain(v)), E_x, E_y, to_domain),
                                            to_domain)[-1][0][0]) for v in points]
    return {"k": k_, "t": t, "beta": sp.S(beta), "sgd_polynomial": sp.expand(sgd), "sgd_values": sgd_values,
            "layer_values": layer_values, "sgd_difference": finite_difference(sgd_values),
            "layer_difference": finite_difference(layer_values)}


def delta_rule_jacobian(f_: int, m_: int, beta: Any = BETA) -> tuple[sp.Matrix, sp.Matrix]:
    """(d vec S_t / d vec S_{t-1} of the delta rule S_t = S_{t-1}(I - beta x x^T) + beta y x^T, the same for the
    layer's S_t = Lambda (.) S_{t-1} + M_t), both at symbolic x, y, Lambda: the first is non-diagonal and depends on
    x, the second is diag(vec Lambda)."""
    x = sp.Matrix(f_, 1, lambda a, _: sp.Symbol(f"x_{a}"))
    y = sp.Matrix(m_, 1, lambda b, _: sp.Symbol(f"y_{b}"))
    S = sp.Matrix(m_, f_, lambda i, j: sp.Symbol(f"s_{i}_{j}"))
    delta = S * (sp.eye(f_) - beta * x * x.T) + beta * y * x.T
    Lam = sp.Matrix(m_, f_, lambda i, j: sp.Symbol(f"l_{i}_{j}"))
    layer = Lam.multiply_elementwise(S) + y * x.T
    flat = list(S)
    return sp.Matrix(list(delta)).jacobian(flat), sp.Matrix(list(layer)).jacobian(flat)


__all__ = [
    "ALPHA", "BETA", "GAMMA", "SOURCES", "TRAINED_K_STEP", "TRAINED_ONE_STEP", "CountRow", "DegreeArithmetic",
    "GatedRNN", "concrete_counts", "count_table", "data_degree", "delta_rule_jacobian",
    "finite_difference", "gated_rnn_from_lsa", "gated_rnn_shapes", "gdpp_predictions", "gdpp_readout",
    "layer_counts", "layer_degree_bound", "layer_output_degrees", "layer_shapes", "lsa_gd_weights", "lsa_outputs",
    "lsa_shapes", "lsa_tokens", "online_sgd_predictions", "polynomial_readout_target", "preconditioned_difference",
    "preconditioned_statement", "random_layer", "ray_counterexample", "readout_difference", "readout_layer",
    "readout_polynomial", "reference_counts", "sgd_top_part", "top_part",
]


# -- statements and hypotheses, printed by SymPy from the objects above -----------------------------------------------
_t = sp.Symbol("t", integer=True, positive=True)
_i, _j = sp.symbols("i j", integer=True, nonnegative=True)
_Ex, _Ey = sp.MatrixSymbol("E_x", sp.Symbol("H"), f), sp.MatrixSymbol("E_y", sp.Symbol("H"), m)
_At, _Gt = sp.MatrixSymbol("A_t", m, f), sp.MatrixSymbol("G_t", f, f)
_x_next = sp.MatrixSymbol("x_{t+1}", f, 1)
_yhat = sp.MatrixSymbol(r"\hat{y}_t", m, 1)


def _assumption(label: str, relation: sp.Basic) -> Any:
    from gdssm.symbolic.stepsize import Assumption

    return Assumption(label, relation)


def _layout_hypotheses(split: bool) -> tuple[Any, ...]:
    """E_x^T E_x = I, E_y^T E_y = I (and E_x^T E_y = 0): the description's own hypotheses, as relations."""
    out = [_assumption("orthonormal input embedding", sp.Eq(_Ex.T * _Ex, sp.Identity(f), evaluate=False)),
           _assumption("orthonormal label embedding", sp.Eq(_Ey.T * _Ey, sp.Identity(m), evaluate=False))]
    if split:
        out.append(_assumption("disjoint slots", sp.Eq(_Ex.T * _Ey, sp.ZeroMatrix(f, m), evaluate=False)))
    expected = k_step_description().hypotheses if split else one_step_description().hypotheses
    if len(out) != len(expected):
        raise BadInput("the layout hypotheses no longer match the description's")
    return tuple(out)


def _matrix_polynomial(q: sp.Poly, G: sp.MatrixExpr) -> sp.MatrixExpr:
    """q(G) in factored form c prod_i p_i(G)^{e_i} (each p_i with a positive constant term), for printing."""
    coeff, factors = sp.factor_list(q.as_expr(), LAM)
    total: sp.MatrixExpr = sp.Identity(G.shape[0])
    for base, power in factors:
        poly = sp.Poly(base, LAM)
        if poly.coeff_monomial(1).could_extract_minus_sign():
            poly, coeff = -poly, coeff * (-1) ** power
        terms = [poly.coeff_monomial(LAM**p) * (G**p if p else sp.Identity(G.shape[0]))
                 for p in range(poly.degree() + 1)]
        matrix = sp.MatAdd(*[t for t in terms if t != 0])
        total = total * matrix**power
    return coeff * total


def preconditioner_statement() -> str:
    """yhat_t = W_k^{(t)} x_{t+1} for GD preconditioned by P, with W_1, W_2 from :func:`symbolic.gd.closed_form`."""
    W1, W2 = preconditioned_statement()
    W_k = sp.MatrixSymbol(r"W^{P,(t)}_k", m, f)
    parts = [sp.Eq(_yhat, W_k * _x_next, evaluate=False), sp.Eq(sp.MatrixSymbol("W^P_1", m, f), W1, evaluate=False),
             sp.Eq(sp.MatrixSymbol("W^P_2", m, f), W2, evaluate=False)]
    return r";\quad ".join(str(sp.latex(p)) for p in parts)


def preconditioner_hypotheses() -> tuple[Any, ...]:
    """P = B B^T, the tokens E_x B^T x_i, the preconditioned GD recursion, the layer's own hypotheses."""
    B, P = sp.MatrixSymbol("B", f, f), sp.MatrixSymbol("P", f, f)
    z, x_i = sp.MatrixSymbol("z_{2i-1}", sp.Symbol("H"), 1), sp.MatrixSymbol("x_i", f, 1)
    W_j, W_next, A = (sp.MatrixSymbol(name, m, f) for name in ("W_j", "W_{j+1}", "A"))
    G = sp.MatrixSymbol("G", f, f)
    alpha_j = sp.IndexedBase(r"\alpha")[_j]
    return (
        _assumption("factorised preconditioner", sp.Eq(P, B * B.T, evaluate=False)),
        _assumption("input tokens through B^T", sp.Eq(z, _Ex * B.T * x_i, evaluate=False)),
        _assumption("preconditioned GD from W_0 = 0", sp.Eq(W_next, W_j - alpha_j * (W_j * G - A) * P,
                                                            evaluate=False)),
        *_layout_hypotheses(True),
    )


def gdpp_statement() -> str:
    """The readout family yhat_t = A_t q(G_t) x_{t+1} and GD++ as its k = 3 member (q from :func:`gdpp_readout`)."""
    c, rho, beta = sp.IndexedBase("c"), sp.IndexedBase(r"\rho"), sp.IndexedBase(r"\beta")
    q = sp.Function("q")
    family = sp.Eq(q(LAM), sp.Sum(c[_j] * sp.Product(rho[_i] - beta[_i] * LAM, (_i, 0, _j - 1)), (_j, 0, k - 1)),
                   evaluate=False)
    readout = sp.Eq(_yhat, _At * sp.MatrixSymbol(r"q(G_{t})", f, f) * _x_next, evaluate=False)
    gdpp = _matrix_polynomial(readout_polynomial(gdpp_readout()), _Gt)
    member = sp.Eq(sp.MatrixSymbol(r"\hat{y}^{\mathrm{GD++}}_t", m, 1), _At * gdpp * _x_next, evaluate=False)
    return r";\quad ".join(str(sp.latex(p)) for p in (readout, family, member))


def gdpp_hypotheses() -> tuple[Any, ...]:
    """GD++'s definition, the readout constants that realise it, the k-step state and readout parameters."""
    ro = gdpp_readout()
    x_i, x_c = sp.MatrixSymbol("x_i", f, 1), sp.MatrixSymbol("x'_i", f, 1)
    y_i = sp.MatrixSymbol("y_i", m, 1)
    S_t = sp.MatrixSymbol("S_t", sp.Symbol("H"), sp.Symbol("H"))
    vec = sp.ImmutableMatrix
    return (
        _assumption("curvature correction of every input, query included (i <= t+1)",
                    sp.Eq(x_c, (sp.Identity(f) - GAMMA * _Gt) * x_i, evaluate=False)),
        _assumption("corrected statistics", sp.Eq(sp.MatrixSymbol("A'_t", m, f), sp.Sum(y_i * x_c.T, (_i, 1, _t)),
                                                  evaluate=False)),
        _assumption("one GD step on the corrected data",
                    sp.Eq(sp.MatrixSymbol(r"\hat{y}^{\mathrm{GD++}}_t", m, 1),
                          ALPHA * sp.MatrixSymbol("A'_t", m, f) * sp.MatrixSymbol("x'_{t+1}", f, 1), evaluate=False)),
        _assumption("readout constants c", sp.Eq(sp.Symbol("c"), vec(ro.c).T, evaluate=False)),
        _assumption("readout constants beta", sp.Eq(sp.Symbol(r"\beta"), vec(ro.beta).T, evaluate=False)),
        _assumption("readout constants rho", sp.Eq(sp.Symbol(r"\rho"), vec(ro.rho).T, evaluate=False)),
        _assumption("k-step state (ssm.k_step)", sp.Eq(S_t, _Ex * _Gt * _Ex.T + _Ey * _At * _Ex.T, evaluate=False)),
        _assumption("readout projection", sp.Eq(sp.MatrixSymbol("R", sp.Symbol("H"), sp.Symbol("H")), _Ex * _Ex.T,
                                                evaluate=False)),
        _assumption("readout map", sp.Eq(sp.MatrixSymbol("C", m, sp.Symbol("H")), _Ey.T, evaluate=False)),
        *_layout_hypotheses(True),
    )


def counts_statement() -> str:
    """n_state and n_params of every model of :func:`count_table`, as SymPy equations in f, m, k."""
    names = ("GD-SSM 1", "GD-SSM k", "LSA", r"LSA \times k", "gated RNN", "authors 2-step")
    parts = []
    for name, row in zip(names, count_table(), strict=True):
        tag = rf"\mathrm{{{name}}}".replace(" ", r"\ ")
        parts.append(sp.Eq(sp.Symbol(rf"n_{{\mathrm{{state}}}}^{{{tag}}}"), row.state, evaluate=False))
        parts.append(sp.Eq(sp.Symbol(rf"n_{{\mathrm{{params}}}}^{{{tag}}}"), row.parameters, evaluate=False))
    return r";\quad ".join(str(sp.latex(p)) for p in parts)


def counts_hypotheses() -> tuple[Any, ...]:
    """The sizes the counts assume: split layout H = f + m, LSA width and key size f + m, gated-RNN width d = f + m
    with n = d^2 + d recurrent neurons, the authors' H = d = f."""
    H, K, n = sp.Symbol("H"), sp.Symbol("K"), sp.Symbol("n")
    shapes = gated_rnn_shapes(d)
    return (
        _assumption("split layout (this layer)", sp.Eq(H, f + m)),
        _assumption("LSA token width and key size", sp.Eq(K, f + m)),
        _assumption("gated RNN: width of the emulated LSA", sp.Eq(d, f + m)),
        _assumption("gated RNN: recurrent neurons (key-value products, queries)", sp.Eq(n, shapes["lambda"][0])),
        _assumption("authors' layout", sp.Eq(sp.Symbol("H_{ref}"), f)),
    )


def separation_statement() -> str:
    """deg yhat^layer_t <= 2k + 1 for every t and parameters; the top part of online SGD's prediction; hence
    they differ for t > k."""
    deg, top = sp.Function(r"\deg"), sp.Function(r"\operatorname{top}")
    y_layer, y_sgd = sp.Symbol(r"\hat{y}^{\mathrm{layer}}_t"), sp.Symbol(r"\hat{y}^{\mathrm{SGD}}_t")
    y = sp.IndexedBase("y")
    product = sp.Product(sp.Symbol(r"x_{j}^{T} x_{j+1}"), (_j, 1, _t))
    parts = [sp.Le(deg(y_layer), 2 * k + 1), sp.Eq(deg(y_sgd), 2 * _t + 1),
             sp.Eq(top(y_sgd), (-1) ** (_t - 1) * BETA**_t * y[1] * product, evaluate=False),
             sp.Implies(sp.Gt(_t, k), sp.Ne(y_layer, y_sgd))]
    return r";\quad ".join(str(sp.latex(p)) for p in parts)


def separation_hypotheses() -> tuple[Any, ...]:
    """The layer's equations (any parameters), online SGD and the delta rule, printed as relations."""
    H = sp.Symbol("H")
    S, S_prev, M = sp.MatrixSymbol("S_t", H, H), sp.MatrixSymbol("S_{t-1}", H, H), sp.MatrixSymbol("M_t", H, H)
    Lam = sp.MatrixSymbol(r"\Lambda", H, H)
    u_a, u_b = sp.MatrixSymbol("u_{t,a}", H, 1), sp.MatrixSymbol("u_{t,b}", H, 1)
    V_a, R = sp.MatrixSymbol("V_a", H, H), sp.MatrixSymbol("R", H, H)
    r_j, r_next = sp.MatrixSymbol("r_j", H, 1), sp.MatrixSymbol("r_{j+1}", H, 1)
    a, b = sp.symbols("a b", integer=True, positive=True)
    Q = sp.IndexedBase("Q")
    W_t, W_prev = sp.MatrixSymbol("W_t", m, f), sp.MatrixSymbol("W_{t-1}", m, f)
    x_t, y_t = sp.MatrixSymbol("x_t", f, 1), sp.MatrixSymbol("y_t", m, 1)
    k_t, v_t = sp.MatrixSymbol("k_t", f, 1), sp.MatrixSymbol("v_t", m, 1)
    D, Dp = sp.MatrixSymbol("S^{\\delta}_t", m, f), sp.MatrixSymbol("S^{\\delta}_{t-1}", m, f)
    return (
        _assumption("tokens linear in the data", sp.Eq(sp.MatrixSymbol("z_{2i-1}", H, 1),
                                                       _Ex * sp.MatrixSymbol("x_i", f, 1), evaluate=False)),
        _assumption("cross-product input", sp.Eq(M, sp.Sum(sp.Sum(Q[a, b] * (V_a * u_a) * u_b.T, (b, 1, 3)),
                                                            (a, 1, 3)), evaluate=False)),
        _assumption("diagonal, input-independent transition", sp.Eq(S, sp.HadamardProduct(Lam, S_prev) + M,
                                                                    evaluate=False)),
        _assumption("k-fold readout", sp.Eq(r_next, sp.IndexedBase(r"\rho")[_j] * r_j
                                            - sp.IndexedBase(r"\beta")[_j] * R * S * r_j, evaluate=False)),
        _assumption("online SGD from W_0 = 0", sp.Eq(W_t, W_prev - BETA * (W_prev * x_t - y_t) * x_t.T,
                                                     evaluate=False)),
        _assumption("delta rule (k = x, v = y)", sp.Eq(D, Dp * (sp.Identity(f) - BETA * k_t * k_t.T)
                                                       + BETA * v_t * k_t.T, evaluate=False)),
    )
