"""``gdssm export`` and ``gdssm check --weights`` end to end: files, determinism across processes, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import safetensors.torch
import torch

from gdssm.cli import dispatch as cli
from tests.test_cli import one_line_error, run

EXPORTS = {
    "k-step.safetensors": ["--construction", "k-step", "--f", "3", "--m", "2", "--n", "5", "--steps", "3",
                           "--eta", "1/4", "--lam", "9/10"],
    "one-step-f32.pt": ["--construction", "one-step", "--f", "2", "--m", "2", "--n", "4", "--eta", "1/2",
                        "--format", "pt", "--dtype", "float32"],
    "scalar.npz": ["--construction", "one-step", "--f", "3", "--m", "1", "--n", "4", "--eta", "1/2",
                   "--format", "reference"],
    "vector.safetensors": ["--construction", "one-step", "--f", "2", "--m", "2", "--n", "3", "--eta", "1",
                           "--format", "reference"],
}


def export(path: Path, args: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """``gdssm export ... -o path`` in this process; it prints one line."""
    assert cli.main(["export", *args, "-o", str(path)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"wrote {path}: ") and "sha256" in lines[0]


def check(path: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    """``gdssm check --weights path`` in this process: (exit code, stdout, stderr)."""
    code = cli.main(["check", "--weights", str(path), "--examples", "3", *extra])
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.mark.parametrize("name", list(EXPORTS))
def test_export_is_deterministic_across_processes_and_checks(name: str, tmp_path: Path,
                                                             capsys: pytest.CaptureFixture[str]) -> None:
    here, there = tmp_path / "a" / name, tmp_path / "b" / name
    export(here, EXPORTS[name], capsys)
    proc = run("export", *EXPORTS[name], "-o", str(there))
    assert proc.returncode == 0, proc.stderr
    assert here.read_bytes() == there.read_bytes()
    assert sorted(p.name for p in here.parent.iterdir()) == [name]  # no temporary file left behind
    code, out, _ = check(here, capsys)
    assert code == 0 and ("float32" if "f32" in name else "float64") in out
    assert "tensors: identical to the re-derived construction" in out and "matches this installation's claims" in out


def test_check_weights_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "w.safetensors"
    export(path, EXPORTS["k-step.safetensors"], capsys)
    code, out, _ = check(path, capsys, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["check"]["examples"] == 3 and doc["check"]["stats"]["float64"]["max_rel"] <= 1e-10
    assert doc["metadata"]["construction"] == "k-step" and doc["differences_from_derivation"] == {}
    assert doc["claims_current"] is True


def tampered(path: Path, change: Callable[[dict[str, torch.Tensor]], Any]) -> Path:
    """The safetensors file with its tensors edited and its metadata kept."""
    header = json.loads(path.read_bytes()[8 : 8 + int.from_bytes(path.read_bytes()[:8], "little")])
    tensors = safetensors.torch.load_file(str(path))
    change(tensors)
    out = path.with_name("tampered.safetensors")
    safetensors.torch.save_file(tensors, str(out), metadata=header["__metadata__"])
    return out


def test_tampered_weights_fail_the_check(tmp_path: Path) -> None:
    path = tmp_path / "k.safetensors"
    assert run("export", *EXPORTS["k-step.safetensors"], "-o", str(path)).returncode == 0
    bad = tampered(path, lambda t: t["c"].mul_(1.5))  # metadata says k-step, the readout weights are not alpha
    proc = run("check", "--weights", str(bad), "--examples", "3")
    assert proc.returncode == 1 and "disagrees with GD" in proc.stderr and "differences_from_derivation" in proc.stderr


def test_rescaled_weights_compute_gd_but_fail_provenance(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "one.safetensors"
    export(path, ["--f", "2", "--m", "1", "--n", "4", "--eta", "1/2"], capsys)
    bad = tampered(path, lambda t: [t["Q"].mul_(2), t["C"].div_(2)])
    code, out, err = check(bad, capsys)
    assert code == 1 and "DIFFER from the re-derived construction in C, Q" in out
    assert "computes GD on 3 examples, but its tensors are not the one-step construction" in err


EXPORT_ERRORS = {
    "suffix": (["--eta", "1", "--format", "pt"], "w.safetensors", "does not fit format 'pt'"),
    "unknown suffix": (["--eta", "1"], "w.bin", "unknown weights file suffix '.bin'"),
    "two-step": (["--construction", "reference-two-step"], "w.pt", "cannot export construction 'reference-two-step'"),
    "k-step reference": (["--construction", "k-step", "--format", "reference"], "w.npz", "one-step construction only"),
    "symbolic eta": (["--eta", "symbolic"], "w.safetensors", "numeric step sizes"),
    "no eta": ([], "w.safetensors", "export needs a step size: give --eta"),
    "reference dims": (["--eta", "1", "--format", "reference", "--f", "3", "--m", "2"], "w.npz",
                       "m = f (vector task) or m = 1"),
    "reference split": (["--eta", "1", "--format", "reference", "--layout", "split"], "w.npz", "layout 'reference'"),
    "steps": (["--eta", "1", "--steps", "2"], "w.safetensors", "the one-step construction has k = 1"),
    "dtype": (["--eta", "1", "--dtype", "float16"], "w.pt", "invalid choice: 'float16'"),
    "eta too large": (["--eta", "1e400"], "w.safetensors", "does not fit a float64 tensor"),
    "eta too large for float32": (["--eta", "1e39", "--dtype", "float32", "--format", "pt"], "w.pt",
                                  "does not fit a float32 tensor"),
    "eta and etas": (["--construction", "k-step", "--eta", "1", "--etas", "1,2"], "w.pt", "give --eta or --etas"),
    "gamma one-step": (["--eta", "1", "--gamma", "1/2"], "w.pt", "--gamma does not apply"),
    "huge f": (["--eta", "1", "--f", "1000000", "--format", "pt"], "w.pt", "needs about"),
}


def error_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run the command line in this process; it must exit 2 with one line on stderr."""
    code = cli.main(argv)
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and err[0].startswith("gdssm: error: "), err
    return err[0]


