"""Shared helpers of the symbolic tests: random exact data and the exact agreement check."""

from __future__ import annotations

import random

import sympy as sp

from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.task import Context


def random_context(f: int, m: int, N: int, seed: int) -> Context:
    """Random rational data x_i, y_i with small numerators and denominators."""
    rng = random.Random(seed)

    def r() -> sp.Rational:
        return sp.Rational(rng.randint(-9, 9), rng.randint(1, 7))

    return Context(xs=tuple(tuple((r(),) for _ in range(f)) for _ in range(N + 1)),
                   ys=tuple(tuple((r(),) for _ in range(m)) for _ in range(N)))


def disagreements(c: Construction, ctx: Context) -> list[tuple[int, int, sp.Expr]]:
    """(t, row, layer - GD) for every prefix t and output row where the layer differs from GD, exactly."""
    out = []
    for t, (a, b) in enumerate(zip(c.predictions(ctx), c.gd_predictions(ctx), strict=True), start=1):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            diff = sp.expand(x[0] - y[0])
            if diff != 0:
                out.append((t, i, diff))
    return out
