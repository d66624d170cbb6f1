"""Dense matrices over any commutative ring: the arithmetic that the layer and GD programs are written in.

A matrix is a tuple of rows, each a tuple of ring elements. The ring is whatever the entries are:
SymPy numbers or symbols, :class:`fractions.Fraction`, python-flint ``fmpq_mpoly`` / ``nmod``, or Z3
terms. Only ``+``, ``-`` and ``*`` are used, so one program runs exactly in every ring, which is how the
exact checks (route 2) and the second checker check the very code that defines the layer.

Shapes are checked on every operation: a mismatch is a :class:`ValueError`, never a silent broadcast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

Mat = tuple[tuple[Any, ...], ...]


def shape(a: Mat) -> tuple[int, int]:
    """(rows, cols) of ``a``."""
    return (len(a), len(a[0]) if a else 0)


def mat(rows: Iterable[Iterable[Any]]) -> Mat:
    """A matrix from nested iterables, with every row of the same length."""
    out = tuple(tuple(row) for row in rows)
    if out and any(len(row) != len(out[0]) for row in out):
        raise ValueError("ragged matrix: rows of different lengths")
    return out


def column(entries: Sequence[Any]) -> Mat:
    """The column vector (n x 1) with the given entries."""
    return tuple((e,) for e in entries)


def full(rows: int, cols: int, value: Any) -> Mat:
    """The rows x cols matrix with every entry ``value``."""
    return tuple(tuple(value for _ in range(cols)) for _ in range(rows))


def identity(n: int, one: Any = 1, zero: Any = 0) -> Mat:
    """I_n with the ring's ``one`` and ``zero``."""
    return tuple(tuple(one if i == j else zero for j in range(n)) for i in range(n))


def unit(n: int, i: int, one: Any = 1, zero: Any = 0) -> Mat:
    """e_i, the i-th standard basis column of length n (0-based i)."""
    return column([one if r == i else zero for r in range(n)])


def transpose(a: Mat) -> Mat:
    """a^T."""
    rows, cols = shape(a)
    return tuple(tuple(a[i][j] for i in range(rows)) for j in range(cols))


def _same_shape(a: Mat, b: Mat, op: str) -> None:
    if shape(a) != shape(b):
        raise ValueError(f"shape mismatch in {op}: {shape(a)} vs {shape(b)}")


def add(a: Mat, b: Mat) -> Mat:
    """a + b."""
    _same_shape(a, b, "add")
    return tuple(tuple(x + y for x, y in zip(ra, rb, strict=True)) for ra, rb in zip(a, b, strict=True))


def sub(a: Mat, b: Mat) -> Mat:
    """a - b."""
    _same_shape(a, b, "sub")
    return tuple(tuple(x - y for x, y in zip(ra, rb, strict=True)) for ra, rb in zip(a, b, strict=True))


def hadamard(a: Mat, b: Mat) -> Mat:
    """a (.) b, the elementwise product."""
    _same_shape(a, b, "hadamard")
    return tuple(tuple(x * y for x, y in zip(ra, rb, strict=True)) for ra, rb in zip(a, b, strict=True))


def scale(c: Any, a: Mat) -> Mat:
    """c a for a ring element c."""
    return tuple(tuple(c * x for x in row) for row in a)


def matmul(a: Mat, b: Mat) -> Mat:
    """a b, with (a b)_ij = sum_l a_il b_lj."""
    (n, k), (k2, m) = shape(a), shape(b)
    if k != k2:
        raise ValueError(f"shape mismatch in matmul: {(n, k)} x {(k2, m)}")
    cols = transpose(b)
    return tuple(tuple(_dot(row, col) for col in cols) for row in a)


def _dot(u: Sequence[Any], v: Sequence[Any]) -> Any:
    total = u[0] * v[0]
    for x, y in zip(u[1:], v[1:], strict=True):
        total = total + x * y
    return total


def outer(u: Mat, v: Mat) -> Mat:
    """u v^T for columns u (n x 1) and v (p x 1)."""
    return matmul(u, transpose(v))


def hstack(blocks: Sequence[Mat]) -> Mat:
    """[B_1, B_2, ...] side by side (equal row counts)."""
    rows = {shape(b)[0] for b in blocks}
    if len(rows) != 1:
        raise ValueError(f"hstack of blocks with different row counts: {sorted(rows)}")
    return tuple(tuple(x for b in blocks for x in b[i]) for i in range(rows.pop()))


def vstack(blocks: Sequence[Mat]) -> Mat:
    """[B_1; B_2; ...] one above the other (equal column counts)."""
    cols = {shape(b)[1] for b in blocks}
    if len(cols) != 1:
        raise ValueError(f"vstack of blocks with different column counts: {sorted(cols)}")
    return tuple(row for b in blocks for row in b)


def col_of(a: Mat, j: int) -> Mat:
    """The j-th column of a (0-based), as an n x 1 matrix."""
    return tuple((row[j],) for row in a)


def convert(a: Mat, to_ring: Callable[[Any], Any]) -> Mat:
    """Map every entry into another ring (e.g. SymPy Rational -> Fraction or flint element)."""
    return tuple(tuple(to_ring(x) for x in row) for row in a)


def entries(a: Mat) -> list[Any]:
    """All entries, row by row."""
    return [x for row in a for x in row]
