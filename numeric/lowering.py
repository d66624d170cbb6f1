"""Lowering: the exact SymPy numbers of a construction become torch tensors.

A construction's parameters (:class:`symbolic.layer.LayerParams`) and its GD (:class:`symbolic.gd.GDSpec`)
are exact: integers, rationals, or expressions in the step size eta. Lowering evaluates each entry to a
float of the requested dtype (a rational p/q is rounded once, correctly, as Python's ``p / q``) and refuses
anything still symbolic: a construction derived with a symbolic eta must be re-derived with a number.

Shapes follow :mod:`numeric.layer`: matrices keep their shape, the column d (3 x 1) becomes a vector (3,),
and the readout constants rho, beta (k-1,) and c (k,) become vectors.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import sympy as sp
import torch

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import Construction, Derivation
from gdssm.symbolic.description import Arithmetic
from gdssm.symbolic.gd import GDSpec
from gdssm.symbolic.layer import PARAMETER_NAMES


def to_float(value: Any, name: str) -> float:
    """The exact number ``value`` as a float; a symbolic or non-finite value raises :class:`BadInput`."""
    if isinstance(value, sp.Integer | sp.Rational | int):
        return _rational_float(sp.Rational(value))
    expr = sp.S(value)
    if expr.free_symbols:
        symbols = ", ".join(sorted(str(s) for s in expr.free_symbols))
        raise BadInput(f"{name} depends on the symbol(s) {symbols}; derive the construction with a numeric value "
                        f"(for example eta=1/10) before lowering it to tensors")
    try:
        number = int(expr.p) / int(expr.q) if isinstance(expr, sp.Rational) else float(expr)
    except (TypeError, OverflowError):
        raise BadInput(f"{name} must be a finite real number, got {value}") from None
    if not math.isfinite(number):
        raise BadInput(f"{name} must be finite, got {value}")
    return number


@functools.lru_cache(maxsize=4096)
def _rational_float(value: sp.Rational) -> float:
    """p/q rounded once, correctly (Python's int division); cached, since parameters repeat a few values."""
    return int(value.p) / int(value.q)


def _rational_entries(values: sp.MatrixBase) -> list[float] | None:
    """The entries p/q, row by row, each rounded once (Python's int division), when the matrix is over ZZ or QQ
    (SymPy's internal domain representation); None otherwise (then each entry goes through :func:`to_float`)."""
    rep = getattr(values, "_rep", None)
    domain = getattr(rep, "domain", None)
    if rep is None or domain is None or not (domain.is_ZZ or domain.is_QQ):
        return None
    return [int(e.numerator) / int(e.denominator) for e in rep.to_list_flat()]


def to_tensor(values: sp.Matrix | Iterable[Any], name: str, dtype: torch.dtype,
              device: torch.device | str | None = None) -> torch.Tensor:
    """A SymPy matrix (kept 2-D) or a sequence of numbers (1-D) as a tensor of ``dtype`` on ``device``."""
    if isinstance(values, sp.MatrixBase):
        exact = _rational_entries(values)
        if exact is not None:
            return torch.tensor(exact, dtype=dtype, device=device).reshape(values.shape)
        rows = [[to_float(v, f"{name}[{i},{j}]") for j, v in enumerate(row)] for i, row in enumerate(values.tolist())]
        return torch.tensor(rows, dtype=dtype, device=device).reshape(values.shape)
    return torch.tensor([to_float(v, f"{name}[{i}]") for i, v in enumerate(values)], dtype=dtype, device=device)


def lower_construction(construction: Construction, dtype: torch.dtype = torch.float64,
                       device: torch.device | str | None = None) -> dict[str, torch.Tensor]:
    """Every layer parameter, the readout constants and the embeddings E_x, E_y, by name, as tensors."""
    p = construction.params
    out = {name: to_tensor(getattr(p, name), name, dtype, device) for name in PARAMETER_NAMES}
    out["d"] = out["d"].reshape(3)
    for name in ("rho", "beta", "c"):
        out[name] = to_tensor(getattr(p.readout, name), name, dtype, device)
    out["E_x"] = to_tensor(construction.layout.E_x, "E_x", dtype, device)
    out["E_y"] = to_tensor(construction.layout.E_y, "E_y", dtype, device)
    return out


@dataclass(frozen=True)
class NumericGD:
    """A :class:`~symbolic.gd.GDSpec` with float entries: W_{j+1} = W_j - eta_j (grad_data(W_j) P + gamma W_j)."""

    etas: tuple[float, ...]
    normaliser: float
    gamma: float
    lam: float
    W0: torch.Tensor | None
    precond: torch.Tensor | None


def lower_gd(spec: GDSpec, dtype: torch.dtype = torch.float64,
             device: torch.device | str | None = None) -> NumericGD:
    """The GD a construction claims, with every number evaluated (a symbolic eta raises BadInput)."""
    return NumericGD(
        etas=tuple(to_float(eta, f"step size eta_{j}") for j, eta in enumerate(spec.etas)),
        normaliser=to_float(spec.normaliser, "normaliser N"),
        gamma=to_float(spec.gamma, "weight decay gamma"),
        lam=to_float(spec.lam, "loss discount lambda"),
        W0=None if spec.W0 is None else to_tensor(spec.W0, "W0", dtype, device),
        precond=None if spec.precond is None else to_tensor(spec.precond, "preconditioner P", dtype, device),
    )


# ------------------------------------------------------------------------------------------------
# lowering a derivation: the description evaluated straight to numbers, exactly

_INT_LIMIT = 1 << 62
"""Largest |numerator| (and denominator) an exact array may hold: int64 arithmetic never overflows below it."""
_FLOAT_EXACT = 1 << 53
"""Integers up to this magnitude are exact float64 numbers, so num / den in float64 is the correctly rounded p/q."""


class Inexact(ArithmeticError):
    """A value the exact arrays cannot hold (a numerator past 2^62, or an expression they do not evaluate)."""


@dataclass(frozen=True)
class RationalArray:
    """An exact rational matrix num / den: int64 numerators (every |num| < 2^62) over one positive denominator."""

    num: np.ndarray
    den: int

    @staticmethod
    def of(num: np.ndarray, den: int) -> RationalArray:
        """num / den reduced by the gcd of all entries and the denominator (checked to fit int64)."""
        if den <= 0 or den >= _INT_LIMIT:
            raise Inexact("denominator past 2^62")
        g = math.gcd(den, int(np.gcd.reduce(num, axis=None))) if num.size else den
        if g > 1:
            num, den = num // g, den // g
        return RationalArray(num, den)

    @property
    def bound(self) -> int:
        """max |num| (0 for an empty array)."""
        return int(np.abs(self.num).max()) if self.num.size else 0

    def to_float(self) -> np.ndarray:
        """Every entry num/den rounded once to float64, as Python's ``p / q`` rounds it (lowering's rule)."""
        if self.bound <= _FLOAT_EXACT and self.den <= _FLOAT_EXACT:  # both exact doubles: IEEE division rounds once
            return self.num.astype(np.float64) / float(self.den)
        flat = [int(v) / self.den for v in self.num.reshape(-1).tolist()]
        return np.array(flat, dtype=np.float64).reshape(self.num.shape)


def _fraction(value: Any) -> Fraction:
    """An exact SymPy (or Python) rational as a Fraction; anything else is :class:`Inexact`."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, sp.Rational):
        return Fraction(int(value.p), int(value.q))
    raise Inexact(f"not an exact rational: {value!r}")


def _rational_array(values: Sequence[Fraction], shape: tuple[int, int]) -> RationalArray:
    den = math.lcm(*(v.denominator for v in values)) if values else 1
    if den >= _INT_LIMIT or any(abs(v.numerator) * (den // v.denominator) >= _INT_LIMIT for v in values):
        raise Inexact("entries past 2^62")
    num = np.array([v.numerator * (den // v.denominator) for v in values], dtype=np.int64).reshape(shape)
    return RationalArray.of(num, den)


Scalar = Callable[[Mapping[Any, Fraction]], Fraction]


def _compile(expr: sp.Basic) -> Scalar:
    """``expr`` (integers, rationals, symbols, indexed symbols, sums, products, integer powers) as a function of
    the values of its symbols, evaluated in exact Fractions; anything else is :class:`Inexact`."""
    if isinstance(expr, sp.Rational):  # Integer too
        value = Fraction(int(expr.p), int(expr.q))
        return lambda env: value
    if isinstance(expr, sp.Symbol):
        def symbol(env: Mapping[Any, Fraction]) -> Fraction:
            try:
                return env[expr]
            except KeyError:
                raise Inexact(f"no value for {expr}") from None
        return symbol
    if isinstance(expr, sp.Indexed) and len(expr.indices) == 1:
        base, index = expr.base, _compile(expr.indices[0])

        def indexed(env: Mapping[Any, Fraction]) -> Fraction:
            at = index(env)
            value = env.get((base, int(at))) if at.denominator == 1 else None
            if value is None:
                raise Inexact(f"no value for {base}[{at}]")
            return value
        return indexed
    if isinstance(expr, sp.Add | sp.Mul):
        parts = [_compiled(a) for a in expr.args]
        if isinstance(expr, sp.Add):
            def add(env: Mapping[Any, Fraction]) -> Fraction:
                total = parts[0](env)
                for part in parts[1:]:
                    total += part(env)
                return total
            return add

        def mul(env: Mapping[Any, Fraction]) -> Fraction:
            total = parts[0](env)
            for part in parts[1:]:
                total *= part(env)
            return total
        return mul
    if isinstance(expr, sp.Pow) and isinstance(expr.exp, sp.Integer):
        base_, exponent = _compiled(expr.base), int(expr.exp)

        def power(env: Mapping[Any, Fraction]) -> Fraction:
            value = Fraction(base_(env))  # a dimension is an int: int ** -1 would be a float
            if exponent < 0 and value == 0:
                raise Inexact(f"division by zero in {expr}")
            return value**exponent
        return power
    raise Inexact(f"cannot evaluate {type(expr).__name__} exactly: {expr}")


_COMPILED: dict[sp.Basic, Scalar] = {}
_READOUT: dict[tuple[int, int], tuple[sp.Lambda, Scalar]] = {}
_ENTRIES: dict[sp.ImmutableMatrix, RationalArray | tuple[tuple[int, int], list[Scalar]]] = {}
"""An explicit matrix of a description (Q, d): its array when it holds numbers only, else its compiled entries."""
"""fn(i) compiled, by the readout function (kept alive here, so its id names it) and i."""


def _compiled(expr: sp.Basic) -> Scalar:
    """:func:`_compile`, once per expression."""
    fn = _COMPILED.get(expr)
    if fn is None:
        if len(_COMPILED) > 4096:
            _COMPILED.clear()
        fn = _COMPILED[expr] = _compile(expr)
    return fn


class ExactArrays(Arithmetic):
    """:class:`~gdssm.symbolic.description.Arithmetic` on :class:`RationalArray` with Fraction scalars: the
    description's walk (:meth:`Description.evaluate`) computing exact numbers instead of SymPy objects."""

    def matrix(self, a: sp.MatrixBase) -> RationalArray:
        return _exact_matrix(a)

    def scalar(self, expr: sp.Basic, scalars: Mapping[Any, Any]) -> Fraction:
        if isinstance(expr, int):
            return Fraction(expr)
        return _compiled(sp.sympify(expr, strict=True))(scalars)

    def constant(self, fn: sp.Lambda, i: int, dims: Mapping[Any, Any], binding: Mapping[Any, Any]) -> Fraction:
        key = (id(fn), i)
        cached = _READOUT.get(key)
        if cached is None or cached[0] is not fn:  # the same Lambda object (its id is not reused while kept here)
            if len(_READOUT) > 4096:
                _READOUT.clear()
            cached = _READOUT[key] = (fn, _compiled(sp.sympify(fn(i), strict=True)))
        return cached[1]({**dims, **binding})

    def eye(self, n: int) -> RationalArray:
        return RationalArray(np.eye(n, dtype=np.int64), 1)

    def zeros(self, rows: int, cols: int) -> RationalArray:
        return RationalArray(np.zeros((rows, cols), dtype=np.int64), 1)

    def ones(self, rows: int, cols: int) -> RationalArray:
        return RationalArray(np.ones((rows, cols), dtype=np.int64), 1)

    def transpose(self, a: RationalArray) -> RationalArray:
        return RationalArray(a.num.T, a.den)

    def add(self, a: RationalArray, b: RationalArray) -> RationalArray:
        den = math.lcm(a.den, b.den)
        ka, kb = den // a.den, den // b.den
        if a.bound * ka + b.bound * kb >= _INT_LIMIT:
            raise Inexact("sum past 2^62")
        return RationalArray.of(a.num * ka + b.num * kb, den)

    def mul(self, a: RationalArray, b: RationalArray) -> RationalArray:
        if a.bound * b.bound * max(1, a.num.shape[1]) >= _INT_LIMIT:
            raise Inexact("product past 2^62")
        return RationalArray.of(a.num @ b.num, a.den * b.den)

    def scale(self, c: Any, a: RationalArray) -> RationalArray:
        c = _fraction(c)
        if abs(c.numerator) * a.bound >= _INT_LIMIT:
            raise Inexact("scaled entries past 2^62")
        return RationalArray.of(a.num * c.numerator, a.den * c.denominator)

    def entries(self, matrix: sp.MatrixBase, scalars: Mapping[Any, Any]) -> RationalArray:
        key = sp.ImmutableMatrix(matrix) if not isinstance(matrix, sp.ImmutableMatrix) else matrix
        cached = _ENTRIES.get(key)
        if cached is None:
            if len(_ENTRIES) > 1024:
                _ENTRIES.clear()
            shape = (int(matrix.shape[0]), int(matrix.shape[1]))
            if not key.free_symbols:  # numbers only: the array itself (arrays are never written in place)
                cached = _ENTRIES[key] = _rational_array([_fraction(v) for v in key], shape)
            else:
                cached = _ENTRIES[key] = (shape, [_compiled(v) for v in key])
        if isinstance(cached, RationalArray):
            return cached
        shape, fns = cached
        return _rational_array([fn(scalars) for fn in fns], shape)


def _exact_matrix(values: sp.MatrixBase) -> RationalArray:
    """An explicit rational SymPy matrix as an exact array: read from SymPy's domain representation where it is
    ZZ or QQ (only the nonzero entries), entry by entry otherwise; a symbolic entry is :class:`Inexact`."""
    shape = (int(values.shape[0]), int(values.shape[1]))
    rep = getattr(values, "_rep", None)
    domain = getattr(rep, "domain", None)
    if rep is None or domain is None or not (domain.is_ZZ or domain.is_QQ):
        return _rational_array([_fraction(v) for v in values], shape)
    nonzero = [(i, j, int(v.numerator), int(v.denominator)) for i, row in rep.to_sdm().items() for j, v in row.items()]
    den = math.lcm(*(q for *_, q in nonzero)) if nonzero else 1
    if den >= _INT_LIMIT or any(abs(p) * (den // q) >= _INT_LIMIT for _, _, p, q in nonzero):
        raise Inexact("entries past 2^62")
    num = np.zeros(shape, dtype=np.int64)
    for i, j, p, q in nonzero:
        num[i, j] = p * (den // q)
    return RationalArray.of(num, den)


def _environment(values: Mapping[sp.Basic, Any]) -> dict[Any, Any]:
    """The bound scalars as Fractions, an indexed eta[s] under (eta, s) (how the compiled constants look it up);
    a matrix (W_0) is kept as it is."""
    env: dict[Any, Any] = {}
    for sym, value in values.items():
        if isinstance(value, sp.MatrixBase):
            env[sym] = value
        elif isinstance(sym, sp.Indexed) and len(sym.indices) == 1 and isinstance(sym.indices[0], sp.Integer):
            env[(sym.base, int(sym.indices[0]))] = _fraction(value)
        else:
            env[sym] = _fraction(value)
    return env


EXACT_ARRAYS = ExactArrays()


def lower_derivation(derivation: Derivation, dtype: torch.dtype = torch.float64,
                     device: torch.device | str | None = None) -> dict[str, torch.Tensor]:
    """:func:`lower_construction` of ``derivation.construction()`` without building its SymPy matrices: the
    description is evaluated (:meth:`Description.evaluate`, the walk :meth:`Description.instantiate` takes) on exact
    rational arrays at the same values, and each entry is rounded once to float64, as lowering rounds it -- the same
    tensors, bit for bit (tests/numeric/test_lowering.py). A value the arrays cannot hold exactly (a symbolic eta, an
    expression outside sums, products and integer powers, numbers past 2^62) falls back to the SymPy instantiation."""
    d = derivation
    try:
        env = _environment(d.binding)  # a symbolic value is Inexact
        embeddings = {name: _exact_matrix(getattr(d.layout, name)) for name in ("E_x", "E_y")}
        arithmetic = _Embedded([(d.layout.E_x, embeddings["E_x"]), (d.layout.E_y, embeddings["E_y"])])
        mats, (rho, beta, c) = d.description.evaluate(d.layout.E_x, d.layout.E_y, d.N, d.steps, env, arithmetic)
    except Inexact:
        return lower_construction(d.construction(), dtype, device)
    out = {name: torch.from_numpy(mats[name].to_float()).to(dtype=dtype, device=device) for name in PARAMETER_NAMES}
    out["d"] = out["d"].reshape(3)
    for name, seq in (("rho", rho), ("beta", beta), ("c", c)):
        out[name] = torch.tensor([_fraction_float(v) for v in seq], dtype=torch.float64).to(dtype=dtype, device=device)
    for name, matrix in embeddings.items():
        out[name] = torch.from_numpy(matrix.to_float()).to(dtype=dtype, device=device)
    return out


class _Embedded(ExactArrays):
    """:class:`ExactArrays` given some SymPy matrices already converted (the layout's embeddings, read once)."""

    def __init__(self, converted: Sequence[tuple[sp.MatrixBase, RationalArray]]) -> None:
        self._converted = converted

    def matrix(self, a: sp.MatrixBase) -> RationalArray:
        return next((exact for source, exact in self._converted if source is a), None) or _exact_matrix(a)


def _fraction_float(value: Fraction) -> float:
    """p/q rounded once (Python's int division), as :func:`to_float` rounds a SymPy rational."""
    return value.numerator / value.denominator
