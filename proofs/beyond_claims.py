"""Claims beyond the paper: the exact k-step theory and the layer's relations (issue 17).

``BEYOND_CLAIMS`` holds one :class:`~proofs.claims.Claim` per result; :mod:`proofs.claims` adds them to the
registry. Each statement and hypothesis list is printed by SymPy from the derived objects
(:mod:`symbolic.kstep_loss`, :mod:`symbolic.schedules`, :mod:`symbolic.relations`), and each ``scalar_check``
recomputes what the statement says (route ``exact``, exact SymPy arithmetic; no torch):

* ``eta.optimal_k`` -- the expected loss of k GD steps as a polynomial in the step sizes with trace-moment
  coefficients; the Gaussian moments (Stein recursion) and the i.i.d.-law moments (index patterns) against each
  other and against brute-force expansion; the reduction to moments against the error expanded directly; the
  optimal constant and per-step schedules (certified roots), k = 1 equal to ``eta.optimal``;
* ``rel.preconditioner`` -- GD preconditioned by P = B B^T is the layer on inputs embedded by E_x B^T;
* ``rel.gdpp`` -- the k-fold readout computes A_t q(G_t) x_{t+1} for its readout polynomial q; GD++ is the k = 3
  member c = (0, 0, alpha), beta = (gamma, gamma);
* ``rel.counts`` -- state and parameter counts in f, m, k of the layer, one-head LSA, the gated RNN that
  emulates it and the authors' two-step stack, equal to the counts of the concrete objects, each object checked
  to compute what it is said to;
* ``rel.delta_rule_separation`` -- every layer of the family has output degree <= 2k + 1; online SGD has degree
  2t + 1 with the stated nonzero top part; a finite difference along a ray separates them.

Every check takes the derived objects as arguments (defaults: the real ones), so the tests hand it a wrong
version and see it refused.

``BEYOND_CLAIMS`` is built on first access (PEP 562): :mod:`proofs.claims` imports it while it is itself being
imported, and the claims need its :class:`Claim` class.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import sympy as sp

from gdssm.core.errors import BadInput

if TYPE_CHECKING:
    from gdssm.proofs.claim import Claim

ANCHORS = {1: sp.Rational(207, 1000), 2: sp.Rational(156, 1000), 3: sp.Rational(133, 1000)}
"""Monte Carlo anchors (issue 17; 20,000 tasks, alpha on a grid): best constant-step loss, f = N = 10, U(-1/2, 1/2)."""
ANCHOR_TOLERANCE = sp.Rational(1, 1000)


def _refusing(check: Callable[..., tuple[bool, str]]) -> Callable[..., tuple[bool, str]]:
    """A check that reports a derivation step refusing its input (a wrong version) as a failed check."""
    @functools.wraps(check)
    def run(*args: Any, **kwargs: Any) -> tuple[bool, str]:
        try:
            return check(*args, **kwargs)
        except (BadInput, ValueError, ArithmeticError, TypeError) as err:
            return False, f"failed: {type(err).__name__}: {err}"

    return run


def _result(checks: dict[str, bool], extra: str = "") -> tuple[bool, str]:
    failed = [name for name, ok in checks.items() if not ok]
    if failed:
        return False, "failed: " + "; ".join(failed)
    return True, "; ".join(checks) + (f"; {extra}" if extra else "")


# -- eta.optimal_k ----------------------------------------------------------------------------------------------------
@_refusing
def check_k_step(gaussian: Callable[..., Any] | None = None, pattern: Callable[..., Any] | None = None,
                 per_step: Callable[..., Any] | None = None, constant: Callable[..., Any] | None = None,
                 ) -> tuple[bool, str]:
    """The k-step loss and schedules (module docstring); arguments replace the derivation's parts."""
    from gdssm.symbolic import kstep_loss as kl
    from gdssm.symbolic import schedules as sc
    from gdssm.symbolic import stepsize as st

    gaussian = gaussian or kl.gaussian_trace_moments
    pattern = pattern or kl.iid_trace_moments
    per_step = per_step or sc.optimal_per_step
    constant = constant or sc.optimal_constant
    F, N = st.F_SYM, st.N_SYM
    s2 = kl.SIGMA2
    general = kl.general_moment_table(12)
    g_moments = gaussian(6, F, N, s2)
    g_table = pattern(kl.gaussian_moment_table(s2), 6)
    general_moments = pattern(general, 3, 2, 2)
    brute_general = kl.moments_by_expansion(general, 3, 2, 2)
    brute_gauss = kl.moments_by_expansion(kl.gaussian_moment_table(s2), 4, 2, 2)
    g_small = gaussian(4, 2, 2, s2)
    stepsize_law = st.general_law()
    sym_general = pattern(lambda p: {0: 1, 2: st.SIGMA**2, 4: st.MU4}.get(p, sp.Integer(0)) if p <= 4
                          else sp.Symbol(f"mu_{p}"), 2)
    a0, a1 = sp.symbols("alpha_0 alpha_1", real=True)
    small = pattern(kl.general_moment_table(8), 4, 2, 1)
    reduced = kl.expected_loss([a0, a1], small)
    direct = kl.loss_by_expansion([a0, a1], kl.general_moment_table(8), 2, 1)
    uniform = kl.CoordinateLaw.uniform()
    u_moments = pattern(uniform, 6, 10, 10)
    rows = {kk: (constant(kk, u_moments), per_step(kk, u_moments)) for kk in (1, 2, 3)}
    ratio = sp.cancel(sym_general.values[1] / sym_general.values[2])  # rational in f, N, sigma, mu_4: reduced p/q
    checks = {
        "Gaussian moments: Stein recursion = index patterns with Gaussian moments, orders <= 6, symbolic f, N, sigma":
            all(sp.expand(a - b) == 0 for a, b in zip(g_moments.values, g_table.values, strict=True)),
        "Gaussian moments = brute-force expansion at f = N = 2, orders <= 4":
            all(sp.expand(a - b) == 0 for a, b in zip(g_small.values, brute_gauss, strict=True)),
        "E tr G^3 = N f (N^2 + f^2 + 3Nf + 3N + 3f + 4) sigma^6 (Gaussian)":
            sp.expand(g_moments.values[3] - N * F * (N**2 + F**2 + 3 * N * F + 3 * N + 3 * F + 4) * s2**3) == 0,
        "index patterns = brute-force expansion at f = N = 2, orders <= 3, symbolic moments mu_p":
            all(sp.expand(a - b) == 0 for a, b in zip(general_moments.values, brute_general, strict=True)),
        "index patterns: E tr G, E tr G^2 = symbolic.stepsize (symbolic f, N, sigma, mu_4)":
            sp.expand(sym_general.values[1] - st.expected_trace_gram(stepsize_law)) == 0
            and sp.expand(sym_general.values[2] - st.expected_trace_gram_squared(stepsize_law)) == 0,
        "k = 1 per-step optimum m_1 / m_2 = symbolic.stepsize's alpha* (symbolic f, N, sigma, mu_4)":
            sp.cancel(ratio - st.optimal_alpha(stepsize_law, F, N)) == 0,
        "loss polynomial = error expanded directly (k = 2, f = 2, N = 1, symbolic alpha_0, alpha_1, mu_p)":
            sp.expand(reduced - direct) == 0,
        "U(-1/2, 1/2), f = N = 10, k = 1: alpha* = 20/33, L* = 245/1188 for both schedules":
            all(s.alphas[0].exact == sp.Rational(20, 33) and s.loss == sp.Rational(245, 1188) for s in rows[1]),
        "k = 1..3: per-step optimum <= constant optimum (strictly for k >= 2), both decrease in k":
            all(rows[kk][1].loss_bounds[1] <= rows[kk][0].loss_bounds[0] for kk in rows)
            and all(rows[kk][1].loss_bounds[1] < rows[kk][0].loss_bounds[0] for kk in (2, 3))
            and rows[1][0].loss_bounds[0] > rows[2][0].loss_bounds[1] > rows[3][0].loss_bounds[1]
            and rows[1][1].loss_bounds[0] > rows[2][1].loss_bounds[1] > rows[3][1].loss_bounds[1],
        "per-step: k real positive roots certified; the gradient vanishes at the roots (error < 1e-20)":
            all(_stationary(rows[kk][1], u_moments) for kk in (2, 3)),
        "constant-step losses within 0.001 of the Monte Carlo anchors 0.207 / 0.156 / 0.133 (k = 1, 2, 3)":
            all(abs(rows[kk][0].loss_float - float(ANCHORS[kk])) <= float(ANCHOR_TOLERANCE) for kk in rows),
    }
    losses = ", ".join(f"k={kk}: {rows[kk][0].loss_float:.6f} / {rows[kk][1].loss_float:.6f}" for kk in rows)
    return _result(checks, f"U(-1/2,1/2), f = N = 10, constant / per-step optimum: {losses}")


