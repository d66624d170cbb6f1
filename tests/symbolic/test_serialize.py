"""The derive document validates against its documented schema, is deterministic, and is exact."""

from __future__ import annotations

import json

import jsonschema
import pytest
import sympy as sp

from gdssm.symbolic.constructions import k_step, one_step
from gdssm.symbolic.reference import reference_two_step
from gdssm.symbolic.serialize import construction_json, reference_json, schema, to_json_text, to_latex, to_text


@pytest.mark.parametrize("doc", [
    construction_json(one_step(2, 1, 4, sp.Rational(1, 2))),
    construction_json(one_step(3, 3, 4, "symbolic", layout="reference", W0=sp.eye(3))),
    construction_json(k_step(2, 2, 5, 3, sp.Rational(3, 10), lam=sp.Rational(9, 10), gamma=sp.Rational(1, 10))),
    reference_json(reference_two_step(2, 2, 3, 1, "B")),
])
def test_documents_validate(doc: dict) -> None:
    jsonschema.validate(doc, schema())
    assert json.loads(to_json_text(doc)) == doc
    assert to_latex(doc) and to_text(doc)


def test_exact_strings_and_named_parameters() -> None:
    doc = construction_json(one_step(2, 1, 5, sp.Rational(1, 2)))
    assert doc["alpha"] == "1/10"
    assert doc["params"]["C"] == [["0", "0", "1/10"]]
    assert doc["params"]["Q"][1] == ["1", "0", "0"]
    assert set(doc["roles"]) >= {"Q", "Lambda", "d", "C", "R"}


def test_schema_rejects_a_broken_document() -> None:
    doc = construction_json(one_step(2, 1, 5, 1))
    doc["dims"]["f"] = 0
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, schema())


def test_json_is_deterministic() -> None:
    make = lambda: to_json_text(construction_json(k_step(2, 1, 3, 2, "symbolic")))  # noqa: E731
    assert make() == make()


@pytest.mark.parametrize("eta", ["symbolic", "3/10"])
def test_documents_read_back_to_the_same_parameters(eta: str) -> None:
    """Entries like "eta/5" (a symbolic step size) and "3/50" parse back exactly; junk is a user error."""
    from gdssm.core.errors import BadInput
    from gdssm.symbolic.serialize import construction_from_json

    c = k_step(2, 1, 5, 2, eta)
    back = construction_from_json(construction_json(c))
    assert back.params.matrices() == c.params.matrices()
    broken = construction_json(c)
    broken["params"]["C"][0][0] = "eta +* 2"
    with pytest.raises(BadInput, match="parameter C"):
        construction_from_json(broken)


@pytest.mark.parametrize("c", [
    one_step(2, 1, 4, sp.Rational(1, 2)), one_step(3, 3, 4, "symbolic", layout="reference", W0=sp.eye(3)),
    one_step(2, 1, 3, 1, lam=sp.Rational(9, 10)),
    k_step(2, 2, 5, 3, sp.Rational(3, 10), lam=sp.Rational(9, 10), gamma=sp.Rational(1, 10)),
    k_step(2, 1, 4, 2, "symbolic"), k_step(2, 1, 4, 2, 1, etas=["1/2", "1/3"]), k_step(2, 1, 4, 0),
    k_step(2, 2, 4, 3, sp.Rational(1, 3), lam=sp.Rational(9, 10), W0=sp.Matrix([[1, -2], [sp.Rational(1, 2), 0]])),
])
def test_a_derive_document_reads_back_to_its_derivation(c: object) -> None:
    """The header derives the same construction and GD; the body is the same layer; nothing differs."""
    from gdssm.symbolic.serialize import read_construction

    read = read_construction(construction_json(c))
    assert read.differing == ()
    assert read.checked.params == c.params and read.checked.gd == c.gd and read.checked.claims == c.claims
    assert read.derived.params == c.params


def test_a_file_is_checked_against_its_header_not_against_itself() -> None:
    from gdssm.core.errors import Refuted
    from gdssm.symbolic.serialize import read_construction

    doc = construction_json(one_step(2, 1, 4, sp.Rational(1, 5)))
    doc["params"]["C"] = [["0", "0", "1/10"]]  # the layer moved to eta = 2/5
    del doc["gd"], doc["alpha"], doc["claims"]
    read = read_construction(doc)
    assert read.differing == ("C",) and read.checked.gd.etas == (sp.Rational(1, 5),)  # the header's GD
    doc["gd"] = {"etas": ["2/5"], "normaliser": "4", "lambda": "1", "gamma": "0", "W0": None}
    with pytest.raises(Refuted, match=r"gd\.etas"):
        read_construction(doc)


def test_latex_is_math_mode_without_a_column_limit() -> None:
    text = to_latex(construction_json(k_step(12, 2, 3, 2, "symbolic")))
    lines = text.splitlines()
    assert lines[0].startswith("%") and all(line.startswith(r"\[ ") and line.endswith(r" \]") for line in lines[1:])
    assert "pmatrix" not in text and r"\frac{\eta}{3}" in text
