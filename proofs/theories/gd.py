r"""``gd.closed_form``: the closed form of k GD steps, by induction on k.

With ``D = I - alpha G`` and opaque generators ``D^{k}``, ``Z_{k}`` defined by ``D^{0} = I, D^{k+1} = D^{k} D``
and ``Z_{0} = 0, Z_{k+1} = I + Z_{k} D``: the lemmas ``G D^{k} = D^{k} G`` and ``G Z_{k} = Z_{k} G`` (induction),
the left recursions ``D^{k+1} = D D^{k}`` and ``Z_{k+1} = I + D Z_{k}`` (derived), and the closed form
``W_{k} = W_{0} D^{k} + alpha A Z_{k}`` of ``W_{k+1} = W_{k} - alpha (W_{k} G - A)``, proved once from the defining
recursions and once from the left recursions (which needs the commutation lemmas). ``D^{k}`` is a symbol whose
meaning comes only from its definitions, not a power the kernel knows; ``Z_k = sum_{j<k} D^j``.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Symbol

from gdssm.proofs.induction import Derivation, InductionStep, K, Kind, Proof, induction
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis
from gdssm.proofs.theories.common import Builder, Definitions, Theorem, build, f, m
from gdssm.symbolic.description import N, eta

alpha = Symbol("alpha")


def algebra() -> Algebra:
    """A fresh algebra over QQ(N, alpha)."""
    return Algebra([N, alpha])


@dataclass(frozen=True)
class GradientDescent:
    """``D = I - alpha G`` and the index families ``D^{i}``, ``Z_{i}``, ``W_{i}`` with their definitions."""

    alg: Algebra
    G: Element
    A: Element
    D: Element

    def power(self, i: object) -> Element:
        """``D^{i}``, opaque."""
        return self.alg.indexed("D", i, f, f, power=True)

    def partial_sum(self, i: object) -> Element:
        """``Z_{i}``, opaque (meant: ``sum_{j<i} D^j``)."""
        return self.alg.indexed("Z", i, f, f)

    def weights(self, i: object) -> Element:
        """``W_{i}``, opaque (meant: the GD iterate)."""
        return self.alg.indexed("W", i, m, f)

    def base_definitions(self) -> tuple[Hypothesis, ...]:
        """``D^{0} = I``, ``Z_{0} = 0``."""
        return (
            Hypothesis("def D^0 = I", self.power(0), self.alg.identity(f)),
            Hypothesis("def Z_0 = 0", self.partial_sum(0), self.alg.zero(f, f)),
        )

    def definitions(self) -> tuple[Hypothesis, ...]:
        """``D^{k+1} = D^{k} D``, ``Z_{k+1} = I + Z_{k} D`` and the GD step for ``W_{k+1}``."""
        k1 = K + 1
        return (
            Hypothesis("def D^(k+1) = D^k D", self.power(k1), self.power(K) * self.D),
            Hypothesis(
                "def Z_(k+1) = I + Z_k D", self.partial_sum(k1), self.alg.identity(f) + self.partial_sum(K) * self.D
            ),
            self.gd_step(),
        )

    def gd_step(self) -> Hypothesis:
        """``W_{k+1} = W_{k} - alpha (W_{k} G - A)``: one GD step on the aggregated loss."""
        return Hypothesis(
            "def W_(k+1) = W_k - alpha (W_k G - A)",
            self.weights(K + 1),
            self.weights(K) - alpha * (self.weights(K) * self.G - self.A),
        )


def gradient_descent(alg: Algebra) -> GradientDescent:
    """Declare ``G (f x f)`` and ``A (m x f)``; ``D = I - alpha G``."""
    G = alg.generator("G", f, f)
    return GradientDescent(alg, G, alg.generator("A", m, f), alg.identity(f) - alpha * G)


@dataclass(frozen=True)
class GDProofs:
    """The GD lemmas and closed forms, each a full proof record, and the objects they are about."""

    gd: GradientDescent
    power_commutes: Proof
    sum_commutes: Proof
    power_left: Proof
    sum_left: Proof
    closed_form: Proof
    closed_form_left: Proof

    @property
    def records(self) -> tuple[Proof, ...]:
        """The lemmas, then the closed form (the claim's conclusion) last."""
        return (self.power_commutes, self.sum_commutes, self.power_left, self.sum_left, self.closed_form_left,
                self.closed_form)


def gd_proofs(gd: GradientDescent | None = None) -> GDProofs:
    """Prove the GD lemmas and the closed form ``W_k = W_0 D^k + alpha A Z_k`` for all ``k >= 0``
    (in ``gd``'s algebra, or a fresh one)."""
    gd = gd if gd is not None else gradient_descent(algebra())
    defs, base = gd.definitions(), gd.base_definitions()
    power_defs, sum_defs = (defs[0],), (defs[1],)
    power_commutes = induction(
        "gd.power_commutes",
        lambda i: (gd.G * gd.power(i), gd.power(i) * gd.G),
        0,
        InductionStep(definitions=power_defs, base_definitions=base[:1]),
    )
    sum_commutes = induction(
        "gd.sum_commutes",
        lambda i: (gd.G * gd.partial_sum(i), gd.partial_sum(i) * gd.G),
        0,
        InductionStep(definitions=sum_defs, base_definitions=base[1:]),
    )
    power_lemma, sum_lemma = power_commutes.lemma(), sum_commutes.lemma()
    power_left = (
        Derivation("gd.power_left", gd.power(K + 1))
        .step("unfold D^(k+1)", kind=Kind.DEFINITION, using=power_defs)
        .step("G commutes with D^k", gd.D * gd.power(K), kind=Kind.LEMMA, using=[power_lemma])
        .qed()
    )
    sum_left = (
        Derivation("gd.sum_left", gd.partial_sum(K + 1))
        .step("unfold Z_(k+1)", kind=Kind.DEFINITION, using=sum_defs)
        .step("G commutes with Z_k", gd.alg.identity(f) + gd.D * gd.partial_sum(K), kind=Kind.LEMMA, using=[sum_lemma])
        .qed()
    )

    def closed(i: sympy.Expr) -> tuple[Element, Element]:
        return gd.weights(i), gd.weights(0) * gd.power(i) + alpha * gd.A * gd.partial_sum(i)

    closed_form = induction("gd.closed_form", closed, 0, InductionStep(definitions=defs, base_definitions=base))
    closed_form_left = induction(
        "gd.closed_form_left_recursions",
        closed,
        0,
        InductionStep(
            definitions=(gd.gd_step(),),
            base_definitions=base,
            lemmas=(power_left.lemma(), sum_left.lemma(), power_lemma, sum_lemma),
        ),
    )
    return GDProofs(gd, power_commutes, sum_commutes, power_left, sum_left, closed_form, closed_form_left)


def closed_form_theorem() -> Theorem:
    """``gd.closed_form``: the records of :func:`gd_proofs`, the closed form last; its printed symbols
    (``W_k``, ``D^k``, ``Z_k``) are defined by the recursions it unfolds."""

    def body(b: Builder) -> None:
        proofs = gd_proofs()
        gd = proofs.gd
        defs, base = gd.definitions(), gd.base_definitions()
        b.parameter(f"{sympy.latex(alpha)} = {sympy.latex(eta / N)}")
        b.definitions += [Definitions("W", (defs[2],)), Definitions("D", (base[0], defs[0])),
                          Definitions("Z", (base[1], defs[1]))]
        for record in proofs.records:
            b.add(record)

    return build("gd.closed_form", body)
