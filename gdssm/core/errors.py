"""The library's exceptions: what went wrong, never how a program should exit.

* :class:`GdssmError` -- the base of every exception gdssm raises on purpose.
* :class:`BadInput` -- an argument, a file or a setting that cannot be used (also a :class:`ValueError`).
  * :class:`ShapeError` -- dimensions that do not fit together (a matrix of the wrong size, a wrong token count).
  * :class:`DomainError` -- a value outside the set it must lie in (a negative step size, a seed < 0).
* :class:`Refuted` -- a verifier refuted a claim; ``counterexample`` says where (dims, data, both sides).

Only :mod:`gdssm.cli` turns these into exit codes and one-line messages (bad input 2, refuted 1, Ctrl-C 130);
a library user catches them like any Python exception (``except ValueError`` catches every :class:`BadInput`).
"""

from __future__ import annotations

from typing import Any


class GdssmError(Exception):
    """Base class of gdssm's exceptions."""


class BadInput(GdssmError, ValueError):
    """Input that cannot be used; the message is one line that names the problem."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


class ShapeError(BadInput):
    """Dimensions that do not fit together."""


class DomainError(BadInput):
    """A value outside the set it must lie in."""


class Refuted(GdssmError):
    """A verifier refuted a claim; ``counterexample`` says where (dims, data, both sides)."""

    def __init__(self, message: str, counterexample: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.counterexample = counterexample or {}
