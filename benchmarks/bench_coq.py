"""The whole Coq route (``gdssm verify --route coq``): cold (library compiled into an empty cache, then every
claim's file) against its 60 s target, warm (cached library) against its 5 s target, and each claim's coqc time.

Each figure is wall-clock time of :func:`proofs.coq.run.check_claims` on every claim with a Coq route,
including the rendering of the files; coqc runs one file per core. Without coqc and MathComp the module
prints what to install and reports nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Row
from gdssm.proofs.claims import CLAIMS
from gdssm.proofs.coq import run as coq

COLD_TARGET_S = 60.0
WARM_TARGET_S = 5.0


def run(quick: bool = False) -> list[Row]:
    """Cold and warm route times against their targets, then one row per claim (coqc wall time vs the mean)."""
    if coq.toolchain() is None:
        print(f"bench_coq: {coq.missing_message()}", file=sys.stderr)
        return []
    claims = [c.id for c in CLAIMS if "coq" in c.routes]
    with tempfile.TemporaryDirectory(prefix="gdssm-bench-coq-") as tmp:
        cache = Path(tmp)
        start = time.perf_counter()
        cold = coq.check_claims(claims, cache=cache)
        cold_s = time.perf_counter() - start
        start = time.perf_counter()
        warm = coq.check_claims(claims, cache=cache)
        warm_s = time.perf_counter() - start
    bad = [o for o in (*cold, *warm) if not o.ok]
    if bad:
        raise RuntimeError(f"the Coq route failed on {bad[0].claim}: {bad[0].detail}")
    rows = [Row(f"coq route cold: library + {len(claims)} claims / 60 s target", cold_s, COLD_TARGET_S),
            Row(f"coq route warm: cached library, {len(claims)} claims / 5 s target", warm_s, WARM_TARGET_S)]
    mean = sum(o.seconds for o in warm) / len(warm)
    rows += [Row(f"coq warm {o.claim} (coqc on its file) / mean", o.seconds, mean) for o in warm]
    return rows
