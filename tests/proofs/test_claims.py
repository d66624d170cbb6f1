"""The claims registry: every claim passes its proof routes, and each route rejects a wrong claim."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gdssm import cli
from gdssm.proofs.beyond_claims import BEYOND_IDS
from gdssm.proofs.claims import CLAIMS, ROUTES, TRUSTED_BASE, claim
from gdssm.proofs.feature_claims import FEATURE_IDS
from gdssm.proofs.verify import RUNNERS, certificates, plan
from gdssm.symbolic.constructions import k_step, one_step
from gdssm.symbolic.mutants import mutant

REQUIRED = {"gd.gradient", "gd.closed_form", "ssm.state", "ssm.one_step", "ssm.one_step_w0", "ssm.k_step",
            "ssm.k_step_w0", "ssm.discounted", "ssm.weight_decay", "ssm.per_step_eta", "ref.param_map",
            "ref.two_step", "ce.one_step", "eta.optimal", *BEYOND_IDS, *FEATURE_IDS}


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
    from gdssm.proofs.theories.gradient import gradient_theorem
    from gdssm.symbolic.description import N

    flipped = dataclasses.replace(claim("gd.gradient"),
                                  theorem=lambda: gradient_theorem(lambda reg: (reg.W * reg.G + reg.A) / N))
    outcome = RUNNERS["symbolic"](flipped)
    assert not outcome.ok and "residual" in outcome.detail and "step 'fold G and A'" in outcome.detail
    no_one_over_N = dataclasses.replace(claim("gd.gradient"),
                                        theorem=lambda: gradient_theorem(lambda reg: reg.W * reg.G - reg.A))
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
    assert cli.main(["verify", "--route", "lean"]) == 2


# -- statements and hypotheses are generated from the proofs ---------------------------------------------------
PROVED = [c.id for c in CLAIMS if c.theorem is not None]
GIVEN = {"ref.param_map", "ref.two_step", "eta.optimal", *BEYOND_IDS}
"""The claims without a route-1 theorem: their statement is printed from what their checks compare."""


def test_which_claims_have_a_route_1_theorem() -> None:
    assert set(PROVED) == REQUIRED - GIVEN
    assert all("symbolic" in claim(i).routes for i in PROVED)


@pytest.mark.parametrize("claim_id", PROVED)
def test_the_printed_statement_is_the_conclusion_of_the_proof(claim_id: str) -> None:
    from gdssm.proofs.theories.common import conclusion_tex

    c = claim(claim_id)
    fresh = c.theorem()  # type: ignore[misc]
    assert fresh.ok, fresh.first_failure()
    assert c.statement == conclusion_tex(fresh.records[-1]) == fresh.statement_tex
    assert fresh.records[-1].name == claim_id  # the conclusion record is the claim's own
    assert c.hypotheses == fresh.hypotheses_tex
    assert c.uses == fresh.cited(x.id for x in CLAIMS)


def test_no_claim_text_is_typed_by_hand_in_the_registry() -> None:
    """In claims.py, a Claim with a theorem passes no statement, hypotheses or uses (they are generated), and
    no string there is LaTeX of a statement: every string argument of a Claim(...) call is its id or title."""
    import ast

    import gdssm.proofs.claims as registry

    tree = ast.parse(Path(registry.__file__).read_text())
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and getattr(n.func, "id", None) == "Claim"]
    assert len(calls) == len(CLAIMS) - len(BEYOND_IDS) - len(FEATURE_IDS)  # those two are built in their modules
    for call in calls:
        cid = call.args[0].value  # type: ignore[attr-defined]
        keywords = {k.arg for k in call.keywords}
        if cid in GIVEN:
            continue
        assert "theorem" in keywords, cid
        assert len(call.args) == 2 and not keywords & {"given_statement", "given_hypotheses", "given_uses"}, cid


def test_uses_are_the_claims_the_proof_cites() -> None:
    assert claim("ssm.one_step").uses == ("ssm.state",)
    assert "gd.closed_form" not in claim("ssm.one_step").uses  # its proof does not use it
    assert claim("ssm.state").uses == ()


def test_the_printed_hypotheses_of_the_ssm_claims_are_complete() -> None:
    k = claim("ssm.k_step").hypotheses
    for needed in (r"\Lambda = \mathbf{1}", "d = e_{3}", r"\rho_{j} = 1", r"V_{1} = \mathbb{I}", "F = 0",
                   r"R = E_{x} E_{x}^{T}", r"C = E_{y}^{T}", r"c_{j} = \frac{\eta}{N}", r"\beta_{j} = \frac{\eta}{N}",
                   r"E_{x}^{T} E_{y} = 0"):
        assert needed in k, needed
    assert r"V_{2} = \mathbb{I}" in claim("ssm.state").hypotheses
    one = claim("ssm.one_step").hypotheses
    assert r"V_{2} = \mathbb{I}" in one and "F = 0" in one and "c_{0} = 1" in one
    assert "W^{(t)}" in claim("ssm.k_step").statement and any(h.startswith("W^{(t)}_{s + 1} =") for h in k)


def test_the_general_claims_are_proved_with_symbolic_scalars() -> None:
    details = {cid: RUNNERS["symbolic"](claim(cid)) for cid in
               ("ssm.discounted", "ssm.weight_decay", "ssm.per_step_eta", "ssm.one_step_w0", "ssm.k_step_w0")}
    assert all(o.ok for o in details.values())
    assert "lambda" in details["ssm.discounted"].dims
    assert "gamma" in details["ssm.weight_decay"].dims and "eta" in details["ssm.weight_decay"].dims
    assert "eta_s" in details["ssm.per_step_eta"].dims
    assert "W_0" in details["ssm.one_step_w0"].dims and "W_0" in details["ssm.k_step_w0"].dims


def test_routes_exact_and_z3_keep_the_general_scalars_as_indeterminates() -> None:
    from gdssm.proofs.rings import program_pair

    for cid, names in (("ssm.discounted", {"lambda"}), ("ssm.weight_decay", {"gamma", "eta"}),
                       ("ssm.per_step_eta", {"eta_0", "eta_1"}), ("ssm.one_step_w0", {"W0_00"}),
                       ("ssm.k_step_w0", {"W0_00", "W0_01"})):
        for target in claim(cid).targets():
            assert names <= {str(s) for s in program_pair(target).parameters}, (cid, target.name)
