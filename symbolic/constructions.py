"""Derivations: the analytic GD-SSM parameters for one and k GD steps, at any concrete dimensions.

Every construction is one description -- :class:`Construction` -- holding the layer parameters
(:class:`symbolic.layer.LayerParams`) and the GD it claims to implement (:class:`symbolic.gd.GDSpec`).
SymPy, torch (``numeric``), the proofs and the LaTeX report all read the parameters from here.

``one-step`` (the paper's construction, DESIGN §1.2): Q = e_2 e_1^T, Lambda = lam 1, d = e_3,
C = alpha E_y^T, so S_t = E_y A_t E_x^T and yhat_t = alpha A_t x_{t+1} = W_1^{(t)} x_{t+1}.
With W_0 != 0 the value map V_1 = -E_y W_0 E_x^T and Q_11 = 1 make M_t = E_y (y_t - W_0 x_t) x_t^T E_x^T, and
the feedthrough F = W_0 E_x^T adds W_0 x_{t+1}: yhat_t = (W_0 + alpha (A_t - W_0 G_t)) x_{t+1}.

``k-step`` (ours, split layout): Q = (e_1 + e_2) e_1^T gives S_t = E_x G_t E_x^T + E_y A_t E_x^T. With
R = E_x E_x^T, C = E_y^T and, for GD steps s = 0..k-1 with alpha_s and rho_s = 1 - eta_s gamma,
readout constants c_j = alpha_{k-1-j}, beta_j = alpha_{k-1-j}, rho_j = rho_{k-1-j}, the k-fold readout
gives r_j = prod_{s=k-j}^{k-1} (rho_s I - alpha_s G_t) x_{t+1} (embedded) and
yhat_t = A_t sum_s alpha_s prod_{i>s} (rho_i I - alpha_i G_t) x_{t+1} = W_k^{(t)} x_{t+1}.
Lambda = lam 1 turns A_t, G_t into discounted statistics: GD on the discounted loss.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput, ShapeError
from gdssm.core.validation import require_dim, require_steps
from gdssm.symbolic import description as symbols
from gdssm.symbolic.dense import Mat
from gdssm.symbolic.description import Description, k_step_description, one_step_description
from gdssm.symbolic.gd import GDSpec, gd_predictions
from gdssm.symbolic.layer import LayerParams, layer_predictions
from gdssm.symbolic.layouts import Layout, make_layout
from gdssm.symbolic.task import Context

CONSTRUCTIONS = ("one-step", "k-step", "reference-two-step")
ETA = sp.Symbol("eta", positive=True)

PARAMETER_ROLES = {
    "Q": "3x3 window mixing: M_t = sum_ab Q_ab (V_a u_{t,a}) u_{t,b}^T",
    "Lambda": "HxH elementwise decay of the state: S_t = Lambda (.) S_{t-1} + M_t",
    "d": "3-vector of window weights of the readout query q_t = U_t d",
    "C": "m x H readout: yhat_t = C S_t sum_j c_j r_j + F q_t",
    "F": "m x H feedthrough (W_0 E_x^T; zero when W_0 = 0)",
    "V1": "HxH value map of window slot 1 (x_t); identity unless W_0 != 0",
    "V2": "HxH value map of window slot 2 (y_t)",
    "V3": "HxH value map of window slot 3 (x_{t+1})",
    "R": "HxH readout projection of the k-fold readout: r_{j+1} = rho_j r_j - beta_j R S_t r_j",
}


@dataclass(frozen=True)
class Construction:
    """Analytic layer parameters together with the GD they implement."""

    name: str
    layout: Layout
    N: int
    params: LayerParams
    gd: GDSpec
    claims: tuple[str, ...]
    description: Description | None = None
    binding: dict[sp.Basic, Any] | None = None

    @property
    def f(self) -> int:
        """Input dimension f."""
        return self.layout.f

    @property
    def m(self) -> int:
        """Output dimension m."""
        return self.layout.m

    @property
    def H(self) -> int:
        """Token width H."""
        return self.layout.H

    @property
    def steps(self) -> int:
        """k."""
        return self.gd.steps

    def predictions(self, ctx: Context, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
        """The layer's yhat_t, t = 1..N."""
        return layer_predictions(self.params, ctx, self.layout.E_x, self.layout.E_y, to_ring)

    def gd_predictions(self, ctx: Context, to_ring: Callable[[Any], Any] | None = None) -> list[Mat]:
        """W_k^{(t)} x_{t+1}, t = 1..N, by per-sample GD."""
        return gd_predictions(self.gd, ctx, to_ring)

    def with_params(self, params: LayerParams) -> Construction:
        """The same claim about other concrete parameters (a user's edit); no description describes them."""
        return Construction(self.name, self.layout, self.N, params, self.gd, self.claims)

    def with_description(self, description: Description) -> Construction:
        """The same claim about another description (a mutant), instantiated at this construction's values."""
        if self.description is None:
            raise BadInput(f"construction {self.name!r} has no description to change (it was read from a file)")
        params = description.instantiate(self.layout.E_x, self.layout.E_y, self.N, self.steps, self.binding)
        return replace(self, params=params, description=description)


