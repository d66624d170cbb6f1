"""PDF inspection for the report tests: text per page (pdftotext) and whether the graph page is drawn."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from matplotlib import image

HAVE_TEX = all(shutil.which(tool) for tool in ("latexmk", "pdflatex", "pdftotext", "pdftoppm"))
needs_tex = pytest.mark.skipif(not HAVE_TEX, reason="latexmk, pdflatex or poppler-utils not on PATH")
GRAPH_LEGEND = "Dark green fill"


def pdftext(pdf: Path, page: int | None = None) -> str:
    """The text of ``pdf`` (one page if given), layout kept."""
    pages = ["-f", str(page), "-l", str(page)] if page else []
    return subprocess.run(["pdftotext", "-layout", *pages, str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def assert_graph_page_drawn(pdf: Path, scratch: Path) -> None:
    """The page with the graph legend has ink on more than 1% of it and dark-green (fully checked) nodes."""
    page = next(p for p in range(1, page_count(pdf) + 1) if GRAPH_LEGEND in pdftext(pdf, p))
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", str(page), "-l", str(page), str(pdf),
                    str(scratch / "graph")], check=True)
    pixels = image.imread(next(scratch.glob("graph*.png")))[:, :, :3]
    assert (pixels < 0.95).any(axis=2).mean() > 0.01
    dark_green = (abs(pixels - [0x1C / 255, 0xAC / 255, 0x78 / 255]) < 0.08).all(axis=2)
    assert dark_green.sum() > 50
