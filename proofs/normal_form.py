r"""Free algebra with transpose over a field of rational functions, and its normal form.

The algebra
-----------
* Coefficients live in ``K = QQ(s_1, ..., s_r)``, rational functions in the scalar symbols declared by
  :class:`Algebra` (``eta``, ``N``, ``alpha``, ...). Elements of ``K`` are SymPy ``FracElement`` s:
  numerator and denominator are coprime polynomials, so ``c == 0`` is a canonical zero test.
* A *generator* ``g`` has a symbolic shape ``rows(g) x cols(g)`` (each a SymPy ``Integer`` >= 1 or an
  expression in symbols, e.g. ``N``, ``f``, ``f + m``); it may be declared symmetric (``g^T = g``).
* A *letter* is ``(name, transposed)``; a *word* is a tuple of letters and denotes the matrix product
  of its letters; the empty word denotes the identity ``I_n``. An :class:`Element` is a finite sum
  ``sum_w c_w w`` with ``c_w in K \ {0}``, stored as ``{word: c_w}`` together with its shape.
* Products are shape-checked *structurally*: ``a * b`` needs ``cols(a)`` and ``rows(b)`` to be the
  same SymPy object (``f`` and ``N`` differ even though SymPy would accept ``X(N x f) * Y(N x m)``),
  and sums need identical shapes; otherwise :class:`ShapeError` names both shapes.
* Transpose is the involution ``(c w)^T = c w^T`` with ``(l_1 ... l_n)^T = l_n^T ... l_1^T``,
  ``(g, t)^T = (g, not t)``, except that a symmetric generator stays untransposed.

The normal form ``NF_H`` modulo hypotheses ``H``
-----------------------------------------------
Each hypothesis ``c w_0 = r`` (``w_0`` a single word) gives the rewrite rule ``w_0 -> r / c`` and,
when ``w_0^T != w_0``, the transposed rule ``w_0^T -> r^T / c``. Dividing by ``c`` needs ``c != 0``:
a nonzero rational ``c`` is fine, but every non-constant irreducible factor of ``c``'s numerator must
be a factor of a *stated* :class:`Nonzero` fact among the hypotheses (``eta X = 0`` alone does not give
``X = 0``; with ``Nonzero("eta != 0", alg, eta)`` it does), else :class:`NonvanishingError`. ``NF_H(e)``:

1. ``e`` is already expanded into words (elements are always kept expanded).
2. Each word is put in *scalar canonical form*: cut the word at every inner dimension that is the
   literal ``1`` (and at the ends when the outer dimension is ``1``). The pieces between two such
   cuts are ``1 x 1``, i.e. scalars; only the first piece (``rows x 1``, the *head*) and the last
   (``1 x cols``, the *tail*) can be non-scalar. Each scalar piece ``s`` is replaced by
   ``min(s, s^T)`` (a ``1 x 1`` matrix equals its transpose) and the scalars are sorted and placed
   between head and tail: ``word = head + s_(1) + ... + s_(p) + tail``. So ``x^T y`` and ``y^T x``
   have the same form, and ``a (x^T y) b^T = (y^T x) a b^T``.
3. The leftmost occurrence (as a contiguous subword) of a rule's left side is replaced by its right
   side; steps 2-3 repeat until no rule applies. Rule left sides may not contain an inner dimension
   ``1`` (:class:`Hypothesis` rejects them), so no occurrence straddles a cut and moving scalars
   never hides or creates a match.
4. Equal words are collected and zero coefficients dropped.

Every step replaces a matrix by an equal one, for *all* values of the dimension symbols and all
matrices satisfying ``H``, at every value of the scalars where the *nonvanishing conditions* hold: the
irreducible factors of the denominators of ``lhs``, ``rhs`` and the fired rules, and of the divisors
``c`` of the fired hypotheses (:attr:`CheckResult.nonvanishing`). The check is sound and dimension-free,
and generic in the scalars only up to those conditions, which every result lists. For a confluent,
terminating rule set (e.g. ``E_x^T E_x -> I``, ``E_x^T E_y -> 0``, ``G M_k -> M_k G``) the normal
form is unique, so ``NF_H(a - b) = 0`` decides ``a = b`` modulo ``H``; otherwise a nonzero residual
means "not shown equal". Facts that need a specific dimension (``f = 1``, Cayley-Hamilton, rank) are
out of reach by design, so identities that hold only there are rejected.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from fractions import Fraction
from itertools import chain, pairwise
from typing import TypeAlias

import sympy
from sympy import ZZ, Expr, Symbol, sympify
from sympy.polys.fields import FracElement, FracField
from sympy.polys.rings import PolyElement

from gdssm.core.errors import BadInput

Letter: TypeAlias = tuple[str, bool]
Word: TypeAlias = tuple[Letter, ...]
Coeff: TypeAlias = FracElement
Scalar: TypeAlias = int | Fraction | sympy.Basic | FracElement

ONE = sympy.S.One
REWRITE_LIMIT = 200_000


class ShapeError(BadInput, ValueError):
    """A product or sum of elements whose symbolic shapes do not match structurally."""


class NonvanishingError(BadInput):
    """A step needs a scalar to be nonzero where that is neither stated nor true on the whole range:
    a hypothesis ``c w = r`` used as ``w -> r / c`` without ``c != 0`` stated, or an induction whose
    step needs ``p(k) != 0`` at some ``k`` of its range."""


def _canonical_factor(poly: PolyElement) -> Expr:
    """A polynomial factor up to its sign and content: primitive, positive leading coefficient."""
    _, primitive = poly.primitive()
    if primitive.LC < 0:
        primitive = -primitive
    return primitive.as_expr()


def poly_factors(poly: PolyElement) -> frozenset[Expr]:
    """The distinct non-constant irreducible factors of ``poly`` (canonical, as SymPy expressions)."""
    if poly.is_ground:
        return frozenset()
    _, factors = poly.factor_list()
    return frozenset(_canonical_factor(factor) for factor, _ in factors if not factor.is_ground)


def sorted_conditions(conditions: Iterable[Expr]) -> tuple[Expr, ...]:
    """Nonvanishing conditions, deduplicated, in a deterministic order."""
    return tuple(sorted(set(conditions), key=sympy.default_sort_key))


def _dim(value: object) -> Expr:
    """A dimension: a SymPy Integer >= 1 or an expression in symbols (``N``, ``f + m``)."""
    dim = sympify(value)
    if not isinstance(dim, Expr) or not (dim.is_Integer or dim.free_symbols):
        raise BadInput(f"a dimension must be an integer >= 1 or a symbolic expression, got {value!r}")
    if dim.is_Integer and dim < 1:
        raise BadInput(f"a dimension must be >= 1, got {dim}")
    return dim


@dataclass(frozen=True)
class Generator:
    """A matrix generator ``name`` of shape ``rows x cols``; ``symmetric`` declares ``g^T = g``."""

    name: str
    rows: Expr
    cols: Expr
    symmetric: bool = False


class Algebra:
    """The free algebra with transpose over ``K = QQ(scalars)``; owns the generators and their shapes.

    ``indexed`` generators (``W_{k}``, ``M^{k + 1}``) remember their stem and index, so that
    :meth:`substitute` can instantiate an index (used by induction to check uniformity in ``k``).
    """

    def __init__(self, scalars: Iterable[Symbol] = ()) -> None:
        self.scalars: tuple[Symbol, ...] = tuple(scalars)
        self.field = FracField(self.scalars, ZZ)
        self._poly_one = self.field.ring.one
        self._generators: dict[str, Generator] = {}
        self._dims: dict[Letter, tuple[Expr, Expr]] = {}
        self._families: dict[str, tuple[str, Expr, bool]] = {}
        self._bindings: dict[sympy.Basic, str] = {}

    # -- generators and constants -------------------------------------------------------------
    def generator(self, name: str, rows: object, cols: object, *, symmetric: bool = False) -> Element:
        """Declare (or fetch, if declared identically) the generator ``name`` and return it."""
        gen = Generator(name, _dim(rows), _dim(cols), symmetric)
        known = self._generators.get(name)
        if known is not None and known != gen:
            raise ShapeError(
                f"generator {name} already declared as {known.rows} x {known.cols}"
                f"{' symmetric' if known.symmetric else ''}, redeclared as {gen.rows} x {gen.cols}"
                f"{' symmetric' if symmetric else ''}"
            )
        if symmetric and gen.rows != gen.cols:
            raise ShapeError(f"symmetric generator {name} must be square, got {gen.rows} x {gen.cols}")
        if known is None:
            self._generators[name] = gen
            self._dims[(name, False)] = (gen.rows, gen.cols)
            self._dims[(name, True)] = (gen.cols, gen.rows)
        return Element(self, gen.rows, gen.cols, {((name, False),): self.field.one})

    def indexed(
        self,
        stem: str,
        index: object,
        rows: object,
        cols: object,
        *,
        symmetric: bool = False,
        power: bool = False,
    ) -> Element:
        """The generator ``stem_{index}`` (or ``stem^{index}`` with ``power``), an opaque symbol.

        ``index`` is an integer or an expression such as ``k`` or ``k + 1``; ``M^{k}`` made with
        ``power=True`` is *not* a power of anything: its meaning comes only from stated definitions.
        """
        idx = sympify(index)
        name = f"{stem}^{{{idx}}}" if power else f"{stem}_{{{idx}}}"
        element = self.generator(name, rows, cols, symmetric=symmetric)
        self._families[name] = (stem, idx, power)
        return element

    def get(self, name: str) -> Generator:
        """The declared generator ``name`` (``BadInput`` if there is none)."""
        try:
            return self._generators[name]
        except KeyError:
            raise BadInput(f"unknown generator {name}") from None

    def declared(self, name: str) -> bool:
        """Whether a generator ``name`` is declared."""
        return name in self._generators

    # -- SymPy symbols bound to generators (used by proofs.sympy_bridge) -----------------------
    def bind(self, symbol: sympy.Basic, element: Element) -> None:
        """Bind the SymPy ``symbol`` (a ``MatrixSymbol`` or a noncommutative ``Symbol``) to the generator
        ``element`` (a single untransposed generator of this algebra).

        The SymPy bridge maps a SymPy matrix to a generator only through a binding (or by declaring a
        fresh, non-symmetric generator for a name not yet taken), never through a shared name, so a
        SymPy ``G`` does not silently inherit the properties (``symmetric``) of the algebra's ``G``.
        """
        if element.algebra is not self:
            raise BadInput(f"cannot bind {symbol}: the element belongs to another algebra")
        terms = list(element.terms.items())
        if len(terms) != 1 or len(terms[0][0]) != 1 or terms[0][0][0][1] or terms[0][1] != self.field.one:
            raise BadInput(f"cannot bind {symbol} to {element}: not a single untransposed generator")
        name = terms[0][0][0][0]
        gen = self._generators[name]
        shape = getattr(symbol, "shape", None)
        if shape is not None and (sympify(shape[0]), sympify(shape[1])) != (gen.rows, gen.cols):
            raise ShapeError(f"cannot bind the SymPy matrix {symbol} ({shape[0]} x {shape[1]}) "
                             f"to the generator {name} ({gen.rows} x {gen.cols})")
        known = self._bindings.get(symbol)
        if known is not None and known != name:
            raise BadInput(f"the SymPy symbol {symbol} is already bound to the generator {known}, not {name}")
        self._bindings[symbol] = name

    def bound(self, symbol: sympy.Basic) -> str | None:
        """The name of the generator ``symbol`` is bound to, or ``None``."""
        return self._bindings.get(symbol)

    # -- nonvanishing conditions ---------------------------------------------------------------
    def denominator_factors(self, element: Element) -> frozenset[Expr]:
        """Irreducible factors of the coefficients' denominators: ``element`` means something only
        where they are nonzero."""
        one = self._poly_one
        out: set[Expr] = set()
        seen: list[PolyElement] = []
        for c in element.terms.values():
            denom = c.denom
            if dict.__eq__(denom, one) or any(dict.__eq__(denom, d) for d in seen):
                continue
            seen.append(denom)
            out |= poly_factors(denom)
        return frozenset(out)

    def nonzero(self, value: Scalar, name: str | None = None) -> Nonzero:
        """The stated hypothesis ``value != 0`` (named ``"<value> != 0"`` unless ``name`` is given)."""
        return Nonzero(name or f"{sympify(self.coeff(value).as_expr())} != 0", self, self.coeff(value))

    def identity(self, n: object) -> Element:
        """``I_n``: the empty word."""
        dim = _dim(n)
        return Element(self, dim, dim, {(): self.field.one})

    def zero(self, rows: object, cols: object) -> Element:
        """The zero matrix of shape ``rows x cols``."""
        return Element(self, _dim(rows), _dim(cols), {})

    def coeff(self, value: Scalar) -> Coeff:
        """``value`` as an element of ``K`` (``BadInput`` if it uses undeclared symbols)."""
        if isinstance(value, FracElement):
            if value.field != self.field:
                return self.coeff(value.as_expr())
            return value
        if isinstance(value, Fraction):
            value = sympy.Rational(value.numerator, value.denominator)
        expr = sympify(value)
        try:
            return self.field.from_expr(expr)
        except (ValueError, sympy.CoercionFailed):
            extra = sorted(map(str, expr.free_symbols - set(self.scalars)))
            raise BadInput(
                f"scalar {expr} is not in QQ({', '.join(map(str, self.scalars))}); "
                f"declare {', '.join(extra) or 'its symbols'} in Algebra(scalars=...)"
            ) from None

    # -- words -------------------------------------------------------------------------------
    def flip(self, letter: Letter) -> Letter:
        """``letter^T``; a symmetric generator is its own transpose."""
        name, transposed = letter
        return (name, False) if self._generators[name].symmetric else (name, not transposed)

    def transpose_word(self, word: Word) -> Word:
        """``(l_1 ... l_n)^T = l_n^T ... l_1^T``."""
        return tuple(self.flip(letter) for letter in reversed(word))

    def canonical_word(self, word: Word) -> Word:
        """Scalar canonical form: ``head + sorted(min(s, s^T) for 1x1 pieces s) + tail``."""
        n = len(word)
        if n == 0:
            return word
        dims = self._dims
        cuts = [i for i in range(1, n) if dims[word[i]][0] is ONE]
        rows_one = dims[word[0]][0] is ONE
        cols_one = dims[word[-1]][1] is ONE
        if not cuts:
            return self._orient(word) if rows_one and cols_one else word
        bounds = [0, *cuts, n]
        pieces = [word[a:b] for a, b in pairwise(bounds)]
        head = () if rows_one else pieces.pop(0)
        tail = () if cols_one else pieces.pop()
        scalars = sorted(self._orient(piece) for piece in pieces)
        return head + tuple(chain.from_iterable(scalars)) + tail

    def _orient(self, scalar: Word) -> Word:
        return min(scalar, self.transpose_word(scalar))

    def has_inner_one(self, word: Word) -> bool:
        """Whether some inner dimension of ``word`` is the literal 1."""
        return any(self._dims[letter][0] is ONE for letter in word[1:])

    # -- index substitution ------------------------------------------------------------------
    def substitute(self, element: Element, index: Symbol, value: object) -> Element:
        """Replace ``index`` by ``value`` in the indices of indexed generators and in coefficients."""
        val = sympify(value)
        terms: dict[Word, Coeff] = {}
        for word, c in element.terms.items():
            new_word = tuple(self._substitute_letter(letter, index, val) for letter in word)
            if index in self.scalars:
                if not dict.__eq__(c.denom, self._poly_one) and sympy.expand(c.denom.as_expr().subs(index, val)) == 0:
                    raise BadInput(f"coefficient {c.as_expr()} is undefined at {index} = {val}")
                c = self.coeff(c.as_expr().subs(index, val))
            _accumulate(self, terms, new_word, c)
        return Element(self, element.rows, element.cols, _nonzero(terms))

    def _substitute_letter(self, letter: Letter, index: Symbol, value: Expr) -> Letter:
        name, transposed = letter
        family = self._families.get(name)
        if family is None or index not in family[1].free_symbols:
            return letter
        stem, idx, power = family
        gen = self._generators[name]
        new = self.indexed(stem, idx.subs(index, value), gen.rows, gen.cols, symmetric=gen.symmetric, power=power)
        ((new_name, _),) = next(iter(new.terms))
        return (new_name, transposed)

    # -- coefficient arithmetic (fast path for polynomial coefficients) ----------------------
    def cmul(self, a: Coeff, b: Coeff) -> Coeff:
        """``a * b`` in ``K``; skips the gcd when both denominators are 1."""
        one = self._poly_one  # a PolyElement is a dict {monomial: coefficient}; compare as dicts (fast)
        if dict.__eq__(a.denom, one) and dict.__eq__(b.denom, one):
            return self.field.raw_new(a.numer * b.numer, one)
        return a * b

    def cadd(self, a: Coeff, b: Coeff) -> Coeff:
        """``a + b`` in ``K``; skips the gcd when both denominators are 1."""
        one = self._poly_one
        if dict.__eq__(a.denom, one) and dict.__eq__(b.denom, one):
            return self.field.raw_new(a.numer + b.numer, one)
        return a + b


def _accumulate(algebra: Algebra, terms: dict[Word, Coeff], word: Word, c: Coeff) -> None:
    previous = terms.get(word)
    terms[word] = c if previous is None else algebra.cadd(previous, c)


def _nonzero(terms: dict[Word, Coeff]) -> dict[Word, Coeff]:
    return {w: c for w, c in terms.items() if c}


class Element:
    """``sum_w c_w w``: an expanded element of the free algebra, of shape ``rows x cols``.

    Supports ``+``, ``-``, ``*`` (by elements, shape-checked, or by scalars), ``/`` by a scalar,
    ``**`` with an integer exponent >= 0 (square elements), and ``.T``. Elements are immutable.
    """

    __slots__ = ("algebra", "cols", "rows", "terms")

    def __init__(self, algebra: Algebra, rows: Expr, cols: Expr, terms: dict[Word, Coeff]) -> None:
        self.algebra = algebra
        self.rows = rows
        self.cols = cols
        self.terms: Mapping[Word, Coeff] = terms

    @property
    def shape(self) -> tuple[Expr, Expr]:
        """``(rows, cols)``."""
        return (self.rows, self.cols)

    def is_zero(self) -> bool:
        """Whether no word has a nonzero coefficient (no hypotheses are applied)."""
        return not self.terms

    def same_terms(self, other: Element) -> bool:
        """Raw structural equality: same shape and same ``{word: coefficient}`` (no normal form)."""
        return self.shape == other.shape and dict(self.terms) == dict(other.terms)

    def __len__(self) -> int:
        return len(self.terms)

    def __iter__(self) -> Iterator[tuple[Word, Coeff]]:
        return iter(sorted(self.terms.items(), key=lambda item: (len(item[0]), item[0])))

    # -- arithmetic --------------------------------------------------------------------------
    def _check_sum(self, other: Element, op: str) -> None:
        if other.algebra is not self.algebra:
            raise BadInput("elements of different algebras cannot be combined")
        if self.shape != other.shape:
            raise ShapeError(f"cannot {op} {_label(self)} ({_shape(self)}) and {_label(other)} ({_shape(other)})")

    def __add__(self, other: Element) -> Element:
        if not isinstance(other, Element):
            return NotImplemented
        self._check_sum(other, "add")
        terms = dict(self.terms)
        for word, c in other.terms.items():
            _accumulate(self.algebra, terms, word, c)
        return Element(self.algebra, self.rows, self.cols, _nonzero(terms))

    def __radd__(self, other: object) -> Element:
        if other == 0:  # lets sum() start from the integer 0
            return self
        return NotImplemented

    def __neg__(self) -> Element:
        return Element(self.algebra, self.rows, self.cols, {w: -c for w, c in self.terms.items()})

    def __sub__(self, other: Element) -> Element:
        if not isinstance(other, Element):
            return NotImplemented
        self._check_sum(other, "subtract")
        return self + (-other)

    def scale(self, value: Scalar) -> Element:
        """``value * self`` for a scalar ``value`` in ``K``."""
        alg = self.algebra
        c = alg.coeff(value)
        if not c:
            return Element(alg, self.rows, self.cols, {})
        return Element(alg, self.rows, self.cols, {w: alg.cmul(c, d) for w, d in self.terms.items()})

    def __mul__(self, other: Element | Scalar) -> Element:
        if not isinstance(other, Element):
            return self.scale(other)
        if other.algebra is not self.algebra:
            raise BadInput("elements of different algebras cannot be combined")
        if self.cols != other.rows:
            raise ShapeError(
                f"cannot multiply {_label(self)} ({_shape(self)}) by {_label(other)} ({_shape(other)}): "
                f"cols {self.cols} is not rows {other.rows}"
            )
        alg = self.algebra
        terms: dict[Word, Coeff] = {}
        for w1, c1 in self.terms.items():
            for w2, c2 in other.terms.items():
                _accumulate(alg, terms, w1 + w2, alg.cmul(c1, c2))
        return Element(alg, self.rows, other.cols, _nonzero(terms))

    def __rmul__(self, other: Scalar) -> Element:
        return self.scale(other)

    def __truediv__(self, other: Scalar) -> Element:
        c = self.algebra.coeff(other)
        if not c:
            raise ZeroDivisionError("division of an element by zero")
        return self.scale(1 / c)

    def __pow__(self, exponent: int) -> Element:
        if not isinstance(exponent, int) or exponent < 0:
            raise BadInput(f"only integer powers >= 0 are supported, got {exponent!r}")
        if self.rows != self.cols:
            raise ShapeError(f"cannot take a power of {_label(self)} ({_shape(self)}): not square")
        result = self.algebra.identity(self.rows)
        for _ in range(exponent):
            result = result * self
        return result

    @property
    def T(self) -> Element:
        """The transpose."""
        alg = self.algebra
        terms: dict[Word, Coeff] = {}
        for word, c in self.terms.items():
            _accumulate(alg, terms, alg.transpose_word(word), c)
        return Element(alg, self.cols, self.rows, _nonzero(terms))

    # -- printing ----------------------------------------------------------------------------
    def word_str(self, word: Word) -> str:
        """``X^T*Y``; the empty word prints as ``I_n`` (``1`` when ``n`` is 1)."""
        if not word:
            return "1" if self.rows is ONE else f"I_{self.rows}"
        return "*".join(f"{name}^T" if t else name for name, t in word)

    def __str__(self) -> str:
        if not self.terms:
            return "0"
        parts: list[str] = []
        for word, c in self:
            expr = c.as_expr()
            negative = expr.could_extract_minus_sign()
            if negative:
                expr = -expr
            if expr == 1:
                text = self.word_str(word)
            else:
                ctext = f"({expr})" if isinstance(expr, sympy.Add) else str(expr)
                text = ctext if not word and self.rows is ONE else f"{ctext}*{self.word_str(word)}"
            parts.append(("- " if negative else "+ ") + text)
        first = parts[0]
        return " ".join([first[2:] if first.startswith("+") else "-" + first[2:], *parts[1:]])

    def __repr__(self) -> str:
        return f"Element({self}; {_shape(self)})"


def _shape(element: Element) -> str:
    return f"{element.rows} x {element.cols}"


def _label(element: Element) -> str:
    text = str(element)
    return text if len(text) <= 60 else f"a sum of {len(element)} words"


@dataclass(frozen=True)
class Rule:
    """The rewrite ``lhs -> sum(c * w for w, c in rhs)``, taken from hypothesis ``source``."""

    lhs: Word
    rhs: tuple[tuple[Word, Coeff], ...]
    source: str


@dataclass(frozen=True, eq=False)
class Nonzero:
    """The stated hypothesis ``value != 0`` about the scalars (``value`` in ``K``).

    It licenses dividing a hypothesis ``c w = r`` by ``c`` when every non-constant irreducible factor
    of ``c``'s numerator is a factor of ``value``'s numerator (``eta^2 - eta != 0`` gives ``eta != 0``
    and ``eta - 1 != 0``). Pass it among the hypotheses (``NormalForm``, ``equal``, a derivation's
    ``assumptions``); a step that divides records its name.
    """

    name: str
    algebra: Algebra
    value: Coeff

    def __post_init__(self) -> None:
        value = self.algebra.coeff(self.value)
        if not value:
            raise BadInput(f"{self.name}: 0 != 0 is false")
        object.__setattr__(self, "value", value)

    @property
    def factors(self) -> frozenset[Expr]:
        """The factors stated nonzero: those of the numerator."""
        return poly_factors(self.value.numer)

    def requires(self) -> frozenset[Expr]:
        """What the statement itself needs: its factors and its denominator's factors."""
        return self.factors | poly_factors(self.value.denom)

    def __str__(self) -> str:
        return f"{self.name}: {self.value.as_expr()} != 0"


