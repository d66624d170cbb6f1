"""Figures of a ``nonlinear`` run (matplotlib, no pyplot state), written like every training figure
(:func:`numeric.train_plots.save_figure`: vector PDF and PNG, no time stamps).

* ``loss_nonlinear``: the training loss (mean over each logging interval) against the evaluation losses of the
  trained model and of every comparison (horizontal lines);
* ``predictions_nonlinear``: for the first evaluation tasks, the query prediction as x_q sweeps the law's range:
  trained model, GD on the learned features, least squares on the learned features, the truth a sin(x + b), and
  the context points.

The figures are sized to be included at their natural width (at most 6 in) so that every label is at least
:data:`MIN_FONT` pt on the page.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from gdssm.numeric.train_nonlinear import GD_LEARNED, LEAST_SQUARES, NonlinearResult
from gdssm.numeric.train_plots import save_figure

MIN_FONT = 8
"""Smallest font size (pt) of any text in the figures (above :data:`gdssm.core.figure_style.MIN_FONT_PT`)."""
WIDTH = 6.0
"""Figure width in inches (less than :data:`gdssm.core.figure_style.TEXT_WIDTH_IN`)."""
TAG = "nonlinear"
CURVES = (("truth", "truth a sin(x + b)", "black", "-"), ("trained", "trained GD-SSM", "C0", "-"),
          (GD_LEARNED, "GD on learned features", "C1", "--"), (LEAST_SQUARES, "least squares on learned features",
                                                                "C2", ":"))
"""(curve key, legend label, colour, line style) of the prediction panels."""


def loss_figure(result: NonlinearResult) -> Figure:
    """Training loss over the Adam steps, with the evaluation losses as horizontal lines."""
    fig = Figure(figsize=(WIDTH, 3.4), layout="constrained")
    ax = fig.add_subplot()
    steps = np.array([row["step"] for row in result.log])
    ax.plot(steps, np.array([row["train_loss"] for row in result.log]), color="C0", marker=".",
            label="training loss (interval mean)")
    ax.axhline(result.loss, color="C0", linestyle="--", label=f"trained, evaluation: {result.loss:.4f}")
    for i, comparison in enumerate(result.comparisons, start=1):
        ax.axhline(comparison.loss, color=f"C{i}", linestyle=":" if i % 2 else "-.",
                   label=f"{comparison.name}: {comparison.loss:.4f}")
    ax.set_yscale("log")
    ax.set_xlabel("Adam step", fontsize=9)
    ax.set_ylabel("half squared error at the query", fontsize=9)
    ax.tick_params(labelsize=MIN_FONT)
    ax.set_title(f"nonlinear ({result.preset['law']} law): loss over training", fontsize=9)
    ax.legend(fontsize=MIN_FONT)
    return fig


def predictions_figure(curves: dict[str, Any], law: str) -> Figure:
    """One panel per task: the predictions as the query x sweeps the range, the truth and the context."""
    tasks = curves["tasks"]
    fig = Figure(figsize=(WIDTH, 2.9), layout="constrained")
    axes = np.atleast_1d(fig.subplots(1, len(tasks), sharey=True, squeeze=False)[0])
    grid = np.array(curves["x"])
    for t, (ax, task) in enumerate(zip(axes, tasks, strict=True)):
        for key, label, color, style in CURVES:
            ax.plot(grid, np.array(task[key]), color=color, linestyle=style, label=label if t == 0 else None)
        ax.scatter(task["context_x"], task["context_y"], s=9, color="0.3", zorder=3,
                   label="context" if t == 0 else None)
        truth = np.array(task["truth"])
        span = max(float(np.abs(truth).max()), 0.1)
        ax.set_ylim(-2 * span, 2 * span)
        ax.set_title(f"a = {task['a']:.2f}, b = {task['b']:.2f}", fontsize=MIN_FONT)
        ax.set_xlabel("query x", fontsize=MIN_FONT)
        ax.tick_params(labelsize=MIN_FONT)
    axes[0].set_ylabel("prediction at the query", fontsize=MIN_FONT)
    fig.legend(loc="outside lower center", ncol=3, fontsize=MIN_FONT)
    fig.suptitle(f"nonlinear ({law} law): predictions on held-out tasks", fontsize=9)
    return fig


def write_plots(result: NonlinearResult, out: Path) -> dict[str, dict[str, Path]]:
    """Both figures under ``out``; returns {figure name: {format: path}}."""
    figures = {"loss": loss_figure(result), "predictions": predictions_figure(result.curves, result.preset["law"])}
    return {name: save_figure(fig, out / f"{name}_{TAG}") for name, fig in figures.items()}