def _stationary(schedule: Any, moments: Any) -> bool:
    from gdssm.symbolic import kstep_loss as kl

    k = schedule.k
    if len(schedule.alphas) != k or any(r.lower <= 0 for r in schedule.alphas):
        return False
    alphas = kl.step_symbols(k)
    loss = sp.Poly(kl.expected_loss(alphas, moments), *alphas)  # exact rational coefficients
    point = [r.midpoint for r in schedule.alphas]
    gradient = [loss.diff(a)(*point) for a in alphas]
    value = loss(*point)
    tolerance = sp.Rational(1, 10**20)
    return all(abs(g) < tolerance for g in gradient) and abs(value - schedule.loss) < tolerance


# -- rel.preconditioner -----------------------------------------------------------------------------------------------
B_TEST = sp.Matrix([[1, sp.Rational(1, 2)], [-1, 2]])
"""A non-symmetric B (P = B B^T != B^T B), so that B^T and B as token maps differ."""


@_refusing
def check_preconditioner(token_map: Callable[[sp.Matrix], sp.Matrix] | None = None) -> tuple[bool, str]:
    """The layer on tokens E_x T x, T = ``token_map(B)`` (default B^T), equals GD preconditioned by P = B B^T:
    one step (f = 2, m = 1, N = 3) and two steps (f = 2, m = 1, N = 2), eta symbolic, all data symbolic."""
    from gdssm.symbolic.constructions import k_step, one_step
    from gdssm.symbolic.relations import preconditioned_difference

    cases = {"one step, f=2, m=1, N=3": one_step(2, 1, 3, "symbolic"),
             "k = 2 steps, f=2, m=1, N=2": k_step(2, 1, 2, 2, "symbolic"),
             "k = 2 per-step etas (1/2, 1/3), f=2, m=1, N=2": k_step(2, 1, 2, 2, etas=[sp.Rational(1, 2),
                                                                                          sp.Rational(1, 3)])}
    checks = {f"{name}: layer(E_x B^T x) = GD with P = B B^T at every prefix":
              not preconditioned_difference(c, B_TEST, token_map) for name, c in cases.items()}
    return _result(checks, f"B = {B_TEST.tolist()}")


