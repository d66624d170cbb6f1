"""Weights export/import (numeric.formats): round trips to GD, deterministic bytes, atomic writes, refusals."""

from __future__ import annotations

import io
import itertools
import json
import os
import tempfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import safetensors.torch
import torch
from hypothesis import given
from hypothesis import strategies as st

from gdssm import __version__
from gdssm.core.errors import BadInput, Refuted, ShapeError
from gdssm.numeric import strategies as gst
from gdssm.numeric.check import check_loaded
from gdssm.numeric.formats import (
    SCHEMA,
    LoadedWeights,
    certificate_hash,
    decode,
    derive,
    encode,
    justifying_claims,
    load_layer,
    read_weights,
    write_weights,
)
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw
from gdssm.proofs.claims import claim
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.serialize import CONVENTIONS
from tests.numeric.helpers import rel_error, tasks_for

CONTAINER = {"safetensors": "safetensors", "pt": "pt"}
SUFFIX = {"safetensors": ".safetensors", "pt": ".pt"}
TOLERANCE = {"float64": 1e-10, "float32": 1e-4}


def claims_of(c: Construction, fmt: str) -> dict[str, str]:
    return {cid: claim(cid).statement_hash for cid in justifying_claims(c, fmt)}


def encoded(c: Construction, fmt: str, dtype: str = "float64") -> bytes:
    return encode(c, fmt, CONTAINER[fmt], dtype, claims_of(c, fmt)).data


def gd_error(layer: GDSSMLayer, c: Construction, seed: int = 0, law: TaskLaw | None = None) -> float:
    """Relative error of the layer's predictions at every prefix against autograd GD (in the layer's dtype)."""
    tasks = tasks_for(c, law or TaskLaw(), seed)
    dtype = layer.Q.dtype
    with torch.no_grad():
        got = layer(tasks.x.to(dtype), tasks.y.to(dtype))
    return rel_error(got, gd_predictions(c.gd, tasks.x, tasks.y))


@given(law=gst.input_laws(m=None), data=st.data())
def test_round_trip_predicts_gd(law: TaskLaw, data: st.DataObject) -> None:
    """export -> import of drawn constructions (W_0, decay, per-step etas, discount) computes GD, both formats."""
    c = data.draw(gst.constructions(law=law, max_f=4, max_m=3, max_N=8, max_k=3))
    fmt = data.draw(st.sampled_from(["safetensors", "pt"]))
    dtype = data.draw(st.sampled_from(["float64", "float32"]))
    loaded = decode(encoded(c, fmt, dtype), CONTAINER[fmt])
    fresh = GDSSMLayer.from_construction(c, dtype=loaded.dtype).state_dict()
    assert all(torch.equal(value, fresh[name]) for name, value in loaded.layer.state_dict().items())
    assert gd_error(loaded.layer, c, data.draw(gst.seeds()), law) <= TOLERANCE[dtype]


