"""Atomic output: a file is written under a temporary name in its directory, then renamed.

A reader never sees a half-written file: either the old file (or none) or the complete new one. A folder
that cannot be created or written, an output path that is an existing folder, and a write that fails (disk
full, permission) are each a :class:`~gdssm.core.errors.BadInput` (one line, exit 2).

The module also keeps a record of what the running command has *in flight*: the temporary files being
written and the folders it created (:func:`make_folders`, and every missing parent an atomic write creates).
The command line uses it to clean up after a refusal or Ctrl-C (:func:`discard`): temporary files are
removed, folders this command created are removed (only empty ones after a refusal; with everything in them
after an interrupt, since all they hold is this command's partial output), earlier outputs are left alone.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from gdssm.core.errors import BadInput

ENVIRONMENT_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EROFS, errno.EISDIR,
                      errno.ENOTDIR, errno.ENOENT, errno.EFBIG, errno.ENAMETOOLONG, errno.EXDEV}
"""Errors of the user's file system (full, read-only, no permission, ...): a one-line BadInput, not a crash."""
_PENDING: set[Path] = set()
"""Temporary files being written now (removed when their write ends, or by :func:`discard`)."""
_CREATED: list[Path] = []
"""Folders created by the running command, outermost first."""
_STAGING: list[Path] = []
"""Staging folders of the running command (:func:`temporary_folder`): removed with their contents on any failure."""


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _reason(err: OSError) -> str:
    return err.strerror or type(err).__name__


def make_folders(folder: str | os.PathLike[str]) -> Path:
    """Create ``folder`` and its missing parents (recorded as this command's); a file in the way is a BadInput."""
    target = Path(folder)
    missing: list[Path] = []
    here = target
    while not here.exists() and here != here.parent:
        missing.append(here)
        here = here.parent
    if here.exists() and not here.is_dir():
        raise BadInput(f"cannot create folder {target}: {here} is a file")
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:
            if not path.is_dir():
                raise BadInput(f"cannot create folder {target}: {path} is a file") from None
            continue
        except OSError as err:
            raise BadInput(f"cannot create folder {path}: {_reason(err)}") from None
        _CREATED.append(path)
    return target


def temporary_folder(beside: str | os.PathLike[str], prefix: str) -> Path:
    """A new empty folder in ``beside`` (created if missing) for staging outputs; removed by :func:`discard`."""
    parent = make_folders(beside)
    try:
        path = Path(tempfile.mkdtemp(prefix=prefix, dir=parent))
    except OSError as err:
        raise BadInput(f"cannot write into {parent}: {_reason(err)}") from None
    _STAGING.append(path)
    return path


def forget_folder(path: Path) -> None:
    """``path`` is no longer this command's to clean up (a staging folder that was emptied and removed)."""
    for registry in (_CREATED, _STAGING):
        if path in registry:
            registry.remove(path)


@contextmanager
def tracking() -> Iterator[None]:
    """A command's record of temporaries and created folders: empty at the start, forgotten at the end."""
    _PENDING.clear()
    _CREATED.clear()
    _STAGING.clear()
    try:
        yield
    finally:
        _PENDING.clear()
        _CREATED.clear()
        _STAGING.clear()


def discard(*, everything: bool) -> None:
    """Remove the temporary files in flight, the staging folders, and the folders this command created (with
    their contents when ``everything``, else only those left empty), newest first. Never raises."""
    for tmp in list(_PENDING):
        try:
            tmp.unlink()
        except OSError:
            pass
        _PENDING.discard(tmp)
    for folder in reversed(list(_STAGING)):
        shutil.rmtree(folder, ignore_errors=True)
    _STAGING.clear()
    for folder in reversed(list(_CREATED)):
        try:
            if everything:
                shutil.rmtree(folder, ignore_errors=True)
            elif folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        except OSError:
            pass
    _CREATED.clear()


@contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path next to ``path``; on success rename it onto ``path``, on error delete it.

    The file gets the mode a plain ``open`` would give it (0o666 minus the umask), not ``mkstemp``'s 0o600.
    """
    target = Path(path)
    if target.is_dir():
        raise BadInput(f"cannot write {target}: it is a folder; name a file")
    make_folders(target.parent)
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as err:
        raise BadInput(f"cannot write {target}: {_reason(err)}") from None
    os.close(fd)
    tmp = Path(tmp_name)
    _PENDING.add(tmp)
    try:
        try:
            yield tmp
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, target)
        except OSError as err:
            if err.errno not in ENVIRONMENT_ERRORS:
                raise
            raise BadInput(f"cannot write {target}: {_reason(err)}") from None
    finally:
        _PENDING.discard(tmp)
        if tmp.exists():
            tmp.unlink()


@contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO]:
    """Open a temporary file for writing; it replaces ``path`` only if the block finishes without error."""
    if "b" in mode:
        encoding = None
    with atomic_path(path) as tmp, open(tmp, mode, encoding=encoding) as handle:
        yield handle


def write_text(path: str | os.PathLike[str], text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8, ``\\n`` line endings)."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as handle:
        handle.write(data)


def move_into(staging: Path, folder: Path) -> list[Path]:
    """Move every file of ``staging`` into ``folder`` (renames on one file system), then remove ``staging``."""
    moved = []
    for item in sorted(staging.iterdir()):
        destination = folder / item.name
        if destination.is_dir() and not item.is_dir():
            raise BadInput(f"cannot write {destination}: it is a folder; move it away")
        try:
            if item.is_dir():
                if destination.exists():
                    shutil.rmtree(destination)
                os.replace(item, destination)
            else:
                os.replace(item, destination)
        except OSError as err:
            raise BadInput(f"cannot write {destination}: {_reason(err)}") from None
        moved.append(destination)
    staging.rmdir()
    forget_folder(staging)
    return moved
