"""Files sharing one coqc: the batch's verdict on a file is the file's own.

* what may be batched is read from the text: a body that declares something outliving its Module, a library that
  declares something acting once loaded, or a name taken twice keep a file on its own;
* with coqc: the batch accepts what the files accept, with the same assumptions answers; a batch holding a wrong
  file is refused and every file of it is then checked alone, so the refusal names the wrong file; an Import
  inside a batch's Module does not reach the next Module (a file that does not import a module cannot use it).
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

from gdssm.proofs.coq import batch, generate, run
from gdssm.reports.prose import prose
from gdssm.symbolic.mutants import mutant
from tests.proofs.coq_support import TOOLCHAIN, assert_refused, coq_check, needs_coq


def with_body(f: generate.CoqFile, extra: str) -> generate.CoqFile:
    """``f`` with ``extra`` appended after its body (text and body alike)."""
    return dataclasses.replace(f, text=f.text + extra, body=f.body + extra)


def test_sentences_drop_nested_comments_and_strings() -> None:
    text = ('Set A. (* Notation x. (* Canonical y. *) Hint z. *) Definition d := "a. Coercion b." .\n'
            'Lemma l : 1%:M = 1%:M.')
    assert batch.sentences(text) == ["Set A", "Definition d :=", "Lemma l : 1%:M = 1%:M"]


def test_every_generated_file_may_be_batched_and_a_declaration_that_outlives_its_module_may_not() -> None:
    files = generate.render_all()
    assert all(batch.body_refusal(f) is None for f in files)
    f = generate.render("ssm.one_step")
    for extra, word in (("\nNotation two := 2.\n", "Notation"), ("\n#[global] Hint Resolve mulr1 : core.\n", "#["),
                        ("\nSet Printing All.\n", "Set"), ("\nFrom GDSSM Require Import Features.\n", "From"),
                        ("\nCanonical c := 0.\n", "Canonical"), ("\n- Arguments f : clear implicits.\n", "Arguments")):
        reason = batch.body_refusal(with_body(f, extra))
        assert reason is not None and repr(word) in reason, (extra, reason)
    assert batch.body_refusal(with_body(f, "\n(* Notation two := 2. *)\nDefinition two := 2.\n")) is None
    assert batch.body_refusal(dataclasses.replace(f, body="")) is not None  # no generated prelude


def test_batches_keep_names_apart_and_a_refused_body_alone() -> None:
    files = list(generate.render_all(["ssm.one_step", "ssm.k_step", "gd.gradient"]))
    twin = dataclasses.replace(files[0])  # the same Module and theorem names again
    odd = with_body(files[1], "\nSet Printing All.\n")
    batches, alone = batch.plan_batches([*files, twin, odd])
    assert batches == [[0, 1, 2]] and alone == [3, 4]  # the twin would make a batch of one: alone too
    big = [dataclasses.replace(files[0], name=f"f{i}.v", theorems=(f"t{i}",)) for i in range(batch.BATCH_FILES + 3)]
    batches, alone = batch.plan_batches(big)
    assert [len(b) for b in batches] == [batch.BATCH_FILES, 3] and alone == []


def test_a_library_that_declares_what_acts_once_loaded_refuses_batching(tmp_path: Path) -> None:
    real = sorted(p.relative_to(run.LIBRARY_DIR) for p in (run.LIBRARY_DIR / "theories").glob("*.v"))
    assert batch.library_refusal(run.LIBRARY_DIR, real) is None
    theories = tmp_path / "theories"
    theories.mkdir()
    (theories / "Prelude.v").write_text("From mathcomp Require Export ssralg.\n", encoding="utf-8")
    for text, word in (("Canonical c := 0.", "Canonical"), ("Coercion f : nat >-> bool.", "Coercion"),
                       ("Record r := R { a :> nat }.", ":>"), ("From mathcomp Require Import ssrnum.", "MathComp"),
                       ("Notation two := 2.", "Notation"), ("#[export] Hint Resolve x : core.", "#[")):
        (theories / "X.v").write_text(f"(* a library file *)\nLocal Notation one := 1.\n{text}\n", encoding="utf-8")
        reason = batch.library_refusal(tmp_path, [Path("theories/Prelude.v"), Path("theories/X.v")])
        assert reason is not None and word in reason, (text, reason)
    (theories / "X.v").write_text("Local Notation one := 1.\nDefinition d := one.\n", encoding="utf-8")
    assert batch.library_refusal(tmp_path, [Path("theories/X.v")]) is None


@needs_coq
def test_a_batch_gives_each_file_its_own_verdict(library: run.Library, tmp_path: Path) -> None:
    assert TOOLCHAIN is not None
    files = generate.render_all(["ssm.one_step", "ssm.discounted", "gd.gradient", "ssm.features_one_step"])
    together = run.check_batch(TOOLCHAIN, library, files, tmp_path / "batch")
    assert together is not None
    for f, shared in zip(files, together, strict=True):
        alone = coq_check(library, f, tmp_path / f.name)
        assert shared.ok and alone.ok and shared.assumptions == alone.assumptions and shared.sha256 == f.sha256
        assert "coq_batch_" in shared.detail and f"Module {f.module}" in shared.detail
        assert r"\(" not in prose(shared.detail)  # the report prints it as prose: names in typewriter, no math


@needs_coq
def test_a_refused_batch_is_checked_file_by_file(library: run.Library, tmp_path: Path) -> None:
    assert TOOLCHAIN is not None
    s = generate.spec("ssm.k_step")
    wrong = generate.render("ssm.k_step", [mutant("flipped-sign").change(t.factory()) for t in s.theorems])
    files = [generate.render("ssm.one_step"), wrong, generate.render("gd.gradient")]
    assert run.check_batch(TOOLCHAIN, library, files, tmp_path / "batch") is None
    one, refused, gradient = run.check_files(TOOLCHAIN, library, files)
    assert one.ok and gradient.ok and "coq_batch_" not in one.detail  # re-checked alone
    assert_refused(refused)
    assert refused.detail.startswith("coqc refused ssm_k_step.v")


@needs_coq
def test_an_import_ends_with_its_module(library: run.Library, tmp_path: Path) -> None:
    """The features file imports Features; a file after it in the batch that imports only Task cannot use it."""
    assert TOOLCHAIN is not None
    features = generate.render("ssm.features_one_step")
    body = "\nDefinition uses := @features_one_step.\n"
    user = generate.CoqFile("test.user", "user.v", "", (), "test", "test", ("Task",), body)
    assert run.check_batch(TOOLCHAIN, library, [features, user], tmp_path / "without") is None
    importing = dataclasses.replace(user, imports=("Task", "Layer", "Theorems", "Features"))
    assert run.check_batch(TOOLCHAIN, library, [features, importing], tmp_path / "with") is not None


@needs_coq
def test_a_library_copy_whose_sources_cannot_be_read_checks_file_by_file(library: run.Library,
                                                                          tmp_path: Path) -> None:
    assert TOOLCHAIN is not None
    root = tmp_path / "library"
    shutil.copytree(library.root, root)
    (root / "_CoqProject").unlink()
    copy = dataclasses.replace(library, root=root)
    results = run.check_files(TOOLCHAIN, copy, generate.render_all(["ssm.one_step", "gd.gradient"]))
    assert all(r.ok and "coq_batch_" not in r.detail for r in results)
