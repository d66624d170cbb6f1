"""Files are data: the hostile corpus of :mod:`tests.hostile` against every command that reads a file.

Construction files (``verify --construction-file``, ``check --construction-file``) and weights metadata
(``check --weights``) with code injected into every string field and every object's keys, names SymPy would
read, deep nesting, huge integers and dims, wrong types, duplicate keys, NaN / Infinity, non-UTF-8 bytes and
100 MB files: each is exit 2 with one line of ours, within 2 s, and no payload ever runs (the sentinel file
they would create never appears). A grep keeps ``sympify``, ``parse_expr``, ``eval`` and ``exec`` out of the
modules that read input text.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from gdssm.cli import dispatch as cli
from tests.hostile import (
    MEANINGFUL,
    STRUCTURAL,
    big_file,
    nested,
    object_paths,
    payloads,
    raw_texts,
    string_leaves,
    with_key,
)
from tests.hostile import with_value as edit

ROOT = Path(__file__).resolve().parents[1]
LIMIT_S = 2.0


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Good derive documents: one-step (eta = 1/5), one-step with W_0 (reference layout), k-step with per-step
    etas, lambda and gamma, and k-step with a symbolic eta."""
    import sympy as sp

    import gdssm.numeric.check  # noqa: F401  (heavy imports before the clocks start)
    from gdssm.symbolic.constructions import k_step, one_step
    from gdssm.symbolic.serialize import construction_json

    return {
        "one-step": construction_json(one_step(2, 1, 4, sp.Rational(1, 5))),
        "one-step W0": construction_json(one_step(2, 2, 3, sp.Rational(1, 2), layout="reference",
                                                  W0=sp.Matrix([[1, 0], [sp.Rational(1, 2), -1]]))),
        "k-step per-step": construction_json(k_step(2, 1, 3, 2, 1, etas=["1/2", "1/3"], lam=sp.Rational(9, 10),
                                                    gamma=sp.Rational(1, 10))),
        "k-step symbolic": construction_json(k_step(2, 1, 3, 2, "symbolic")),
    }


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], float]:
    capsys.readouterr()
    start = time.perf_counter()
    code = cli.main(argv)
    seconds = time.perf_counter() - start
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, err.strip().splitlines(), seconds


def refused(argv: list[str], capsys: pytest.CaptureFixture[str], what: str) -> str:
    """The command exits 2 with one line of ours, within the time limit; the line."""
    code, lines, seconds = run(argv, capsys)
    assert code == 2, f"{what}: exit {code}: {lines}"
    assert len(lines) == 1 and lines[0].startswith("gdssm: error: "), f"{what}: {lines}"
    assert "internal error" not in lines[0] and seconds < LIMIT_S, f"{what}: {seconds:.2f} s"
    return lines[0]


def commands(path: Path) -> Iterator[list[str]]:
    yield ["verify", "--construction-file", str(path)]
    yield ["check", "--construction-file", str(path), "--examples", "2"]


def test_the_good_documents_verify(docs: dict[str, dict[str, Any]], tmp_path: Path,
                                   capsys: pytest.CaptureFixture[str]) -> None:
    """The corpus starts from files that hold: every refusal below is the edit's doing. A symbolic-eta file
    verifies (for every eta) and the output names the GD it was checked against."""
    for name, doc in docs.items():
        path = tmp_path / f"{name}.json"
        path.write_text(json.dumps(doc))
        code, lines, _ = run(["verify", "--construction-file", str(path), "--seed", "7"], capsys)
        out = capsys.readouterr().out
        assert code == 0, (name, lines)
    capsys.readouterr()
    assert cli.main(["verify", "--construction-file", str(tmp_path / "k-step symbolic.json")]) == 0
    out = capsys.readouterr().out
    assert "eta symbolic" in out and "alpha = eta/N = eta/3" in out and "normaliser N = 3" in out
    assert "lambda = 1" in out and "gamma = 0" in out and "k = 2" in out and "--seed" in out


