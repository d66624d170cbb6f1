"""Route 2: the layer equals GD exactly, at concrete dimensions (DESIGN §2, feasibility §2).

The identity checked is that of a :class:`~proofs.rings.ProgramPair`: for a construction, the layer's
yhat_t against per-sample GD's W_k^{(t)} x_{t+1} at *every* prefix t = 1..N and every output row, both
computed by the very programs of :mod:`symbolic` (only the ring changes). Two methods:

* ``mpoly`` -- a proof for these sizes. Every data entry and every parameter symbol (eta, ...) is a
  generator of QQ[...] (python-flint ``fmpq_mpoly``, canonical sparse polynomials), so equal elements are
  equal polynomials. Flint *aborts the process* when memory runs out, so the check runs in a forked child
  under ``RLIMIT_AS`` (the child's address space at the fork plus ``memory_bytes``) and a timeout; the
  child answers in JSON through a pipe, and a child that dies of memory is a clean ``exceeded`` result.
* ``random`` -- Schwartz-Zippel. Both programs run at independent uniform random points modulo the primes
  p_1 = 2^61 - 1 and p_2 = 2^62 - 57 (``flint.nmod``), and once over QQ (``Fraction``) at integers drawn
  from S = [0, 2^64). A nonzero residual polynomial of total degree d vanishes at such a point with
  probability <= d/|S| (over QQ: unconditionally; mod p: if p does not divide its content). The degree d is
  bounded by running both programs in :class:`~proofs.rings.Degree` (deg(a+b) <= max, deg(ab) <= sum).
  For GD and the k-step layer with numeric lambda this gives the analytic bound: W_k has degree <= 2k in
  the data and <= k in eta (each step multiplies by (rho_j I - alpha_j x x^T) and adds alpha_j y x^T), so
  the prediction W_k x_q has degree <= (2k + 1) + k = 3k + 1.

``auto`` tries ``mpoly`` and falls back to ``random`` past the memory cap or the timeout. A mismatch
gives a counterexample: dims, the first differing (t, row), a point with small integer entries where the
two sides differ, both values there (and for ``mpoly`` the residual's leading terms).
"""

from __future__ import annotations

import faulthandler
import json
import multiprocessing
import os
import random
import resource
import secrets
import signal
import time
import traceback
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from fractions import Fraction
from multiprocessing.connection import Connection
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.proofs.rings import (
    Degree,
    ProgramPair,
    Ring,
    degree_ring,
    fraction_ring,
    modp_ring,
    mpoly_ring,
    program_pair,
)
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.dense import Mat
from gdssm.symbolic.reference import ReferenceTwoStep

MODES = ("auto", "mpoly", "random")
DEFAULT_MEMORY = 4 << 30
PRIMES = ((1 << 61) - 1, (1 << 62) - 57)
RATIONAL_RANGE = 1 << 64
SMALL_VALUES = range(-3, 4)
RUN_SEED: ContextVar[int | None] = ContextVar("gdssm_exact_run_seed", default=None)
"""The seed of the running command (``gdssm verify`` sets it: ``--seed``, else one drawn from the OS and printed).
When set it replaces the seed a caller passes, so one number reproduces every random evaluation of the run."""
_EXIT_MEMORY = 3
_MEMORY_SIGNALS = (signal.SIGABRT, signal.SIGSEGV, signal.SIGBUS, signal.SIGKILL)
_LEADING_TERMS = 4


@dataclass(frozen=True)
class ExactResult:
    """The outcome of route 2 on one identity.

    ``status``: ``proved`` (mpoly: equal polynomials), ``passed`` (random: equal at every point),
    ``refuted`` (with ``counterexample``), ``exceeded`` (the memory cap), ``timeout``.
    ``terms``: monomials of the rhs (GD) at the last prefix summed over outputs; ``total_terms``: over all
    prefixes. ``trial_bounds``: (trial, d/|S|); ``bound``: the unconditional false-pass bound (the QQ trial);
    ``combined_bound``: the product over all trials (the modular factors assume p does not divide the
    residual's content).
    """

    claim: str
    dims: dict[str, int]
    method: str
    status: str
    seconds: float
    terms: int | None = None
    total_terms: int | None = None
    degree: int | None = None
    trial_bounds: tuple[tuple[str, float], ...] = ()
    bound: float | None = None
    combined_bound: float | None = None
    counterexample: dict[str, Any] | None = None
    notes: tuple[str, ...] = field(default=())
    seed: int | None = None
    """The seed of the random points (``random``; drawn from the OS when none was given): it reproduces them."""

    @property
    def ok(self) -> bool:
        """Whether the identity holds (proved, or passed every random trial)."""
        return self.status in ("proved", "passed")


@dataclass(frozen=True)
class Capped:
    """What a capped child returned: ``status`` ok / exceeded / timeout / error, its JSON ``payload``."""

    status: str
    payload: dict[str, Any] | None
    seconds: float
    detail: str = ""


