"""The statistics path (numeric.fast_path): recognised exactly, equal to the general path, never a wrong fast answer."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from gdssm.core.errors import BadInput
from gdssm.numeric import strategies as gst
from gdssm.numeric.alignment import query_sensitivities
from gdssm.numeric.fast_path import Linear, Statistics, factored, recognise, statistics_forward, widened
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.planner import Plan, statistics_chunk, statistics_group, statistics_plan
from gdssm.numeric.samplers import TaskLaw
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.mutants import MUTANTS, applicable
from tests.numeric.helpers import rel_error, tasks_for

F64, F32 = torch.float64, torch.float32
CLOSE = {F64: 1e-12, F32: 2e-5}
"""Largest relative difference between the statistics path and the general path (same parameters, same data):
only the order of the roundings differs."""
GENERAL = "sequential"
"""The general scan the statistics path is compared with (any Lambda, every state formed)."""


def _both(layer: GDSSMLayer, x: torch.Tensor, y: torch.Tensor, **kw: object) -> tuple[torch.Tensor, torch.Tensor]:
    with torch.no_grad():
        return layer(x, y, path="statistics", **kw), layer(x, y, path=GENERAL)


def _recognised(layer: GDSSMLayer) -> bool:
    return isinstance(layer.structure(), Statistics)


@settings(deadline=None)
@given(law=gst.input_laws(), seed=gst.seeds(), data=st.data())
def test_derived_constructions_take_the_statistics_path_and_equal_the_general_path(
        law: TaskLaw, seed: int, data: st.DataObject) -> None:
    """Every drawn construction without W_0 is recognised and auto takes the statistics path; it equals the general
    path (float64 1e-12, float32 2e-5) and autograd GD (1e-10, 1e-4). With W_0 (F != 0) auto falls back."""
    c = data.draw(gst.constructions(law=law, max_f=16, max_m=4, max_N=64, max_k=8))
    tasks = tasks_for(c, law, seed)
    oracle = gd_predictions(c.gd, tasks.x, tasks.y)
    for dtype, tol in ((F64, 1e-10), (F32, 1e-4)):
        layer = GDSSMLayer.from_construction(c, dtype=dtype)
        x, y = tasks.x.to(dtype), tasks.y.to(dtype)
        with torch.no_grad():
            plan = layer.plan(x.shape[0], c.N)
            auto = layer(x, y)
            general = layer(x, y, path=GENERAL)
        assert (plan.path == "statistics") == (c.gd.W0 is None)
        assert rel_error(auto, general) <= CLOSE[dtype]
        assert rel_error(auto, oracle) <= tol


@settings(deadline=None)
@given(law=gst.input_laws(), seed=gst.seeds(), data=st.data())
def test_mutants_are_recognised_correctly_or_fall_back(law: TaskLaw, seed: int, data: st.DataObject) -> None:
    """A mutant's layer either takes the statistics path and equals the general path, or is refused (auto then runs
    a general scan): never a wrong fast answer. The window (q-entry-moved) and value-map mutants are refused."""
    c = data.draw(gst.constructions(law=law, max_f=8, max_m=3, max_N=24, max_k=4))
    mutants = applicable(c)
    if not mutants:
        return
    mut = data.draw(st.sampled_from(mutants))
    wrong = mut.apply(c)
    tasks = tasks_for(wrong, law, seed)
    for dtype in (F64, F32):
        layer = GDSSMLayer.from_construction(wrong, dtype=dtype)
        x, y = tasks.x.to(dtype), tasks.y.to(dtype)
        if mut.name in ("q-entry-moved", "no-value-map") or c.gd.W0 is not None:
            assert not _recognised(layer)
            with torch.no_grad():
                assert layer.plan(x.shape[0], wrong.N).path != "statistics"
            continue
        assert _recognised(layer), mut.name
        fast, general = _both(layer, x, y)
        assert rel_error(fast, general) <= CLOSE[dtype], mut.name


def test_every_mutant_name_is_classified() -> None:
    """The classification above covers the whole catalogue (a new mutant must be placed)."""
    known = {"flipped-sign", "one-over-P", "missing-1/N", "q-entry-moved", "lambda-not-one", "wrong-window-entry",
             "missing-readout-step", "no-gram-correction", "no-value-map"}
    assert {m.name for m in MUTANTS} == known


def _split_embeddings(f: int, m: int) -> tuple[torch.Tensor, torch.Tensor]:
    E_x = torch.cat([torch.eye(f), torch.zeros(m, f)]).double()
    return E_x, torch.cat([torch.zeros(f, m), torch.eye(m)]).double()


def structured_layer(f: int, m: int, k: int, seed: int, *, lam: float, embeddings: str = "split") -> GDSSMLayer:
    """A layer with the recognised structure and every free parameter random: d, C, R, Q_11, Q_21, the readout
    constants, lambda, and (``embeddings="random"``) arbitrary E_x, E_y."""
    gen = torch.Generator().manual_seed(seed)
    if embeddings == "split":
        E_x, E_y = _split_embeddings(f, m)
    else:
        H = f + m + 1
        E_x = torch.randn(H, f, generator=gen, dtype=F64) / H**0.5
        E_y = torch.randn(H, m, generator=gen, dtype=F64) / H**0.5
    layer = GDSSMLayer(E_x, E_y, k)
    H = layer.H
    with torch.no_grad():
        for name in ("d", "C", "R", "rho", "beta", "c"):
            p = getattr(layer, name)
            p.copy_(torch.randn(p.shape, generator=gen, dtype=F64) / max(1, p.shape[-1]) ** 0.5)
        layer.Q.zero_()
        layer.Q[0, 0], layer.Q[1, 0] = torch.randn(2, generator=gen, dtype=F64)
        layer.Lambda.fill_(lam)
    assert H == layer.E_x.shape[0]
    return layer


@settings(deadline=None)
@given(f=st.integers(1, 6), m=st.integers(1, 3), N=st.integers(1, 70), k=st.integers(0, 4),
       lam=st.sampled_from([1.0, 0.9, 0.5, 0.0, -0.7]), embeddings=st.sampled_from(["split", "random"]),
       block=st.integers(1, 40), seed=gst.seeds())
def test_any_parameters_with_the_structure_equal_the_general_path(
        f: int, m: int, N: int, k: int, lam: float, embeddings: str, block: int, seed: int) -> None:
    """Random d, C, R, Q_11, Q_21, readout constants, lambda (0 and negative too), embeddings and chunk lengths:
    the statistics path is an identity of the layer's equations, not a property of the constructions."""
    layer = structured_layer(f, m, k, seed, lam=lam, embeddings=embeddings)
    gen = torch.Generator().manual_seed(seed + 1)
    x = torch.randn(3, N + 1, f, generator=gen, dtype=F64)
    y = torch.randn(3, N, m, generator=gen, dtype=F64)
    assert _recognised(layer)
    fast, general = _both(layer, x, y, block=block)
    assert fast.shape == general.shape == (3, N, m)
    assert float((fast - general).abs().max()) <= 1e-12 * max(1.0, float(general.abs().max()))


