"""What the command line shows: one-line output files, progress bars, tables."""

from __future__ import annotations

import sys
from typing import Any

from gdssm.core.atomic import write_text


def emit(text: str, output: str | None) -> None:
    """Print ``text`` or write it atomically to ``output``."""
    if output:
        write_text(output, text)
    else:
        sys.stdout.write(text)


def progress() -> Any:
    """A rich progress bar on stderr (transient, so tables and JSON on stdout stay clean)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), transient=True)


def table(title: str, header: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in header:
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    Console(width=160).print(table)


def check_table(title: str, report: Any) -> None:
    """The table of a property run (:class:`numeric.check.CheckReport`): errors by dtype against tolerance."""
    table(f"{title}: {report.examples} examples, seed {report.seed}, {report.seconds:.1f} s",
           ["dtype", "examples", "max abs error", "max rel error", "tolerance (rel)"],
           [[name, str(s.examples), f"{s.max_abs:.2e}", f"{s.max_rel:.2e}", f"{report.tolerances[name]:.0e}"]
            for name, s in report.stats.items()])
