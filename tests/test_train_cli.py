"""``gdssm train``: short runs of every preset, the JSON summary, determinism, and one-line errors (exit 2)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from gdssm.cli import dispatch as cli

QUICK = ["--steps", "10", "--eval-tasks", "200"]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gdssm", *args], capture_output=True, text=True, timeout=120)


def summary_without_timing(doc: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in doc.items() if key != "timing"}


def test_paper_e1_json_files_and_determinism(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    proc = run("train", "--preset", "paper-e1", *QUICK, "--json", "--out", str(tmp_path / "a"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc == json.loads((tmp_path / "a" / "summary.json").read_text())
    assert doc["preset"] == "paper-e1" and doc["steps"] == 10 and doc["settings"]["eval_tasks"] == 200
    (run_doc,) = doc["runs"]
    assert run_doc["k"] == 1 and run_doc["target"]["loss_exact"] == "245/1188"
    assert set(run_doc["headline"]["parameter_distance"]) == {"Q", "Lambda", "d", "C"}
    assert doc["timing"]["wall_seconds"] > 0
    for name in ("summary.json", "metrics.csv", "loss_k1.pdf", "loss_k1.png", "alignment_k1.pdf",
                 "alignment_k1.png", "params_k1.pdf", "params_k1.png"):
        assert (tmp_path / "a" / name).is_file(), name
    # the same seed again (here in-process): the same summary, wall-clock times aside
    assert cli.main(["train", "--preset", "paper-e1", *QUICK, "--json", "--out", str(tmp_path / "b")]) == 0
    assert summary_without_timing(json.loads(capsys.readouterr().out)) == summary_without_timing(doc)
    for name in ("loss_k1.pdf", "loss_k1.png", "params_k1.pdf", "params_k1.png", "metrics.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("preset, ks", [("scalar", [1]), ("k-step", [2, 3])])
def test_other_presets_table_and_files(preset: str, ks: list[int], tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--preset", preset, *QUICK, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"gdssm train {preset}" in out and "verdict" not in out
    doc = json.loads((tmp_path / "summary.json").read_text())
    assert [r["k"] for r in doc["runs"]] == ks
    for k in ks:
        assert f"k = {k}: does not match" in out  # 10 steps from random init find nothing, and say so
        assert (tmp_path / f"params_k{k}.png").is_file()


def test_unknown_preset_is_one_line_exit_2() -> None:
    proc = run("train", "--preset", "paper-e2")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdssm: error: unknown preset 'paper-e2'")
    assert "paper-e1, scalar, k-step" in lines[0] and "Traceback" not in proc.stderr


@pytest.mark.parametrize("args", [["--steps", "0"], ["--steps", "x"], ["--seed", "-1"], ["--eval-tasks", "1"]])
def test_bad_arguments_are_one_line_exit_2(args: list[str], tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", *args, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gdssm: error: ")
    assert not any(tmp_path.iterdir())  # nothing written


def test_an_unwritable_output_folder_is_refused_before_training(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["train", "--preset", "paper-e1", "--out", "/proc/gdssm-nowhere/train"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("gdssm: error: --out: cannot write into /proc/gdssm-nowhere/train")
