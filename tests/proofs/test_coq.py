"""The Coq route: files generated from the descriptions, kernel-checked, and refused when wrong.

* the printer writes the terms the library's theorems expect (``(K.-1 - j)%N``, ``etas s``, ``eta / N%:R``);
* rendering is deterministic (byte-identical files, also under another hash seed);
* every claim with a Coq route passes it: coqc accepts its file and ``Print Assumptions`` answers closed;
* the mutant table is exact: each catalogue mutant either changes a claim's printed file or is listed as
  invisible for it, and every visible one is refused by coqc (for ``ssm.state``, the mutants of fields the
  state equation does not read are accepted: that claim still holds for them);
* an unfinished proof and a library lemma resting on an assumed constant are refused (those inputs are built
  here in temporary folders; the words are assembled at run time so that no committed file contains them);
* without coqc on PATH ``gdssm verify`` prints one line naming the packages and exits 0 on the other routes.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sympy as sp

from gdssm import cli
from gdssm.proofs.beyond_claims import BEYOND_IDS
from gdssm.proofs.claims import CLAIMS, claim
from gdssm.proofs.coq import generate, run
from gdssm.proofs.coq.printer import Printer
from gdssm.proofs.feature_claims import FEATURE_IDS
from gdssm.proofs.verify import run_coq_batch
from gdssm.symbolic import description as sym
from gdssm.symbolic.mutants import MUTANTS, mutant
from gdssm.symbolic.reference import reference_two_step
from tests.proofs.coq_support import TOOLCHAIN, coq_check, needs_coq

UNFINISHED = "Ad" + "mitted."
ASSUMED = "Ax" + "iom"

# ------------------------------------------------------------------------------------------------
# the mutant table: claim -> (mutants coqc must refuse, visible mutants the claim still holds for)

ONE_STEP_VISIBLE = frozenset({"flipped-sign", "one-over-P", "missing-1/N", "q-entry-moved", "lambda-not-one",
                              "wrong-window-entry", "missing-readout-step"})
"""R = 0 and V_1 = I already: no-gram-correction and no-value-map leave the one-step description unchanged."""
K_STEP_VISIBLE = ONE_STEP_VISIBLE | {"no-gram-correction"}
"""V_1 = I already: no-value-map leaves the k-step description unchanged."""
W0_VISIBLE = ONE_STEP_VISIBLE | {"no-value-map"}
K_STEP_W0_VISIBLE = K_STEP_VISIBLE | {"no-value-map"}
"""From W_0, V_1 = I - E_y W_0 E_x^T: no-value-map changes the k-step description too."""
STATE_READS = frozenset({"q-entry-moved", "lambda-not-one"})
"""The state equation S_t = E_y A_t E_x^T reads Q, V_2 and Lambda only."""

MUTANT_TABLE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "ssm.state": (STATE_READS, ONE_STEP_VISIBLE - STATE_READS),
    "ssm.one_step": (ONE_STEP_VISIBLE, frozenset()),
    "ssm.one_step_w0": (W0_VISIBLE, frozenset()),
    "ssm.k_step": (K_STEP_VISIBLE, frozenset()),
    "ssm.k_step_w0": (K_STEP_W0_VISIBLE, frozenset()),
    "ssm.discounted": (K_STEP_VISIBLE, frozenset()),
    "ssm.weight_decay": (K_STEP_VISIBLE, frozenset()),
    "ssm.per_step_eta": (K_STEP_VISIBLE, frozenset()),
}


def mutated(claim_id: str, name: str) -> generate.CoqFile:
    """The claim's file with the mutant applied to each of its theorems' descriptions."""
    s = generate.spec(claim_id)
    return generate.render(claim_id, [mutant(name).change(t.factory()) for t in s.theorems])


# ------------------------------------------------------------------------------------------------
# printing and generation (no coqc needed)

def test_printer_writes_the_library_forms() -> None:
    p = Printer()
    per_step = sym.k_step_description(per_step=True)
    assert p.function(per_step.c) == "fun j => etas (K.-1 - j)%N / N%:R"
    assert p.function(sp.Lambda(sym.s, per_step.step_eta(sym.s) / sym.N)) == "fun s => etas s / N%:R"
    assert p.nat(sym.k - 1) == "K.-1" and p.nat(sym.k) == "K" and p.nat(sp.Integer(0)) == "0"
    one = sym.one_step_description(with_w0=True)
    assert p.matrix(one.V1) == "- (Ey *m W0 *m Ex^T)" and p.matrix(one.F) == "W0 *m Ex^T"
    assert p.matrix(one.C) == "(eta / N%:R) *: Ey^T" and p.matrix(one.Lambda) == "const_mx lam"
    assert p.matrix(sp.Identity(sym.H)) == "1%:M" and p.matrix(sp.ZeroMatrix(sym.H, sym.H)) == "0"
    assert p.matrix(sym.k_step_description().R) == "Ex *m Ex^T"
    assert p.entries(one.Q) == "[:: [:: 1; 0; 0]; [:: 1; 0; 0]; [:: 0; 0; 0]]" and p.entries(one.d) == "[:: 0; 0; 1]"
    assert p.scalar(sp.Rational(9, 10) * sym.lam) == "9%:R * lam / 10%:R"
    assert p.used >= {"etas", "K", "N", "Ex", "Ey", "W0", "eta", "lam"}


def test_values_are_substituted_on_the_description_before_printing() -> None:
    text = generate.render("ssm.one_step").text
    assert "(const_mx 1)" in text and "G x 1 t.+1" in text and "A x y 1 t.+1" in text
    assert "Variables eta : R." in text  # no Variable lam: lambda = 1 was substituted before printing
    decay = generate.render("ssm.weight_decay").text
    assert "(fun j => 1 - gamma * eta)" in decay and "(fun s => 1 - gamma * eta)" in decay
    assert "const_mx lam" in generate.render("ssm.discounted").text


def test_rendering_is_deterministic() -> None:
    first = {f.name: f.text for f in generate.render_all()}
    assert first == {f.name: f.text for f in generate.render_all()}
    code = ("import hashlib, json; from gdssm.proofs.coq.generate import render_all; "
            "print(json.dumps({f.name: hashlib.sha256(f.text.encode()).hexdigest() for f in render_all()}))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONHASHSEED": "12345"}, check=True)
    assert json.loads(proc.stdout) == {name: hashlib.sha256(text.encode()).hexdigest() for name, text in first.items()}


def test_every_coq_claim_has_a_file_and_eta_optimal_has_none() -> None:
    with_coq = {c.id for c in CLAIMS if "coq" in c.routes}
    assert with_coq == {s.claim_id for s in generate.CLAIM_SPECS}
    assert with_coq == {c.id for c in CLAIMS} - {"eta.optimal", "ref.nonlinear_glu", *BEYOND_IDS}  # not in Coq
    for f in generate.render_all():
        assert f.name == f.claim_id.replace(".", "_") + ".v" and f.origin in generate.ORIGINS
        for thm in f.theorems:
            assert f"Theorem {thm}" in f.text and f'Redirect "{thm}.assumptions" Print Assumptions {thm}.' in f.text
        for word in ("dmit", "xiom", "Para" + "meter"):  # no unfinished proof, assumed constant or declaration
            assert word not in f.text
    generated = {s.claim_id for s in generate.CLAIM_SPECS if s.origin == generate.GENERATED}
    assert generated == set(MUTANT_TABLE) | (set(FEATURE_IDS) - {"ref.nonlinear_glu"})  # features: test_coq_features


@pytest.mark.parametrize("claim_id", sorted(MUTANT_TABLE))
def test_the_mutant_table_is_exact(claim_id: str) -> None:
    """A mutant changes the printed file exactly when the table lists it (so no refusal below is vacuous)."""
    refused, accepted = MUTANT_TABLE[claim_id]
    base = generate.render(claim_id).text
    changed = {mu.name for mu in MUTANTS if mutated(claim_id, mu.name).text != base}
    assert changed == refused | accepted


def test_a_registry_claim_is_not_printed_from_a_description() -> None:
    with pytest.raises(ValueError, match="not a construction claim"):
        generate.render("gd.closed_form", sym.one_step_description())


# ------------------------------------------------------------------------------------------------
# coqc

@needs_coq
def test_every_coq_claim_passes_and_its_certificate_holds_the_evidence() -> None:
    assert TOOLCHAIN is not None
    outcomes = run_coq_batch([c for c in CLAIMS if "coq" in c.routes])
    for o in outcomes:
        assert o.ok, o.detail
        ev = o.evidence
        assert ev is not None and ev["coqc"] == TOOLCHAIN.coq and ev["mathcomp"] == TOOLCHAIN.mathcomp
        assert set(ev["assumptions"].values()) == {run.CLOSED}
        assert ev["sha256"] == generate.render(o.claim).sha256 and ev["statement"] in generate.ORIGINS
    assert {o.claim: o.evidence["statement"] for o in outcomes if o.evidence}["ssm.k_step"] == generate.GENERATED


@needs_coq
@pytest.mark.parametrize(("claim_id", "name"), [(c, m) for c, (refused, _) in sorted(MUTANT_TABLE.items())
                                                for m in sorted(refused)])
def test_coqc_refuses_every_visible_mutant(claim_id: str, name: str, library: run.Library, tmp_path: Path) -> None:
    result = coq_check(library, mutated(claim_id, name), tmp_path)
    assert not result.accepted and not result.ok
    assert "coqc refused" in result.detail


@needs_coq
@pytest.mark.parametrize("name", sorted(MUTANT_TABLE["ssm.state"][1]))
def test_the_state_claim_holds_for_mutants_of_fields_it_does_not_read(name: str, library: run.Library,
                                                                     tmp_path: Path) -> None:
    assert coq_check(library, mutated("ssm.state", name), tmp_path).ok


@needs_coq
def test_the_reference_variant_b_is_not_two_gd_steps(library: run.Library, tmp_path: Path) -> None:
    p = Printer()
    wrong = [p.entries(layer.w_q) for layer in reference_two_step(1, 1, 1, "symbolic", "B").layers]
    f = generate.render("ref.two_step", library={"wq": wrong, "variant": "B"})
    assert f.text != generate.render("ref.two_step").text
    assert not coq_check(library, f, tmp_path).accepted


@needs_coq
def test_an_unfinished_proof_is_refused(library: run.Library, tmp_path: Path) -> None:
    f = generate.render("ssm.k_step")
    proof = re.search(r"Proof\. apply: .*? Qed\.", f.text)
    assert proof is not None
    result = coq_check(library, f, tmp_path, f.text.replace(proof.group(0), UNFINISHED))
    assert result.accepted and not result.ok  # coqc accepts the file; the assumptions answer does not
    (answer,) = result.assumptions.values()
    assert answer != run.CLOSED and "claim_ssm_k_step" in answer


@needs_coq
def test_a_library_lemma_resting_on_an_assumed_constant_is_refused(tmp_path: Path) -> None:
    """gd_closed_form_decay (used by gd_closed_form, used by the claim's theorem) proved from an assumption."""
    assert TOOLCHAIN is not None
    source = tmp_path / "coq"
    (source / "theories").mkdir(parents=True)
    (source / "_CoqProject").write_text("-Q theories GDSSM\n\ntheories/Prelude.v\ntheories/Task.v\n", encoding="utf-8")
    shutil.copy(run.LIBRARY_DIR / "theories" / "Prelude.v", source / "theories" / "Prelude.v")
    task = (run.LIBRARY_DIR / "theories" / "Task.v").read_text(encoding="utf-8")
    start = task.index("Lemma gd_closed_form_decay")
    proof_start = task.index("Proof.", start)
    proof_end = task.index("Qed.", proof_start) + len("Qed.")
    task = task[:proof_start] + "Proof. exact: gdssm_assumed. Qed." + task[proof_end:]
    task = task.replace("Section GD.", f"{ASSUMED} gdssm_assumed : forall P : Prop, P.\n\nSection GD.", 1)
    (source / "theories" / "Task.v").write_text(task, encoding="utf-8")
    lib = run.build_library(TOOLCHAIN, source, tmp_path / "cache")
    f = generate.render("gd.closed_form")
    result = run.check_file(TOOLCHAIN, lib, f.name, f.text, f.theorems, tmp_path / "check")
    assert result.accepted and not result.ok
    assert "gdssm_assumed" in result.assumptions["claim_gd_closed_form"]


@needs_coq
def test_the_library_is_compiled_once_per_source_hash(tmp_path: Path) -> None:
    assert TOOLCHAIN is not None
    source = tmp_path / "coq"
    shutil.copytree(run.LIBRARY_DIR, source, ignore=shutil.ignore_patterns("*.vo", "*.vok", "*.vos", "*.glob",
                                                                           ".*.aux"))
    (source / "_CoqProject").write_text("-Q theories GDSSM\n\ntheories/Prelude.v\ntheories/Task.v\ntheories/Layer.v\n",
                                        encoding="utf-8")
    cold = run.build_library(TOOLCHAIN, source, tmp_path / "cache")
    warm = run.build_library(TOOLCHAIN, source, tmp_path / "cache")
    assert not cold.cached and warm.cached and warm.hash == cold.hash and warm.root == cold.root
    assert (cold.theories / "Task.vo").is_file() and json.loads((cold.root / "manifest.json").read_text())["hash"]
    with (source / "theories" / "Layer.v").open("a", encoding="utf-8") as fh:
        fh.write("\n(* changed *)\n")
    assert run.source_hash(source, TOOLCHAIN) != cold.hash


@needs_coq
def test_verify_route_coq_writes_the_evidence(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert TOOLCHAIN is not None
    out = tmp_path / "certificates.json"
    assert cli.main(["verify", "--claim", "ssm.k_step", "--route", "coq", "--certificates", str(out)]) == 0
    doc = json.loads(out.read_text())
    (row,) = doc["certificates"]
    assert row["route"] == "coq" and row["result"] == "passed"
    assert row["evidence"]["assumptions"] == {"claim_ssm_k_step": run.CLOSED}
    assert row["evidence"]["theorems"] == ["claim_ssm_k_step"] and doc["versions"]["coqc"] == TOOLCHAIN.coq
    assert "ssm.k_step" in capsys.readouterr().out


def test_without_coqc_verify_says_what_to_install_and_the_other_routes_decide(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    assert run.toolchain() is None
    out = tmp_path / "certificates.json"
    assert cli.main(["verify", "--claim", "ref.param_map", "--certificates", str(out)]) == 0
    captured = capsys.readouterr()
    lines = [line for line in captured.err.splitlines() if "coq" in line.lower()]
    assert len(lines) == 1 and run.INSTALL in lines[0]
    assert "not Coq-checked" in captured.out
    rows = json.loads(out.read_text())["certificates"]
    assert [(r["route"], r["result"]) for r in rows] == [("exact", "passed")]
    assert cli.main(["verify", "--claim", "ref.param_map", "--route", "coq", "--certificates", str(out)]) == 2
    assert run.INSTALL in capsys.readouterr().err
    assert claim("eta.optimal").routes == ("exact",)
