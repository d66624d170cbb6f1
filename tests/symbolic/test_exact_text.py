"""The strict grammar of exact numbers (symbolic.exact_text): exact decimals, declared names only, limits."""

from __future__ import annotations

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import ETA
from gdssm.symbolic.exact_text import as_expr, parse_exact, parse_number

NAMES = {"eta": ETA}


@pytest.mark.parametrize("text, value", [
    ("3", 3), ("-3", -3), ("1/10", sp.Rational(1, 10)), ("0.1", sp.Rational(1, 10)), (".5", sp.Rational(1, 2)),
    ("2.5e2", 250), ("1e-3", sp.Rational(1, 1000)), ("1E+2", 100), (" 3 / 4 ", sp.Rational(3, 4)),
    ("(1 + 2) * 3", 9), ("-(-(1))", 1), ("2**10", 1024), ("1 - 1/3", sp.Rational(2, 3)),
    ("0.1 + 0.2", sp.Rational(3, 10)),
])
def test_numbers_are_exact(text: str, value: object) -> None:
    assert parse_number(text, "x") == value


@pytest.mark.parametrize("text, value", [("eta/5", ETA / 5), ("-eta/10", -ETA / 10), ("1 - eta/10", 1 - ETA / 10),
                                         ("eta**2/100 - 3*eta", ETA**2 / 100 - 3 * ETA)])
def test_declared_symbols(text: str, value: sp.Expr) -> None:
    assert parse_exact(text, "x", NAMES) == value
    with pytest.raises(BadInput, match="unknown name 'eta'"):
        parse_exact(text, "x")


@pytest.mark.parametrize("text, says", [
    ("1/0", "division by zero"), ("1/(eta - eta)", "division by zero"), ("0**0", "0**0"),
    ("__import__('os')", "unexpected character"), ("exp(1)", "unknown name 'exp'"), ("eta(1)", "function calls"),
    ("nan", "unknown name 'nan'"), ("oo", "unknown name 'oo'"), ("E", "unknown name 'E'"), ("2^3", "'^'"),
    ("1 2", "expected an operator"), ("(1", "expected ')'"), ("", "empty"), ("\u0663", "unexpected character"),
    ("1e99999", "exponent"), ("9" * 1001, "a number with 1001 digits"), ("2**65", "power 65 is beyond 64"),
    ("(2)**3", "a power applies to a number or a name"), ("2**-1", "whole-number power"),
    ("(" * 40 + "1" + ")" * 40, "nested more than 32 deep"), ("1" * 5000, "text of 5000 characters"),
    ("eta**eta", "whole-number power"), ("0x10", "expected an operator"), ("1_000", "expected an operator"),
])
def test_everything_else_is_one_line(text: str, says: str) -> None:
    with pytest.raises(BadInput) as err:
        parse_exact(text, "field F", NAMES)
    assert str(err.value).startswith("field F") and says in str(err.value)


@pytest.mark.parametrize("value", [None, 1, 0.5, True, [], {}])
def test_only_strings_are_text(value: object) -> None:
    with pytest.raises(BadInput, match="must be a string"):
        parse_exact(value, "x")


def test_as_expr_takes_numbers_never_text() -> None:
    assert as_expr(3) == 3 and as_expr(ETA) is ETA
    with pytest.raises(TypeError):
        as_expr("1/2")
