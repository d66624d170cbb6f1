"""Hypothesis profiles, chosen by HYPOTHESIS_PROFILE: ``dev`` (fast, default) and ``ci`` (more, derandomized).

The profiles are the public ones of :mod:`gdssm.numeric.profiles`, so a user's tests can load the same.
"""

from gdssm.numeric.profiles import load_profile

load_profile()
