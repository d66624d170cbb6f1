"""The Coq file of ref.param_map is printed from the registry's map (PARAM_MAP), so a wrong map there is refused.

* the record ``p_ref`` and the theorem follow the map :data:`gdssm.proofs.claims.PARAM_MAP` at render time: a map
  without the transpose of Lambda_bar or of w_q, with +E_y^T C_ref, or the statement yhat_t = +o^ref_t prints
  another file;
* with coqc: the right map passes (accepted, ``Print Assumptions`` closed) and every wrong one is refused;
* the exact route checks the same map at concrete sizes (the one-step construction and an all-symbolic authors'
  layer), so it refuses every wrong map too;
* the registry prints its hypotheses from the map, and ``from_reference`` is the map evaluated;
* rendering is deterministic and leaves every other claim's file as it was.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sympy as sp

from gdssm.proofs import claims as registry
from gdssm.proofs.coq import generate, run
from gdssm.symbolic import description as sym
from gdssm.symbolic.constructions import one_step
from gdssm.symbolic.reference import C_REF, LAMBDA_BAR, PARAM_MAP, W_Q, ParamMap, from_reference, to_reference
from tests.proofs.coq_support import assert_accepted, assert_refused, coq_check, needs_coq

CLAIM = "ref.param_map"

MUTANTS: dict[str, ParamMap] = {
    "Lambda = Lambda_bar": dataclasses.replace(PARAM_MAP, Lambda=LAMBDA_BAR),
    "Q = w_q": dataclasses.replace(PARAM_MAP, Q=W_Q),
    "C = +E_y^T C_ref": dataclasses.replace(PARAM_MAP, C=sym.E_y.T * C_REF),
    "yhat = +o_ref": dataclasses.replace(PARAM_MAP, sign=sp.Integer(1)),
}


def test_the_statement_comes_from_the_registry() -> None:
    f = generate.render(CLAIM)
    assert f.origin == generate.MAP and f.origin in generate.ORIGINS and "proofs/claims.py ref.param_map" in f.source
    assert "Params (mx2seq (wq^T)) 1%:M 1%:M 1%:M Lb^T (cv2seq (D))\n    (- Cref) 0 0 1" in f.text
    assert "Theorem claim_ref_param_map t : yhat 1%:M 1%:M x y p_ref t = - (ref_o x y wq Lb Cref D t)." in f.text


def test_the_registry_prints_the_map_and_from_reference_evaluates_it() -> None:
    c = registry.claim(CLAIM)
    assert c.statement == r"\hat{y}_{t} = - o^{\mathrm{ref}}_{t}"
    assert c.hypotheses[:4] == ("Q = w_{q}^{T}", r"\Lambda = \bar{\Lambda}^{T}", "d = D",
                                r"C = - E_{y}^{T} C^{\mathrm{ref}}")
    one = one_step(3, 1, 3, "symbolic", layout="reference")
    back = from_reference(to_reference(one), one.layout)
    assert (back.Q, back.Lambda, back.d, back.C) == (one.params.Q, one.params.Lambda, one.params.d, one.params.C)


@pytest.mark.parametrize("name", MUTANTS)
def test_a_wrong_map_prints_another_file_and_fails_the_exact_route(name: str,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    right = generate.render(CLAIM).text
    assert registry._param_map_check()[0]
    monkeypatch.setattr(registry, "PARAM_MAP", MUTANTS[name])
    assert generate.render(CLAIM).text != right
    ok, detail = registry._param_map_check()
    assert not ok and "residual" in detail


def test_rendering_is_deterministic_and_touches_no_other_file() -> None:
    others = {f.name: f.text for f in generate.render_all() if f.claim_id != CLAIM}
    assert generate.render(CLAIM).text == generate.render(CLAIM).text
    with pytest.MonkeyPatch.context() as mp:  # an equal map, built afresh: the same file
        mp.setattr(registry, "PARAM_MAP", dataclasses.replace(PARAM_MAP))
        rebuilt = generate.render(CLAIM).text
        assert {f.name: f.text for f in generate.render_all() if f.claim_id != CLAIM} == others
    assert rebuilt == generate.render(CLAIM).text


@needs_coq
def test_coqc_accepts_the_right_map() -> None:
    assert_accepted(CLAIM, generate.MAP)


@needs_coq
@pytest.mark.parametrize("name", MUTANTS)
def test_coqc_refuses_a_wrong_map(name: str, library: run.Library, tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(registry, "PARAM_MAP", MUTANTS[name])
    assert_refused(coq_check(library, generate.render(CLAIM), tmp_path))
