"""Route 3 of the feature claims (``numeric.feature_route``): it passes the claims' constructions over drawn torch
feature maps and refuses every wrong one, through the registry as ``gdssm verify`` runs it."""

from __future__ import annotations

import pytest

from gdssm.cli.verify import numeric_outcome
from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric.feature_route import GLU_MUTANTS, KINDS, run_feature_check
from gdssm.proofs.claims import claim
from gdssm.symbolic.features import FEATURE_MUTANTS


@pytest.mark.parametrize("kind", KINDS)
def test_the_claims_pass_on_drawn_feature_maps(kind: str) -> None:
    report = run_feature_check(kind, 8, seed=1)
    assert report.examples == 8 and report.max_rel < 1e-12


@pytest.mark.parametrize("name", [m.name for m in FEATURE_MUTANTS])
@pytest.mark.parametrize("kind", ["features-one-step", "features-k-step"])
def test_every_feature_mutant_is_refused(kind: str, name: str) -> None:
    with pytest.raises(Refuted, match="relative error"):
        run_feature_check(kind, 8, seed=1, mutant=name)


@pytest.mark.parametrize("name", GLU_MUTANTS)
def test_every_mutant_of_the_authors_model_is_refused(name: str) -> None:
    with pytest.raises(Refuted, match="relative error"):
        run_feature_check("glu", 8, seed=1, mutant=name)


def test_bad_requests_are_one_line_refusals() -> None:
    with pytest.raises(BadInput, match="unknown feature check"):
        run_feature_check("features", 4, seed=0)
    with pytest.raises(BadInput, match="number of examples"):
        run_feature_check("glu", 0, seed=0)
    with pytest.raises(BadInput, match="unknown mutant"):
        run_feature_check("glu", 4, seed=0, mutant="flipped-sign")


@pytest.mark.parametrize("claim_id", ["ssm.features_one_step", "ssm.features_k_step", "ref.nonlinear_glu"])
def test_verify_runs_the_feature_route_for_the_claims(claim_id: str) -> None:
    c = claim(claim_id)
    assert "numeric" in c.routes and c.numeric and c.numeric[0] in KINDS
    outcome = numeric_outcome(claim_id, c.numeric)
    assert outcome.ok and outcome.route == "numeric" and "max rel" in outcome.detail
