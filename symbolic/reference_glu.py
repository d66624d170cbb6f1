r"""The authors' non-linear model (paper-facts §5.8) and what it computes, in closed form.

Their model on scalar (or f-dimensional) tokens, as the reference code runs it:

* an affine embedding ``phi(u) = w_e u + b_e`` (R^f -> R^P, ``nn.Dense(P)``, no activation) **shared** by the x and
  the y tokens: ``z = (phi(x_1), phi(y_1), ..., phi(x_N), phi(y_N), phi(x_q))``;
* the authors' layer (:func:`gdssm.symbolic.reference.reference_states`) with the analytic core: the one-step
  construction ``one_step(P, P, N, eta, layout="reference")``'s weights in their names
  (:func:`~gdssm.symbolic.reference.reference_of`): w_q = e_1 e_2^T, Lambda_bar = 1, C = -alpha I, D = e_3
  (alpha = eta / N); its output at window k is ``o_k = Z_k v_k``;
* the readout ``half_glu2``: ``g(o) = W_3 (o (.) sigma(W_2 GELU(o) + b_2)) + b_3``, and the prediction
  ``yhat_k = -g(o_k)`` (the code negates the last output).

**Closed form** (claim ``ref.nonlinear_glu``): ``o_k = -W^{(k)}_1 phi(x_{k+1})`` with
``W^{(k)}_1 = alpha sum_{i<=k} phi(y_i) phi(x_i)^T`` one GD step from 0 on the *linear* model
``phi(y) ~ W phi(x)``, W in R^{P x P}, so

    yhat_k = -g(-W^{(k)}_1 phi(x_{k+1})):

GD on an affine feature model (features of degree <= 1 in x, targets the embedded labels) read out by a learned
non-linear map -- not GD on MLP features (von Oswald et al.), and the non-linearity is all in the readout.
:meth:`NonlinearReference.predictions` is their forward, :meth:`NonlinearReference.closed_form` the closed form.
The exact routes take a GLU whose GELU and sigmoid are replaced by polynomials (:data:`TAYLOR_GELU`,
:data:`TAYLOR_SIGMOID`: their Taylor polynomials at 0) so both sides are polynomials; the numeric check
(:mod:`gdssm.numeric.features`) uses the real ones.

Mutants (:data:`GLU_MUTANTS`): ``wrong-phi-on-query`` (x_q embedded by phi' != phi), ``unshared-y-embedding`` (the
y tokens embedded by psi != phi, while the closed form reads phi(y)), ``missing-1/N`` (the core's C = -eta I).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import Construction, one_step
from gdssm.symbolic.dense import Mat, add, convert, hadamard, matmul, scale
from gdssm.symbolic.features import DataMap, FeatureDescription, FeatureMutant, one_step_features
from gdssm.symbolic.mutants import mutant as base_mutant
from gdssm.symbolic.reference import ReferenceLayer, reference_of, reference_states
from gdssm.symbolic.task import Context

Conv = Callable[[Any], Any]


@dataclass(frozen=True)
class AffineEmbedding:
    """phi(u) = w_e u + b_e: R^f -> R^P (w_e P x f, b_e P x 1, SymPy entries)."""

    w_e: sp.Matrix
    b_e: sp.Matrix

    def __call__(self, u: Mat, conv: Conv) -> Mat:
        """phi(u) over the ring of ``conv``."""
        w = convert(tuple(tuple(r) for r in self.w_e.tolist()), conv)
        b = convert(tuple(tuple(r) for r in self.b_e.tolist()), conv)
        return add(matmul(w, u), b)

    @property
    def P(self) -> int:
        """The embedding size."""
        return int(self.w_e.shape[0])

    def symbols(self) -> tuple[sp.Symbol, ...]:
        """The free symbols of w_e and b_e."""
        return tuple(sorted(self.w_e.free_symbols | self.b_e.free_symbols, key=str))


def symbolic_embedding(f: int, P: int, name: str = "w") -> AffineEmbedding:
    """phi with an indeterminate per entry: w_e = (w_{ab}), b_e = (b_a) (``name`` prefixes both)."""
    return AffineEmbedding(sp.Matrix(P, f, lambda a, b: sp.Symbol(f"{name}e_{a}{b}")),
                           sp.Matrix(P, 1, lambda a, _: sp.Symbol(f"{name}b_{a}")))


@dataclass(frozen=True)
class Polynomial:
    """A polynomial activation c_0 + c_1 v + c_2 v^2 + ... (rational coefficients), applied entrywise."""

    coefficients: tuple[sp.Rational, ...]

    def __call__(self, v: Any, conv: Conv) -> Any:
        """Horner's rule in the ring of ``conv``."""
        out = conv(self.coefficients[-1])
        for c in reversed(self.coefficients[:-1]):
            out = out * v + conv(c)
        return out


