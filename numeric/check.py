"""Route 3 of DESIGN §2: the torch layer with derived weights against real GD, as a Hypothesis property.

One example draws a task law, a seed, a batch size and (unless one is fixed) a construction: name,
f, m, N, k, eta, lambda, weight decay, per-step etas, W_0, layout (:mod:`numeric.strategies`). It samples
tasks (:mod:`numeric.samplers`), runs the GD oracle (:mod:`numeric.oracle`, float64, autograd) and the
lowered :class:`numeric.layer.GDSSMLayer` in every requested dtype, and compares the predictions at every
prefix t = 1..N of every task. The data are drawn rounded to float32, so every dtype (and the oracle) sees
the very same numbers and the errors measure arithmetic alone.

A drawn construction is drawn as its :class:`~gdssm.symbolic.constructions.Derivation` (the description and the
values it is bound to) and lowered straight to tensors by :func:`numeric.lowering.lower_derivation`: the same
description evaluated on exact rationals instead of SymPy matrices, giving the same tensors bit for bit
(tests/numeric/test_lowering.py); the layer is the one :meth:`GDSSMLayer.from_construction` would build.

Error measure, per example: relative error = max |layer - oracle| / max(max |oracle|, TINY), both maxima
over the example's 4..8 tasks, its prefixes and outputs. Tolerances: float64 1e-10, float32 1e-4. A failure
is shrunk by Hypothesis (unless ``shrink=False``) and raised as :class:`gdssm.core.errors.Refuted`
carrying the counterexample: dims, construction, GD constants, law, seed, errors, both predictions.

:func:`check_loaded` runs the same check on the tensors of a weights file (:mod:`numeric.formats`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import torch
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric import strategies
from gdssm.numeric.formats.load import LoadedWeights, as_construction
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.lowering import lower_derivation
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.numeric.threads import choose_threads, torch_threads
from gdssm.symbolic.constructions import Construction, Derivation

TOLERANCES = {torch.float64: 1e-10, torch.float32: 1e-4}
"""Largest relative error (module docstring) accepted per dtype."""
TINY = 1e-300
"""Floor of the error's denominator (a task whose predictions are all 0)."""
MIN_BATCH = 4
"""Tasks per example at least: the error's denominator is the largest |prediction| of the batch, so one
task whose prediction cancels to nearly 0 (e.g. N = 1, yhat = alpha y_1 x_1^T x_2) cannot dominate it."""
SHOWN_PREFIXES = 8
"""Prefixes of the worst task shown in a counterexample."""
THREADS = 1
"""Torch threads of a property run unless told otherwise: its examples are many short sequences of small tensor
operations, which ran fastest on one thread (measured on 2 cores: 2 threads were slower, 4.5-13x under load)."""

Progress = Callable[[int, int], None]


@dataclass
class DtypeStats:
    """Examples checked in one dtype and the largest errors seen."""

    examples: int = 0
    max_abs: float = 0.0
    max_rel: float = 0.0


