"""``gdssm report``: verify (reusing fresh certificates), measure, render the LaTeX report, build the PDF.

Stages, each on the progress bar: the routes of every claim (certificates in ``<out dir>/certificates.json``
are reused when :func:`proofs.verify.fresh_outcomes` accepts them, and rewritten after a run), the evidence
of :mod:`reports.assemble`, then :func:`reports.build.write_report`. A claim that failed a route makes the
renderer refuse (exit 1, naming the claim) before any file of the report is written.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.output import progress
from gdssm.cli.verify import available_jobs, run_jobs
from gdssm.core.errors import BadInput, Refuted


def _previous_certificates(path: Path) -> Any:
    """The certificate document at ``path``, or None if it is missing or unreadable (then nothing is reused)."""
    from gdssm.core.strict_json import read_json_file

    if not path.is_file():
        return None
    try:
        return read_json_file(path, "certificates")
    except BadInput:  # strict JSON only (no NaN, duplicates, deep nesting): anything else is not reused
        return None


def check_train_dir(train_dir: Path) -> None:
    """Every ``<train dir>/<preset>/summary.json`` is a readable training summary, before any work (a malformed
    one is one line, exit 2, not a failure after minutes of verification)."""
    from gdssm.core.strict_json import read_json_file, require_object
    from gdssm.numeric.train import PRESETS
    from gdssm.reports.learned import learned_views

    if train_dir.exists() and not train_dir.is_dir():
        raise BadInput(f"--train-dir {train_dir} is a file, not a folder")
    for name in PRESETS:
        path = train_dir / name / "summary.json"
        if path.exists():
            require_object(read_json_file(path, "training summary"), f"training summary {path}")
    try:
        learned_views(train_dir)
    except (KeyError, TypeError, AttributeError, ValueError, IndexError) as err:
        if isinstance(err, BadInput):
            raise
        raise BadInput(f"a training summary under {train_dir} lacks what 'gdssm train' writes "
                       f"({type(err).__name__}: {str(err)[:80]}); rerun gdssm train or move it away") from None


def staged_report(report_input: Any, out: Path, tex_only: bool, write: Any) -> Any:
    """``write(report_input, pdf, tex_only)`` into a staging folder beside ``out``, then every file moved into
    ``out``'s folder: an interrupted or refused build leaves the earlier report whole (the staging folder is
    removed by the dispatcher's cleanup)."""
    from dataclasses import replace

    from gdssm.core.atomic import move_into, temporary_folder

    staging = temporary_folder(out.parent, ".gdssm-report-")
    try:
        result = write(report_input, staging / out.name, tex_only=tex_only)
    except BadInput as err:  # e.g. a LaTeX error: keep its log beside the report, as the message says
        log = staging / out.with_suffix(".log").name
        if log.exists():
            os.replace(log, out.with_suffix(".log"))
        if str(staging) not in str(err):
            raise
        raise BadInput(str(err).replace(str(staging), str(out.parent))) from None
    move_into(staging, out.parent)

    def moved(path: Any) -> Any:
        if path is None:
            return None
        target = Path(path)
        return out.parent / target.relative_to(staging) if target.is_relative_to(staging) else target

    changes = {name: (tuple(moved(p) for p in value) if isinstance(value, tuple) else moved(value))
               for name, value in vars(result).items() if name != "message"}
    return replace(result, **changes, message=result.message.replace(str(staging), str(out.parent)))


def report_versions() -> dict[str, str]:
    """The engines of the proofs (:func:`proofs.verify.versions`) plus those of the evidence and the rendering."""
    import jinja2
    import matplotlib
    import numpy
    import torch

    from gdssm.proofs.verify import versions

    return {**versions(), "torch": torch.__version__, "numpy": numpy.__version__, "jinja2": jinja2.__version__,
            "matplotlib": matplotlib.__version__}


def command_line(args: argparse.Namespace) -> str:
    """The command as it would be typed to reproduce this report (canonical order, every option explicit)."""
    text = (f"gdssm report --out {args.out} --f {args.f} --m {args.m} --n {args.N} --max-steps {args.max_steps} "
            f"--train-dir {args.train_dir}")
    return text + (" --tex-only" if args.tex_only else "")


def report(args: argparse.Namespace) -> int:
    """``gdssm report``: everything the report states is checked in this run or by a fresh certificate."""
    from gdssm.cli.options import output_file
    from gdssm.core import budget

    out = Path(args.out)
    if out.exists() and out.is_dir():
        raise BadInput(f"--out {args.out!r} is a folder; name the PDF file")
    if out.suffix.lower() != ".pdf":
        raise BadInput(f"--out must name a .pdf file, got {args.out!r}")
    output_file(out, "--out")  # checked before any work; the folder is created when the first file is written
    budget.require(budget.report_cost(args.f, args.m, args.N, args.max_steps))
    check_train_dir(Path(args.train_dir))
    from gdssm.core.atomic import write_text
    from gdssm.proofs.verify import certificate_text, certificates, fresh_outcomes, plan
    from gdssm.reports.assemble import STAGES, ReportSettings, build_report_input
    from gdssm.reports.build import write_report
    from gdssm.reports.latex import UnverifiedClaimError

    cert_path = out.parent / "certificates.json"
    jobs, _ = available_jobs(plan(None, None), None)  # without coqc: one line, the claims not Coq-checked
    settings = ReportSettings(args.f, args.m, args.N, args.max_steps, command_line(args),
                              train_dir=Path(args.train_dir))
    with progress() as bar:
        reused = {} if args.recheck else fresh_outcomes(_previous_certificates(cert_path), jobs)
        outcomes = run_jobs(jobs, bar, reused, recheck=args.recheck)
        if len(reused) < len(jobs):
            write_text(cert_path, certificate_text(certificates(outcomes)))
        stages = bar.add_task("report", total=len(STAGES) + 1)

        def stage(name: str) -> None:
            bar.update(stages, description=f"report: {name}", completed=STAGES.index(name))

        report_input = build_report_input(settings, outcomes, report_versions(), stage)
        bar.update(stages, description="report: LaTeX", completed=len(STAGES))
        try:
            result = staged_report(report_input, out, args.tex_only, write_report)
        except UnverifiedClaimError as err:
            raise Refuted(f"report refused: {err}", {"claim": err.claim_id}) from None
        bar.update(stages, completed=len(STAGES) + 1)
    print(f"claims: {len(report_input.claims)} verified ({len(reused)} of {len(jobs)} route checks reused from "
          f"{cert_path}); {result.message}")
    return EXIT_OK