TAYLOR_GELU = Polynomial((sp.Integer(0), sp.Rational(1, 2), sp.Rational(2, 5)))
"""GELU(v) = v/2 + v^2/sqrt(2 pi) + O(v^4), with 1/sqrt(2 pi) ~ 2/5: the exact routes' stand-in for GELU."""
TAYLOR_SIGMOID = Polynomial((sp.Rational(1, 2), sp.Rational(1, 4)))
"""sigma(v) = 1/2 + v/4 + O(v^3): the exact routes' stand-in for the sigmoid."""


@dataclass(frozen=True)
class GLUReadout:
    """half_glu2: g(o) = W_3 (o (.) gate(W_2 act(o) + b_2)) + b_3 (act = GELU, gate = sigmoid in the code)."""

    W2: sp.Matrix
    b2: sp.Matrix
    W3: sp.Matrix
    b3: sp.Matrix
    act: Polynomial = TAYLOR_GELU
    gate: Polynomial = TAYLOR_SIGMOID

    def __call__(self, o: Mat, conv: Conv) -> Mat:
        """g(o) over the ring of ``conv``."""
        def lift(a: sp.Matrix) -> Mat:
            return convert(tuple(tuple(r) for r in a.tolist()), conv)

        hidden = tuple((self.act(row[0], conv),) for row in o)
        pre = add(matmul(lift(self.W2), hidden), lift(self.b2))
        gated = hadamard(o, tuple((self.gate(row[0], conv),) for row in pre))
        return add(matmul(lift(self.W3), gated), lift(self.b3))


def rational_readout(P: int, q: int = 1) -> GLUReadout:
    """A fixed GLU readout with small distinct rational weights (deterministic; R^P -> R^q)."""
    def entries(rows: int, cols: int, offset: int) -> sp.Matrix:
        return sp.Matrix(rows, cols, lambda a, b: sp.Rational((a * cols + b + offset) % 5 - 2, 3))

    return GLUReadout(entries(P, P, 1), entries(P, 1, 2), entries(q, P, 3), entries(q, 1, 4))


@dataclass(frozen=True)
class NonlinearReference:
    """The authors' non-linear model at concrete sizes (module docstring).

    ``core`` is the one-step construction at dims (P, P) in the reference layout (their layer: its weights through
    ``reference_of``, the GD it claims for the closed form); ``query_embedding`` and ``label_embedding`` say how
    x_q and the y tokens are embedded (None: by phi, as in the code; they differ only in a mutant).
    """

    core: Construction
    embedding: AffineEmbedding
    readout: GLUReadout
    query_embedding: AffineEmbedding | None = None
    label_embedding: AffineEmbedding | None = None

    @property
    def N(self) -> int:
        """Number of context examples."""
        return self.core.N

    @property
    def layer(self) -> ReferenceLayer:
        """The authors' parameters of the core (w_q, Lambda_bar, C, D)."""
        return reference_of(self.core.params, self.core.layout)

    def tokens(self, ctx: Context, conv: Conv) -> list[Mat]:
        """z = (phi(x_1), psi(y_1), ..., phi(x_N), psi(y_N), phi'(x_q)), psi = phi' = phi in the code."""
        label = self.label_embedding or self.embedding
        query = self.query_embedding or self.embedding
        z: list[Mat] = []
        for x, y in zip(ctx.xs[:-1], ctx.ys, strict=True):
            z += [self.embedding(x, conv), label(y, conv)]
        return [*z, query(ctx.xs[-1], conv)]

    def outputs(self, ctx: Context, to_ring: Conv | None = None) -> list[Mat]:
        """o_k = Z_k v_k of the authors' layer on the embedded tokens, k = 1..N."""
        conv = to_ring or (lambda v: v)
        Zs, vs = reference_states(self.layer, self.tokens(ctx, conv), to_ring)
        return [matmul(Z, v) for Z, v in zip(Zs, vs, strict=True)]

    def predictions(self, ctx: Context, to_ring: Conv | None = None) -> list[Mat]:
        """Their forward: yhat_k = -g(o_k), k = 1..N."""
        conv = to_ring or (lambda v: v)
        return [scale(conv(sp.Integer(-1)), self.readout(o, conv)) for o in self.outputs(ctx, to_ring)]

    def feature_context(self, ctx: Context, to_ring: Conv | None = None) -> Context:
        """The data of the linear model the closed form runs GD on: (phi(x_i), phi(y_i)), query phi(x_q)."""
        conv = to_ring or (lambda v: v)
        return Context(xs=tuple(self.embedding(x, conv) for x in ctx.xs),
                       ys=tuple(self.embedding(y, conv) for y in ctx.ys))

    def core_closed_form(self, ctx: Context, to_ring: Conv | None = None) -> list[Mat]:
        """-W^{(k)}_1 phi(x_{k+1}), W^{(k)}_1 one GD step from 0 on (phi(x_i), phi(y_i))_{i<=k} (the GD the core's
        description claims), k = 1..N."""
        conv = to_ring or (lambda v: v)
        gd = self.core.gd_predictions(self.feature_context(ctx, to_ring), to_ring)
        return [scale(conv(sp.Integer(-1)), w) for w in gd]

    def closed_form(self, ctx: Context, to_ring: Conv | None = None) -> list[Mat]:
        """-g(-W^{(k)}_1 phi(x_{k+1})), k = 1..N (module docstring)."""
        conv = to_ring or (lambda v: v)
        return [scale(conv(sp.Integer(-1)), self.readout(o, conv)) for o in self.core_closed_form(ctx, to_ring)]

    def parameters(self) -> tuple[sp.Symbol, ...]:
        """The free symbols of the identity besides the data: eta, the embeddings' entries."""
        maps = [self.embedding, self.query_embedding, self.label_embedding]
        found = {s for e in maps if e is not None for s in e.symbols()}
        found |= {s for s in sp.sympify(self.core.gd.etas[0], strict=True).free_symbols if isinstance(s, sp.Symbol)}
        return tuple(sorted(found, key=str))