# -- rel.gdpp ---------------------------------------------------------------------------------------------------------
@_refusing
def check_gdpp(readout: Any = None, reference: Callable[..., Any] | None = None) -> tuple[bool, str]:
    """The readout family and GD++ (module docstring); ``readout`` replaces GD++'s readout constants and
    ``reference`` GD++'s definition."""
    from gdssm.symbolic.layer import Readout
    from gdssm.symbolic.relations import (
        gdpp_predictions,
        gdpp_readout,
        polynomial_readout_target,
        readout_difference,
        readout_polynomial,
    )

    ro = readout if readout is not None else gdpp_readout()
    target = reference or gdpp_predictions
    generic = Readout(rho=tuple(sp.symbols("rho_0 rho_1")), beta=tuple(sp.symbols("beta_0 beta_1")),
                      c=tuple(sp.symbols("c_0 c_1 c_2")))
    monomial = Readout(rho=(0, 0), beta=(-1, -1), c=tuple(sp.symbols("q_0 q_1 q_2")))
    q = readout_polynomial(monomial)
    checks = {
        "k = 3 readout with symbolic rho, beta, c: yhat_t = A_t q(G_t) x_{t+1} (f=2, m=1, N=2, every prefix)":
            not readout_difference(2, 1, 2, generic, polynomial_readout_target(generic)),
        "rho = 0, beta = -1 gives the monomials: q(lambda) = q_0 + q_1 lambda + q_2 lambda^2":
            sp.expand(q.as_expr() - sum(sp.Symbol(f"q_{i}") * sp.Symbol("lambda") ** i for i in range(3))) == 0,
        "GD++ (corrected inputs, query included, then one GD step) = the readout c = (0, 0, alpha), "
        "beta = (gamma, gamma), rho = (1, 1) (f=2, m=1, N=3, alpha and gamma symbolic, every prefix)":
            not readout_difference(2, 1, 3, ro, target),
    }
    return _result(checks)


