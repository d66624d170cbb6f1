"""The Coq route of the feature claims: files generated from the feature descriptions, phi a section variable.

* each feature claim's file declares phi as a ``Variable`` (so its theorem holds for every map) and its data map's
  token sequences; rendering a feature mutant changes the file;
* with coqc: each file passes (accepted, ``Print Assumptions`` closed) and each feature mutant -- another map on the
  query, a map on the labels, a missing 1/N -- is refused;
* the library file ``coq/theories/Features.v`` holds no assumed constant or unfinished proof.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from gdssm.proofs.claims import claim
from gdssm.proofs.coq import generate, run
from gdssm.proofs.coq.printer import data_sequences
from gdssm.symbolic.features import CORRECT, FEATURE_MUTANTS, DataMap, FeatureDescription, FeatureMutant
from tests.proofs.coq_support import assert_refused, coq_check, needs_coq

COQ_FEATURES = ("ssm.features_one_step", "ssm.features_k_step", "kernel.one_step")
FORBIDDEN = ("Ad" + "mitted", "Ax" + "iom", "Para" + "meter")


def mutated(claim_id: str, mut: FeatureMutant) -> generate.CoqFile:
    made = [t.factory() for t in generate.spec(claim_id).theorems]
    return generate.render(claim_id, [mut.apply(d) for d in made if isinstance(d, FeatureDescription)])


@pytest.mark.parametrize("claim_id", COQ_FEATURES)
def test_the_feature_files_quantify_over_phi(claim_id: str) -> None:
    f = generate.render(claim_id)
    assert "coq" in claim(claim_id).routes and f.origin == generate.GENERATED
    assert "Variable phi : 'cV[R]_f -> 'cV[R]_p." in f.text and "Variable Ex : 'M[R]_(H, p)." in f.text
    assert "yhat Ex Ey (features phi x) y " in f.text and "From GDSSM Require Import Task Layer Theorems Features." \
        in f.text
    assert not any(word in f.text for word in FORBIDDEN)


@pytest.mark.parametrize("mut", FEATURE_MUTANTS, ids=lambda mut: mut.name)
@pytest.mark.parametrize("claim_id", COQ_FEATURES)
def test_every_feature_mutant_changes_the_file(claim_id: str, mut: FeatureMutant) -> None:
    assert mutated(claim_id, mut).text != generate.render(claim_id).text


def test_data_maps_print_the_sequences_the_layer_reads() -> None:
    assert data_sequences(CORRECT) == ("(features phi x)", "y")
    assert data_sequences(DataMap(query="phi'")) == ("(fun i => if i == N then phi' (x i) else phi (x i))", "y")
    assert data_sequences(DataMap(y="phi(y)"))[1] == "(fun i => psi (y i))"


def test_the_library_file_assumes_nothing() -> None:
    text = (run.LIBRARY_DIR / "theories" / "Features.v").read_text(encoding="utf-8")
    assert not any(word in text for word in FORBIDDEN)
    assert "theories/Features.v" in (run.LIBRARY_DIR / "_CoqProject").read_text(encoding="utf-8")


@needs_coq
@pytest.mark.parametrize("claim_id", COQ_FEATURES)
def test_coqc_proves_the_feature_claims(claim_id: str, library: run.Library, tmp_path: Path) -> None:
    result = coq_check(library, generate.render(claim_id), tmp_path)
    assert result.ok, result.detail
    assert set(result.assumptions.values()) == {run.CLOSED}


@needs_coq
@pytest.mark.parametrize("mut", FEATURE_MUTANTS, ids=lambda mut: mut.name)
@pytest.mark.parametrize("claim_id", COQ_FEATURES)
def test_coqc_refuses_the_feature_mutants(claim_id: str, mut: FeatureMutant, library: run.Library,
                                         tmp_path: Path) -> None:
    assert_refused(coq_check(library, mutated(claim_id, mut), tmp_path))
