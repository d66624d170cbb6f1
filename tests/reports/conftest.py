"""Fixtures of the report tests: one sample input per session (building it derives the step size)."""

from __future__ import annotations

import pytest

from gdssm.reports.model import ReportInput
from tests.reports.sample import sample_input


@pytest.fixture(scope="session")
def report() -> ReportInput:
    return sample_input()
