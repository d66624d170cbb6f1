"""The claims registry: every theorem of the toolkit, its hypotheses, the claims it uses, and its checks.

A claim lists the routes that must pass (DESIGN §2):

* ``symbolic`` -- route 1, dimension-free: the proof chain of :mod:`proofs.route1_examples`, every step
  checked in the normal form of :mod:`proofs.normal_form`;
* ``exact`` -- route 2, concrete dimensions: both programs over all-symbolic data as flint polynomials
  (:mod:`proofs.route_exact`), or an exact SymPy identity where the claim is about a scalar formula;
* ``z3`` -- the independent second checker (:mod:`proofs.route_z3`), negation unsat;
* ``numeric`` -- route 3, PyTorch against autograd GD; run by ``numeric`` (``proofs`` never imports torch),
  listed here so that a claim is verified only when that run passed too.

Statements are LaTeX produced by SymPy's printer from matrix expressions, never typed as prose.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import sympy as sp

from gdssm.proofs.induction import Proof
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.reference import ReferenceTwoStep, reference_two_step

ROUTES = {
    "symbolic": "route 1: dimension-free normal form of the free algebra with transpose (induction explicit)",
    "exact": "route 2: exact polynomial identity at concrete dimensions (flint fmpq_mpoly; SymPy for scalars)",
    "z3": "second checker: Z3 proves the concrete-dimension identity (negation unsat over the reals)",
    "numeric": "route 3: PyTorch GD-SSM with lowered weights against autograd GD, Hypothesis-drawn sizes",
}

TRUSTED_BASE = {
    "symbolic": "Python, SymPy (matrix calculus for the gradient, rational-function fields for coefficients), "
                "the normal-form kernel proofs/normal_form.py and proofs/induction.py (about 900 lines), "
                "and the stated definitions and hypotheses (e.g. E_x^T E_x = I).",
    "exact": "Python, the programs symbolic/layer.py and symbolic/gd.py as written, python-flint's fmpq_mpoly "
             "(canonical sparse polynomials over Q), and SymPy for scalar identities.",
    "z3": "Python, the same two programs, Z3's nonlinear real arithmetic decision procedure.",
    "numeric": "Python, PyTorch (float64 kernels and autograd), the lowering of SymPy parameters to tensors; "
               "a numeric agreement within tolerance is evidence, not proof.",
}

Target = Construction | ReferenceTwoStep


@dataclass(frozen=True)
class Claim:
    """One theorem. ``proofs`` builds route-1 proof records; ``targets`` the concrete identities of routes 2/z3."""

    id: str
    title: str
    statement: str
    hypotheses: tuple[str, ...]
    uses: tuple[str, ...]
    routes: tuple[str, ...]
    proofs: Callable[[], Sequence[Proof]] | None = None
    targets: Callable[[], Sequence[Target]] = field(default=lambda: ())
    scalar_check: Callable[[], tuple[bool, str]] | None = None
    numeric: tuple[str, ...] = ()

    @property
    def statement_hash(self) -> str:
        """sha256 of the statement and hypotheses (what a certificate is about)."""
        text = self.statement + "\n" + "\n".join(self.hypotheses)
        return hashlib.sha256(text.encode()).hexdigest()


def _tex(lhs: sp.Basic, rhs: sp.Basic) -> str:
    return f"{sp.latex(lhs)} = {sp.latex(rhs)}"


f, m, N, H, t, k = sp.symbols("f m N H t k", integer=True, positive=True)
alpha, eta, lam, gamma = sp.symbols("alpha eta lambda gamma")
W, W0 = sp.MatrixSymbol("W", m, f), sp.MatrixSymbol("W_0", m, f)
G_t, A_t, x_next = sp.MatrixSymbol("G_t", f, f), sp.MatrixSymbol("A_t", m, f), sp.MatrixSymbol("x_{t+1}", f, 1)
E_x, E_y, S_t = sp.MatrixSymbol("E_x", H, f), sp.MatrixSymbol("E_y", H, m), sp.MatrixSymbol("S_t", H, H)
yhat = sp.MatrixSymbol(r"\hat{y}_t", m, 1)
W_k_t = sp.MatrixSymbol("W_k^{(t)}", m, f)
ORTHONORMAL = (r"E_x^T E_x = I", r"E_y^T E_y = I")
SPLIT = (*ORTHONORMAL, r"E_x^T E_y = 0")

DIMS_ONE = ((2, 1, 3), (3, 2, 4))
DIMS_K = ((2, 1, 3), (3, 2, 3))
HALF = sp.Rational(1, 2)


def _proofs_gradient() -> Sequence[Proof]:
    from gdssm.proofs.route1_examples import gradient_proof

    return (gradient_proof(),)


def _proofs_closed_form() -> Sequence[Proof]:
    from gdssm.proofs.route1_examples import gd_proofs

    p = gd_proofs()
    return (p.power_commutes, p.sum_commutes, p.power_left, p.sum_left, p.closed_form)


def _proofs_ssm() -> Sequence[Proof]:
    from gdssm.proofs.route1_examples import ssm_proofs

    return ssm_proofs()


def _proofs_state() -> Sequence[Proof]:
    return _proofs_ssm()[:1]


def _proofs_k_step() -> Sequence[Proof]:
    """The joint state (induction on t) and the k-fold readout equal to k GD steps for all k (induction on k)."""
    from gdssm.proofs.route1_examples import algebra, joint_state_proof, k_step_induction, layer

    return (joint_state_proof(layer(algebra())), *k_step_induction().records)


def _one_step_targets() -> list[Target]:
    out: list[Target] = [one_step(a, b, n, "symbolic") for a, b, n in DIMS_ONE]
    out += [one_step(3, 3, 3, "symbolic", layout="reference"), one_step(3, 1, 3, "symbolic", layout="reference")]
    return out


def _w0_targets() -> list[Target]:
    W0_ = sp.Matrix([[1, -2, HALF]])
    return [one_step(3, 1, 3, "symbolic", W0=W0_), one_step(2, 2, 3, HALF, layout="reference", W0=sp.eye(2))]


def _k_targets() -> list[Target]:
    return [k_step(a, b, n, kk, "symbolic") for a, b, n in DIMS_K for kk in (1, 2, 3)]


def _discounted_targets() -> list[Target]:
    return [one_step(2, 1, 3, "symbolic", lam=sp.Rational(9, 10)),
            k_step(2, 1, 3, 2, "symbolic", lam=sp.Rational(3, 4))]


def _decay_targets() -> list[Target]:
    return [k_step(2, 1, 3, 2, HALF, gamma=sp.Rational(1, 5)), k_step(2, 2, 3, 3, HALF, gamma=sp.Rational(1, 3))]


def _per_step_targets() -> list[Target]:
    return [k_step(2, 1, 3, 3, etas=[HALF, sp.Rational(1, 3), 1]), k_step(3, 1, 3, 2, etas=[1, sp.Rational(1, 4)])]


def _two_step_targets() -> list[Target]:
    out: list[Target] = [reference_two_step(2, 2, 3, "symbolic", v) for v in ("A", "B")]
    return [*out, reference_two_step(3, 1, 3, 1, "A")]


def _param_map_check() -> tuple[bool, str]:
    from gdssm.symbolic.reference import reference_predictions, reference_tokens, to_reference
    from gdssm.symbolic.task import symbolic_context

    for a, b in ((2, 2), (3, 3), (3, 1)):
        c = one_step(a, b, 3, "symbolic", layout="reference")
        ctx = symbolic_context(a, b, 3)
        theirs = reference_predictions(to_reference(c), reference_tokens(ctx, c.layout), c.layout.task)
        for t_, (p, q) in enumerate(zip(theirs, c.predictions(ctx), strict=True), start=1):
            for row, (u, v) in enumerate(zip(p, q, strict=True)):
                if sp.expand(u[0] - v[0]) != 0:
                    return False, f"f={a}, m={b}, N=3: prefix {t_}, row {row}: residual {sp.expand(u[0] - v[0])}"
    return True, "authors' forward with (w_q, Lambda_bar, C, D) = (Q^T, Lambda^T, -alpha I, d) equals ours at " \
                 "f=m=2, f=m=3 and f=3, m=1 (N=3, eta symbolic, all data symbolic)"


def _ce_check() -> tuple[bool, str]:
    from gdssm.symbolic.cross_entropy import cross_entropy_one_step

    for K_, f_, N_ in ((2, 1, 2), (3, 2, 2), (4, 2, 3)):
        step = cross_entropy_one_step(K_, f_, N_)
        if not step.is_constant_shift():
            return False, f"K={K_}, f={f_}, N={N_}: difference {list(step.difference)} is not a constant shift"
    return True, "at (K, f, N) = (2,1,2), (3,2,2), (4,2,3): W_1 x_q - alpha A x_q = -(alpha/K)(s^T x_q) 1"


def _eta_check() -> tuple[bool, str]:
    from gdssm.symbolic.stepsize import InputLaw, expected_one_step_loss, optimal_alpha, optimal_loss

    law = InputLaw.uniform(HALF)
    a_star = optimal_alpha(law, 10, 10)
    loss = expected_one_step_loss(alpha, law, 10, 10)
    stationary = sp.simplify(sp.diff(loss, alpha).subs(alpha, a_star)) == 0
    convex = sp.diff(loss, alpha, 2) > 0
    ok = bool(a_star == sp.Rational(20, 33) and stationary and convex
              and optimal_loss(law, 10, 10) == loss.subs(alpha, a_star))
    gauss = InputLaw.gaussian(1)
    fs, ns = sp.symbols("f N", positive=True, integer=True)
    ok = ok and sp.simplify(optimal_alpha(gauss, fs, ns) - 1 / (ns + fs + 1)) == 0
    return ok, f"alpha* = {a_star} (f = N = 10, U(-1/2, 1/2)), dL/dalpha(alpha*) = 0, d2L/dalpha2 > 0; " \
               "Gaussian: alpha* = 1/(sigma^2 (N + f + 1)) for symbolic f, N"


CLAIMS: tuple[Claim, ...] = (
    Claim("gd.gradient", "Gradient of the in-context loss",
          _tex(sp.Symbol(r"\nabla_W L_N(W)"), (W * sp.MatrixSymbol("G", f, f) - sp.MatrixSymbol("A", m, f)) / N),
          (r"L_N(W) = \frac{1}{2N}\operatorname{tr}((W X^T - Y^T)^T (W X^T - Y^T))", "G = X^T X", "A = Y^T X"),
          (), ("symbolic",), proofs=_proofs_gradient),
    Claim("gd.closed_form", "Closed form of k GD steps (induction on k)",
          _tex(sp.MatrixSymbol("W_k", m, f), W0 * sp.MatrixSymbol("M^k", f, f)
               + alpha * sp.MatrixSymbol("A", m, f) * sp.MatrixSymbol("S_k", f, f)),
          ("M = I - alpha G", r"M^k: M^0 = I,\ M^{k+1} = M^k M", r"S_k: S_0 = 0,\ S_{k+1} = I + S_k M",
           r"W_{k+1} = W_k - \alpha (W_k G - A)"),
          ("gd.gradient",), ("symbolic",), proofs=_proofs_closed_form),
    Claim("ssm.state", "The state accumulates the gradient statistics (induction on t)",
          _tex(S_t, E_y * A_t * E_x.T), ("Q = e_2 e_1^T", r"\Lambda = \mathbf{1}", "S_0 = 0"), (),
          ("symbolic",), proofs=_proofs_state),
    Claim("ssm.one_step", "One GD step at every prefix (the paper's construction)",
          _tex(yhat, alpha * A_t * x_next),
          ("Q = e_2 e_1^T", r"\Lambda = \mathbf{1}", "d = e_3", r"C = \alpha E_y^T", *ORTHONORMAL),
          ("ssm.state", "gd.closed_form"), ("symbolic", "exact", "z3", "numeric"),
          proofs=_proofs_ssm, targets=_one_step_targets, numeric=("one-step",)),
    Claim("ssm.one_step_w0", "One GD step from W_0 != 0 (value map and feedthrough)",
          _tex(yhat, (W0 + alpha * (A_t - W0 * G_t)) * x_next),
          ("Q = e_2 e_1^T + e_1 e_1^T", r"V_1 = -E_y W_0 E_x^T", r"F = W_0 E_x^T", *ORTHONORMAL),
          ("ssm.one_step",), ("exact", "z3"), targets=_w0_targets),
    Claim("ssm.k_step", "k GD steps with one state and the k-fold readout (ours)",
          _tex(yhat, W_k_t * x_next),
          ("Q = (e_1 + e_2) e_1^T", "R = E_x E_x^T", "C = E_y^T", r"c_j = \beta_j = \alpha", *SPLIT),
          ("ssm.state", "gd.closed_form"), ("symbolic", "exact", "z3", "numeric"),
          proofs=_proofs_k_step, targets=_k_targets, numeric=("k-step",)),
    Claim("ssm.discounted", "Lambda = lambda 1 gives GD on the discounted loss",
          _tex(yhat, W_k_t * x_next),
          (r"\Lambda = \lambda \mathbf{1}", r"L = \frac{1}{2N}\sum_i \lambda^{t-i} \|W x_i - y_i\|^2"),
          ("ssm.k_step",), ("exact", "z3"), targets=_discounted_targets),
    Claim("ssm.weight_decay", "Weight decay through the readout decays rho_j",
          _tex(yhat, W_k_t * x_next), (r"\rho_j = 1 - \eta \gamma", r"W_{j+1} = \rho W_j - \alpha (W_j G - A)"),
          ("ssm.k_step",), ("exact", "z3"), targets=_decay_targets),
    Claim("ssm.per_step_eta", "Per-step step sizes through the readout constants",
          _tex(yhat, W_k_t * x_next), (r"c_j = \beta_j = \alpha_{k-1-j}",), ("ssm.k_step",), ("exact", "z3"),
          targets=_per_step_targets),
    Claim("ref.param_map", "The authors' parameterisation equals ours",
          _tex(sp.Symbol(r"-o_t^{\mathrm{ref}}"), yhat),
          (r"w_q = Q^T", r"\bar\Lambda = \Lambda^T", r"C^{\mathrm{ref}} = -\alpha I", "D = d"),
          ("ssm.one_step",), ("exact",), scalar_check=_param_map_check),
    Claim("ref.two_step", "What the authors' two-step construction computes",
          _tex(sp.Symbol(r"\hat{y}^{\mathrm{code}}_A"), sp.MatrixSymbol("W_2", f, f) * sp.MatrixSymbol("x_q", f, 1)
               - sp.MatrixSymbol("x_q", f, 1)),
          (r"\text{three layers with a residual}", r"w_q^{(1)} = w_q^{(3)} = e_1 e_2^T", r"w_q^{(2)} = e_1 e_1^T"),
          ("ref.param_map",), ("exact", "z3"), targets=_two_step_targets),
    Claim("ce.one_step", "Cross-entropy: one step from 0 is least squares up to a logit shift",
          _tex(sp.MatrixSymbol("W_1", m, f) * sp.MatrixSymbol("x_q", f, 1),
               alpha * sp.MatrixSymbol("A", m, f) * sp.MatrixSymbol("x_q", f, 1)
               - alpha / sp.Symbol("K") * sp.Symbol(r"(s^T x_q)") * sp.MatrixSymbol(r"\mathbf{1}", m, 1)),
          (r"\text{one-hot labels}", r"s = \sum_i x_i"), ("ssm.one_step",), ("exact",), scalar_check=_ce_check),
    Claim("eta.optimal", "Optimal one-step step size and expected loss",
          _tex(sp.Symbol(r"\alpha^*"), sp.Symbol(r"\mathbb{E}\operatorname{tr} G")
               / sp.Symbol(r"\mathbb{E}\operatorname{tr} G^2")),
          (r"x_i\ \text{i.i.d. with independent coordinates}", r"w \sim N(0, I)"), ("gd.closed_form",), ("exact",),
          scalar_check=_eta_check),
)


def claim(claim_id: str) -> Claim:
    """The claim with this id."""
    for c in CLAIMS:
        if c.id == claim_id:
            return c
    from gdssm.core.errors import BadInput

    raise BadInput(f"unknown claim {claim_id!r}; known: {', '.join(c.id for c in CLAIMS)}")
