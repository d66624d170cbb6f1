"""The tensors a weights file of each format holds, and the check of a file's tensors against them.

* ``safetensors`` and ``pt``: one tensor per entry of :meth:`GDSSMLayer.state_dict` -- Q (3,3), Lambda (H,H),
  d (3,), C (m,H), F (m,H), V1, V2, V3, R (H,H), rho (k-1,), beta (k-1,), c (k,), and the embeddings E_x (H,f),
  E_y (H,m) -- contiguous, each with its own storage;
* ``reference``: the authors' arrays w_q, Lambda_bar, C, D (:mod:`numeric.formats.reference`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import Tensor

from gdssm.core.errors import BadInput, ShapeError
from gdssm.numeric.formats.reference import reference_tensors
from gdssm.numeric.layer import GDSSMLayer
from gdssm.symbolic.constructions import Construction


def file_tensors(construction: Construction, fmt: str, dtype: torch.dtype) -> dict[str, Tensor]:
    """The tensors a file of this format holds: the layer's state_dict, or the authors' arrays."""
    if fmt == "reference":
        return reference_tensors(construction, dtype)  # w_q = Q^T, Lambda_bar = Lambda^T, C = -alpha I, D = d
    state = GDSSMLayer.from_construction(construction, dtype=dtype).state_dict()  # theta = lowering of the derivation
    return {name: value.detach().clone().contiguous() for name, value in state.items()}  # own, contiguous storage


def check_tensors(tensors: Mapping[str, Tensor], expected: Mapping[str, Tensor], doc: Mapping[str, Any],
                  source: str) -> None:
    """Names, dtypes, shapes and finiteness of the file's tensors against what the metadata implies.

    A dtype or a non-finite value is a :class:`BadInput`, a wrong shape a :class:`ShapeError`.
    """
    missing, extra = sorted(set(expected) - set(tensors)), sorted(set(tensors) - set(expected))
    if missing or extra:
        raise BadInput(f"{source}: tensors do not match format {doc['format']!r}: missing {missing or 'none'}, "
                       f"unexpected {extra or 'none'}")
    dims = ", ".join(f"{key}={doc['dims'][key]}" for key in ("f", "m", "N", "H"))
    for name, want in expected.items():
        got = tensors[name]
        if got.dtype != want.dtype:
            raise BadInput(f"{source}: dtype mismatch: tensor {name!r} is {str(got.dtype).removeprefix('torch.')} "
                           f"but the metadata says {doc['dtype']}")
        if got.shape != want.shape:
            raise ShapeError(f"{source}: tensor {name!r} has shape {tuple(got.shape)} but the metadata "
                             f"({dims}, k={doc['steps']}) implies {tuple(want.shape)}")
        if not bool(torch.isfinite(got).all()):
            raise BadInput(f"{source}: tensor {name!r} holds NaN or infinite values")
