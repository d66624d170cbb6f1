"""How many CPU threads torch uses inside a block of work.

Small tensors (a property run's examples, the training of a 10-dimensional layer) run fastest on one
thread: the intra-op thread pool costs more to wake than the work it would share.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import torch


@contextmanager
def torch_threads(n: int) -> Iterator[None]:
    """Run the block with ``torch.set_num_threads(n)``; the previous setting is restored afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
