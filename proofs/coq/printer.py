"""SymPy expressions of a construction description printed as Coq/MathComp terms.

The printer covers exactly the expressions :mod:`gdssm.symbolic.description` (and the catalogue mutants)
produce, and refuses anything else with :class:`~gdssm.core.errors.BadInput`, so a description the Coq
route cannot state is an error, never a silently different statement.

Scalars live in a field ``R``; sizes and indices are ``nat``:

=========================================  ================================================
SymPy                                      Coq (``Local Open Scope ring_scope``)
=========================================  ================================================
``eta``, ``lambda``, ``gamma``             ``eta``, ``lam``, ``gamma``  (Variables : R)
``eta[s]`` (IndexedBase)                   ``etas s``                   (Variable etas : nat -> R)
``N`` as a scalar / as a size              ``N%:R`` / ``N``             (Variable N : nat)
``k`` (a nat)                              ``K``                        (Variable K : nat)
``k - 1``, ``k - 1 - j``                   ``K.-1``, ``(K.-1 - j)%N``
0, 1, n >= 2, p/q                          ``0``, ``1``, ``n%:R``, ``p%:R / q%:R``
``a * b / c``, ``a + b - c``, ``a**n``     ``a * b / c``, ``a + b - c``, ``a ^+ n``
``Identity``, ``ZeroMatrix``               ``1%:M``, ``0``
``OneMatrix``, ``c * OneMatrix``           ``const_mx 1``, ``const_mx c``
``E_x`` (H x f or H x p), ``E_y``, ``W_0``  ``Ex``, ``Ey``, ``W0``
``X.T``                                    ``X^T``
``X * Y``, ``c * X``, ``-X``, ``X + Y``    ``X *m Y``, ``c *: X``, ``- X``, ``X + Y``
3 x 3 and 3 x 1 explicit matrices          ``[:: [:: a; b; c]; ...]`` and ``[:: a; b; c]``
``Lambda(j, e)``                           ``fun j => e``
a registry generator (``matrices=``)        its Coq term (``W``, ``(Dk K)``); ``c * X`` negative: ``- ((-c) *: X)``
=========================================  ================================================

:class:`Printer` records the Coq names it printed (``used``), so a generated file declares exactly the
variables its statement mentions.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic import description as sym
from gdssm.symbolic import features as feat

SCALARS = {sym.eta: "eta", sym.lam: "lam", sym.gamma: "gamma"}
"""Scalar symbols of the descriptions and their Coq names (Variables of type R)."""
NATS = {sym.N: "N", sym.k: "K"}
"""Symbols that are natural numbers in Coq (sizes, step counts)."""
BOUND = {sym.j: "j", sym.s: "s"}
"""Readout and GD step indices: binders of ``fun j => ...`` / ``fun s => ...``."""
MATRICES = {sym.E_x: "Ex", sym.E_y: "Ey", sym.W_0: "W0", feat.E_phi: "Ex"}
"""E_x of a feature description (H x p) is the same Coq name, declared ``Ex : 'M[R]_(H, p)`` there."""
INDEXED = {sym.eta_s: "etas"}


