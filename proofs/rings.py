"""Rings for the exact checks, and the two programs of an identity, evaluated in any of them.

The layer and GD programs of :mod:`symbolic` are written over *any* commutative ring: their data is a
:class:`~symbolic.task.Context` of ring elements, and a ``to_ring`` callable maps each SymPy parameter entry
(a Rational, or a polynomial in eta, lambda, ...) into that ring. A :class:`Ring` is such a callable: it
evaluates a SymPy polynomial expression by ``+``, ``*`` and integer powers, given

* ``rational(p, q)``: the ring's image of p/q, and
* ``values``: the ring element assigned to every free symbol (data entries and parameter symbols).

Rings provided (the data symbols are those of :func:`symbolic.task.symbolic_context`):

* :func:`mpoly_ring` -- QQ[data, eta, ...] as python-flint ``fmpq_mpoly`` (canonical sparse polynomials:
  equality of two elements *is* equality of polynomials);
* :func:`modp_ring` -- ZZ/p as ``flint.nmod`` at a point; 1/q is the modular inverse, a q divisible by p is
  refused (:class:`~gdssm.core.errors.BadInput`);
* :func:`fraction_ring` -- QQ as :class:`fractions.Fraction` at a point;
* :func:`z3_ring` -- Z3 real arithmetic with a ``Real`` variable per symbol;
* :func:`degree_ring` -- :class:`Degree`, an upper bound on total degree (deg(a+b) <= max, deg(ab) <= sum):
  running a program in it bounds the total degree of the polynomial the program computes.

A :class:`ProgramPair` is an identity to check: two programs ``lhs(ctx, ring)``, ``rhs(ctx, ring)`` returning
lists of m x 1 outputs (one per prefix t). :func:`construction_pair` makes one from a construction (layer vs
per-sample GD), :func:`reference_pair` from the authors' two-step construction (their prediction vs
W_2 x_q plus the derived difference).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

import flint
import sympy as sp
import z3

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.dense import Mat, add, convert, entries, matmul
from gdssm.symbolic.gd import GDSpec, gd_weights
from gdssm.symbolic.reference import ReferenceTwoStep, two_step_expected_difference
from gdssm.symbolic.task import Context, symbolic_context

Program = Callable[[Context, "Ring"], list[Mat]]


class Ring:
    """``to_ring`` for the programs: SymPy polynomial expressions -> elements of one ring (see module doc)."""

    def __init__(self, name: str, rational: Callable[[int, int], Any], values: Mapping[sp.Symbol, Any]) -> None:
        self.name = name
        self.rational = rational
        self.values = dict(values)
        self._cache: dict[sp.Basic, Any] = {}

    def __call__(self, expr: Any) -> Any:
        """The image of ``expr`` (a SymPy number or polynomial in the ring's symbols)."""
        key = expr if isinstance(expr, sp.Basic) else sp.sympify(expr, strict=True)
        if key not in self._cache:
            self._cache[key] = self._evaluate(key)
        return self._cache[key]

    def _evaluate(self, expr: sp.Basic) -> Any:
        if isinstance(expr, sp.Rational):
            return self.rational(int(expr.p), int(expr.q))
        if isinstance(expr, sp.Symbol):
            if expr not in self.values:
                raise BadInput(f"symbol {expr} has no value in the ring {self.name}")
            return self.values[expr]
        if isinstance(expr, sp.Add | sp.Mul):
            parts = [self(arg) for arg in expr.args]
            total = parts[0]
            for part in parts[1:]:
                total = total + part if isinstance(expr, sp.Add) else total * part
            return total
        if isinstance(expr, sp.Pow) and expr.exp.is_Integer and int(expr.exp) >= 0:
            base, power = self(expr.base), self.rational(1, 1)
            for _ in range(int(expr.exp)):
                power = power * base
            return power
        raise BadInput(f"parameter entry {expr} is not a polynomial with rational coefficients; "
                        f"the exact checks need exact polynomial parameters")


def mpoly_ring(symbols: Sequence[sp.Symbol]) -> Ring:
    """QQ[symbols] as flint ``fmpq_mpoly`` (degrevlex), every symbol a generator."""
    names = [str(s) for s in symbols]
    if len(set(names)) != len(names):
        raise BadInput(f"two symbols share a name among {names}")
    ctx = flint.fmpq_mpoly_ctx.get(names, "degrevlex")
    gens = dict(zip(symbols, ctx.gens(), strict=True))
    return Ring("QQ[...] (fmpq_mpoly)", lambda p, q: ctx.constant(flint.fmpq(p, q)), gens)


def modp_ring(prime: int, values: Mapping[sp.Symbol, int]) -> Ring:
    """ZZ/prime (``flint.nmod``) with the symbols at the given residues; p/q -> p q^{-1}, refused if prime | q."""

    def rational(p: int, q: int) -> Any:
        if q % prime == 0:
            raise BadInput(f"denominator {q} is divisible by the prime {prime}: no inverse modulo it")
        return flint.nmod(p, prime) / flint.nmod(q, prime)

    return Ring(f"ZZ/{prime}", rational, {s: flint.nmod(v, prime) for s, v in values.items()})


def fraction_ring(values: Mapping[sp.Symbol, Fraction | int]) -> Ring:
    """QQ as :class:`fractions.Fraction`, the symbols at the given rationals."""
    return Ring("QQ (Fraction)", Fraction, {s: Fraction(v) for s, v in values.items()})


def z3_ring(symbols: Sequence[sp.Symbol]) -> Ring:
    """Z3 reals: a ``Real`` variable named after each symbol; p/q -> the exact ``RatVal``."""
    return Ring("Z3 Real", z3.Q, {s: z3.Real(str(s)) for s in symbols})


@dataclass(frozen=True)
class Degree:
    """An upper bound on the total degree of a polynomial; ``value`` None stands for the zero polynomial."""

    value: int | None

    @staticmethod
    def of(other: Degree | int | Fraction) -> Degree:
        """The degree of a program constant (a plain number): None if zero, else 0."""
        return other if isinstance(other, Degree) else Degree(None if other == 0 else 0)

    def __add__(self, other: Degree | int) -> Degree:
        a, b = self.value, Degree.of(other).value
        return Degree(b if a is None else a if b is None else max(a, b))

    __radd__ = __add__
    __sub__ = __add__
    __rsub__ = __add__

    def __mul__(self, other: Degree | int) -> Degree:
        a, b = self.value, Degree.of(other).value
        return Degree(None if a is None or b is None else a + b)

    __rmul__ = __mul__

    def __neg__(self) -> Degree:
        return self


def degree_ring(symbols: Sequence[sp.Symbol]) -> Ring:
    """Total-degree bounds: every symbol has degree 1, every nonzero constant degree 0."""
    return Ring("degree", lambda p, q: Degree.of(p), {s: Degree(1) for s in symbols})


@dataclass(frozen=True)
class ProgramPair:
    """An identity lhs(ctx) = rhs(ctx) at concrete sizes, for all data and all values of the parameter symbols.

    Outputs are lists (one per prefix ``positions[i]``) of m x 1 columns. ``labels`` names the two sides.
    """

    name: str
    dims: Mapping[str, int]
    lhs: Program
    rhs: Program
    parameters: tuple[sp.Symbol, ...]
    positions: tuple[int, ...]
    labels: tuple[str, str] = ("layer", "gd")

    @cached_property
    def template(self) -> Context:
        """The context of SymPy symbols x{i}_{a}, y{i}_{b} that names every data entry."""
        return symbolic_context(self.dims["f"], self.dims["m"], self.dims["N"])

    @property
    def data_symbols(self) -> tuple[sp.Symbol, ...]:
        """All data entries x_1..x_{N+1}, y_1..y_N, in order."""
        return tuple(v for mat_ in (*self.template.xs, *self.template.ys) for v in entries(mat_))

    @property
    def symbols(self) -> tuple[sp.Symbol, ...]:
        """Data symbols, then parameter symbols: the variables of the identity."""
        return (*self.data_symbols, *self.parameters)

    def context(self, ring: Ring) -> Context:
        """The data as ring elements: each entry is the ring's value of its symbol."""
        return Context(xs=tuple(convert(x, ring) for x in self.template.xs),
                       ys=tuple(convert(y, ring) for y in self.template.ys))

    def evaluate(self, ring: Ring) -> tuple[list[Mat], list[Mat]]:
        """(lhs outputs, rhs outputs) with data and parameters in ``ring``."""
        ctx = self.context(ring)
        return self.lhs(ctx, ring), self.rhs(ctx, ring)


def free_symbols(items: Iterable[Any]) -> tuple[sp.Symbol, ...]:
    """The free symbols of SymPy numbers, expressions and matrices, sorted by name."""
    found: set[sp.Symbol] = set()
    for item in items:
        if isinstance(item, sp.Basic | sp.MatrixBase):
            found |= {s for s in item.free_symbols if isinstance(s, sp.Symbol)}
    return tuple(sorted(found, key=str))


def construction_pair(construction: Construction) -> ProgramPair:
    """The layer's yhat_t against per-sample GD's W_k^{(t)} x_{t+1}, every prefix t = 1..N."""
    p, gd, lay = construction.params, construction.gd, construction.layout
    parameters = free_symbols([*p.matrices().values(), *p.readout.rho, *p.readout.beta, *p.readout.c,
                               *gd.etas, gd.normaliser, gd.gamma, gd.lam, gd.W0, gd.precond])
    return ProgramPair(
        name=f"{construction.name} ({lay.name} layout)",
        dims={"f": lay.f, "m": lay.m, "N": construction.N, "k": construction.steps},
        lhs=construction.predictions, rhs=construction.gd_predictions, parameters=parameters,
        positions=tuple(range(1, construction.N + 1)),
    )


def reference_pair(two_step: ReferenceTwoStep) -> ProgramPair:
    """The authors' query prediction against W_2 x_q + the derived difference (reference.two_step_expected_...).

    W_2 = two GD steps from 0 on the full context; for the scalar task both sides keep the last slot.
    The expected difference is derived once on the symbolic context and evaluated in the ring.
    """
    lay, N = two_step.layout, two_step.N
    expected = two_step_expected_difference(two_step, symbolic_context(lay.f, lay.m, N))
    spec = GDSpec(etas=(two_step.eta, two_step.eta), normaliser=N)

    def lhs(ctx: Context, ring: Ring) -> list[Mat]:
        return [two_step.predict_query(ctx, ring)]

    def rhs(ctx: Context, ring: Ring) -> list[Mat]:
        target = matmul(gd_weights(spec, ctx, N, ring), ctx.query)
        if lay.task == "scalar":
            target = target[-1:]
        return [add(target, convert(tuple(tuple(row) for row in expected.tolist()), ring))]

    return ProgramPair(
        name=f"reference two-step, variant {two_step.variant} ({lay.task} task)",
        dims={"f": lay.f, "m": lay.m, "N": N, "k": 2}, lhs=lhs, rhs=rhs,
        parameters=free_symbols([two_step.eta]), positions=(N,), labels=("reference code", "W_2 x_q + difference"),
    )


def program_pair(target: Construction | ReferenceTwoStep | ProgramPair) -> ProgramPair:
    """The identity a construction claims (:func:`construction_pair`, :func:`reference_pair`), or ``target``."""
    if isinstance(target, ProgramPair):
        return target
    if isinstance(target, ReferenceTwoStep):
        return reference_pair(target)
    if isinstance(target, Construction):
        return construction_pair(target)
    raise BadInput(f"cannot check a {type(target).__name__}: need a construction or a program pair")
