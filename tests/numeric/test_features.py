"""Route 3 for feature constructions: the layer on phi(x), phi a random torch MLP, against autograd GD."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from gdssm.core.errors import BadInput
from gdssm.numeric.features import MLPCase, compare, mlp, mlp_cases, sample
from gdssm.symbolic.features import FEATURE_MUTANTS, DataMap

TOL = 1e-9


@settings(max_examples=12, deadline=None)
@given(mlp_cases())
def test_layer_on_mlp_features_is_gd_on_features(case: MLPCase) -> None:
    check = case.run()
    assert check.rel < TOL, (case, check.max_abs)


@pytest.mark.parametrize("mut", FEATURE_MUTANTS, ids=lambda mut: mut.name)
@pytest.mark.parametrize("k", [1, 2])
def test_numeric_refuses_mutants(mut: object, k: int) -> None:
    case = MLPCase(f=1, m=1, N=6, k=k, widths=(8, 8), p=4, activation="tanh", seed=3)
    assert case.run().rel < TOL
    assert case.run(mutant=mut).rel > 1e-4  # type: ignore[arg-type]


def test_affine_map_and_raw_tokens() -> None:
    phi = mlp(2, (), 3)
    x, y = sample(2, 1, 4, 2, 0)
    assert compare(phi, x, y, 1).rel < TOL
    with pytest.raises(BadInput):
        compare(phi, x, y, 1, data=DataMap(query="id"))
    with pytest.raises(BadInput):
        mlp(1, (2,), 2, "softplus-ish")
