"""What the Coq tests share: the toolchain, a skip mark without it, a check of one file, the two verdicts, and a
way to put another route-1 theorem into the registry (the compiled library is the fixture of ``conftest.py``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from gdssm.proofs import claims as registry
from gdssm.proofs.coq import generate, run
from gdssm.proofs.theories.common import Theorem

TOOLCHAIN = run.toolchain()
needs_coq = pytest.mark.skipif(TOOLCHAIN is None, reason=run.missing_message() or "coq missing")


def coq_check(library: run.Library, f: generate.CoqFile, tmp_path: Path, text: str | None = None) -> run.FileResult:
    """coqc on the file ``f`` (or on ``text`` under its name), against ``library``."""
    assert TOOLCHAIN is not None
    return run.check_file(TOOLCHAIN, library, f.name, f.text if text is None else text, f.theorems, tmp_path)


def assert_refused(result: run.FileResult) -> None:
    """coqc refused the file (not merely an open assumption)."""
    assert not result.accepted and not result.ok and "coqc refused" in result.detail


def assert_accepted(claim_id: str, origin: str) -> None:
    """The claim's file, checked afresh, is accepted and closed, and its origin is ``origin``."""
    (check,) = run.check_claims([claim_id], reuse=False)
    assert check.ok, check.detail
    assert check.evidence is not None and check.evidence["statement"] == origin


def patch_theorem(monkeypatch: pytest.MonkeyPatch, claim_id: str, theorem: Callable[[], Theorem]) -> None:
    """Put the claim with another route-1 theorem into the registry (what ``claims.claim`` answers)."""
    monkeypatch.setattr(registry, "CLAIMS", tuple(dataclasses.replace(c, theorem=theorem) if c.id == claim_id
                                                  else c for c in registry.CLAIMS))
