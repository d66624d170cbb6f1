"""What a training run leaves on disk, and the entry point of the report's "Learned vs derived" section.

``<out>/summary.json`` (schema ``gdssm.train/1``): the preset, seed and steps, the conventions, and per run
(k) the GD references, the final figures against each reference's analytic layer on the evaluation tasks
(:meth:`numeric.alignment.Alignment.as_dict`), the headline figures and verdict, and the normalised trained
and analytic parameters. Wall-clock times are kept apart under ``timing`` (everything else is a function
of the seed). ``<out>/metrics.csv``: one row per logged step and run. ``<out>/{loss,alignment,params}_k<k>
.{pdf,png}``: the figures of :mod:`numeric.train_plots`. ``<out>/trained_k<k>.pt``: the trained layer's
state_dict (float32; load it into ``GDSSMLayer(E_x, E_y, k, dtype=torch.float32)`` with ``strict=True``).

:func:`learned_vs_derived` returns the summary and the figure paths of a preset, training it only when
no matching summary is on disk.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from gdssm.core.atomic import write_bytes, write_text
from gdssm.core.errors import BadInput
from gdssm.numeric.alignment import Alignment, normalise, trainable_names
from gdssm.numeric.threads import current_request
from gdssm.numeric.train import Progress, RunResult, TrainResult, preset, train
from gdssm.numeric.train_plots import write_plots
from gdssm.numeric.train_targets import zero_loss

SCHEMA = "gdssm.train/1"
LOSS_TOLERANCE = 0.02
"""A run matches a GD reference when its loss is within this relative gap of the reference's expected loss..."""
COSINE_THRESHOLD = 0.99
"""...and its mean sensitivity cosine with the reference's analytic layer is at least this."""
CONVENTIONS = ("loss: half-MSE per output dimension at the query, 1/(2m) ||yhat_N - W x_q||^2, mean over tasks; "
               "alpha = eta/N; trained parameters compared after removing the scalings Q -> aQ, d -> bd, R -> eR, "
               "C -> gC (compensated in C for k = 1, in beta, c for k >= 2); Lambda compared with 1 on the entries "
               "the construction depends on")
FROZEN = "V1 = V2 = V3 = I, F = 0, rho = 1"


def default_out(name: str) -> Path:
    """``out/train/<preset>``."""
    return Path("out") / "train" / name


def _matches(loss: float, reference: float, cosine: float) -> bool:
    return abs(loss - reference) <= LOSS_TOLERANCE * reference and cosine >= COSINE_THRESHOLD


def verdict(run: RunResult) -> str:
    """Whether the trained layer found the GD of its references, in one sentence with the figures."""
    lines = []
    for ref, final in zip(run.references, run.final, strict=True):
        cos = final.behaviour.sensitivity_cosine
        found = "matches" if _matches(final.loss, ref.loss, cos) else "does not match"
        lines.append(f"{found} {ref.name}: loss {final.loss:.4f} +- {final.loss_stderr:.2g} against its expected "
                     f"{ref.loss:.4f}; on the same tasks trained - analytic = {paired_text(final)}, "
                     f"sensitivity cosine {cos:.4f}")
    return "; ".join(lines)


def paired_text(final: Alignment) -> str:
    """The paired loss difference (trained - analytic layer, same tasks) +- its standard error, 2 digits each."""
    return f"{final.paired_difference:+.2g} +- {final.paired_stderr:.2g}"


def _parameters(run: RunResult) -> dict[str, Any]:
    trained = normalise(run.trained, run.analytic[0])
    names = trainable_names(run.k)
    return {"trained_normalised": {n: getattr(trained, n).detach().tolist() for n in names},
            "analytic": {n: getattr(run.analytic[0], n).detach().double().tolist() for n in names}}


def run_summary(run: RunResult) -> dict[str, Any]:
    """The JSON figures of one run (no wall-clock times)."""
    target, final = run.target, run.final[0]
    headline = {
        "loss": final.loss, "target_loss": target.loss, "loss_gap_rel": (final.loss - target.loss) / target.loss,
        "analytic_loss_same_tasks": final.analytic_loss, "paired_difference": final.paired_difference,
        "paired_stderr": final.paired_stderr, "sensitivity_cosine": final.behaviour.sensitivity_cosine,
        "sensitivity_l2": final.behaviour.sensitivity_l2, "prediction_l2": final.behaviour.prediction_l2,
        "parameter_distance": final.distances.relative,
        "parameter_distance_identifiable": final.distances.identifiable,
        "effective_steps": final.effective_steps, "interpolation_loss": final.interpolation_loss,
        "matches_target": _matches(final.loss, target.loss, final.behaviour.sensitivity_cosine),
    }
    return {
        "k": run.k, "tag": run.tag, "trained_parameters": list(trainable_names(run.k)),
        "frozen": FROZEN + (", c_0 = 1" if run.k == 1 else ""),
        "target": target.as_dict(), "headline": headline, "verdict": verdict(run),
        "against": [{"reference": ref.as_dict(), **final.as_dict()}
                    for ref, final in zip(run.references, run.final, strict=True)],
        "parameters": _parameters(run),
    }


