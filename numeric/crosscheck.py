"""The code that runs is the code that is proved: torch against the symbolic definitions, on exact data.

The proofs (routes 1 and 2 of DESIGN §2) are about :func:`symbolic.layer.layer_predictions` and
:func:`symbolic.gd.gd_predictions`; route 3 runs :class:`numeric.layer.GDSSMLayer` and
:func:`numeric.oracle.gd_predictions`. This module ties them together: on random dyadic rational data
x_ia, y_ib = n / 64 with |n| <= 64 (exactly representable in float64, so both sides read the same numbers),

* the symbolic layer, evaluated exactly over ``fractions.Fraction`` with the construction's SymPy
  parameters, rounded once to float64, must match the torch layer (float64, lowered parameters), and
* exact per-sample GD must match the autograd oracle,

to a relative error max |torch - exact| / max(max |exact|, TINY) <= ``tolerance`` (default 1e-12).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import sympy as sp
import torch

from gdssm.core.errors import Refuted
from gdssm.numeric.check import TINY
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.dense import Mat, column
from gdssm.symbolic.task import Context

DATA_DENOMINATOR = 64


@dataclass(frozen=True)
class CrosscheckReport:
    """Largest relative errors of the torch layer and the torch oracle against their exact definitions."""

    construction: str
    tasks: int
    layer_rel: float
    oracle_rel: float
    tolerance: float


def crosscheck(construction: Construction, seed: int = 0, tasks: int = 2, tolerance: float = 1e-12) -> CrosscheckReport:
    """Compare torch and SymPy on ``tasks`` random exact contexts; raise Refuted past ``tolerance``."""
    c = construction
    layer = GDSSMLayer.from_construction(c, dtype=torch.float64)
    rng = random.Random(seed)
    contexts = [_random_context(rng, c.layout.f, c.layout.m, c.N) for _ in range(tasks)]
    x = torch.tensor([[_floats(xi) for xi in ctx.xs] for ctx in contexts], dtype=torch.float64)
    y = torch.tensor([[_floats(yi) for yi in ctx.ys] for ctx in contexts], dtype=torch.float64)
    with torch.no_grad():
        torch_layer = layer(x, y)
    torch_oracle = gd_predictions(c.gd, x, y)
    exact_layer = _exact_tensor([c.predictions(ctx, _fraction) for ctx in contexts])
    exact_gd = _exact_tensor([c.gd_predictions(ctx, _fraction) for ctx in contexts])
    report = CrosscheckReport(c.name, tasks, _rel(torch_layer, exact_layer), _rel(torch_oracle, exact_gd), tolerance)
    for side, rel in (("torch layer vs symbolic layer", report.layer_rel),
                      ("torch GD oracle vs symbolic GD", report.oracle_rel)):
        if not rel <= tolerance:
            raise Refuted(
                f"{side} differ for construction {c.name!r}: relative error {rel:.3g} > {tolerance:.0e}",
                {"construction": c.name, "dims": {"f": c.layout.f, "m": c.layout.m, "N": c.N, "k": c.steps},
                 "seed": seed, "relative_error": rel, "tolerance": tolerance})
    return report


def _fraction(value: Any) -> Fraction:
    """A SymPy rational (a parameter or GD constant) as an exact Fraction."""
    number = sp.Rational(value)
    return Fraction(int(number.p), int(number.q))


def _random_context(rng: random.Random, f: int, m: int, N: int) -> Context:
    def vector(n: int) -> Mat:
        return column([Fraction(rng.randint(-DATA_DENOMINATOR, DATA_DENOMINATOR), DATA_DENOMINATOR) for _ in range(n)])

    return Context(xs=tuple(vector(f) for _ in range(N + 1)), ys=tuple(vector(m) for _ in range(N)))


def _floats(v: Mat) -> list[float]:
    return [float(row[0]) for row in v]


def _exact_tensor(predictions: list[list[Mat]]) -> torch.Tensor:
    """(tasks, N, m) float64, each exact value rounded once."""
    return torch.tensor([[_floats(p) for p in task] for task in predictions], dtype=torch.float64)


def _rel(got: torch.Tensor, exact: torch.Tensor) -> float:
    return float((got - exact).abs().max()) / max(float(exact.abs().max()), TINY)
