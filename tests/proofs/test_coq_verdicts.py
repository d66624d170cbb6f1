"""Stored Coq verdicts: a file coqc accepted is answered from its verdict only when it is the very same file.

The key (:func:`gdssm.proofs.coq.run.verdict_key`) covers the checker, the compiled library and the file's name,
text and theorems; a construction claim's file is printed from its description, so a changed construction is
compiled again and refused, whatever verdicts are stored.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from gdssm.proofs.coq import generate, run
from gdssm.symbolic.mutants import mutant
from tests.proofs.coq_support import TOOLCHAIN, needs_coq


def _fake() -> tuple[run.Toolchain, run.Library, generate.CoqFile]:
    tc = run.Toolchain("coqc", "8.16.1", "1.15.0", "0123456789abcdef")
    lib = run.Library(Path("/nonexistent"), "a" * 64, True, 0.0)
    return tc, lib, generate.render("ssm.one_step")


def test_the_key_covers_the_checker_the_library_and_the_file() -> None:
    tc, lib, f = _fake()
    key = run.verdict_key(tc, lib, f)
    assert key == run.verdict_key(tc, lib, f)
    assert key != run.verdict_key(replace(tc, coq="8.17.0"), lib, f)
    assert key != run.verdict_key(replace(tc, mathcomp_digest="f" * 16), lib, f)
    assert key != run.verdict_key(tc, replace(lib, hash="b" * 64), f)
    assert key != run.verdict_key(tc, lib, replace(f, text=f.text + "\n"))
    assert key != run.verdict_key(tc, lib, replace(f, theorems=f.theorems[:-1]))
    wrong = generate.render("ssm.one_step", [mutant("flipped-sign").change(t.factory())
                                             for t in generate.spec("ssm.one_step").theorems])
    assert wrong.text != f.text and run.verdict_key(tc, lib, wrong) != key  # a changed construction: a new key


def test_a_stored_verdict_answers_only_for_its_own_file(tmp_path: Path) -> None:
    tc, lib, f = _fake()
    result = run.FileResult(f.name, f.sha256, True, {t: run.CLOSED for t in f.theorems}, 0.5, "accepted")
    run._store_verdict(tmp_path, tc, lib, f, result)
    stored = run._stored_verdict(tmp_path, tc, lib, f)
    assert stored is not None and stored.ok and stored.reused and stored.sha256 == f.sha256
    assert run._stored_verdict(tmp_path, tc, lib, replace(f, text=f.text + " ")) is None
    path = tmp_path / f"{run.verdict_key(tc, lib, f)}.json"
    row = json.loads(path.read_text())
    for tampered in ({**row, "sha256": "0" * 64}, {**row, "assumptions": {f.theorems[0]: "Axioms: x"}},
                     {**row, "assumptions": {}}, "not a verdict"):
        path.write_text(json.dumps(tampered))
        assert run._stored_verdict(tmp_path, tc, lib, f) is None
    path.write_text("{")
    assert run._stored_verdict(tmp_path, tc, lib, f) is None


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A cache folder holding the compiled library (a link to the default cache's) and no verdict."""
    assert TOOLCHAIN is not None
    lib = run.build_library(TOOLCHAIN)
    (tmp_path / lib.hash).symlink_to(lib.root, target_is_directory=True)
    return tmp_path


@needs_coq
def test_a_changed_construction_is_compiled_and_refused_despite_stored_verdicts(
        cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (first,) = run.check_claims(["ssm.one_step"], cache=cache, reuse=True)
    assert first.ok and first.evidence is not None and "reused" not in first.evidence
    assert len(list(run.results_folder(cache).glob("*.json"))) == 1
    (again,) = run.check_claims(["ssm.one_step"], cache=cache, reuse=True)
    assert again.ok and again.evidence is not None and "reused" in again.evidence
    assert again.evidence["sha256"] == first.evidence["sha256"]

    real = run.render

    def wrong(claim_id: str) -> generate.CoqFile:  # the claim's file printed from a mutant of its description
        return generate.render(claim_id, [mutant("flipped-sign").change(t.factory())
                                          for t in generate.spec(claim_id).theorems])

    monkeypatch.setattr(run, "render", wrong)
    (refused,) = run.check_claims(["ssm.one_step"], cache=cache, reuse=True)
    assert not refused.ok and "coqc refused" in refused.detail
    assert refused.evidence is not None and "reused" not in refused.evidence
    assert len(list(run.results_folder(cache).glob("*.json"))) == 1  # a refusal is never stored
    monkeypatch.setattr(run, "render", real)
    (back,) = run.check_claims(["ssm.one_step"], cache=cache, reuse=True)
    assert back.ok and back.evidence is not None and "reused" in back.evidence


@needs_coq
def test_without_reuse_every_file_is_compiled(cache: Path) -> None:
    run.check_claims(["ref.param_map"], cache=cache, reuse=True)
    (fresh,) = run.check_claims(["ref.param_map"], cache=cache)
    assert fresh.ok and fresh.evidence is not None and "reused" not in fresh.evidence


@needs_coq
def test_verify_recheck_runs_coqc_where_a_verdict_is_stored(cache: Path, tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from gdssm.cli import dispatch

    monkeypatch.setenv("GDSSM_COQ_CACHE", str(cache))
    certificates = tmp_path / "certificates.json"

    def evidence(*extra: str) -> dict[str, object]:
        assert dispatch.main(["verify", "--claim", "ref.param_map", "--route", "coq", "--certificates",
                              str(certificates), *extra]) == 0
        (cert,) = json.loads(certificates.read_text())["certificates"]
        return cert["evidence"]

    evidence()  # stores the verdict
    assert "reused" in evidence()
    assert "reused" not in evidence("--recheck")
