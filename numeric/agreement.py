""""This construction equals GD": one comparison of the torch layer with autograd GD, for use inside ``@given``.

:func:`gdssm.numeric.check.check_construction` runs a whole Hypothesis search of its own, so it cannot be
called from a user's ``@given`` test (Hypothesis refuses nested ``@given``). The functions here are plain:
they draw nothing, they compare once, on the data they are given -- tensors, or a seed and a task law -- and
leave the drawing (and the shrinking) to the caller's test::

    from hypothesis import given, strategies as st
    from gdssm.numeric import strategies as gst
    from gdssm.numeric.agreement import assert_equals_gd

    @given(construction=gst.constructions(max_N=8), seed=gst.seeds())
    def test_my_construction(construction, seed):
        assert_equals_gd(construction, seed=seed)

The layer (:class:`gdssm.numeric.layer.GDSSMLayer` with the lowered parameters) and the GD oracle
(:func:`gdssm.numeric.oracle.gd_predictions`, float64, autograd, the GD the construction claims) predict at
every prefix t = 1..N of every task. Error measure and tolerances are those of the property run
(:mod:`gdssm.numeric.check`): relative error = max |layer - GD| / max(max |GD|, tiny) over the batch, at most
1e-10 in float64 and 1e-4 in float32. A disagreement raises :class:`AssertionError` naming the construction,
the dtype, the error, the worst task and prefix and both predictions there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor

from gdssm.core.errors import BadInput, ShapeError
from gdssm.core.validation import require_count, require_seed
from gdssm.numeric.check import TINY, TOLERANCES
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.symbolic.constructions import Construction


@dataclass(frozen=True)
class DtypeAgreement:
    """The comparison in one dtype: largest absolute and relative errors, where the worst one is, the verdict."""

    dtype: str
    max_abs: float
    max_rel: float
    tolerance: float
    task: int
    prefix: int
    layer: tuple[float, ...]
    gd: tuple[float, ...]

    @property
    def ok(self) -> bool:
        """Whether the relative error is within the tolerance (NaN is not)."""
        return self.max_rel <= self.tolerance


@dataclass(frozen=True)
class Agreement:
    """The comparison of a construction's layer with GD on one batch of tasks, by dtype."""

    construction: Construction
    by_dtype: tuple[DtypeAgreement, ...]

    @property
    def ok(self) -> bool:
        """Whether every dtype is within its tolerance."""
        return all(item.ok for item in self.by_dtype)

    @property
    def errors(self) -> dict[str, float]:
        """Relative error by dtype name (``float64``, ``float32``)."""
        return {item.dtype: item.max_rel for item in self.by_dtype}

    def message(self) -> str:
        """One paragraph naming every dtype that disagrees (empty when all agree)."""
        c = self.construction
        lines = []
        for item in self.by_dtype:
            if item.ok:
                continue
            lines.append(
                f"construction {c.name!r} (claims {', '.join(c.claims)}) is not GD in {item.dtype}: relative error "
                f"{item.max_rel:.3g} > {item.tolerance:.0e} at f={c.f}, m={c.m}, N={c.N}, H={c.H}, k={c.steps}, "
                f"layout {c.layout.name}, etas {', '.join(str(e) for e in c.gd.etas) or '-'}; worst at task "
                f"{item.task}, prefix t={item.prefix}: layer {_short(item.layer)}, GD {_short(item.gd)}")
        return "\n".join(lines)


