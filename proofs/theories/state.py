r"""The state holds the gradient statistics: ``S_t = (what the construction means to store)``, by induction on t.

The layer's definitions ``S_0 = 0``, ``S_{t+1} = Lambda (.) S_t + M_{t+1}`` (:class:`~.layer.LayerModel`, with the
description's Q, V_a and Lambda) against the GD statistics' ``A_{t+1} = lambda A_t + y_{t+1} x_{t+1}^T``,
``G_{t+1} = lambda G_t + x_{t+1} x_{t+1}^T`` (:class:`~.regression.PrefixGD`, with the description's discount).
What the state should hold is the theorem, not a parameter: the one-step construction stores the gradient at
``W_0`` up to ``1/N``, ``E_y (A_t - W_0 G_t) E_x^T`` (``E_y A_t E_x^T`` from ``W_0 = 0``), the k-step construction
both statistics, ``E_x G_t E_x^T + E_y A_t E_x^T`` (from ``W_0``: ``E_x G_t E_x^T + E_y (A_t - W_0 G_t) E_x^T``).
"""

from __future__ import annotations

from collections.abc import Callable

import sympy

from gdssm.core.errors import BadInput
from gdssm.proofs.induction import InductionStep, Proof, induction
from gdssm.proofs.normal_form import Element
from gdssm.proofs.sympy_bridge import to_element
from gdssm.proofs.theories.common import T
from gdssm.proofs.theories.layer import LayerModel
from gdssm.proofs.theories.regression import PrefixGD


def target(model: LayerModel, gd: PrefixGD) -> Callable[[sympy.Expr], Element]:
    """What the state of the description's construction should be at prefix i (module docstring)."""
    desc, Ex, Ey = model.description, model.E_x, model.E_y
    if desc.name == "one-step":
        if desc.W0 is None:
            return lambda i: Ey * gd.A(i) * Ex.T
        W0 = to_element(desc.W0, model.alg)
        return lambda i: Ey * (gd.A(i) - W0 * gd.G(i)) * Ex.T
    if desc.name == "k-step":
        if desc.W0 is None:
            return lambda i: Ex * gd.G(i) * Ex.T + Ey * gd.A(i) * Ex.T
        W0k = to_element(desc.W0, model.alg)
        return lambda i: Ex * gd.G(i) * Ex.T + Ey * (gd.A(i) - W0k * gd.G(i)) * Ex.T
    raise BadInput(f"route 1 knows no state theorem for the construction {desc.name!r}")


def state_proof(model: LayerModel, gd: PrefixGD, name: str) -> Proof:
    """``S_t = target(t)`` for all ``t >= 0`` (induction on t)."""
    step, base = model.state_definitions(T)
    stats_step, stats_base = gd.stat_step(T), gd.stat_base()
    return induction(
        name,
        lambda i: (model.S(i), target(model, gd)(i)),
        0,
        InductionStep(definitions=(step, *stats_step), base_definitions=(base, *stats_base),
                      assumptions=model.layout),
        index=T,
    )