def run_capped(job: Callable[[], dict[str, Any]], memory_bytes: int = DEFAULT_MEMORY,
               timeout: float = 60.0) -> Capped:
    """Run ``job`` in a forked child with at most ``memory_bytes`` more address space and ``timeout`` seconds.

    The child's JSON-serialisable answer comes back through a pipe. A child killed by a signal that memory
    exhaustion raises (flint's abort, a segfault, the OOM killer) or by a MemoryError is ``exceeded``; one
    that does not answer in time is killed and ``timeout``. A :class:`BadInput` in the child is re-raised.
    The cap is ``RLIMIT_AS`` = the address space at the fork + ``memory_bytes``: heap the parent had freed
    but still maps is reused by the child uncounted, so the true ceiling can exceed the cap by that much.
    """
    ctx = multiprocessing.get_context("fork")
    reader, writer = ctx.Pipe(duplex=False)
    child = ctx.Process(target=_child, args=(job, writer, memory_bytes), daemon=True)
    start = time.perf_counter()
    child.start()
    writer.close()
    try:
        answered = reader.poll(timeout)
        message = _receive(reader) if answered else None
    finally:
        reader.close()
    seconds = time.perf_counter() - start
    if not answered:
        child.kill()
        child.join()
        return Capped("timeout", None, seconds, f"no answer within {timeout:g} s")
    child.join()
    if message is None:
        code = child.exitcode
        if code == _EXIT_MEMORY or (code is not None and -code in _MEMORY_SIGNALS):
            return Capped("exceeded", None, seconds, f"exceeded the memory cap of {memory_bytes / 2**20:.4g} MiB "
                                                      f"(child exit code {code})")
        return Capped("error", None, seconds, f"child died with exit code {code}")
    if message["status"] == "user-error":
        raise BadInput(message["detail"])
    if message["status"] == "error":
        return Capped("error", None, seconds, message["detail"])
    return Capped("ok", message["result"], seconds)


def _receive(reader: Connection) -> dict[str, Any] | None:
    try:
        answer: dict[str, Any] = json.loads(reader.recv_bytes())
    except EOFError:
        return None
    return answer


def _child(job: Callable[[], dict[str, Any]], writer: Connection, memory_bytes: int) -> None:
    faulthandler.disable()  # an abort past the cap is an expected outcome, not a crash to trace
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = _address_space() + memory_bytes
    resource.setrlimit(resource.RLIMIT_AS, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    try:
        message = json.dumps({"status": "ok", "result": job()})
    except MemoryError:
        os._exit(_EXIT_MEMORY)
    except BadInput as exc:
        message = json.dumps({"status": "user-error", "detail": str(exc)})
    except Exception:
        message = json.dumps({"status": "error", "detail": traceback.format_exc()})
    writer.send_bytes(message.encode())
    writer.close()
    os._exit(0)


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux /proc), or 0 where unknown."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def check_exact(target: Construction | ReferenceTwoStep | ProgramPair, mode: str = "auto", *,
                memory_bytes: int = DEFAULT_MEMORY, timeout: float = 60.0, seed: int | None = None) -> ExactResult:
    """Route 2 on the identity ``target`` claims (module docstring): ``mode`` auto, mpoly or random.

    ``seed`` fixes the random points (None: a fresh seed drawn from the OS, recorded in the result's ``seed``
    and notes, so that the run can be reproduced); ``memory_bytes`` and ``timeout`` cap mpoly.
    """
    if mode not in MODES:
        raise BadInput(f"unknown mode {mode!r} of the exact check; choose one of {', '.join(MODES)}")
    pair = program_pair(target)
    if mode == "random":
        return check_random(pair, seed)
    result = check_mpoly(pair, memory_bytes, timeout)
    if mode == "mpoly" or result.status not in ("exceeded", "timeout"):
        return result
    fallback = check_random(pair, seed)
    note = f"mpoly: {result.notes[0]} after {result.seconds:.3g} s; fell back to random evaluation"
    return replace(fallback, notes=(note, *fallback.notes))


def check_mpoly(pair: ProgramPair, memory_bytes: int = DEFAULT_MEMORY, timeout: float = 60.0) -> ExactResult:
    """Both sides as canonical polynomials in QQ[data, parameters], compared output by output, in a capped child."""
    outcome = run_capped(lambda: _mpoly_job(pair), memory_bytes, timeout)
    if outcome.status == "error":
        raise RuntimeError(f"the mpoly check of {pair.name} failed: {outcome.detail}")
    if outcome.payload is None:
        return ExactResult(pair.name, dict(pair.dims), "mpoly", outcome.status, outcome.seconds,
                           notes=(outcome.detail,))
    answer = outcome.payload
    counterexample = None
    if answer["difference"] is not None:
        where = (answer["difference"]["t"], answer["difference"]["row"])
        counterexample = {**answer["difference"], **(small_counterexample(pair, where) or {})}
    return ExactResult(pair.name, dict(pair.dims), "mpoly", "refuted" if counterexample else "proved",
                       answer["seconds"], terms=answer["terms"], total_terms=answer["total_terms"],
                       degree=answer["degree"], counterexample=counterexample)


