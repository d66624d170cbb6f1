"""Rendering the report: determinism, refusal of unverified claims, the PDF build and its failure modes."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from gdssm.core.errors import BadInput
from gdssm.reports import build
from gdssm.reports.build import INSTALL_HINT, render_tex, write_report
from gdssm.reports.figures import error_vs_n_pdf, loss_vs_k_pdf
from gdssm.reports.latex import UnverifiedClaimError
from gdssm.reports.model import ReportInput
from gdssm.reports.tex import TexRaw
from tests.reports.pdf import HAVE_TEX, assert_graph_page_drawn, needs_tex, pdftext
from tests.reports.sample import SPECIAL_TITLE, with_failed_route


def test_render_is_byte_identical(report: ReportInput) -> None:
    first = render_tex(report)
    assert first == render_tex(report)
    assert "2025-01-31" in first and r"GD-SSM report run\_1 (50\% \& \#2)" in first
    assert "%tpl:theorems.tex:" in first


def test_date_comes_only_from_the_input_or_source_date_epoch(report: ReportInput,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    undated = dataclasses.replace(report, source_date=None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    assert r"\date{}" in render_tex(undated)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    assert r"\date{2023-11-14}" in render_tex(undated)
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "soon")
    with pytest.raises(BadInput, match="SOURCE_DATE_EPOCH"):
        render_tex(undated)


def test_a_claim_that_failed_a_route_is_not_rendered(report: ReportInput, tmp_path: Path) -> None:
    failed = with_failed_route(report, "gd.closed_form", "exact")
    with pytest.raises(UnverifiedClaimError, match=r"gd\.closed_form") as info:
        render_tex(failed)
    assert info.value.claim_id == "gd.closed_form" and isinstance(info.value, BadInput)
    with pytest.raises(UnverifiedClaimError):
        write_report(failed, tmp_path / "r.pdf")
    assert list(tmp_path.iterdir()) == []


def test_without_latexmk_only_the_tex_is_written(report: ReportInput, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(build.shutil, "which", lambda tool: None)
    result = write_report(report, tmp_path / "out" / "my report.pdf")
    assert not result.built and result.pdf is None
    assert result.tex == tmp_path / "out" / "my report.tex" and result.tex.read_text() == render_tex(
        report, figure_prefix="my-report")
    assert INSTALL_HINT in result.message and "latexmk" in result.message
    assert sorted(p.name for p in result.figures) == ["my-report-error-vs-n.pdf", "my-report-loss-vs-k.pdf"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        ["my report.tex", "my-report-error-vs-n.pdf", "my-report-loss-vs-k.pdf"])


def test_tex_only_and_bad_paths(report: ReportInput, tmp_path: Path) -> None:
    result = write_report(report, tmp_path / "r.pdf", tex_only=True)
    assert not result.built and result.tex.exists() and "not requested" in result.message
    with pytest.raises(BadInput, match=r"\.pdf"):
        write_report(report, tmp_path / "r.tex")


def test_figures_are_deterministic(report: ReportInput) -> None:
    assert loss_vs_k_pdf(report.loss_vs_k) == loss_vs_k_pdf(report.loss_vs_k)
    assert error_vs_n_pdf(report.error_vs_N) == error_vs_n_pdf(report.error_vs_N)
    assert b"CreationDate" not in loss_vs_k_pdf(report.loss_vs_k)


@pytest.fixture(scope="module")
def built(report: ReportInput, tmp_path_factory: pytest.TempPathFactory) -> Path:
    if not HAVE_TEX:
        pytest.skip("latexmk, pdflatex or poppler-utils not on PATH")
    out = tmp_path_factory.mktemp("pdf") / "report_1.pdf"
    result = write_report(report, out)
    assert result.built and result.pdf == out and out.exists()
    return out


@pytest.mark.tex
@needs_tex
def test_pdf_shows_every_claim_and_literal_names(built: Path, report: ReportInput) -> None:
    text = pdftext(built)
    for claim in report.claims:
        assert claim.id in text
    assert "passed" in text and "rejected" in text
    assert SPECIAL_TITLE in text and "Parameter map v2 & #3 (100%)" in text  # v_2 typeset as math
    assert not list(built.parent.glob(".gdssm-tex-*"))


@pytest.mark.tex
@needs_tex
def test_graph_page_is_drawn(built: Path, tmp_path: Path) -> None:
    assert_graph_page_drawn(built, tmp_path)


@pytest.mark.tex
@needs_tex
def test_pdf_is_reproducible(built: Path, report: ReportInput, tmp_path: Path) -> None:
    again = write_report(report, tmp_path / "report_1.pdf")
    assert again.pdf is not None and again.pdf.read_bytes() == built.read_bytes()


@pytest.mark.tex
@needs_tex
def test_latex_error_names_first_error_and_template_line(report: ReportInput, tmp_path: Path) -> None:
    broken = dataclasses.replace(report, two_step_audit={"bad": TexRaw(r"\undefinedmacro{x}")})
    out = tmp_path / "broken.pdf"
    with pytest.raises(BadInput) as info:
        write_report(broken, out)
    message = str(info.value)
    assert "! Undefined control sequence." in message
    tex_line = int(message.split("broken.tex line ")[1].split()[0])
    assert r"\undefinedmacro" in (tmp_path / "broken.tex").read_text().split("\n")[tex_line - 1]
    assert "(template twostep.tex:" in message
    assert (tmp_path / "broken.log").exists() and not out.exists()
    assert not list(tmp_path.glob(".gdssm-tex-*"))
