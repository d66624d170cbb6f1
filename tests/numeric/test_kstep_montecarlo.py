"""Monte Carlo cross-check of the derived k-step losses and schedules: the values agree within standard errors."""

from __future__ import annotations

import pytest
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.numeric import kstep_montecarlo as mc
from gdssm.numeric.alignment import trainable_names
from gdssm.numeric.samplers import TaskLaw
from gdssm.numeric.train_targets import GDTarget
from gdssm.symbolic import kstep_loss as kl
from gdssm.symbolic import relations as rl
from gdssm.symbolic import schedules as sc

HALF_VARIANCE_STD = sp.sqrt(sp.Rational(1, 12))


@pytest.mark.parametrize(("law", "parameter", "k"), [("uniform", None, 2), ("uniform", None, 3),
                                                      ("gaussian", HALF_VARIANCE_STD, 3)])
def test_oracle_monte_carlo_agrees_with_the_derived_minima(law: str, parameter: object, k: int) -> None:
    constant, per_step = sc.derived_schedules(law, 10, 10, k, parameter=parameter)
    for schedule in (constant, per_step):
        result = mc.crosscheck(schedule, mc.task_law(law, parameter), tasks=20000, seed=11)
        assert result["agree"], result


def test_spectral_estimator_agrees_and_is_tighter() -> None:
    _, per_step = sc.derived_schedules("uniform", 10, 10, 3)
    spectral = mc.spectral_loss("uniform", 10, 10, per_step.steps, tasks=20000, seed=3)
    oracle = mc.oracle_loss(mc.task_law("uniform"), 10, 10, per_step.steps, tasks=20000, seed=3)
    assert spectral.agrees(per_step.loss_float) and oracle.agrees(per_step.loss_float)
    assert spectral.stderr < oracle.stderr / 3
    assert mc.spectral_loss("uniform", 10, 10, (), tasks=1000, seed=0).mean == pytest.approx(5 / 12)


def test_estimated_moments_agree_with_the_exact_ones() -> None:
    exact = kl.trace_moments(kl.CoordinateLaw.uniform(), 6, 10, 10)
    estimate = mc.estimated_moments("uniform", 10, 10, 6, tasks=20000, seed=5)
    assert not estimate.exact and estimate.stderr is not None
    for i in range(1, 7):
        assert abs(float(estimate.values[i]) - float(exact.values[i])) <= 4 * estimate.stderr[i]


def test_table_marks_estimates_and_they_agree_with_exact_values() -> None:
    rows = mc.schedule_table(ks=(0, 1, 2, 3), laws=(("uniform", None),), exact_order=4, tasks=20000, seed=2)
    assert [r.exact for r in rows] == [True, True, True, False]
    estimated = rows[-1]
    assert estimated.per_step_check is not None and estimated.as_dict()["moments"] == "estimate (Monte Carlo)"
    exact_constant, exact_per_step = sc.derived_schedules("uniform", 10, 10, 3)
    assert estimated.per_step_check.agrees(exact_per_step.loss_float)
    assert estimated.constant_check is not None and estimated.constant_check.agrees(exact_constant.loss_float)
    assert rows[1].as_dict()["loss_per_step_exact"] == "245/1188"


def test_derived_training_targets() -> None:
    law = TaskLaw()
    target = GDTarget(**mc.derived_target_fields(law, 10, 10, 2, "per-step"))
    assert target.loss_exact == "17228165/121952736" and len(set(target.alphas)) == 2
    assert target.alphas == tuple(sorted(target.alphas))
    constant = GDTarget(**mc.derived_target_fields(law, 10, 10, 2, "constant"))
    assert constant.loss_exact is None and constant.etas[0] == constant.etas[1]
    assert constant.loss == pytest.approx(0.15661517, abs=1e-8)
    one = GDTarget(**mc.derived_target_fields(law, 10, 10, 1, "constant"))
    assert one.loss_exact == "245/1188" and one.alphas[0] == pytest.approx(20 / 33, rel=1e-15)
    with pytest.raises(BadInput):
        mc.derived_target_fields(TaskLaw(noise=0.1), 10, 10, 2, "per-step")
    with pytest.raises(BadInput):
        mc.derived_target_fields(law, 10, 10, 2, "grid")


def test_trained_sets_of_the_counts_are_the_training_sets() -> None:
    assert rl.TRAINED_ONE_STEP == trainable_names(1)
    assert rl.TRAINED_K_STEP == trainable_names(2)


def test_oracle_loss_validates() -> None:
    with pytest.raises(BadInput):
        mc.oracle_loss(TaskLaw(), 0, 10, (sp.Rational(1, 2),))
    with pytest.raises(BadInput):
        mc.task_law("laplace")
