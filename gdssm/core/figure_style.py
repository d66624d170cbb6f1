"""The page every figure is drawn for: the report includes figures at their natural size, so a figure no wider
than :data:`TEXT_WIDTH_IN` whose smallest font is :data:`MIN_FONT_PT` is read at that size on the page."""

from __future__ import annotations

TEXT_WIDTH_IN = 6.5
"""The report's text width in inches (A4, 2.2 cm margins: 16.6 cm), rounded down: the widest a figure may be."""
MIN_FONT_PT = 7.0
"""The smallest font (points) any figure uses: tick labels, legends, annotations."""

__all__ = ["MIN_FONT_PT", "TEXT_WIDTH_IN"]
