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
        value = int(text.strip(), 10) if len(text) <= 100 else None
    except (ValueError, AttributeError):
        value = None
    if value is None:
        raise BadInput(f"{name} must be an integer >= {least}, got {text[:40]!r}")
    if value < least:
        raise DomainError(f"{name} must be an integer >= {least}, got {text.strip()!r}")
    return value


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
    if not str(path).strip():
        raise BadInput("the output path is empty; name a file")
    if target.is_dir():
        raise BadInput(f"cannot write {target}: it is a folder; name a file")
    folder = _existing_ancestor(target.parent)
    _probe(folder, f"cannot write {target}")
    return target


def require_writable_folder(path: str | os.PathLike[str]) -> Path:
    """An output folder: an existing writable folder, or one that can be created (not an existing file)."""
    target = Path(path)
    if not str(path).strip():
        raise BadInput("the output folder is empty; name a folder")
    if target.exists() and not target.is_dir():
        raise BadInput(f"cannot write into {target}: it is a file, not a folder")
    folder = _existing_ancestor(target)
    _probe(folder, f"cannot write into {target}")
    return target


def _probe(folder: Path, what: str) -> None:
    """``folder`` accepts a new file: a permission check, then a real probe (a root user passes every permission
    check, and a read-only file system is seen only by trying). The probe file is removed at once."""
    import tempfile

    if not os.access(folder, os.W_OK | os.X_OK):
        raise BadInput(f"{what}: folder {folder} is not writable")
    try:
        fd, name = tempfile.mkstemp(prefix=".gdssm-probe-", dir=folder)
    except OSError as err:
        raise BadInput(f"{what}: folder {folder} is not writable ({err.strerror or type(err).__name__})") from None
    os.close(fd)
    os.unlink(name)


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
