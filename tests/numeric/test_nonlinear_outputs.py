"""The ``nonlinear`` preset's files: trained.safetensors (phi and the layer, rebuilt with strict=True), its refusals
and its check (tampered tensors and wrong constructions refuted), summary.json, metrics and figures."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import pytest
import safetensors.torch
import torch

from gdssm.cli.export import claim_hashes
from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric.formats.containers import safetensors_bytes
from gdssm.numeric.formats.trained import (
    SCHEMA,
    decode_trained,
    is_trained_file,
    read_trained,
    rebuild,
    trained_claims,
)
from gdssm.numeric.train_artifacts import load_outputs
from gdssm.numeric.train_nonlinear import ZERO, NonlinearPreset, NonlinearResult, sine_tasks, train_nonlinear
from gdssm.numeric.train_nonlinear_outputs import WEIGHTS, write_outputs
from gdssm.numeric.trained_check import check_trained
from gdssm.symbolic.features import FEATURE_MUTANTS

SMALL = NonlinearPreset(N=6, p=4, widths=(8, 5), steps=12, batch=16, eval_tasks=24)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> tuple[NonlinearResult, Path]:
    result = train_nonlinear(SMALL, seed=3)
    assert result.model is not None
    out = tmp_path_factory.mktemp("nonlinear")
    write_outputs(result, out, claim_hashes(trained_claims(result.model)))
    return result, out


def file_parts(path: Path) -> tuple[dict, dict[str, torch.Tensor]]:
    data = path.read_bytes()
    size = struct.unpack("<Q", data[:8])[0]
    doc = json.loads(json.loads(data[8:8 + size])["__metadata__"]["gdssm"])
    return doc, safetensors.torch.load(data)


def rewritten(doc: dict, tensors: dict[str, torch.Tensor]) -> bytes:
    return safetensors_bytes(tensors, json.dumps(doc, sort_keys=True, separators=(",", ":")))


def test_the_file_rebuilds_phi_and_the_layer_exactly(run: tuple[NonlinearResult, Path]) -> None:
    result, out = run
    loaded = read_trained(out / WEIGHTS)
    doc = loaded.metadata
    assert doc["schema"] == SCHEMA and doc["feature_map"] == {"kind": "mlp", "in_dim": 1, "out_dim": 4,
                                                               "widths": [8, 5], "activation": "tanh"}
    assert doc["layer"]["dims"] == {"f": 4, "m": 1, "N": 6, "H": 5} and doc["law"] == "independent"
    assert doc["seed"] == 3 and doc["training_steps"] == 12 and sorted(doc["claims"]) == sorted(
        trained_claims(loaded.model))
    x, y, _ = sine_tasks(7, 6, "independent", torch.Generator().manual_seed(5), torch.float32)
    assert result.model is not None
    with torch.no_grad():
        assert torch.equal(loaded.model(x, y), result.model(x, y))
    fresh = rebuild(doc)  # from the metadata alone, then the tensors with strict=True
    fresh.load_state_dict(safetensors.torch.load_file(out / WEIGHTS), strict=True)
    with torch.no_grad():
        assert torch.equal(fresh(x, y), result.model(x, y))
    assert is_trained_file(out / WEIGHTS) and not is_trained_file(out / "summary.json")


def test_the_check_passes_on_the_file_and_refutes_wrong_constructions(run: tuple[NonlinearResult, Path]) -> None:
    _, out = run
    loaded = read_trained(out / WEIGHTS)
    found = check_trained(loaded)
    assert found.core_rel <= found.tolerance and found.evaluation_loss == loaded.metadata["evaluation"]["loss"]
    for mutant in FEATURE_MUTANTS:
        with pytest.raises(Refuted, match="not GD on its features"):
            check_trained(loaded, mutant=mutant)


def test_a_tampered_tensor_is_refused_on_load_and_refuted_by_the_check(run: tuple[NonlinearResult, Path],
                                                                     tmp_path: Path) -> None:
    _, out = run
    doc, tensors = file_parts(out / WEIGHTS)
    tensors["phi.0.weight"] = tensors["phi.0.weight"].clone()
    tensors["phi.0.weight"][0, 0] += 1e-3
    bad = tmp_path / "tampered.safetensors"
    bad.write_bytes(rewritten(doc, tensors))
    with pytest.raises(BadInput, match="not the ones training wrote"):
        read_trained(bad)
    with pytest.raises(Refuted, match="not the ones training wrote"):
        check_trained(read_trained(bad, verify=False))
    doc["evaluation"]["loss"] *= 1 + 1e-12  # the metadata's recorded figure edited
    _, tensors = file_parts(out / WEIGHTS)
    bad.write_bytes(rewritten(doc, tensors))
    with pytest.raises(Refuted, match="evaluation loss"):
        check_trained(read_trained(bad))


def _edit(doc: dict, tensors: dict[str, torch.Tensor], how: str) -> bytes:
    if how == "schema":
        doc["schema"] = "gdssm.trained/9"
    elif how == "unknown key":
        doc["extra"] = 1
    elif how == "missing key":
        del doc["feature_map"]
    elif how == "widths":
        doc["feature_map"]["widths"] = [9, 5]
    elif how == "transposed tensor":  # the same count of numbers, a shape the architecture does not have
        tensors = {**tensors, "phi.0.weight": tensors["phi.0.weight"].T.contiguous()}
    elif how == "activation":
        doc["feature_map"]["activation"] = "__import__('os')"
    elif how == "dims":
        doc["layer"]["dims"]["f"] = 5
    elif how == "certificate":
        doc["claims"]["ssm.state"] = "0" * 64
    elif how == "dtype":
        tensors = {k: v.double() if k == "layer.Q" else v for k, v in tensors.items()}
    elif how == "nan":
        tensors = {**tensors, "layer.C": torch.full_like(tensors["layer.C"], float("nan"))}
    elif how == "missing tensor":
        tensors = {k: v for k, v in tensors.items() if k != "layer.d"}
    elif how == "bool seed":
        doc["seed"] = True
    return rewritten(doc, tensors)


EDITS = ("schema", "unknown key", "missing key", "widths", "transposed tensor", "activation", "dims",
         "certificate", "dtype", "nan", "missing tensor", "bool seed")


@pytest.mark.parametrize("how", EDITS)
def test_inconsistent_files_are_one_line_refusals(run: tuple[NonlinearResult, Path], how: str) -> None:
    _, out = run
    doc, tensors = file_parts(out / WEIGHTS)
    with pytest.raises(BadInput) as err:
        decode_trained(_edit(doc, tensors, how), "f.safetensors")
    assert "\n" not in str(err.value) and str(err.value).startswith("f.safetensors")


def test_damaged_or_foreign_files_are_refused(run: tuple[NonlinearResult, Path], tmp_path: Path) -> None:
    _, out = run
    data = (out / WEIGHTS).read_bytes()
    for name, payload in (("cut.safetensors", data[: len(data) // 2]), ("junk.safetensors", b"not a file"),
                          ("bare.safetensors", safetensors.torch.save({"a": torch.zeros(1)}))):
        (tmp_path / name).write_bytes(payload)
        with pytest.raises(BadInput):
            read_trained(tmp_path / name)
    with pytest.raises(BadInput, match="not found"):
        read_trained(tmp_path / "absent.safetensors")
    with pytest.raises(BadInput, match="suffix"):
        read_trained(tmp_path / "w.pt")


def test_summary_metrics_and_figures(run: tuple[NonlinearResult, Path]) -> None:
    result, out = run
    found = load_outputs(out)  # the loader of every training run reads it
    doc = found.summary
    assert doc["preset"] == "nonlinear" and doc["steps"] == 12 and doc["seed"] == 3
    assert doc["law"]["x_range"] == [-5.0, 5.0] and doc["law"]["independent_amplitude_phase"]
    assert doc["headline"]["loss"] == result.loss and doc["headline"]["loss_stderr"] > 0
    names = [c["name"] for c in doc["comparisons"]]
    assert names[-1] == ZERO and len(names) == 4 and doc["zero_predictor_loss"] == doc["comparisons"][-1]["loss"]
    for c in doc["comparisons"]:
        assert c["loss_stderr"] > 0 and c["paired_stderr"] > 0  # never a gap without its s.e.
        assert abs(c["paired_difference"] - (c["loss"] - result.loss)) < 1e-12
    assert set(found.plots["nonlinear"]) == {"loss", "predictions"}
    for paths in found.plots["nonlinear"].values():
        assert paths["pdf"].read_bytes().startswith(b"%PDF")
    assert (out / "metrics.csv").read_text().splitlines()[0] == "step,train_loss"


def test_outputs_are_deterministic(run: tuple[NonlinearResult, Path], tmp_path: Path) -> None:
    _, out = run
    again = train_nonlinear(SMALL, seed=3)
    assert again.model is not None
    write_outputs(again, tmp_path, claim_hashes(trained_claims(again.model)))
    for name in (WEIGHTS, "metrics.csv", "loss_nonlinear.pdf", "predictions_nonlinear.pdf",
                 "predictions_nonlinear.png"):
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes(), name
    first, second = (json.loads((d / "summary.json").read_text()) for d in (out, tmp_path))
    assert {k: v for k, v in first.items() if k != "timing"} == {k: v for k, v in second.items() if k != "timing"}
