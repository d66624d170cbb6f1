"""Which generated Coq files may share one coqc, and in which batches.

coqc spends about 0.5 s of a claim file's 0.6 s loading MathComp; one coqc for many files pays it once. A batch
(:func:`gdssm.proofs.coq.generate.render_batch`) holds each file's text after its prelude in a Module of its own,
after the file's own imports and scope; an Import inside a Module ends with the Module. The batch's verdict on a
file is then the file's own verdict when nothing one file declares reaches another, and when loading a library
module that a file does not import changes nothing for it. Both are checked here, on the text, before batching:

* a file's body (:func:`body_refusal`) begins no sentence with a command whose effect outlives its Module or
  changes how later text is read (``Require``, ``Import``, ``Set``, ``Notation``, ``Coercion``, ``Canonical``,
  ``Hint``, ``Arguments``, ``Module``, attributes, ...: :data:`BODY_FORBIDDEN`), and its theorem names and Module
  are not already in the batch (their ``Print Assumptions`` answers are files named by the theorem);
* the library (:func:`library_refusal`) declares nothing that acts once loaded, imported or not: no canonical
  structure, coercion (nor a ``:>`` field), hint, instance, implicit-argument change or global notation, and only
  its prelude re-exports MathComp, which every library module loads (:data:`LIBRARY_FORBIDDEN`).

A file that fails either check is compiled on its own. A batch coqc refuses is not trusted for any file in it:
every file of the batch is then compiled on its own (so a refusal names its file, and a file is never refused
for another's error).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path

from gdssm.proofs.coq.generate import CoqFile

BATCH_FILES = 16
"""Files per batch at most: the 16 claim files share one coqc (measured with 15, ``gdssm verify --recheck``: one
batch 4.6 s, two batches of 8 and 7 on the two cores 4.9 s, one coqc per file 8.5 s)."""

BODY_FORBIDDEN = frozenset({
    "Require", "From", "Import", "Export", "Set", "Unset", "Open", "Close", "Local", "Global", "Module", "Include",
    "Declare", "Notation", "Infix", "Reserved", "Coercion", "Canonical", "Instance", "Existing", "Hint", "Arguments",
    "Load", "Add", "Remove", "Bind", "Delimit", "Opaque", "Transparent", "Strategy", "Ltac", "Ltac2", "Tactic",
    "Record", "Structure", "Class", "Inductive", "CoInductive", "Variant", "Program", "Obligation", "Implicit",
    "Generalizable", "Polymorphic", "Monomorphic", "Universe", "Universes", "Constraint",
})
"""Sentence-initial words a batched body may not use (module docstring)."""

LIBRARY_FORBIDDEN = frozenset({
    "Coercion", "Canonical", "Instance", "Existing", "Hint", "Arguments", "Global", "Notation", "Infix", "Reserved",
    "Structure", "Class", "Export", "Declare", "Ltac", "Tactic", "Program",
})
"""Sentence-initial words the library may not use outside its prelude (``Local Notation`` is allowed: it ends with
its file)."""

LIBRARY_PRELUDE = "Prelude.v"
"""The library file every other one loads (it re-exports MathComp)."""


def sentences(text: str) -> list[str]:
    """The sentences of Coq ``text``: comments (nested) and strings removed, split at a period before white space
    or the end."""
    out, depth, i, n = [], 0, 0, len(text)
    while i < n:
        if text.startswith("(*", i):
            depth, i = depth + 1, i + 2
        elif depth and text.startswith("*)", i):
            depth, i = depth - 1, i + 2
        elif depth:
            i += 1
        elif text[i] == '"':
            end = text.find('"', i + 1)
            i = n if end < 0 else end + 1
            out.append(" ")
        else:
            out.append(text[i])
            i += 1
    return [s.strip() for s in re.split(r"\.(?=\s|$)", "".join(out)) if s.strip()]


def _first_word(sentence: str) -> str:
    """The sentence's first word (``#[`` for an attribute)."""
    if sentence.startswith("#["):
        return "#["
    match = re.match(r"[-+*{}\s]*([A-Za-z_][A-Za-z0-9_']*)", sentence)  # bullets and braces are not commands
    return match.group(1) if match else ""


def body_refusal(f: CoqFile) -> str | None:
    """Why ``f`` cannot be batched (no generated prelude, or a forbidden command in its body), or None."""
    if not f.body or not f.imports:
        return f"{f.name} does not open with the generated prelude"
    for sentence in sentences(f.body):
        word = _first_word(sentence)
        if word in BODY_FORBIDDEN or word == "#[":
            return f"{f.name} uses {word!r} after its prelude"
    return None


def library_refusal(root: Path, files: Iterable[Path]) -> str | None:
    """Why the library at ``root`` (its ``.v`` files ``files``, relative) makes batching unsound, or None."""
    for rel in files:
        if rel.name == LIBRARY_PRELUDE:
            continue
        text = (root / rel).read_text(encoding="utf-8")
        for sentence in sentences(text):
            word = _first_word(sentence)
            if word in LIBRARY_FORBIDDEN or word == "#[":
                return f"the library's {rel} uses {word!r}"
            if word in ("Record", "Inductive", "Variant") and ":>" in sentence:
                return f"the library's {rel} declares a coercion field (:>)"
            if word == "From" and " mathcomp " in f" {sentence} ":
                return f"the library's {rel} loads MathComp itself"
    return None


def plan_batches(files: Sequence[CoqFile]) -> tuple[list[list[int]], list[int]]:
    """The indices of ``files`` in batches (each at most :data:`BATCH_FILES`, no theorem or Module twice) and the
    indices compiled on their own (a :func:`body_refusal`, or a name already taken; a batch of one is on its own)."""
    batches: list[list[int]] = []
    alone: list[int] = []
    names: list[set[str]] = []
    for i, f in enumerate(files):
        if body_refusal(f) is not None:
            alone.append(i)
            continue
        own = {f.module, *f.theorems}
        slot = next((b for b, taken in enumerate(names) if len(batches[b]) < BATCH_FILES and not own & taken), None)
        if slot is None:
            batches.append([])
            names.append(set())
            slot = len(batches) - 1
        batches[slot].append(i)
        names[slot] |= own
    alone += [b[0] for b in batches if len(b) == 1]
    return [b for b in batches if len(b) > 1], sorted(alone)
