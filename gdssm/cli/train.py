"""``gdssm train``: train a GD-SSM from random initialisation and compare it with the analytic construction.

The work is in :mod:`numeric.train` (presets, loop), :mod:`numeric.alignment` (metrics) and
:mod:`numeric.train_artifacts` (files); this handler shows a progress bar with the current loss, writes the
outputs under ``--out`` (default ``out/train/<preset>``) and prints a table, or the summary with ``--json``.

The output folder is checked before training and created only at the end: the files are written into a staging
folder beside it and moved in, so a refused or interrupted run leaves no folder and no half of a run behind.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.options import output_folder
from gdssm.cli.output import progress, table
from gdssm.core import budget
from gdssm.core.atomic import make_folders, move_into, temporary_folder
from gdssm.core.errors import BadInput
from gdssm.numeric.train_nonlinear import NonlinearPreset


def train(args: argparse.Namespace) -> int:
    """Run the preset, write summary.json, metrics.csv and the figures, and report the final figures."""
    from gdssm.numeric.train import preset
    from gdssm.numeric.train import train as run_preset
    from gdssm.numeric.train_artifacts import default_out, write_outputs

    if args.preset == NonlinearPreset.name:
        return train_nonlinear_preset(args)
    if args.train_law is not None:
        raise BadInput("--law applies to --preset nonlinear only")
    spec = preset(args.preset)
    # checked before training; the folder is made only when the outputs are written
    output_folder(default_out(spec.name) if args.out is None else args.out, "--out")
    out = default_out(spec.name) if args.out is None else Path(args.out)
    budget.require(budget.train_cost(spec.name, spec.f, spec.m, spec.N, tuple(spec.ks),
                                     args.steps or spec.steps, spec.batch, args.eval_tasks or spec.eval_tasks))
    from gdssm.numeric.threads import requested

    with progress() as bar, requested(args.threads):
        tasks: dict[str, int] = {}

        def report(label: str, done: int, total: int, loss: float) -> None:
            if label not in tasks:
                tasks[label] = bar.add_task(label, total=total)
            bar.update(tasks[label], completed=done, description=f"{spec.name} {label}: loss {loss:.4f}")

        result = run_preset(spec.name, args.steps, args.seed, report, args.eval_tasks)
    staging = temporary_folder(out.parent if out.parent != out else out, f".{out.name or 'train'}-")
    doc = write_outputs(result, staging).summary  # every file, then moved into --out: never half a run there
    make_folders(out)
    move_into(staging, out)
    if args.json:
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
        return EXIT_OK
    rows = []
    for run in doc["runs"]:
        h = run["headline"]
        distances = ", ".join(f"{name} {value:.3f}" for name, value in h["parameter_distance"].items())
        rows.append([str(run["k"]), f"{h['loss']:.4f}", f"{h['target_loss']:.4f}",
                     f"{h['paired_difference']:+.2g} +- {h['paired_stderr']:.2g}",
                     f"{h['sensitivity_cosine']:.4f}", f"{h['sensitivity_l2']:.3f}", f"{h['prediction_l2']:.3f}",
                     distances, f"{h['interpolation_loss']:.4f}", "yes" if h["matches_target"] else "no"])
    table(f"gdssm train {spec.name}: seed {doc['seed']}, {doc['steps']} steps, {doc['timing']['wall_seconds']:.0f} s",
           ["k", "loss", "GD target", "trained - analytic (same tasks)", "sens. cos", "sens. L2", "pred. L2",
            "param. distance (normalised)", "interp. loss", "match"], rows)
    for run in doc["runs"]:
        print(f"k = {run['k']}: {run['verdict']}")
    print(f"wrote {out / 'summary.json'}, {out / 'metrics.csv'} and the figures in {out}")
    return EXIT_OK


def train_nonlinear_preset(args: argparse.Namespace) -> int:
    """``gdssm train --preset nonlinear``: the sine task through a learned feature map, with its comparisons.

    Writes summary.json, metrics.csv, the figures and trained.safetensors (phi and the layer) into a staging
    folder, then moves them into ``--out`` (:mod:`numeric.train_nonlinear_outputs`)."""
    from dataclasses import replace

    from gdssm.cli.export import claim_hashes
    from gdssm.numeric.formats.trained import trained_claims
    from gdssm.numeric.threads import requested
    from gdssm.numeric.train_artifacts import default_out
    from gdssm.numeric.train_nonlinear import PRESET, summary, train_nonlinear
    from gdssm.numeric.train_nonlinear_outputs import write_outputs

    out = default_out(PRESET.name) if args.out is None else Path(args.out)
    output_folder(out, "--out")  # checked before training; made only when the outputs are written
    spec = PRESET if args.eval_tasks is None else replace(PRESET, eval_tasks=args.eval_tasks)
    with progress() as bar, requested(args.threads):
        task = bar.add_task(spec.name, total=args.steps or spec.steps)

        def report(label: str, done: int, total: int, loss: float) -> None:
            bar.update(task, completed=done, description=f"{label}: loss {loss:.4f}")

        result = train_nonlinear(spec, steps=args.steps, seed=args.seed, law=args.train_law, progress=report)
    assert result.model is not None
    claims = claim_hashes(trained_claims(result.model))
    staging = temporary_folder(out.parent if out.parent != out else out, f".{out.name or 'train'}-")
    doc = write_outputs(result, staging, claims).summary  # every file, then moved into --out: never half a run
    make_folders(out)
    move_into(staging, out)
    if args.json:
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        print(summary(result))
        print(f"wrote {out / 'summary.json'}, {out / 'metrics.csv'}, {out / 'trained.safetensors'} and the figures "
              f"in {out}")
    return EXIT_OK
