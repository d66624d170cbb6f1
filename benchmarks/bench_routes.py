"""Route 2 (flint mpoly, exact) against sympy.expand and against Z3 on one identity, and how far route 2 goes.

The identity: the k-step layer equals per-sample GD at every prefix, all data entries and eta symbolic
(f=8, m=2, N=5, k=3: 113,680 monomials in the final prediction). SymPy expands lhs - rhs output by output
in a capped child; past its time limit the limit is reported as a lower bound (the row name says so).
"""

from __future__ import annotations

import sympy as sp

from benchmarks import Row
from gdssm.proofs.rings import ProgramPair, Ring, construction_pair
from gdssm.proofs.route_exact import ExactResult, check_exact, run_capped
from gdssm.proofs.route_z3 import check_z3
from gdssm.symbolic.constructions import k_step

MEMORY = 8 << 30
SCAN_LIMIT = 10.0


def _sympy_expand(pair: ProgramPair) -> dict[str, bool]:
    """lhs - rhs expanded by SymPy for every prefix and output; whether all are 0."""
    lhs, rhs = pair.evaluate(Ring("SymPy", sp.Rational, {s: s for s in pair.symbols}))
    return {"equal": all(sp.expand(a[0] - b[0]) == 0 for l_t, r_t in zip(lhs, rhs, strict=True)
                         for a, b in zip(l_t, r_t, strict=True))}


def _mpoly(f: int, m: int, N: int, k: int, timeout: float) -> ExactResult:
    return check_exact(k_step(f, m, N, k), "mpoly", memory_bytes=MEMORY, timeout=timeout)


def run(quick: bool = False) -> list[Row]:
    """Route 2 vs sympy.expand, Z3 vs route 2, and the largest f route 2 proves within 10 s (m=2, N=5, k=3)."""
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
    rows = [sympy_row, Row(f"Z3 {z3_result.status} / route 2 mpoly ({dims})", z3_result.seconds, exact.seconds)]
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
