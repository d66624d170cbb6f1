"""Token layouts: the embeddings E_x (H x f) and E_y (H x m).

* ``split`` (default): H = f + m, E_x = [I_f; 0], E_y = [0; I_m], so E_x^T E_x = I, E_y^T E_y = I, E_x^T E_y = 0.
* ``reference`` (the authors' code): H = f. Vector task m = f: E_x = E_y = I. Scalar task m = 1: E_x = I and
  y is written into the last slot, E_y = e_H. Here E_x^T E_y != 0, so only the one-step construction applies.
"""

from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.core.validation import require_dim

LAYOUTS = ("split", "reference")


@dataclass(frozen=True)
class Layout:
    """A token layout at concrete sizes."""

    name: str
    f: int
    m: int
    E_x: sp.Matrix
    E_y: sp.Matrix

    @property
    def H(self) -> int:
        """Token width."""
        return int(self.E_x.shape[0])

    @property
    def task(self) -> str:
        """``vector`` (m = f in the reference layout), ``scalar`` (m = 1) or ``split``."""
        if self.name == "split":
            return "split"
        return "vector" if self.m == self.f else "scalar"

    @property
    def orthogonal(self) -> bool:
        """Whether E_x^T E_y = 0 (x and y live in disjoint token slots)."""
        return bool((self.E_x.T * self.E_y).is_zero_matrix)


def make_layout(name: str, f: int, m: int) -> Layout:
    """The layout ``name`` for input dimension f and output dimension m."""
    require_dim("f", f)
    require_dim("m", m)
    if name == "split":
        E_x = sp.Matrix.vstack(sp.eye(f), sp.zeros(m, f))
        E_y = sp.Matrix.vstack(sp.zeros(f, m), sp.eye(m))
    elif name == "reference":
        if m == f:
            E_x, E_y = sp.eye(f), sp.eye(f)
        elif m == 1:
            E_x, E_y = sp.eye(f), sp.Matrix.vstack(sp.zeros(f - 1, 1), sp.ones(1, 1))
        else:
            raise BadInput(f"layout 'reference' needs m = f (vector task) or m = 1 (scalar task), got f={f}, m={m}")
    else:
        raise BadInput(f"unknown layout {name!r}; choose one of {', '.join(LAYOUTS)}")
    return Layout(name=name, f=f, m=m, E_x=E_x, E_y=E_y)
