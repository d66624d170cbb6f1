"""Numeric tests run torch on one thread: the workloads are small, and with ``pytest -n 2`` on two cores more
threads only oversubscribe the CPU (a parallel region then waits a scheduler slice, ~8 ms, per call)."""

from collections.abc import Iterator

import pytest
import torch


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread() -> Iterator[None]:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)
