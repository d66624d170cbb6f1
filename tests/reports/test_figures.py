"""The report's figures are readable: every font at least 7 pt on the page, every axis labelled, no blank or
constant panel, vector graphics cropped to the drawing, and the report includes them at their natural size."""

from __future__ import annotations

import math
import re

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.text import Text

from gdssm.reports.build import render_tex
from gdssm.reports.figures import (
    MIN_FONT_PT,
    WIDTH_IN,
    error_vs_n_figure,
    figure_pdf,
    loss_vs_k_figure,
)
from gdssm.reports.model import ReportInput


def _blank(image: AxesImage) -> bool:
    """Nothing drawn: every cell masked, or every cell painted (near) white."""
    values = np.ma.masked_invalid(np.ma.asarray(image.get_array()))
    if values.count() == 0:
        return True
    rgba = np.asarray(image.to_rgba(values.compressed()))
    return bool((rgba[..., :3].min(axis=-1) > 0.95).all())


def figure_problems(fig: Figure, min_pt: float = MIN_FONT_PT) -> list[str]:
    """What makes ``fig`` hard to read: small fonts, unlabelled axes, panels with nothing or a constant drawn."""
    fig.canvas.draw()  # lays out ticks and legends, so that their texts exist
    problems = []
    for text in fig.findobj(Text):
        if text.get_visible() and text.get_text().strip() and float(text.get_fontsize()) < min_pt:
            problems.append(f"{text.get_text()!r} at {text.get_fontsize()} pt")
    for i, ax in enumerate(a for a in fig.axes if isinstance(a, Axes) and a.get_label() != "<colorbar>"):
        if not ax.get_xlabel().strip() or not ax.get_ylabel().strip():
            problems.append(f"panel {i}: axis without a label")
        if ax.get_images():
            problems += [f"panel {i}: blank heatmap" for image in ax.get_images() if _blank(image)]
            continue
        ys = [y for line in ax.get_lines() for y in np.asarray(line.get_ydata(), dtype=float) if math.isfinite(y)]
        if len(ys) < 2 or max(ys) == min(ys):
            problems.append(f"panel {i}: blank or constant")
    return problems


def test_the_report_figures_are_readable(report: ReportInput) -> None:
    for fig in (loss_vs_k_figure(report.loss_vs_k), error_vs_n_figure(report.error_vs_N)):
        assert not figure_problems(fig), figure_problems(fig)
        assert fig.get_figwidth() == WIDTH_IN
    legend = error_vs_n_figure(report.error_vs_N).axes[0].get_legend()
    assert legend is not None
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels == [k for k in report.error_vs_N if k != "N"]


def test_the_detector_finds_small_fonts_missing_labels_and_blank_panels() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    ax.plot([0, 1], [2, 2])
    ax.set_title("tiny", fontsize=5)
    problems = figure_problems(fig)
    assert any("'tiny' at 5" in p for p in problems)
    assert any("axis without a label" in p for p in problems) and any("constant" in p for p in problems)


def test_figures_are_vector_and_included_at_natural_size(report: ReportInput) -> None:
    pdf = figure_pdf(loss_vs_k_figure(report.loss_vs_k))
    assert pdf.startswith(b"%PDF") and b"/Subtype /Image" not in pdf
    width_pt = float(re.search(rb"/MediaBox \[ *0 0 ([\d.]+)", pdf).group(1))  # type: ignore[union-attr]
    assert 0.8 * WIDTH_IN * 72 < width_pt <= WIDTH_IN * 72  # cropped to the drawing, no large white margin
    tex = render_tex(report)
    assert r"\includegraphics{report-loss-vs-k.pdf}" in tex and r"\includegraphics{report-error-vs-n.pdf}" in tex


def test_the_detector_finds_a_white_heatmap() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    ax.imshow(np.ones((3, 3)), cmap="PuOr", vmin=0.0, vmax=2.0)  # the centre of a diverging map is white
    ax.set(xlabel="column", ylabel="row")
    assert figure_problems(fig) == ["panel 0: blank heatmap"]
    ax.images[0].set_cmap("cividis")
    assert figure_problems(fig) == []
