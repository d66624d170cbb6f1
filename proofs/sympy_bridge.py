r"""SymPy matrix expressions <-> elements of the free algebra with transpose.

``to_element`` walks the expression tree itself (SymPy's ``expand``/``simplify`` of matrix
expressions has gaps: ``MatPow`` is not distributed, 1x1 transposes are not identified, and symbolic
shapes are not checked). Supported nodes and their meaning:

* ``MatrixSymbol(name, r, c)`` -> the generator it is *bound* to (``bindings=``, :meth:`Algebra.bind`,
  or the symbols :func:`to_sympy` and :func:`symbol` hand out); an unbound symbol whose name is not
  yet a generator declares a new, non-symmetric ``r x c`` generator and is bound to it; an unbound
  symbol whose name is already a generator is refused (:class:`BadInput`): matrices are bound by
  identity, never by name, so a SymPy ``G`` cannot inherit the algebra's symmetric ``G``;
* ``Identity(n)`` -> ``I_n``; ``ZeroMatrix(r, c)`` -> ``0``;
* ``Transpose(a)`` and ``transpose(a)`` -> ``a^T``;
* ``MatMul`` / ``Mul`` -> the product of the matrix factors in order, times the scalar factors;
* ``MatAdd`` / ``Add`` -> the sum (a scalar term ``c`` beside square terms means ``c I``);
* ``MatPow(a, n)`` / ``Pow(a, n)`` with an integer ``n >= 0`` -> ``a^n``;
* a noncommutative ``Symbol`` -> the generator it is bound to (it has no shape of its own, so it
  must be bound explicitly);
* a commutative scalar expression -> a coefficient in ``K`` (its symbols must be declared scalars).

Every product and sum is shape-checked structurally by the algebra (:class:`ShapeError`).
``to_sympy`` goes back (:class:`GeneratorSymbol`, ``Transpose``, ``MatMul``, ``MatAdd``, unevaluated)
for printing; ``latex`` prints an element with SymPy's LaTeX printer. A :class:`GeneratorSymbol` is a
``MatrixSymbol`` that SymPy does not consider equal to a plain ``MatrixSymbol`` of the same name, so
binding it to its generator does not bind the user's symbols of that name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeAlias

import sympy
from sympy import Expr, Identity, MatAdd, MatMul, MatPow, MatrixExpr, MatrixSymbol, Transpose, ZeroMatrix
from sympy.functions.elementary.complexes import transpose

from gdssm.core.errors import BadInput
from gdssm.proofs.normal_form import Algebra, Coeff, Element, ShapeError, Word

_Converted: TypeAlias = Element | Expr  # an Expr here is a commutative scalar


class GeneratorSymbol(MatrixSymbol):
    """The SymPy symbol of an algebra's generator (prints like a ``MatrixSymbol`` of its name)."""


def symbol(algebra: Algebra, name: str) -> MatrixSymbol:
    """The SymPy symbol of the generator ``name``, bound to it (use it to write SymPy expressions about it)."""
    gen = algebra.get(name)
    sym = GeneratorSymbol(name, gen.rows, gen.cols)
    algebra.bind(sym, algebra.generator(name, gen.rows, gen.cols, symmetric=gen.symmetric))
    return sym


def to_element(expr: object, algebra: Algebra, bindings: Mapping[sympy.Basic, Element] | None = None) -> Element:
    """Convert a SymPy matrix (or noncommutative) expression into an element of ``algebra``.

    ``bindings`` maps SymPy symbols to the generators they denote (recorded with :meth:`Algebra.bind`).
    """
    for sym, element in (bindings or {}).items():
        algebra.bind(sym, element)
    result = _convert(expr if isinstance(expr, sympy.Basic) else sympy.sympify(expr), algebra)
    if not isinstance(result, Element):
        raise BadInput(f"{expr} is a scalar, not a matrix expression")
    return result


def _bound_generator(alg: Algebra, expr: sympy.Basic) -> Element | None:
    name = alg.bound(expr)
    if name is None:
        return None
    gen = alg.get(name)
    return alg.generator(gen.name, gen.rows, gen.cols, symmetric=gen.symmetric)


def _matrix_symbol(alg: Algebra, expr: MatrixSymbol) -> Element:
    bound = _bound_generator(alg, expr)
    if bound is not None:
        return bound
    if alg.declared(expr.name):
        gen = alg.get(expr.name)
        raise BadInput(
            f"the SymPy matrix {expr.name} ({expr.rows} x {expr.cols}) is not bound to the algebra's generator "
            f"{gen.name} ({gen.rows} x {gen.cols}{', symmetric' if gen.symmetric else ''}); bind it explicitly "
            f"(to_element(..., bindings={{symbol: element}}) or Algebra.bind) or use another name"
        )
    element = alg.generator(expr.name, expr.rows, expr.cols)
    alg.bind(expr, element)
    return element


