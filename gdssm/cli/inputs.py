"""Files the command line reads: construction files (derive schema), as data.

A construction file is read by :func:`gdssm.core.strict_json.read_json_file` (size limit, UTF-8, no NaN or
Infinity, no duplicate keys, bounded integers and nesting), its sizes are checked against the budget before any
entry is parsed, and it is then read by :func:`gdssm.symbolic.serialize.read_construction`: entries by the
strict grammar of :mod:`gdssm.symbolic.exact_text`, the construction and its GD derived from the header, every
block that disagrees with the header refused naming the field. Nothing in the file is evaluated.
"""

from __future__ import annotations

from typing import Any

from gdssm.cli.options import input_file, lambda_note
from gdssm.core import budget

CONSTRUCTION_FILE_BYTES = 64 << 20
"""Largest construction file read (64 MiB; ``derive --f 600`` writes about 40 MiB)."""


def load_construction_file(path: str, *, routes: tuple[str, ...] = ("numeric",), examples: int = 10) -> Any:
    """The :class:`~gdssm.symbolic.serialize.FileConstruction` of a derive-schema JSON file, after a budget check
    of the ``routes`` (exact, numeric) with ``examples`` numeric examples at the file's sizes."""
    from gdssm.core.strict_json import read_json_file
    from gdssm.symbolic.serialize import read_construction, read_dims

    input_file(path, "construction file")
    doc = read_json_file(path, "construction file", max_bytes=CONSTRUCTION_FILE_BYTES)
    source = f"construction file {path}"
    dims = read_dims(doc, source)
    steps = doc.get("steps") if isinstance(doc, dict) else None
    k = steps if isinstance(steps, int) and not isinstance(steps, bool) and 0 <= steps <= 10**6 else 1
    f, m, N = dims["f"], dims["m"], dims["N"]
    H = dims.get("H", f + m)
    what = f"{source} at {budget.sizes(f=f, m=m, N=N, k=k)}"
    budget.require(budget.construction_file_cost(f, m, N, k, max(H, f), examples, routes, what))
    read = read_construction(doc, source)
    lambda_note(read.derived.gd.lam, "the file's ")
    return read