def parse_eta(text: str | int | sp.Expr) -> sp.Expr:
    """eta from a number, a fraction ("3/10", "0.25") or the word ``symbolic``; positive and finite."""
    if isinstance(text, str) and text.strip() == "symbolic":
        return ETA
    try:
        value = sp.Rational(str(text).strip()) if not isinstance(text, sp.Expr) else text
    except (TypeError, ValueError, SyntaxError):
        raise BadInput(f"step size eta must be a number, a fraction or 'symbolic', got {text!r}") from None
    if value.free_symbols:
        return value
    if not value.is_finite or not value.is_real:
        raise BadInput(f"step size eta must be finite, got {text!r}")
    if value <= 0:
        raise BadInput(f"step size eta must be positive, got {text!r}")
    return value


def _exact(value: Any, name: str) -> sp.Expr:
    try:
        out = sp.Rational(str(value)) if not isinstance(value, sp.Basic) else value
    except (TypeError, ValueError, SyntaxError):
        raise BadInput(f"{name} must be a number or a fraction, got {value!r}") from None
    if not out.free_symbols and not out.is_finite:
        raise BadInput(f"{name} must be finite, got {value!r}")
    return out


def _binding(values: dict[sp.Basic, Any]) -> dict[sp.Basic, Any]:
    """The scalar values of an instantiation, without those left symbolic (a value equal to its symbol)."""
    return {sym: v for sym, v in values.items() if not (isinstance(v, sp.Basic) and v == sym)}


@dataclass(frozen=True)
class Derivation:
    """A construction before its parameters are made explicit: which description, bound to which values, at which
    layout and N, claiming which GD. :meth:`construction` instantiates it (:meth:`Description.instantiate`), which
    is all :func:`one_step` and :func:`k_step` add; :func:`gdssm.numeric.lowering.lower_derivation` evaluates the
    same description at the same values straight to tensors."""

    name: str
    layout: Layout
    N: int
    gd: GDSpec
    claims: tuple[str, ...]
    description: Description
    binding: dict[sp.Basic, Any]

    @property
    def steps(self) -> int:
        """k."""
        return self.gd.steps

    def construction(self) -> Construction:
        """The construction: the description instantiated at the layout's embeddings, N, k and the bound values."""
        params = self.description.instantiate(self.layout.E_x, self.layout.E_y, self.N, self.steps, self.binding)
        return Construction(self.name, self.layout, self.N, params, self.gd, self.claims, self.description,
                            self.binding)

    def with_description(self, description: Description) -> Derivation:
        """The same claim about another description (a mutant), at the same values."""
        return replace(self, description=description)


