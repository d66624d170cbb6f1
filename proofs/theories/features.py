r"""Route 1 for constructions with a feature map: the SSM theorems about the layer fed phi(x_i), for any phi.

The feature map only renames the data: the x tokens carry ``\phi(x)_i = phi(x_i)``, an opaque p x 1 column per
example (phi is an uninterpreted map: nothing about it is known or used), embedded by E_x (H x p). The theorem is
the SSM theorem of :mod:`~.ssm` -- the same records (state by induction on t, the readout unrolled or by the
inductions on j and k), built by :func:`~.ssm.ssm_theorem` -- run on :class:`FeatureLayerModel`, whose tokens are
formed from the description's :class:`~gdssm.symbolic.features.DataMap` and whose GD side
(:class:`~.regression.PrefixGD`) is GD of the linear model on the features:
``A_{t+1} = A_t + y_{t+1} \phi(x)_{t+1}^T``, ``G_{t+1} = G_t + \phi(x)_{t+1} \phi(x)_{t+1}^T``, W in R^{m x p}.
Every step is checked again by the kernel in this algebra: it is an instance, not a restatement. A data map that
puts another map on the query slot (``\phi'(x)``) or a map on the labels (``\phi(y)``) makes the tokens differ
from what GD on the features reads, and the records fail.

``kernel.one_step`` adds to the one-step feature theorem the kernel view: with
``\kappa_0 = 0``, ``\kappa_{n+1} = \kappa_n + y_{n+1} \phi(x)_{n+1}^T \phi(x)_{t+1}`` (the sum over the prefix of
``y_i k(x_i, x_{t+1})``, k(x, x') = phi(x)^T phi(x')), ``A_n \phi(x)_{t+1} = \kappa_n`` by induction on n, and
``\hat{y}_t = \frac{\eta}{N} \kappa_t``: one GD step from 0 on features is kernel regression scaled by alpha.

``ref.nonlinear_glu`` (the authors' non-linear model, :mod:`gdssm.symbolic.reference_glu`) runs the one-step
feature theorem on :class:`EmbeddedLabelsModel`, whose y tokens carry ``\phi(y)_i`` and whose GD reads them as
its labels (the code's embedding is shared by x and y): ``\hat{y}_t = W^{(t)}_1 \phi(x)_{t+1}`` with
``A_{t+1} = A_t + \phi(y)_{t+1} \phi(x)_{t+1}^T``; then, with ``ref.param_map`` (their output is minus ours,
E_x = E_y = I), ``o^{ref}_t = -W^{(t)}_1 \phi(x)_{t+1}``, the argument of their readout g: the prediction
``-g(o^{ref}_t)`` is ``-g(-W^{(t)}_1 \phi(x)_{t+1})`` for every g (congruence; g is never unfolded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sympy

from gdssm.proofs.induction import Derivation, InductionStep, K, Kind, induction, instance
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis
from gdssm.proofs.sympy_bridge import latex
from gdssm.proofs.theories.common import Builder, Definitions, T, Theorem, algebra, build, m
from gdssm.proofs.theories.layer import LayerModel
from gdssm.proofs.theories.one_step import finite_readout_proof
from gdssm.proofs.theories.regression import PrefixGD
from gdssm.proofs.theories.ssm import bind, coefficients, ssm_theorem
from gdssm.proofs.theories.state import state_proof
from gdssm.symbolic import description as descriptions
from gdssm.symbolic import equations as eq
from gdssm.symbolic import features as feat
from gdssm.symbolic.description import Description
from gdssm.symbolic.features import FeatureDescription
from gdssm.symbolic.reference_glu import glu_features

n_ = sympy.Symbol("n", integer=True, nonnegative=True)
"""The prefix of the kernel sum (its induction index)."""
STEMS = {"phi": r"\phi(x)", "phi'": r"\phi'(x)", "phi(y)": r"\phi(y)"}


class FeatureLayerModel(LayerModel):
    """The layer on mapped data: tokens from the data map, GD data ``(\\phi(x)_i, y_i)``."""

    embedding_x = feat.E_phi

    def __init__(self, fdesc: FeatureDescription, alg: Algebra, builder: Builder) -> None:
        super().__init__(fdesc.base, alg, builder)
        self.data = fdesc.data
        i = sympy.Symbol("i", integer=True, positive=True)
        builder.parameter(rf"z_{{2 i - 1}} = {latex(self.E_x * self.slot(self.data.x, i))}")
        builder.parameter(rf"z_{{2 i}} = {latex(self.E_y * self.slot(self.data.y, i))}")
        if self.data.query != self.data.x:
            builder.parameter(rf"u_{{t,3}} = {latex(self.E_x * self.slot(self.data.query, T + 1))}")
        builder.parameter(rf"{latex(self.x(i))} = \phi(x_{{i}}) \in \mathbb{{R}}^{{{sympy.latex(feat.p)}}},"
                          r" \ \phi \text{ any map}")

    def x(self, i: object) -> Element:
        """``\\phi(x)_{i}`` (p x 1): the features of example i (the query's at i = N+1), what GD on features reads."""
        return self.alg.indexed(STEMS["phi"], i, feat.p, 1)

    def slot(self, which: str, i: object) -> Element:
        """The data a token carries under the map ``which``."""
        if which == "id":
            return self.raw_y(i)
        if which == "phi(y)":
            return self.alg.indexed(STEMS["phi(y)"], i, m, 1)
        return self.alg.indexed(STEMS[which], i, feat.p, 1)

    def raw_y(self, i: object) -> Element:
        """``y_{i}`` (m x 1)."""
        return LayerModel.y(self, i)

    def y(self, i: object) -> Element:
        """The labels GD reads: ``y_{i}``."""
        return self.raw_y(i)

    def token(self, n: object) -> Element:
        """``z_n`` (:func:`equations.token`) with the data map's x and y maps."""
        return eq.token(n, self.E_x, self.E_y, lambda i: self.slot(self.data.x, i),
                        lambda i: self.slot(self.data.y, i), self.ar)

    def window(self, t: object) -> tuple[Element, Element, Element]:
        """``U_t`` (:func:`equations.window`); a query map other than the x map replaces slot 3."""
        u1, u2, u3 = eq.window(self.token, sympy.sympify(t))
        if self.data.query == self.data.x:
            return u1, u2, u3
        return u1, u2, self.E_x * self.slot(self.data.query, sympy.sympify(t) + 1)


class EmbeddedLabelsModel(FeatureLayerModel):
    """The feature model whose GD labels are the embedded labels ``\\phi(y)_i`` (the authors' shared embedding)."""

    def y(self, i: object) -> Element:
        """The labels GD reads: ``\\phi(y)_{i}``."""
        return self.slot("phi(y)", i)


def model_of(fdesc: FeatureDescription) -> Callable[[Description, Algebra, Builder], LayerModel]:
    """The layer-model factory :func:`~.ssm.ssm_theorem` uses: the feature model with ``fdesc``'s data map."""
    return lambda desc, alg, b: FeatureLayerModel(fdesc.changed(base=desc), alg, b)


def feature_theorem(claim: str, fdesc: FeatureDescription, steps: sympy.Expr) -> Theorem:
    """The SSM theorem of ``fdesc``'s base description on phi(x): its layer computes ``steps`` GD steps on features."""
    return ssm_theorem(claim, fdesc.base, steps, f"{claim}.state", model_of=model_of(fdesc))


def one_step_on_features(b: Builder, claim: str, model_class: Any, fdesc: FeatureDescription
                         ) -> tuple[Any, PrefixGD, Any]:
    """The layer model of ``fdesc`` (``model_class``), its prefix GD, and the proved one-step readout on features
    y_hat_t = W_1^(t) phi(x_(t+1)) (through the state lemma S_t = E_y A_t E_x^T on phi(x)), as stages of ``b``."""
    with b.stage(f"reading the description {fdesc.base.name!r}"):
        model = model_class(fdesc, algebra(coefficients(fdesc.base)), b)
        gd = PrefixGD(model)
    with b.stage(f"{claim}.state"):
        state = b.add(state_proof(model, gd, f"{claim}.state"))  # S_t = E_y A_t E_x^T
    with b.stage(f"{claim}.features"):
        readout = b.add(finite_readout_proof(model, gd, state, "ssm.features_one_step", 1))  # y_hat_t = W_1 phi
    return model, gd, readout


def kernel_theorem(claim: str, fdesc: FeatureDescription) -> Theorem:
    """The one-step feature theorem and the kernel view (module docstring), in one algebra."""

    def body(b: Builder) -> None:
        model, gd, readout = one_step_on_features(b, claim, FeatureLayerModel, fdesc)
        phi_q = model.x(T + 1)

        def kappa(i: object) -> Element:
            return model.alg.indexed(r"\kappa", i, m, 1)

        k_step = Hypothesis("def kappa_(n+1) = kappa_n + y_(n+1) k(x_(n+1), x_(t+1))", kappa(n_ + 1),
                            kappa(n_) + model.y(n_ + 1) * (model.x(n_ + 1).T * phi_q))
        k_base = Hypothesis("def kappa_0 = 0", kappa(0), model.alg.zero(m, 1))
        b.definitions.append(Definitions(r"\kappa", (k_base, k_step)))
        b.parameter(rf"k(x_{{i}}, x_{{t+1}}) = {latex(model.x(sympy.Symbol('i')).T * phi_q)}")
        with b.stage(f"{claim}.sum"):
            sums = b.add(induction(
                f"{claim}.sum", lambda i: (gd.A(i) * phi_q, kappa(i)), 0,
                InductionStep(definitions=(gd.stat_step(n_)[0], k_step), base_definitions=(gd.stat_base()[0], k_base)),
                index=n_))
        with b.stage(claim):
            b.add(
                Derivation(claim, model.yhat(T))
                .step("one GD step on the features", gd.W(1) * phi_q, kind=Kind.LEMMA, using=[readout.lemma()])
                .step("one GD step from 0", kind=Kind.DEFINITION, using=[gd.gd_base(), gd.gd_step(0)])
                .step("the kernel sum at n = t", kappa(T).scale(gd.alpha(0)), kind=Kind.LEMMA,
                      using=[instance(sums, T)])
                .qed()
            )

    return build(claim, body)


GLU_READOUT = (r"\hat{y}^{\mathrm{glu}}_{t} = -g(o^{\mathrm{ref}}_{t}), \ g(o) = W_3 (o \odot \sigma(W_2 \,"
               r"\mathrm{GELU}(o) + b_2)) + b_3 \ (\text{route 1: any } g)")
"""The authors' readout and sign (paper-facts §5.8), the definition the statement's o^ref is read through."""


def glu_theorem(claim: str, fdesc: FeatureDescription) -> Theorem:
    """What the authors' non-linear model computes (module docstring): the argument of their readout."""

    def body(b: Builder) -> None:
        model, gd, readout = one_step_on_features(b, claim, EmbeddedLabelsModel, fdesc)
        o_ref = model.alg.indexed(r"o^{\mathrm{ref}}", T, m, 1)
        b.parameter(r"E_x = E_y = I, \ H = p \ (\text{the authors' layout; } \phi(u) = w_e u + b_e"
                    r" \text{ shared by the x and y tokens, route 1: any } \phi)")
        b.parameter(GLU_READOUT)
        param_map = Hypothesis("ref.param_map", o_ref, -model.yhat(T))
        with b.stage(claim):
            b.add(
                Derivation(claim, o_ref)
                .step("the authors' output is minus ours", -model.yhat(T), kind=Kind.LEMMA, using=[param_map])
                .step("one GD step on the features, labels phi(y)", -(gd.W(1) * model.x(T + 1)), kind=Kind.LEMMA,
                      using=[readout.lemma()])
                .qed()
            )

    return build(claim, body)


@dataclass(frozen=True)
class FeatureClaim:
    """Which feature description a claim proves, how many GD steps (1 or every k), its bindings, and which
    theorem (``kind``: ``gd``, ``kernel`` the kernel view, ``glu`` the authors' non-linear model)."""

    claim: str
    make: Callable[[], FeatureDescription]
    steps: sympy.Expr
    values: dict[sympy.Basic, Any] = field(default_factory=dict)
    kind: str = "gd"

    def description(self) -> FeatureDescription:
        """The description with this claim's bindings."""
        fd = self.make()
        return fd.changed(base=bind(fd.base, self.values))

    def theorem(self, fdesc: FeatureDescription | None = None) -> Theorem:
        """The theorem about the (bound) description, or about ``fdesc`` (a mutant)."""
        fd = fdesc if fdesc is not None else self.description()
        if self.kind == "kernel":
            return kernel_theorem(self.claim, fd)
        if self.kind == "glu":
            return glu_theorem(self.claim, fd)
        return feature_theorem(self.claim, fd, self.steps)


lam, gamma = descriptions.lam, descriptions.gamma
FEATURE_THEOREMS: dict[str, FeatureClaim] = {c.claim: c for c in (
    FeatureClaim("ssm.features_one_step", feat.one_step_features, sympy.Integer(1), {lam: 1}),
    FeatureClaim("ssm.features_k_step", feat.k_step_features, K, {lam: 1, gamma: 0}),
    FeatureClaim("kernel.one_step", feat.one_step_features, sympy.Integer(1), {lam: 1}, kind="kernel"),
    FeatureClaim("ref.nonlinear_glu", glu_features, sympy.Integer(1), {lam: 1}, kind="glu"),
)}
"""The feature claims route 1 proves (for every phi, all dimensions f, p, m, H, N, all t and, for k steps, all k)."""


def theorem(claim: str) -> Theorem:
    """The route-1 theorem of a feature claim."""
    return FEATURE_THEOREMS[claim].theorem()


def refutes(fdesc: FeatureDescription, claim: str) -> bool:
    """Whether route 1 refuses ``fdesc`` (a mutant) for ``claim``."""
    chosen = FEATURE_THEOREMS[claim]
    return not chosen.theorem(fdesc.changed(base=bind(fdesc.base, chosen.values))).ok
