"""Route 1 proves the shipped equations about the shipped description: a change to any field of a description
makes ``gdssm verify --route symbolic`` refuse (exit 1), naming the claim and the step; every catalogue mutant is
refused by route 1 too."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import sympy as sp

from gdssm.cli.dispatch import main
from gdssm.proofs.theories.ssm import SSM_CLAIMS, refutes
from gdssm.symbolic import description as D
from gdssm.symbolic.description import Description
from gdssm.symbolic.mutants import MUTANTS

Change = Callable[[Description], Description]

CHANGES: dict[str, Change] = {
    "C doubled": lambda d: d.changed(C=2 * d.C),
    "C doubled for f >= 9": lambda d: d.changed(C=sp.Piecewise((2, D.f >= 9), (1, True)) * d.C),
    "R zeroed": lambda d: d.changed(R=sp.ZeroMatrix(D.H, D.H)),
    "a Q entry moved": lambda d: d.changed(Q=d.Q.T),
    "d = e_1": lambda d: d.changed(d=D.unit(1)),
    "Lambda scaled": lambda d: d.changed(Lambda=sp.Rational(9, 10) * d.Lambda),
    "c_j doubled": lambda d: d.changed(c=sp.Lambda(D.j, 2 * d.c(D.j))),
    "V_2 = 2 I": lambda d: d.changed(V2=2 * sp.Identity(D.H)),
    "F = W_0 E_x^T": lambda d: d.changed(F=D.W_0 * D.E_x.T),
}
"""Changes of a description's fields (R is already 0 in the one-step description, so it changes nothing there)."""

WHICH = {"one-step": ("one_step_description", "ssm.state"), "k-step": ("k_step_description", "ssm.k_step")}


def _patch(monkeypatch: pytest.MonkeyPatch, which: str, change: Change) -> None:
    name = WHICH[which][0]
    original = getattr(D, name)
    monkeypatch.setattr(D, name, lambda *args, **kwargs: change(original(*args, **kwargs)))


VISIBLE = [(which, what) for which in sorted(WHICH) for what in sorted(CHANGES)
           if not (which == "one-step" and what == "R zeroed")]
"""Every (description, change) pair that changes something (R is already 0 in the one-step description)."""


@pytest.mark.parametrize(("which", "what"), VISIBLE)
def test_verify_symbolic_refuses_a_changed_description(which: str, what: str, monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _patch(monkeypatch, which, CHANGES[what])
    code = main(["verify", "--route", "symbolic", "--certificates", str(tmp_path / "c.json")])
    err = capsys.readouterr().err
    assert code == 1, err
    assert "fails route symbolic" in err
    assert "claim ssm." in err
    assert "step '" in err or ": " in err.split("fails route symbolic")[1]


STATE_FIELDS = ("Q", "V1", "V2", "V3", "Lambda")
"""What the state theorem reads (``ssm.state`` is about nothing else)."""


@pytest.mark.parametrize("what", sorted(CHANGES))
def test_every_claim_about_a_changed_description_is_refused(what: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Not only the first failure: each SSM claim whose description the change alters fails, naming its record."""
    before = {claim_id: c.description() for claim_id, c in SSM_CLAIMS.items()}
    for which in WHICH:
        _patch(monkeypatch, which, CHANGES[what])
    for claim_id, c in SSM_CLAIMS.items():
        after = c.description()
        fields = STATE_FIELDS if c.state_only else tuple(vars(after))
        changed = any(getattr(after, name) != getattr(before[claim_id], name) for name in fields)
        theorem = c.theorem()
        assert theorem.ok is not changed, (claim_id, what, theorem.first_failure())
        if changed:  # the failing record and step, or the stage that could not read the description
            assert theorem.first_failure().startswith("record '") or claim_id in (theorem.failure or "")


def test_the_unpatched_descriptions_are_proved() -> None:
    for claim_id, c in SSM_CLAIMS.items():
        assert c.theorem().ok, (claim_id, c.theorem().first_failure())


@pytest.mark.parametrize("name", [mu.name for mu in MUTANTS])
def test_every_catalogue_mutant_is_refused_by_route_1(name: str) -> None:
    """Each mutant that changes a description is refused by route 1 on every claim about that description."""
    (mu,) = [m for m in MUTANTS if m.name == name]
    changed_any = False
    for claim_id, c in SSM_CLAIMS.items():
        if c.state_only:
            continue
        before = c.description()
        after = mu.change(before)
        if after == before:
            continue  # the mutant changes nothing here (R = 0 already, V_1 = I already, ...)
        changed_any = True
        assert refutes(after, claim_id), (name, claim_id)
    assert changed_any, f"mutant {name} changes no description"


def test_the_left_out_pair_changes_nothing() -> None:
    """The one pair not in VISIBLE: zeroing R of the one-step description gives the same description."""
    one = D.one_step_description()
    assert CHANGES["R zeroed"](one) == one
