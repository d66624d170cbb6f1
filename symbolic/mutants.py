"""The catalogue of wrong constructions: every verifier must reject every mutant that applies.

Each mutant changes the one description of a construction (:mod:`gdssm.symbolic.description`) while
keeping the claim (the GD it says it implements), so a sound checker must find a difference. The catalogue
is shared by the exact checks (``proofs``), the numeric checks (``numeric``) and the report's audit appendix.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.description import Description, H, N, j, unit


@dataclass(frozen=True)
class Mutant:
    """A named wrong construction: ``change`` breaks a description, ``applies`` says when the break is visible."""

    name: str
    description: str
    applies: Callable[[Construction], bool]
    change: Callable[[Description], Description]

    def apply(self, c: Construction) -> Construction:
        """The construction ``c`` built from the broken description (every route then sees the same layer)."""
        if c.description is None:
            raise BadInput(f"mutant {self.name!r} changes a description; {c.name!r} was read from a file")
        return c.with_description(self.change(c.description))


def _flip_sign(d: Description) -> Description:
    """C -> -C."""
    return d.changed(C=-d.C)


def _normaliser(d: Description, factor: sp.Expr) -> Description:
    """alpha -> factor alpha: C carries the alpha of the one-step readout, c_j and beta_j those of the k steps."""
    if d.name == "one-step":
        return d.changed(C=factor * d.C)
    return d.changed(c=sp.Lambda(j, factor * d.c(j)), beta=sp.Lambda(j, factor * d.beta(j)))


def _one_over_P(d: Description) -> Description:
    """alpha = eta/P with P = N + 1 (the authors' state-size normaliser, P != N)."""
    return _normaliser(d, N / (N + 1))


def _missing_one_over_N(d: Description) -> Description:
    """alpha = eta instead of eta/N."""
    return _normaliser(d, N)


def _q_transposed(d: Description) -> Description:
    """Q entry moved: the y-x product formed as x y^T (Q_12 instead of Q_21)."""
    return d.changed(Q=d.Q.T)


def _lambda_off(d: Description) -> Description:
    """Lambda scaled by 9/10 (a forgetting the claim does not have)."""
    return d.changed(Lambda=sp.Rational(9, 10) * d.Lambda)


def _window_entry(d: Description) -> Description:
    """Readout query from the wrong window slot: d = e_1 (x_t) instead of e_3 (x_{t+1})."""
    return d.changed(d=unit(1))


def _missing_readout_step(d: Description) -> Description:
    """The last term of the k-fold readout dropped (k - 1 readout terms instead of k)."""
    return d.changed(readout_steps=d.readout_steps - 1)


def _no_gram_correction(d: Description) -> Description:
    """R = 0: the readout never applies (I - alpha G), so it computes k alpha A x instead of W_k x."""
    return d.changed(R=sp.ZeroMatrix(*d.R.shape))


def _no_value_map(d: Description) -> Description:
    """W_0 != 0 without the value map: V_1 = I, so the state misses -W_0 G_t."""
    return d.changed(V1=sp.Identity(H))


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
