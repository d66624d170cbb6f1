"""The layer's relations: readout variants (GD++, a fixed preconditioner), counts against LSA, the gated RNN and
the authors' stack, and the separation from online SGD; the rel.* claims pass and refuse wrong versions."""

from __future__ import annotations

import dataclasses

import pytest
import sympy as sp

from gdssm.proofs import beyond_claims as bc
from gdssm.symbolic import relations as rl
from gdssm.symbolic.constructions import k_step, one_step
from gdssm.symbolic.kstep_loss import residual_polynomial
from gdssm.symbolic.layer import Readout
from gdssm.symbolic.task import Context, symbolic_context


# -- readout variants ------------------------------------------------------------------------------------------------
def test_gd_readout_polynomial_is_the_gd_residual() -> None:
    """Our k-step readout with per-step etas has q(lambda) = (1 - prod_s (1 - alpha_s lambda)) / lambda."""
    etas = [sp.Rational(1, 2), sp.Rational(1, 3), 2]
    construction = k_step(2, 1, 4, 3, etas=etas)
    q = rl.readout_polynomial(construction.params.readout)
    r = residual_polynomial([e / 4 for e in etas]).as_expr().subs(sp.Symbol("lambda", real=True), rl.LAM)
    assert sp.expand(q.as_expr() * rl.LAM - (1 - r)) == 0


def test_gdpp_is_the_k3_readout() -> None:
    assert rl.readout_difference(2, 1, 3, rl.gdpp_readout(), rl.gdpp_predictions) == []
    q = rl.readout_polynomial(rl.gdpp_readout())
    assert sp.factor(q.as_expr() - rl.ALPHA * (1 - rl.GAMMA * rl.LAM) ** 2) == 0


def test_a_wrong_gdpp_readout_or_definition_is_refused() -> None:
    wrong = Readout(rho=(1, 1), beta=(rl.GAMMA, rl.GAMMA), c=(0, rl.ALPHA, 0))  # only one correction
    ok, detail = bc.check_gdpp(readout=wrong)
    assert not ok and "GD++" in detail

    def query_not_corrected(ctx: Context, alpha: object = rl.ALPHA, gamma: object = rl.GAMMA) -> list:
        from gdssm.symbolic.dense import matmul, scale, sub
        from gdssm.symbolic.task import statistics

        out = []
        for t, y in enumerate(rl.gdpp_predictions(ctx, alpha, gamma), start=1):
            A, G = statistics(ctx, t)
            corrected = sub(rl._eye(ctx.f), scale(gamma, G))
            out.append(scale(alpha, matmul(A, matmul(corrected, ctx.xs[t]))))
            del y
        return out

    assert not bc.check_gdpp(reference=query_not_corrected)[0]


def test_preconditioned_gd_is_the_layer_on_reembedded_inputs() -> None:
    B = bc.B_TEST
    assert rl.preconditioned_difference(one_step(2, 1, 3, "symbolic"), B) == []
    assert rl.preconditioned_difference(k_step(2, 1, 2, 2, "symbolic"), B) == []
    assert rl.preconditioned_difference(k_step(2, 1, 2, 2, "symbolic"), B, lambda b: b) != []  # E_x B: wrong
    ok, detail = bc.check_preconditioner(token_map=lambda b: b)
    assert not ok and "failed" in detail
    assert bc.check_preconditioner()[0]


