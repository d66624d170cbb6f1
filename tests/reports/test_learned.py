"""The "Learned vs derived" section: finished training runs on disk become report views and figures."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from gdssm.core.errors import BadInput
from gdssm.numeric.train import PRESETS, train
from gdssm.numeric.train_artifacts import write_outputs
from gdssm.reports.build import render_tex, write_report
from gdssm.reports.learned import HEADER, learned_views
from gdssm.reports.model import ReportInput
from tests.reports.pdf import HAVE_TEX, pdftext
from tests.reports.test_typesetting import ascii_math_found, overfull


@pytest.fixture(scope="module")
def train_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seconds-long paper-e1 run written where ``gdssm train --out <dir>/paper-e1`` would write it."""
    root = tmp_path_factory.mktemp("train")
    spec = dataclasses.replace(PRESETS["paper-e1"], eval_tasks=300, behaviour_tasks=100, monitor_tasks=100,
                               monitor_behaviour_tasks=32)
    write_outputs(train(spec, steps=10, seed=0), root / "paper-e1")
    return root


def test_views_of_the_runs_found(train_dir: Path) -> None:
    (view,) = learned_views(train_dir)
    summary = json.loads((train_dir / "paper-e1" / "summary.json").read_text())
    assert view.preset == "paper-e1"
    (row,) = view.table.rows
    assert len(row) == len(HEADER) and row[0] == "k = 1"
    assert row[1] == f"{summary['runs'][0]['headline']['loss']:.4g}"
    assert view.verdict == f"k = 1: {summary['runs'][0]['verdict']}."
    assert view.figures and all(Path(source).exists() for _, source in view.figures)
    assert learned_views(train_dir / "nowhere") == ()


def test_report_includes_the_section_and_copies_the_figures(train_dir: Path, report: ReportInput,
                                                            tmp_path: Path) -> None:
    with_learned = dataclasses.replace(report, learned=learned_views(train_dir))
    tex = render_tex(with_learned)
    assert r"\section{Learned vs derived}" in tex and "paper-e1" in tex
    assert r"\section{Learned vs derived}" not in render_tex(report)
    result = write_report(with_learned, tmp_path / "r.pdf", tex_only=True)
    copied = [p.name for p in result.figures if "-train-" in p.name]
    assert len(copied) == len(with_learned.learned[0].figures)
    tex_beside = render_tex(with_learned, figure_prefix="r")
    assert all(name in tex_beside for name in copied)


def test_a_missing_figure_or_summary_is_a_user_error(train_dir: Path, report: ReportInput, tmp_path: Path) -> None:
    (view,) = learned_views(train_dir)
    gone = dataclasses.replace(view, figures=((view.figures[0][0], str(tmp_path / "gone.pdf")),))
    with pytest.raises(BadInput, match=r"gone\.pdf"):
        write_report(dataclasses.replace(report, learned=(gone,)), tmp_path / "r.pdf", tex_only=True)
    broken = tmp_path / "train" / "paper-e1"
    broken.mkdir(parents=True)
    (broken / "summary.json").write_text("{not json")
    with pytest.raises(BadInput, match="cannot read training summary"):
        learned_views(tmp_path / "train")


@pytest.mark.tex
@pytest.mark.skipif(not HAVE_TEX, reason="latexmk, pdflatex or poppler-utils not on PATH")
def test_the_typeset_section_has_latex_math_and_fits_the_margins(train_dir: Path, report: ReportInput,
                                                                  tmp_path: Path) -> None:
    """With a one-step and a two-run k-step preset (the widest table: distances of Q, Lambda, d, C, R, beta, c)."""
    spec = dataclasses.replace(PRESETS["k-step"], eval_tasks=200, behaviour_tasks=64, monitor_tasks=64,
                               monitor_behaviour_tasks=16)
    write_outputs(train(spec, steps=6, seed=0), train_dir / "k-step")
    result = write_report(dataclasses.replace(report, learned=learned_views(train_dir)), tmp_path / "r.pdf")
    assert result.pdf is not None
    text = pdftext(result.pdf)
    section = text[text.index("Learned vs derived", text.index("Preset paper-e1") - 2000):]
    assert "Preset k-step" in section and "k = 3: " in section
    found = ascii_math_found(section)
    assert not found, "\n".join(found)
    log = result.pdf.with_suffix(".log").read_text(encoding="latin-1")
    assert not overfull(log), "\n".join(overfull(log)[:10])
