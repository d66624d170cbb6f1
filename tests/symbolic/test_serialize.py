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
