"""Lowering a derivation straight to tensors (the property run's path) gives the tensors of lowering its construction.

:func:`gdssm.numeric.lowering.lower_derivation` evaluates a description on exact rational arrays instead of building
SymPy matrices; these tests hold it to the SymPy instantiation bit for bit, for drawn derivations and for every
catalogue mutant, and show that the property run over drawn derivations still refuses a wrong description.
"""

from __future__ import annotations

from typing import Any

import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gdssm.numeric.strategies as gst
from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric.check import run_check
from gdssm.numeric.lowering import lower_construction, lower_derivation
from gdssm.symbolic.constructions import Derivation, k_step_derivation, one_step_derivation
from gdssm.symbolic.description import SYMPY
from gdssm.symbolic.mutants import MUTANTS, mutant


def _assert_same(derivation: Derivation, dtype: torch.dtype = torch.float64) -> None:
    fast = lower_derivation(derivation, dtype)
    slow = lower_construction(derivation.construction(), dtype)
    assert fast.keys() == slow.keys()
    for name, tensor in slow.items():
        assert fast[name].dtype == tensor.dtype and fast[name].shape == tensor.shape, name
        assert torch.equal(fast[name], tensor), name  # bit for bit


@settings(deadline=None)
@given(law=gst.input_laws(m=3), data=st.data())
def test_lowering_a_derivation_is_lowering_its_construction(law: Any, data: st.DataObject) -> None:
    derivation = data.draw(gst.derivations(law=law, max_f=12, max_m=3, max_N=40, max_k=8))
    _assert_same(derivation)
    _assert_same(derivation, torch.float32)


@settings(deadline=None)
@given(data=st.data(), which=st.sampled_from([m.name for m in MUTANTS]))
def test_lowering_a_mutant_is_lowering_its_construction(data: st.DataObject, which: str) -> None:
    """The mutants change the description; the exact arrays evaluate the changed description as SymPy does."""
    derivation = data.draw(gst.derivations(max_f=5, max_m=3, max_N=9, max_k=4))
    wrong = derivation.with_description(mutant(which).change(derivation.description))
    _assert_same(wrong)


def test_exact_where_floats_would_round() -> None:
    """Entries like eta/N with N = 3 and products 1 - eta_s gamma are rounded once from the exact rational."""
    third = sp.Rational(1, 3)
    _assert_same(k_step_derivation(3, 2, 3, 3, "7/10", lam="99/100", gamma=third, etas=["7/10", "1/3", "5/11"]))
    _assert_same(one_step_derivation(2, 2, 7, "3/7", layout="reference", lam="9/10",
                                     W0=sp.Matrix([[third, -1], [2, sp.Rational(5, 7)]])))


def test_a_symbolic_eta_is_refused_as_by_lowering() -> None:
    with pytest.raises(BadInput, match="symbol"):
        lower_derivation(k_step_derivation(2, 1, 3, 2))


def test_an_expression_outside_the_exact_arrays_falls_back_to_sympy() -> None:
    """A description entry the arrays do not evaluate (here sqrt) is lowered through the SymPy instantiation."""
    d = one_step_derivation(2, 1, 4, "1/4")
    odd = d.with_description(d.description.changed(C=sp.sqrt(2) * d.description.C))
    _assert_same(odd)


def test_evaluate_in_sympy_is_instantiate() -> None:
    d = k_step_derivation(2, 1, 3, 2, "1/4", gamma="1/2")
    mats, (rho, beta, c) = d.description.evaluate(d.layout.E_x, d.layout.E_y, d.N, d.steps, d.binding, SYMPY)
    params = d.construction().params
    assert mats == params.matrices() and (rho, beta, c) == (params.readout.rho, params.readout.beta, params.readout.c)


@pytest.mark.parametrize(("name", "which"), [("k-step", "flipped-sign"), ("k-step", "no-gram-correction"),
                                             ("one-step", "one-over-P"), ("one-step", "q-entry-moved")])
def test_the_drawn_run_refuses_a_wrong_description(name: str, which: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """The property run lowers drawn derivations without SymPy matrices: a changed description is still caught."""
    factory = {"k-step": "k_step_derivation", "one-step": "one_step_derivation"}[name]
    original = getattr(gst, factory)
    broken, steps = mutant(which), 2 if name == "k-step" else 1

    def wrong(*args: Any, **kwargs: Any) -> Derivation:
        d = original(*args, **kwargs)  # each of the four shows with two examples and (k-step) two GD steps
        return d.with_description(broken.change(d.description)) if d.N >= 2 and d.steps >= steps else d

    monkeypatch.setattr(gst, factory, wrong)
    with pytest.raises(Refuted) as info:
        run_check(30, seed=0, names=(name,), max_f=4, max_N=8, max_k=3, shrink=False)
    assert info.value.counterexample["construction"] == name
    assert info.value.counterexample["max_rel_error"] > info.value.counterexample["tolerance"]
