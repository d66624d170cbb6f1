"""A hostile corpus of construction files and weights metadata, built at test time in a temporary folder.

Nothing big is committed: the 100 MB files are written into ``tmp_path`` by the tests. Every payload that
would run code names a *sentinel* file; the tests assert that no sentinel is ever created, so a single
evaluation anywhere (``sympify``, ``eval``, ``exec``, a pickle) would be caught.

* :func:`payloads` -- code injections and names SymPy or Python would give meaning to;
* :func:`string_leaves` / :func:`with_value` -- every string field (and key) of a JSON document, and a copy of
  the document with one of them replaced;
* :data:`STRUCTURAL` -- deep nesting, huge integers, huge dims, wrong types, as edits of a good document;
* :func:`raw_texts` -- duplicate keys, NaN / Infinity literals, non-UTF-8 bytes, truncations: file bytes;
* :func:`big_file` -- a file of about 100 MB.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

Path_ = tuple[Any, ...]


def payloads(sentinel: Path) -> list[str]:
    """Strings that would create ``sentinel`` (or mean something) if anything evaluated them."""
    s = str(sentinel)
    return [
        f"__import__('os').system('touch {s}')",
        f"exec(\"open('{s}', 'w')\")",
        f"eval(\"open('{s}', 'w')\")",
        f"open('{s}', 'w') and 1",
        f"__builtins__.open('{s}', 'w')",
        f"Function('open')('{s}')",
        f"sympify(\"open('{s}', 'w')\")",
        f"lambda: open('{s}', 'w')",
        "().__class__.__mro__[-1].__subclasses__()",
        f"1/20 if open('{s}', 'w') else 0",
        f"1/20; import os; os.system('touch {s}')",
        f"Symbol('eta') * __import__('os').system('touch {s}')",
    ]


MEANINGFUL = ["E", "pi", "I", "oo", "zoo", "nan", "inf", "x", "exp(1)", "sqrt(2)", "Rational(1, 2)", "eta**eta",
              "1/0", "0**0", "1e99999", "9" * 5000, "(" * 100 + "1" + ")" * 100, "", " ", "1 2", "0x10", "1_000",
              "\u00bd", "\u0661", "1/2\x00", "eta^2", "--1" * 2000]
"""Texts that are not numbers of the grammar but that SymPy or Python would read as something."""


def string_leaves(doc: Any, at: Path_ = ()) -> Iterator[Path_]:
    """The path of every string value in ``doc`` (dicts and lists, depth first)."""
    if isinstance(doc, str):
        yield at
    elif isinstance(doc, dict):
        for key, value in doc.items():
            yield from string_leaves(value, (*at, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from string_leaves(value, (*at, i))


def object_paths(doc: Any, at: Path_ = ()) -> Iterator[Path_]:
    """The path of every object (dict) in ``doc``, the root included."""
    if isinstance(doc, dict):
        yield at
        for key, value in doc.items():
            yield from object_paths(value, (*at, key))
    elif isinstance(doc, list):
        for i, value in enumerate(doc):
            yield from object_paths(value, (*at, i))


def with_value(doc: Any, path: Path_, value: Any) -> Any:
    """A deep copy of ``doc`` with the value at ``path`` replaced."""
    out = copy.deepcopy(doc)
    if not path:
        return value
    node = out
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    return out


def with_key(doc: Any, path: Path_, key: str, value: Any) -> Any:
    """A deep copy of ``doc`` with an extra ``key`` in the object at ``path``."""
    out = copy.deepcopy(doc)
    node = out
    for step in path:
        node = node[step]
    node[key] = value
    return out


def nested(depth: int, leaf: Any = "1") -> Any:
    """``[[[...leaf...]]]`` ``depth`` levels deep."""
    out: Any = leaf
    for _ in range(depth):
        out = [out]
    return out


STRUCTURAL: dict[str, Callable[[dict[str, Any]], Any]] = {
    "nesting 40 deep in a matrix": lambda d: with_value(d, ("params", "C"), nested(40)),
    "huge integer dim": lambda d: with_value(d, ("dims", "f"), 10**40),
    "huge integer steps": lambda d: with_value(d, ("steps",), 10**25),
    "huge dims f": lambda d: with_value(with_value(d, ("dims", "f"), 10**9), ("dims", "H"), 10**9 + 1),
    "huge dims N": lambda d: with_value(d, ("dims", "N"), 10**12),
    "huge dims m": lambda d: with_value(d, ("dims", "m"), 10**7),
    "dim zero": lambda d: with_value(d, ("dims", "N"), 0),
    "dim negative": lambda d: with_value(d, ("dims", "f"), -2),
    "dim as string": lambda d: with_value(d, ("dims", "f"), "2"),
    "dim as float": lambda d: with_value(d, ("dims", "f"), 2.0),
    "dim as bool": lambda d: with_value(d, ("dims", "m"), True),
    "steps as string": lambda d: with_value(d, ("steps",), "1"),
    "steps negative": lambda d: with_value(d, ("steps",), -1),
    "params a list": lambda d: with_value(d, ("params",), []),
    "params a string": lambda d: with_value(d, ("params",), "Q"),
    "matrix a string": lambda d: with_value(d, ("params", "C"), "[[0, 0, 1/20]]"),
    "matrix of numbers": lambda d: with_value(d, ("params", "C"), [[0, 0, 0.05]]),
    "matrix ragged": lambda d: with_value(d, ("params", "Q"), [["1", "0", "0"], ["1"], ["0", "0", "0"]]),
    "matrix empty": lambda d: with_value(d, ("params", "C"), []),
    "matrix of nulls": lambda d: with_value(d, ("params", "C"), [[None, None, None]]),
    "eta a number": lambda d: with_value(d, ("eta",), 0.2),
    "eta negative": lambda d: with_value(d, ("eta",), "-1/5"),
    "eta zero": lambda d: with_value(d, ("eta",), "0"),
    "readout null": lambda d: with_value(d, ("readout",), None),
    "readout c a string": lambda d: with_value(d, ("readout", "c"), "1"),
    "gd a list": lambda d: with_value(d, ("gd",), []),
    "claims a string": lambda d: with_value(d, ("claims",), "ssm.one_step"),
    "claims of numbers": lambda d: with_value(d, ("claims",), [1, 2]),
    "document a list": lambda d: [d],
    "document a string": lambda d: json.dumps(d),
    "document null": lambda d: None,
    "missing params": lambda d: {k: v for k, v in d.items() if k != "params"},
    "missing dims": lambda d: {k: v for k, v in d.items() if k != "dims"},
    "unknown top key": lambda d: with_key(d, (), "exec", "print(1)"),
    "unknown parameter": lambda d: with_key(d, ("params",), "W", [["1"]]),
    "unknown schema": lambda d: with_value(d, ("schema",), "gdssm.derive/1"),
    "reference document": lambda d: with_value(d, ("construction",), "reference-two-step"),
    "huge string entry": lambda d: with_value(d, ("params", "C", 0, 0), "1" + "0" * 200000),
    "long string entry": lambda d: with_value(d, ("params", "C", 0, 0), "+".join(["1"] * 5000)),
}
"""Edits of a good one-step document (f=2, m=1, N=4, eta=1/5) that make it malformed (exit 2)."""


def raw_texts(good: dict[str, Any]) -> dict[str, bytes]:
    """File contents that are not strict JSON data (exit 2)."""
    text = json.dumps(good)
    inner = text[1:-1]
    return {
        "deep nesting at the top": ("[" * 100000 + text + "]" * 100000).encode(),
        "deep nesting in a matrix": text.replace('"C": [[', '"C": ' + "[" * 5000 + "[[", 1).replace(
            ']], "F"', "]]" + "]" * 5000 + ', "F"', 1).encode(),
        "duplicate top key": ("{" + inner + ', "dims": {"f": 2, "m": 1, "N": 4}}').encode(),
        "duplicate nested key": text.replace('"N": 4', '"N": 4, "N": 5').encode(),
        "NaN literal": text.replace('"steps": 1', '"steps": NaN').encode(),
        "Infinity literal": text.replace('"N": 4', '"N": Infinity').encode(),
        "-Infinity literal": text.replace('"N": 4', '"N": -Infinity').encode(),
        "float overflow": text.replace('"N": 4', '"N": 1e400').encode(),
        "huge integer literal": text.replace('"N": 4', '"N": ' + "9" * 5000).encode(),
        "non-UTF-8 byte": text.encode().replace(b'"one-step"', b'"one-\xffstep"'),
        "latin-1 text": text.replace("one-step", "one-st\u00e9p").encode("latin-1"),
        "UTF-16": text.encode("utf-16"),
        "NUL byte": text.replace("one-step", "one-step\x00").encode(),
        "truncated": text[: len(text) // 2].encode(),
        "empty file": b"",
        "only whitespace": b"   \n",
        "trailing garbage": (text + " import os").encode(),
        "JS comment": ("// hi\n" + text).encode(),
        "single quotes": text.replace('"', "'").encode(),
        "python literal": repr(good).encode(),
        "pickle": b"\x80\x04\x95" + b"cos\nsystem\n(S'touch x'\ntR.",
    }


def big_file(path: Path, megabytes: int = 100) -> Path:
    """A JSON-looking file of about ``megabytes`` MB (written in chunks: fast, not kept)."""
    chunk = "a" * (1 << 20)
    with open(path, "w", encoding="ascii") as handle:
        handle.write('{"schema": "gdssm.derive/2", "pad": "')
        for _ in range(megabytes):
            handle.write(chunk)
        handle.write('"}')
    return path
