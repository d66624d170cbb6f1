"""The import contract of pyproject.toml (docs/DESIGN.md §3.2) holds, and breaks when symbolic/ imports upward.

``lint-imports`` runs on the tree itself and on temporary copies of it (the ``gdssm`` package with its links
and the linked folders) in which one ``symbolic/`` module gained a forbidden import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
COPIED = ("gdssm", "symbolic", "numeric", "proofs", "reports", "pyproject.toml")

pytestmark = pytest.mark.skipif(not LINT_IMPORTS.exists(), reason="import-linter (dev extra) is not installed")


def lint_imports(cwd: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` in ``cwd``: it puts ``cwd`` first on sys.path, so the ``gdssm`` there is the one checked."""
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True,
                          timeout=120, check=False)


def copy_tree(target: Path) -> Path:
    """The package and its linked folders under ``target`` (links kept as links, caches left out)."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, target / name)
    return target


def test_the_tree_keeps_every_contract() -> None:
    proc = lint_imports(ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 broken" in proc.stdout


@pytest.mark.parametrize(("line", "broken"), [
    ("import torch", "never import torch"),
    ("import gdssm.numeric.lowering", "layers"),
    ("from gdssm.proofs import claims", "layers"),
])
def test_an_upward_import_in_symbolic_breaks_the_contract(tmp_path: Path, line: str, broken: str) -> None:
    tree = copy_tree(tmp_path)
    module = tree / "symbolic" / "task.py"
    module.write_text(module.read_text(encoding="utf-8") + f"\n\ndef _upward() -> None:\n    {line}  # noqa\n",
                      encoding="utf-8")
    proc = lint_imports(tree)
    assert proc.returncode != 0, proc.stdout
    report = proc.stdout.split("Broken contracts", 1)[-1]
    assert broken in report and "gdssm.symbolic.task" in report, proc.stdout


def test_a_copy_without_changes_keeps_the_contract(tmp_path: Path) -> None:
    """The copy itself is sound: the failures above come from the added line, not from copying."""
    proc = lint_imports(copy_tree(tmp_path))
    assert proc.returncode == 0, proc.stdout + proc.stderr
