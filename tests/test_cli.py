"""The command line's conventions: usage, one-line errors with exit 2, failures with exit 1, atomic output."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gdssm import __version__
from gdssm.cli import dispatch as cli
from gdssm.core.atomic import atomic_open
from gdssm.core.errors import Refuted


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gdssm", *args], capture_output=True, text=True, timeout=120)


def one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith("gdssm: error: ")
    assert "Traceback" not in proc.stderr
    return lines[0]


def test_version_and_help() -> None:
    assert run("--version").stdout.strip() == f"gdssm {__version__}"
    helped = run("--help")
    assert helped.returncode == 0 and "examples:" in helped.stdout and "gdssm derive" in helped.stdout


@pytest.mark.parametrize("command", ["derive", "verify", "check", "report", "export", "train"])
def test_every_subcommand_has_usage(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([command, "--help"])
    assert exc.value.code == 0
    assert f"usage: gdssm {command}" in capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["frobnicate"], ["derive", "--bogus"], ["derive", "--f", "0"], ["derive", "--m", "-1"], ["derive", "--n", "x"],
    ["derive", "--construction", "k-step", "--steps", "-1"], ["derive", "--eta", "inf"], ["derive", "--eta", "nan"],
    ["derive", "--eta", "-1"], ["derive", "--eta", "0"], ["derive", "--construction", "nope"],
    ["derive", "--layout", "reference", "--f", "3", "--m", "2"], ["derive", "--layout", "diagonal"],
    ["derive", "--construction", "k-step", "--layout", "reference", "--f", "2", "--m", "2"],
    ["derive", "--optimal-eta", "--law", "cauchy"], ["derive", "-o", "/proc/gdssm-nowhere/x.json"],
    ["report", "--out", "/proc/gdssm-nowhere/r.pdf"],
])
def test_bad_input_is_one_line_and_exit_2(args: list[str]) -> None:
    proc = run(*args)
    assert proc.returncode == 2, proc.stderr
    one_line_error(proc)


def test_internal_failure_exit_1_traceback_only_with_debug(monkeypatch: pytest.MonkeyPatch,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    def boom(args: object) -> int:
        raise RuntimeError("kaboom")

    monkeypatch.setitem(cli.HANDLERS, "derive", boom)
    assert cli.main(["derive"]) == 1
    err = capsys.readouterr().err
    assert "kaboom" in err and "Traceback" not in err
    assert cli.main(["derive", "--debug"]) == 1
    assert "Traceback" in capsys.readouterr().err


def test_verification_failure_exit_1_with_counterexample(monkeypatch: pytest.MonkeyPatch,
                                                         capsys: pytest.CaptureFixture[str]) -> None:
    def refuted(args: object) -> int:
        raise Refuted("ssm.one_step is false", {"f": 1, "layer": "1/2", "gd": "1/3"})

    monkeypatch.setitem(cli.HANDLERS, "derive", refuted)
    assert cli.main(["derive"]) == 1
    err = capsys.readouterr().err
    assert "FAILED" in err and '"gd": "1/3"' in err


def test_derive_writes_atomically_and_leaves_nothing_on_error(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "k.json"
    ok = run("derive", "--construction", "k-step", "--steps", "2", "--eta", "1/2", "-o", str(target))
    assert ok.returncode == 0 and json.loads(target.read_text())["steps"] == 2
    before = target.read_bytes()
    bad = run("derive", "--construction", "k-step", "--steps", "2", "--f", "0", "-o", str(target))
    assert bad.returncode == 2
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["k.json"]


def test_atomic_open_keeps_the_old_file_when_the_writer_fails(tmp_path: Path) -> None:
    target = tmp_path / "weights.bin"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_open(target, "wb") as handle:
        handle.write(b"half")
        raise RuntimeError("disk full")
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]


def test_derive_json_and_optimal_eta() -> None:
    doc = json.loads(run("derive", "--construction", "one-step", "--f", "2", "--m", "1", "--n", "4",
                         "--eta", "1/2").stdout)
    assert doc["alpha"] == "1/8" and doc["construction"] == "one-step"
    eta = json.loads(run("derive", "--optimal-eta", "--law", "uniform", "--f", "10", "--n", "10").stdout)
    assert eta["alpha_star"] == "20/33"


def test_derive_is_deterministic() -> None:
    args = ("derive", "--construction", "reference-two-step", "--f", "2", "--m", "2", "--n", "3", "--eta", "1")
    assert run(*args).stdout == run(*args).stdout


def test_atomic_writes_get_the_mode_of_a_plain_open(tmp_path: Path) -> None:
    """mkstemp's 0o600 must not leak: the file has 0o666 minus the umask, as open() would give it."""
    import os

    from gdssm.core.atomic import write_text

    old = os.umask(0o022)
    try:
        write_text(tmp_path / "out.txt", "x")
    finally:
        os.umask(old)
    assert (tmp_path / "out.txt").stat().st_mode & 0o777 == 0o644