BREAKS = [
    ("V1", (0, 1), "value map V1"), ("V2", (1, 1), "value map V2"), ("V3", (2, 0), "value map V3"),
    ("F", (0, 2), "feedthrough"), ("Lambda", (1, 2), "more than one decay"), ("Q", (0, 1), "pairs other window"),
    ("Q", (2, 0), "pairs other window"), ("Q", (2, 2), "pairs other window"), ("Q", (1, 2), "pairs other window"),
]


@pytest.mark.parametrize(("name", "entry", "words"), BREAKS, ids=[f"{b[0]}{b[1]}" for b in BREAKS])
def test_one_entry_off_the_structure_falls_back(name: str, entry: tuple[int, int], words: str) -> None:
    """Changing one entry that the statistics path assumes (by 1e-3) is seen: auto runs the general path, and
    asking for the statistics path is a one-line BadInput naming the reason."""
    c = k_step(3, 1, 9, 3, "1/8")
    layer = GDSSMLayer.from_construction(c)
    tasks = tasks_for(c, TaskLaw(), seed=0)
    with torch.no_grad():
        before = layer(tasks.x, tasks.y)
        getattr(layer, name)[entry] += 1e-3
        assert layer.plan(4, c.N).path != "statistics"
        after = layer(tasks.x, tasks.y)
        assert torch.allclose(after, layer(tasks.x, tasks.y, path=GENERAL), rtol=1e-12, atol=0)
        with pytest.raises(BadInput, match=words):
            layer(tasks.x, tasks.y, path="statistics")
    assert not torch.equal(before, after) or name == "Lambda"


