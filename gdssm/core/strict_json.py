"""Strict JSON for files a user hands the toolkit: data, never code, refused in one line when malformed.

:func:`read_json_file` and :func:`loads_strict` accept RFC 8259 JSON and nothing more, within limits:

* the file is at most ``max_bytes`` (checked before it is read, so a 100 MB file is refused at once);
* UTF-8 text (a byte that is not is reported with its offset, not with Python's decoder message);
* no ``NaN``, ``Infinity`` or ``-Infinity`` (Python's ``json`` accepts them by default);
* no duplicate keys in an object (the last one would silently win);
* integers of at most :data:`MAX_INT_DIGITS` digits, finite floats only;
* nesting at most ``max_depth`` deep (deeper input is refused instead of exhausting the stack).

Every failure is a :class:`~gdssm.core.errors.BadInput` naming the file and the place. Parsing is
``json.loads`` with hooks: JSON text is never evaluated.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any

from gdssm.core.errors import BadInput

MAX_BYTES = 32 << 20
"""Default size limit of a JSON file (32 MiB)."""
MAX_DEPTH = 32
"""Default limit of nested arrays and objects."""
MAX_INT_DIGITS = 30
"""Longest integer literal accepted (dims and counts; exact numbers are strings)."""


class _Refused(Exception):
    """Raised from inside the decoder's hooks; turned into one BadInput line by :func:`loads_strict`."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _Refused(f"duplicate key {_short(key)!r}")
        out[key] = value
    return out


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a JSON number")


def _integer(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise _Refused(f"an integer with {digits} digits (at most {MAX_INT_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    if len(text) > 64:
        raise _Refused(f"a number literal of {len(text)} characters")
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"the number {_short(text)} does not fit a double")
    return value


def _short(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "..."


def _depth(doc: Any, limit: int) -> int:
    """The nesting depth of a decoded document (iterative: never recurses)."""
    deepest, stack = 0, [(doc, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict | list):
            deepest = max(deepest, level)
            if deepest > limit:
                return deepest
            stack.extend((child, level + 1) for child in (node.values() if isinstance(node, dict) else node))
    return deepest


def decode_utf8(data: bytes, source: str) -> str:
    """``data`` as UTF-8 text; a byte that is not UTF-8 is one line naming its offset."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise BadInput(f"{source} is not UTF-8 text (byte 0x{data[err.start]:02x} at offset {err.start})") from None
    return text.removeprefix("\ufeff")


def loads_strict(text: str | bytes, source: str, *, max_depth: int = MAX_DEPTH, max_bytes: int = MAX_BYTES) -> Any:
    """Strict JSON (module docstring) from text or bytes; ``source`` names it in messages."""
    size = len(text)
    if size > max_bytes:
        raise BadInput(f"{source} is {size / 2**20:.1f} MiB; at most {max_bytes / 2**20:.0f} MiB is read")
    if isinstance(text, bytes):
        text = decode_utf8(text, source)
    if "\x00" in text:
        raise BadInput(f"{source} holds a NUL character; it is not JSON text")
    try:
        doc = json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant, parse_int=_integer,
                         parse_float=_float)
    except _Refused as err:
        raise BadInput(f"{source} is not accepted JSON: {err}") from None
    except json.JSONDecodeError as err:
        raise BadInput(f"{source} is not valid JSON: {err.msg} at line {err.lineno} column {err.colno}") from None
    except RecursionError:
        raise BadInput(f"{source} nests arrays or objects deeper than {max_depth} levels") from None
    except ValueError as err:  # e.g. Python's limit on integer digits
        raise BadInput(f"{source} is not accepted JSON: {_short(str(err), 80)}") from None
    if _depth(doc, max_depth) > max_depth:
        raise BadInput(f"{source} nests arrays or objects deeper than {max_depth} levels")
    return doc


def read_json_file(path: str | os.PathLike[str], what: str, *, max_bytes: int = MAX_BYTES,
                   max_depth: int = MAX_DEPTH) -> Any:
    """The strict JSON document in the file ``path`` (``what`` names the kind of file in messages)."""
    target = Path(path)
    source = f"{what} {target}"
    try:
        if target.is_dir():
            raise BadInput(f"{source} is a folder, not a file")
        size = target.stat().st_size
        if size > max_bytes:
            raise BadInput(f"{source} is {size / 2**20:.1f} MiB; at most {max_bytes / 2**20:.0f} MiB is read")
        with open(target, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except FileNotFoundError:
        raise BadInput(f"{what} not found: {target}") from None
    except PermissionError:
        raise BadInput(f"cannot read {source}: permission denied") from None
    except OSError as err:
        raise BadInput(f"cannot read {source}: {err.strerror or type(err).__name__}") from None
    return loads_strict(data, source, max_depth=max_depth, max_bytes=max_bytes)


def require_object(doc: Any, source: str) -> dict[str, Any]:
    """``doc`` if it is a JSON object."""
    if not isinstance(doc, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(type(doc), "a number")
        raise BadInput(f"{source} must hold a JSON object, not {kind}")
    return doc
