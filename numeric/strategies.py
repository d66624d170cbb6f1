"""Public Hypothesis strategies for the numeric checks: sizes, steps, stable step sizes, seeds, laws, constructions.

Every strategy shrinks towards the simplest case (small sizes, one step, lambda = 1, no decay). Usage, with
the project's profiles (:mod:`gdssm.numeric.profiles`) and the comparison of :mod:`gdssm.numeric.agreement`::

    from hypothesis import given, strategies as st
    from gdssm.numeric import strategies as gst
    from gdssm.numeric.agreement import assert_equals_gd
    from gdssm.numeric.profiles import load_profile

    load_profile()  # "dev", or $HYPOTHESIS_PROFILE

    @given(law=gst.input_laws(), data=st.data())
    def test_layer_is_gd(law, data):
        construction = data.draw(gst.constructions(law=law, max_N=16))
        assert_equals_gd(construction, seed=data.draw(gst.seeds()), law=law)

Step sizes are drawn inside a stable range. With alpha = eta/N, one GD step multiplies the error by
I - alpha G, G = sum_i x_i x_i^T, and lambda_max(G) <= tr G, so alpha tr G <= 1/2 keeps every step a
contraction up to fluctuations of tr G around its mean. The strategies therefore draw

    eta <= N / (2 E tr G) = 1 / (2 f sigma^2)        (E tr G = N f sigma^2, sigma^2 the input variance),

as a dyadic rational (exact in binary floating point), and the weight decay gamma with eta_j gamma <= 1/4
(per-step etas are eta_0 times 1/4, 1/2, 3/4 or 1).
"""

from __future__ import annotations

import functools
import itertools
import math
from dataclasses import replace
from typing import Any

import sympy as sp
from hypothesis import strategies as st

from gdssm.numeric.samplers import TaskLaw
from gdssm.symbolic.constructions import Construction, Derivation, k_step_derivation, one_step_derivation

DISCOUNTS = (sp.Integer(1), sp.Rational(99, 100), sp.Rational(9, 10), sp.Rational(1, 2))
"""The loss discounts lambda drawn by :func:`discounts` (1 first: it is the shrink target)."""


@functools.cache
def mostly_small(low: int, high: int, small: int = 4) -> st.SearchStrategy[int]:
    """Integers in [low, high], half of the draws from [low, min(high, small)].

    One draw (an index into a table holding the small range as often as the whole range), which keeps generation
    cheap; it shrinks towards ``low``."""
    return st.sampled_from(_mostly_small_table(low, high, min(high, max(low, small))))


@functools.cache
def _mostly_small_table(low: int, high: int, top: int) -> tuple[int, ...]:
    few, every = range(low, top + 1), range(low, high + 1)
    return tuple(few) * len(every) + tuple(every) * len(few)


@functools.cache
def dims(max_f: int = 8, max_m: int = 4, max_N: int = 32, min_N: int = 1) -> st.SearchStrategy[tuple[int, int, int]]:
    """(f, m, N), mostly small."""
    return st.tuples(mostly_small(1, max_f), mostly_small(1, max_m), mostly_small(min_N, max_N, small=8))


@functools.cache
def steps(min_k: int = 1, max_k: int = 8) -> st.SearchStrategy[int]:
    """k, the number of GD steps."""
    return mostly_small(min_k, max_k, small=3)


def eta_bound(f: int, law: TaskLaw) -> float:
    """N / (2 E tr G) = 1 / (2 f sigma^2): the largest step size the strategies draw."""
    return 1 / (2 * f * law.input_variance)


@functools.cache
def step_sizes(f: int, law: TaskLaw, levels: int = 16) -> st.SearchStrategy[sp.Rational]:
    """eta in (0, :func:`eta_bound`], a dyadic rational n / 2^p with at least ``levels`` choices."""
    bound = eta_bound(f, law)
    denominator = 2 ** max(0, math.ceil(math.log2(levels / bound)))
    top = max(1, math.floor(bound * denominator))
    return st.integers(1, top).map(lambda n: sp.Rational(n, denominator))


def seeds() -> st.SearchStrategy[int]:
    """Seeds of ``torch.Generator``."""
    return st.integers(0, 2**32 - 1)


REGRESSION_LAWS = tuple(
    TaskLaw(inputs=inputs, input_range=width, input_scale=scale, weight_scale=weights, noise=noise,
            distractors=distractors)
    for inputs, width, scale, weights, noise, distractors in itertools.product(
        ("uniform", "gaussian"), (1.0, 2.0), (1.0, 0.5), (1.0, 3.0), (0.0, 0.1), (0.0, 0.25))
)
"""Every regression law :func:`input_laws` draws, simplest first (uniform, unit widths, no noise or distractors):
one draw picks a law, which keeps generation cheap; Hypothesis shrinks towards the first."""


@functools.cache
def discounts() -> st.SearchStrategy[sp.Rational]:
    """The loss discount lambda (= the state decay Lambda of the constructions)."""
    return st.sampled_from(DISCOUNTS)