# -- rel.counts -------------------------------------------------------------------------------------------------------
COUNT_SIZES = ((2, 1, 2), (3, 2, 3), (4, 4, 1), (5, 1, 4))


@_refusing
def check_counts(table: Callable[[], Sequence[Any]] | None = None,
                 emulator: Callable[[dict[str, sp.Matrix]], Any] | None = None) -> tuple[bool, str]:
    """The symbolic counts equal the counts of the concrete objects, and the objects compute what they claim;
    ``table`` replaces :func:`symbolic.relations.count_table`, ``emulator`` the gated RNN built from LSA weights
    (:func:`symbolic.relations.gated_rnn_from_lsa`)."""
    from gdssm.symbolic import relations as rl
    from gdssm.symbolic.task import symbolic_context

    rows = list(table() if table is not None else rl.count_table())
    emulate = emulator or rl.gated_rnn_from_lsa
    concrete = {size: rl.concrete_counts(*size) for size in COUNT_SIZES}  # the objects built once per size
    agree = all((at["state"], at["parameters"]) == concrete[(f_, m_, k_)][row.model]
                for f_, m_, k_ in COUNT_SIZES for row in rows for at in (row.at(f=f_, m=m_, k=k_),))
    ctx = symbolic_context(2, 1, 3)
    eta = sp.Symbol("eta")
    weights = rl.lsa_gd_weights(2, 1, 3, eta)
    outs = rl.lsa_outputs(weights, rl.lsa_tokens(ctx))
    A = sp.Matrix([[sum(ctx.ys[i][0][0] * ctx.xs[i][a][0] for i in range(3)) for a in range(2)]])
    gd = sp.expand((eta / 3 * A * sp.Matrix(ctx.query))[0, 0])
    lsa_is_gd = sp.expand(-outs[-1][2, 0] - gd) == 0
    tokens = rl.lsa_tokens(ctx)
    rnn_gd = emulate(weights).outputs(tokens)
    random_w = {name: sp.Matrix(3, 3, lambda i, j, n=n: sp.Rational((3 * i + j + n) % 5 - 2, 1 + (i + j) % 3))
                for n, name in enumerate(("W_K", "W_Q", "W_V", "P"))}
    rnn_random = emulate(random_w).outputs(tokens)
    lsa_random = rl.lsa_outputs(random_w, tokens)
    checks = {
        f"count_table = counts of the concrete objects at (f, m, k) in {list(COUNT_SIZES)}": agree,
        "von Oswald's LSA weights compute one GD step: -(y-slot of the query) = alpha A x_q (f=2, m=1, N=3)":
            lsa_is_gd,
        "the gated RNN equals causal LSA at every position: GD weights and arbitrary weights (d = 3, data symbolic)":
            all((a - b).is_zero_matrix for a, b in zip(rnn_gd, outs, strict=True))
            and all((a - b).is_zero_matrix for a, b in zip(rnn_random, lsa_random, strict=True)),
        "trained sets are parameters of the layer": set(rl.TRAINED_K_STEP) <= set(rl.layer_shapes(
            rl.k_step_description(), sp.Symbol("k"))),
    }
    at10 = ", ".join(f"{row.model}: state {row.at(f=10, m=1, k=2)['state']}, params "
                     f"{row.at(f=10, m=1, k=2)['parameters']}" for row in rows)
    return _result(checks, f"at f = 10, m = 1, k = 2: {at10}")


