"""The reference export, read back by plain numpy/safetensors and run through an independent transcription of the
authors' forward pass (written from docs/paper-facts.md §4, not from gdssm.symbolic/reference.py)."""

from __future__ import annotations

import io
import tempfile
from pathlib import Path

import numpy as np
import pytest
import safetensors.numpy
import sympy as sp
import torch
from hypothesis import given
from hypothesis import strategies as st

from gdssm.core.errors import BadInput
from gdssm.numeric import strategies as gst
from gdssm.numeric.formats import decode, encode, justifying_claims, load_layer, write_weights
from gdssm.numeric.formats.containers import NPZ_METADATA
from gdssm.numeric.formats.reference import ARRAY_ROLES
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw
from gdssm.proofs.claims import claim
from gdssm.symbolic.constructions import Construction, k_step, one_step
from tests.numeric.helpers import rel_error, tasks_for

CONTAINERS = {".npz": "npz", ".safetensors": "safetensors"}


def authors_forward(z: np.ndarray, w_q: np.ndarray, Lambda_bar: np.ndarray, C: np.ndarray, D: np.ndarray,
                    task: str) -> np.ndarray:
    """paper-facts §4.8 for one sequence z (2N+1, H): rows U = z[2k:2k+3], M = U^T w_q U, S = Lambda_bar * S + M,
    Z = C S^T, v = U^T D, o = Z v; the prediction is -o (vector task) or -o[H-1] (scalar task), every window."""
    H = z.shape[1]
    S = np.zeros((H, H))
    predictions = []
    for k in range((z.shape[0] - 1) // 2):
        U = z[2 * k : 2 * k + 3]
        S = Lambda_bar * S + U.T @ w_q @ U
        o = (C @ S.T) @ (U.T @ D)
        predictions.append(-o if task == "vector" else -o[-1:])
    return np.stack(predictions)


def authors_tokens(x: np.ndarray, y: np.ndarray, task: str) -> np.ndarray:
    """z = (x_1, y~_1, ..., x_N, y~_N, x_q), H = f: y~ = y (vector task) or y in the last slot (scalar task)."""
    N, f = y.shape[0], x.shape[1]
    y_tokens = y if task == "vector" else np.concatenate([np.zeros((N, f - 1)), y], axis=1)
    z = np.zeros((2 * N + 1, f))
    z[0::2], z[1::2] = x, y_tokens
    return z


def read_plain(data: bytes, suffix: str) -> dict[str, np.ndarray]:
    """The arrays of a reference file, read without gdssm."""
    if suffix == ".npz":
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            return {name: archive[name] for name in archive.files if name != NPZ_METADATA}
    return safetensors.numpy.load(data)


def reference_construction(f: int, task: str, N: int, eta: sp.Rational, lam: sp.Rational) -> Construction:
    return one_step(f, f if task == "vector" else 1, N, eta, layout="reference", lam=lam)


def claims_of(c: Construction) -> dict[str, str]:
    return {cid: claim(cid).statement_hash for cid in justifying_claims(c, "reference")}


def reference_bytes(c: Construction, suffix: str, dtype: str = "float64") -> bytes:
    return encode(c, "reference", CONTAINERS[suffix], dtype, claims_of(c)).data


@st.composite
def reference_cases(draw: st.DrawFn) -> tuple[Construction, TaskLaw]:
    law = draw(gst.input_laws(m=None))
    task = draw(st.sampled_from(["vector", "scalar"]))
    f = draw(st.integers(2 if task == "scalar" else 1, 5))
    N = draw(st.integers(1, 8))
    return reference_construction(f, task, N, draw(gst.step_sizes(f, law)), draw(gst.discounts())), law


@given(case=reference_cases(), suffix=st.sampled_from(list(CONTAINERS)), seed=gst.seeds())
def test_authors_forward_on_the_exported_arrays_is_gd(case: tuple[Construction, TaskLaw], suffix: str,
                                                      seed: int) -> None:
    c, law = case
    arrays = read_plain(reference_bytes(c, suffix), suffix)
    tasks = tasks_for(c, law, seed)
    task = c.layout.task
    got = np.stack([authors_forward(authors_tokens(x, y, task), arrays["w_q"], arrays["Lambda_bar"], arrays["C"],
                                    arrays["D"], task)
                    for x, y in zip(tasks.x.numpy(), tasks.y.numpy(), strict=True)])
    assert rel_error(torch.from_numpy(got), gd_predictions(c.gd, tasks.x, tasks.y)) <= 1e-10


@pytest.mark.parametrize("task", ["vector", "scalar"])
def test_transcription_tells_wrong_conventions_apart(task: str) -> None:
    """The check can fail: our orientation (w_q = e_2 e_1^T, untransposed) or an un-negated C is not GD in the
    authors' forward pass (paper-facts §5.1, 'Orientation matters')."""
    c = reference_construction(3, task, 5, sp.Rational(1, 4), sp.Integer(1))
    arrays = read_plain(reference_bytes(c, ".npz"), ".npz")
    tasks = tasks_for(c, TaskLaw(), seed=1)
    want = gd_predictions(c.gd, tasks.x, tasks.y)

    def error(w_q: np.ndarray, C: np.ndarray) -> float:
        got = np.stack([authors_forward(authors_tokens(x, y, task), w_q, arrays["Lambda_bar"], C, arrays["D"], task)
                        for x, y in zip(tasks.x.numpy(), tasks.y.numpy(), strict=True)])
        return rel_error(torch.from_numpy(got), want)

    assert error(arrays["w_q"], arrays["C"]) <= 1e-10
    assert error(arrays["w_q"].T, arrays["C"]) > 1e-2 and error(arrays["w_q"], -arrays["C"]) > 1


@given(case=reference_cases(), suffix=st.sampled_from(list(CONTAINERS)), dtype=st.sampled_from(["float64", "float32"]))
def test_reference_files_load_back_into_our_layer(case: tuple[Construction, TaskLaw], suffix: str, dtype: str) -> None:
    """Import applies ref.param_map backwards: the layer is the one-step lowering bit for bit and computes GD."""
    c, law = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"ref{suffix}"
        write_weights(path, c, "reference", dtype, claims_of(c))
        layer = load_layer(path)
    lowered = GDSSMLayer.from_construction(c, dtype=layer.Q.dtype).state_dict()
    assert all(torch.equal(value, lowered[name]) for name, value in layer.state_dict().items())
    tasks = tasks_for(c, law, seed=0)
    with torch.no_grad():
        got = layer(tasks.x.to(layer.Q.dtype), tasks.y.to(layer.Q.dtype))
    assert rel_error(got, gd_predictions(c.gd, tasks.x, tasks.y)) <= (1e-10 if dtype == "float64" else 1e-4)


@pytest.mark.parametrize("task", ["vector", "scalar"])
def test_arrays_are_the_authors_analytic_parameters(task: str) -> None:
    """paper-facts §5.1: w_q = e_1 e_2^T, Lambda_bar = 1 (here lambda), C = -alpha I with alpha = eta/N, D = e_3."""
    c = reference_construction(3, task, 4, sp.Rational(1, 2), sp.Rational(9, 10))
    arrays = read_plain(reference_bytes(c, ".npz"), ".npz")
    assert set(arrays) == set(ARRAY_ROLES) == {"w_q", "Lambda_bar", "C", "D"}
    w_q = np.zeros((3, 3))
    w_q[0, 1] = 1
    np.testing.assert_array_equal(arrays["w_q"], w_q)
    np.testing.assert_array_equal(arrays["Lambda_bar"], np.full((3, 3), 0.9))
    np.testing.assert_array_equal(arrays["C"], -(0.5 / 4) * np.eye(3))
    np.testing.assert_array_equal(arrays["D"], np.array([0.0, 0.0, 1.0]))
    doc = encode(c, "reference", "npz", "float64", claims_of(c)).metadata
    assert doc["task"] == task and doc["gd_lr"] == "3/8" and doc["alpha"] == "1/8"  # gd_lr = alpha P, P = H = 3
    assert "ref.param_map" in doc["claims"] and doc["conventions"]["sign"].startswith("prediction is the negated")


@pytest.mark.parametrize("suffix", list(CONTAINERS))
def test_reference_bytes_are_deterministic_and_carry_metadata(suffix: str) -> None:
    c = reference_construction(2, "scalar", 3, sp.Rational(1, 4), sp.Integer(1))
    data = reference_bytes(c, suffix)
    assert reference_bytes(reference_construction(2, "scalar", 3, sp.Rational(1, 4), sp.Integer(1)), suffix) == data
    assert decode(data, CONTAINERS[suffix]).metadata["format"] == "reference"
    if suffix == ".npz":
        with np.load(io.BytesIO(data), allow_pickle=False) as archive:
            assert archive[NPZ_METADATA].shape == () and '"schema":"gdssm.weights/1"' in str(archive[NPZ_METADATA])


@pytest.mark.parametrize("c", [one_step(2, 1, 3, "1/2"), k_step(2, 1, 3, 2, "1/2"),
                               one_step(2, 2, 3, "1/2", layout="reference", W0=sp.eye(2))],
                         ids=["split-layout", "k-step", "W0"])
def test_reference_export_needs_the_one_step_reference_layout(c: Construction) -> None:
    with pytest.raises(BadInput, match="authors'"):
        encode(c, "reference", "npz", "float64", claims_of(c))


def test_damaged_npz_is_refused() -> None:
    c = reference_construction(2, "vector", 3, sp.Rational(1, 2), sp.Integer(1))
    data = reference_bytes(c, ".npz")
    for bad in (data[: len(data) // 2], b"", data.replace(b"\x93NUMPY", b"\x93NUMPZ", 1)):
        with pytest.raises(BadInput, match=r"corrupt or truncated \.npz"):
            decode(bad, "npz", "ref.npz")
