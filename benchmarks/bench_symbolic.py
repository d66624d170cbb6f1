"""Exact evaluation: the GD-SSM layer (one recurrent state, all prefixes) vs per-prefix GD, on exact rationals."""

from __future__ import annotations

import random
from fractions import Fraction
from functools import partial

import sympy as sp

from benchmarks import Row, best_time
from gdssm.symbolic.constructions import k_step
from gdssm.symbolic.task import Context


def _to_fraction(value: sp.Expr) -> Fraction:
    p, q = sp.fraction(sp.Rational(value))
    return Fraction(int(p), int(q))


def _context(f: int, m: int, N: int, rng: random.Random) -> Context:
    def r() -> Fraction:
        return Fraction(rng.randint(-9, 9), rng.randint(1, 9))

    return Context(xs=tuple(tuple((r(),) for _ in range(f)) for _ in range(N + 1)),
                   ys=tuple(tuple((r(),) for _ in range(m)) for _ in range(N)))


def run(quick: bool = False) -> list[Row]:
    """Layer vs per-prefix GD, all prefixes, exact Fractions: seconds for each and their ratio."""
    rows = []
    for f, m, N, k in ([(3, 1, 16, 2)] if quick else [(3, 1, 16, 2), (4, 2, 32, 3)]):
        c = k_step(f, m, N, k, sp.Rational(1, 2))
        ctx = _context(f, m, N, random.Random(0))
        t_layer = best_time(partial(c.predictions, ctx, _to_fraction), repeat=1)
        t_gd = best_time(partial(c.gd_predictions, ctx, _to_fraction), repeat=1)
        rows.append(Row(f"exact all-prefix: per-prefix GD / layer (f={f},m={m},N={N},k={k})", t_gd, t_layer))
    return rows
