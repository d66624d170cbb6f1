"""What the templates see: the report input (without direct access to claims) plus derived views.

Claims are reached only through the ``claim`` / ``verified_claims`` globals (:mod:`reports.latex`); the
dependency graph carries claim ids and layout, and the template asks ``claim(id)`` for anything else.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from gdssm.core.errors import BadInput
from gdssm.reports.graph import layout
from gdssm.reports.model import ReportInput
from gdssm.reports.tex import TexMath

STEP_SIZE_LABELS = {
    "E_trG": TexMath(r"\mathbb{E}\operatorname{tr} G"),
    "E_trG2": TexMath(r"\mathbb{E}\operatorname{tr} G^2"),
    "alpha_star": TexMath(r"\alpha^*"),
    "eta_star": TexMath(r"\eta^* = N \alpha^*"),
    "loss_star": TexMath(r"L(\alpha^*)"),
    "zero_predictor_loss": TexMath(r"L(0)"),
}
_COMPANIONS = ("_float", "_closed_form")


@dataclass(frozen=True)
class StepSizeRow:
    """One derived quantity: its value at the report's dims, as a float, and in closed form."""

    label: str
    exact: str
    value: str
    closed_form: str


@dataclass(frozen=True)
class SeriesTable:
    """A data series dict laid out as a table: the axis first, then one column per series."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def step_size_rows(values: Mapping[str, str]) -> tuple[tuple[StepSizeRow, ...], tuple[tuple[str, str], ...]]:
    """Split a step-size summary into derived quantities (with ``_float``/``_closed_form`` companions) and the
    setting (every other key, e.g. the input law and the dims)."""
    bases = [k for k in values if not k.endswith(_COMPANIONS) and any(k + s in values for s in _COMPANIONS)]
    rows = tuple(
        StepSizeRow(STEP_SIZE_LABELS.get(k, k), values[k], values.get(k + "_float", ""),
                    values.get(k + "_closed_form", ""))
        for k in bases
    )
    derived = {k + s for k in bases for s in _COMPANIONS} | set(bases)
    setting = tuple((k, v) for k, v in values.items() if k not in derived)
    return rows, setting


def series_table(data: Mapping[str, Sequence[float]], axis: str) -> SeriesTable | None:
    """``data`` as a table (axis values as integers when they are), or None when there is no data."""
    if not data:
        return None
    labels = [k for k in data if k != axis]
    rows = tuple(
        (_number(x), *(f"{data[label][i]:.6g}" for label in labels)) for i, x in enumerate(data[axis])
    )
    return SeriesTable((axis, *labels), rows)


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else f"{x:.6g}"


def report_date(report: ReportInput, environ: Mapping[str, str] = os.environ) -> str | None:
    """``source_date``, else the UTC date of ``SOURCE_DATE_EPOCH``, else None (no date in the output)."""
    if report.source_date is not None:
        return report.source_date
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return None
    try:
        return dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC).date().isoformat()
    except (ValueError, OverflowError, OSError):
        raise BadInput(f"SOURCE_DATE_EPOCH must be an integer number of seconds, got {epoch!r}") from None


def template_context(report: ReportInput, figures: Mapping[str, str]) -> dict[str, Any]:
    """The variables of ``report.tex``; ``figures`` maps ``loss_vs_k`` / ``error_vs_N`` to file names."""
    step_rows, step_setting = step_size_rows(report.step_size)
    return {
        "title": report.title,
        "command": report.command,
        "versions": report.versions,
        "dims": report.dims,
        "routes": report.routes,
        "mutants": report.mutants,
        "mutant_routes": tuple(r.name for r in report.routes if any(r.name in m.rejected_by for m in report.mutants)),
        "parameters": report.parameters,
        "symbolic_forms": report.symbolic_forms,
        "step_rows": step_rows,
        "step_setting": step_setting,
        "numeric_tables": report.numeric_tables,
        "loss_table": series_table(report.loss_vs_k, "k"),
        "loss_caption": report.loss_vs_k_caption,
        "compact": False,  # series.tex: set true (``with``) for a table with many series
        "error_table": series_table(report.error_vs_N, "N"),
        "figures": dict(figures),
        "two_step_audit": report.two_step_audit,
        "conventions": report.conventions,
        "certificate_hashes": report.certificate_hashes,
        "learned": report.learned,
        "date": report_date(report),
        "graph": layout(report.claims),
        "claim_no": {c.id: i for i, c in enumerate(report.claims, start=1)},
        "end_to_end": report.end_to_end,
    }