def _mpoly_job(pair: ProgramPair) -> dict[str, Any]:
    start = time.perf_counter()
    outputs = _outputs(pair, *pair.evaluate(mpoly_ring(pair.symbols)))
    names = [str(s) for s in pair.symbols]
    differences = [{"t": t, "row": row, "residual_leading_terms": _leading(a - b, names)}
                   for t, row, a, b in outputs if a != b]
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "difference": differences[0] if differences else None,
            "terms": sum(len(b) for t, _, _, b in outputs if t == pair.positions[-1]),
            "total_terms": sum(len(b) for *_, b in outputs),
            "degree": int(max(max(a.total_degree(), b.total_degree()) for *_, a, b in outputs))}


def _outputs(pair: ProgramPair, lhs: list[Mat], rhs: list[Mat]) -> list[tuple[int, int, Any, Any]]:
    """(t, row, lhs entry, rhs entry) for every prefix and output row."""
    if len(lhs) != len(pair.positions) or len(rhs) != len(pair.positions):
        raise ValueError(f"{pair.name}: expected {len(pair.positions)} outputs, got {len(lhs)} and {len(rhs)}")
    return [(t, row, a[0], b[0]) for t, l_t, r_t in zip(pair.positions, lhs, rhs, strict=True)
            for row, (a, b) in enumerate(zip(l_t, r_t, strict=True))]


def _leading(poly: Any, names: list[str]) -> list[str]:
    """The first terms of an fmpq_mpoly (degrevlex order, highest first) as text."""
    shown = []
    for exps, coeff in poly.terms():
        monomial = "*".join(n if e == 1 else f"{n}^{e}" for n, e in zip(names, exps, strict=True) if e)
        shown.append(f"{coeff}*{monomial}" if monomial else str(coeff))
        if len(shown) == _LEADING_TERMS:
            break
    return shown


def degree_bound(pair: ProgramPair) -> int:
    """An upper bound on the total degree of lhs - rhs in data and parameters (programs run in Degree)."""
    outputs = _outputs(pair, *pair.evaluate(degree_ring(pair.symbols)))
    degrees = [Degree.of(a + b).value for *_, a, b in outputs]
    return max((d for d in degrees if d is not None), default=0)


def check_random(pair: ProgramPair, seed: int | None = None) -> ExactResult:
    """Schwartz-Zippel: one random point modulo each prime of :data:`PRIMES`, one over QQ (module docstring)."""
    seed = RUN_SEED.get() if RUN_SEED.get() is not None else seed  # the command's seed, if it set one
    seed = seed if seed is not None else secrets.randbits(64)  # fresh points from the OS, recorded below
    rng = random.Random(seed)
    start = time.perf_counter()
    degree = degree_bound(pair)
    trials: list[tuple[str, float, Ring]] = [
        (f"mod {p}", degree / p, modp_ring(p, _point(pair, rng, p))) for p in PRIMES
    ]
    trials.append((f"QQ at integers in [0, 2^{RATIONAL_RANGE.bit_length() - 1})", degree / RATIONAL_RANGE,
                   fraction_ring(_point(pair, rng, RATIONAL_RANGE))))
    failures = [(name, ring, t, row, a, b) for name, _, ring in trials
                for t, row, a, b in _outputs(pair, *pair.evaluate(ring)) if a != b]
    counterexample = None
    if failures:
        name, ring, t, row, a, b = failures[0]
        counterexample = {"trial": name, **(small_counterexample(pair, (t, row)) or {
            "dims": dict(pair.dims), "t": t, "row": row, "point": {str(s): str(v) for s, v in ring.values.items()},
            "sides": list(pair.labels), "lhs": str(a), "rhs": str(b)})}
    combined = 1.0
    for _, bound, _ in trials:
        combined *= bound
    return ExactResult(
        claim=pair.name, dims=dict(pair.dims), method="random", status="refuted" if failures else "passed",
        seconds=time.perf_counter() - start, degree=degree,
        trial_bounds=tuple((name, bound) for name, bound, _ in trials), bound=trials[-1][1],
        combined_bound=combined, counterexample=counterexample, seed=seed,
        notes=(f"random points from seed {seed}",),
    )


def _point(pair: ProgramPair, rng: random.Random, size: int) -> dict[sp.Symbol, int]:
    return {s: rng.randrange(size) for s in pair.symbols}


def small_counterexample(pair: ProgramPair, at: tuple[int, int] | None = None, tries: int = 200,
                         seed: int = 0) -> dict[str, Any] | None:
    """A point with entries in :data:`SMALL_VALUES` where the sides differ (at output ``at`` = (t, row) if
    given): dims, (t, row), the point, both values there. None if ``tries`` points find none."""
    rng = random.Random(seed)
    for _ in range(tries):
        values = {s: Fraction(rng.choice(SMALL_VALUES)) for s in pair.symbols}
        for t, row, a, b in _outputs(pair, *pair.evaluate(fraction_ring(values))):
            if a != b and at in (None, (t, row)):
                point = {str(s): str(v) for s, v in values.items()}
                return {"dims": dict(pair.dims), "t": t, "row": row, "point": point, "sides": list(pair.labels),
                        "lhs": str(a), "rhs": str(b)}
    return None
