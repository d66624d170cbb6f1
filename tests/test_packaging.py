"""The wheel installs exactly one import package, ``gdssm``, and works in a fresh venv among the user's own files.

The wheel is built from a copy of the sources (so the working tree gets no ``build/``); the install uses pip's
own configuration (indexes, find-links) with ``--no-compile`` (only the modules a run imports get byte-compiled)
and no retries (an unreachable index is skipped at once, the local ones answer). Torch 2.13.0 goes in first,
as ``make setup`` does. Measured: about 40-60 s on the 2-core machine, most of it installing torch.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("pyproject.toml", "README.md", "gdssm", "symbolic", "numeric", "proofs", "reports", "coq")
SUBPACKAGES = ("symbolic", "numeric", "proofs", "reports")
PIP = [sys.executable, "-m", "pip"]


def build_wheel(tmp: Path) -> Path:
    """The wheel of the current sources, built without isolation (setuptools and wheel of this venv)."""
    src = tmp / "src"
    src.mkdir(parents=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, src / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(source, src / name)
    dist = tmp / "dist"
    subprocess.run([*PIP, "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(dist), str(src)],
                   check=True, capture_output=True, text=True, timeout=300)
    (wheel,) = dist.glob("gdssm-*.whl")
    return wheel


def clean_env() -> dict[str, str]:
    """The environment without this venv or the repository on any path."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    env["PYTHONNOUSERSITE"] = "1"
    return env


def run(args: list[str], cwd: Path, timeout: int = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=timeout, check=False)


def test_the_wheel_holds_gdssm_and_its_dist_info_only(tmp_path: Path) -> None:
    with zipfile.ZipFile(build_wheel(tmp_path)) as wheel:
        infos = wheel.infolist()
    names = [info.filename for info in infos]
    top = {name.split("/", 1)[0] for name in names}
    assert top == {"gdssm", "gdssm-0.1.0.dist-info"}, sorted(top)
    links = [info.filename for info in infos if (info.external_attr >> 16) & 0o170000 == 0o120000]
    assert links == [], f"symbolic links in the wheel: {links}"
    for sub in SUBPACKAGES:
        assert f"gdssm/{sub}/__init__.py" in names
    for data in ("gdssm/py.typed", "gdssm/symbolic/derive_schema.json", "gdssm/reports/templates/report.tex"):
        assert data in names
    data_files = [f"gdssm/{sub}/{path.relative_to(ROOT / sub).as_posix()}"
                  for sub in SUBPACKAGES for path in (ROOT / sub).rglob("*")
                  if path.is_file() and path.suffix not in (".py", ".pyc") and "__pycache__" not in path.parts]
    assert not set(data_files) - set(names), f"package data missing from the wheel: {set(data_files) - set(names)}"
    assert not any(name.startswith(("gdssm/tests/", "tests/")) for name in names)


@pytest.mark.slow
def test_the_installed_wheel_is_one_package_among_the_users_files(tmp_path: Path) -> None:
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = str(venv / "bin" / "python")
    install = [*PIP, "--python", python, "install", "-q", "--no-compile", "--retries", "0"]
    for target in ("torch==2.13.0", str(wheel)):
        proc = run([*install, target], cwd=tmp_path, timeout=600)
        assert proc.returncode == 0, proc.stderr[-4000:]

    neutral = tmp_path / "neutral"
    neutral.mkdir()
    probe = (
        "import importlib, sys\n"
        "import gdssm.symbolic, gdssm.symbolic.constructions as c\n"
        "assert 'torch' not in sys.modules, 'gdssm.symbolic imported torch'\n"
        "assert c.k_step(2, 1, 3, 2, eta=1).H == 3\n"
        f"assert gdssm.symbolic.__file__.startswith({str(venv)!r}), gdssm.symbolic.__file__\n"
        f"for name in {SUBPACKAGES!r}:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    raise SystemExit(f'import {name} worked: {sys.modules[name].__file__}')\n"
        "print('ok')\n"
    )
    proc = run([python, "-c", probe], cwd=neutral)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr

    user = tmp_path / "user"
    (user / "reports").mkdir(parents=True)
    (user / "numeric.py").write_text("raise RuntimeError('the user numeric.py was imported')\n", encoding="utf-8")
    (user / "reports" / "__init__.py").write_text("raise RuntimeError('the user reports/ was imported')\n",
                                                  encoding="utf-8")
    proc = run([python, "-m", "gdssm", "check", "--examples", "5"], cwd=user)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "float64" in proc.stdout and "float32" in proc.stdout
    proc = run([python, "-c", "import gdssm.reports.build, gdssm.numeric.layer; print('ok')"], cwd=user)
    assert proc.returncode == 0 and proc.stdout.strip() == "ok", proc.stdout + proc.stderr
    certificates = tmp_path / "certificates.json"
    proc = run([python, "-m", "gdssm", "verify", "--claim", "gd.gradient", "--route", "symbolic", "--certificates",
                str(certificates)], cwd=user)
    assert proc.returncode == 0 and certificates.exists(), proc.stdout + proc.stderr