class Printer:
    """Prints one file's terms; ``used`` collects the free Coq names (not the binders) it printed.

    ``matrices`` (by SymPy name) and ``scalars`` (by symbol) add names beyond the descriptions' (the registry's
    generators of a route-1 theorem, ``W -> W``, ``D^{k} -> (Dk K)``; its scalars, ``alpha -> alpha``).
    """

    def __init__(self, matrices: Mapping[str, str] | None = None,
                 scalars: Mapping[sp.Symbol, str] | None = None) -> None:
        self.used: set[str] = set()
        self.matrices = dict(matrices or {})
        self.scalars = {**SCALARS, **(scalars or {})}

    # ----------------------------------------------------------------------------------------------
    # natural numbers (step counts, indices)

    def nat(self, expr: sp.Basic) -> str:
        """A nat term; ``k - 1 - j`` prints as ``(K.-1 - j)%N`` (the form the library's theorems use)."""
        text, compound = self._nat(sp.sympify(expr, strict=True))
        return f"({text})%N" if compound else text

    def _nat(self, expr: sp.Basic) -> tuple[str, bool]:
        if isinstance(expr, sp.Integer):
            if expr < 0:
                raise BadInput(f"cannot print the negative natural number {expr} in Coq")
            return str(int(expr)), False
        if isinstance(expr, sp.Symbol):
            return self._nat_symbol(expr), False
        if isinstance(expr, sp.Add):
            const = int(expr.as_coeff_Add()[0])
            rest = expr - const
            terms = sp.Add.make_args(rest)
            plus = sorted((t for t in terms if t.could_extract_minus_sign() is False), key=sp.default_sort_key)
            minus = sorted((-t for t in terms if t.could_extract_minus_sign()), key=sp.default_sort_key)
            if not plus:
                raise BadInput(f"cannot print {expr} as a natural number (no positive part)")
            text = " + ".join(self._nat_atom(t) for t in plus)
            if const == -1:
                text = f"{text}.-1" if len(plus) == 1 else f"({text}).-1"
            elif const < -1:
                text = f"{text} - {-const}"
            elif const > 0:
                text = f"{text} + {const}"
            for t in minus:
                text = f"{text} - {self._nat_atom(t)}"
            return text, len(plus) > 1 or const not in (0, -1) or bool(minus)
        if isinstance(expr, sp.Mul):
            return " * ".join(self._nat_atom(a) for a in expr.as_ordered_factors()), True
        raise BadInput(f"cannot print {expr!r} as a natural number in Coq")

    def _nat_atom(self, expr: sp.Basic) -> str:
        text, compound = self._nat(expr)
        return f"({text})" if compound else text

    def _nat_symbol(self, expr: sp.Symbol) -> str:
        if expr in BOUND:
            return BOUND[expr]
        if expr in NATS:
            self.used.add(NATS[expr])
            return NATS[expr]
        raise BadInput(f"the symbol {expr} is not a natural number the Coq route knows")

    # ----------------------------------------------------------------------------------------------
    # scalars in R

    def scalar(self, expr: sp.Basic) -> str:
        """A term of the field R."""
        return self._sum(sp.sympify(expr, strict=True))

    def _sum(self, expr: sp.Basic) -> str:
        if not isinstance(expr, sp.Add):
            return self._product(expr)
        const, rest = expr.as_coeff_Add()
        terms = ([const] if const != 0 else []) + list(rest.as_ordered_terms())
        out = ""
        for i, term in enumerate(terms):
            negative = term.could_extract_minus_sign()
            body = self._product(-term if negative else term)
            if i == 0:
                out = f"- {self._paren_neg(body)}" if negative else body
            else:
                out += f" - {body}" if negative else f" + {body}"
        return out

    @staticmethod
    def _paren_neg(body: str) -> str:
        return f"({body})" if " " in body else body

    def _product(self, expr: sp.Basic) -> str:
        if isinstance(expr, sp.Add):
            return f"({self._sum(expr)})"
        if expr.could_extract_minus_sign():
            return f"- {self._paren_neg(self._product(-expr))}"
        numer, denom = [], []
        coeff, factors = expr.as_coeff_mul()
        if not isinstance(coeff, sp.Rational):
            raise BadInput(f"cannot print the coefficient {coeff!r} in Coq")
        if coeff.p != 1 or not factors:
            numer.append(self._integer(coeff.p))
        if coeff.q != 1:
            denom.append(self._integer(coeff.q))
        for factor in factors:
            base, exp = factor.as_base_exp()
            if isinstance(exp, sp.Integer) and exp < 0:
                denom.append(self._power(base, -exp))
            else:
                numer.append(self._power(base, exp))
        text = " * ".join(numer) if numer else "1"
        for d in denom:
            text += f" / {d}"
        return text

    def _power(self, base: sp.Basic, exp: sp.Basic) -> str:
        if exp == 1:
            return self._atom(base)
        if isinstance(exp, sp.Integer) and exp > 1:
            return f"{self._atom(base)} ^+ {int(exp)}"
        if exp.is_integer and exp.is_nonnegative:
            return f"{self._atom(base)} ^+ {self.nat(exp)}"
        raise BadInput(f"cannot print the power {base}**{exp} in Coq")

    def _atom(self, expr: sp.Basic) -> str:
        if isinstance(expr, sp.Integer):
            return self._integer(int(expr))
        if isinstance(expr, sp.Symbol):
            if expr in self.scalars:
                self.used.add(self.scalars[expr])
                return self.scalars[expr]
            if expr in NATS:
                return f"{self._nat_symbol(expr)}%:R"
            raise BadInput(f"the scalar symbol {expr} has no Coq counterpart")
        if isinstance(expr, sp.Indexed) and expr.base in INDEXED:
            (index,) = expr.indices
            self.used.add(INDEXED[expr.base])
            return f"{INDEXED[expr.base]} {self._index(index)}"
        if isinstance(expr, sp.Add | sp.Mul | sp.Pow | sp.Rational):
            return f"({self._sum(expr)})"
        raise BadInput(f"cannot print the scalar {expr!r} in Coq")

    def _index(self, index: sp.Basic) -> str:
        text = self.nat(index)
        return text if text.isidentifier() or text.startswith("(") or text.isdigit() else f"({text})"

    @staticmethod
    def _integer(n: int) -> str:
        if n < 0:
            return f"- {Printer._integer(-n)}"
        return str(n) if n in (0, 1) else f"{n}%:R"

    def function(self, fn: sp.Lambda, scalar: bool = True) -> str:
        """``fun j => body`` for a one-argument ``sp.Lambda`` (body in R, or in nat when ``scalar`` is False)."""
        if not isinstance(fn, sp.Lambda) or len(fn.variables) != 1:
            raise BadInput(f"expected a one-argument Lambda, got {fn!r}")
        (var,) = fn.variables
        if var not in BOUND:
            raise BadInput(f"the Lambda variable {var} is not a readout or step index")
        body = self.scalar(fn.expr) if scalar else self.nat(fn.expr)
        return f"fun {BOUND[var]} => {body}"

    # ----------------------------------------------------------------------------------------------
    # matrices

    def matrix(self, expr: sp.Basic) -> str:
        """A matrix term (sizes are left to Coq's type inference from the record's field types)."""
        return self._mat(expr)

    def _mat(self, expr: sp.Basic) -> str:
        if isinstance(expr, sp.MatrixSymbol):
            if expr in MATRICES:
                self.used.add(MATRICES[expr])
                return MATRICES[expr]
            if expr.name in self.matrices:
                self.used.add(expr.name)
                return self.matrices[expr.name]
            raise BadInput(f"the matrix symbol {expr} has no Coq counterpart")
        if isinstance(expr, sp.Identity):
            return "1%:M"
        if isinstance(expr, sp.ZeroMatrix):
            return "0"
        if isinstance(expr, sp.OneMatrix):
            return "const_mx 1"
        if isinstance(expr, sp.Transpose):
            return f"{self._mat_atom(expr.arg)}^T"
        if isinstance(expr, sp.MatAdd):  # positive terms first, then ``- t`` for each term with a negative coefficient
            terms = sorted(expr.args, key=sp.default_sort_key)
            negative = [t for t in terms if _negative_term(t)]
            positive = [t for t in terms if t not in negative]
            if not positive:
                return self._mat(terms[0]) + "".join(f" + {self._mat_atom(t)}" for t in terms[1:])
            out = self._mat(positive[0]) + "".join(f" + {self._mat_atom(t)}" for t in positive[1:])
            return out + "".join(f" - {self._mat_atom(-t)}" for t in negative)
        if isinstance(expr, sp.MatMul):
            coeff, factors = expr.as_coeff_matrices()
            coeff = sp.sympify(coeff, strict=True)
            if len(factors) == 1 and isinstance(factors[0], sp.OneMatrix):
                return "const_mx 1" if coeff == 1 else f"const_mx {self._scalar_atom(coeff)}"
            body = " *m ".join(self._mat_atom(f, in_product=True) for f in factors)
            if coeff == 1:
                return body
            if coeff == -1:
                return f"- ({body})" if len(factors) > 1 else f"- {body}"
            return f"{self._scalar_atom(coeff)} *: " + (f"({body})" if len(factors) > 1 else body)
        if isinstance(expr, sp.MatrixBase):
            raise BadInput(f"an explicit {expr.shape[0]}x{expr.shape[1]} matrix is not a symbolic-size parameter")
        raise BadInput(f"cannot print the matrix expression {expr!r} in Coq")

    def _mat_atom(self, expr: sp.Basic, in_product: bool = False) -> str:
        text = self._mat(expr)
        if isinstance(expr, sp.MatrixSymbol) and " " in text:  # an applied name, (Dk K)
            return f"({text})"
        simple = isinstance(expr, sp.MatrixSymbol | sp.Identity | sp.ZeroMatrix) or (
            isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.MatrixSymbol))
        if in_product and isinstance(expr, sp.Transpose) and isinstance(expr.arg, sp.MatrixSymbol):
            return text
        return text if simple else f"({text})"

    def _scalar_atom(self, expr: sp.Basic) -> str:
        text = self.scalar(expr)
        return text if text.replace("%:R", "").replace("_", "").isalnum() else f"({text})"

    def entries(self, matrix: sp.MatrixBase) -> str:
        """A 3 x 3 matrix as ``[:: [:: ..]; ..]`` (rows) or a 3 x 1 column as ``[:: ..]``: Layer.params' seqs."""
        rows, cols = matrix.shape
        if cols == 1:
            return self._seq(matrix[i, 0] for i in range(rows))
        return "[:: " + "; ".join(self._seq(matrix[i, j] for j in range(cols)) for i in range(rows)) + "]"

    def _seq(self, values: Iterable[sp.Basic]) -> str:
        return "[:: " + "; ".join(self.scalar(v) for v in values) + "]"