@functools.cache
def input_laws(m: int | None = None) -> st.SearchStrategy[TaskLaw]:
    """Task laws: uniform or Gaussian inputs of two widths, teacher scales, label noise, distractors.

    With ``m >= 2`` given, classification laws with m classes are drawn as well.
    """
    regression = st.sampled_from(REGRESSION_LAWS)
    if m is None or m < 2:
        return regression
    return st.one_of(regression, regression.map(lambda law: replace(law, classes=m)))


@functools.cache
def small_matrices(rows: int, cols: int) -> st.SearchStrategy[sp.Matrix]:
    """rows x cols matrices of dyadic rationals n/8 in [-1, 1] (used for W_0).

    One draw: an integer whose base-17 digits are the entries (digit 0 -> 0, 1 -> 1/8, 2 -> -1/8, 3 -> 2/8, ...),
    so it shrinks towards the zero matrix, and generation costs one draw instead of rows * cols."""
    size = rows * cols
    return st.integers(0, 17**size - 1).map(lambda n: sp.Matrix(rows, cols, _digits(n, size)))


def _digits(n: int, size: int) -> list[sp.Rational]:
    out = []
    for _ in range(size):
        n, digit = divmod(n, 17)
        out.append(_ENTRIES[digit])
    return out


_ENTRIES = tuple(sp.Rational((d + 1) // 2 * (1 if d % 2 else -1), 8) for d in range(17))
"""Digit d of :func:`small_matrices` -> 0, 1/8, -1/8, 2/8, -2/8, ..., 1, -1."""


@functools.cache
def _quarters(k: int) -> st.SearchStrategy[tuple[sp.Rational, ...]]:
    """k fractions n/4 (n = 1..4) in one draw (base-4 digits of one integer; shrinks to 1/4 each)."""
    return st.integers(0, 4**k - 1).map(lambda n: tuple(_QUARTERS[n // 4**i % 4] for i in range(k)))


_QUARTERS = tuple(sp.Rational(n, 4) for n in range(1, 5))


@functools.cache
def _choice(options: tuple[Any, ...]) -> st.SearchStrategy[Any]:
    return st.sampled_from(options)


@functools.cache
def _maybe_matrix(rows: int, cols: int) -> st.SearchStrategy[sp.Matrix | None]:
    return st.none() | small_matrices(rows, cols)


def derivations(law: TaskLaw | None = None, max_f: int = 8, max_m: int = 4, max_N: int = 32, max_k: int = 8,
                names: tuple[str, ...] = ("one-step", "k-step")) -> st.SearchStrategy[Derivation]:
    """What :func:`constructions` draws, before its parameters are instantiated (:class:`Derivation`): the
    property run (:mod:`gdssm.numeric.check`) lowers these straight to tensors."""
    return _derivation_strategy(law or TaskLaw(), max_f, max_m, max_N, max_k, tuple(names))


@functools.cache
def _derivation_strategy(law: TaskLaw, max_f: int, max_m: int, max_N: int, max_k: int,
                         names: tuple[str, ...]) -> st.SearchStrategy[Derivation]:
    """One strategy object per arguments (Hypothesis validates a new strategy on its first draw)."""
    return _derivations(law, max_f, max_m, max_N, max_k, names)


@st.composite
def _derivations(draw: Any, law: TaskLaw, max_f: int, max_m: int, max_N: int, max_k: int,
                 names: tuple[str, ...]) -> Derivation:
    name = draw(_choice(tuple(names)))
    f, m, N = draw(dims(max_f, max_m, max_N))
    if law.classes is not None:
        m = law.classes
    eta = step_sizes(f, law)
    lam = draw(discounts())
    if name == "one-step":
        layout = draw(_choice(("split", "reference") if m in (1, f) else ("split",)))
        W0 = draw(_maybe_matrix(m, f))
        return one_step_derivation(f, m, N, draw(eta), layout=layout, lam=lam, W0=W0)
    k = draw(steps(0, max_k))
    first = draw(eta)
    gamma = sp.Integer(0) if not draw(st.booleans()) else 1 / (4 * first)  # eta_0 gamma = 1/4
    per_step = draw(st.booleans())
    etas = [first * q for q in draw(_quarters(k))] if per_step else None
    W0 = draw(_maybe_matrix(m, f)) if gamma == 0 else None  # from W_0 only without decay (ssm.k_step_w0)
    return k_step_derivation(f, m, N, k, first, lam=lam, gamma=gamma, etas=etas, W0=W0)


def constructions(law: TaskLaw | None = None, max_f: int = 8, max_m: int = 4, max_N: int = 32,
                  max_k: int = 8, names: tuple[str, ...] = ("one-step", "k-step")) -> st.SearchStrategy[Construction]:
    """A derived construction with numeric eta, for data drawn from ``law`` (default: U(-1/2, 1/2) inputs).

    ``one-step``: layout ``split`` or ``reference`` (when m = f or m = 1), lambda, optional W_0.
    ``k-step``: split layout, k, lambda, weight decay gamma, one eta or one per step, optional W_0 (when gamma = 0).
    """
    return derivations(law, max_f, max_m, max_N, max_k, tuple(names)).map(Derivation.construction)


__all__ = [
    "DISCOUNTS", "REGRESSION_LAWS", "constructions", "derivations", "dims", "discounts", "eta_bound", "input_laws",
    "mostly_small", "seeds", "small_matrices", "step_sizes", "steps",
]
