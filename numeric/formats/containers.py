"""The containers that hold a weights file's tensors and its metadata JSON, chosen by the file's suffix.

* ``safetensors`` (``.safetensors``): one tensor per entry, contiguous, each with its own storage; the metadata
  JSON is the string under the header key ``gdssm`` (a single key: safetensors stores header metadata in a hash
  map, so two keys would be written in a random order and equal inputs would not give equal bytes);
* ``pt`` (``.pt``, ``.pth``): a torch ``state_dict`` (``torch.save``), loadable with
  ``layer.load_state_dict(torch.load(path), strict=True)``; the metadata JSON rides in torch's own per-module
  slot ``state_dict._metadata[""]["gdssm"]``;
* ``npz`` (``.npz``): a numpy archive written by hand with fixed zip timestamps (``numpy.savez`` stamps the
  current time), the metadata JSON as a 0-d unicode array under ``gdssm_metadata``.

:func:`write_container` and :func:`read_container` map (tensors, metadata text) <-> bytes; equal inputs give
equal bytes. A damaged container is a one-line :class:`~gdssm.core.errors.BadInput`. What the tensors and the
metadata must be is not checked here (:mod:`numeric.formats.load`).
"""

from __future__ import annotations

import io
import json
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import safetensors
import safetensors.torch
import torch
from torch import Tensor

from gdssm.core.errors import BadInput
from gdssm.numeric.layer import GDSSMLayer

METADATA_KEY = "gdssm"
"""Key of the metadata JSON in a safetensors header and in a state_dict's ``_metadata[""]`` slot."""
NPZ_METADATA = "gdssm_metadata"
"""Name of the ``.npz`` entry (a 0-d unicode array) holding the metadata JSON."""
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
"""Timestamp of every ``.npz`` member (the earliest a zip file can store)."""
SUFFIXES = {".safetensors": "safetensors", ".pt": "pt", ".pth": "pt", ".npz": "npz"}
"""File suffix -> container."""
CONTAINERS = {"safetensors": ("safetensors",), "pt": ("pt",), "reference": ("npz", "safetensors")}
"""Format -> the containers that may hold it."""

Tensors = Mapping[str, Tensor]


def container_of(path: str | Path, fmt: str | None = None) -> str:
    """The container a path's suffix names; with ``fmt``, also check that it may hold that format."""
    suffix = Path(path).suffix.lower()
    if suffix not in SUFFIXES:
        raise BadInput(f"{path}: unknown weights file suffix {suffix or '(none)'!r}; "
                       f"use one of {', '.join(SUFFIXES)}")
    container = SUFFIXES[suffix]
    if fmt is not None and container not in CONTAINERS[fmt]:
        allowed = ", ".join(s for s, c in SUFFIXES.items() if c in CONTAINERS[fmt])
        raise BadInput(f"{path}: suffix {suffix!r} does not fit format {fmt!r}; use {allowed}")
    return container


def write_container(container: str, tensors: Tensors, text: str) -> bytes:
    """The bytes of ``container`` holding ``tensors`` and the metadata JSON ``text`` (deterministic)."""
    return _WRITERS[container](tensors, text)


def read_container(container: str, data: bytes, source: str = "<bytes>") -> tuple[Any, dict[str, Tensor]]:
    """(the metadata entry as stored, or None; the tensors) of the bytes of ``container``."""
    return _READERS[container](data, source)


def safetensors_bytes(tensors: Tensors, text: str) -> bytes:
    """A safetensors file of the tensors with header metadata {``gdssm``: text}."""
    return safetensors.torch.save(dict(tensors), metadata={METADATA_KEY: text})


def pt_bytes(tensors: Tensors, text: str) -> bytes:
    """``torch.save`` of the tensors as a state_dict whose ``_metadata[""]`` slot holds {``gdssm``: text}."""
    state: OrderedDict[str, Tensor] = OrderedDict(tensors)
    setattr(state, "_metadata", OrderedDict([("", {"version": GDSSMLayer._version, METADATA_KEY: text})]))  # noqa: B010
    buffer = io.BytesIO()
    torch.save(state, buffer)
    return buffer.getvalue()


def npz_bytes(arrays: Tensors, metadata: str) -> bytes:
    """A ``.npz`` archive of the arrays (sorted by name) and the metadata entry, with fixed timestamps."""
    members = {name: arrays[name].numpy() for name in sorted(arrays)}
    members[NPZ_METADATA] = np.array(metadata)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, array in members.items():
            with archive.open(zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_EPOCH), "w") as member:
                np.lib.format.write_array(member, array, allow_pickle=False)
    return buffer.getvalue()


def read_safetensors(data: bytes, source: str) -> tuple[Any, dict[str, Tensor]]:
    """(header metadata ``gdssm`` or None, the tensors) of a safetensors file; a damaged file is a BadInput."""
    try:
        tensors = safetensors.torch.load(data)
    except safetensors.SafetensorError as err:
        raise BadInput(f"{source}: corrupt or truncated safetensors file ({err})") from None
    size = int.from_bytes(data[:8], "little")
    header = json.loads(data[8 : 8 + size])
    return (header.get("__metadata__") or {}).get(METADATA_KEY), tensors


def read_pt(data: bytes, source: str) -> tuple[Any, dict[str, Tensor]]:
    """(``_metadata[""]["gdssm"]`` or None, the tensors) of a torch state_dict file; damage is a BadInput."""
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except (RuntimeError, EOFError, ValueError, pickle.UnpicklingError, zipfile.BadZipFile) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise BadInput(f"{source}: corrupt or truncated torch file ({reason})") from None
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, Tensor) for k, v in state.items()):
        raise BadInput(f"{source}: not a state_dict (a mapping of names to tensors)")
    slot = (getattr(state, "_metadata", None) or {}).get("", {})
    return (slot.get(METADATA_KEY) if isinstance(slot, dict) else None), dict(state)


def read_npz(data: bytes, source: str) -> tuple[str | None, dict[str, Tensor]]:
    """(metadata JSON text or None, the arrays as tensors) of a ``.npz`` file; a damaged archive is a BadInput."""
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            members: dict[str, Any] = {name: archive[name] for name in archive.files}
    except (OSError, ValueError, EOFError, KeyError, zipfile.BadZipFile) as err:
        raise BadInput(f"{source}: corrupt or truncated .npz file ({err})") from None
    text = members.pop(NPZ_METADATA, None)
    if text is not None and (text.shape != () or text.dtype.kind != "U"):
        raise BadInput(f"{source}: the {NPZ_METADATA} entry must be one string")
    for name, array in members.items():
        if array.dtype.kind != "f":
            raise BadInput(f"{source}: array {name!r} has dtype {array.dtype}, expected float32 or float64")
    return (None if text is None else str(text)), {name: torch.from_numpy(a.copy()) for name, a in members.items()}


_WRITERS: dict[str, Callable[[Tensors, str], bytes]] = {
    "safetensors": safetensors_bytes, "pt": pt_bytes, "npz": npz_bytes,
}
_READERS: dict[str, Callable[[bytes, str], tuple[Any, dict[str, Tensor]]]] = {
    "safetensors": read_safetensors, "pt": read_pt, "npz": read_npz,
}
