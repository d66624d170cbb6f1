"""How far a file's tensors are from the tensors its metadata derives: max |file - derivation| per tensor."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import Tensor


def tensor_differences(tensors: Mapping[str, Tensor], expected: Mapping[str, Tensor]) -> dict[str, float]:
    """max_ij |file_ij - derivation_ij| for every tensor that is not bitwise equal to its derived value."""
    return {name: float((tensors[name] - want).abs().max())  # max |file - derivation|
            for name, want in expected.items() if not torch.equal(tensors[name], want)}  # only tensors that differ
