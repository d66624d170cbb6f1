"""How many CPU threads torch uses inside a block of work, chosen for the problem size, not left at the default.

Measured on the 2-core development machine (``python -m benchmarks``, row ``threads``):

* small tensors (a property run's examples, the training of a 10-dimensional layer, any call whose work per
  torch operation is below :data:`SMALL_WORK` flops) run fastest on one thread: waking the intra-op pool costs
  as much as the work it would share, and a sequence of many such calls pays it every time;
* large batched products (the statistics path at B = 256, N = 8192, f = 64) gain from more threads only when
  the cores are idle; with other processes on the machine, 2 threads ran 4.5-13x *slower* than 1 (a parallel
  region waits for its slowest thread, which waits for a scheduler slice). :func:`idle_cores` therefore counts
  the cores the load average leaves free.

:func:`choose_threads` applies that rule ("auto") or takes a number; :func:`torch_threads` runs a block with a
thread count; :func:`requested` lets a caller (the ``--threads`` option of ``gdssm check``, ``gdssm train`` and
``python -m benchmarks``) override the count every :func:`torch_threads` block below it would choose.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import torch

from gdssm.core.errors import BadInput

SMALL_WORK = 5e5
"""Flops per torch operation below which a second thread gains nothing (measured, best of 30, float64
(B, 16, 64) x (B, 64, 64) products: B = 1, 1.3e5 flops: 4.0 us on 1 thread, 3.9 us on 2; B = 4, 5.2e5 flops:
13.4 vs 8.0 us; B = 64: 215 vs 110 us)."""

_REQUESTED: ContextVar[int | None] = ContextVar("gdssm_torch_threads", default=None)


def available_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def idle_cores() -> int:
    """Cores the 1-minute load average leaves free (at least 1): available_cores - round(load)."""
    try:
        load = os.getloadavg()[0]
    except OSError:  # no load average on this system
        return available_cores()
    return max(1, available_cores() - round(load))


def parse_threads(value: int | str | None) -> int | None:
    """A thread setting: None or ``auto`` (choose), or an integer >= 1."""
    if value is None or (isinstance(value, str) and value.strip() == "auto"):
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise BadInput(f"threads must be 'auto' or an integer >= 1, got {value!r}") from None
    if isinstance(value, bool) or number < 1 or (isinstance(value, float) and value != number):
        raise BadInput(f"threads must be 'auto' or an integer >= 1, got {value!r}")
    return number


def choose_threads(work: float | None = None, setting: int | str | None = "auto") -> int:
    """The thread count for operations of about ``work`` flops each: ``setting`` when it is a number, else
    1 below :data:`SMALL_WORK` and :func:`idle_cores` above it (also when ``work`` is not known)."""
    fixed = parse_threads(setting)
    if fixed is not None:
        return fixed
    if work is not None and work < SMALL_WORK:
        return 1
    return idle_cores()


@contextmanager
def requested(setting: int | str | None) -> Iterator[None]:
    """Within the block, every :func:`torch_threads` uses ``setting`` (a number) instead of its own count;
    ``None`` or ``auto`` leaves each block's own choice. The torch setting is applied for the block as well."""
    fixed = parse_threads(setting)
    token = _REQUESTED.set(fixed)
    before = torch.get_num_threads()
    if fixed is not None:
        torch.set_num_threads(fixed)
    try:
        yield
    finally:
        _REQUESTED.reset(token)
        torch.set_num_threads(before)


def current_request() -> int | None:
    """The count set by an enclosing :func:`requested` block, or None."""
    return _REQUESTED.get()


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)`` (or the count of an enclosing :func:`requested`);
    the previous setting is restored afterwards."""
    override = _REQUESTED.get()
    before = torch.get_num_threads()
    torch.set_num_threads(override if override is not None else n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
