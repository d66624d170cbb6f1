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
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sympy as sp
import torch

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import Construction
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
