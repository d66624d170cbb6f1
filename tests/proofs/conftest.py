"""The compiled Coq library, one per session, for every Coq test of this folder."""

from __future__ import annotations

import pytest

from gdssm.proofs.coq import run
from tests.proofs.coq_support import TOOLCHAIN


@pytest.fixture(scope="session")
def library() -> run.Library:
    """The MathComp library of coq/theories, compiled once (or reused from its cache)."""
    assert TOOLCHAIN is not None
    return run.build_library(TOOLCHAIN)
