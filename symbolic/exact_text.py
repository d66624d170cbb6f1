"""Exact numbers and expressions from text, by a strict grammar: data, never code.

Every number a user's file or option holds (construction files, weights metadata, ``--eta``, ``--lam``) is
read here, and nothing here evaluates text: no ``sympify``, ``parse_expr``, ``eval`` or ``exec``. The grammar
(ASCII only, blanks between tokens allowed)::

    expr   := term (("+" | "-") term)*
    term   := factor (("*" | "/") factor)*
    factor := ("+" | "-") factor | atom ("**" integer)?     (the base of ** a number or a name)
    atom   := number | name | "(" expr ")"
    number := digits ["." digits] [("e" | "E") ["+" | "-"] digits]     (also ".5"; read exactly: 0.1 = 1/10)
    name   := one of the declared scalar symbols (for a construction file: eta, when its eta is symbolic)

Limits keep a hostile text cheap: at most :data:`MAX_LENGTH` characters, :data:`MAX_DIGITS` digits per
literal, decimal exponents within +-:data:`MAX_EXPONENT`, powers 0..:data:`MAX_POWER`, parentheses
:data:`MAX_NESTING` deep. Anything else -- another name, a function call, ``^``, ``nan``, ``1/0`` -- is a
:class:`~gdssm.core.errors.BadInput` naming the field and the place.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction

import sympy as sp

from gdssm.core.errors import BadInput

MAX_LENGTH = 4000
MAX_DIGITS = 1000
MAX_EXPONENT = 1000
MAX_POWER = 64
MAX_NESTING = 32

_TOKEN = re.compile(
    r"[ \t]*(?:(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z_0-9]*)|(?P<op>\*\*|[-+*/()]))",
    re.ASCII,
)
_DECIMAL = re.compile(r"(?P<int>[0-9]*)(?:\.(?P<frac>[0-9]*))?(?:[eE](?P<exp>[+-]?[0-9]+))?", re.ASCII)


@dataclass(frozen=True)
class _Token:
    kind: str  # number, name, op, end
    text: str
    at: int


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _tokens(text: str, field: str) -> list[_Token]:
    out: list[_Token] = []
    at = 0
    while at < len(text):
        if text[at:].strip(" \t") == "":
            break
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            bad = text[at:].lstrip(" \t")[:1]
            where = len(text) - len(text[at:].lstrip(" \t"))
            raise BadInput(f"{field}: unexpected character {bad!r} at position {where + 1} of {_short(text)!r}")
        kind = match.lastgroup or "op"
        out.append(_Token(kind, match.group(kind), match.start(kind)))
        at = match.end()
    out.append(_Token("end", "", len(text)))
    return out


def decimal_value(literal: str, field: str = "number", max_digits: int = MAX_DIGITS) -> sp.Rational:
    """A decimal literal (``3``, ``0.25``, ``1e-3``) as the exact rational it writes."""
    match = _DECIMAL.fullmatch(literal)
    if match is None or not (match.group("int") or match.group("frac")):
        raise BadInput(f"{field}: {_short(literal)!r} is not a number")
    whole, frac, exp = match.group("int") or "", match.group("frac") or "", match.group("exp")
    digits = len((whole + frac).lstrip("0"))
    if digits > max_digits:
        raise BadInput(f"{field}: a number with {digits} digits (at most {max_digits})")
    exponent = int(exp) if exp is not None and len(exp.lstrip("+-")) <= 6 else (0 if exp is None else 10**7)
    if abs(exponent) > MAX_EXPONENT:
        raise BadInput(f"{field}: exponent of {_short(literal)!r} is beyond +-{MAX_EXPONENT}")
    mantissa = int(whole + frac or "0")
    scale = exponent - len(frac)
    return sp.Rational(mantissa * 10**scale) if scale >= 0 else sp.Rational(mantissa, 10**-scale)


class _Parser:
    def __init__(self, text: str, field: str, symbols: Mapping[str, sp.Symbol], max_digits: int) -> None:
        self.text, self.field, self.symbols, self.max_digits = text, field, symbols, max_digits
        self.tokens = _tokens(text, field)
        self.i = 0
        self.nesting = 0

    def peek(self) -> _Token:
        return self.tokens[self.i]

    def take(self) -> _Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token: _Token, what: str) -> BadInput:
        shown = "the end" if token.kind == "end" else repr(_short(token.text))
        return BadInput(f"{self.field}: {what}, found {shown} at position {token.at + 1} of {_short(self.text)!r}")

    def parse(self) -> sp.Expr:
        value = self.expr()
        if self.peek().kind != "end":
            raise self.fail(self.peek(), "expected an operator or the end")
        return value

    def expr(self) -> sp.Expr:
        value = self.term()
        while self.peek().kind == "op" and self.peek().text in "+-":
            op = self.take().text
            right = self.term()
            value = value + right if op == "+" else value - right
        return value

    def term(self) -> sp.Expr:
        value = self.factor()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            op = self.take()
            right = self.factor()
            if op.text == "*":
                value = value * right
            else:
                if right == 0:
                    raise BadInput(f"{self.field}: division by zero in {_short(self.text)!r}")
                value = value / right
        return value

    def factor(self) -> sp.Expr:
        token = self.peek()
        if token.kind == "op" and token.text in "+-":
            self.take()
            self._enter(token)
            inner = self.factor()
            self.nesting -= 1
            return -inner if token.text == "-" else inner
        opening = self.peek()
        base = self.atom()
        if self.peek().kind == "op" and self.peek().text == "**":
            if opening.text == "(":
                raise self.fail(self.peek(), "a power applies to a number or a name, not to a parenthesis")
            self.take()
            power = self.take()
            if power.kind != "number" or not power.text.isdigit():
                raise self.fail(power, "expected a whole-number power after '**'")
            if len(power.text) > 3 or int(power.text) > MAX_POWER:
                raise BadInput(f"{self.field}: power {_short(power.text)} is beyond {MAX_POWER}")
            if base == 0 and int(power.text) == 0:
                raise BadInput(f"{self.field}: 0**0 in {_short(self.text)!r}")
            return sp.Pow(base, int(power.text))
        return base

    def atom(self) -> sp.Expr:
        token = self.take()
        if token.kind == "number":
            return decimal_value(token.text, self.field, self.max_digits)
        if token.kind == "name":
            if token.text not in self.symbols:
                allowed = ", ".join(sorted(self.symbols)) or "none: numbers only"
                raise BadInput(f"{self.field}: unknown name {_short(token.text)!r} (allowed names: {allowed})")
            if self.peek().kind == "op" and self.peek().text == "(":
                raise self.fail(self.peek(), "function calls are not allowed")
            return self.symbols[token.text]
        if token.kind == "op" and token.text == "(":
            self._enter(token)
            value = self.expr()
            closing = self.take()
            if closing.text != ")":
                raise self.fail(closing, "expected ')'")
            self.nesting -= 1
            return value
        raise self.fail(token, "expected a number, a name or '('")

    def _enter(self, token: _Token) -> None:
        self.nesting += 1
        if self.nesting > MAX_NESTING:
            raise BadInput(f"{self.field}: nested more than {MAX_NESTING} deep at position {token.at + 1}")


def parse_exact(text: object, field: str, symbols: Mapping[str, sp.Symbol] | None = None, *,
                limits: bool = True) -> sp.Expr:
    """The exact value of ``text`` by the grammar of the module docstring; names only from ``symbols``.

    ``limits=False`` lifts the length and digit limits (for text the toolkit wrote itself, e.g. rendering its
    own derive output); the grammar is the same.
    """
    if not isinstance(text, str):
        raise BadInput(f"{field} must be a string holding an exact number, got {_kind(text)}")
    if limits and len(text) > MAX_LENGTH:
        raise BadInput(f"{field}: text of {len(text)} characters (at most {MAX_LENGTH})")
    if not text.strip(" \t"):
        raise BadInput(f"{field}: empty, expected an exact number")
    return _Parser(text, field, symbols or {}, MAX_DIGITS if limits else 10**9).parse()


def as_expr(value: object) -> sp.Expr:
    """A value that is already a number (int, Fraction, SymPy) as a SymPy expression -- text is refused, since
    turning text into an expression is :func:`parse_exact`'s job alone."""
    if isinstance(value, sp.Basic):
        return value
    if isinstance(value, bool) or not isinstance(value, int | Fraction):
        raise TypeError(f"as_expr takes a number, not {type(value).__name__}; parse text with parse_exact")
    return sp.Integer(value) if isinstance(value, int) else sp.Rational(value.numerator, value.denominator)


def parse_number(text: object, field: str) -> sp.Rational:
    """An exact rational from ``text`` (integers, fractions, decimals; no names)."""
    value = parse_exact(text, field)
    if not isinstance(value, sp.Rational):
        raise BadInput(f"{field}: {_short(str(text))!r} is not a rational number")
    return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the bare number {_short(repr(value))} (write it as a string)"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__