def test_edits_through_data_and_load_state_dict_are_seen() -> None:
    """The structure is cached but checked against every parameter's values on each call."""
    c = k_step(2, 1, 6, 2, "1/8")
    layer = GDSSMLayer.from_construction(c)
    assert _recognised(layer)
    layer.V1.data[0, 1] = 0.5  # .data bypasses the version counter
    assert layer.structure() == "value map V1 is not the identity"
    layer.load_state_dict(GDSSMLayer.from_construction(c).state_dict())
    assert _recognised(layer)
    assert isinstance(layer.to(F32).structure(), Statistics)


def test_storage_and_layout_changes_are_seen() -> None:
    """The cached flat views of the parameters follow a new storage (``.data = ...``) and a new layout (a transposed
    view on the same storage, a non-contiguous parameter): the statistics path always equals the general path."""
    layer = structured_layer(3, 2, 3, seed=7, lam=0.9)
    gen = torch.Generator().manual_seed(8)
    x, y = torch.randn(2, 21, 3, generator=gen, dtype=F64), torch.randn(2, 20, 2, generator=gen, dtype=F64)
    before, _ = _both(layer, x, y)
    edits = (lambda: setattr(layer.R, "data", layer.R.data.t()),  # same storage, other strides
             lambda: setattr(layer.C, "data", torch.randn(layer.C.shape, generator=gen, dtype=F64)),  # new storage
             lambda: layer.R.data.mul_(2.0))  # in place, through the non-contiguous parameter
    for edit in edits:
        edit()
        fast, general = _both(layer, x, y)
        assert rel_error(fast, general) <= CLOSE[F64]
        assert not torch.equal(fast, before)
        before = fast


def test_parameters_that_need_a_gradient_take_the_general_path() -> None:
    """Training (parameters requiring grad, grad mode on) never takes the statistics path; asking for it fails."""
    c = k_step(2, 1, 6, 2, "1/8")
    layer = GDSSMLayer.from_construction(c)
    assert layer.plan(2, 6).path == "sequential"
    tasks = tasks_for(c, TaskLaw(), seed=1)
    with pytest.raises(BadInput, match="no gradient"):
        layer(tasks.x, tasks.y, path="statistics")
    layer.requires_grad_(False)
    assert layer.plan(2, 6).path == "statistics"
    layer.statistics = False
    with torch.no_grad():
        assert layer.plan(2, 6).path == "cumsum"


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize("construction", [
    k_step(3, 2, 40, 3, "1/8"), k_step(2, 1, 33, 2, "1/8", lam="9/10", gamma="1/10"),
    one_step(3, 1, 37, "1/4", layout="reference"), one_step(3, 3, 20, "1/4", layout="reference", lam="1/2"),
], ids=["k3", "k2-discounted-decay", "one-step-scalar", "one-step-vector"])
def test_gradients_to_the_data_equal_the_general_path(construction: Construction, dtype: torch.dtype) -> None:
    """Frozen parameters, data that need a gradient (as in the training's query sensitivities): the statistics path
    backpropagates to x and y like the general scan, and numeric.alignment sees the same sensitivities."""
    c = construction
    layer = GDSSMLayer.from_construction(c, dtype=dtype).requires_grad_(False)
    tasks = tasks_for(c, TaskLaw(), seed=2, batch=3)
    weight = torch.randn(3, c.N, c.m, generator=torch.Generator().manual_seed(3), dtype=F64).to(dtype)
    grads = {}
    for path in ("statistics", "chunked"):
        x = tasks.x.to(dtype).requires_grad_(True)
        y = tasks.y.to(dtype).requires_grad_(True)
        (layer(x, y, path=path, block=8) * weight).sum().backward()
        assert x.grad is not None and y.grad is not None
        grads[path] = (x.grad, y.grad)
    for got, want in zip(grads["statistics"], grads["chunked"], strict=True):
        assert rel_error(got, want.double()) <= CLOSE[dtype] * 10
    assert layer.plan(3, c.N).path == "statistics"
    yhat, J = query_sensitivities(layer, tasks.__class__(tasks.x.to(dtype), tasks.y.to(dtype), tasks.W.to(dtype),
                                                         tasks.distractor))
    layer.statistics = False
    yhat_ref, J_ref = query_sensitivities(layer, tasks.__class__(tasks.x.to(dtype), tasks.y.to(dtype),
                                                                 tasks.W.to(dtype), tasks.distractor))
    assert rel_error(yhat, yhat_ref.double()) <= CLOSE[dtype] and rel_error(J, J_ref.double()) <= CLOSE[dtype] * 10


