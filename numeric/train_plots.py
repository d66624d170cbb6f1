"""Figures of a training run (matplotlib, no pyplot state): loss, alignment over training, parameter heatmaps.

Each figure is written as PDF and PNG through :func:`gdssm.core.atomic.write_bytes` with the time stamps
removed from the metadata, so the same run gives the same files.

* ``loss_<tag>``: training loss (mean over each logging interval) and the monitored evaluation loss
  against the expected loss of every GD reference (horizontal lines) and of the zero predictor.
* ``alignment_<tag>``: the metrics of :mod:`numeric.alignment` against the target's analytic layer over
  training: sensitivity cosine, sensitivity and prediction L2, scale-normalised parameter distances, and
  the loss of the 50/50 interpolation.
* ``params_<tag>``: heatmaps of the scale-normalised trained parameters next to the analytic ones
  (Q, d, C, Lambda; R for k >= 2), each pair on one colour scale; Lambda entries outside the support
  (not identifiable) are masked.

Every figure is at most :data:`gdssm.core.figure_style.TEXT_WIDTH_IN` wide with fonts of at least
:data:`gdssm.core.figure_style.MIN_FONT_PT` points, and every axis is labelled: the report includes them at
their natural size.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.image import AxesImage

from gdssm.core.atomic import write_bytes
from gdssm.core.figure_style import MIN_FONT_PT, TEXT_WIDTH_IN
from gdssm.numeric.alignment import normalise
from gdssm.numeric.train import RunResult

FORMATS = ("pdf", "png")
METADATA = {"pdf": {"CreationDate": None, "ModDate": None}, "png": {"Software": None}}
DPI = 150


def save_figure(fig: Figure, stem: Path) -> dict[str, Path]:
    """Write ``fig`` to ``stem``.pdf and ``stem``.png atomically; return the paths by format."""
    engine = fig.get_layout_engine()
    if engine is not None:  # lay out once, not once per format
        engine.execute(fig)
        fig.set_layout_engine("none")
    paths = {}
    for fmt in FORMATS:
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=DPI, metadata=METADATA[fmt])
        path = stem.with_suffix(f".{fmt}")
        write_bytes(path, buffer.getvalue())
        paths[fmt] = path
    return paths


MATHTEXT = {"alpha*": r"$\alpha^*$", "alpha": r"$\alpha$"}
"""ASCII names in the GD targets' names and their mathtext (so no figure shows ASCII math)."""
_ASCII_MATH = re.compile("|".join(re.escape(name) for name in MATHTEXT))  # longest names first


def math_label(text: str) -> str:
    """``text`` with the ASCII math of :data:`MATHTEXT` written as matplotlib mathtext, in one pass."""
    return _ASCII_MATH.sub(lambda found: MATHTEXT[found.group(0)], text)


def _column(run: RunResult, key: str) -> tuple[np.ndarray, np.ndarray]:
    steps = np.array([row["step"] for row in run.history])
    return steps, np.array([row[key] for row in run.history])


