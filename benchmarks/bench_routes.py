"""The whole ``gdssm verify`` against its 5 s target; route 2 (flint mpoly, exact) against sympy.expand and Z3.

``gdssm verify`` (every claim, every route) runs as the command a user types, in a fresh process, wall clock:
warm (the Coq verdicts of an earlier run on the same files are stored, :func:`proofs.coq.run.verdict_key`) and
cold Coq (no stored verdict: coqc on every claim's file; the compiled library is kept, its build is
``benchmarks/bench_coq.py``'s figure). The detail gives the CPU seconds of the command and its children.

The identity: the k-step layer equals per-sample GD at every prefix, all data entries and eta symbolic
(f=8, m=2, N=5, k=3: 113,680 monomials in the final prediction). SymPy expands lhs - rhs output by output
in a capped child; past its time limit the limit is reported as a lower bound (the row name says so).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import sympy as sp

from benchmarks import Row, Timing
from gdssm.proofs.rings import ProgramPair, Ring, construction_pair
from gdssm.proofs.route_exact import ExactResult, check_exact, run_capped
from gdssm.proofs.route_z3 import check_z3
from gdssm.symbolic.constructions import k_step

MEMORY = 8 << 30
SCAN_LIMIT = 10.0
VERIFY_TARGET_S = 5.0
"""The issue's target for ``gdssm verify`` (all claims, all routes)."""


def _sympy_expand(pair: ProgramPair) -> dict[str, bool]:
    """lhs - rhs expanded by SymPy for every prefix and output; whether all are 0."""
    lhs, rhs = pair.evaluate(Ring("SymPy", sp.Rational, {s: s for s in pair.symbols}))
    return {"equal": all(sp.expand(a[0] - b[0]) == 0 for l_t, r_t in zip(lhs, rhs, strict=True)
                         for a, b in zip(l_t, r_t, strict=True))}


def _mpoly(f: int, m: int, N: int, k: int, timeout: float) -> ExactResult:
    return check_exact(k_step(f, m, N, k), "mpoly", memory_bytes=MEMORY, timeout=timeout)


def _verify_once(cache: Path | None) -> tuple[float, float]:
    """Wall and CPU seconds (the command and its children) of one ``gdssm verify`` in a fresh process."""
    env = dict(os.environ)
    if cache is not None:
        env["GDSSM_COQ_CACHE"] = str(cache)
    with tempfile.TemporaryDirectory(prefix="gdssm-bench-verify-") as tmp:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "gdssm", "verify", "--seed", "0", "--certificates",
                               str(Path(tmp) / "certificates.json")], capture_output=True, text=True, env=env,
                              check=False)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"gdssm verify failed (exit {proc.returncode}): {proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def verify_rows(quick: bool = False) -> list[Row]:
    """``gdssm verify`` warm (stored Coq verdicts) and with cold Coq (none stored), each against 5 s."""
    from gdssm.proofs.coq import run as coq

    _verify_once(None)  # stores the Coq verdicts of these files, as a first run does
    warm = [_verify_once(None) for _ in range(1 if quick else 3)]
    timing = Timing(tuple(w for w, _ in warm))
    rows = [Row(f"gdssm verify, all claims and routes (Coq verdicts stored) / target {VERIFY_TARGET_S:g} s",
                timing.best, VERIFY_TARGET_S, "s", "<= 1",
                f"{timing.text()}; CPU {min(c for _, c in warm):.3g} s (command and children)")]
    tc = coq.toolchain()
    if tc is None or quick:
        return rows
    library = coq.build_library(tc)
    with tempfile.TemporaryDirectory(prefix="gdssm-bench-coq-results-") as tmp:
        (Path(tmp) / library.hash).symlink_to(library.root, target_is_directory=True)  # library kept, no verdict
        wall, cpu = _verify_once(Path(tmp))
    rows.append(Row(f"gdssm verify, cold Coq (coqc on every file, library compiled) / target {VERIFY_TARGET_S:g} s",
                    wall, VERIFY_TARGET_S, "s", "<= 1", f"one run; CPU {cpu:.3g} s (command and children)"))
    return rows


def run(quick: bool = False) -> list[Row]:
    """verify vs 5 s; route 2 vs sympy.expand, Z3 vs route 2, the largest f route 2 proves within 10 s."""
    verify = verify_rows(quick)
    f, m, N, k = (4, 2, 3, 3) if quick else (8, 2, 5, 3)
    sympy_limit = 20.0 if quick else 60.0
    dims = f"f{f} m{m} N{N} k{k}"
    exact = _mpoly(f, m, N, k, timeout=120.0)
    if not exact.ok:
        raise RuntimeError(f"route 2 did not prove the k-step identity at {dims}: {exact}")
    sym = run_capped(lambda: _sympy_expand(construction_pair(k_step(f, m, N, k))), MEMORY, sympy_limit)
    if sym.status == "ok":
        sympy_row = Row(f"sympy.expand / route 2 mpoly ({dims}, {exact.terms} terms)", sym.seconds, exact.seconds)
    else:
        sympy_row = Row(f"sympy.expand >{sympy_limit:g}s {sym.status} (lower bound) / route 2 ({dims})",
                        sym.seconds, exact.seconds)
    z3_result = check_z3(k_step(f, m, N, k), timeout=120.0)
    rows = [*verify, sympy_row, Row(f"Z3 {z3_result.status} / route 2 mpoly ({dims})", z3_result.seconds,
                                    exact.seconds)]
    largest = None
    for size in (4, 8, 12) if quick else (8, 12, 14, 16, 20):
        result = _mpoly(size, 2, 5, 3, timeout=SCAN_LIMIT)
        if not result.ok:
            break
        largest = (size, result)
    if largest is not None:
        size, result = largest
        rows.append(Row(f"route 2 largest in {SCAN_LIMIT:g}s: f{size} m2 N5 k3 (terms vs s)",
                        float(result.terms or 0), result.seconds, "terms"))
    return rows