def test_token_input_groups_and_chunks_agree() -> None:
    """Token input (B, 2N+1, H), every chunk length and group of tasks give the same outputs."""
    c = k_step(3, 2, 29, 3, "1/8", lam="99/100")
    layer = GDSSMLayer.from_construction(c)
    tasks = tasks_for(c, TaskLaw(), seed=4, batch=5)
    tokens = torch.zeros(5, 2 * c.N + 1, c.H, dtype=F64)
    tokens[:, 0::2] = tasks.x @ layer.E_x.T
    tokens[:, 1::2] = tasks.y @ layer.E_y.T
    with torch.no_grad():
        want = layer(tasks.x, tasks.y, path=GENERAL)
        assert layer.plan(5, c.N, tokens=True).path == "statistics"
        assert rel_error(layer(tokens), want) <= 1e-12
        for block in (1, 2, 7, 29, 64):
            assert rel_error(layer(tasks.x, tasks.y, path="statistics", block=block), want) <= 1e-12
        layer.memory_budget = 0  # irrelevant to the statistics path
        assert rel_error(layer(tasks.x, tasks.y), want) <= 1e-12


def test_zero_readouts_predict_zero() -> None:
    """k = 0, d = 0 or C = 0: the statistics path returns zeros of the right shape, like the general path."""
    x = torch.randn(2, 5, 2, dtype=F64)
    y = torch.randn(2, 4, 1, dtype=F64)
    for k, zero in ((0, None), (2, "d"), (2, "C")):
        layer = structured_layer(2, 1, k, seed=k, lam=1.0)
        if zero is not None:
            with torch.no_grad():
                getattr(layer, zero).zero_()
        fast, general = _both(layer, x, y)
        assert torch.equal(fast, torch.zeros(2, 4, 1, dtype=F64)) and torch.equal(general, fast)


def test_linear_maps_are_classified_exactly() -> None:
    assert Linear.of(torch.zeros(2, 3)).kind == "zero"
    assert Linear.of(torch.eye(3)).kind == "identity"
    assert Linear.of(0.25 * torch.eye(2)) == Linear("scaled", scale=0.25)
    almost = torch.eye(2)
    almost[0, 1] = 1e-30
    assert Linear.of(almost).kind == "matrix"
    assert Linear.of(torch.diag(torch.tensor([1.0, 2.0]))).kind == "matrix"
    v = torch.randn(4, 3, 2)
    assert Linear.of(torch.eye(2))(v) is v and Linear.of(torch.zeros(2, 2))(v) is None


