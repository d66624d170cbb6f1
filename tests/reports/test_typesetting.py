"""The default report and one at ``--f 3 --m 2 --n 4``: no ASCII math in the PDF's text, nothing past the margins
(no overfull box wider than 1 pt in latexmk's log), and the scope section, bibliography and commit are there."""

from __future__ import annotations

import re
import subprocess
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from gdssm.reports.prose import ascii_math, fix_math, prose
from tests.reports.pdf import HAVE_TEX, pdftext

ASCII_MATH = (r"!=", r"\brho_", r"\balpha\b", r"\^T\b", r"\bx ~ U", r"_\{", r"\\")
OVERFULL = re.compile(r"Overfull \\[hv]box \((\d+(?:\.\d+)?)pt too (?:wide|high)")


def ascii_math_found(text: str) -> list[str]:
    """Every line of ``text`` with an ASCII-math pattern."""
    return [f"{pattern}: {line.strip()}" for line in text.splitlines() for pattern in ASCII_MATH
            if re.search(pattern, line)]


def overfull(log: str, limit: float = 1.0) -> list[str]:
    """Overfull boxes wider than ``limit`` pt in a LaTeX log."""
    lines = log.splitlines()
    return [" ".join(lines[i:i + 2]) for i, line in enumerate(lines)
            if (m := OVERFULL.search(line)) and float(m.group(1)) > limit]


@pytest.fixture(scope="module", params=[(), ("--f", "3", "--m", "2", "--n", "4")], ids=["default", "f3m2n4"])
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HAVE_TEX:
        pytest.skip("latexmk, pdflatex or poppler-utils not on PATH")
    out = tmp_path_factory.mktemp("typeset") / "report.pdf"
    proc = subprocess.run([sys.executable, "-m", "gdssm", "report", "--out", str(out), *request.param,
                           "--train-dir", str(out.parent / "none")], capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr
    return out


@pytest.mark.tex
def test_no_ascii_math_in_the_pdf(built: Path) -> None:
    found = ascii_math_found(pdftext(built))
    assert not found, "\n".join(found[:20])


@pytest.mark.tex
def test_no_overfull_box_wider_than_1pt(built: Path) -> None:
    found = overfull(built.with_suffix(".log").read_text(encoding="latin-1"))
    assert not found, "\n".join(found[:20])


@pytest.mark.tex
def test_scope_bibliography_and_commit_are_in_the_text(built: Path) -> None:
    text = " ".join(pdftext(built).split())
    for needle in ("Scope: what is proved", "References", "2410.11687v1", "2410.11687v3", "92f4555",
                   "von Oswald", "Zucchet", "Ahn", "Aky", "Coq Proof Assistant", "Mathematical Components"):
        assert needle in text, needle


def test_prose_typesets_ascii_math() -> None:
    assert prose("identity unless W_0 != 0") == r"identity unless \(W_0 \neq 0\)"
    assert r"\rho _j" in prose("decays rho_j, for any gamma")
    assert prose("x ~ U(-1/2, 1/2)") == r"\(x \sim U(-1/2, 1/2)\)"
    assert ascii_math("E_x^T E_x = I") == r"E_x^{\top} E_x = I"
    assert ascii_math("S_(t+1) = Lambda (.) S_t") == r"S_{t+1} = \Lambda \odot S_t"


def test_fix_math_removes_double_superscripts() -> None:
    assert fix_math(r"x'_{i}^{T}") == r"{x'_{i}}^{\top}"


def test_the_detectors_find_what_they_look_for() -> None:
    assert ascii_math_found("W_0 != 0") and ascii_math_found("the alpha step") and not ascii_math_found("α = 1")
    assert overfull("Overfull \\hbox (330.5pt too wide) in paragraph") and not overfull(
        "Overfull \\hbox (0.4pt too wide) in paragraph")


def test_two_step_audit_vectorised_agrees_with_the_reference_loop() -> None:
    from gdssm.reports.two_step_audit import forward, forward_loop
    from gdssm.symbolic.reference import reference_two_step

    rng = np.random.default_rng(1)
    X = rng.uniform(-0.5, 0.5, (2, 5, 4))
    W = rng.normal(size=(2, 4, 4))
    Y = np.einsum("bij,bkj->bki", W, X[:, :4])
    for variant in ("A", "B"):
        c = reference_two_step(4, 4, 4, 2, variant)
        fast = forward(c, X, Y)
        for b in range(2):
            assert np.allclose(fast[b], forward_loop(c, X[b], Y[b]), atol=1e-12)


def test_two_step_audit_cites_the_commit() -> None:
    """Its time (target 2 s) is measured by ``python -m benchmarks bench_report``, not here."""
    from gdssm.reports.two_step_audit import two_step_audit

    audit = two_step_audit()
    assert "92f4555" in audit["transcribed from"]
    assert "+-" in audit["paired difference A - GD-2"]


def _raw_text(pdf: Path) -> str:
    """The PDF's text in reading order with all white space removed (math is split into glyph runs)."""
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return unicodedata.normalize("NFC", "".join(text.split()))


@pytest.mark.tex
def test_the_end_to_end_proof_is_in_the_text(built: Path) -> None:
    from gdssm.proofs.claims import claim
    from gdssm.reports.assemble import END_TO_END, end_to_end

    text = _raw_text(built)
    for other in END_TO_END[1:]:  # the k-step chain has its section too
        assert ("Oneproofendtoend:" + "".join(claim(other).title.split())).replace("'", "’") in _raw_text(built)
    heading = ("Oneproofendtoend:" + "".join(claim(END_TO_END[0]).title.split())).replace("'", "’")
    assert text.count(heading) == 2  # the table of contents and the section
    section = text[text.rindex(heading):]
    assert section.index("z2i−1=Exxi") < section.index("Lemmassm.state") < section.index("(1)S0=0")
    last = end_to_end().steps[-1].number
    assert re.search(rf"Rows\(1\)–\({last}\)chainintoŷt=.{{0,12}}W.{{0,6}}xt\+1,thestatementofTheorem", section)


@pytest.mark.tex
def test_the_statistics_count_distinct_steps(built: Path) -> None:
    from gdssm.proofs.claims import CLAIMS
    from gdssm.reports.from_registry import claim_views
    from gdssm.reports.graph import layout

    stats = layout(claim_views({}, CLAIMS, unavailable=())).stats
    text = _raw_text(built)
    assert f"Distinctnon-trivialproofsteps,accepted{stats.distinct_steps},{stats.distinct_steps_checked}" in text
    assert f"{stats.distinct_steps_checked}ofthe{stats.distinct_steps}distinctnon-trivialproofsteps" in text
    assert stats.distinct_steps < stats.steps
