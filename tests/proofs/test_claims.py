"""The claims registry: every claim passes its proof routes, and each route rejects a wrong claim."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gdssm import cli
from gdssm.proofs.claims import CLAIMS, ROUTES, TRUSTED_BASE, claim
from gdssm.proofs.verify import RUNNERS, certificates, plan
from gdssm.symbolic.constructions import k_step, one_step
from gdssm.symbolic.mutants import mutant

REQUIRED = {"gd.gradient", "gd.closed_form", "ssm.state", "ssm.one_step", "ssm.one_step_w0", "ssm.k_step",
            "ssm.discounted", "ssm.weight_decay", "ssm.per_step_eta", "ref.param_map", "ref.two_step", "ce.one_step",
            "eta.optimal"}


def test_registry_has_every_required_claim_with_routes_and_a_trusted_base() -> None:
    assert {c.id for c in CLAIMS} == REQUIRED
    for c in CLAIMS:
        assert c.routes and set(c.routes) <= set(ROUTES)
        assert all(u in REQUIRED for u in c.uses)
    assert set(TRUSTED_BASE) == set(ROUTES)


@pytest.mark.parametrize(("claim_id", "route"), [(c.id, r) for c, r in plan(None, ("symbolic", "exact", "z3"))])
def test_every_claim_passes_its_proof_routes(claim_id: str, route: str) -> None:
    outcome = RUNNERS[route](claim(claim_id))
    assert outcome.ok, outcome.detail


@pytest.mark.parametrize("route", ["exact", "z3"])
@pytest.mark.parametrize("name", ["flipped-sign", "one-over-P", "q-entry-moved", "missing-readout-step"])
def test_a_mutated_target_fails_the_claim(route: str, name: str) -> None:
    base = claim("ssm.k_step")
    wrong = dataclasses.replace(base, targets=lambda: [mutant(name).apply(k_step(2, 1, 3, 2, "symbolic"))])
    outcome = RUNNERS[route](wrong)
    assert not outcome.ok
    assert outcome.counterexample


def test_a_wrong_proof_fails_route_1_with_the_residual() -> None:
    from gdssm.proofs.route1_examples import N, gradient_proof

    flipped = dataclasses.replace(claim("gd.gradient"),
                                  proofs=lambda: [gradient_proof(lambda reg: (reg.W * reg.G + reg.A) / N)])
    outcome = RUNNERS["symbolic"](flipped)
    assert not outcome.ok and "residual" in outcome.detail
    no_one_over_N = dataclasses.replace(claim("gd.gradient"),
                                        proofs=lambda: [gradient_proof(lambda reg: reg.W * reg.G - reg.A)])
    outcome = RUNNERS["symbolic"](no_one_over_N)
    assert not outcome.ok and "residual" in outcome.detail


def test_lambda_not_one_breaks_the_one_step_claim() -> None:
    wrong = dataclasses.replace(claim("ssm.one_step"),
                                targets=lambda: [mutant("lambda-not-one").apply(one_step(2, 1, 3, "symbolic"))])
    assert not RUNNERS["exact"](wrong).ok and not RUNNERS["z3"](wrong).ok


def test_certificates_name_the_statement_hash() -> None:
    outcomes = [RUNNERS["exact"](claim("ssm.one_step"))]
    doc = certificates(outcomes)
    row = doc["certificates"][0]
    assert row["statement_hash"] == claim("ssm.one_step").statement_hash and row["result"] == "passed"
    assert {"sympy", "python-flint", "z3"} <= set(doc["versions"])


def test_verify_cli_writes_certificates_and_fails_on_a_false_claim(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "certificates.json"
    assert cli.main(["verify", "--claim", "ssm.k_step", "--route", "exact", "--certificates", str(out)]) == 0
    assert json.loads(out.read_text())["certificates"][0]["claim"] == "ssm.k_step"
    import gdssm.proofs.claims as registry

    wrong = dataclasses.replace(claim("ssm.k_step"),
                                targets=lambda: [mutant("flipped-sign").apply(k_step(2, 1, 3, 2, "symbolic"))])
    monkeypatch.setattr(registry, "CLAIMS", tuple(wrong if c.id == "ssm.k_step" else c for c in CLAIMS))
    assert cli.main(["verify", "--claim", "ssm.k_step", "--route", "exact", "--certificates", str(out)]) == 1
    assert "FAILED" in capsys.readouterr().err


def test_unknown_claim_and_route_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["verify", "--claim", "no.such"]) == 2
    assert cli.main(["verify", "--route", "coq"]) == 2