def summary(result: TrainResult, files: dict[str, Any]) -> dict[str, Any]:
    """The ``summary.json`` document of a preset's runs."""
    spec = result.preset
    return {
        "schema": SCHEMA, "preset": spec.name, "settings": spec.as_dict(), "seed": result.seed,
        "steps": result.steps, "conventions": CONVENTIONS,
        "training": {"optimizer": "Adam (no weight decay), cosine decay to 0", "lr": spec.lr,
                     "lambda_lr": spec.lambda_lr, "batch": spec.batch, "dtype": "float32",
                     "metrics_dtype": "float64", "torch_threads": current_request() or 1},
        "zero_predictor_loss": zero_loss(spec.law, spec.f),
        "runs": [run_summary(run) for run in result.runs],
        "files": files,
        "timing": {"wall_seconds": result.seconds, "run_seconds": {run.tag: run.seconds for run in result.runs}},
    }


def metrics_csv(result: TrainResult) -> str:
    """One row per (run, logged step); empty cells where a run lacks a column."""
    rows = [{"k": run.k, **row} for run in result.runs for row in run.history]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: repr(value) for key, value in row.items()})
    return buffer.getvalue()


@dataclass(frozen=True)
class LearnedVsDerived:
    """A preset's summary document and its figures: {figure name: {format: path}} per run tag."""

    out_dir: Path
    summary: dict[str, Any]
    plots: dict[str, dict[str, dict[str, Path]]]


def write_outputs(result: TrainResult, out_dir: Path) -> LearnedVsDerived:
    """Write the figures, ``metrics.csv`` and ``summary.json`` (last, so a summary means a complete run)."""
    zero = zero_loss(result.preset.law, result.preset.f)
    plots = {run.tag: write_plots(run, out_dir, zero) for run in result.runs}
    write_text(out_dir / "metrics.csv", metrics_csv(result))
    weights = {}
    for run in result.runs:
        buffer = io.BytesIO()
        torch.save(run.trained.state_dict(), buffer)
        weights[run.tag] = f"trained_{run.tag}.pt"
        write_bytes(out_dir / weights[run.tag], buffer.getvalue())
    files = {"metrics": "metrics.csv", "weights": weights,
             "plots": {tag: {name: {fmt: path.name for fmt, path in paths.items()} for name, paths in figs.items()}
                       for tag, figs in plots.items()}}
    doc = summary(result, files)
    write_text(out_dir / "summary.json", json.dumps(doc, indent=2, sort_keys=True) + "\n")
    return LearnedVsDerived(out_dir=out_dir, summary=doc, plots=plots)


def load_outputs(out_dir: Path) -> LearnedVsDerived:
    """Read a finished run's ``summary.json`` and resolve its figure paths (all must exist)."""
    path = out_dir / "summary.json"
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise BadInput(f"cannot read training summary {path}: {err}") from None
    if doc.get("schema") != SCHEMA:
        raise BadInput(f"{path} is not a {SCHEMA} summary")
    plots = {tag: {name: {fmt: out_dir / file for fmt, file in paths.items()} for name, paths in figs.items()}
             for tag, figs in doc["files"]["plots"].items()}
    missing = [str(p) for figs in plots.values() for paths in figs.values() for p in paths.values() if not p.exists()]
    if missing:
        raise BadInput(f"training figures missing: {', '.join(missing)}")
    return LearnedVsDerived(out_dir=out_dir, summary=doc, plots=plots)


def learned_vs_derived(name: str = "paper-e1", out_dir: Path | None = None, *, steps: int | None = None,
                       seed: int = 0, retrain: bool = False, progress: Progress | None = None) -> LearnedVsDerived:
    """The "Learned vs derived" material of preset ``name``: summary and figures under ``out_dir``
    (default ``out/train/<preset>``), reusing a summary there of the same preset, seed and steps unless
    ``retrain``; otherwise trains (minutes for the full presets) and writes them."""
    spec = preset(name)
    out = default_out(name) if out_dir is None else Path(out_dir)
    want_steps = spec.steps if steps is None else steps
    if not retrain and (out / "summary.json").exists():
        found = load_outputs(out)
        settings = found.summary.get("settings", {})
        if (found.summary.get("preset"), found.summary.get("seed"), found.summary.get("steps"),
                settings.get("eval_tasks")) == (name, seed, want_steps, spec.eval_tasks):
            return found
    return write_outputs(train(name, steps, seed, progress), out)