@pytest.mark.parametrize("case", list(EXPORT_ERRORS))
def test_export_errors_exit_2_and_leave_files_alone(case: str, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    args, name, message = EXPORT_ERRORS[case]
    target = tmp_path / name
    target.write_bytes(b"old contents")
    assert message in error_line(["export", *args, "-o", str(target)], capsys)
    assert target.read_bytes() == b"old contents" and [p.name for p in tmp_path.iterdir()] == [name]


def test_export_needs_an_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert "-o/--output" in error_line(["export", "--f", "2"], capsys)


def _edit_metadata(path: Path, change: Callable[[dict[str, Any]], Any]) -> bytes:
    raw = path.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    doc = json.loads(header["__metadata__"]["gdssm"])
    change(doc)
    return safetensors.torch.save(safetensors.torch.load(raw), metadata={"gdssm": json.dumps(doc)})


CHECK_ERRORS: dict[str, tuple[Callable[[Path], bytes], str]] = {
    "truncated": (lambda p: p.read_bytes()[:-9], "corrupt or truncated safetensors file"),
    "corrupt": (lambda p: b"\xff" * 8 + p.read_bytes()[8:], "corrupt or truncated safetensors file"),
    "unknown version": (lambda p: _edit_metadata(p, lambda d: d.update(schema="gdssm.weights/2")),
                        "unknown metadata version 'gdssm.weights/2'"),
    "missing keys": (lambda p: _edit_metadata(p, lambda d: d.pop("conventions")), "lacks key(s) conventions"),
    "shape vs dims": (lambda p: _edit_metadata(p, lambda d: d["dims"].update(m=2, H=4)), "has shape"),
    "dtype": (lambda p: _edit_metadata(p, lambda d: d.update(dtype="float32")), "dtype mismatch"),
    "no metadata": (lambda p: safetensors.torch.save(safetensors.torch.load(p.read_bytes())),
                    "no 'gdssm' metadata"),
}


@pytest.fixture
def good(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    path = tmp_path / "good.safetensors"
    export(path, ["--f", "2", "--m", "1", "--n", "3", "--eta", "1/2"], capsys)
    return path


@pytest.mark.parametrize("case", list(CHECK_ERRORS))
def test_check_refuses_bad_files_with_exit_2(case: str, good: Path, capsys: pytest.CaptureFixture[str]) -> None:
    make, message = CHECK_ERRORS[case]
    bad = good.with_name("bad.safetensors")
    bad.write_bytes(make(good))
    assert message in error_line(["check", "--weights", str(bad)], capsys)


@pytest.mark.parametrize("case", ["truncated", "unknown version", "shape vs dims"])
def test_bad_files_exit_2_with_one_line_in_a_real_process(case: str, good: Path) -> None:
    """What a user sees: one stderr line, exit 2, no traceback (corrupt file, unknown version, wrong metadata)."""
    make, message = CHECK_ERRORS[case]
    bad = good.with_name("bad.safetensors")
    bad.write_bytes(make(good))
    proc = run("check", "--weights", str(bad))
    assert proc.returncode == 2 and message in one_line_error(proc)


def test_export_error_in_a_real_process(tmp_path: Path) -> None:
    proc = run("export", "--construction", "k-step", "--format", "reference", "-o", str(tmp_path / "w.npz"))
    assert proc.returncode == 2 and "one-step construction only" in one_line_error(proc)
    assert list(tmp_path.iterdir()) == []


def test_check_refuses_missing_and_foreign_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert "weights file not found" in error_line(["check", "--weights", str(tmp_path / "none.pt")], capsys)
    foreign = tmp_path / "foreign.pt"
    torch.save({"weight": torch.zeros(2)}, foreign)
    assert "no 'gdssm' metadata" in error_line(["check", "--weights", str(foreign)], capsys)
