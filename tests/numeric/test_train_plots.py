"""The training figures are readable on the report's page: no wider than its text, every font >= 7 pt, every
axis labelled, no blank panel (the checks of :func:`tests.reports.test_figures.figure_problems`)."""

from __future__ import annotations

import dataclasses

import pytest
from matplotlib.figure import Figure

from gdssm.core.figure_style import TEXT_WIDTH_IN
from gdssm.numeric.train import PRESETS, RunResult, train
from gdssm.numeric.train_plots import alignment_figure, loss_figure, parameter_figure
from tests.reports.test_figures import figure_problems


@pytest.fixture(scope="module", params=["paper-e1", "k-step"])
def run(request: pytest.FixtureRequest) -> RunResult:
    """A seconds-long run of the preset (k = 1, or k = 2 of the k-step preset: the one with R)."""
    spec = dataclasses.replace(PRESETS[request.param], ks=PRESETS[request.param].ks[:1], eval_tasks=200,
                               behaviour_tasks=64, monitor_tasks=64, monitor_behaviour_tasks=16)
    return train(spec, steps=6, seed=0).runs[0]


@pytest.mark.parametrize("draw", [lambda r: loss_figure(r, 1.0), alignment_figure, parameter_figure],
                         ids=["loss", "alignment", "params"])
def test_training_figures_are_readable(run: RunResult, draw: object) -> None:
    fig = draw(run)  # type: ignore[operator]
    assert isinstance(fig, Figure)
    assert fig.get_figwidth() <= TEXT_WIDTH_IN
    assert figure_problems(fig) == []
