r"""The k-fold readout equals k GD steps, for every k: inductions on the readout index j and on k.

At the prefix t, with the joint state ``S_t = E_x G_t E_x^T + E_y A_t E_x^T`` (the state lemma at t), the layer's
readout (``r_0 = q_t``, ``r_{j+1} = rho_j r_j - beta_j R S_t r_j``, ``P_{j+1} = P_j + c_j r_j``, constants the
description's functions of j) is compared with the GD of the description (steps ``alpha_s = eta_s / N``, decays
``rho_s``, :class:`~.regression.PrefixGD`) through the GD products and sums *ending* at step n - 1:

    B_{(n,0)} = I,  B_{(n,j+1)} = D_{n-1-j} B_{(n,j)}          (B_{(n,j)} = D_{n-j} ... D_{n-1})
    Z_{(n,0)} = 0,  Z_{(n,j+1)} = Z_{(n,j)} + alpha_{n-1-j} B_{(n,j)}

(``D_s = rho_s I - alpha_s G_t``; two-index opaque families, their definitions stated for all n, j). Records:

1. ``r_j = E_x B_{(k,j)} x_{t+1}``                 (induction on j: the readout vectors; uses the state lemma)
2. ``P_j = E_x Z_{(k,j)} x_{t+1}``                 (induction on j: the readout sums; uses 1)
3. ``B_{(k+1,j+1)} = B_{(k,j)} D_k``               (induction on j: one more step at the end)
4. ``Z_{(k+1,j+1)} = Z_{(k,j)} D_k + alpha_k I``   (induction on j; uses 3)
5. ``W^{(t)}_k = A_t Z_{(k,k)}``                   (induction on k: GD from 0; uses 4 at j := k)
6. ``yhat_t = W^{(t)}_k x_{t+1}``                  (the layer's prediction, 2 at j := n, the state, the layout, 5)

From ``W_0`` (the value map ``V_1 = I - E_y W_0 E_x^T`` and the feedthrough ``F = W_0 E_x^T``; the state holds
``A_t - W_0 G_t`` in place of ``A_t``), record 5 is ``W^{(t)}_k = W_0 B_{(k,k)} + A_t Z_{(k,k)}`` (uses 3 and 4 at
j := k), and record 6 also uses

7. ``B_{(k,j)} = I - G_t Z_{(k,j)}``                (induction on j; it needs rho_s = 1: decay would pull towards 0)

so that ``(A_t - W_0 G_t) Z x + W_0 x = W_0 B x + A_t Z x``.

Record 6 reads the readout at ``n``, the description's number of terms; it is ``k``, and any other ``n`` fails.
With constant steps (``alpha_s = eta/N``, ``rho_s = 1 - eta gamma``) the same records prove the k-step claim; with
``eta_s`` indexed they prove it for every sequence of step sizes. Nothing is assumed about ``G_t`` (no symmetry).
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy
from sympy import Tuple

from gdssm.proofs.induction import Derivation, Fact, InductionStep, K, Kind, Proof, induction, instance
from gdssm.proofs.normal_form import Element, Hypothesis
from gdssm.proofs.theories.common import Builder, J, T
from gdssm.proofs.theories.layer import LayerModel
from gdssm.proofs.theories.regression import PrefixGD


@dataclass(frozen=True)
class Backward:
    """The families ``B_{(n,j)}``, ``Z_{(n,j)}`` and their definition schemas."""

    gd: PrefixGD

    def B(self, n: object, j: object) -> Element:
        """``B_{(n,j)} = D_{n-j} ... D_{n-1}`` (opaque, f x f)."""
        return self.gd.alg.indexed("B", Tuple(n, j), self.gd.f, self.gd.f)

    def Z(self, n: object, j: object) -> Element:
        """``Z_{(n,j)} = sum_{i<j} alpha_{n-1-i} B_{(n,i)}`` (opaque, f x f)."""
        return self.gd.alg.indexed("Z", Tuple(n, j), self.gd.f, self.gd.f)

    def B_step(self, n: object, j: object) -> Hypothesis:
        """``B_{(n,j+1)} = D_{n-1-j} B_{(n,j)}``."""
        n_, j_ = sympy.sympify(n), sympy.sympify(j)
        return Hypothesis(f"def B_({n_}, {j_ + 1}) = D_({n_ - 1 - j_}) B_({n_}, {j_})", self.B(n_, j_ + 1),
                          self.gd.descent(n_ - 1 - j_) * self.B(n_, j_))

    def B_base(self, n: object) -> Hypothesis:
        """``B_{(n,0)} = I``."""
        return Hypothesis(f"def B_({n}, 0) = I", self.B(n, 0), self.gd.alg.identity(self.gd.f))

    def Z_step(self, n: object, j: object) -> Hypothesis:
        """``Z_{(n,j+1)} = Z_{(n,j)} + alpha_{n-1-j} B_{(n,j)}``."""
        n_, j_ = sympy.sympify(n), sympy.sympify(j)
        return Hypothesis(f"def Z_({n_}, {j_ + 1}) = Z_({n_}, {j_}) + alpha_({n_ - 1 - j_}) B_({n_}, {j_})",
                          self.Z(n_, j_ + 1), self.Z(n_, j_) + self.B(n_, j_).scale(self.gd.alpha(n_ - 1 - j_)))

    def Z_base(self, n: object) -> Hypothesis:
        """``Z_{(n,0)} = 0``."""
        return Hypothesis(f"def Z_({n}, 0) = 0", self.Z(n, 0), self.gd.alg.zero(self.gd.f, self.gd.f))


def k_fold_records(model: LayerModel, gd: PrefixGD, state: Proof, name: str, b: Builder) -> None:
    """Records 1-6 of the module docstring, added to ``b`` (which stops at the first that fails)."""
    back = Backward(gd)
    x1 = model.x(T + 1)
    state_at_t = instance(state, T)
    r0, P0 = model.readout_base(T)
    with b.stage(f"{name}.vectors"):
        vectors = b.add(induction(
            f"{name}.vectors", lambda i: (model.r(i), model.E_x * back.B(K, i) * x1), 0,
            InductionStep(definitions=(model.vector_definition(T, J), back.B_step(K, J)),
                          base_definitions=(r0, back.B_base(K)), lemmas=(state_at_t,), assumptions=model.layout),
            index=J))
    with b.stage(f"{name}.sums"):
        sums = b.add(induction(
            f"{name}.sums", lambda i: (model.P(i), model.E_x * back.Z(K, i) * x1), 0,
            InductionStep(definitions=(model.sum_definition(J), back.Z_step(K, J)),
                          base_definitions=(P0, back.Z_base(K)), lemmas=(vectors.lemma(),)),
            index=J))
    with b.stage(f"{name}.one_more_step"):
        shift_B = b.add(induction(
            f"{name}.one_more_step", lambda i: (back.B(K + 1, i + 1), back.B(K, i) * gd.descent(K)), 0,
            InductionStep(definitions=(back.B_step(K + 1, J + 1), back.B_step(K, J)),
                          base_definitions=(back.B_step(K + 1, 0), back.B_base(K + 1), back.B_base(K))),
            index=J))
    with b.stage(f"{name}.one_more_sum"):
        shift_Z = b.add(induction(
            f"{name}.one_more_sum",
            lambda i: (back.Z(K + 1, i + 1),
                       back.Z(K, i) * gd.descent(K) + gd.alg.identity(gd.f).scale(gd.alpha(K))), 0,
            InductionStep(definitions=(back.Z_step(K + 1, J + 1), back.Z_step(K, J)),
                          base_definitions=(back.Z_step(K + 1, 0), back.Z_base(K + 1), back.B_base(K + 1),
                                            back.Z_base(K)),
                          lemmas=(shift_B.lemma(),)),
            index=J))
    start = gd.W_start if model.description.W0 is not None else None  # W_0 (None: GD from 0)
    with b.stage(f"{name}.gd"):
        if start is None:
            steps = b.add(induction(
                f"{name}.gd", lambda i: (gd.W(i), gd.A(T) * back.Z(i, i)), 0,
                InductionStep(definitions=(gd.gd_step(K),), base_definitions=(gd.gd_base(), back.Z_base(0)),
                              lemmas=(instance(shift_Z, K),)),
                index=K))
        else:  # W_k = W_0 B_(k,k) + A_t Z_(k,k)
            steps = b.add(induction(
                f"{name}.gd", lambda i: (gd.W(i), start * back.B(i, i) + gd.A(T) * back.Z(i, i)), 0,
                InductionStep(definitions=(gd.gd_step(K),),
                              base_definitions=(gd.gd_base(), back.B_base(0), back.Z_base(0)),
                              lemmas=(instance(shift_B, K), instance(shift_Z, K))),
                index=K))
    extra: list[Fact] = []
    if start is not None:
        with b.stage(f"{name}.backward"):
            backward = b.add(induction(  # B_(k,j) = I - G_t Z_(k,j)
                f"{name}.backward",
                lambda i: (back.B(K, i), gd.alg.identity(gd.f) - gd.G(T) * back.Z(K, i)), 0,
                InductionStep(definitions=(back.B_step(K, J), back.Z_step(K, J)),
                              base_definitions=(back.B_base(K), back.Z_base(K))),
                index=J))
            extra.append(instance(backward, K))
    terms = model.terms()
    with b.stage(f"{name}: the readout sum at j = {terms}"):
        sum_at_n = instance(sums, terms)
    prediction = model.prediction_definition(T)
    with b.stage(name):
        b.add(
            Derivation(name, model.yhat(T), assumptions=model.layout)
            .step("the layer's prediction", prediction.rhs, kind=Kind.DEFINITION, using=[prediction])
            .step(f"the readout sum P_{terms}", kind=Kind.LEMMA, using=[sum_at_n])
            .step("the state at t", kind=Kind.LEMMA, using=[state_at_t])
            .step("the layout", using=model.layout)
            .step("k GD steps from 0" if start is None else "k GD steps from W_0 (and B = I - G Z)", gd.W(K) * x1,
                  kind=Kind.LEMMA, using=[steps.lemma(), *extra])
            .qed()
        )
