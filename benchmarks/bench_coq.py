"""The whole Coq route (``gdssm verify --route coq``): cold (library compiled into an empty cache, then every
claim's file) against its 60 s target, warm (cached library) against its 5 s target, and the files in one batch
(one coqc, :mod:`proofs.coq.batch`) against one coqc per file.

The route figures are wall-clock times of :func:`proofs.coq.run.check_claims` on every claim with a Coq route,
including the rendering of the files, no stored verdict used. The batch row times
:func:`proofs.coq.run.check_files` both ways on the same rendered files, interleaved, best of 3. Without coqc and
MathComp the module prints what to install and reports nothing.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from benchmarks import Row, interleaved
from gdssm.proofs.claims import CLAIMS
from gdssm.proofs.coq import run as coq
from gdssm.proofs.coq.generate import render_all

COLD_TARGET_S = 60.0
WARM_TARGET_S = 5.0


def run(quick: bool = False) -> list[Row]:
    """Cold and warm route times against their targets, then the batch against one coqc per file."""
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
    tc = coq.toolchain()
    assert tc is not None
    lib = coq.build_library(tc)
    files = render_all(claims)
    ways = interleaved({"alone": lambda: coq.check_files(tc, lib, files, batched=False),
                        "batch": lambda: coq.check_files(tc, lib, files)}, 3, warmup=False)
    rows.append(Row(f"coq {len(files)} files: one coqc per file / one batch", ways["alone"].best, ways["batch"].best,
                    "s", "", f"one per file {ways['alone'].text()} (one coqc per core), batched "
                             f"{ways['batch'].text()}"))
    return rows