def _negative_term(term: sp.Basic) -> bool:
    """Whether a term of a matrix sum is ``c * X`` with a negative rational ``c`` (printed as ``- (-c) X``)."""
    if not isinstance(term, sp.MatMul):
        return False
    coeff = sp.sympify(term.as_coeff_matrices()[0], strict=True)
    return bool(coeff.could_extract_minus_sign())


MAP_TERMS = {"phi": "phi (x i)", "phi'": "phi' (x i)", "id": "x i"}
"""The data of example i under each map of a data map's x and query slots (phi' is another map, declared)."""


def data_sequences(data: feat.DataMap) -> tuple[str, str]:
    """The token sequences a feature layer reads, as Coq terms: (inputs nat -> 'cV_p, labels nat -> 'cV_m).

    The correct map gives ``(features phi x)`` (Features.v) and ``y``. A query map other than the x map changes the
    one token that is only a query, x_N (the concrete-dimension convention of :mod:`gdssm.symbolic.features`); a
    map on the labels reads ``psi (y i)`` (psi : 'cV_m -> 'cV_m, declared).
    """
    if data.x == data.query:
        inputs = {"phi": "(features phi x)", "phi'": "(features phi' x)", "id": "x"}[data.x]
    else:
        inputs = f"(fun i => if i == N then {MAP_TERMS[data.query]} else {MAP_TERMS[data.x]})"
    labels = "y" if data.y == "id" else "(fun i => psi (y i))"
    return inputs, labels


HYPOTHESES = {
    "E_x^T E_x = I": ("Hx", "Ex^T *m Ex = 1%:M"),
    "E_y^T E_y = I": ("Hy", "Ey^T *m Ey = 1%:M"),
    "E_x^T E_y = 0": ("Hxy", "Ex^T *m Ey = 0"),
}
"""The layout hypotheses of the descriptions (their ``hypotheses`` strings) as named Coq hypotheses."""


def hypothesis(text: str) -> tuple[str, str]:
    """(name, Coq proposition) of a description's layout hypothesis."""
    try:
        return HYPOTHESES[" ".join(text.split())]
    except KeyError:
        raise BadInput(f"the layout hypothesis {text!r} has no Coq form; known: {', '.join(HYPOTHESES)}") from None
