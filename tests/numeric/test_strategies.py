"""The public Hypothesis strategies draw what they document."""

from __future__ import annotations

import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from gdssm.numeric import strategies as gst
from gdssm.numeric.samplers import TaskLaw


@settings(deadline=None)
@given(law=gst.input_laws(m=3), data=st.data())
def test_constructions_have_numeric_stable_steps(law: TaskLaw, data: st.DataObject) -> None:
    """eta is a dyadic rational <= N / (2 E tr G); eta gamma <= 1/4; layouts fit."""
    c = data.draw(gst.constructions(law=law, max_f=6, max_m=3, max_N=9, max_k=5))
    bound = gst.eta_bound(c.layout.f, law)
    assert 1 <= c.layout.f <= 6 and 1 <= c.layout.m <= 3 and 1 <= c.N <= 9 and 0 <= c.steps <= 5
    if law.classes is not None:
        assert c.layout.m == law.classes
    for eta in c.gd.etas:
        assert eta.is_Rational and 0 < eta and float(eta) <= bound
        assert sp.log(eta.q, 2).is_Integer
        assert eta * c.gd.gamma <= sp.Rational(1, 4)
    if c.layout.name == "reference":
        assert c.name == "one-step" and c.layout.m in (1, c.layout.f)


@settings(deadline=None)
@given(dims=gst.dims(max_f=5, max_m=2, max_N=7, min_N=2), k=gst.steps(2, 6), lam=gst.discounts())
def test_dims_steps_and_discounts_respect_bounds(dims: tuple[int, int, int], k: int, lam: sp.Expr) -> None:
    f, m, N = dims
    assert 1 <= f <= 5 and 1 <= m <= 2 and 2 <= N <= 7 and 2 <= k <= 6 and 0 < lam <= 1


@settings(deadline=None)
@given(f=st.integers(1, 32), law=gst.input_laws(), data=st.data())
def test_step_sizes_stay_inside_the_bound(f: int, law: TaskLaw, data: st.DataObject) -> None:
    eta = data.draw(gst.step_sizes(f, law))
    assert 0 < float(eta) <= gst.eta_bound(f, law)


def test_the_law_table_covers_every_setting_and_starts_simplest() -> None:
    """One draw picks a law from the table: it holds every combination once, the simplest (the shrink target) first."""
    laws = gst.REGRESSION_LAWS
    assert len(set(laws)) == len(laws) == 2**6
    assert laws[0] == TaskLaw()
    assert {law.inputs for law in laws} == {"uniform", "gaussian"} and {law.noise for law in laws} == {0.0, 0.1}
