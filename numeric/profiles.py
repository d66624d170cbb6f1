"""The Hypothesis profiles of the project, for its own tests and for users of :mod:`gdssm.numeric.strategies`.

* ``dev`` (the default): 15 examples per test, no deadline -- a quick local run;
* ``ci``: 40 examples per test, derandomized, no example database -- what ``make test`` runs.

Both switch off the deadline and the ``too_slow`` health check: one example derives a construction with SymPy
and runs torch, which takes milliseconds to seconds. Use them in a ``conftest.py``::

    from gdssm.numeric.profiles import load_profile

    load_profile()            # HYPOTHESIS_PROFILE if set, else "dev"

or ``load_profile("ci")``. Only :mod:`hypothesis` is imported here (no torch).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis.errors import InvalidArgument

from gdssm.core.errors import BadInput

PROFILES: dict[str, dict[str, Any]] = {
    "dev": {"max_examples": 15, "deadline": None, "suppress_health_check": [HealthCheck.too_slow]},
    "ci": {"max_examples": 40, "deadline": None, "derandomize": True, "database": None,
           "suppress_health_check": [HealthCheck.too_slow, HealthCheck.data_too_large]},
}
"""Settings of each profile, by name."""
DEFAULT = "dev"
"""The profile :func:`load_profile` loads when neither its argument nor ``HYPOTHESIS_PROFILE`` names one."""
ENVIRONMENT = "HYPOTHESIS_PROFILE"
"""The environment variable that names the profile."""


def register_profiles() -> None:
    """Register every profile of :data:`PROFILES` with Hypothesis (idempotent: re-registering replaces them)."""
    for name, values in PROFILES.items():
        settings.register_profile(name, **values)


def load_profile(name: str | None = None) -> str:
    """Register the profiles and load ``name`` (default: ``$HYPOTHESIS_PROFILE``, else ``dev``); return its name.

    A name that is neither one of :data:`PROFILES` nor a profile registered elsewhere raises
    :class:`~gdssm.core.errors.BadInput`.
    """
    register_profiles()
    chosen = name if name is not None else os.environ.get(ENVIRONMENT) or DEFAULT
    try:
        settings.load_profile(chosen)
    except InvalidArgument:
        known = ", ".join(PROFILES)
        raise BadInput(f"unknown Hypothesis profile {chosen!r}; choose one of {known}") from None
    return chosen


__all__ = ["DEFAULT", "ENVIRONMENT", "PROFILES", "load_profile", "register_profiles"]
