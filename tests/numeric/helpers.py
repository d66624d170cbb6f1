"""Shared helpers of the numeric tests: tasks for a construction, relative errors, random layers."""

from __future__ import annotations

import torch

from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.samplers import TaskBatch, TaskLaw, sample_tasks
from gdssm.symbolic.constructions import Construction


def tasks_for(c: Construction, law: TaskLaw, seed: int, batch: int = 4) -> TaskBatch:
    """``batch`` tasks of the construction's sizes, float64 (values rounded to float32, as in numeric.check)."""
    tasks = sample_tasks(law, batch, c.N, c.layout.f, c.layout.m, seed=seed, dtype=torch.float32)
    return TaskBatch(tasks.x.double(), tasks.y.double(), tasks.W.double(), tasks.distractor)


def rel_error(got: torch.Tensor, want: torch.Tensor) -> float:
    """max |got - want| / max |want| (the measure of numeric.check)."""
    return float((got.double() - want).abs().max()) / max(float(want.abs().max()), 1e-300)


def random_layer(f: int, m: int, k: int, seed: int, lam: str = "random") -> GDSSMLayer:
    """A split-layout layer with every parameter random; Lambda random per entry, uniform, or ones."""
    gen = torch.Generator().manual_seed(seed)
    E_x = torch.cat([torch.eye(f), torch.zeros(m, f)]).double()
    E_y = torch.cat([torch.zeros(f, m), torch.eye(m)]).double()
    layer = GDSSMLayer(E_x, E_y, k)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) / max(1, p.shape[-1]) ** 0.5)
        H = f + m
        if lam == "random":
            layer.Lambda.copy_(0.5 + 0.5 * torch.rand(H, H, generator=gen, dtype=torch.float64))
        elif lam == "uniform":
            layer.Lambda.fill_(0.9)
        else:
            layer.Lambda.fill_(1.0)
    return layer