def loss_figure(run: RunResult, zero_loss: float) -> Figure:
    """Training and evaluation loss with the GD references as horizontal lines."""
    fig = Figure(figsize=(6.0, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(*_column(run, "train_loss"), label="training loss (interval mean)", color="0.6")
    ax.plot(*_column(run, "eval_loss"), label="evaluation loss (monitor tasks)", color="C0", marker=".")
    for i, ref in enumerate(run.references):
        ax.axhline(ref.loss, color=f"C{i + 1}", linestyle="--", label=f"{math_label(ref.name)}: {ref.loss:.4f}")
    ax.axhline(zero_loss, color="0.3", linestyle=":", label=f"zero predictor: {zero_loss:.4f}")
    ax.set_yscale("log")
    ax.set_xlabel("Adam step")
    ax.set_ylabel("half-MSE per output at the query")
    ax.set_title(f"k = {run.k}: loss vs GD")
    ax.legend(fontsize=MIN_FONT_PT)
    return fig


def alignment_figure(run: RunResult) -> Figure:
    """Behavioural and parameter alignment with the target's analytic layer, over training."""
    fig = Figure(figsize=(6.4, 5.4), layout="constrained")
    (cos_ax, l2_ax), (dist_ax, interp_ax) = fig.subplots(2, 2)
    cos_ax.plot(*_column(run, "sensitivity_cosine"), color="C0", marker=".")
    cos_ax.axhline(1.0, color="0.5", linestyle=":")
    cos_ax.set(title="sensitivity cosine with GD", ylabel=r"$\cos(\partial\hat y/\partial x_q)$")
    for key, color in (("sensitivity_l2", "C0"), ("prediction_l2", "C1")):
        l2_ax.plot(*_column(run, key), label=key.replace("_", " "), color=color, marker=".")
    l2_ax.set(yscale="log", title="L2 distance to GD", ylabel="relative L2 distance")
    for i, key in enumerate(k for k in run.history[0] if k.startswith("distance_")):
        dist_ax.plot(*_column(run, key), label=key.removeprefix("distance_"), color=f"C{i}", marker=".")
    dist_ax.set(yscale="log", title="parameter distance (normalised)", ylabel=r"$\|P' - P^*\| / \|P^*\|$")
    for key, color in (("eval_loss", "C0"), ("interpolation_loss", "C2"), ("analytic_loss", "C3")):
        interp_ax.plot(*_column(run, key), label=key.replace("_", " "), color=color, marker=".")
    interp_ax.set(yscale="log", title="loss of the 50/50 interpolation", ylabel="half-MSE")
    for ax in (cos_ax, l2_ax, dist_ax, interp_ax):
        ax.set_xlabel("Adam step")
        ax.title.set_fontsize(9)
        if ax is not cos_ax:
            ax.legend(fontsize=MIN_FONT_PT, ncol=2 if ax is dist_ax else 1)
    fig.suptitle(f"k = {run.k}: trained vs {math_label(run.target.name)}", fontsize=10)
    return fig


def _heatmap(ax: Axes, values: np.ndarray, limits: tuple[float, float], cmap: str, title: str) -> AxesImage:
    """One parameter as a heatmap: row and column indices on the axes, entries written in when there are <= 9."""
    image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=limits[0], vmax=limits[1], aspect="equal")
    ax.set_title(title, fontsize=8)
    rows, cols = values.shape
    ax.set_xticks(sorted({0, cols - 1}), labels=[str(j + 1) for j in sorted({0, cols - 1})])  # 1-based indices
    ax.set_yticks(sorted({0, rows - 1}), labels=[str(i + 1) for i in sorted({0, rows - 1})])
    ax.tick_params(labelsize=MIN_FONT_PT, length=2, pad=1)
    ax.set_xlabel("column", fontsize=MIN_FONT_PT, labelpad=0)
    ax.set_ylabel("row", fontsize=MIN_FONT_PT, labelpad=0)
    if values.size <= 9:
        middle, half = (limits[0] + limits[1]) / 2, (limits[1] - limits[0]) / 2
        for (i, j), v in np.ndenumerate(values):
            dark = abs(v - middle) > 0.6 * half
            ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=MIN_FONT_PT,
                    color="white" if dark else "black")
    return image


def parameter_figure(run: RunResult) -> Figure:
    """Heatmaps: scale-normalised trained parameters (top row) over the analytic ones (bottom row), one colour
    scale per parameter, its bar under the pair."""
    analytic = run.analytic[0]
    trained = normalise(run.trained, analytic)
    names = ["Q", "d", "C", "Lambda"] + (["R"] if run.k > 1 else [])
    fig = Figure(figsize=(TEXT_WIDTH_IN - 0.1, 4.4), layout="constrained")
    axes = fig.subplots(2, len(names), squeeze=False)
    support = run.supports["Lambda"].numpy()
    for col, name in enumerate(names):
        pair = [getattr(layer, name).detach().double().numpy() for layer in (trained, analytic)]
        pair = [p.reshape(3, 1) if name == "d" else p for p in pair]
        if name == "Lambda":
            pair = [np.where(support, p, np.nan) for p in pair]
            spread = max(float(np.nanmax(np.abs(pair[0] - 1.0))), 1e-6)
            limits, cmap = (1.0 - spread, 1.0 + spread), "cividis"  # sequential: Lambda = 1 is not drawn white
        else:
            bound = max(float(np.nanmax(np.abs(p))) for p in pair) or 1.0
            limits, cmap = (-bound, bound), "RdBu_r"
        for row, (values, who) in enumerate(zip(pair, ("trained", "analytic"), strict=True)):
            image = _heatmap(axes[row, col], values, limits, cmap, f"{name}: {who}")
        bar = fig.colorbar(image, ax=axes[:, col], location="bottom", shrink=0.9, aspect=12)
        bar.ax.tick_params(labelsize=MIN_FONT_PT)
    fig.suptitle(f"k = {run.k}: learned (scale-normalised) vs derived ({math_label(run.target.name)})",
                 fontsize=10)
    return fig


def write_plots(run: RunResult, out: Path, zero_loss: float) -> dict[str, dict[str, Path]]:
    """All figures of one run under ``out``; returns {figure name: {format: path}}."""
    figures = {"loss": loss_figure(run, zero_loss), "alignment": alignment_figure(run),
               "params": parameter_figure(run)}
    return {name: save_figure(fig, out / f"{name}_{run.tag}") for name, fig in figures.items()}
