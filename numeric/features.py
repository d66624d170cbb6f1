"""Route 3 for feature constructions: phi a torch MLP, the layer on phi(x) against autograd GD on the features.

The construction is the one-step or k-step construction of :mod:`symbolic.constructions` at dims (p, m),
lowered to a :class:`~numeric.layer.GDSSMLayer`; its tokens carry the data the :class:`~symbolic.features.DataMap`
says (phi on the x tokens and the query, labels unchanged). The oracle (:func:`numeric.oracle.gd_predictions`)
runs k steps of GD by autograd on the features (phi(x_i), y_i) and predicts W_k^{(t)} phi(x_{t+1}) at every prefix.
The two share only phi's output tensor.

Mutants (:data:`symbolic.features.FEATURE_MUTANTS`): ``wrong-phi-on-query`` feeds the query token x_q through phi'
(phi with its output layer perturbed), ``phi-on-y`` feeds the labels through phi (cut to m outputs; needs f = m),
``missing-1/N`` lowers the description with alpha = eta.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import sympy as sp
import torch
from hypothesis import strategies as st
from torch import Tensor, nn

from gdssm.core.errors import BadInput
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.features import CORRECT, DataMap, FeatureMutant

ACTIVATIONS: dict[str, Callable[[], nn.Module]] = {"tanh": nn.Tanh, "relu": nn.ReLU, "gelu": nn.GELU,
                                                   "sigmoid": nn.Sigmoid, "silu": nn.SiLU}


def mlp(f: int, widths: Sequence[int], p: int, activation: str = "tanh", *, seed: int = 0,
        dtype: torch.dtype = torch.float64) -> nn.Sequential:
    """phi: R^f -> R^p, Linear layers through ``widths`` with ``activation`` between them (PyTorch's default init,
    seeded); ``widths = ()`` is an affine map (the authors' embedding)."""
    if activation not in ACTIVATIONS:
        raise BadInput(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
    if f < 1 or p < 1 or any(w < 1 for w in widths):
        raise BadInput(f"an MLP needs positive sizes, got f = {f}, widths = {tuple(widths)}, p = {p}")
    gen = torch.random.fork_rng(devices=[])
    with gen:
        torch.manual_seed(seed)
        sizes = [f, *widths, p]
        layers: list[nn.Module] = []
        for i, (a, b) in enumerate(pairwise(sizes)):
            layers.append(nn.Linear(a, b, dtype=dtype))
            if i < len(sizes) - 2:
                layers.append(ACTIVATIONS[activation]())
        return nn.Sequential(*layers)


def perturbed(phi: nn.Module, scale: float = 0.5, seed: int = 1) -> nn.Module:
    """phi' != phi: a copy whose parameters are shifted by ``scale`` times seeded noise."""
    other = copy.deepcopy(phi)
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for param in other.parameters():
            param.add_(scale * torch.randn(param.shape, generator=gen, dtype=param.dtype))
    return other


def feature_base(p: int, m: int, N: int, k: int, eta: Any) -> Construction:
    """The construction the feature layer lowers: one-step for k = 1 (the paper's), else k-step, at dims (p, m)."""
    return one_step(p, m, N, eta) if k == 1 else k_step(p, m, N, k, eta)


@dataclass(frozen=True)
class FeatureCheck:
    """One comparison: the largest error relative to the oracle's scale, and both prediction tensors."""

    max_abs: float
    scale: float
    layer: Tensor
    oracle: Tensor

    @property
    def rel(self) -> float:
        """max |layer - oracle| / max(1, max |oracle|)."""
        return self.max_abs / max(1.0, self.scale)


def stable_eta(features: Tensor, N: int) -> sp.Rational:
    """A step size with eta/N * ||G_t|| <= 1 on these features (a dyadic rational, exact in float64)."""
    norm = float((features**2).sum(-1).max()) if features.numel() else 1.0
    bound = max(1.0, norm)
    power = 0
    while 2**power < bound:
        power += 1
    return sp.Rational(1, 2**power)


def compare(phi: nn.Module, x: Tensor, y: Tensor, k: int, *, eta: Any = None, data: DataMap = CORRECT,
            mutant: FeatureMutant | None = None, phi_query: nn.Module | None = None) -> FeatureCheck:
    """The layer on mapped tokens against autograd GD on phi(x) at every prefix (module docstring).

    ``x`` (B, N+1, f), ``y`` (B, N, m), float64. ``mutant`` changes the data map and/or the base description.
    """
    _, N, m = y.shape
    with torch.no_grad():
        feats = phi(x)  # (B, N+1, p): phi(x_i), the query's included
    p = feats.shape[-1]
    eta_ = stable_eta(feats, N) if eta is None else eta
    base = feature_base(p, m, N, k, eta_)
    if mutant is not None:
        data = mutant.data or data
        if mutant.base is not None:
            from gdssm.symbolic.mutants import mutant as base_mutant

            base = base_mutant(mutant.base).apply(base)
    with torch.no_grad():
        tokens_x = feats.clone()
        if data.query == "phi'":
            tokens_x[:, -1] = (phi_query or perturbed(phi))(x[:, -1])
        elif data.query == "id" or data.x == "id":
            raise BadInput("the numeric feature check maps x and the query through a feature map")
        labels = y
        if data.y == "phi(y)":
            if x.shape[-1] != m:
                raise BadInput(f"phi-on-y needs f = m, got f = {x.shape[-1]}, m = {m}")
            labels = phi(y)[..., -m:]
        layer = GDSSMLayer.from_construction(base, dtype=x.dtype)
        out = layer(tokens_x, labels)
    target = gd_predictions(feature_base(p, m, N, k, eta_).gd, feats, y)  # the claim: GD on the features
    diff = (out - target).abs()
    return FeatureCheck(float(diff.max()), float(target.abs().max()), out, target)


def sample(f: int, m: int, N: int, batch: int, seed: int, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    """x ~ U(-1, 1)^f (N+1 per task, the last the query) and labels y ~ N(0, 1)^m."""
    gen = torch.Generator().manual_seed(seed)
    x = torch.rand(batch, N + 1, f, generator=gen, dtype=dtype) * 2 - 1
    y = torch.randn(batch, N, m, generator=gen, dtype=dtype)
    return x, y


@dataclass(frozen=True)
class MLPCase:
    """A drawn feature check: sizes, the MLP's architecture and the seeds."""

    f: int
    m: int
    N: int
    k: int
    widths: tuple[int, ...]
    p: int
    activation: str
    seed: int

    def run(self, batch: int = 3, mutant: FeatureMutant | None = None) -> FeatureCheck:
        """The comparison on this case (``mutant``: a wrong construction)."""
        phi = mlp(self.f, self.widths, self.p, self.activation, seed=self.seed)
        x, y = sample(self.f, self.m, self.N, batch, self.seed + 1)
        return compare(phi, x, y, self.k, mutant=mutant)


@st.composite
def mlp_cases(draw: Any, max_f: int = 3, max_m: int = 2, max_N: int = 12, max_k: int = 3, max_width: int = 8,
              max_depth: int = 3, same_fm: bool = False) -> MLPCase:
    """Hypothesis: sizes, widths (depth 0..max_depth hidden layers), activation and seed of an MLP feature check."""
    f = draw(st.integers(1, max_f))
    m = f if same_fm else draw(st.integers(1, max_m))
    depth = draw(st.integers(0, max_depth))
    widths = tuple(draw(st.lists(st.integers(1, max_width), min_size=depth, max_size=depth)))
    return MLPCase(f=f, m=m, N=draw(st.integers(1, max_N)), k=draw(st.integers(1, max_k)), widths=widths,
                   p=draw(st.integers(1, 6)), activation=draw(st.sampled_from(sorted(ACTIVATIONS))),
                   seed=draw(st.integers(0, 2**31 - 1)))


__all__ = ["ACTIVATIONS", "FeatureCheck", "MLPCase", "compare", "feature_base", "mlp", "mlp_cases", "perturbed",
           "sample", "stable_eta"]