# -- counts ----------------------------------------------------------------------------------------------------------
def test_count_table_formulas() -> None:
    f, m, k = rl.f, rl.m, rl.k
    rows = {row.model: row for row in rl.count_table()}
    ours = rows["GD-SSM k-step (this layer, one state)"]
    assert ours.state == sp.expand((f + m) ** 2) and ours.steps == k
    assert sp.expand(ours.parameters - (5 * (f + m) ** 2 + 2 * m * (f + m) + 12 + 3 * k - 2)) == 0
    assert sp.expand(ours.trained - (12 + 2 * (f + m) ** 2 + m * (f + m) + 2 * k - 1)) == 0
    assert sp.expand(rows["one-head LSA, one GD step"].parameters - 4 * (f + m) ** 2) == 0
    assert sp.expand(rows["k LSA layers, k GD steps"].parameters - 4 * k * (f + m) ** 2) == 0
    rnn = rows["gated diagonal RNN emulating one-head LSA"]
    assert sp.Poly(rnn.parameters, f, m).total_degree() == 4 and rnn.state == sp.expand((f + m) ** 2 + f + m)
    authors = rows["authors' three-layer two-step (m = f or 1)"]
    assert authors.state == 3 * f**2 and authors.parameters == 6 * f**2 + 36
    assert authors.trained == 3 * (3 * f**2 + f + 12)  # the code's 3 d^2 + d + 12 per layer (paper-facts §4.9)
    assert authors.trained.subs(f, 10) == 3 * 322
    assert rows["one-head LSA, one GD step"].at(f=10, m=1)["parameters"] == 484  # paper-facts §6.1
    assert all(row.source for row in rows.values())


def test_counts_match_the_concrete_objects() -> None:
    for f_, m_, k_ in ((1, 1, 1), (2, 3, 4), (6, 1, 2)):
        concrete = rl.concrete_counts(f_, m_, k_)
        for row in rl.count_table():
            at = row.at(f=f_, m=m_, k=k_)
            assert (at["state"], at["parameters"]) == concrete[row.model], row.model


def test_lsa_and_gated_rnn_compute_what_they_are_counted_for() -> None:
    ctx = symbolic_context(1, 1, 2)
    eta = sp.Symbol("eta")
    weights = rl.lsa_gd_weights(1, 1, 2, eta)
    e = rl.lsa_tokens(ctx)
    outs = rl.lsa_outputs(weights, e)
    (x1,), (x2,), (xq,) = (x[0] for x in ctx.xs)
    (y1,), (y2,) = (y[0] for y in ctx.ys)
    assert sp.expand(-outs[-1][1, 0] - eta / 2 * (y1 * x1 + y2 * x2) * xq) == 0
    rnn = rl.gated_rnn_from_lsa(weights)
    assert all((a - b).is_zero_matrix for a, b in zip(rnn.outputs(e), outs, strict=True))
    assert {name: tuple(int(v) for v in s) for name, s in rl.gated_rnn_shapes(2).items()} == {
        name: matrix.shape for name, matrix in rnn.matrices().items()}


def test_counts_claim_passes_and_refuses_a_wrong_count() -> None:
    ok, detail = bc.check_counts()
    assert ok, detail

    def off_by_one() -> list[rl.CountRow]:
        rows = list(rl.count_table())
        rows[4] = dataclasses.replace(rows[4], state=rows[4].state - rl.f - rl.m)  # "d^2 neurons": forgets the queries
        return rows

    ok, detail = bc.check_counts(table=off_by_one)
    assert not ok and "count_table" in detail

    def leaky(weights: dict[str, sp.Matrix]) -> rl.GatedRNN:  # the first key-value neuron forgets half its sum
        rnn = rl.gated_rnn_from_lsa(weights)
        lam = rnn.lam.copy()
        lam[0, 0] = sp.Rational(1, 2)
        return dataclasses.replace(rnn, lam=lam)

    ok, detail = bc.check_counts(emulator=leaky)
    assert not ok and "gated RNN equals causal LSA" in detail


# -- the delta rule --------------------------------------------------------------------------------------------------
def test_degree_bound_by_the_layer_equations() -> None:
    for k_ in range(1, 5):
        for t in (1, 3, 8):
            bound = rl.layer_degree_bound(k_, t)
            assert bound["state"] == 2 and bound["output"] == 2 * k_ + 1
            assert [bound[f"r_{j}"] for j in range(k_)] == [1 + 2 * j for j in range(k_)]


