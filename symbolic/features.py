r"""Constructions with a feature map: the layer on phi(x) computes k GD steps of the linear model on features.

A feature map ``phi: R^f -> R^p`` is applied to the x tokens before the window: z_{2i-1} = E_x phi(x_i)
(i = 1..N+1, the query included), z_{2i} = E_y y_i, with E_x now H x p. Nothing else changes, so the layer then
runs k GD steps of the implicit model y = W phi(x), W in R^{m x p}, on the prefix loss

    L_t(W) = 1/(2N) sum_{i<=t} ||W phi(x_i) - y_i||^2,

and predicts W_k^{(t)} phi(x_{t+1}) at every prefix t. The descriptions are those of
:mod:`gdssm.symbolic.description` with f replaced by p (:func:`on_features`); the data passes through a
:class:`DataMap` that says which map each window slot's data goes through:

* ``x`` (window slot 1, the context inputs x_t): ``phi``;
* ``y`` (slot 2, the labels y_t): ``id`` (the construction leaves labels alone);
* ``query`` (slot 3, x_{t+1}, the readout's query): ``phi``.

Route 1 (:mod:`gdssm.proofs.theories.features`) reads ``phi`` as an uninterpreted map (``\phi(x)_i`` an opaque
p x 1 column per example); the exact routes use a :class:`PolynomialMap` (any polynomial phi, exact rational or
symbolic coefficients) and compare the layer on the mapped tokens with per-sample GD on the features
(:func:`gdssm.proofs.feature_claims.feature_pair`), and the kernel view with the kernel smoother
alpha sum_i y_i k(x_i, x_{t+1}), k(x, x') = phi(x)^T phi(x') (:func:`~gdssm.proofs.feature_claims.kernel_pair`).

Mutants (:data:`FEATURE_MUTANTS`) change the data map or the description: ``wrong-phi-on-query`` (the query slot
mapped by another map phi'), ``phi-on-y`` (a feature map applied to the labels, where the construction maps only
the x tokens), ``missing-1/N`` (the description's alpha = eta instead of eta/N). At concrete dimensions a window's
query slot is the next example's token, so there ``wrong-phi-on-query`` maps the one token that is only a query,
x_q = x_{N+1}; route 1, at a symbolic prefix t, maps the query slot of every window.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput, ShapeError
from gdssm.symbolic import description as descriptions
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.dense import Mat, add, matmul, scale, transpose
from gdssm.symbolic.description import Description
from gdssm.symbolic.mutants import mutant as base_mutant
from gdssm.symbolic.task import Context

p = sp.Symbol("p", integer=True, positive=True)
"""The feature dimension."""
E_phi = sp.MatrixSymbol("E_x", descriptions.H, p)
"""E_x of a feature construction: it embeds p-dimensional features (H x p)."""

TWO = sp.Integer(2)
MAPS = ("phi", "id", "phi'", "phi(y)")
"""The names a data map may use: the feature map, the identity, another feature map, a feature map on labels."""


@dataclass(frozen=True)
class DataMap:
    """Which map the data of each window slot goes through (module docstring); the correct one is the default."""

    x: str = "phi"
    y: str = "id"
    query: str = "phi"

    def __post_init__(self) -> None:
        for slot in ("x", "y", "query"):
            if getattr(self, slot) not in MAPS:
                raise BadInput(f"unknown map {getattr(self, slot)!r} for the {slot} slot; known: {', '.join(MAPS)}")


CORRECT = DataMap()


def on_features(desc: Description) -> Description:
    """``desc`` with f replaced by p in every field (E_x becomes H x p, W_0 m x p)."""
    def sub(expr: Any) -> Any:
        return expr if expr is None else sp.sympify(expr, strict=True).xreplace({descriptions.f: p})

    changes = {name: sub(getattr(desc, name)) for name in ("V1", "V2", "V3", "Lambda", "C", "F", "R", "W0")}
    return desc.changed(**changes, hypotheses=tuple(desc.hypotheses))


@dataclass(frozen=True)
class FeatureDescription:
    """A construction on features: the base description (on p-dimensional features) and the data map."""

    base: Description
    data: DataMap = CORRECT

    @property
    def name(self) -> str:
        """``features <base>``."""
        return f"features {self.base.name}"

    def changed(self, **changes: Any) -> FeatureDescription:
        """The same with ``base`` or ``data`` replaced (how mutants are made)."""
        return replace(self, **changes)


def one_step_features() -> FeatureDescription:
    """The paper's one-step construction on phi(x)."""
    return FeatureDescription(on_features(descriptions.one_step_description()))


