"""Deterministic PDF figures: loss vs k and error vs N.

A bare :class:`matplotlib.figure.Figure` is drawn (no pyplot, so no GUI backend and no global state) and
saved with the PDF backend (vector graphics, cropped to the drawing), under matplotlib's default style so that a
user's ``matplotlibrc`` does not change the output. The report includes each figure at its natural size
(:data:`WIDTH_IN` wide, less than the text width), so a font of :data:`MIN_FONT_PT` points in the figure is that
size on the page; every axis is labelled.

The same data gives the same bytes (no creation date, a fixed producer; matplotlib's PDF writer is otherwise
deterministic, which the tests check). Each file is written atomically.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from pathlib import Path

from matplotlib import style
from matplotlib.figure import Figure

from gdssm.core.atomic import write_bytes
from gdssm.core.figure_style import MIN_FONT_PT

_METADATA = {"CreationDate": None, "Producer": "gdssm (matplotlib)", "Creator": None}
_STYLES = ("-o", "--s", ":^", "-.d")
WIDTH_IN = 4.8
"""Figure width in inches (less than :data:`gdssm.core.figure_style.TEXT_WIDTH_IN`)."""


def figure_pdf(fig: Figure) -> bytes:
    """``fig`` as PDF bytes, cropped to what is drawn."""
    buf = io.BytesIO()
    fig.savefig(buf, format="pdf", metadata=_METADATA, bbox_inches="tight", pad_inches=0.02)
    return buf.getvalue()


def _series_figure(data: Mapping[str, Sequence[float]], axis: str, xlabel: str, ylabel: str, log: bool) -> Figure:
    """Every series of ``data`` against ``data[axis]``; log y only when all values are positive."""
    with style.context("default"):
        fig = Figure(figsize=(WIDTH_IN, 3.0))
        ax = fig.add_subplot()
        xs = list(data[axis])
        series = {label: list(ys) for label, ys in data.items() if label != axis}
        for i, (label, ys) in enumerate(series.items()):
            ax.plot(xs, ys, _STYLES[i % len(_STYLES)], label=label, markersize=4, linewidth=1.2)
        values = [v for ys in series.values() for v in ys if math.isfinite(v)]
        if log and values and min(values) > 0:
            ax.set_yscale("log")
        ax.grid(True, alpha=0.3)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.legend(frameon=False)
        fig.tight_layout()
        return fig


def loss_vs_k_figure(data: Mapping[str, Sequence[float]]) -> Figure:
    """Loss against the number of steps k (key ``"k"``), as :func:`reports.evidence.loss_vs_k` lays it out.

    A series ``"exact, S"`` is drawn as a line; any other series ``"M, S"`` as markers with error bars from
    ``"s.e., S"`` when there is one (GD-SSM shifted right a little so that it does not hide GD).
    """
    with style.context("default"):
        fig = Figure(figsize=(WIDTH_IN, 3.2))
        ax = fig.add_subplot()
        xs = list(data["k"])
        colours: dict[str, str] = {}
        markers = 0
        for label, ys in data.items():
            method, _, schedule = label.partition(", ")
            if label == "k" or method == "s.e.":
                continue
            colour = colours.setdefault(schedule, f"C{len(colours)}")
            if method == "exact":
                ax.plot(xs, list(ys), "-", color=colour, linewidth=1.0, label=f"exact, {schedule}" if schedule
                        else "exact")
                continue
            err = data.get(f"s.e., {schedule}") if schedule else None
            shift = 0.12 * (markers % 2)
            ax.errorbar([x + shift for x in xs], list(ys), yerr=list(err) if err is not None else None,
                        fmt="os"[markers % 2], color=colour, markersize=3.5, capsize=2, linewidth=0.8,
                        markerfacecolor="none" if markers % 2 else colour, label=label)
            markers += 1
        ax.grid(True, alpha=0.3)
        ax.set_xlabel("steps k")
        ax.set_ylabel("query loss")
        ax.legend(frameon=False, fontsize=MIN_FONT_PT)
        fig.tight_layout()
        return fig


def error_vs_n_figure(data: Mapping[str, Sequence[float]]) -> Figure:
    """Error against the context length N (key ``"N"`` plus one series per label, e.g. float64 and float32), log
    scale when every error is positive."""
    return _series_figure(data, "N", "context length N", "max |GD-SSM - GD| over prefixes", log=True)


def loss_vs_k_pdf(data: Mapping[str, Sequence[float]]) -> bytes:
    """:func:`loss_vs_k_figure` as PDF."""
    return figure_pdf(loss_vs_k_figure(data))


def error_vs_n_pdf(data: Mapping[str, Sequence[float]]) -> bytes:
    """:func:`error_vs_n_figure` as PDF."""
    return figure_pdf(error_vs_n_figure(data))


def write_figures(
    directory: Path, prefix: str, loss_vs_k: Mapping[str, Sequence[float]], error_vs_n: Mapping[str, Sequence[float]]
) -> dict[str, Path]:
    """Write the figures that have data into ``directory``; returns ``{"loss_vs_k": path, ...}``."""
    out: dict[str, Path] = {}
    for key, data, render in (("loss_vs_k", loss_vs_k, loss_vs_k_pdf), ("error_vs_N", error_vs_n, error_vs_n_pdf)):
        if data:
            path = directory / figure_name(prefix, key)
            write_bytes(path, render(data))
            out[key] = path
    return out


def figure_name(prefix: str, key: str) -> str:
    """File name of figure ``key`` for a report whose files start with ``prefix``."""
    return f"{prefix}-{key.replace('_', '-').lower()}.pdf"