# -- rel.delta_rule_separation ----------------------------------------------------------------------------------------
@_refusing
def check_separation(arithmetic: Any = None, sgd: Callable[..., Any] | None = None) -> tuple[bool, str]:
    """The degree separation (module docstring). ``arithmetic`` replaces the degree arithmetic the layer's
    equations run over, ``sgd`` the online SGD program."""
    from gdssm.symbolic import relations as rl
    from gdssm.symbolic.task import symbolic_context

    ar = arithmetic or rl.DegreeArithmetic()
    run_sgd = sgd or rl.online_sgd_predictions
    bounds = {(k_, t): _degree_bound(ar, k_, t) for k_ in range(1, 7) for t in range(1, 7)}
    layer_degrees = {k_: rl.layer_output_degrees(rl.random_layer(1, 1, k_, seed=k_), 1, 1, 3) for k_ in (1, 2)}
    ctx = symbolic_context(2, 1, 3)
    sgd_out = run_sgd(ctx)
    sgd_ok = all(rl.data_degree(y[0][0], ctx) == 2 * t + 1
                 and sp.expand(rl.top_part(y[0][0], ctx) - rl.sgd_top_part(ctx, t)) == 0
                 for t, y in enumerate(sgd_out, start=1))
    ctx1 = symbolic_context(1, 1, 4)
    batched = [rl.data_degree(y[0][0], ctx1) for y in run_sgd(ctx1, batch=2)]
    rays = {k_: (rl.ray_counterexample(k_), rl.ray_counterexample(k_, layer=rl.random_layer(1, 1, k_, seed=7 + k_)))
            for k_ in (1, 2, 3)}
    J_delta, J_layer = rl.delta_rule_jacobian(2, 1)
    x_symbols = {sp.Symbol("x_0"), sp.Symbol("x_1")}
    checks = {
        "the layer's equations over degrees: output degree <= 2k + 1 and state degree 2 for k, t = 1..6":
            all(b["output"] <= 2 * k_ + 1 and b["state"] == 2 for (k_, _), b in bounds.items()),
        "random nonzero parameters (f = m = 1, N = 3): exact output degree 2k + 1 at every prefix (k = 1, 2)":
            all(all(dg == 2 * k_ + 1 for dg in degs) for k_, degs in layer_degrees.items()),
        "online SGD (f = 2, m = 1): degree 2t + 1, top part (-1)^{t-1} beta^t y_1 prod_j x_j^T x_{j+1} (t = 1..3)":
            sgd_ok,
        "minibatch SGD, batch 2 (f = m = 1): degree 2 ceil(t/2) + 1 (t = 1..4)": batched == [3, 3, 5, 5],
        "ray x_i = y_i = s, t = k + 1: the (2k+2)-th difference is 0 for our k-step layer and for random layers, "
        "nonzero for SGD (k = 1, 2, 3)":
            all(ours["layer_difference"] == 0 and rand["layer_difference"] == 0 and ours["sgd_difference"] != 0
                for ours, rand in rays.values()),
        "delta-rule transition non-diagonal and input-dependent; the layer's diagonal and input-free":
            any(J_delta[i, j] != 0 for i in range(2) for j in range(2) if i != j)
            and bool(J_delta.free_symbols & x_symbols)
            and all(J_layer[i, j] == 0 for i in range(2) for j in range(2) if i != j)
            and not (J_layer.free_symbols & x_symbols),
    }
    witness = ", ".join(f"k={k_}: SGD {r[0]['sgd_difference']}" for k_, r in rays.items())
    return _result(checks, f"finite differences (beta = 1/2): {witness}")


