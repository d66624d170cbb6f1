"""Feature-map constructions (issue 18): route 1 for any phi, exact and z3 checks with polynomial phi, mutants."""

from __future__ import annotations

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.numeric.features import glu_compare
from gdssm.proofs.claim import CLAIM_IDS
from gdssm.proofs.claims import claim
from gdssm.proofs.feature_claims import FEATURE_IDS, exact_maps, feature_pair, glu_pair, glu_targets, kernel_pair
from gdssm.proofs.route_exact import check_exact
from gdssm.proofs.route_z3 import check_z3
from gdssm.proofs.theories.features import FEATURE_THEOREMS, GLU_READOUT, refutes, theorem
from gdssm.symbolic import description as descriptions
from gdssm.symbolic.features import (
    FEATURE_MUTANTS,
    DataMap,
    feature_k_step,
    feature_one_step,
    k_step_features,
    on_features,
    one_step_features,
    p,
    polynomial_map,
)
from gdssm.symbolic.reference_glu import GLU_MUTANTS, GLUMutant, glu_features, nonlinear_reference
from gdssm.symbolic.task import symbolic_context


@pytest.mark.parametrize("claim", FEATURE_IDS)
def test_route1_proves_feature_claims(claim: str) -> None:
    th = theorem(claim)
    assert th.ok, th.first_failure()
    assert r"\phi(x)_{t + 1}" in th.statement_tex or r"\kappa_{t}" in th.statement_tex
    assert r"z_{2 i - 1} = E_{x} \phi(x)_{i}" in th.hypotheses_tex


def test_statements_are_generated() -> None:
    assert theorem("ssm.features_k_step").statement_tex == r"\hat{y}_{t} = W^{(t)}_{k} \phi(x)_{t + 1} \quad (k \geq 0)"
    kernel = theorem("kernel.one_step")
    assert kernel.statement_tex == r"\hat{y}_{t} = \frac{\eta}{N} \kappa_{t}"
    assert r"\kappa_{n + 1} = \kappa_{n} + y_{n + 1} \phi(x)_{n + 1}^{T} \phi(x)_{t + 1}" in kernel.hypotheses_tex
    assert "ssm.features_one_step" in kernel.cited(FEATURE_IDS)


def test_description_is_the_base_with_f_replaced_by_p() -> None:
    fd = k_step_features()
    assert fd.base.R.shape == (descriptions.H, descriptions.H)
    assert descriptions.f not in fd.base.R.free_symbols and p in sp.sympify(fd.base.R.args[0].shape[1]).free_symbols
    assert on_features(descriptions.one_step_description()).C == descriptions.one_step_description().C


GD_ON_FEATURES = tuple(c for c in FEATURE_IDS if c != "ref.nonlinear_glu")
"""The claims the feature mutants break (for ref.nonlinear_glu phi on y is the model: GLU_MUTANTS below)."""


@pytest.mark.parametrize("mut", FEATURE_MUTANTS, ids=lambda mut: mut.name)
@pytest.mark.parametrize("claim", GD_ON_FEATURES)
def test_route1_refuses_mutants(claim: str, mut: object) -> None:
    make = FEATURE_THEOREMS[claim].make
    assert refutes(mut.apply(make()), claim)  # type: ignore[attr-defined]


def test_route1_refuses_raw_x_tokens() -> None:
    assert refutes(one_step_features().changed(data=DataMap(x="id", query="id")), "ssm.features_one_step")


def test_unknown_map_is_bad_input() -> None:
    with pytest.raises(BadInput):
        DataMap(x="psi")


@pytest.mark.parametrize("which", ["one", "k", "kernel"])
def test_exact_routes_prove_targets(which: str) -> None:
    a, b = exact_maps()
    pair = {"one": feature_pair(feature_one_step(b, 2, 3)), "k": feature_pair(feature_k_step(a, 1, 3, 2)),
            "kernel": kernel_pair(feature_one_step(a, 1, 3))}[which]
    assert check_exact(pair, "mpoly").status == "proved"
    assert check_z3(pair, timeout=30).ok


@pytest.mark.parametrize("mut", FEATURE_MUTANTS, ids=lambda mut: mut.name)
@pytest.mark.parametrize("k", [1, 2])
def test_exact_and_z3_refuse_mutants(mut: object, k: int) -> None:
    phi = exact_maps()[0]  # f = m = 1, so phi-on-y is well formed
    c = feature_one_step(phi, 1, 3) if k == 1 else feature_k_step(phi, 1, 3, k)
    broken = mut.apply_concrete(c)  # type: ignore[attr-defined]
    assert check_exact(feature_pair(broken), "mpoly").status == "refuted"
    assert not check_z3(feature_pair(broken), timeout=30).ok
    if k == 1:
        assert check_exact(kernel_pair(broken), "mpoly").status == "refuted"


def test_polynomial_map_evaluates_exactly() -> None:
    phi = polynomial_map(2, 2)
    assert phi.p == 6
    ctx = symbolic_context(2, 1, 2)
    c = feature_one_step(phi, 1, 2, 1)
    lhs, rhs = c.predictions(ctx), c.gd_predictions(ctx)
    assert all(sp.expand(a[0][0] - b[0][0]) == 0 for a, b in zip(lhs, rhs, strict=True))


# -- the authors' non-linear model (ref.nonlinear_glu) ---------------------------------------------------

def test_route1_derives_the_authors_nonlinear_model() -> None:
    th = theorem("ref.nonlinear_glu")
    assert th.ok, th.first_failure()
    assert th.statement_tex == r"o^{\mathrm{ref}}_{t} = - W^{(t)}_{1} \phi(x)_{t + 1}"
    assert r"A_{t + 1} = A_{t} + \phi(y)_{t + 1} \phi(x)_{t + 1}^{T}" in th.hypotheses_tex  # targets phi(y)
    assert GLU_READOUT in th.hypotheses_tex and r"z_{2 i} = E_{y} \phi(y)_{i}" in th.hypotheses_tex
    assert th.cited(CLAIM_IDS) == ("ref.param_map", "ssm.features_one_step")


@pytest.mark.parametrize("mut", GLU_MUTANTS, ids=lambda mut: mut.name)
def test_every_route_refuses_the_glu_mutants(mut: GLUMutant) -> None:
    assert refutes(mut.route1.apply(glu_features()), "ref.nonlinear_glu")
    pair = glu_pair(mut.apply(nonlinear_reference(1, 2, 2)))
    assert check_exact(pair, "mpoly").status == "refuted"
    assert not check_z3(pair, timeout=30).ok
    assert glu_compare(4, 6, mutant=mut.name).rel > 1e-3


def test_exact_routes_prove_the_glu_closed_form() -> None:
    for pair in glu_targets():
        assert check_exact(pair, "mpoly").status == "proved"
        assert check_z3(pair, timeout=30).ok


@pytest.mark.parametrize(("P", "N", "seed"), [(10, 10, 0), (3, 5, 1), (1, 2, 2)])
def test_their_forward_with_real_gelu_matches_the_closed_form(P: int, N: int, seed: int) -> None:
    check = glu_compare(P, N, seed=seed)
    assert check.rel < 1e-10 and check.scale > 0


def test_the_glu_claim_is_registered_with_its_meaning() -> None:
    c = claim("ref.nonlinear_glu")
    assert c.routes == ("symbolic", "exact", "z3", "numeric") and c.numeric == ("glu",)
    assert "not GD on MLP features" in c.title
    assert c.statement == theorem("ref.nonlinear_glu").statement_tex