def nonlinear_reference(f: int, P: int, N: int, eta: Any = "symbolic", readout: GLUReadout | None = None
                        ) -> NonlinearReference:
    """Their model with a symbolic embedding R^f -> R^P, the analytic core at N and a rational GLU readout."""
    core = one_step(P, P, N, eta, layout="reference")
    return NonlinearReference(core, symbolic_embedding(f, P), readout or rational_readout(P))


GLU_DATA = DataMap(y="phi(y)")
"""Route 1's data map of their model: phi on the x tokens, the query and (shared) the y tokens."""


def glu_features() -> FeatureDescription:
    """Route 1's description of the core on embedded tokens: the one-step construction on features, y tokens
    carrying phi(y), which the closed form's GD reads as its labels (:mod:`gdssm.proofs.theories.features`)."""
    return one_step_features().changed(data=GLU_DATA)


# -- mutants ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class GLUMutant:
    """A wrong model for the claim: the query or label embedding changed, or the core's description; ``apply``
    at concrete sizes (exact, z3, numeric), ``route1`` the same change of :func:`glu_features`."""

    name: str
    description: str
    apply: Callable[[NonlinearReference], NonlinearReference]
    route1: FeatureMutant


def _other_query(model: NonlinearReference) -> NonlinearReference:
    e = model.embedding
    return replace(model, query_embedding=AffineEmbedding(2 * e.w_e, e.b_e))


def _other_labels(model: NonlinearReference) -> NonlinearReference:
    e = model.embedding
    return replace(model, label_embedding=AffineEmbedding(e.w_e, 2 * e.b_e))


def _core(name: str) -> Callable[[NonlinearReference], NonlinearReference]:
    return lambda model: replace(model, core=base_mutant(name).apply(model.core))


GLU_MUTANTS: tuple[GLUMutant, ...] = (
    GLUMutant("wrong-phi-on-query", "x_q embedded by phi' (w_e doubled) != phi", _other_query,
              FeatureMutant("wrong-phi-on-query", "the query slot mapped by phi'", data=DataMap(y="phi(y)",
                                                                                               query="phi'"))),
    GLUMutant("unshared-y-embedding", "the y tokens embedded by psi (b_e doubled) != phi, where the code shares phi",
              _other_labels, FeatureMutant("unshared-y-embedding", "the y tokens carry y, not the phi(y) GD reads",
                                           data=DataMap(y="id"))),
    GLUMutant("missing-1/N", "the core's C = -eta I instead of -(eta/N) I", _core("missing-1/N"),
              FeatureMutant("missing-1/N", "alpha = eta instead of eta/N", data=GLU_DATA, base="missing-1/N")),
)


def glu_mutant(name: str) -> GLUMutant:
    """The GLU mutant called ``name``."""
    for mut in GLU_MUTANTS:
        if mut.name == name:
            return mut
    raise BadInput(f"unknown mutant {name!r} of the non-linear model; known: {', '.join(m.name for m in GLU_MUTANTS)}")


__all__ = ["GLU_DATA", "GLU_MUTANTS", "TAYLOR_GELU", "TAYLOR_SIGMOID", "AffineEmbedding", "GLUMutant", "GLUReadout",
           "NonlinearReference", "Polynomial", "glu_features", "glu_mutant", "nonlinear_reference", "rational_readout",
           "symbolic_embedding"]
