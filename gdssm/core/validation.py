"""One validation module: dimensions, step counts, seeds, counts, finite reals and output paths.

Each check returns the value it accepts and raises :class:`~gdssm.core.errors.DomainError` (or
:class:`~gdssm.core.errors.BadInput` for a wrong type) with one line naming the quantity. Command-line
parsers and library functions call the same checks, so the same option is validated the same way everywhere.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

from gdssm.core.errors import BadInput, DomainError


def require_int(name: str, value: object, least: int = 0) -> int:
    """``value`` if it is an integer >= ``least`` (a bool is not an integer)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadInput(f"{name} must be an integer >= {least}, got {value!r}")
    if value < least:
        raise DomainError(f"{name} must be an integer >= {least}, got {value!r}")
    return value


def require_dim(name: str, value: object) -> int:
    """A dimension: an integer >= 1."""
    return require_int(f"dimension {name}", value, 1)


def require_steps(value: object) -> int:
    """k, the number of GD steps: an integer >= 0."""
    return require_int("number of steps k", value, 0)


def require_seed(value: object) -> int:
    """A random seed: an integer >= 0."""
    return require_int("seed", value, 0)


def require_count(name: str, value: object) -> int:
    """A count of things to draw or run (examples, tasks, optimiser steps): an integer >= 1."""
    return require_int(name, value, 1)


def parse_int(name: str, text: str, least: int = 0) -> int:
    """An integer >= ``least`` written as decimal text (a command-line option)."""
    try:
        value = int(text.strip(), 10)
    except (ValueError, AttributeError):
        raise BadInput(f"{name} must be an integer >= {least}, got {text!r}") from None
    return require_int(name, value, least)


def require_finite(name: str, value: object) -> float:
    """``value`` as a finite real number."""
    try:
        as_float = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        raise BadInput(f"{name} must be a real number, got {value!r}") from None
    if not math.isfinite(as_float):
        raise DomainError(f"{name} must be finite, got {value!r}")
    return as_float


def require_writable_file(path: str | os.PathLike[str]) -> Path:
    """An output file path: not an existing folder, inside a folder that exists (or can be made) and is writable."""
    target = Path(path)
    if target.is_dir():
        raise BadInput(f"cannot write {target}: it is a folder; name a file")
    folder = _existing_ancestor(target.parent)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write {target}: folder {folder} is not writable")
    return target


def require_writable_folder(path: str | os.PathLike[str]) -> Path:
    """An output folder: an existing writable folder, or one that can be created (not an existing file)."""
    target = Path(path)
    if target.exists() and not target.is_dir():
        raise BadInput(f"cannot write into {target}: it is a file, not a folder")
    folder = _existing_ancestor(target)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"cannot write into {target}: folder {folder} is not writable")
    return target


def _existing_ancestor(folder: Path) -> Path:
    """The nearest folder on the way up from ``folder`` that exists (where a new folder would be created)."""
    here = folder if str(folder) else Path(".")
    while not here.exists():
        if here.parent == here:
            break
        here = here.parent
    if not here.is_dir():
        raise BadInput(f"cannot write under {folder}: {here} is a file, not a folder")
    return here