def _degree_bound(ar: Any, k_: int, t: int) -> dict[str, int]:
    from gdssm.symbolic import equations as eq
    from gdssm.symbolic.relations import NEG

    terms = [(a, b, 1) for a in range(3) for b in range(3)]
    S = NEG
    for step in range(1, t + 1):
        S = eq.state(0, S, eq.cross_product(eq.window(lambda n: 1, step), [0] * 3, terms, NEG, ar), ar)
    q = eq.query(eq.window(lambda n: 1, t), [(a, 1) for a in range(3)], NEG, ar)
    r, P = q, eq.readout_sum(NEG, 1, q, ar)
    for _ in range(k_ - 1):
        r = eq.readout_vector(1, 1, 0, S, r, ar)
        P = eq.readout_sum(P, 1, r, ar)
    return {"state": S, "output": eq.prediction(0, S, P, 0, q, ar)}


# -- the claims -------------------------------------------------------------------------------------------------------
def _latex_hypotheses(items: Sequence[Any]) -> tuple[str, ...]:
    return tuple(h.latex for h in items)


def build_claims() -> tuple[Claim, ...]:
    """The claims of this module (statements and hypotheses printed from the derived objects)."""
    import dataclasses

    from gdssm.proofs.claim import Claim
    from gdssm.symbolic import kstep_loss as kl
    from gdssm.symbolic import relations as rl

    given = "given_" if "given_statement" in {f.name for f in dataclasses.fields(Claim)} else ""

    def make(claim_id: str, title: str, statement: str, hypotheses: Sequence[Any], uses: tuple[str, ...],
             check: Callable[[], tuple[bool, str]]) -> Claim:
        printed: dict[str, Any] = {f"{given}statement": statement, f"{given}hypotheses": _latex_hypotheses(hypotheses),
                   f"{given}uses": uses}
        return Claim(id=claim_id, title=title, routes=("exact",), scalar_check=check, **printed)

    return (
        make("eta.optimal_k", "Expected loss of k GD steps and its optimal constant and per-step schedules",
             kl.k_step_statement(), kl.k_step_hypotheses(), ("gd.closed_form", "eta.optimal"), check_k_step),
        make("rel.preconditioner", "GD with a fixed preconditioner P = B B^T: the same layer on inputs E_x B^T x",
             rl.preconditioner_statement(), rl.preconditioner_hypotheses(), ("ssm.one_step", "ssm.k_step"),
             check_preconditioner),
        make("rel.gdpp", "The k-fold readout computes A_t q(G_t) x_{t+1}; GD++ is its k = 3 member",
             rl.gdpp_statement(), rl.gdpp_hypotheses(), ("ssm.k_step", "ssm.per_step_eta"), check_gdpp),
        make("rel.counts", "State and parameter counts: this layer, one-head LSA, the gated RNN, the authors' stack",
             rl.counts_statement(), rl.counts_hypotheses(), ("ssm.one_step", "ssm.k_step"), check_counts),
        make("rel.delta_rule_separation", "No fixed-k layer of this family is online SGD (the delta rule) for t > k",
             rl.separation_statement(), rl.separation_hypotheses(), ("ssm.k_step",), check_separation),
    )


_BUILT: tuple[Claim, ...] | None = None


def __getattr__(name: str) -> Any:
    """``BEYOND_CLAIMS``, built once on first access (module docstring)."""
    global _BUILT
    if name == "BEYOND_CLAIMS":
        if _BUILT is None:
            claims = build_claims()
            if _BUILT is None:
                _BUILT = claims
        return _BUILT
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


BEYOND_IDS = ("eta.optimal_k", "rel.preconditioner", "rel.gdpp", "rel.counts", "rel.delta_rule_separation")
"""The ids of :data:`BEYOND_CLAIMS`, in order."""

__all__ = ["ANCHORS", "BEYOND_IDS", "build_claims", "check_counts", "check_gdpp", "check_k_step",
           "check_preconditioner", "check_separation"]