@dataclass(frozen=True, eq=False)
class Hypothesis:
    """A named equation ``lhs = rhs`` used as the rewrite rule ``lhs -> rhs`` (and its transpose).

    ``lhs`` must be one word times a nonzero scalar ``c``, without an inner dimension equal to 1 (orient
    such facts the other way, e.g. state ``G_t = G_{t-1} + x_t x_t^T`` rather than its reverse). A
    non-constant ``c`` needs its nonvanishing stated (:class:`Nonzero`) wherever the rule is used.
    """

    name: str
    lhs: Element
    rhs: Element

    def __post_init__(self) -> None:
        if self.lhs.algebra is not self.rhs.algebra:
            raise BadInput(f"hypothesis {self.name}: sides belong to different algebras")
        if self.lhs.shape != self.rhs.shape:
            raise ShapeError(f"hypothesis {self.name}: lhs is {_shape(self.lhs)} but rhs is {_shape(self.rhs)}")
        if len(self.lhs) != 1 or not next(iter(self.lhs.terms)):
            raise BadInput(f"hypothesis {self.name}: lhs must be one nonempty word, got {self.lhs}")
        if self.lhs.algebra.has_inner_one(next(iter(self.lhs.terms))):
            raise BadInput(f"hypothesis {self.name}: lhs {self.lhs} has an inner dimension 1; state it the other way")

    def divisor(self) -> Coeff:
        """``c``, the coefficient of the left side's word."""
        ((_, c),) = self.lhs.terms.items()
        return c

    def divisor_factors(self) -> frozenset[Expr]:
        """The factors of ``c``'s numerator that must be stated nonzero to divide by ``c``."""
        return poly_factors(self.divisor().numer)

    def carried_conditions(self) -> frozenset[Expr]:
        """Nonvanishing conditions the statement itself carries (a lemma's; none for a hypothesis)."""
        return frozenset()

    def requires(self) -> frozenset[Expr]:
        """Every factor that must be nonzero for the rules: ``c``'s, the denominators', the carried."""
        alg = self.lhs.algebra
        return (self.divisor_factors() | poly_factors(self.divisor().denom) | alg.denominator_factors(self.rhs)
                | self.carried_conditions())

    def rules(self) -> tuple[Rule, ...]:
        """``w -> rhs / c`` and, if ``w^T != w``, ``w^T -> rhs^T / c`` (see :class:`NormalForm` for ``c != 0``)."""
        ((word, c),) = self.lhs.terms.items()
        rhs = self.rhs.scale(1 / c)
        forward = Rule(word, tuple(rhs.terms.items()), self.name)
        flipped = self.lhs.algebra.transpose_word(word)
        if flipped == word:
            return (forward,)
        return (forward, Rule(flipped, tuple(rhs.T.terms.items()), self.name))

    def __str__(self) -> str:
        return f"{self.name}: {self.lhs} = {self.rhs}"


