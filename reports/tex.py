"""Typed LaTeX fragments and the escaping of prose.

Two kinds of text reach a template:

* plain ``str`` -- prose (titles, names, descriptions, commands). It is always escaped before it is written;
* :class:`TexMath` (math-mode LaTeX, normally printed by SymPy) and :class:`TexRaw` (any LaTeX) -- already
  LaTeX, written as they are. Escaping either is a no-op, so nothing is ever escaped twice.

Operations on a :class:`TexMath` or :class:`TexRaw` (``+``, ``.upper()``, ...) return a plain ``str``, which
is then escaped: mixing prose into LaTeX by accident is visible, never silent.
"""

from __future__ import annotations

import re
from typing import Any

import sympy as sp


class TexRaw(str):
    """Any LaTeX source, written into the document untouched (already escaped prose, environments, ...)."""

    __slots__ = ()


class TexMath(str):
    """Math-mode LaTeX (without ``$``), such as SymPy's printer produces; written untouched."""

    __slots__ = ()


_SPECIALS = {
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "\\": r"\textbackslash{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
    "|": r"\textbar{}",
    "\n": " ",
    "\r": " ",
}
_SPECIAL_RE = re.compile(r"[&%$#_{}~^\\<>|\r\n]|-(?=-)")


def tex_escape(text: str) -> TexRaw | TexMath:
    """LaTeX source that typesets ``text`` literally; a :class:`TexMath` or :class:`TexRaw` is returned as is.

    Escapes ``& % $ # _ { } ~ ^ \\ < > |``, turns line breaks into spaces (a blank line would end a paragraph or
    break a table cell) and splits ``--`` so that it does not become a dash.
    """
    if isinstance(text, TexRaw | TexMath):
        return text
    return TexRaw(_SPECIAL_RE.sub(lambda m: _SPECIALS.get(m.group(0), "-{}"), str(text)))


def inline(value: str) -> TexRaw | TexMath:
    """Inline rendering: a :class:`TexMath` inside ``\\(...\\)``, prose escaped, :class:`TexRaw` as is."""
    if isinstance(value, TexMath):
        return TexRaw(rf"\({value}\)")
    return tex_escape(value)


def tex_math(expr: Any) -> TexMath:
    """SymPy's LaTeX for ``expr``; matrices as ``pmatrix`` without a second pair of delimiters."""
    return TexMath(sp.latex(expr, mat_delim="", mat_str="pmatrix"))


def matrix_tex(matrix: sp.MatrixBase, limit: int = 8) -> tuple[TexMath, str]:
    """A ``pmatrix`` of ``matrix``, truncated to ``limit`` rows and columns (the last one kept) with dots.

    Returns the LaTeX and a note that says what was left out ("" when nothing was).
    """
    if limit < 3:
        raise ValueError(f"matrix limit must be at least 3, got {limit}")
    rows, cols = matrix.shape
    row_idx = _kept(rows, limit)
    col_idx = _kept(cols, limit)
    lines = []
    for i in row_idx:
        cells = [_cell(matrix, i, j) for j in col_idx]
        lines.append(" & ".join(cells))
    body = r" \\ ".join(lines)
    elided = [f"{axis} {limit - 1}-{n - 1}" for axis, n in (("rows", rows), ("columns", cols)) if n > limit]
    note = f"{rows} x {cols}; {' and '.join(elided)} elided" if elided else ""
    return TexMath(rf"\begin{{pmatrix}} {body} \end{{pmatrix}}"), note


def _kept(n: int, limit: int) -> list[int | None]:
    """Indices shown along one axis: all of them, or the first ``limit - 2``, a gap (None) and the last."""
    if n <= limit:
        return list(range(n))
    return [*range(limit - 2), None, n - 1]


def _cell(matrix: sp.MatrixBase, i: int | None, j: int | None) -> str:
    if i is None and j is None:
        return r"\ddots"
    if i is None:
        return r"\vdots"
    if j is None:
        return r"\cdots"
    return sp.latex(matrix[i, j])
