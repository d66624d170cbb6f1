"""``gdssm report``: verify (reusing fresh certificates), measure, render the LaTeX report, build the PDF.

Stages, each on the progress bar: the routes of every claim (certificates in ``<out dir>/certificates.json``
are reused when :func:`proofs.verify.fresh_outcomes` accepts them, and rewritten after a run), the evidence
of :mod:`reports.assemble`, then :func:`reports.build.write_report`. A claim that failed a route makes the
renderer refuse (exit 1, naming the claim) before any file of the report is written.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.output import progress
from gdssm.cli.verify import run_jobs
from gdssm.core.errors import BadInput, Refuted


def _previous_certificates(path: Path) -> Any:
    """The certificate document at ``path``, or None if it is missing or unreadable (then nothing is reused)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        return None


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
    from gdssm.core.atomic import write_text
    from gdssm.proofs.verify import certificate_text, certificates, fresh_outcomes, plan
    from gdssm.reports.assemble import STAGES, ReportSettings, build_report_input
    from gdssm.reports.build import write_report
    from gdssm.reports.latex import UnverifiedClaimError

    out = Path(args.out)
    if out.suffix.lower() != ".pdf":
        raise BadInput(f"--out must name a .pdf file, got {args.out!r}")
    if out.exists() and out.is_dir():
        raise BadInput(f"--out {args.out!r} is a directory; name the PDF file")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise BadInput(f"cannot create the output folder {out.parent}: {err.strerror or err}") from None
    cert_path = out.parent / "certificates.json"
    jobs = plan(None, None)
    settings = ReportSettings(args.f, args.m, args.N, args.max_steps, command_line(args),
                              train_dir=Path(args.train_dir))
    with progress() as bar:
        reused = fresh_outcomes(_previous_certificates(cert_path), jobs)
        outcomes = run_jobs(jobs, bar, reused)
        if len(reused) < len(jobs):
            write_text(cert_path, certificate_text(certificates(outcomes)))
        stages = bar.add_task("report", total=len(STAGES) + 1)

        def stage(name: str) -> None:
            bar.update(stages, description=f"report: {name}", completed=STAGES.index(name))

        report_input = build_report_input(settings, outcomes, report_versions(), stage)
        bar.update(stages, description="report: LaTeX", completed=len(STAGES))
        try:
            result = write_report(report_input, out, tex_only=args.tex_only)
        except UnverifiedClaimError as err:
            raise Refuted(f"report refused: {err}", {"claim": err.claim_id}) from None
        bar.update(stages, completed=len(STAGES) + 1)
    print(f"claims: {len(report_input.claims)} verified ({len(reused)} of {len(jobs)} route checks reused from "
          f"{cert_path}); {result.message}")
    return EXIT_OK
