"""What a ``nonlinear`` run leaves on disk, in the shape of every training run (:mod:`numeric.train_artifacts`).

``<out>/summary.json`` (schema ``gdssm.train/1``): preset, settings, seed, steps, conventions, training, the
zero-predictor loss, the task ``law`` (its name, the ranges of x, a and b / pi, whether a and b are drawn
independently), the ``headline`` (the trained model's evaluation loss and standard error), the ``comparisons``
(:class:`numeric.train_nonlinear.Comparison`: loss +- s.e., paired difference to the trained model +- s.e.,
prediction L2, sensitivity cosine +- s.e., fitted eta), ``files`` and, kept apart, ``timing``.
``<out>/metrics.csv``: the training log. ``<out>/{loss,predictions}_nonlinear.{pdf,png}``: the figures of
:mod:`numeric.train_nonlinear_plots`. ``<out>/trained.safetensors``: phi and the layer with their metadata
(:mod:`numeric.formats.trained`); rebuild them with :func:`~numeric.formats.trained.read_trained`.
Everything but ``timing`` is a function of the seed; every file is written atomically, ``summary.json`` last.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from gdssm.core.atomic import write_text
from gdssm.numeric.formats.trained import trained_metadata, write_trained
from gdssm.numeric.train_artifacts import SCHEMA, LearnedVsDerived
from gdssm.numeric.train_nonlinear import (
    AMPLITUDE,
    PHASE_TURNS,
    X_RANGE,
    NonlinearResult,
    evaluation_loss,
    evaluation_tasks,
)
from gdssm.numeric.train_nonlinear_plots import TAG, write_plots

WEIGHTS = "trained.safetensors"
CONVENTIONS = ("loss: half squared error at the query, (yhat_q - y_q)^2 / 2, mean over the evaluation tasks, "
               "+- its standard error; paired differences: comparison minus trained on the same tasks, +- s.e.; "
               "prediction L2: RMS of comparison minus trained predictions; sensitivity cosine: cosine of the "
               "gradients of yhat_q with respect to (x_1..x_N, y_1..y_N, x_q), mean over tasks +- s.e.; the GD "
               "comparisons' eta is fitted by least squares on the evaluation tasks")


def law_summary(law: str) -> dict[str, Any]:
    """The task law's figures: y = a sin(x + b) with the ranges of x, a and b / pi, and whether a, b are independent."""
    return {"name": law, "x_range": list(X_RANGE[law]), "amplitude_range": list(AMPLITUDE),
            "phase_turns_range": list(PHASE_TURNS), "independent_amplitude_phase": law != "authors"}


def summary(result: NonlinearResult, files: Mapping[str, Any]) -> dict[str, Any]:
    """The ``summary.json`` document of a nonlinear run."""
    spec = result.preset
    return {
        "schema": SCHEMA, "preset": spec["name"], "settings": spec, "seed": result.seed, "steps": result.steps,
        "conventions": CONVENTIONS,
        "training": {"optimizer": "Adam (no weight decay), cosine decay to 0", "lr": spec["lr"],
                     "batch": spec["batch"], "dtype": "float32", "metrics_dtype": "float64", "torch_threads": 1},
        "zero_predictor_loss": result.zero_loss,
        "law": law_summary(str(spec["law"])),
        "headline": {"loss": result.loss, "loss_stderr": result.loss_stderr, "eval_tasks": spec["eval_tasks"]},
        "comparisons": result.as_dict()["comparisons"],
        "files": dict(files),
        "timing": {"wall_seconds": result.seconds},
    }


def metrics_csv(result: NonlinearResult) -> str:
    """One row per logged step: step, mean training loss over the interval."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=["step", "train_loss"], lineterminator="\n")
    writer.writeheader()
    for row in result.log:
        writer.writerow({key: repr(row[key]) for key in ("step", "train_loss")})
    return buffer.getvalue()


def weights_metadata(result: NonlinearResult, claims: Mapping[str, str]) -> dict[str, Any]:
    """The metadata of ``trained.safetensors``: the run, the claims and the recorded evaluation loss."""
    assert result.model is not None, "the result of train_nonlinear carries its model"
    spec = result.preset
    _, _, x, y, target = evaluation_tasks(str(spec["law"]), int(spec["N"]), int(spec["eval_tasks"]),
                                          int(spec["eval_seed"]))
    run = {"preset": spec["name"], "law": spec["law"], "seed": result.seed, "training_steps": result.steps,
           "settings": spec}
    evaluation = {"tasks": spec["eval_tasks"], "seed": spec["eval_seed"],
                  "loss": evaluation_loss(result.model, x, y, target)}
    return trained_metadata(result.model, run, claims, evaluation)


def write_outputs(result: NonlinearResult, out_dir: Path, claims: Mapping[str, str]) -> LearnedVsDerived:
    """Write the figures, ``metrics.csv``, the weights and ``summary.json`` (last, so a summary means a complete
    run); ``claims``: id -> statement hash of :func:`numeric.formats.trained.trained_claims`."""
    assert result.model is not None, "the result of train_nonlinear carries its model"
    plots = write_plots(result, out_dir)
    write_text(out_dir / "metrics.csv", metrics_csv(result))
    write_trained(out_dir / WEIGHTS, result.model, weights_metadata(result, claims))
    files = {"metrics": "metrics.csv", "weights": {TAG: WEIGHTS},
             "plots": {TAG: {name: {fmt: path.name for fmt, path in paths.items()} for name, paths in plots.items()}}}
    doc = summary(result, files)
    write_text(out_dir / "summary.json", json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return LearnedVsDerived(out_dir=out_dir, summary=doc, plots={TAG: plots})


__all__ = ["CONVENTIONS", "WEIGHTS", "law_summary", "metrics_csv", "summary", "weights_metadata",
           "write_outputs"]