@pytest.mark.parametrize("name", ["one-step", "one-step W0", "k-step per-step", "k-step symbolic"])
def test_code_in_every_string_field_is_refused_and_never_runs(name: str, docs: dict[str, dict[str, Any]],
                                                              tmp_path: Path,
                                                              capsys: pytest.CaptureFixture[str]) -> None:
    sentinel = tmp_path / "SENTINEL"
    codes = payloads(sentinel)
    doc = docs[name]
    leaves = list(string_leaves(doc))
    assert len(leaves) > 60
    for i, leaf in enumerate(leaves):
        path = tmp_path / "hostile.json"
        path.write_text(json.dumps(edit(doc, leaf, codes[i % len(codes)])))
        for argv in commands(path):
            refused(argv, capsys, f"{name} {leaf}")
    assert not sentinel.exists()


@pytest.mark.parametrize("field", [("eta",), ("alpha",), ("lambda",), ("params", "C", 0, 2), ("gd", "etas", 0),
                                   ("gd", "normaliser"), ("claims", 0), ("readout", "c", 0), ("layout",),
                                   ("conventions", "alpha"), ("embeddings", "E_x", 0, 0)])
def test_every_payload_and_every_name_in_the_key_fields(field: tuple[Any, ...], docs: dict[str, dict[str, Any]],
                                                        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sentinel = tmp_path / "SENTINEL"
    for text in [*payloads(sentinel), *MEANINGFUL]:
        path = tmp_path / "hostile.json"
        path.write_text(json.dumps(edit(docs["one-step"], field, text)))
        refused(["verify", "--construction-file", str(path)], capsys, f"{field} = {text[:30]!r}")
    assert not sentinel.exists()


def test_code_in_every_key_is_refused(docs: dict[str, dict[str, Any]], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    sentinel = tmp_path / "SENTINEL"
    doc = docs["k-step per-step"]
    for at in object_paths(doc):
        path = tmp_path / "hostile.json"
        path.write_text(json.dumps(with_key(doc, at, payloads(sentinel)[0], "1")))
        refused(["verify", "--construction-file", str(path)], capsys, f"key in {at}")
    assert not sentinel.exists()


@pytest.mark.parametrize("case", sorted(STRUCTURAL))
def test_malformed_documents(case: str, docs: dict[str, dict[str, Any]], tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.json"
    path.write_text(json.dumps(STRUCTURAL[case](docs["one-step"])))
    for argv in commands(path):
        refused(argv, capsys, case)


@pytest.mark.parametrize("case", sorted(raw_texts({"schema": "gdssm.derive/2"})))
def test_texts_that_are_not_strict_json(case: str, docs: dict[str, dict[str, Any]], tmp_path: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "hostile.json"
    path.write_bytes(raw_texts(docs["one-step"])[case])
    for argv in commands(path):
        refused(argv, capsys, case)


def test_a_100_mb_file_is_refused_at_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = big_file(tmp_path / "big.json")
    assert path.stat().st_size > 100 * 2**20
    line = refused(["verify", "--construction-file", str(path)], capsys, "100 MB")
    assert "MiB; at most 64 MiB is read" in line
    weights = tmp_path / "big.safetensors"
    with open(weights, "wb") as handle:
        handle.write((100 << 20).to_bytes(8, "little") + b"{" + b" " * (100 << 20))
    refused(["check", "--weights", str(weights)], capsys, "100 MB weights")


# --- weights metadata ----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def weights(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the tensors, the metadata document) of a good one-step safetensors export."""
    import safetensors.torch

    path = tmp_path_factory.mktemp("weights") / "good.safetensors"
    assert cli.main(["export", "--f", "2", "--m", "1", "--n", "3", "--eta", "1/2", "-o", str(path)]) == 0
    raw = path.read_bytes()
    header = json.loads(raw[8 : 8 + int.from_bytes(raw[:8], "little")])
    return safetensors.torch.load(raw), json.loads(header["__metadata__"]["gdssm"])


def weights_file(path: Path, tensors: dict[str, Any], text: str) -> Path:
    import safetensors.torch

    path.write_bytes(safetensors.torch.save(tensors, metadata={"gdssm": text}))
    return path


def test_weights_metadata_with_code_in_every_string_field(weights: tuple[dict[str, Any], dict[str, Any]],
                                                          tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tensors, doc = weights
    sentinel = tmp_path / "SENTINEL"
    codes = payloads(sentinel)
    good = weights_file(tmp_path / "good.safetensors", tensors, json.dumps(doc))
    code, _, _ = run(["check", "--weights", str(good), "--examples", "2"], capsys)
    assert code == 0
    leaves = list(string_leaves(doc))
    assert len(leaves) > 15
    for i, leaf in enumerate(leaves):
        bad = weights_file(tmp_path / "bad.safetensors", tensors, json.dumps(edit(doc, leaf, codes[i % len(codes)])))
        refused(["check", "--weights", str(bad)], capsys, f"metadata {leaf}")
    for at in object_paths(doc):
        bad = weights_file(tmp_path / "bad.safetensors", tensors, json.dumps(with_key(doc, at, codes[0], "x")))
        refused(["check", "--weights", str(bad)], capsys, f"metadata key in {at}")
    assert not sentinel.exists()


METADATA_EDITS = {
    "huge dims f": lambda d: d["dims"].update(f=10**9, H=10**9 + 1),
    "huge dims N": lambda d: d["dims"].update(N=10**12),
    "dims as strings": lambda d: d["dims"].update(f="2"),
    "dims bool": lambda d: d["dims"].update(m=True),
    "steps huge": lambda d: d.update(steps=10**20),
    "steps as string": lambda d: d.update(steps="1"),
    "eta a number": lambda d: d.update(eta=0.5),
    "gd etas numbers": lambda d: d["gd"].update(etas=[0.5]),
    "gd lambda code": lambda d: d["gd"].update({"lambda": "__import__('os')"}),
    "gd a list": lambda d: d.update(gd=[]),
    "claims a list": lambda d: d.update(claims=["ssm.one_step"]),
    "nested deep": lambda d: d.update(conventions={"a": nested(40)}),
    "unknown key": lambda d: d.update(payload="x"),
}


@pytest.mark.parametrize("case", sorted(METADATA_EDITS))
def test_weights_metadata_edits(case: str, weights: tuple[dict[str, Any], dict[str, Any]], tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    import copy

    tensors, doc = weights
    changed = copy.deepcopy(doc)
    METADATA_EDITS[case](changed)
    bad = weights_file(tmp_path / "bad.safetensors", tensors, json.dumps(changed))
    refused(["check", "--weights", str(bad)], capsys, case)


def test_weights_metadata_texts_that_are_not_strict_json(weights: tuple[dict[str, Any], dict[str, Any]],
                                                         tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tensors, doc = weights
    for case, data in raw_texts(doc).items():
        if data == json.dumps(doc).encode():
            continue  # an edit of construction-file keys the metadata does not have
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # a safetensors header is UTF-8 JSON: such bytes cannot be stored as metadata
        bad = weights_file(tmp_path / "bad.safetensors", tensors, text)
        refused(["check", "--weights", str(bad)], capsys, case)


# --- no evaluation of input text -------------------------------------------------------------------------------

INPUT_MODULES = ["symbolic/exact_text.py", "symbolic/serialize.py", "gdssm/core/strict_json.py",
                 "gdssm/cli/inputs.py", "gdssm/cli/parser.py", "gdssm/cli/options.py", "gdssm/cli/check.py",
                 "gdssm/cli/verify.py", "gdssm/cli/report.py", "numeric/formats/provenance.py",
                 "numeric/formats/load.py", "numeric/formats/containers.py"]
"""The modules that read input text: construction files, weights files and their metadata, options."""
EVALUATING_NAMES = {"sympify", "parse_expr", "eval", "exec", "literal_eval", "compile", "__import__"}
EVALUATING_ATTRIBUTES = {"sympify", "parse_expr", "literal_eval", "S", "eval", "exec"}
"""Names and attributes (``sp.S`` is sympify) whose use would turn text into code or SymPy objects."""


@pytest.mark.parametrize("module", INPUT_MODULES)
def test_input_modules_never_evaluate_text(module: str) -> None:
    """No name or attribute of the list is used in the code (docstrings and comments may mention them)."""
    import ast

    tree = ast.parse((ROOT / module).read_text(encoding="utf-8"))
    used = [(node.lineno, node.id) for node in ast.walk(tree)
            if isinstance(node, ast.Name) and node.id in EVALUATING_NAMES]
    used += [(node.lineno, node.attr) for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr in EVALUATING_ATTRIBUTES]
    imported = [(node.lineno, alias.name) for node in ast.walk(tree) if isinstance(node, ast.Import | ast.ImportFrom)
                for alias in node.names if alias.name in EVALUATING_NAMES | {"S"}]
    assert not used and not imported, f"{module} evaluates text: {used + imported}"
    text = (ROOT / module).read_text(encoding="utf-8")
    assert "pickle.load" not in text and "weights_only=False" not in text