Fact: TypeAlias = Hypothesis | Nonzero
"""What a normal form may use: equations (rewrite rules) and stated nonvanishing facts."""


class NormalForm:
    """``NF_H``: scalar canonical form plus rewriting with the rules of ``hypotheses`` to a fixpoint.

    ``hypotheses`` may include :class:`Nonzero` facts; a hypothesis ``c w = r`` with a non-constant
    ``c`` is refused (:class:`NonvanishingError`) unless they state every factor of ``c`` nonzero.
    Results are cached per word, so one instance can reduce many related elements quickly.
    """

    def __init__(self, algebra: Algebra, hypotheses: Iterable[Fact] = ()) -> None:
        self.algebra = algebra
        facts = tuple(hypotheses)
        self.nonzero: tuple[Nonzero, ...] = tuple(h for h in facts if isinstance(h, Nonzero))
        self.hypotheses: tuple[Hypothesis, ...] = tuple(h for h in facts if isinstance(h, Hypothesis))
        stated: dict[Expr, str] = {}
        self._requires: dict[str, frozenset[Expr]] = {}
        self._licences: dict[str, frozenset[str]] = {}
        for fact in self.nonzero:
            if fact.algebra is not algebra:
                raise BadInput(f"{fact.name} belongs to another algebra")
            for factor in fact.factors:
                stated.setdefault(factor, fact.name)
            self._requires[fact.name] = self._requires.get(fact.name, frozenset()) | fact.requires()
        self._by_first: dict[Letter, list[Rule]] = {}
        for hyp in self.hypotheses:
            if hyp.lhs.algebra is not algebra:
                raise BadInput(f"hypothesis {hyp.name} belongs to another algebra")
            divisor = hyp.divisor_factors()
            missing = sorted_conditions(divisor - stated.keys())
            if missing:
                ((word, c),) = hyp.lhs.terms.items()
                raise NonvanishingError(
                    f"hypothesis {hyp.name}: using it as a rewrite of {hyp.lhs.word_str(word)} divides by "
                    f"{c.as_expr()}, which may vanish; state {', '.join(f'{m} != 0' for m in missing)} "
                    "(a Nonzero fact) among the hypotheses"
                )
            licences = frozenset(stated[factor] for factor in divisor)
            self._licences[hyp.name] = self._licences.get(hyp.name, frozenset()) | licences
            self._requires[hyp.name] = self._requires.get(hyp.name, frozenset()) | hyp.requires()
            for rule in hyp.rules():
                self._by_first.setdefault(rule.lhs[0], []).append(rule)
        self._cache: dict[Word, tuple[dict[Word, Coeff], frozenset[str]]] = {}

    def conditions(self, used: Iterable[str]) -> frozenset[Expr]:
        """The nonvanishing conditions that the facts named ``used`` bring into a result."""
        out: set[Expr] = set()
        for name in used:
            out |= self._requires.get(name, frozenset())
        return frozenset(out)

    def __call__(self, element: Element) -> Element:
        """``NF_H(element)``."""
        return self.reduce(element)[0]

    def reduce(self, element: Element) -> tuple[Element, frozenset[str]]:
        """``NF_H(element)`` and the names of the hypotheses whose rules fired, with the
        :class:`Nonzero` facts that licensed their divisions."""
        alg = self.algebra
        if element.algebra is not alg:
            raise BadInput("element belongs to another algebra")
        terms: dict[Word, Coeff] = {}
        used: set[str] = set()
        for word, c in element.terms.items():
            reduced, fired = self._reduce_word(word)
            used |= fired
            for w, d in reduced.items():
                _accumulate(alg, terms, w, alg.cmul(c, d))
        for name in tuple(used):
            used |= self._licences.get(name, frozenset())
        return Element(alg, element.rows, element.cols, _nonzero(terms)), frozenset(used)

    def _match(self, word: Word) -> tuple[int, Rule] | None:
        by_first = self._by_first
        for i, letter in enumerate(word):
            for rule in by_first.get(letter, ()):
                if word[i : i + len(rule.lhs)] == rule.lhs:
                    return i, rule
        return None

    def _reduce_word(self, word: Word) -> tuple[dict[Word, Coeff], frozenset[str]]:
        cached = self._cache.get(word)
        if cached is not None:
            return cached
        alg = self.algebra
        out: dict[Word, Coeff] = {}
        used: set[str] = set()
        stack: list[tuple[Word, Coeff]] = [(word, alg.field.one)]
        rewrites = 0
        while stack:
            current, c = stack.pop()
            current = alg.canonical_word(current)
            hit = self._cache.get(current)
            if hit is not None:
                used |= hit[1]
                for w, d in hit[0].items():
                    _accumulate(alg, out, w, alg.cmul(c, d))
                continue
            found = self._match(current)
            if found is None:
                _accumulate(alg, out, current, c)
                continue
            rewrites += 1
            if rewrites > REWRITE_LIMIT:
                raise BadInput(
                    f"rewriting did not terminate within {REWRITE_LIMIT} steps "
                    f"(hypotheses: {', '.join(h.name for h in self.hypotheses)})"
                )
            i, rule = found
            used.add(rule.source)
            prefix, suffix = current[:i], current[i + len(rule.lhs) :]
            for w, d in rule.rhs:
                stack.append((prefix + w + suffix, alg.cmul(c, d)))
        result = (_nonzero(out), frozenset(used))
        self._cache[word] = result
        return result


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`equal`: ``residual = NF_H(lhs - rhs)``; ``ok`` iff it is zero.

    ``nonvanishing``: the polynomials in the scalars that must be nonzero for ``ok`` to mean
    ``lhs = rhs`` (denominators of both sides and of the fired rules, and divisors of the fired
    hypotheses, as irreducible factors); empty when the identity holds for all scalar values.
    """

    ok: bool
    residual: Element
    hypotheses_used: tuple[str, ...]
    nonvanishing: tuple[Expr, ...] = ()

    def __str__(self) -> str:
        return "equal" if self.ok else f"not equal; residual: {self.residual}"


def equal(lhs: Element, rhs: Element, hypotheses: Iterable[Fact] | NormalForm = ()) -> CheckResult:
    """Check ``lhs = rhs`` modulo ``hypotheses`` by ``NF_H(lhs - rhs) == 0``.

    Raises :class:`ShapeError` when the shapes differ. Pass a :class:`NormalForm` to reuse its cache.
    """
    difference = lhs - rhs
    nf = hypotheses if isinstance(hypotheses, NormalForm) else NormalForm(lhs.algebra, hypotheses)
    residual, used = nf.reduce(difference)
    alg = lhs.algebra
    conditions = alg.denominator_factors(lhs) | alg.denominator_factors(rhs) | nf.conditions(used)
    return CheckResult(residual.is_zero(), residual, tuple(sorted(used)), sorted_conditions(conditions))