def one_step_derivation(
    f: int, m: int, N: int, eta: Any = ETA, *, layout: str = "split", lam: Any = 1, W0: sp.Matrix | None = None
) -> Derivation:
    """What :func:`one_step` instantiates (its arguments checked, the values bound, the GD and claims named)."""
    require_dim("N", N)
    lay = make_layout(layout, f, m)
    eta_, lam_ = parse_eta(eta), _exact(lam, "lambda")
    if W0 is not None and W0.shape != (m, f):
        raise ShapeError(f"W0 must be m x f = {m} x {f}, got {W0.shape[0]} x {W0.shape[1]}")
    desc = one_step_description(with_w0=W0 is not None)
    values: dict[sp.Basic, Any] = {symbols.eta: eta_, symbols.lam: lam_}
    if W0 is not None:
        values[symbols.W_0] = W0
    claims = ["ssm.state", "ssm.one_step"] + (["ssm.one_step_w0"] if W0 is not None else [])
    claims += ["ssm.discounted"] if lam_ != 1 else []
    gd = GDSpec(etas=(eta_,), normaliser=N, lam=lam_, W0=W0)
    return Derivation("one-step", lay, N, gd, tuple(claims), desc, _binding(values))


def one_step(
    f: int, m: int, N: int, eta: Any = ETA, *, layout: str = "split", lam: Any = 1, W0: sp.Matrix | None = None
) -> Construction:
    """The paper's one-step construction, any layout, W_0 = 0 or not: :func:`one_step_description` instantiated."""
    return one_step_derivation(f, m, N, eta, layout=layout, lam=lam, W0=W0).construction()


def k_step_derivation(
    f: int, m: int, N: int, k: int, eta: Any = ETA, *, layout: str = "split", lam: Any = 1,
    gamma: Any = 0, etas: Sequence[Any] | None = None, W0: sp.Matrix | None = None,
) -> Derivation:
    """What :func:`k_step` instantiates (its arguments checked, the values bound, the GD and claims named).

    From W_0 the value map and feedthrough give GD from W_0 (:func:`k_step_description`); weight decay is refused
    there: it pulls towards 0, so GD with decay from W_0 is not W_0 plus GD from 0 on the residuals."""
    require_dim("N", N)
    require_steps(k)
    lay = make_layout(layout, f, m)
    if not lay.orthogonal:
        raise BadInput(f"the k-step construction needs E_x^T E_y = 0 (layout 'split'), not layout {layout!r}")
    step_etas = tuple(parse_eta(e) for e in etas) if etas is not None else (parse_eta(eta),) * k
    if len(step_etas) != k:
        raise BadInput(f"got {len(step_etas)} per-step step sizes for k = {k} steps")
    lam_, gamma_ = _exact(lam, "lambda"), _exact(gamma, "weight decay gamma")
    if W0 is not None:
        if W0.shape != (m, f):
            raise ShapeError(f"W0 must be m x f = {m} x {f}, got {W0.shape[0]} x {W0.shape[1]}")
        if gamma_ != 0:
            raise BadInput("k steps from W_0 != 0 need weight decay gamma = 0: decay pulls the weights towards 0, so "
                           "GD with decay from W_0 is not what the value map and the feedthrough compute")
    gd = GDSpec(etas=step_etas, normaliser=N, gamma=gamma_, lam=lam_, W0=W0)
    desc = k_step_description(per_step=etas is not None, with_w0=W0 is not None)
    values: dict[sp.Basic, Any] = {symbols.lam: lam_, symbols.gamma: gamma_}
    if W0 is not None:
        values[symbols.W_0] = W0
    if etas is None:
        values[symbols.eta] = step_etas[0] if k else ETA
    else:
        values.update({symbols.eta_s[i]: e for i, e in enumerate(step_etas)})
    claims = ["ssm.state", "ssm.k_step"] + (["ssm.k_step_w0"] if W0 is not None else [])
    claims += ["ssm.discounted"] if lam_ != 1 else []
    claims += ["ssm.weight_decay"] if gamma_ != 0 else []
    claims += ["ssm.per_step_eta"] if etas is not None else []
    return Derivation("k-step", lay, N, gd, tuple(claims), desc, _binding(values))


def k_step(
    f: int, m: int, N: int, k: int, eta: Any = ETA, *, layout: str = "split", lam: Any = 1,
    gamma: Any = 0, etas: Sequence[Any] | None = None, W0: sp.Matrix | None = None,
) -> Construction:
    """Our single-state k-step construction, split layout, W_0 = 0 or not: :func:`k_step_description`
    instantiated."""
    return k_step_derivation(f, m, N, k, eta, layout=layout, lam=lam, gamma=gamma, etas=etas, W0=W0).construction()