@dataclass
class CheckReport:
    """What a property run checked: examples, errors by dtype, constructions seen, wall time."""

    examples: int
    seed: int
    tolerances: dict[str, float]
    stats: dict[str, DtypeStats]
    constructions: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready summary."""
        return {"examples": self.examples, "seed": self.seed, "tolerances": self.tolerances,
                "stats": {name: asdict(s) for name, s in self.stats.items()},
                "constructions": self.constructions, "seconds": self.seconds}


@dataclass(frozen=True)
class Case:
    """One drawn example: a construction given to the run, or one drawn as a :class:`Derivation` (lowered straight
    to tensors by :func:`numeric.lowering.lower_derivation`, the same tensors as lowering its construction)."""

    drawn: Construction | Derivation
    law: TaskLaw
    seed: int
    batch: int

    @property
    def construction(self) -> Construction:
        """The construction checked (a drawn derivation instantiated by SymPy: only a report needs its matrices)."""
        return self.drawn if isinstance(self.drawn, Construction) else self.drawn.construction()


class _Mismatch(AssertionError):
    """An example where the layer and GD disagree beyond tolerance (carries the counterexample)."""

    def __init__(self, message: str, counterexample: dict[str, Any]) -> None:
        super().__init__(message)
        self.counterexample = counterexample


@st.composite
def cases(draw: Any, construction: Construction | None = None, max_f: int = 16, max_m: int = 4,
          max_N: int = 64, max_k: int = 8, names: tuple[str, ...] = ("one-step", "k-step")) -> Case:
    """A law, a seed, a batch of 4..8 tasks, and a construction (``construction`` if given)."""
    drawn: Construction | Derivation
    if construction is None:
        law = draw(strategies.input_laws(m=None))
        drawn = draw(strategies.derivations(law=law, max_f=max_f, max_m=max_m, max_N=max_N, max_k=max_k, names=names))
    else:
        law, drawn = draw(strategies.input_laws(m=construction.layout.m)), construction
    return Case(drawn, law, draw(strategies.seeds()), draw(st.integers(MIN_BATCH, 2 * MIN_BATCH)))


def run_check(examples: int, seed: int, construction: Construction | None = None,
              dtypes: Sequence[torch.dtype] = (torch.float64, torch.float32), progress: Progress | None = None,
              *, max_f: int = 16, max_m: int = 4, max_N: int = 64, max_k: int = 8,
              names: tuple[str, ...] = ("one-step", "k-step"), shrink: bool = True,
              threads: int | str | None = None) -> CheckReport:
    """Check ``examples`` drawn examples (of ``construction`` only, if given) with Hypothesis seeded by ``seed``.

    ``threads``: torch threads for the run, a number or ``auto`` (:func:`numeric.threads.choose_threads`);
    default :data:`THREADS`. An enclosing :func:`numeric.threads.requested` (the ``--threads`` option) wins.

    Raises :class:`Refuted` with the counterexample (shrunk by Hypothesis unless ``shrink`` is
    False) when some example exceeds its tolerance; ``progress(done, examples)`` is called after every example.
    """
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise BadInput(f"number of examples must be an integer >= 1, got {examples!r}")
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise BadInput(f"seed must be an integer, got {seed!r}")
    unknown = [d for d in dtypes if d not in TOLERANCES]
    if unknown or not dtypes:
        raise BadInput(f"dtypes must be float64 and/or float32, got {list(dtypes)}")
    report = CheckReport(examples=0, seed=seed, tolerances={_name(d): TOLERANCES[d] for d in dtypes},
                         stats={_name(d): DtypeStats() for d in dtypes})
    strategy = cases(construction, max_f=max_f, max_m=max_m, max_N=max_N, max_k=max_k, names=names)
    layers = _LayerCache()
    if construction is not None:
        for dtype in dtypes:
            layers.get(construction, dtype)  # lower once, up front: a symbolic eta is a BadInput, not a failure
    start = time.perf_counter()
    phases = tuple(Phase) if shrink else (Phase.generate,)

    @settings(max_examples=examples, deadline=None, database=None, derandomize=False, report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck), phases=phases)
    @hypothesis_seed(seed)
    @given(strategy)
    def prop(case: Case) -> None:
        check_case(case, dtypes, report, layers)
        report.examples += 1
        if progress is not None:
            progress(min(report.examples, examples), examples)

    try:
        with torch_threads(THREADS if threads is None else choose_threads(None, threads)):
            prop()
    except _Mismatch as failure:
        raise Refuted(str(failure), failure.counterexample) from None
    report.seconds = time.perf_counter() - start
    return report


def check_construction(construction: Construction, examples: int = 20, seed: int = 0,
                       dtypes: Sequence[torch.dtype] = (torch.float64, torch.float32),
                       progress: Progress | None = None, *, shrink: bool = True) -> CheckReport:
    """:func:`run_check` for one fixed construction (random laws, seeds, batches)."""
    return run_check(examples, seed, construction, dtypes, progress, shrink=shrink)


def check_loaded(loaded: LoadedWeights, examples: int, seed: int, progress: Progress | None = None) -> CheckReport:
    """The property check (:func:`check_construction`) of a loaded weights file against autograd GD, in the file's
    dtype, at the file's dims. It runs on :func:`numeric.formats.as_construction`, whose lowering is first
    confirmed to be the loaded layer bit for bit, so the file's own tensors are what is checked."""
    checked = as_construction(loaded)  # the file's floats as exact rationals
    lowered = GDSSMLayer.from_construction(checked, dtype=loaded.dtype).state_dict()  # lowering(exact(T)) == T
    for name, value in loaded.layer.state_dict().items():
        if not torch.equal(lowered[name], value):
            raise RuntimeError(f"re-lowering the loaded tensor {name!r} changed it; the check would not test the file")
    return check_construction(checked, examples, seed, dtypes=(loaded.dtype,), progress=progress)


