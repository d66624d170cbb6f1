"""Route 3 for the feature claims: drawn torch feature maps, the layer against autograd GD on the features.

* ``features-one-step`` / ``features-k-step`` (claims ``ssm.features_one_step``, ``ssm.features_k_step``): phi a
  Hypothesis-drawn MLP (depth 0-3, widths, activation, seed; :func:`numeric.features.mlp_cases`), the layer of
  the one-step or k-step construction on the mapped tokens phi(x_i) against autograd GD on phi(x) at every prefix
  (:func:`numeric.features.compare`), k = 1, or k drawn in 1..3;
* ``glu`` (claim ``ref.nonlinear_glu``): the authors' non-linear model with the real GELU and sigmoid (an affine
  phi shared by x and y, their forward, their GLU readout g) against its closed form -g(-W_1^(t) phi(x_{t+1}))
  (:func:`numeric.features.glu_compare`), the width P, N and the seed drawn.

A case passes when max |layer - GD| <= :data:`TOLERANCE` max |GD| (float64). ``mutant`` runs every case on a wrong
construction (a :data:`symbolic.features.FEATURE_MUTANTS` name, or for ``glu`` one of :data:`GLU_MUTANTS`): the
route must then refuse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from gdssm.core.errors import BadInput, Refuted
from gdssm.numeric.features import MLPCase, glu_compare, mlp_cases
from gdssm.numeric.threads import torch_threads
from gdssm.symbolic.features import feature_mutant

KINDS = ("features-one-step", "features-k-step", "glu")
TOLERANCE = 1e-9
"""Relative tolerance of a float64 case (the feature tests' bound; measured errors are 1e-15 to 1e-13)."""
GLU_MUTANTS = ("missing-1/N", "wrong-phi-on-query", "unshared-y-embedding")
THREADS = 1
"""torch threads of the check (as :data:`numeric.check.THREADS`): the tensors are tiny, and ``gdssm verify`` runs
the route in forked workers, where a parent's OpenMP pool must not be entered (measured: on 2 threads a forked
worker hung in a futex wait)."""


@dataclass
class FeatureReport:
    """What a passing run checked: the number of cases, the largest relative error, the time."""

    kind: str
    examples: int = 0
    max_rel: float = 0.0
    seconds: float = 0.0


@st.composite
def _glu_cases(draw: st.DrawFn) -> tuple[int, int, int]:
    """(P, N, seed) of a non-linear model check."""
    return draw(st.integers(1, 6)), draw(st.integers(1, 12)), draw(st.integers(0, 2**31 - 1))


def _strategy(kind: str, same_fm: bool = False) -> st.SearchStrategy[object]:
    """The cases of ``kind``; ``same_fm`` draws f = m (a mutant that maps the labels by phi needs it)."""
    if kind == "features-one-step":
        return mlp_cases(max_k=1, same_fm=same_fm)
    if kind == "features-k-step":
        return mlp_cases(max_k=3, same_fm=same_fm)
    if kind == "glu":
        return _glu_cases()
    raise BadInput(f"unknown feature check {kind!r}; choose one of {', '.join(KINDS)}")


def run_feature_check(kind: str, examples: int, seed: int, mutant: str | None = None) -> FeatureReport:
    """``examples`` drawn cases of ``kind`` (module docstring), Hypothesis seeded by ``seed``; :class:`Refuted` with
    the first case past the tolerance (not shrunk: each case is already small)."""
    if isinstance(examples, bool) or not isinstance(examples, int) or examples < 1:
        raise BadInput(f"number of examples must be an integer >= 1, got {examples!r}")
    if kind == "glu" and mutant is not None and mutant not in GLU_MUTANTS:
        raise BadInput(f"unknown mutant {mutant!r} of the non-linear model; choose one of {', '.join(GLU_MUTANTS)}")
    wrong = None if mutant is None or kind == "glu" else feature_mutant(mutant)
    strategy = _strategy(kind, same_fm=wrong is not None and wrong.data is not None and wrong.data.y == "phi(y)")
    report = FeatureReport(kind)
    start = time.perf_counter()

    @settings(max_examples=examples, deadline=None, database=None, report_multiple_bugs=False,
              suppress_health_check=list(HealthCheck), phases=(Phase.generate,))
    @hypothesis_seed(seed)
    @given(strategy)
    def prop(case: object) -> None:
        if isinstance(case, MLPCase):
            check = case.run(mutant=wrong)
        else:
            assert isinstance(case, tuple)
            width, positions, case_seed = case  # P, N and the seed of a non-linear model check
            check = glu_compare(width, positions, seed=case_seed, mutant=mutant)
        report.examples += 1
        report.max_rel = max(report.max_rel, check.rel)
        if not check.rel <= TOLERANCE:  # NaN fails too
            raise Refuted(f"{kind}: relative error {check.rel:.3g} > {TOLERANCE:g} on {case}", {"case": repr(case)})

    with torch_threads(THREADS):  # tiny tensors; and a forked verify worker must not enter an OpenMP region
        prop()
    report.seconds = time.perf_counter() - start
    return report


__all__ = ["GLU_MUTANTS", "KINDS", "TOLERANCE", "FeatureReport", "run_feature_check"]
