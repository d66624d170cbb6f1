"""Route 3 for feature constructions: phi a torch MLP, the layer on phi(x) against autograd GD on the features.

The construction is the one-step or k-step construction of :mod:`symbolic.constructions` at dims (p, m),
lowered to a :class:`~numeric.layer.GDSSMLayer`; its tokens carry the data the :class:`~symbolic.features.DataMap`
says (phi on the x tokens and the query, labels unchanged). The oracle (:func:`numeric.oracle.gd_predictions`)
runs k steps of GD by autograd on the features (phi(x_i), y_i) and predicts W_k^{(t)} phi(x_{t+1}) at every prefix.
The two share only phi's output tensor.

Mutants (:data:`symbolic.features.FEATURE_MUTANTS`): ``wrong-phi-on-query`` feeds the query token x_q through phi'
(phi with its output layer perturbed), ``phi-on-y`` feeds the labels through phi (cut to m outputs; needs f = m),
``missing-1/N`` lowers the description with alpha = eta.

The authors' non-linear model (claim ``ref.nonlinear_glu``, :mod:`symbolic.reference_glu`): :func:`glu_compare`
runs a literal transcription of their forward (paper-facts §4.8: M_k = U_k^T w_q U_k, S_k = Lambda_bar (.) S_{k-1}
+ M_k, Z_k = C S_k^T, o_k = Z_k U_k^T D, with the analytic core) on tokens embedded by an affine phi shared by x
and y, then yhat_k = -g(o_k) with their half_glu2 readout (real GELU and sigmoid), against the closed form
-g(-W^{(k)}_1 phi(x_{k+1})), W^{(k)}_1 from autograd GD on (phi(x_i), phi(y_i)). Its mutants are those of
:data:`symbolic.reference_glu.GLU_MUTANTS` (phi' = phi perturbed on the query, psi = phi perturbed on the y tokens,
the core with alpha = eta).
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


class HalfGLU(nn.Module):
    """half_glu2: g(o) = W_3 (o (.) sigma(W_2 GELU(o) + b_2)) + b_3 (seeded PyTorch default init)."""

    def __init__(self, P: int, q: int = 1, *, seed: int = 0, dtype: torch.dtype = torch.float64) -> None:
        super().__init__()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.out2 = nn.Linear(P, P, dtype=dtype)
            self.out3 = nn.Linear(P, q, dtype=dtype)

    def forward(self, o: Tensor) -> Tensor:
        """g(o) on the last axis."""
        return self.out3(o * torch.sigmoid(self.out2(nn.functional.gelu(o))))


def reference_forward(layer: Any, z: Tensor) -> Tensor:
    """The authors' layer on tokens z (B, 2N+1, H): o_k (B, N, H), a transcription of paper-facts §4.8."""
    wq, Lb, C, D = (torch.tensor([[float(v) for v in row] for row in a.tolist()], dtype=z.dtype)
                    for a in (layer.w_q, layer.Lambda_bar, layer.C, layer.D))
    B, n_tok, H = z.shape
    S = z.new_zeros(B, H, H)
    outs = []
    for k in range((n_tok - 1) // 2):
        U = z[:, 2 * k: 2 * k + 3]  # (B, 3, H)
        S = Lb * S + U.transpose(1, 2) @ wq @ U
        v = U.transpose(1, 2) @ D  # (B, H, 1)
        outs.append((C @ S.transpose(1, 2) @ v)[..., 0])
    return torch.stack(outs, dim=1)


def glu_compare(P: int, N: int, batch: int = 3, seed: int = 0, mutant: str | None = None) -> FeatureCheck:
    """Their non-linear model (scalar tokens) against its closed form at every prefix (module docstring)."""
    from gdssm.symbolic.mutants import mutant as base_mutant
    from gdssm.symbolic.reference import reference_of

    phi = mlp(1, (), P, seed=seed)  # nn.Dense(P): affine, shared by x and y tokens
    g = HalfGLU(P, seed=seed + 1)
    x, y = sample(1, 1, N, batch, seed + 2)
    claimed = one_step(P, P, N, sp.Rational(1, 2), layout="reference")  # the core and the GD the claim compares with
    core = claimed
    if mutant == "missing-1/N":
        core = base_mutant("missing-1/N").apply(core)
    elif mutant not in (None, "wrong-phi-on-query", "unshared-y-embedding"):
        raise BadInput(f"unknown mutant {mutant!r} of the non-linear model")
    with torch.no_grad():
        fx, fy = phi(x), phi(y)
        tok_x, tok_y = fx.clone(), fy.clone()
        if mutant == "wrong-phi-on-query":
            tok_x[:, -1] = perturbed(phi)(x[:, -1])
        if mutant == "unshared-y-embedding":
            tok_y = perturbed(phi, seed=2)(y)
        z = torch.empty(batch, 2 * N + 1, P, dtype=x.dtype)
        z[:, 0::2], z[:, 1::2] = tok_x, tok_y
        theirs = -g(reference_forward(reference_of(core.params, core.layout), z))
        closed = -g(-gd_predictions(claimed.gd, fx, fy))
    diff = (theirs - closed).abs()
    return FeatureCheck(float(diff.max()), float(closed.abs().max()), theirs, closed)


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


__all__ = ["ACTIVATIONS", "FeatureCheck", "HalfGLU", "MLPCase", "compare", "feature_base", "glu_compare", "mlp",
           "mlp_cases", "perturbed", "reference_forward", "sample", "stable_eta"]