class _LayerCache:
    """The lowered layers (one per dtype) of the construction or derivation seen last: it is lowered once, to float64,
    and the other dtypes are cast from it. The cast is bit for bit the direct lowering: lowering rounds each exact
    entry to a Python float (float64) first and then to the tensor's dtype, exactly what the cast does.

    A derivation is lowered by :func:`numeric.lowering.lower_derivation` (its description evaluated on exact
    rationals, no SymPy matrices: the tensors lowering its construction gives) into a layer of its shapes and dtype
    kept from an earlier example, every parameter and buffer overwritten (building a module costs more than the
    check of a small example; the layer's structure cache compares every value, so nothing of the earlier example
    is used)."""

    SHELLS = 256
    """Layers of distinct shapes kept at most."""

    def __init__(self) -> None:
        self._construction: Construction | Derivation | None = None
        self._layers: dict[torch.dtype, GDSSMLayer] = {}
        self._shells: dict[tuple[object, ...], GDSSMLayer] = {}
        self._values: dict[str, torch.Tensor] = {}

    def get(self, c: Construction | Derivation, dtype: torch.dtype) -> GDSSMLayer:
        if c is not self._construction:
            self._construction, self._layers = c, {}
            if isinstance(c, Derivation):
                self._values = lower_derivation(c, torch.float64)
        if dtype not in self._layers:
            if isinstance(c, Derivation):
                self._layers[dtype] = self._shell(self._values, dtype)
            else:
                if torch.float64 not in self._layers:
                    self._layers[torch.float64] = GDSSMLayer.from_construction(c, dtype=torch.float64)
                self._layers[dtype] = _cast(self._layers[torch.float64], dtype)
        return self._layers[dtype]

    def _shell(self, values: dict[str, torch.Tensor], dtype: torch.dtype) -> GDSSMLayer:
        """A layer of ``dtype`` holding ``values`` (float64 tensors by name, rounded to ``dtype`` once on copy)."""
        k = int(values["c"].shape[0])
        key = (dtype, tuple(values["E_x"].shape), tuple(values["E_y"].shape), k)
        layer = self._shells.get(key)
        if layer is None:
            if len(self._shells) >= self.SHELLS:
                self._shells.clear()
            layer = self._shells[key] = GDSSMLayer(values["E_x"], values["E_y"], k, dtype=dtype)
        with torch.no_grad():
            for name, param in layer.named_parameters():
                param.copy_(values[name])  # theta <- lowered theta
            layer.E_x.copy_(values["E_x"])
            layer.E_y.copy_(values["E_y"])
        return layer


