r"""The k-fold readout at concrete k: the layer's equations expanded term by term (a cross-check of the
induction in :mod:`~.k_steps`, and a benchmark of the normal form).

For each k the k-step description's readout constants are evaluated at that k, the readout vectors
``r_{j+1} = rho_j r_j - beta_j R S r_j`` are formed from the joint state ``S = E_x G_t E_x^T + E_y A_t E_x^T``
(the state theorem's right side), kept in normal form modulo the layout hypotheses (a congruence, so this is
sound) and shared between the values of k; the prediction ``C S sum_j c_j r_j + F q_t`` is compared with
``W^{(t)}_k x_{t+1}``, the GD recursion of the description unrolled k times.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sympy

from gdssm.proofs.induction import K
from gdssm.proofs.normal_form import Algebra, CheckResult, Element, Hypothesis, NormalForm, equal
from gdssm.proofs.theories.common import Builder, H, T, algebra
from gdssm.proofs.theories.layer import LayerModel
from gdssm.proofs.theories.regression import PrefixGD
from gdssm.proofs.theories.ssm import bind, coefficients
from gdssm.proofs.theories.state import target
from gdssm.symbolic import description as descriptions
from gdssm.symbolic import equations as eq


@dataclass(frozen=True)
class KStep:
    """The k-step description's layer in one algebra: the joint state ``state``, the statistics ``G``, ``A``,
    the query ``x = x_{t+1}`` and the layout hypotheses."""

    alg: Algebra
    model: LayerModel
    gd: PrefixGD
    Ex: Element
    Ey: Element
    G: Element
    A: Element
    x: Element
    state: Element
    assumptions: tuple[Hypothesis, ...]


def k_step(**values: object) -> KStep:
    """The k-step description (``lambda = 1, gamma = 0`` unless ``values`` says otherwise, by symbol name)."""
    bound = {descriptions.lam: 1, descriptions.gamma: 0}
    bound.update({getattr(descriptions, name): v for name, v in values.items()})
    desc = bind(descriptions.k_step_description(), bound)
    alg = algebra(coefficients(desc))
    model = LayerModel(desc, alg, Builder("concrete"))
    gd = PrefixGD(model)
    return KStep(alg, model, gd, model.E_x, model.E_y, gd.G(T), gd.A(T), model.x(T + 1), target(model, gd)(T),
                 model.layout)


@dataclass(frozen=True)
class KStepCheck:
    """The readout identity at one ``k``: ``lhs`` (the layer's prediction) ``= rhs`` (``W^{(t)}_k x_{t+1}``)."""

    k: int
    lhs: Element
    rhs: Element
    result: CheckResult


def k_step_checks(ks: Iterable[int], setup: KStep | None = None,
                  assumptions: Sequence[Hypothesis] | None = None) -> list[KStepCheck]:
    """For each k in ``ks``: the layer's k-term readout equals k GD steps (module docstring)."""
    s = setup if setup is not None else k_step()
    model, gd, alg = s.model, s.gd, s.alg
    nf = NormalForm(alg, s.assumptions if assumptions is None else assumptions)
    desc = model.description
    C, F, R = (nf(model.matrix(name)) for name in ("C", "F", "R"))
    q = model.query(T)
    uniform = all(K not in sympy.sympify(getattr(desc, name)(descriptions.j)).free_symbols
                  for name in ("rho", "beta", "c"))
    shared: list[Element] = [q]  # r_0, r_1, ... when the constants do not depend on k
    results = []
    for k in sorted(set(ks)):
        def at(name: str, j: int, k: int = k) -> object:
            return alg.coeff(sympy.sympify(getattr(desc, name)(j)).subs(K, k))

        r, P = q, alg.zero(H, 1)
        for j in range(k):
            P = eq.readout_sum(P, at("c", j), r, model.ar)
            if j < k - 1:
                if uniform and j + 1 < len(shared):
                    r = shared[j + 1]
                    continue
                r = nf(eq.readout_vector(at("rho", j), at("beta", j), R, s.state, r, model.ar))
                if uniform:
                    shared.append(r)
        lhs = nf(eq.prediction(C, s.state, P, F, q, model.ar))
        W = gd.W_start
        for step in range(k):
            rho = alg.coeff(sympy.sympify(desc.decay(step)).subs(K, k))
            alpha = alg.coeff(sympy.sympify(desc.step_eta(step)).subs(K, k) / descriptions.N)
            W = W.scale(rho) - (W * s.G - s.A).scale(alpha)
        rhs = W * s.x
        results.append(KStepCheck(k, lhs, rhs, equal(lhs, rhs, nf)))
    return results