def _convert(expr: sympy.Basic, alg: Algebra) -> _Converted:
    if isinstance(expr, MatrixSymbol):
        return _matrix_symbol(alg, expr)
    if isinstance(expr, Identity):
        return alg.identity(expr.rows)
    if isinstance(expr, ZeroMatrix):
        return alg.zero(expr.rows, expr.cols)
    if isinstance(expr, Transpose | transpose):
        return _matrix(_convert(expr.args[0], alg), expr).T
    if isinstance(expr, MatPow):
        return _power(_matrix(_convert(expr.args[0], alg), expr), expr.args[1], expr)
    if isinstance(expr, MatAdd | sympy.Add) and not _is_scalar(expr):
        return _sum([_convert(arg, alg) for arg in expr.args], alg, expr)
    if isinstance(expr, MatMul | sympy.Mul) and not _is_scalar(expr):
        return _product([_convert(arg, alg) for arg in expr.args], alg)
    if isinstance(expr, sympy.Pow) and not _is_scalar(expr):
        return _power(_matrix(_convert(expr.base, alg), expr), expr.exp, expr)
    if isinstance(expr, sympy.Symbol) and not expr.is_commutative:
        bound = _bound_generator(alg, expr)
        if bound is None:
            raise BadInput(
                f"the noncommutative symbol {expr.name} is not bound to a generator; bind it explicitly "
                "(to_element(..., bindings={symbol: element}) or Algebra.bind)"
            )
        return bound
    if _is_scalar(expr) and not expr.atoms(MatrixSymbol):
        assert isinstance(expr, Expr)
        return expr
    raise BadInput(f"unsupported expression node {type(expr).__name__}: {expr}")


def _is_scalar(expr: sympy.Basic) -> bool:
    return isinstance(expr, Expr) and not isinstance(expr, MatrixExpr) and bool(expr.is_commutative)


def _matrix(value: _Converted, context: sympy.Basic) -> Element:
    if not isinstance(value, Element):
        raise BadInput(f"expected a matrix inside {context}, got the scalar {value}")
    return value


def _power(base: Element, exponent: sympy.Basic, context: sympy.Basic) -> Element:
    if not (isinstance(exponent, sympy.Integer) and exponent >= 0):
        raise BadInput(f"only integer powers >= 0 are supported, got {context}")
    return base ** int(exponent)


def _sum(parts: list[_Converted], alg: Algebra, context: sympy.Basic) -> Element:
    matrices = [p for p in parts if isinstance(p, Element)]
    if not matrices:
        raise BadInput(f"no matrix term in {context}")
    total = matrices[0]
    for term in matrices[1:]:
        total = total + term
    scalars = [p for p in parts if not isinstance(p, Element)]
    if scalars:
        if total.rows != total.cols:
            raise ShapeError(f"scalar term added to the non-square {total.rows} x {total.cols} sum {context}")
        total = total + alg.identity(total.rows).scale(sympy.Add(*scalars))
    return total


def _product(parts: list[_Converted], alg: Algebra) -> Element:
    scalar: Expr = sympy.S.One
    result: Element | None = None
    for part in parts:
        if isinstance(part, Element):
            result = part if result is None else result * part
        else:
            scalar = scalar * part
    assert result is not None  # _is_scalar excluded all-scalar products
    return result.scale(scalar)


def to_sympy(element: Element) -> MatrixExpr:
    """The element as an unevaluated SymPy matrix expression (for printing)."""
    alg = element.algebra
    if element.is_zero():
        return ZeroMatrix(element.rows, element.cols)
    terms = [_term_to_sympy(alg, element, word, c) for word, c in element]
    return terms[0] if len(terms) == 1 else MatAdd(*terms)


def _term_to_sympy(alg: Algebra, element: Element, word: Word, c: Coeff) -> MatrixExpr:
    factors: list[MatrixExpr] = []
    for name, transposed in word:
        sym = symbol(alg, name)
        factors.append(Transpose(sym) if transposed else sym)
    if not factors:
        factors = [Identity(element.rows)]
    coefficient = c.as_expr()
    if coefficient == 1:
        return factors[0] if len(factors) == 1 else MatMul(*factors)
    return MatMul(coefficient, *factors)


def latex(element: Element) -> str:
    """LaTeX of the element, through SymPy's printer."""
    return str(sympy.latex(to_sympy(element)))