@given(data=st.data())
def test_files_on_disk_round_trip(data: st.DataObject) -> None:
    c = data.draw(gst.constructions(max_f=3, max_m=2, max_N=6, max_k=3))
    fmt = data.draw(st.sampled_from(["safetensors", "pt"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"w{SUFFIX[fmt]}"
        written = write_weights(path, c, fmt, "float64", claims_of(c, fmt))
        assert path.read_bytes() == written.data and os.listdir(tmp) == [path.name]
        layer = load_layer(path)
    assert gd_error(layer, c) <= 1e-10


@pytest.mark.parametrize("fmt", ["safetensors", "pt"])
def test_bytes_are_deterministic(fmt: str) -> None:
    first = encoded(k_step(3, 2, 5, 3, "1/8", lam="9/10"), fmt)
    assert encoded(k_step(3, 2, 5, 3, "1/8", lam="9/10"), fmt) == first
    assert encoded(k_step(3, 2, 5, 3, "1/16", lam="9/10"), fmt) != first


def test_metadata_records_provenance() -> None:
    c = k_step(3, 2, 5, 2, "1/2", lam="9/10", gamma="1/4", etas=["1/2", "1/4"])
    doc = encode(c, "safetensors", "safetensors", "float32", claims_of(c, "safetensors")).metadata
    assert doc["schema"] == SCHEMA and doc["format"] == "safetensors" and doc["construction"] == "k-step"
    assert doc["dims"] == {"f": 3, "m": 2, "N": 5, "H": 5} and doc["steps"] == 2 and doc["layout"] == "split"
    assert (doc["eta"], doc["alpha"]) == ("1/2", "1/10")
    assert doc["gd"] == {"etas": ["1/2", "1/4"], "per_step": True, "lambda": "9/10", "gamma": "1/4", "W0": None}
    assert set(doc["claims"]) == {"ssm.state", "ssm.k_step", "ssm.discounted", "ssm.weight_decay",
                                  "ssm.per_step_eta"}
    assert doc["certificate_hash"] == certificate_hash(doc["claims"]) == certificate_hash(claims_of(c, "safetensors"))
    assert doc["conventions"] == CONVENTIONS and doc["dtype"] == "float32" and doc["gdssm_version"] == __version__
    assert derive(doc).params == c.params


def test_safetensors_layout_one_key_contiguous_unshared() -> None:
    c = k_step(2, 1, 4, 2, "1/4")
    data = encoded(c, "safetensors")
    header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
    assert list(header.pop("__metadata__")) == ["gdssm"]
    assert set(header) == set(GDSSMLayer.from_construction(c).state_dict())
    spans = sorted(tuple(entry["data_offsets"]) for entry in header.values())
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))  # disjoint storage
    assert all(t.is_contiguous() for t in safetensors.torch.load(data).values())


def test_pt_loads_strict_into_the_layer_of_its_metadata(tmp_path: Path) -> None:
    c = one_step(3, 2, 4, "1/4", lam="1/2")
    path = tmp_path / "w.pt"
    doc = write_weights(path, c, "pt", "float64", claims_of(c, "pt")).metadata
    state = torch.load(path, weights_only=True)
    layer = GDSSMLayer.from_construction(derive(doc))
    with torch.no_grad():
        for p in layer.parameters():
            p.zero_()
    layer.load_state_dict(state, strict=True)
    assert gd_error(layer, c) <= 1e-10


def test_loaded_layer_trains_and_lambda_can_be_frozen(tmp_path: Path) -> None:
    c = k_step(2, 1, 6, 2, "1/4")
    path = tmp_path / "k2.safetensors"
    write_weights(path, c, "safetensors", "float64", claims_of(c, "safetensors"))
    layer = load_layer(path)
    tasks = tasks_for(c, TaskLaw(), seed=3, batch=8)
    layer(tasks.x, tasks.y).square().sum().backward()
    grads = {name: p.grad for name, p in layer.named_parameters()}
    assert all(g is not None for g in grads.values())
    # V3 acts on u_{t,3} only through the third row of Q, which is 0 in the k-step construction
    assert [name for name, g in grads.items() if not bool(g.abs().sum() > 0)] == ["V3"]  # type: ignore[union-attr]
    layer.zero_grad()
    layer.Lambda.requires_grad_(False)
    before = {name: p.detach().clone() for name, p in layer.named_parameters()}
    optimiser = torch.optim.SGD([p for p in layer.parameters() if p.requires_grad], lr=1e-2)
    target = tasks.y[:, 1:]
    losses = []
    for _ in range(5):
        optimiser.zero_grad()
        loss = (layer(tasks.x, tasks.y)[:, :-1] - target).square().mean()
        loss.backward()
        optimiser.step()
        losses.append(float(loss.detach()))
    assert torch.equal(layer.Lambda, before["Lambda"]) and layer.Lambda.grad is None
    assert not torch.equal(layer.Q, before["Q"]) and losses[-1] < losses[0]


def test_check_loaded_checks_the_files_tensors() -> None:
    c = k_step(3, 1, 5, 2, "1/4")
    loaded = decode(encoded(c, "safetensors"), "safetensors")
    assert check_loaded(loaded, examples=3, seed=0).stats["float64"].max_rel <= 1e-10
    assert loaded.differences == {}
    tensors = {name: t.clone() for name, t in loaded.tensors.items()}
    tensors["c"][1] *= 1.5  # the second readout term no longer has weight alpha
    tampered = decode(retagged(tensors, loaded.metadata), "safetensors", verify=False)
    with pytest.raises(Refuted, match="disagrees with GD"):
        check_loaded(tampered, examples=3, seed=0)
    assert set(tampered.differences) == {"c"}


def test_rescaled_tensors_still_compute_gd_but_differ_from_the_derivation() -> None:
    """(Q, C) -> (2Q, C/2) leaves the one-step prediction unchanged (paper-facts §5.3): the GD check passes and
    the provenance comparison is what tells the file apart from the derivation."""
    c = one_step(2, 1, 4, "1/2")
    loaded = decode(encoded(c, "safetensors"), "safetensors")
    tensors = {name: t.clone() for name, t in loaded.tensors.items()}
    tensors["Q"] *= 2
    tensors["C"] /= 2
    data = retagged(tensors, loaded.metadata)
    with pytest.raises(BadInput, match="differ from the one-step construction"):
        decode(data, "safetensors")
    rescaled = decode(data, "safetensors", verify=False)
    assert check_loaded(rescaled, examples=3, seed=0).stats["float64"].max_rel <= 1e-10
    assert set(rescaled.differences) == {"Q", "C"}


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    c = one_step(2, 1, 3, "1/2")
    path = tmp_path / "w.safetensors"
    old = write_weights(path, c, "safetensors", "float64", claims_of(c, "safetensors")).data

    def fail(*args: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("gdssm.core.atomic.os.replace", fail)
    with pytest.raises(OSError, match="disk full"):
        write_weights(path, one_step(2, 1, 3, "1/4"), "safetensors", "float64", claims_of(c, "safetensors"))
    assert path.read_bytes() == old and os.listdir(tmp_path) == [path.name]
    with pytest.raises(BadInput, match="symbol"):
        write_weights(path, one_step(2, 1, 3, "symbolic"), "safetensors", "float64", claims_of(c, "safetensors"))
    assert path.read_bytes() == old and os.listdir(tmp_path) == [path.name]


def retagged(tensors: dict[str, torch.Tensor], doc: dict[str, Any]) -> bytes:
    """A safetensors file of these tensors under this metadata (for crafting bad files)."""
    return safetensors.torch.save(tensors, metadata={"gdssm": json.dumps(doc)})


def base() -> LoadedWeights:
    return decode(encoded(k_step(2, 1, 4, 2, "1/4"), "safetensors"), "safetensors")


def edit_doc(change: Callable[[dict[str, Any]], None]) -> bytes:
    loaded = base()
    doc = json.loads(json.dumps(loaded.metadata))
    change(doc)
    return retagged(loaded.tensors, doc)


def edit_tensors(change: Callable[[dict[str, torch.Tensor]], Any]) -> bytes:
    loaded = base()
    tensors = {name: t.clone() for name, t in loaded.tensors.items()}
    change(tensors)
    return retagged(tensors, loaded.metadata)


def _rehash(doc: dict[str, Any]) -> None:
    doc["certificate_hash"] = certificate_hash(doc["claims"])


def _set(doc: dict[str, Any], key: str, value: Any) -> None:
    doc[key] = value


def _drop_dims_and_eta(doc: dict[str, Any]) -> None:
    del doc["dims"], doc["eta"]


def _three_steps(doc: dict[str, Any]) -> None:
    doc["steps"] = 3
    doc["gd"]["etas"] = ["1/4"] * 3


def _drop_claim(doc: dict[str, Any]) -> None:
    doc["claims"].pop("ssm.state")
    _rehash(doc)


BAD_FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "truncated": (lambda: encoded(k_step(2, 1, 4, 2, "1/4"), "safetensors")[:-7], "corrupt or truncated"),
    "garbage": (lambda: b"\x10\x00\x00\x00\x00\x00\x00\x00not a header at all", "corrupt or truncated"),
    "no metadata": (lambda: safetensors.torch.save(base().tensors), "no 'gdssm' metadata"),
    "not json": (lambda: safetensors.torch.save(base().tensors, metadata={"gdssm": "{"}), "not valid JSON"),
    "unknown version": (lambda: edit_doc(lambda d: _set(d, "schema", "gdssm.weights/99")),
                        "unknown metadata version 'gdssm.weights/99'"),
    "missing keys": (lambda: edit_doc(_drop_dims_and_eta), "lacks key(s) dims, eta"),
    "wrong type": (lambda: edit_doc(lambda d: _set(d, "steps", "2")), "key 'steps' must be int"),
    "unknown construction": (lambda: edit_doc(lambda d: _set(d, "construction", "three-step")),
                             "unknown construction 'three-step'"),
    "bad package version": (lambda: edit_doc(lambda d: _set(d, "gdssm_version", "banana")), "not a version"),
    "hash mismatch": (lambda: edit_doc(lambda d: _set(d, "certificate_hash", "0" * 64)),
                      "certificate_hash does not match"),
    "claims of another construction": (lambda: edit_doc(_drop_claim), "are not the claims of its construction"),
    "dims vs tensors": (lambda: edit_doc(lambda d: d["dims"].update(f=3, H=4)), "has shape"),
    "dims inconsistent": (lambda: edit_doc(lambda d: d["dims"].update(H=7)), "metadata dims"),
    "alpha inconsistent": (lambda: edit_doc(lambda d: _set(d, "alpha", "1/8")), "metadata alpha"),
    "steps vs tensors": (lambda: edit_doc(_three_steps), "tensor 'rho' has shape (1,)"),
    "format vs container": (lambda: edit_doc(lambda d: _set(d, "format", "pt")), "never stored as safetensors"),
    "dtype mismatch": (lambda: edit_tensors(lambda t: t.update(Q=t["Q"].float())), "dtype mismatch"),
    "shape mismatch": (lambda: edit_tensors(lambda t: t.update(R=torch.zeros(2, 2, dtype=torch.float64))),
                       "tensor 'R' has shape (2, 2)"),
    "missing tensor": (lambda: edit_tensors(lambda t: t.__delitem__("V2")), "missing ['V2']"),
    "extra tensor": (lambda: edit_tensors(lambda t: t.update(B=torch.zeros(3, dtype=torch.float64))),
                     "unexpected ['B']"),
    "not finite": (lambda: edit_tensors(lambda t: t.update(C=torch.full_like(t["C"], float("nan")))), "NaN"),
    "edited values": (lambda: edit_tensors(lambda t: t.update(Q=3 * t["Q"])), "tensor values differ"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_files_are_refused_with_one_line(case: str) -> None:
    make, message = BAD_FILES[case]
    with pytest.raises(BadInput) as info:
        decode(make(), "safetensors", "bad.safetensors")
    text = str(info.value)
    assert message in text and "\n" not in text and text.startswith("bad.safetensors: ")
    assert isinstance(info.value, ShapeError) == (case in {"dims vs tensors", "steps vs tensors", "shape mismatch"})


def test_bad_pt_and_paths_are_refused(tmp_path: Path) -> None:
    c = one_step(2, 1, 3, "1/2")
    good = encoded(c, "pt")
    for data, message in [(good[: len(good) // 2], "corrupt or truncated torch file"), (b"", "corrupt or truncated"),
                          (pickled_list(), "not a state_dict")]:
        with pytest.raises(BadInput, match=message):
            decode(data, "pt")
    with pytest.raises(BadInput, match="not found"):
        read_weights(tmp_path / "absent.pt")
    with pytest.raises(BadInput, match=r"unknown weights file suffix '\.bin'"):
        read_weights(tmp_path / "w.bin")
    with pytest.raises(BadInput, match="does not fit format 'pt'"):
        write_weights(tmp_path / "w.safetensors", c, "pt", "float64", claims_of(c, "pt"))
    with pytest.raises(BadInput, match="statement hashes given are for claims"):
        encode(c, "pt", "pt", "float64", {"ssm.state": "0" * 64})


def pickled_list() -> bytes:
    buffer = io.BytesIO()
    torch.save([torch.zeros(1)], buffer)
    return buffer.getvalue()


def test_pt_metadata_slot_must_hold_a_string() -> None:
    state = OrderedDict(base().tensors)
    for slot in ({"": {"gdssm": 5}}, {"": ["gdssm"]}):
        state._metadata = slot  # type: ignore[attr-defined]
        buffer = io.BytesIO()
        torch.save(state, buffer)
        with pytest.raises(BadInput, match="no 'gdssm' metadata"):
            decode(buffer.getvalue(), "pt")


def test_only_single_layer_constructions_are_exportable() -> None:
    c = replace(one_step(2, 2, 3, 1, layout="reference"), name="reference-two-step")
    with pytest.raises(BadInput, match="cannot export construction 'reference-two-step'"):
        encode(c, "pt", "pt", "float64", {})