def _cast(layer: GDSSMLayer, dtype: torch.dtype) -> GDSSMLayer:
    """The same layer with parameters and embeddings in ``dtype`` (``layer`` itself for its own dtype)."""
    if layer.Q.dtype == dtype:
        return layer
    out = GDSSMLayer(layer.E_x, layer.E_y, layer.k, dtype=dtype, device=layer.Q.device)
    with torch.no_grad():
        for (_, target), (_, source) in zip(out.named_parameters(), layer.named_parameters(), strict=True):
            target.copy_(source)  # rounds float64 -> dtype once, as the lowering does
    return out


def check_case(case: Case, dtypes: Sequence[torch.dtype], report: CheckReport, layers: _LayerCache) -> None:
    """Compare layer and oracle on one drawn example, record the errors, raise ``_Mismatch`` past tolerance."""
    c = case.drawn
    tasks = sample_tasks(case.law, case.batch, c.N, c.layout.f, c.layout.m, seed=case.seed, dtype=torch.float32)
    x, y = tasks.x.to(torch.float64), tasks.y.to(torch.float64)
    oracle = gd_predictions(c.gd, x, y)
    scale = max(float(oracle.abs().max()), TINY)
    report.constructions[c.name] = report.constructions.get(c.name, 0) + 1
    for dtype in dtypes:
        layer = layers.get(c, dtype)
        with torch.no_grad():
            pred = layer(x.to(dtype), y.to(dtype)).to(torch.float64)
        diff = (pred - oracle).abs()
        max_abs = float(diff.max())
        rel = max_abs / scale
        stats = report.stats[_name(dtype)]
        stats.examples += 1
        stats.max_abs, stats.max_rel = max(stats.max_abs, max_abs), max(stats.max_rel, rel)
        if not rel <= TOLERANCES[dtype]:
            raise _Mismatch(_message(case, dtype, rel, diff), _counterexample(case, dtype, rel, diff, pred, oracle))


def _name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")


def _worst(diff: torch.Tensor) -> tuple[int, int]:
    """(task, prefix index) of the largest error."""
    flat = int(torch.nan_to_num(diff, nan=float("inf")).amax(dim=2).argmax())
    return divmod(flat, diff.shape[1])


def _message(case: Case, dtype: torch.dtype, rel: float, diff: torch.Tensor) -> str:
    c = case.drawn
    _, t = _worst(diff)
    return (f"construction {c.name!r} (claims {', '.join(c.claims)}) disagrees with GD in {_name(dtype)}: "
            f"relative error {rel:.3g} > {TOLERANCES[dtype]:.0e} at f={c.layout.f}, m={c.layout.m}, N={c.N}, "
            f"k={c.steps}, layout {c.layout.name}, prefix t={t + 1}")


def _counterexample(case: Case, dtype: torch.dtype, rel: float, diff: torch.Tensor, pred: torch.Tensor,
                    oracle: torch.Tensor) -> dict[str, Any]:
    c, gd = case.drawn, case.drawn.gd
    task, t = _worst(diff)
    lo = max(0, min(t - SHOWN_PREFIXES // 2, c.N - SHOWN_PREFIXES))
    shown = slice(lo, lo + SHOWN_PREFIXES)
    return {
        "construction": c.name, "claims": list(c.claims), "layout": c.layout.name,
        "dims": {"f": c.layout.f, "m": c.layout.m, "N": c.N, "H": c.layout.H, "k": c.steps},
        "gd": {"etas": [str(e) for e in gd.etas], "lambda": str(gd.lam), "gamma": str(gd.gamma),
               "W0": None if gd.W0 is None else [[str(v) for v in row] for row in gd.W0.tolist()]},
        "law": asdict(case.law), "seed": case.seed, "batch": case.batch, "dtype": _name(dtype),
        "max_abs_error": float(diff.max()), "max_rel_error": rel, "tolerance": TOLERANCES[dtype],
        "worst": {"task": task, "prefix": t + 1},
        "prefixes": list(range(lo + 1, min(lo + SHOWN_PREFIXES, c.N) + 1)),
        "layer": pred[task, shown].tolist(), "oracle": oracle[task, shown].tolist(),
    }
