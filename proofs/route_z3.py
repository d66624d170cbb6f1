"""The independent second checker of route 2: Z3 proves the identity over the reals (feasibility §4).

Every data entry and every parameter symbol (eta, ...) is a Z3 ``Real`` variable; both sides of the
:class:`~proofs.rings.ProgramPair` are built by the same programs of :mod:`symbolic` in Z3 arithmetic
(:func:`~proofs.rings.z3_ring`). The claim "for all reals, lhs_i = rhs_i for every prefix and output i" is
proved by asking Z3 for a point where ``Or(lhs_i != rhs_i)``: ``unsat`` is a proof (nonlinear real
arithmetic is decidable, and Z3's answer does not share code with flint), ``sat`` comes with a model, the
counterexample, and ``unknown`` (a timeout, or Z3 giving up) is reported as such, never as a pass.
``eta_positive`` adds eta > 0 as a hypothesis (the identities hold without it).

Nothing here uses :mod:`proofs.route_exact`. ``z3.simplify(som=True)`` is *not* used: it is not a
canonical form (feasibility §4), so it cannot decide equality.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import z3

from gdssm.proofs.rings import ProgramPair, program_pair, z3_ring
from gdssm.symbolic.constructions import ETA, Construction
from gdssm.symbolic.reference import ReferenceTwoStep


@dataclass(frozen=True)
class Z3Result:
    """Z3's verdict: ``status`` proved (unsat), refuted (sat, with ``counterexample``) or unknown (``reason``).

    ``seconds`` covers building both sides in Z3 terms and the solver call.
    """

    claim: str
    dims: dict[str, int]
    status: str
    seconds: float
    counterexample: dict[str, Any] | None = None
    reason: str = ""

    @property
    def ok(self) -> bool:
        """Whether Z3 proved the identity."""
        return self.status == "proved"


def check_z3(target: Construction | ReferenceTwoStep | ProgramPair, *, timeout: float = 60.0,
             eta_positive: bool = False) -> Z3Result:
    """Prove lhs = rhs at every prefix and output over the reals, or find a point where they differ."""
    pair = program_pair(target)
    start = time.perf_counter()
    ring = z3_ring(pair.symbols)
    lhs, rhs = pair.evaluate(ring)
    outputs = [(t, row, a[0], b[0]) for t, l_t, r_t in zip(pair.positions, lhs, rhs, strict=True)
               for row, (a, b) in enumerate(zip(l_t, r_t, strict=True))]
    solver = z3.Solver()
    solver.set("timeout", max(1, round(timeout * 1000)))
    if eta_positive and ETA in pair.parameters:
        solver.add(ring(ETA) > 0)
    solver.add(z3.Or([a != b for *_, a, b in outputs]))
    verdict = solver.check()
    seconds = time.perf_counter() - start
    if verdict == z3.unsat:
        return Z3Result(pair.name, dict(pair.dims), "proved", seconds)
    if verdict == z3.sat:
        return Z3Result(pair.name, dict(pair.dims), "refuted", seconds, _counterexample(pair, ring.values, outputs,
                                                                                         solver.model()))
    return Z3Result(pair.name, dict(pair.dims), "unknown", seconds, reason=solver.reason_unknown())


def _counterexample(pair: ProgramPair, variables: dict[Any, Any], outputs: list[tuple[int, int, Any, Any]],
                    model: z3.ModelRef) -> dict[str, Any]:
    """The model as a counterexample: dims, the first differing (t, row), the point, both values there."""

    def value(term: Any) -> str:
        v = model.eval(term, model_completion=True)
        return str(v.as_fraction()) if z3.is_rational_value(v) else v.as_decimal(20)

    t, row, a, b = next((t, row, a, b) for t, row, a, b in outputs if z3.is_true(model.eval(a != b)))
    return {"dims": dict(pair.dims), "t": t, "row": row, "point": {str(s): value(v) for s, v in variables.items()},
            "sides": list(pair.labels), "lhs": value(a), "rhs": value(b)}
