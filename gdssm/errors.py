"""Error conventions, one module used by every package.

* :class:`UserError` -- bad input (dimensions, step sizes, files, a missing TeX engine). The command line
  prints ``gdssm: error: <message>`` on one line to stderr and exits with :data:`EXIT_USAGE` (2).
* :class:`VerificationFailure` -- a check found a false claim. The command line prints the
  counterexample and exits with :data:`EXIT_FAILED` (1).
* Anything else is an internal failure: exit :data:`EXIT_FAILED` (1), traceback only under ``--debug``.
"""

from __future__ import annotations

import math
from typing import Any

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class UserError(Exception):
    """Bad input from the user; the message is one line that names the problem."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class VerificationFailure(Exception):
    """A verifier refuted a claim; ``counterexample`` says where (dims, data, both sides)."""

    def __init__(self, message: str, counterexample: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.counterexample = counterexample or {}


def require_dim(name: str, value: int) -> int:
    """Return ``value`` if it is an integer >= 1, else raise :class:`UserError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(f"dimension {name} must be an integer >= 1, got {value!r}")
    return value


def require_steps(value: int) -> int:
    """Return ``value`` if it is an integer k >= 0 (number of GD steps), else raise :class:`UserError`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise UserError(f"number of steps k must be an integer >= 0, got {value!r}")
    return value


def require_finite(name: str, value: float) -> float:
    """Return ``value`` if it is a finite real number, else raise :class:`UserError`."""
    try:
        as_float = float(value)
    except (TypeError, ValueError):
        raise UserError(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(as_float):
        raise UserError(f"{name} must be finite, got {value!r}")
    return value
