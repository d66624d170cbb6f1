"""The "Learned vs derived" section: finished ``gdssm train`` runs found on disk, as report views.

The report never trains (that takes minutes); it reads ``<train dir>/<preset>/summary.json`` written by
:func:`numeric.train_artifacts.write_outputs` for every preset that has one, and shows each run's headline
figures, its verdict and its figures (PDF).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gdssm.numeric.train import PRESETS
from gdssm.numeric.train_artifacts import load_outputs
from gdssm.reports.model import LearnedView, NumericTable
from gdssm.reports.nonlinear import PRESET as NONLINEAR
from gdssm.reports.nonlinear import nonlinear_view
from gdssm.reports.tex import TexMath

HEADER = ("run", "loss", "GD target", "trained - analytic, s.e.", "sens. cosine", "sens. L2", "pred. L2",
          "param. distance", "50/50 loss")
FIGURE_CAPTIONS = {
    "loss": "Training loss against the GD target loss",
    "alignment": "Behavioural and parameter alignment with the analytic layer over training",
    "params": "Trained (scale-normalised) and analytic parameters",
}


def _number(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, int | float) else str(value)


GREEK = {"Lambda": r"\Lambda", "beta": r"\beta", "rho": r"\rho", "gamma": r"\gamma"}
"""Parameter names of ``summary.json`` that are Greek letters in the report."""


def _distance(value: Any) -> str:
    """A distance figure: a number, or ``name: value`` pairs for a per-parameter mapping, as math (2 digits)."""
    if isinstance(value, Mapping):
        pairs = (rf"{GREEK.get(name, name)}\colon {v:.2g}" for name, v in value.items())
        return TexMath(r",\allowbreak\ ".join(pairs))  # name: value, line breaks allowed between pairs
    return _number(value)


def _sci(value: float, signed: bool = False) -> str:
    """``value`` to 2 significant digits as LaTeX math (``2.0 \\times 10^{-5}``)."""
    mantissa, _, exponent = f"{value:{'+' if signed else ''}.1e}".partition("e")
    power = int(exponent)
    return mantissa if power == 0 else rf"{mantissa} \times 10^{{{power}}}"


def gap_cell(headline: Mapping[str, Any]) -> str:
    """The loss gap: the paired difference (trained - derived layer on the same tasks) +- its standard error when
    the summary holds both, else the relative gap to the GD target's expected loss."""
    diff, stderr = headline.get("paired_difference"), headline.get("paired_stderr")
    if isinstance(diff, int | float) and isinstance(stderr, int | float):
        return TexMath(rf"{_sci(diff, signed=True)} \pm {_sci(stderr)}")
    return f"{headline['loss_gap_rel']:+.2%}"


def run_row(run: Mapping[str, Any]) -> tuple[str, ...]:
    """One table row from a run of ``summary.json``."""
    h = run["headline"]
    return (f"k = {run['k']}", _number(h["loss"]), _number(h["target_loss"]), gap_cell(h),
            _number(h["sensitivity_cosine"]), _number(h["sensitivity_l2"]), _number(h["prediction_l2"]),
            _distance(h["parameter_distance"]), _number(h["interpolation_loss"]))


def learned_view(directory: Path) -> LearnedView:
    """The view of the finished training run in ``directory``."""
    found = load_outputs(directory)
    doc = found.summary
    runs = doc["runs"]
    setting = (f"{doc['steps']} Adam steps, seed {doc['seed']}; trained: "
               + "; ".join(f"k = {r['k']}: {', '.join(r['trained_parameters'])} (frozen {r['frozen']})"
                           for r in runs) + f". Conventions: {doc['conventions']}.")
    figures = tuple((f"{FIGURE_CAPTIONS.get(name, name)} ({doc['preset']}, {tag}).", str(paths["pdf"]))
                    for tag, figs in found.plots.items() for name, paths in figs.items() if "pdf" in paths)
    table = NumericTable(f"gdssm train --preset {doc['preset']}", HEADER, tuple(run_row(r) for r in runs))
    verdicts = " ".join(f"k = {r['k']}: {r['verdict']}." for r in runs)
    return LearnedView(doc["preset"], setting, verdicts, table, figures)


def learned_views(train_dir: Path) -> tuple[LearnedView, ...]:
    """Views of every preset with a finished run under ``train_dir`` (in the order of the presets, then the
    nonlinear preset's, :mod:`reports.nonlinear`)."""
    views = [learned_view(train_dir / name) for name in PRESETS if (train_dir / name / "summary.json").exists()]
    if (train_dir / NONLINEAR / "summary.json").exists():
        views.append(nonlinear_view(train_dir / NONLINEAR))
    return tuple(views)
