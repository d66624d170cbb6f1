"""``gdssm train --preset nonlinear``: a short run writes the comparisons, figures and trained.safetensors (staged,
deterministic), and the trained file passes its check; refusals are one line, exit 2."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import safetensors.torch

from gdssm.cli import dispatch as cli
from gdssm.numeric.formats.containers import safetensors_bytes
from gdssm.numeric.formats.trained import read_trained

QUICK = ["--preset", "nonlinear", "--steps", "6", "--eval-tasks", "16"]
FILES = ("summary.json", "metrics.csv", "trained.safetensors", "loss_nonlinear.pdf", "loss_nonlinear.png",
         "predictions_nonlinear.pdf", "predictions_nonlinear.png")


def test_short_run_files_json_and_determinism(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", *QUICK, "--law", "authors", "--json", "--out", str(tmp_path / "a")]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc == json.loads((tmp_path / "a" / "summary.json").read_text())
    assert doc["preset"] == "nonlinear" and doc["steps"] == 6 and doc["settings"]["eval_tasks"] == 16
    assert doc["law"]["name"] == "authors" and not doc["law"]["independent_amplitude_phase"]
    assert doc["files"]["weights"] == {"nonlinear": "trained.safetensors"}
    for name in FILES:
        assert (tmp_path / "a" / name).is_file(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # the staging folder is gone
    assert read_trained(tmp_path / "a" / "trained.safetensors").metadata["law"] == "authors"
    assert cli.main(["train", *QUICK, "--law", "authors", "--out", str(tmp_path / "b")]) == 0
    out = capsys.readouterr().out
    assert "gd on learned features" in out and "+-" in out and "trained.safetensors" in out
    for name in FILES:
        if name != "summary.json":
            assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_the_trained_file_passes_its_check_and_a_tampered_one_is_refuted(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", *QUICK, "--out", str(tmp_path / "run")]) == 0
    path = tmp_path / "run" / "trained.safetensors"
    capsys.readouterr()
    assert cli.main(["check", "--weights", str(path), "--examples", "4"]) == 0
    out = capsys.readouterr().out
    assert "identical to what training wrote" in out and "evaluation loss reproduced" in out
    loaded = read_trained(path)
    tensors = {name: value.clone() for name, value in safetensors.torch.load_file(path).items()}
    tensors["layer.C"][0, 0] += 0.5
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(safetensors_bytes(tensors, json.dumps(loaded.metadata, sort_keys=True, separators=(",", ":"))))
    assert cli.main(["check", "--weights", str(bad), "--examples", "4", "--json"]) == 1
    assert "not the ones training wrote" in capsys.readouterr().err
    truncated = tmp_path / "truncated.safetensors"
    truncated.write_bytes(path.read_bytes()[:-7])
    assert cli.main(["check", "--weights", str(truncated)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gdssm: error:")


def test_an_unwritable_output_is_refused_before_training(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", *QUICK, "--out", "/proc/gdssm-nowhere/train"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gdssm: error: --out:")