def test_recognise_refuses_non_finite_parameters() -> None:
    layer = structured_layer(2, 1, 2, seed=0, lam=1.0)
    params = {n: p.detach().clone() for n, p in layer.named_parameters()}
    params["C"][0, 0] = float("inf")
    assert recognise(params, layer.E_x, layer.E_y) == "a parameter is not finite"


def test_statistics_plan_model() -> None:
    """One chunk up to 64 positions; chunks of 16 side by side when their states are small; otherwise chunk by chunk
    with L* = sqrt(STATISTICS_OVERHEAD / (B w)) as a power of two in [16, 128]; groups of tasks fit the cache; spans
    keep their vectors within SPAN_WORK_BYTES."""
    assert statistics_chunk(256, 64) == 16 and statistics_chunk(4, 16) == 64 and statistics_chunk(1, 1) == 128
    assert statistics_group(256, 64, 1, 16, 8) == 54 and statistics_group(4, 16, 1, 64, 8) == 4
    assert statistics_group(256, 64, 1, 16, 8, threads=2) == 109  # each thread's share of a group fits the cache
    assert statistics_plan(256, 8192, 64, 1, 8, k=3) == Plan("statistics", 16, 54, 1)  # the main benchmark case
    assert statistics_plan(16, 1024, 10, 10, 4, k=1) == Plan("statistics", 16, 16, 64, 16)  # spans, float32 lanes
    assert statistics_plan(8, 64, 16, 4, 8, k=3) == Plan("statistics", 64, 8, 1)  # one chunk
    assert statistics_plan(256, 8192, 64, 1, 8, k=1) == Plan("statistics", 16, 54, 2)  # spans of 2 chunks (6 MB)
    assert statistics_plan(8, 100, 4, 1, 8, block=7).block == 7
    with pytest.raises(BadInput, match="block length"):
        statistics_plan(8, 100, 4, 1, 8, block=0)


@settings(deadline=None)
@given(N=st.integers(1, 90), k=st.integers(1, 3), lam=st.sampled_from([1.0, 0.8, 0.0, -0.5]),
       block=st.integers(1, 20), span=st.integers(1, 12), seed=gst.seeds())
def test_spans_of_chunks_equal_one_chunk_at_a_time(N: int, k: int, lam: float, block: int, span: int,
                                                   seed: int) -> None:
    """Chunks processed side by side (states formed together) give the chunk-by-chunk result, with and without a
    carried state, for lambda = 1, in (0, 1), 0 and negative."""
    layer = structured_layer(3, 2, k, seed, lam=lam, embeddings="random")
    structure = layer.structure()
    assert isinstance(structure, Statistics)
    gen = torch.Generator().manual_seed(seed + 2)
    x = torch.randn(2, N + 1, 3, generator=gen, dtype=F64)
    y = torch.randn(2, N, 2, generator=gen, dtype=F64)
    with torch.no_grad():
        want = layer(x, y, path=GENERAL)
        got = statistics_forward(structure, x, y, block, span)
    assert float((got - want).abs().max()) <= 1e-12 * max(1.0, float(want.abs().max()))


def _scaled_outer(layer: GDSSMLayer, seed: int) -> None:
    """Make a_s = c y_s (Q_11 = 0, C E_y = c I with a random c, split embeddings): one scaled term."""
    f = layer.f
    with torch.no_grad():
        layer.Q[0, 0] = 0.0
        layer.C[:, f:] = torch.eye(layer.m, dtype=F64) * (0.3 + torch.rand(1, generator=torch.Generator().manual_seed(
            seed), dtype=F64))


@settings(deadline=None)
@given(f=st.integers(1, 6), m=st.integers(1, 5), N=st.integers(1, 70), k=st.integers(1, 3),
       lam=st.sampled_from([1.0, 0.8, 0.0, -0.5]), embeddings=st.sampled_from(["split", "random", "scaled"]),
       block=st.integers(1, 20), span=st.integers(1, 12), lanes=st.sampled_from([1, 2, 4, 16]), seed=gst.seeds())
