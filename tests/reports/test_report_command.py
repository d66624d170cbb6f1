"""``gdssm report`` end to end: the PDF states every claim as passed, the graph is drawn, the .tex is
reproducible, certificates are reused only when fresh, a failing claim is refused, bad input exits 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from gdssm import cli
from gdssm.proofs import verify
from gdssm.proofs.claims import CLAIMS
from gdssm.proofs.verify import Outcome
from tests.reports.pdf import HAVE_TEX, assert_graph_page_drawn, needs_tex, pdftext

SPECIAL_NAME = "run_1%&#2.pdf"


def gdssm(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gdssm", *args], capture_output=True, text=True, timeout=600,
                          env=env)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``gdssm report`` with its defaults (dims f = 2, m = 1, N = 3, K = 10), PDF included; the user-supplied
    output name carries LaTeX's special characters, and the report quotes it in its command line."""
    if not HAVE_TEX:
        pytest.skip("latexmk, pdflatex or poppler-utils not on PATH")
    out = tmp_path_factory.mktemp("report") / SPECIAL_NAME
    proc = gdssm("report", "--out", str(out), "--train-dir", str(out.parent / "no-training"))
    assert proc.returncode == 0, proc.stderr
    assert f"wrote {out}" in proc.stdout
    return out


@pytest.mark.tex
@needs_tex
def test_pdf_names_every_claim_as_passed_and_every_mutant_rejected(built: Path) -> None:
    text = pdftext(built)
    for c in CLAIMS:
        assert c.id in text
    assert "passed" in text and "NOT rejected" not in text and "rejected" in text
    for section in ("Definitions", "Theorems and their proof chains", "Derived parameters", "Step size",
                    "Numeric evidence", "Audit of the authors", "Claim dependency graph", "Audit appendix"):
        assert section in text
    assert (built.with_suffix(".tex")).exists() and (built.parent / "certificates.json").exists()
    assert SPECIAL_NAME in "".join(text.split())  # the command line, wrapped by TeX at any character


@pytest.mark.tex
@needs_tex
def test_graph_page_is_not_blank(built: Path, tmp_path: Path) -> None:
    assert_graph_page_drawn(built, tmp_path)


@pytest.mark.tex
@needs_tex
def test_loss_vs_k_data_shows_gd_and_the_layer_coincide(built: Path) -> None:
    """The series table under the loss figure: GD and GD-SSM agree to the printed digits at every k."""
    tex = built.with_suffix(".tex").read_text(encoding="utf-8")
    section = tex[tex.index("Loss against the number of steps"):tex.index("Error against the context length")]
    lines = [line.split("%tpl:")[0].rstrip() for line in section.splitlines()]
    header = next(line for line in lines if line.startswith("k &"))
    names = [cell.strip().rstrip("\\").strip() for cell in header.split("&")]
    rows = [line for line in lines if line.count("&") == len(names) - 1 and line.endswith(r"\\") and line[0].isdigit()]
    assert len(rows) == 11  # k = 0..10
    pairs = [(i, names.index(name.replace("GD", "GD-SSM", 1))) for i, name in enumerate(names)
             if name.startswith("GD,")]
    assert pairs
    for row in rows:
        cells = [cell.strip().rstrip("\\").strip() for cell in row.split("&")]
        for gd, ssm in pairs:
            assert cells[gd] == cells[ssm]


def test_without_tex_the_tex_is_written_reproducibly_and_exit_0(tmp_path: Path) -> None:
    """PATH without TeX: exit 0, one line says what to install, and a second run gives the same bytes."""
    env = {**os.environ, "PATH": str(tmp_path / "empty")}
    out = tmp_path / "r" / "report.pdf"
    args = ("report", "--out", str(out), "--max-steps", "3", "--train-dir", str(tmp_path / "no-training"))
    first = gdssm(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "apt-get install texlive" in first.stdout and not out.exists()
    tex = out.with_suffix(".tex").read_bytes()
    second = gdssm(*args, env=env)
    assert second.returncode == 0, second.stderr
    jobs = len([job for job in verify.plan(None, None) if job[1] != "coq"])  # no coqc on this PATH either
    assert f"{jobs} of {jobs} route checks reused" in second.stdout
    assert out.with_suffix(".tex").read_bytes() == tex


def test_stale_or_failed_certificates_are_not_reused() -> None:
    jobs = verify.plan(["ssm.one_step"], ["exact"])
    (c, route), = jobs
    good = Outcome(c.id, route, True, "d", "1 terms", 0.1, "ok")
    doc = verify.certificates([good])
    assert set(verify.fresh_outcomes(doc, jobs)) == {(c.id, route)}
    assert verify.fresh_outcomes({**doc, "versions": {**doc["versions"], "sources": "0" * 64}}, jobs) == {}
    failed = verify.certificates([Outcome(c.id, route, False, "d", "1 terms", 0.1, "refuted")])
    assert verify.fresh_outcomes(failed, jobs) == {}
    other_statement = json.loads(json.dumps(doc))
    other_statement["certificates"][0]["statement_hash"] = "f" * 64
    assert verify.fresh_outcomes(other_statement, jobs) == {}
    assert verify.fresh_outcomes("not a document", jobs) == {}


def test_a_failing_claim_refuses_the_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """Route exact refutes ssm.k_step: exit 1 naming the claim, and no report file is written."""
    real = verify.RUNNERS["exact"]

    def refuting(c: object) -> Outcome:
        outcome = real(c)  # type: ignore[arg-type]
        if outcome.claim != "ssm.k_step":
            return outcome
        return Outcome(outcome.claim, "exact", False, outcome.dims, outcome.size, 0.0, "refuted at f=2,m=1,N=3")

    monkeypatch.setitem(verify.RUNNERS, "exact", refuting)
    out = tmp_path / "report.pdf"
    assert cli.main(["report", "--out", str(out), "--max-steps", "1", "--tex-only", "--train-dir",
                     str(tmp_path / "no-training")]) == 1
    err = capsys.readouterr().err
    assert "report refused" in err and "ssm.k_step" in err and "exact" in err
    assert not out.exists() and not out.with_suffix(".tex").exists()


@pytest.mark.parametrize("args", [
    ["--out", "report.txt"], ["--f", "0"], ["--m", "-2"], ["--n", "x"], ["--max-steps", "-1"],
])
def test_bad_input_is_one_line_and_exit_2(args: list[str], tmp_path: Path) -> None:
    proc = subprocess.run([sys.executable, "-m", "gdssm", "report", *args], capture_output=True, text=True,
                          cwd=tmp_path, timeout=120)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("gdssm: error: ")
    assert not list(tmp_path.iterdir())
