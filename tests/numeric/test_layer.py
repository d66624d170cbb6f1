"""The torch GD-SSM layer: equals GD at every prefix, its three scans agree, gradients, state_dict, bad input."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdssm.core.errors import BadInput, DomainError, ShapeError
from gdssm.numeric import planner, scans
from gdssm.numeric import strategies as gst
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.planner import Plan
from gdssm.numeric.samplers import TaskLaw
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout, forward
from tests.numeric.helpers import random_layer, rel_error, tasks_for

PARAMS = (*PARAMETER_NAMES, "rho", "beta", "c")


def _predict(layer: GDSSMLayer, x: torch.Tensor, y: torch.Tensor, **kw: object) -> torch.Tensor:
    with torch.no_grad():
        return layer(x.to(layer.Q.dtype), y.to(layer.Q.dtype), **kw)


@settings(deadline=None)
@given(law=gst.input_laws(), seed=gst.seeds(), data=st.data())
def test_layer_equals_gd_at_every_prefix(law: TaskLaw, seed: int, data: st.DataObject) -> None:
    """Drawn constructions (f, m <= 32, N <= 64, k <= 8): float64 within 1e-10, float32 within 1e-4, relative."""
    c = data.draw(gst.constructions(law=law, max_f=32, max_m=32, max_N=64, max_k=8))
    tasks = tasks_for(c, law, seed)
    oracle = gd_predictions(c.gd, tasks.x, tasks.y)
    for dtype, tol in ((torch.float64, 1e-10), (torch.float32, 1e-4)):
        layer = GDSSMLayer.from_construction(c, dtype=dtype)
        assert rel_error(_predict(layer, tasks.x, tasks.y), oracle) <= tol


@pytest.mark.parametrize("construction", [
    k_step(4, 2, 1024, 3, "1/8"),
    k_step(3, 1, 1024, 8, "1/8", lam="99/100", gamma="1/10"),
    one_step(5, 1, 1024, "1/4", layout="reference"),
], ids=["k3", "k8-discounted-decay", "one-step-reference"])
def test_long_context_equals_gd(construction: Construction) -> None:
    """N = 1024: every prefix of every task agrees with autograd GD (float64 1e-10, float32 1e-4)."""
    c = construction
    tasks = tasks_for(c, TaskLaw(), seed=3, batch=2)
    oracle = gd_predictions(c.gd, tasks.x, tasks.y)
    assert rel_error(_predict(GDSSMLayer.from_construction(c), tasks.x, tasks.y), oracle) <= 1e-10
    assert rel_error(_predict(GDSSMLayer.from_construction(c, torch.float32), tasks.x, tasks.y), oracle) <= 1e-4


@settings(deadline=None)
@given(f=st.integers(1, 6), m=st.integers(1, 3), N=st.integers(1, 80), k=st.integers(0, 4),
       lam=st.sampled_from(["ones", "uniform"]), block=st.integers(1, 40), seed=gst.seeds())
def test_three_paths_agree(f: int, m: int, N: int, k: int, lam: str, block: int, seed: int) -> None:
    """Random parameters: sequential, chunked (any block) and cumsum (Lambda = 1) agree; tokens == (x, y) input."""
    layer = random_layer(f, m, k, seed, lam=lam)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(2, N + 1, f, generator=gen, dtype=torch.float64)
    y = torch.randn(2, N, m, generator=gen, dtype=torch.float64)
    want = _predict(layer, x, y, path="sequential")
    outs = [_predict(layer, x, y, path="chunked", block=block), _predict(layer, x, y, path="auto")]
    if lam == "ones":
        outs += [_predict(layer, x, y, path="cumsum"), _predict(layer, x, y, path="cumsum", block=block)]
    tokens = torch.zeros(2, 2 * N + 1, f + m, dtype=torch.float64)
    tokens[:, 0::2] = x @ layer.E_x.T
    tokens[:, 1::2] = y @ layer.E_y.T
    with torch.no_grad():
        outs.append(layer(tokens))
    for out in outs:
        assert out.shape == (2, N, m)
        assert float((out - want).abs().max()) <= 1e-12 * max(1.0, float(want.abs().max()))


def _exact(value: float) -> sp.Rational:
    return sp.Rational(Fraction(value))


@pytest.mark.parametrize("seed", range(3))
def test_random_parameters_match_symbolic_layer(seed: int) -> None:
    """Any parameters (Lambda per entry, V maps, F, k = 3): torch equals symbolic.layer.forward on exact data."""
    f, m, N, k = 3, 2, 5, 3
    layer = random_layer(f, m, k, seed, lam="random")
    with torch.no_grad():
        layer.F.add_(0.3)
        layer.Q.add_(0.3)
    mats = {name: sp.Matrix([[_exact(v) for v in row] for row in getattr(layer, name).detach().reshape(
        getattr(layer, name).shape[0], -1).tolist()]) for name in PARAMETER_NAMES}
    mats["d"] = mats["d"].reshape(3, 1)
    readout = Readout(*(tuple(_exact(v) for v in getattr(layer, n).tolist()) for n in ("rho", "beta", "c")))
    params = LayerParams(**mats, readout=readout)
    gen = torch.Generator().manual_seed(seed)
    tokens = torch.randint(-16, 17, (1, 2 * N + 1, f + m), generator=gen).double() / 16
    with torch.no_grad():
        got = layer(tokens, path="sequential")[0]
    z = [tuple((Fraction(v),) for v in tok) for tok in tokens[0].tolist()]
    exact = forward(params, z, lambda v: Fraction(int(sp.Rational(v).p), int(sp.Rational(v).q)))
    want = torch.tensor([[float(e[0]) for e in col] for col in exact], dtype=torch.float64)
    assert rel_error(got, want) <= 1e-12


def test_gradients_flow_to_every_parameter() -> None:
    """Every parameter gets a finite, nonzero gradient; autograd matches finite differences (gradcheck)."""
    layer = random_layer(2, 1, 3, seed=0, lam="random")
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(2, 5, 2, generator=gen, dtype=torch.float64)
    y = torch.randn(2, 4, 1, generator=gen, dtype=torch.float64)
    (layer(x, y) ** 2).sum().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and torch.isfinite(p.grad).all() and p.grad.abs().sum() > 0, name
    names = [n for n, _ in layer.named_parameters()]

    def as_function(*values: torch.Tensor) -> torch.Tensor:
        state = dict(zip(names, values, strict=True))
        return torch.func.functional_call(layer, state, (x, y))

    inputs = tuple(p.detach().clone().requires_grad_(True) for p in layer.parameters())
    assert torch.autograd.gradcheck(as_function, inputs)


@pytest.mark.parametrize("lam", ["ones", "uniform"])
def test_fast_paths_give_the_same_gradients_to_the_other_parameters(lam: str) -> None:
    """With Lambda frozen, cumsum / chunked backpropagate like the sequential scan."""
    layer = random_layer(3, 2, 2, seed=4, lam=lam)
    layer.Lambda.requires_grad_(False)
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(2, 20, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(2, 19, 2, generator=gen, dtype=torch.float64)
    grads = {}
    for path in ["sequential", "chunked"] + (["cumsum"] if lam == "ones" else []):
        layer.zero_grad()
        layer(x, y, path=path, block=6).pow(2).sum().backward()
        grads[path] = [p.grad.clone() for p in layer.parameters() if p.requires_grad]
    for path, gs in grads.items():
        for g, ref in zip(gs, grads["sequential"], strict=True):
            assert torch.allclose(g, ref, rtol=1e-10, atol=1e-12), path


def test_state_dict_round_trip() -> None:
    """state_dict keys are the parameter names (plus the E_x, E_y buffers); strict loading reproduces outputs."""
    c = k_step(3, 2, 7, 3, "1/8", lam="9/10")
    layer = GDSSMLayer.from_construction(c)
    state = layer.state_dict()
    assert set(state) == {*PARAMS, "E_x", "E_y"}
    assert [n for n, _ in layer.named_parameters()] == list(PARAMS)
    fresh = GDSSMLayer(torch.zeros(5, 3), torch.zeros(5, 2), k=3)
    fresh.load_state_dict(state, strict=True)
    tasks = tasks_for(c, TaskLaw(), seed=0)
    assert torch.equal(_predict(fresh, tasks.x, tasks.y), _predict(layer, tasks.x, tasks.y))


def test_neutral_layer_and_float32() -> None:
    """A fresh layer predicts 0; from_construction honours dtype; shapes of readout constants follow k."""
    layer = GDSSMLayer(torch.eye(3, 2), torch.eye(3, 1), k=0)
    assert layer.rho.shape == (0,) and layer.c.shape == (0,)
    assert torch.equal(layer(torch.ones(2, 4, 2, dtype=torch.float64), torch.ones(2, 3, 1, dtype=torch.float64)),
                       torch.zeros(2, 3, 1, dtype=torch.float64))
    c32 = GDSSMLayer.from_construction(k_step(2, 1, 4, 2, "1/4"), dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in c32.parameters()) and c32.E_x.dtype == torch.float32


def test_auto_plan_follows_the_documented_rule() -> None:
    """statistics for a recognised construction with no gradient wanted; otherwise sequential when Lambda needs a
    gradient or varies; cumsum when small and Lambda = 1; chunked otherwise."""
    layer = GDSSMLayer.from_construction(k_step(3, 1, 8, 2, "1/8"))
    assert layer.plan(2, 8).path == "sequential"  # grad mode on, Lambda trainable
    with torch.no_grad():
        assert layer.plan(2, 8) == Plan("statistics", 8, 2, 1)  # one chunk of 8, one group of both tasks
    layer.statistics = False  # the general scans' own rule
    with torch.no_grad():
        assert layer.plan(2, 8).path == "cumsum"
        assert layer.plan(2, 8).block == 8
        assert layer.plan(64, 4096).path == "chunked"
        assert layer.plan(64, 4096).block == layer.chunk_length(64) == 32  # sqrt(7e4 * 5 / (64 * 2 * 4)) ~ 26
        assert layer.plan(1, 2**18) == Plan("chunked", 128)
        layer.Lambda.fill_(0.5)
        assert layer.plan(2, 8).path == "chunked"
        layer.Lambda[0, 1] = 0.25
        assert layer.plan(2, 8).path == "sequential"
    layer.Lambda.requires_grad_(False)
    with torch.no_grad():
        layer.Lambda.fill_(1.0)
    assert layer.plan(2, 8).path == "cumsum"


def _layer() -> GDSSMLayer:
    return GDSSMLayer.from_construction(k_step(2, 1, 3, 2, "1/4"))


F64 = torch.float64
BAD_INPUTS = [
    ("even token count", lambda L: L(torch.zeros(1, 4, 3, dtype=F64)), "tokens must have shape"),
    ("token width", lambda L: L(torch.zeros(1, 5, 4, dtype=F64)), "tokens must have shape"),
    ("x width", lambda L: L(torch.zeros(1, 4, 3, dtype=F64), torch.zeros(1, 3, 1, dtype=F64)), "inputs x"),
    ("y length", lambda L: L(torch.zeros(1, 4, 2, dtype=F64), torch.zeros(1, 4, 1, dtype=F64)), "labels y"),
    ("y batch", lambda L: L(torch.zeros(1, 4, 2, dtype=F64), torch.zeros(2, 3, 1, dtype=F64)), "labels y"),
    ("NaN data", lambda L: L(torch.full((1, 4, 2), float("nan"), dtype=F64), torch.zeros(1, 3, 1, dtype=F64)),
     "NaN or infinite"),
    ("inf labels", lambda L: L(torch.zeros(1, 4, 2, dtype=F64), torch.full((1, 3, 1), float("inf"), dtype=F64)),
     "NaN or infinite"),
    ("dtype mismatch", lambda L: L(torch.zeros(1, 4, 2), torch.zeros(1, 3, 1)), "dtype mismatch"),
    ("integer data", lambda L: L(torch.zeros(1, 4, 2, dtype=torch.int64), torch.zeros(1, 3, 1, dtype=torch.int64)),
     "convert the data (inputs.to(torch.float64))"),
    ("empty batch", lambda L: L(torch.zeros(0, 4, 2, dtype=F64), torch.zeros(0, 3, 1, dtype=F64)),
     "at least one sequence (B >= 1)"),
    ("not a tensor", lambda L: L([[0.0]]), "must be a torch.Tensor"),
    ("unknown path", lambda L: L.plan(1, 3, path="fast"), "unknown forward path"),
    ("block 0", lambda L: L.plan(1, 3, path="chunked", block=0), "block length"),
    ("batch 0", lambda L: L.plan(0, 3), "batch size B must be an integer >= 1"),
    ("cumsum with gradient", lambda L: L.plan(1, 3, path="cumsum"), "no gradient"),
    ("k < 0", lambda L: GDSSMLayer(torch.eye(2), torch.eye(2), k=-1), "k must be an integer >= 0"),
    ("embedding shapes", lambda L: GDSSMLayer(torch.eye(2), torch.eye(3), k=1), "embeddings"),
    ("symbolic eta", lambda L: GDSSMLayer.from_construction(k_step(2, 1, 3, 2)), "symbol(s) eta"),
]


@pytest.mark.parametrize(("case", "call", "words"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_is_a_user_error(case: str, call: object, words: str) -> None:
    """Bad input raises BadInput with a one-line message naming the problem."""
    layer = _layer()
    with pytest.raises(BadInput, match=re.escape(words)) as info:
        call(layer)  # type: ignore[operator]
    assert "\n" not in str(info.value)


def test_lambda_structure_is_required_by_the_fast_paths() -> None:
    layer = _layer()
    with torch.no_grad():
        layer.Lambda.fill_(0.5)
        with pytest.raises(BadInput, match="Lambda = 1 everywhere"):
            layer.plan(1, 3, path="cumsum")
        layer.Lambda[0, 0] = 0.25
        with pytest.raises(BadInput, match="one decay for every entry"):
            layer.plan(1, 3, path="chunked")


SHAPE_ERRORS = ["even token count", "token width", "x width", "y length", "y batch", "empty batch", "embedding shapes"]


@pytest.mark.parametrize("case", SHAPE_ERRORS)
def test_shape_mismatches_are_shape_errors(case: str) -> None:
    """Wrong shapes raise ShapeError (a BadInput, so a ValueError); a wrong dtype is a BadInput, not a torch error."""
    call = {b[0]: b[1] for b in BAD_INPUTS}[case]
    with pytest.raises(ShapeError):
        call(_layer())  # type: ignore[operator]
    with pytest.raises(ValueError, match="dtype mismatch"):
        _layer()(torch.zeros(1, 4, 2), torch.zeros(1, 3, 1))
    with pytest.raises(DomainError, match="block length"):
        _layer().plan(1, 3, path="chunked", block=0)


def test_scans_and_planner_on_their_own() -> None:
    """The scans give S_t v for a block and the next carry; the sequential scan takes one position per block."""
    gen = torch.Generator().manual_seed(0)
    B, L, H = 2, 5, 3
    P, K = torch.randn(B, L, 3, H, generator=gen, dtype=F64), torch.randn(B, L, 3, H, generator=gen, dtype=F64)
    carry, v = torch.randn(B, H, H, generator=gen, dtype=F64), torch.randn(B, L, H, generator=gen, dtype=F64)
    lam = torch.tensor(0.75, dtype=F64)
    states, S = [], carry
    for t in range(L):
        S = lam * S + P[:, t].transpose(-1, -2) @ K[:, t]  # S_t = lambda S_{t-1} + P_t K_t^T
        states.append(S)
    want = torch.stack([states[t] @ v[:, t, :, None] for t in range(L)], dim=1)[..., 0]
    apply_state, last = scans.chunked_scan(lam, 8)(P, K, carry)
    assert torch.allclose(apply_state(v), want, rtol=1e-12, atol=1e-12) and torch.allclose(last, states[-1])
    ones = scans.block_scan("cumsum", L, torch.ones(H, H, dtype=F64))
    apply_state, last = ones(P, K, carry)
    assert torch.allclose(last, carry + (P.transpose(-1, -2) @ K).sum(dim=1))
    step = scans.block_scan("sequential", 1, torch.full((H, H), 0.75, dtype=F64))
    _, first = step(P[:, :1], K[:, :1], carry)
    assert torch.allclose(first, states[0])
    with pytest.raises(ShapeError, match="one position per block"):
        step(P, K, carry)
    with pytest.raises(BadInput, match="unknown scan 'fast'"):
        scans.block_scan("fast", 1, torch.ones(H, H, dtype=F64))
    assert planner.chunk_length(64, 4, 2) == 32 and planner.bytes_per_state(2, 3, 8) == 4 * 2 * 9 * 8


@pytest.mark.parametrize("lam", ["1", "9/10"])
def test_k_steps_from_w0_match_autograd_gd_from_w0(lam: str) -> None:
    """The k-step layer from W_0 (value map I - E_y W_0 E_x^T, feedthrough W_0 E_x^T) is autograd GD from W_0 at
    every prefix; the statistics path does not take it (V_1 is not I), the general paths do; W_0 = 0 gives a
    different prediction, so the check sees W_0."""
    W0 = sp.Matrix([[1, -2, sp.Rational(1, 2)], [0, 3, 1]])
    c = k_step(3, 2, 6, 3, "1/2", lam=lam, W0=W0)
    layer = GDSSMLayer.from_construction(c).requires_grad_(False)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(4, 7, 3, generator=gen, dtype=torch.float64)
    y = torch.randn(4, 6, 2, generator=gen, dtype=torch.float64)
    want = gd_predictions(c.gd, x, y)
    assert layer.structure() == "value map V1 is not the identity"
    for path in ("auto", "sequential"):
        assert rel_error(layer(x, y, path=path), want) < 1e-12
    from_zero = gd_predictions(k_step(3, 2, 6, 3, "1/2", lam=lam).gd, x, y)
    assert rel_error(from_zero, want) > 1e-2
