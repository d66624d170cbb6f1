"""Time of the default ``gdssm report`` (certificates not reused: a fresh output folder), PDF included."""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 30.0
"""Issue 16: the default report under 30 s on the 2-core machine."""


def run(quick: bool = False) -> list[str]:
    """One row: the wall time of the default report (``quick`` runs it too: it is the measurement)."""
    with tempfile.TemporaryDirectory(prefix="gdssm-bench-report-") as tmp:
        out = Path(tmp) / "report.pdf"
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "gdssm", "report", "--out", str(out), "--train-dir",
                               str(Path(tmp) / "none")], capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
    status = "ok" if proc.returncode == 0 else f"failed (exit {proc.returncode}): {proc.stderr.strip()[-200:]}"
    return [f"{'gdssm report (default dims, fresh certificates, PDF)':<66} {seconds:>11.1f} {TARGET_S:>11.1f} "
            f"{'s':<8} {seconds / TARGET_S:.2f}  {status}"]