def k_step_features() -> FeatureDescription:
    """Our single-state k-step construction on phi(x)."""
    return FeatureDescription(on_features(descriptions.k_step_description()))


FEATURE_DESCRIPTIONS: dict[str, Callable[[], FeatureDescription]] = {"one-step": one_step_features,
                                                                    "k-step": k_step_features}


# -- concrete feature maps ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PolynomialMap:
    """phi: R^f -> R^p with polynomial components in the inputs ``u_1..u_f`` (rational or symbolic coefficients)."""

    components: tuple[sp.Expr, ...]
    inputs: tuple[sp.Symbol, ...]
    name: str = "phi"
    _polys: tuple[sp.Poly, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.components or not self.inputs:
            raise BadInput("a feature map needs at least one input and one component")
        polys = tuple(sp.Poly(sp.sympify(c, strict=True), *self.inputs) for c in self.components)
        object.__setattr__(self, "_polys", polys)

    @property
    def f(self) -> int:
        """Input dimension."""
        return len(self.inputs)

    @property
    def p(self) -> int:
        """Feature dimension."""
        return len(self.components)

    @property
    def coefficients(self) -> tuple[sp.Expr, ...]:
        """Every coefficient of every component (their symbols are parameters of the identity)."""
        return tuple(c for poly in self._polys for c in poly.coeffs())

    def __call__(self, x: Mat, conv: Callable[[Any], Any] | None = None) -> Mat:
        """phi(x) for an f x 1 column over any ring (``conv`` maps the coefficients into it)."""
        conv = conv or (lambda v: v)
        if len(x) != self.f:
            raise ShapeError(f"{self.name} takes f = {self.f} inputs, got a column of {len(x)}")
        values = [row[0] for row in x]
        out = []
        for poly in self._polys:
            total = conv(sp.Integer(0))
            for monomial, coeff in poly.terms():
                term = conv(coeff)
                for value, power in zip(values, monomial, strict=True):
                    for _ in range(power):
                        term = term * value
                total = total + term
            out.append((total,))
        return tuple(out)

    def changed_last(self, factor: sp.Expr = TWO) -> PolynomialMap:
        """phi' = phi with its last component times ``factor`` (the wrong map of ``wrong-phi-on-query``)."""
        return PolynomialMap((*self.components[:-1], factor * self.components[-1]), self.inputs, self.name + "'")


def polynomial_map(f: int, degree: int = 2, constant: bool = True) -> PolynomialMap:
    """The monomials of u_1..u_f of degree 1..``degree`` (and the constant 1): a polynomial feature map."""
    inputs = tuple(sp.symbols(f"u1:{f + 1}"))
    monomials = sorted(sp.itermonomials(inputs, degree), key=sp.default_sort_key)
    comps = [mono for mono in monomials if mono != 1 or constant]
    return PolynomialMap(tuple(comps), inputs)


# -- the feature construction at concrete dimensions ---------------------------------------------------
@dataclass(frozen=True)
class FeatureConstruction:
    """A construction at dims (p, m) fed phi(x): the layer on mapped tokens against GD on the features."""

    base: Construction
    phi: PolynomialMap
    data: DataMap = CORRECT

    @property
    def f(self) -> int:
        """Raw input dimension."""
        return self.phi.f

    @property
    def p(self) -> int:
        """Feature dimension."""
        return self.phi.p

    @property
    def name(self) -> str:
        """``features <base>``."""
        return f"features {self.base.name}"

    def _map(self, which: str, v: Mat, conv: Callable[[Any], Any] | None) -> Mat:
        if which == "phi":
            return self.phi(v, conv)
        if which == "phi'":
            return self.phi.changed_last()(v, conv)
        if which == "phi(y)":  # a feature map on the labels: phi(y) cut to m components (needs f = m)
            if len(v) != self.f:
                raise ShapeError(f"phi-on-y needs labels of the input size f = {self.f}, got {len(v)}")
            return self.phi(v, conv)[-len(v):]
        return v

    def features(self, ctx: Context, conv: Callable[[Any], Any] | None = None) -> Context:
        """The data of the implicit model: (phi(x_i), y_i), query phi(x_{N+1})."""
        return Context(xs=tuple(self.phi(x, conv) for x in ctx.xs), ys=ctx.ys)

    def layer_data(self, ctx: Context, conv: Callable[[Any], Any] | None = None) -> Context:
        """What the layer's tokens carry under the data map (x_1..x_N, labels, and the query token x_{N+1})."""
        xs = tuple(self._map(self.data.x, x, conv) for x in ctx.xs[:-1])
        query = self._map(self.data.query, ctx.xs[-1], conv)
        return Context(xs=(*xs, query), ys=tuple(self._map(self.data.y, y, conv) for y in ctx.ys))

    def predictions(self, ctx: Context, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
        """The layer's yhat_t, t = 1..N, on the mapped tokens."""
        return self.base.predictions(self.layer_data(ctx, to_ring), to_ring)

    def gd_predictions(self, ctx: Context, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
        """W_k^{(t)} phi(x_{t+1}): per-sample GD on the features."""
        return self.base.gd_predictions(self.features(ctx, to_ring), to_ring)

    def kernel_predictions(self, ctx: Context, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
        """alpha sum_{i<=t} y_i k(x_i, x_{t+1}), k(x, x') = phi(x)^T phi(x') (the kernel smoother; k = 1, W_0 = 0)."""
        conv = to_ring or (lambda v: v)
        alpha = conv(self.base.gd.alphas[0])
        phis = [self.phi(x, to_ring) for x in ctx.xs]
        out: list[Mat] = []
        for t in range(1, ctx.N + 1):
            total: Mat = tuple((conv(sp.Integer(0)),) for _ in range(ctx.m))
            for i in range(t):
                kernel = matmul(transpose(phis[i]), phis[t])[0][0]  # k(x_i, x_{t+1}) = phi(x_i)^T phi(x_{t+1})
                total = add(total, scale(kernel, ctx.ys[i]))
            out.append(scale(alpha, total))
        return out

    def with_data(self, data: DataMap) -> FeatureConstruction:
        """The same construction with another data map (a mutant)."""
        return replace(self, data=data)

    def with_base(self, base: Construction) -> FeatureConstruction:
        """The same data map on another base construction (a description mutant)."""
        return replace(self, base=base)


def feature_one_step(phi: PolynomialMap, m: int, N: int, eta: Any = "symbolic") -> FeatureConstruction:
    """The one-step construction on phi(x) (split layout at dims p, m)."""
    return FeatureConstruction(one_step(phi.p, m, N, eta), phi)


def feature_k_step(phi: PolynomialMap, m: int, N: int, k: int, eta: Any = "symbolic") -> FeatureConstruction:
    """The k-step construction on phi(x) (split layout at dims p, m)."""
    return FeatureConstruction(k_step(phi.p, m, N, k, eta), phi)


# -- mutants ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureMutant:
    """A wrong feature construction: the data map or the base description changed, the claim kept."""

    name: str
    description: str
    data: DataMap | None = None
    base: str | None = None  # a mutant of symbolic.mutants applied to the base description

    def apply(self, fd: FeatureDescription) -> FeatureDescription:
        """The broken feature description (route 1)."""
        if self.data is not None:
            fd = fd.changed(data=self.data)
        if self.base is not None:
            fd = fd.changed(base=base_mutant(self.base).change(fd.base))
        return fd

    def apply_concrete(self, c: FeatureConstruction) -> FeatureConstruction:
        """The broken concrete construction (routes exact, z3, numeric)."""
        if self.data is not None:
            c = c.with_data(self.data)
        if self.base is not None:
            c = c.with_base(base_mutant(self.base).apply(c.base))
        return c


FEATURE_MUTANTS: tuple[FeatureMutant, ...] = (
    FeatureMutant("wrong-phi-on-query", "the readout's query is mapped by phi' != phi", data=DataMap(query="phi'")),
    FeatureMutant("phi-on-y", "a feature map is applied to the labels y where the construction maps only x",
                  data=DataMap(y="phi(y)")),
    FeatureMutant("missing-1/N", "alpha = eta instead of eta/N", base="missing-1/N"),
)


def feature_mutant(name: str) -> FeatureMutant:
    """The feature mutant called ``name``."""
    for mut in FEATURE_MUTANTS:
        if mut.name == name:
            return mut
    raise KeyError(name)


def coefficient_symbols(items: Sequence[Any]) -> set[sp.Symbol]:
    """Free symbols of coefficient expressions."""
    return {s for item in items for s in sp.sympify(item, strict=True).free_symbols if isinstance(s, sp.Symbol)}


__all__ = ["CORRECT", "FEATURE_DESCRIPTIONS", "FEATURE_MUTANTS", "DataMap", "E_phi", "FeatureConstruction",
           "FeatureDescription", "FeatureMutant", "PolynomialMap", "feature_k_step", "feature_mutant",
           "feature_one_step", "k_step_features", "on_features", "one_step_features", "p", "polynomial_map"]
