"""The catalogue of wrong constructions: every verifier must reject every mutant that applies.

Each mutant takes a correct :class:`~symbolic.constructions.Construction` and changes its parameters while
keeping the claim (the GD it says it implements), so a sound checker must find a difference. The catalogue
is shared by the exact checks (``proofs``), the numeric checks (``numeric``) and the report's audit appendix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.layer import Readout


@dataclass(frozen=True)
class Mutant:
    """A named wrong construction: ``apply`` breaks it, ``applies`` says when the break is visible."""

    name: str
    description: str
    applies: Callable[[Construction], bool]
    apply: Callable[[Construction], Construction]


def _flip_sign(c: Construction) -> Construction:
    return c.with_params(c.params.replace(C=-c.params.C))


def _normaliser(c: Construction, factor: sp.Expr) -> Construction:
    """alpha -> factor alpha: C carries the alpha of the readout sum, beta_j those of the (I - alpha G) steps."""
    ro = c.params.readout
    readout = Readout(rho=ro.rho, beta=tuple(factor * b for b in ro.beta), c=ro.c)
    return c.with_params(c.params.replace(C=factor * c.params.C, readout=readout))


def _one_over_P(c: Construction) -> Construction:
    """alpha = eta/P with P = N + 1 (the authors' state-size normaliser, P != N)."""
    return _normaliser(c, sp.Rational(c.N, c.N + 1))


def _missing_one_over_N(c: Construction) -> Construction:
    """alpha = eta instead of eta/N."""
    return _normaliser(c, sp.Integer(c.N))


def _q_transposed(c: Construction) -> Construction:
    """Q entry moved: the y-x product formed as x y^T (Q_12 instead of Q_21)."""
    return c.with_params(c.params.replace(Q=c.params.Q.T))


def _lambda_off(c: Construction) -> Construction:
    """Lambda scaled by 9/10 (a forgetting the claim does not have)."""
    return c.with_params(c.params.replace(Lambda=sp.Rational(9, 10) * c.params.Lambda))


def _window_entry(c: Construction) -> Construction:
    """Readout query from the wrong window slot: d = e_1 (x_t) instead of e_3 (x_{t+1})."""
    return c.with_params(c.params.replace(d=sp.Matrix([1, 0, 0])))


def _missing_readout_step(c: Construction) -> Construction:
    """The last term of the k-fold readout dropped (k - 1 steps instead of k)."""
    ro = c.params.readout
    return c.with_params(c.params.replace(readout=Readout(rho=ro.rho[:-1], beta=ro.beta[:-1], c=ro.c[:-1])))


def _no_gram_correction(c: Construction) -> Construction:
    """R = 0: the readout never applies (I - alpha G), so it computes k alpha A x instead of W_k x."""
    return c.with_params(c.params.replace(R=sp.zeros(*c.params.R.shape)))


def _no_value_map(c: Construction) -> Construction:
    """W_0 != 0 without the value map: V_1 = I, so the state misses -W_0 G_t."""
    return c.with_params(c.params.replace(V1=sp.eye(c.params.H)))


def _has_data_term(c: Construction) -> bool:
    return c.steps >= 1


MUTANTS: tuple[Mutant, ...] = (
    Mutant("flipped-sign", "C -> -C: the prediction is negated", _has_data_term, _flip_sign),
    Mutant("one-over-P", "alpha = eta/P with P = N + 1 instead of eta/N", _has_data_term, _one_over_P),
    Mutant("missing-1/N", "alpha = eta instead of eta/N", lambda c: c.steps >= 1 and c.N >= 2, _missing_one_over_N),
    Mutant("q-entry-moved", "Q transposed: the window forms x y^T instead of y x^T", _has_data_term, _q_transposed),
    Mutant("lambda-not-one", "Lambda scaled by 9/10: forgetting the claim does not have",
           lambda c: c.steps >= 1 and c.N >= 2 and any(c.params.Lambda), _lambda_off),
    Mutant("wrong-window-entry", "d = e_1: the readout queries x_t instead of x_{t+1}", _has_data_term, _window_entry),
    Mutant("missing-readout-step", "the k-fold readout stops one step early", lambda c: c.steps >= 2,
           _missing_readout_step),
    Mutant("no-gram-correction", "R = 0: the readout never applies (I - alpha G)", lambda c: c.steps >= 2,
           _no_gram_correction),
    Mutant("no-value-map", "W_0 != 0 but V_1 = I", lambda c: c.gd.W0 is not None and any(c.gd.W0), _no_value_map),
)


def mutant(name: str) -> Mutant:
    """The mutant called ``name``."""
    for mut in MUTANTS:
        if mut.name == name:
            return mut
    raise KeyError(name)


def applicable(c: Construction) -> list[Mutant]:
    """The mutants whose change is visible for this construction."""
    return [mut for mut in MUTANTS if mut.applies(c)]
