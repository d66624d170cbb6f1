r"""The GD side at a prefix t: the statistics and iterates of the GD a description claims.

Read from the description's GD fields (``lam``, ``step_eta``, ``decay``, ``W0``), never from its layer parameters:

* ``A_{t+1} = lambda A_t + y_{t+1} x_{t+1}^T``, ``G_{t+1} = lambda G_t + x_{t+1} x_{t+1}^T``, ``A_0 = G_0 = 0``:
  the (discounted) statistics of the prefix loss ``L_t(W) = 1/(2N) sum_{i<=t} lambda^{t-i} ||W x_i - y_i||^2``,
  whose gradient is ``(W G_t - A_t)/N`` (``gd.gradient``);
* ``W^{(t)}_0 = W_0`` (or 0), ``W^{(t)}_{s+1} = rho_s W^{(t)}_s - alpha_s (W^{(t)}_s G_t - A_t)`` with
  ``alpha_s = eta_s / N`` and ``rho_s`` the decay: GD on that loss, so that ``W^{(t)}_k x_{t+1}`` is what k steps
  predict at the prefix t;
* ``D_s = rho_s I - alpha_s G_t``, the matrix of step s (``W^{(t)}_{s+1} = W^{(t)}_s D_s + alpha_s A_t``).
"""

from __future__ import annotations

from typing import Any

import sympy

from gdssm.proofs.normal_form import Element, Hypothesis
from gdssm.proofs.sympy_bridge import to_element
from gdssm.proofs.theories.common import Definitions, N, T, m
from gdssm.proofs.theories.layer import LayerModel
from gdssm.symbolic import description as descriptions


class PrefixGD:
    """Statistics (indexed by the prefix) and GD iterates at the fixed prefix ``t`` of ``model``'s algebra."""

    def __init__(self, model: LayerModel) -> None:
        self.model = model
        self.alg = model.alg
        self.description = model.description
        self.lam = self.alg.coeff(self.description.lam)
        self.f = model.n_in  # f, or the feature dimension p of a feature model
        W0 = self.description.W0
        self.W_start: Element = to_element(W0, self.alg) if W0 is not None else self.alg.zero(m, self.f)
        model.builder.definitions += [
            Definitions("A", (self.stat_base()[0], self.stat_step(T)[0])),
            Definitions("G", (self.stat_base()[1], self.stat_step(T)[1])),
            Definitions("W^{(t)}", (self.gd_base(), self.gd_step(descriptions.s))),
        ]

    def A(self, i: object) -> Element:
        """``A_{i} = sum_{l<=i} lambda^{i-l} y_l x_l^T`` (opaque, m x f)."""
        return self.alg.indexed("A", i, m, self.f)

    def G(self, i: object) -> Element:
        """``G_{i} = sum_{l<=i} lambda^{i-l} x_l x_l^T`` (opaque, f x f; not declared symmetric)."""
        return self.alg.indexed("G", i, self.f, self.f)

    def stat_step(self, t: object) -> tuple[Hypothesis, Hypothesis]:
        """``A_{t+1} = lambda A_t + y_{t+1} x_{t+1}^T`` and ``G_{t+1} = lambda G_t + x_{t+1} x_{t+1}^T``."""
        x, y, t1 = self.model.x, self.model.y, sympy.sympify(t) + 1
        return (Hypothesis("def A_(t+1) = lambda A_t + y_(t+1) x_(t+1)^T", self.A(t1),
                           self.A(t).scale(self.lam) + y(t1) * x(t1).T),
                Hypothesis("def G_(t+1) = lambda G_t + x_(t+1) x_(t+1)^T", self.G(t1),
                           self.G(t).scale(self.lam) + x(t1) * x(t1).T))

    def stat_base(self) -> tuple[Hypothesis, Hypothesis]:
        """``A_0 = 0``, ``G_0 = 0``."""
        return (Hypothesis("def A_0 = 0", self.A(0), self.alg.zero(m, self.f)),
                Hypothesis("def G_0 = 0", self.G(0), self.alg.zero(self.f, self.f)))

    def W(self, s: object) -> Element:
        """``W^{(t)}_{s}``, the GD iterate after s steps on the prefix loss at t (opaque, m x f)."""
        return self.alg.indexed("W^{(t)}", s, m, self.f)

    def alpha(self, s: object) -> Any:
        """``alpha_s = eta_s / N``, as a coefficient."""
        return self.alg.coeff(sympy.sympify(self.description.step_eta(s)) / N)

    def rho(self, s: object) -> Any:
        """``rho_s``, the decay of step s, as a coefficient."""
        return self.alg.coeff(sympy.sympify(self.description.decay(s)))

    def descent(self, s: object) -> Element:
        """``D_s = rho_s I - alpha_s G_t``."""
        return self.alg.identity(self.f).scale(self.rho(s)) - self.G(T).scale(self.alpha(s))

    def gd_step(self, s: object) -> Hypothesis:
        """``W^{(t)}_{s+1} = rho_s W^{(t)}_s - alpha_s (W^{(t)}_s G_t - A_t)``."""
        W, s1 = self.W(s), sympy.sympify(s) + 1
        rhs = W.scale(self.rho(s)) - (W * self.G(T) - self.A(T)).scale(self.alpha(s))
        return Hypothesis(f"def W^(t)_({s1}) = rho_s W_s - alpha_s (W_s G_t - A_t)", self.W(s1), rhs)

    def gd_base(self) -> Hypothesis:
        """``W^{(t)}_0 = W_0`` (0 when the description starts from 0)."""
        return Hypothesis("def W^(t)_0 = W_0", self.W(0), self.W_start)
