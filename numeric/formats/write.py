"""Writing a weights file: metadata (:mod:`~numeric.formats.provenance`) and tensors
(:mod:`~numeric.formats.tensors`) encoded in a container (:mod:`~numeric.formats.containers`), written atomically.

Equal inputs give byte-identical files; a reader never sees a half-written file (:mod:`gdssm.core.atomic`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gdssm.core.atomic import write_bytes
from gdssm.core.errors import BadInput
from gdssm.numeric.formats.containers import CONTAINERS, container_of, write_container
from gdssm.numeric.formats.provenance import DTYPES, metadata
from gdssm.numeric.formats.tensors import file_tensors
from gdssm.symbolic.constructions import Construction


@dataclass(frozen=True)
class Encoded:
    """The metadata document of a weights file and the file's bytes."""

    metadata: dict[str, Any]
    data: bytes


def encode(construction: Construction, fmt: str, container: str, dtype: str, claims: Mapping[str, str]) -> Encoded:
    """A weights file in memory (deterministic: equal arguments give equal bytes)."""
    doc = metadata(construction, fmt, dtype, claims)  # provenance document
    if container not in CONTAINERS[fmt]:
        raise BadInput(f"format {fmt!r} cannot be stored as {container}; use {', '.join(CONTAINERS[fmt])}")
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"))  # canonical JSON: sorted keys, no spaces
    return Encoded(doc, write_container(container, file_tensors(construction, fmt, DTYPES[dtype]), text))


def write_weights(path: str | Path, construction: Construction, fmt: str, dtype: str,
                  claims: Mapping[str, str]) -> Encoded:
    """Write the weights file atomically (container from the suffix of ``path``); return what was written."""
    encoded = encode(construction, fmt, container_of(path, fmt), dtype, claims)
    write_bytes(path, encoded.data)  # temporary file, then rename
    return encoded
