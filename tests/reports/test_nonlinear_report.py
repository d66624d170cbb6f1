"""The nonlinear preset's report section: read from a finished (seconds-long) run, rendered inside "Learned vs
derived", typeset with its math as LaTeX and nothing past the margins."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gdssm.cli.export import claim_hashes
from gdssm.numeric.formats.trained import trained_claims
from gdssm.numeric.train_nonlinear import NonlinearPreset, train_nonlinear
from gdssm.numeric.train_nonlinear_outputs import law_summary, write_outputs
from gdssm.reports.build import render_tex, write_report
from gdssm.reports.learned import learned_views
from gdssm.reports.model import ReportInput
from gdssm.reports.nonlinear import HEADER, NonlinearView, law_tex
from tests.reports.pdf import HAVE_TEX, pdftext
from tests.reports.test_typesetting import ascii_math_found, overfull

SMALL = NonlinearPreset(N=6, p=4, widths=(8,), steps=12, batch=16, eval_tasks=24)
SECTION = "non-linear regression with a learned feature map"


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seconds-long nonlinear run where ``gdssm train --preset nonlinear --out <dir>/nonlinear`` writes it."""
    root = tmp_path_factory.mktemp("train")
    result = train_nonlinear(SMALL, seed=0)
    assert result.model is not None
    write_outputs(result, root / "nonlinear", claim_hashes(trained_claims(result.model)))
    return root


def test_the_view_holds_the_comparisons_with_their_errors(train_dir: Path) -> None:
    (view,) = learned_views(train_dir)
    assert isinstance(view, NonlinearView) and view.preset == "nonlinear"
    assert [row[0] for row in view.table.rows] == ["trained GD-SSM", "(i) GD on the learned features",
                                                   "(ii) GD on fixed random features",
                                                   "(iii) least squares on the learned features", "zero predictor"]
    assert all(len(row) == len(HEADER) for row in view.table.rows)
    for row in view.table.rows[1:]:
        assert r"\pm" in row[1] and r"\pm" in row[2]  # every loss and every paired difference with its s.e.
    assert r"x \sim U(-5, 5)" in view.law and "independently" in view.law
    assert len(view.figures) == 2 and all(Path(source).exists() for _, source in view.figures)


def test_the_authors_law_is_stated_as_their_single_draw() -> None:
    text = law_tex(law_summary("authors"))
    assert r"u \sim U(0, 1)" in text and r"b = \pi u" in text and r"x \sim U(-0.5, 0.5)" in text


def test_the_report_renders_the_section_and_copies_its_figures(train_dir: Path, report: ReportInput,
                                                               tmp_path: Path) -> None:
    with_run = dataclasses.replace(report, learned=learned_views(train_dir))
    tex = render_tex(with_run, figure_prefix="r")
    assert r"\section{Learned vs derived}" in tex and SECTION in tex
    result = write_report(with_run, tmp_path / "r.pdf", tex_only=True)
    copied = [p.name for p in result.figures if "-train-nonlinear-" in p.name]
    assert len(copied) == 2 and all(name in tex for name in copied)


@pytest.mark.tex
@pytest.mark.skipif(not HAVE_TEX, reason="latexmk, pdflatex or poppler-utils not on PATH")
def test_the_typeset_section_has_latex_math_and_fits_the_margins(train_dir: Path, report: ReportInput,
                                                                  tmp_path: Path) -> None:
    result = write_report(dataclasses.replace(report, learned=learned_views(train_dir)), tmp_path / "r.pdf")
    assert result.pdf is not None
    text = pdftext(result.pdf)
    flat = " ".join(text.split())
    assert SECTION in flat and "GD on the learned features" in flat and "zero predictor" in flat
    section = text[text.index("learned feature map"):]
    section = section[: section.find("Dependency graph")] if "Dependency graph" in section else section
    found = ascii_math_found(section)
    assert not found, "\n".join(found)
    log = result.pdf.with_suffix(".log").read_text(encoding="latin-1")
    assert not overfull(log), "\n".join(overfull(log)[:10])
