"""The GD oracle: autograd GD equals exact per-sample GD (symbolic.gd) for every GDSpec variant."""

from __future__ import annotations

import ast
import inspect
from fractions import Fraction

import pytest
import sympy as sp
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import gdssm.numeric.oracle
from gdssm.core.errors import BadInput
from gdssm.numeric.oracle import gd_predictions
from gdssm.symbolic.gd import GDSpec
from gdssm.symbolic.gd import gd_predictions as exact_gd
from gdssm.symbolic.task import Context
from tests.numeric.helpers import rel_error


def _dyadic(draw: st.DrawFn, n: int) -> list[Fraction]:
    return [Fraction(v, 16) for v in draw(st.lists(st.integers(-16, 16), min_size=n, max_size=n))]


@st.composite
def specs_and_data(draw: st.DrawFn) -> tuple[GDSpec, Context]:
    f, m, N, k = draw(st.integers(1, 4)), draw(st.integers(1, 3)), draw(st.integers(1, 6)), draw(st.integers(0, 4))
    etas = tuple(sp.Rational(draw(st.integers(1, 8)), 16) for _ in range(k))
    W0 = draw(st.none() | st.just(sp.Matrix(m, f, [sp.Rational(v) for v in _dyadic(draw, m * f)])))
    P = draw(st.none() | st.just(sp.eye(f) + sp.Matrix(f, f, [sp.Rational(v) / 4 for v in _dyadic(draw, f * f)])))
    spec = GDSpec(etas=etas, normaliser=N, gamma=sp.Rational(draw(st.integers(0, 2)), 4),
                  lam=draw(st.sampled_from([sp.Integer(1), sp.Rational(1, 2), sp.Rational(7, 8)])), W0=W0, precond=P)
    xs = tuple(tuple((v,) for v in _dyadic(draw, f)) for _ in range(N + 1))
    ys = tuple(tuple((v,) for v in _dyadic(draw, m)) for _ in range(N))
    return spec, Context(xs=xs, ys=ys)


def _to_fraction(v: object) -> Fraction:
    r = sp.Rational(v)
    return Fraction(int(r.p), int(r.q))


@settings(deadline=None)
@given(case=specs_and_data())
def test_autograd_gd_equals_exact_gd(case: tuple[GDSpec, Context]) -> None:
    """Per-step etas, W_0, weight decay, discount, preconditioner: autograd GD == exact GD to 1e-12, every prefix."""
    spec, ctx = case
    x = torch.tensor([[float(v[0]) for v in xi] for xi in ctx.xs], dtype=torch.float64).unsqueeze(0)
    y = torch.tensor([[float(v[0]) for v in yi] for yi in ctx.ys], dtype=torch.float64).unsqueeze(0)
    got = gd_predictions(spec, x, y)[0]
    want = torch.tensor([[float(e[0]) for e in p] for p in exact_gd(spec, ctx, _to_fraction)], dtype=torch.float64)
    assert got.shape == want.shape
    assert rel_error(got, want) <= 1e-12


def test_prefix_subsets_and_blocks_agree(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any subset of prefixes, and any block size, gives the same predictions."""
    gen = torch.Generator().manual_seed(0)
    x, y = torch.randn(3, 41, 4, generator=gen, dtype=torch.float64), torch.randn(3, 40, 2, generator=gen,
                                                                                   dtype=torch.float64)
    spec = GDSpec(etas=(sp.Rational(1, 8),) * 3, normaliser=40, lam=sp.Rational(9, 10))
    full = gd_predictions(spec, x, y)
    assert full.shape == (3, 40, 2)
    assert torch.equal(gd_predictions(spec, x, y, prefixes=[1, 17, 40]), full[:, [0, 16, 39]])
    monkeypatch.setattr(gdssm.numeric.oracle, "BLOCK_ELEMENTS", 1)
    assert torch.allclose(gd_predictions(spec, x, y), full, rtol=0, atol=1e-15)


def test_oracle_shares_no_code_with_the_layer() -> None:
    """The oracle never imports the layer (nor any sufficient statistic): it differentiates the loss."""
    tree = ast.parse(inspect.getsource(gdssm.numeric.oracle))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    imported |= {alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names}
    assert imported == {"__future__", "collections.abc", "torch", "gdssm.core.errors", "gdssm.numeric.lowering",
                        "gdssm.symbolic.gd"}
    assert "torch.autograd.grad(" in inspect.getsource(gdssm.numeric.oracle)


def _spec(**kw: object) -> GDSpec:
    return GDSpec(**{"etas": (sp.Rational(1, 4),), "normaliser": 3, **kw})  # type: ignore[arg-type]


F64 = torch.float64
BAD = [
    ("x/y lengths", lambda: gd_predictions(_spec(), torch.zeros(1, 3, 2, dtype=F64), torch.zeros(1, 3, 1, dtype=F64)),
     "the oracle needs x"),
    ("dtype", lambda: gd_predictions(_spec(), torch.zeros(1, 4, 2, dtype=F64), torch.zeros(1, 3, 1)), "dtype"),
    ("NaN", lambda: gd_predictions(_spec(), torch.full((1, 4, 2), float("nan"), dtype=F64),
                                   torch.zeros(1, 3, 1, dtype=F64)), "finite"),
    ("prefix", lambda: gd_predictions(_spec(), torch.zeros(1, 4, 2, dtype=F64), torch.zeros(1, 3, 1, dtype=F64),
                                      prefixes=[0]), "prefixes"),
    ("W0 shape", lambda: gd_predictions(_spec(W0=sp.ones(2, 2)), torch.zeros(1, 4, 2, dtype=F64),
                                        torch.zeros(1, 3, 1, dtype=F64)), "W0 must be"),
    ("infinite eta", lambda: gd_predictions(_spec(etas=(sp.oo,)), torch.zeros(1, 4, 2, dtype=F64),
                                            torch.zeros(1, 3, 1, dtype=F64)), "must be finite"),
    ("symbolic eta", lambda: gd_predictions(_spec(etas=(sp.Symbol("eta"),)), torch.zeros(1, 4, 2, dtype=F64),
                                            torch.zeros(1, 3, 1, dtype=F64)), "symbol"),
]


@pytest.mark.parametrize(("case", "call", "words"), BAD, ids=[b[0] for b in BAD])
def test_bad_input_is_a_user_error(case: str, call: object, words: str) -> None:
    with pytest.raises(BadInput, match=words):
        call()  # type: ignore[operator]
