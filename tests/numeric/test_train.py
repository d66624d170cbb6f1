"""Training: presets, initialisation, GD references, short seeded runs, outputs and their reuse."""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path

import pytest
import sympy as sp
import torch

from gdssm.core.errors import BadInput
from gdssm.numeric import train_artifacts
from gdssm.numeric.alignment import compared_names, trainable_names
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.samplers import TaskLaw
from gdssm.numeric.train import PRESETS, Preset, random_layer, references, train
from gdssm.numeric.train_artifacts import learned_vs_derived, load_outputs, write_outputs
from gdssm.numeric.train_targets import constant_step_target, one_step_target, per_step_target

LAW = TaskLaw()


def small(name: str) -> Preset:
    """A preset with a small evaluation set, so a run takes a second."""
    return replace(PRESETS[name], eval_tasks=300, behaviour_tasks=100, monitor_tasks=100, monitor_behaviour_tasks=32)


def test_unknown_preset_lists_the_presets() -> None:
    with pytest.raises(BadInput, match="paper-e1, scalar, k-step"):
        train("paper-e2")


@pytest.mark.parametrize("kwargs, word", [({"steps": 0}, "training steps"), ({"seed": -1}, "seed"),
                                          ({"steps": True}, "training steps"), ({"eval_tasks": 1}, "evaluation")])
def test_bad_arguments_are_user_errors(kwargs: dict[str, int], word: str) -> None:
    with pytest.raises(BadInput, match=word):
        train("paper-e1", **kwargs)


def test_gd1_reference_is_the_derived_loss() -> None:
    target = one_step_target(LAW, 10, 10)
    assert target.loss_exact == "245/1188" and target.etas == ("200/33",)
    assert target.loss == pytest.approx(0.2062, abs=5e-5)


def test_per_step_optimum_extends_the_constant_one() -> None:
    """k = 1: both Monte-Carlo optima minimise the same objective; k = 2: free steps can only do better."""
    one, free_one = constant_step_target(LAW, 10, 10, 1, tasks=4000), per_step_target(LAW, 10, 10, 1, tasks=4000)
    assert free_one.alphas[0] == pytest.approx(one.alphas[0], rel=1e-6)
    assert free_one.loss == pytest.approx(one.loss, rel=1e-9)
    two, free_two = constant_step_target(LAW, 10, 10, 2, tasks=4000), per_step_target(LAW, 10, 10, 2, tasks=4000)
    assert free_two.loss < two.loss < one.loss
    assert len(set(free_two.alphas)) == 2


def test_per_step_construction_carries_its_step_sizes() -> None:
    target = per_step_target(LAW, 3, 4, 2, tasks=2000)
    construction = target.construction(3, 2, 4, "split")
    readout = construction.params.readout
    assert [float(c) for c in readout.c] == pytest.approx(sorted(target.alphas, reverse=True))
    assert tuple(sp.S(e) for e in construction.gd.etas) == tuple(sp.Rational(e) for e in target.etas)


@pytest.mark.parametrize("name", list(PRESETS))
def test_random_init_trains_only_the_papers_set(name: str) -> None:
    spec = PRESETS[name]
    for k in spec.ks:
        analytic = GDSSMLayer.from_construction(references(spec, k)[0].construction(spec.f, spec.m, spec.N,
                                                                                     spec.layout))
        layer = random_layer(analytic, torch.Generator().manual_seed(0))
        assert {n for n, p in layer.named_parameters() if p.requires_grad} == set(trainable_names(k))
        assert torch.equal(layer.F, torch.zeros_like(layer.F)) and torch.equal(layer.V1, torch.eye(layer.H))
        assert torch.equal(layer.rho, torch.ones_like(layer.rho))
        assert 0.951 <= float(layer.Lambda.detach().min()) and float(layer.Lambda.detach().max()) <= 0.9995
        assert float((layer.Q.detach() - analytic.Q.detach().float()).abs().max()) > 1e-3  # not the construction
        if k == 1:
            assert layer.c.tolist() == [1.0]


@pytest.mark.parametrize("name", ["paper-e1", "k-step"])
def test_short_runs(name: str) -> None:
    """Every preset also runs end to end through the command line (tests/test_train_cli.py)."""
    result = train(small(name), steps=12, seed=0)
    assert [run.k for run in result.runs] == list(PRESETS[name].ks)
    for run in result.runs:
        assert [row["step"] for row in run.history] == [0.0, 6.0, 12.0]
        assert len(run.final) == len(run.references) == (1 if run.k == 1 else 2)
        final = run.final[0]
        assert math.isfinite(final.loss) and -1 <= final.behaviour.sensitivity_cosine <= 1
        assert final.normalised_loss == pytest.approx(final.loss, rel=1e-9)  # normalising keeps the function
        assert set(final.distances.relative) == set(compared_names(run.k))


def test_same_seed_same_numbers_other_seed_other_numbers() -> None:
    first, again, other = (train(small("paper-e1"), steps=10, seed=s) for s in (3, 3, 4))
    assert first.runs[0].history == again.runs[0].history
    assert first.runs[0].final[0] == again.runs[0].final[0]
    assert first.runs[0].final[0].loss != other.runs[0].final[0].loss


def test_training_moves_towards_gd() -> None:
    run = train(replace(small("paper-e1"), logs=2), steps=200, seed=0).runs[0]
    start, end = run.history[0], run.history[-1]
    assert end["eval_loss"] < start["eval_loss"]
    assert end["sensitivity_cosine"] > start["sensitivity_cosine"]


def test_outputs_written_and_reloaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = train(small("scalar"), steps=10, seed=1)
    written = write_outputs(result, tmp_path)
    doc = json.loads((tmp_path / "summary.json").read_text())
    assert doc == written.summary
    assert doc["schema"] == "gdssm.train/1" and doc["preset"] == "scalar" and doc["steps"] == 10
    run = doc["runs"][0]
    assert {"loss", "target_loss", "loss_gap_rel", "sensitivity_cosine", "sensitivity_l2", "prediction_l2",
            "parameter_distance", "interpolation_loss", "matches_target"} <= set(run["headline"])
    assert run["target"]["loss_exact"] == "245/1188" and run["verdict"].startswith("does not match")
    for fmt in ("pdf", "png"):
        for name in ("loss", "alignment", "params"):
            assert (tmp_path / f"{name}_k1.{fmt}").stat().st_size > 1000
    with open(tmp_path / "metrics.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [float(r["step"]) for r in rows] == [0.0, 5.0, 10.0]
    assert [float(r["train_loss"]) for r in rows] == [row["train_loss"] for row in result.runs[0].history]
    loaded = load_outputs(tmp_path)
    assert loaded.summary == doc and loaded.plots == written.plots
    state = torch.load(tmp_path / "trained_k1.pt")
    assert torch.equal(state["Q"], result.runs[0].trained.Q.detach())

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a matching summary must be reused, not retrained")

    monkeypatch.setattr(train_artifacts, "train", no_training)
    monkeypatch.setitem(PRESETS, "scalar", small("scalar"))
    assert learned_vs_derived("scalar", tmp_path, steps=10, seed=1).summary == doc
    with pytest.raises(AssertionError, match="reused"):
        learned_vs_derived("scalar", tmp_path, steps=10, seed=2)


def test_load_refuses_a_missing_summary(tmp_path: Path) -> None:
    with pytest.raises(BadInput, match="cannot read"):
        load_outputs(tmp_path)
