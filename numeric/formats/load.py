"""Reading a weights file back: bytes -> validated metadata, the re-derived construction, the tensors, the layer.

:func:`read_weights` (a path) and :func:`decode` (bytes) refuse, with one-line
:class:`~gdssm.core.errors.BadInput`\\ s, damaged files, missing or unknown metadata (schema, construction, format,
dtype), metadata that is not self-consistent (claims vs certificate hash, dims vs re-derivation), tensors whose
names, shapes or dtype disagree with the metadata, non-finite values and -- unless ``verify=False`` -- tensors
whose values differ from the re-derived construction. :func:`load_layer` is the layer of a file, fully verified;
:func:`as_construction` is a loaded file's own numbers as an exact construction (what ``gdssm check --weights``
checks against GD, :func:`numeric.check.check_loaded`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from gdssm.core.errors import BadInput
from gdssm.numeric.formats.containers import CONTAINERS, container_of, read_container
from gdssm.numeric.formats.differences import tensor_differences
from gdssm.numeric.formats.provenance import DTYPES, derive, parse_metadata
from gdssm.numeric.formats.reference import exact_matrix, params_from_reference
from gdssm.numeric.formats.tensors import check_tensors, file_tensors
from gdssm.numeric.layer import GDSSMLayer
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout
from gdssm.symbolic.layouts import Layout


@dataclass(frozen=True)
class LoadedWeights:
    """A validated weights file: its metadata, the re-derived construction, the file's tensors, the layer, and
    ``differences``: max |file - derivation| of every tensor that is not bitwise its derived value (empty for an
    untouched export)."""

    source: str
    metadata: dict[str, Any]
    construction: Construction
    tensors: dict[str, Tensor]
    layer: GDSSMLayer
    differences: dict[str, float]

    @property
    def dtype(self) -> torch.dtype:
        """The dtype of every tensor of the file."""
        return DTYPES[self.metadata["dtype"]]


def read_weights_bytes(path: str | Path) -> bytes:
    """The bytes of a weights file; a missing or unreadable one is a :class:`BadInput` naming it."""
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise BadInput(f"weights file not found: {path}") from None
    except OSError as err:
        raise BadInput(f"cannot read weights file {path}: {err.strerror or err}") from None


def read_weights(path: str | Path, *, verify: bool = True) -> LoadedWeights:
    """Read and validate a weights file (module docstring); with ``verify``, its values must equal the derivation."""
    container = container_of(path)
    return decode(read_weights_bytes(path), container, str(path), verify=verify)


def load_layer(path: str | Path) -> GDSSMLayer:
    """The :class:`GDSSMLayer` of a weights file of any format, validated and verified (:func:`read_weights`)."""
    return read_weights(path).layer


def decode(data: bytes, container: str, source: str = "<bytes>", *, verify: bool = True) -> LoadedWeights:
    """Validate the bytes of a weights file held in ``container`` and build its layer (see :func:`read_weights`).

    The file's tensors T must equal file_tensors(derive(metadata)) bitwise when ``verify``; the layer is
    theta = T (``pt``, ``safetensors``) or theta = from_reference(T) (``reference``, claim ``ref.param_map``).
    """
    text, tensors = read_container(container, data, source)  # (metadata text, tensors)
    doc = parse_metadata(text, source)  # schema, keys, types, certificate hash
    fmt = doc["format"]
    if container not in CONTAINERS[fmt]:
        raise BadInput(f"{source}: metadata says format {fmt!r}, which is never stored as {container}")
    construction = derive(doc, source)  # re-derivation, checked against the document
    dtype = DTYPES[doc["dtype"]]
    expected = file_tensors(construction, fmt, dtype)  # what an untouched export holds
    check_tensors(tensors, expected, doc, source)  # names, dtypes, shapes, finiteness
    differences = tensor_differences(tensors, expected)  # max |T - expected| per differing tensor
    if verify and differences:
        name = max(differences, key=lambda n: differences[n])
        raise BadInput(f"{source}: tensor values differ from the {construction.name} construction the metadata "
                       f"derives (max |difference| {differences[name]:.3g} in {name!r}); the file was edited or "
                       "damaged (`gdssm check --weights` tells whether it still computes GD)")
    if fmt == "reference":
        params = params_from_reference(tensors, construction.layout)  # Q = w_q^T, Lambda = Lambda_bar^T, ...
        layer = GDSSMLayer.from_construction(construction.with_params(params), dtype=dtype)
    else:
        layer = GDSSMLayer(tensors["E_x"], tensors["E_y"], construction.params.readout.steps, dtype=dtype)
        layer.load_state_dict(tensors, strict=True)  # theta = T
    return LoadedWeights(source, doc, construction, tensors, layer, differences)


def as_construction(loaded: LoadedWeights) -> Construction:
    """The file's own numbers as a construction: the loaded layer's parameters and embeddings as exact
    rationals, claiming the GD of the metadata. Lowering it gives the loaded layer bit for bit."""
    state = loaded.layer.state_dict()
    mats = {name: exact_matrix(state[name]) for name in PARAMETER_NAMES}  # float entries -> the rationals they store
    readout = Readout(**{name: tuple(exact_matrix(state[name])) for name in ("rho", "beta", "c")})
    lay = loaded.construction.layout
    layout = Layout(lay.name, lay.f, lay.m, exact_matrix(state["E_x"]), exact_matrix(state["E_y"]))
    c = loaded.construction
    return Construction(c.name, layout, c.N, LayerParams(**mats, readout=readout), c.gd, c.claims)