def test_widened_products_equal_the_general_path(f: int, m: int, N: int, k: int, lam: float, embeddings: str,
                                                 block: int, span: int, lanes: int, seed: int) -> None:
    """Products computed wide (keys padded with zero rows, a_s with zero columns, A^C kept keys-major) give the
    general path's outputs, float64 within 1e-12, in every combination of chunks, spans and decays, also with the
    scale of a single scaled a_s kept apart (``scaled``); the padding is dropped from the result."""
    layer = structured_layer(f, m, k, seed, lam=lam, embeddings="random" if embeddings == "random" else "split")
    if embeddings == "scaled":
        _scaled_outer(layer, seed)
    structure = layer.structure()
    assert isinstance(structure, Statistics)
    assert (structure.scale != 1.0) == (embeddings == "scaled")
    gen = torch.Generator().manual_seed(seed + 3)
    x = torch.randn(2, N + 1, f, generator=gen, dtype=F64)
    y = torch.randn(2, N, m, generator=gen, dtype=F64)
    with torch.no_grad():
        want = layer(x, y, path=GENERAL)
        got = statistics_forward(structure, x, y, block, span, lanes)
    assert got.shape == want.shape == (2, N, m)
    assert float((got - want).abs().max()) <= 1e-12 * max(1.0, float(want.abs().max()))


@pytest.mark.parametrize("dtype", [F64, F32])
@pytest.mark.parametrize(("N", "block", "span"), [(10, 64, 1), (40, 16, 1), (40, 16, 8), (37, 7, 3)])
def test_widened_products_give_the_general_gradients(dtype: torch.dtype, N: int, block: int, span: int) -> None:
    """Backward through the wide products (the padding, the keys-major A^C, a short tail chunk) equals the general
    path's gradients to x and y, for the one-step reference layout (a_s = -alpha y_s widened) and k = 2."""
    for c in (one_step(3, 3, N, "1/4", layout="reference"), k_step(3, 2, N, 2, "1/8", lam="9/10", gamma="1/10")):
        layer = GDSSMLayer.from_construction(c, dtype=dtype).requires_grad_(False)
        structure = layer.structure()
        assert isinstance(structure, Statistics)
        tasks = tasks_for(c, TaskLaw(), seed=5, batch=3)
        weight = torch.randn(3, N, c.m, generator=torch.Generator().manual_seed(6), dtype=F64).to(dtype)
        grads = []
        for run in ("wide", "general"):
            x = tasks.x.to(dtype).requires_grad_(True)
            y = tasks.y.to(dtype).requires_grad_(True)
            out = statistics_forward(structure, x, y, block, span, 16) if run == "wide" else \
                layer(x, y, path="chunked", block=8)
            (out * weight).sum().backward()
            assert x.grad is not None and y.grad is not None
            grads.append((x.grad, y.grad))
        for got, want in zip(*grads, strict=True):
            assert rel_error(got, want.double()) <= CLOSE[dtype] * 10


def test_a_single_scaled_term_is_factored() -> None:
    """c y_s (or c x_s) is read as the identity with scale c; two terms, a matrix or the identity keep scale 1."""
    zero, eye, half = Linear("zero"), Linear("identity"), Linear("scaled", scale=0.5)
    assert factored((zero, half)) == ((zero, eye), 0.5) and factored((half, zero)) == ((eye, zero), 0.5)
    for maps in ((half, half), (zero, eye), (eye, zero), (zero, Linear("matrix", torch.eye(2) * 2))):
        assert factored(maps) == (maps, 1.0)


def test_float32_plans_widen_narrow_products() -> None:
    """float32 plans pad narrow products to 16 (float64 ones do not); widths 1 and >= lanes stay as they are."""
    assert statistics_plan(1024, 10, 10, 10, 4).lanes == 16 and statistics_plan(1024, 10, 10, 10, 8).lanes == 1
    assert [widened(w, 16) for w in (1, 2, 10, 15, 16, 17, 40)] == [1, 16, 16, 16, 16, 17, 40]
    assert widened(10, 1) == 10