def test_random_layers_reach_the_bound_and_never_pass_it() -> None:
    for k_ in (1, 2):
        for seed in (0, 1):
            assert rl.layer_output_degrees(rl.random_layer(1, 1, k_, seed), 1, 1, 3) == [2 * k_ + 1] * 3


def test_online_sgd_degree_and_top_part() -> None:
    ctx = symbolic_context(2, 1, 3)
    for t, y in enumerate(rl.online_sgd_predictions(ctx), start=1):
        assert rl.data_degree(y[0][0], ctx) == 2 * t + 1
        assert sp.expand(rl.top_part(y[0][0], ctx) - rl.sgd_top_part(ctx, t)) == 0
    one = symbolic_context(1, 1, 1)
    (x1,), (x2,) = (x[0] for x in one.xs)
    assert rl.online_sgd_predictions(one)[0][0][0] == sp.expand(rl.BETA * one.ys[0][0][0] * x1 * x2)
    ctx1 = symbolic_context(1, 1, 6)
    assert [rl.data_degree(y[0][0], ctx1) for y in rl.online_sgd_predictions(ctx1, batch=3)] == [3, 3, 3, 5, 5, 5]


def test_ray_counterexample() -> None:
    r = rl.ray_counterexample(1)
    s = sp.Symbol("s")
    assert sp.expand(r["sgd_polynomial"] - (2 * s**3 / 2 - s**5 / 4)) == 0  # beta = 1/2, t = 2: 2 beta s^3 - beta^2 s^5
    assert r["sgd_difference"] == -60 and r["layer_difference"] == 0
    assert rl.finite_difference([v**3 for v in range(5)]) == 0


def test_delta_rule_transition_is_non_diagonal_and_input_dependent() -> None:
    J_delta, J_layer = rl.delta_rule_jacobian(2, 2)
    assert J_delta[0, 1] == -rl.BETA * sp.Symbol("x_0") * sp.Symbol("x_1")
    assert J_layer == sp.diag(*[sp.Symbol(f"l_{i}_{j}") for i in range(2) for j in range(2)])


def test_separation_claim_passes_and_refuses_wrong_versions() -> None:
    ok, detail = bc.check_separation()
    assert ok, detail

    class InputDependent(rl.DegreeArithmetic):
        """A transition that depends on the input (the delta rule's): each step raises the state's degree by 2."""

        @staticmethod
        def hadamard(lam: int, s: int) -> int:
            return s + 2 if s > rl.NEG else s

    ok, detail = bc.check_separation(arithmetic=InputDependent())
    assert not ok and "degree" in detail

    def one_gd_step(ctx: Context, beta: object = rl.BETA, batch: int = 1) -> list:
        return one_step(ctx.f, ctx.m, ctx.N, sp.S(beta) * ctx.N).gd_predictions(ctx)

    assert not bc.check_separation(sgd=one_gd_step)[0]


# -- the claims ------------------------------------------------------------------------------------------------------
def test_beyond_claims_are_registered_with_printed_statements() -> None:
    claims = bc.BEYOND_CLAIMS
    assert tuple(c.id for c in claims) == bc.BEYOND_IDS
    assert bc.BEYOND_CLAIMS is claims  # built once
    for c in claims:
        assert c.routes == ("exact",) and c.scalar_check is not None and c.statement and c.hypotheses
        assert all(("\\" in h) or ("=" in h) for h in c.hypotheses)
    assert r"\left(- \gamma G_{t} + \mathbb{I}\right)^{2}" in claims[2].statement  # printed from gdpp_readout()
    assert "B^{T}" in "".join(claims[1].hypotheses)


@pytest.mark.parametrize("check", [bc.check_preconditioner, bc.check_gdpp])
def test_relation_checks_pass(check) -> None:
    ok, detail = check()
    assert ok, detail