def compare_with_gd(construction: Construction, x: Tensor | None = None, y: Tensor | None = None, *,
                    seed: int | None = None, law: TaskLaw | None = None, batch: int = 4,
                    dtypes: Sequence[torch.dtype] = (torch.float64, torch.float32),
                    tolerances: dict[torch.dtype, float] | None = None) -> Agreement:
    """Run the construction's layer and autograd GD on the same tasks and measure the errors (never raises on
    disagreement; see :func:`assert_equals_gd`).

    Give either data -- ``x`` (B, N+1, f) (the last input is the query) and ``y`` (B, N, m), or one task as
    (N+1, f) and (N, m) -- or a ``seed``: then ``batch`` tasks are drawn from ``law`` (default U(-1/2, 1/2)
    inputs, a N(0, I) teacher) and rounded to float32, so every dtype sees the same numbers. GD runs in float64.
    ``tolerances`` overrides the default per-dtype tolerances.
    """
    x64, y64 = _data(construction, x, y, seed, law, batch)
    limits = dict(TOLERANCES) | dict(tolerances or {})
    unknown = [d for d in dtypes if d not in limits]
    if unknown or not dtypes:
        raise BadInput(f"dtypes must be among {', '.join(_name(d) for d in limits)}, got {list(dtypes)}")
    oracle = gd_predictions(construction.gd, x64, y64)
    scale = max(float(oracle.abs().max()), TINY)
    results = []
    for dtype in dtypes:
        layer = GDSSMLayer.from_construction(construction, dtype=dtype)
        with torch.no_grad():
            pred = layer(x64.to(dtype), y64.to(dtype)).to(torch.float64)
        diff = torch.nan_to_num((pred - oracle).abs(), nan=float("inf"))
        task, t = divmod(int(diff.amax(dim=2).argmax()), diff.shape[1])
        max_abs = float(diff.max())
        results.append(DtypeAgreement(
            dtype=_name(dtype), max_abs=max_abs, max_rel=max_abs / scale, tolerance=float(limits[dtype]),
            task=task, prefix=t + 1, layer=tuple(pred[task, t].tolist()), gd=tuple(oracle[task, t].tolist())))
    return Agreement(construction, tuple(results))


def assert_equals_gd(construction: Construction, x: Tensor | None = None, y: Tensor | None = None, *,
                     seed: int | None = None, law: TaskLaw | None = None, batch: int = 4,
                     dtypes: Sequence[torch.dtype] = (torch.float64, torch.float32),
                     tolerances: dict[torch.dtype, float] | None = None) -> dict[str, float]:
    """Assert that the construction's layer predicts what GD predicts (arguments as :func:`compare_with_gd`).

    Returns the relative error by dtype; raises :class:`AssertionError` with a message naming the construction,
    the dtype, the error and the worst prefix when some dtype exceeds its tolerance. No ``@given`` inside: call
    it from your own Hypothesis test, which then shrinks a failure as usual.
    """
    agreement = compare_with_gd(construction, x, y, seed=seed, law=law, batch=batch, dtypes=dtypes,
                                tolerances=tolerances)
    if not agreement.ok:
        raise AssertionError(agreement.message())
    return agreement.errors


def _data(c: Construction, x: Tensor | None, y: Tensor | None, seed: int | None, law: TaskLaw | None,
          batch: int) -> tuple[Tensor, Tensor]:
    """The tasks as float64 (B, N+1, f) and (B, N, m): the given ones, or ``batch`` drawn with ``seed``."""
    if (x is None) != (y is None):
        raise BadInput("give both x and y, or neither (and a seed)")
    if (x is None) == (seed is None):
        raise BadInput("give either the data x, y or a seed to draw them, not both or neither")
    if x is None or y is None:
        law = law or TaskLaw()
        if law.classes is not None and law.classes != c.m:
            raise BadInput(f"the law has {law.classes} classes but the construction has m = {c.m} outputs")
        tasks = sample_tasks(law, require_count("batch", batch), c.N, c.f, c.m, seed=require_seed(seed),
                             dtype=torch.float32)
        x, y = tasks.x, tasks.y
    if not (isinstance(x, Tensor) and isinstance(y, Tensor)):
        raise BadInput(f"x and y must be torch tensors, got {type(x).__name__} and {type(y).__name__}")
    if x.dim() == 2 and y.dim() == 2:
        x, y = x.unsqueeze(0), y.unsqueeze(0)
    want_x, want_y = (c.N + 1, c.f), (c.N, c.m)
    if x.dim() != 3 or y.dim() != 3 or tuple(x.shape[1:]) != want_x or tuple(y.shape[1:]) != want_y \
            or x.shape[0] != y.shape[0]:
        raise ShapeError(f"construction {c.name!r} at f={c.f}, m={c.m}, N={c.N} needs x (B, {c.N + 1}, {c.f}) and "
                       f"y (B, {c.N}, {c.m}), got {tuple(x.shape)} and {tuple(y.shape)}")
    return x.to(torch.float64), y.to(torch.float64)


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _short(values: Sequence[float]) -> str:
    shown = ", ".join(f"{v:.6g}" for v in values[:4])
    return f"[{shown}{', ...' if len(values) > 4 else ''}]"


__all__ = ["Agreement", "DtypeAgreement", "assert_equals_gd", "compare_with_gd"]
