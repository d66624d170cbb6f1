"""Render the report to LaTeX and build the PDF.

* :func:`render_tex` -- the ``.tex`` text; identical input gives identical bytes (the only date is
  ``ReportInput.source_date`` or ``SOURCE_DATE_EPOCH``).
* :func:`write_report` -- writes ``<out>.tex``, the figures and the generated Coq files (``*.v``, one per
  claim) next to ``<out>.pdf``, runs ``latexmk`` in a
  temporary directory beside the output, and moves the PDF into place atomically. A LaTeX error raises
  :class:`~gdssm.core.errors.BadInput` with the log's first error line, the ``.tex`` line and the template line
  it came from; the log is kept as ``<out>.log``. Without ``latexmk``/``pdflatex`` only the ``.tex`` and the
  figures are written and the result says what to install (the caller exits 0).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from gdssm.core.atomic import write_bytes, write_text
from gdssm.core.errors import BadInput
from gdssm.reports.context import template_context
from gdssm.reports.figures import figure_name, write_figures
from gdssm.reports.latex import claim_accessors, make_environment, template_origin
from gdssm.reports.model import ReportInput

INSTALL_HINT = ("apt-get install texlive-latex-base texlive-latex-recommended texlive-latex-extra "
                "texlive-pictures latexmk")
LATEXMK_TIMEOUT_S = 300
TEX_TOOLS = ("latexmk", "pdflatex")


@dataclass(frozen=True)
class BuildResult:
    """What :func:`write_report` wrote; ``pdf`` is None when no PDF was built, and ``message`` says why."""

    tex: Path
    pdf: Path | None
    figures: tuple[Path, ...]
    message: str
    formal: tuple[Path, ...] = ()
    """The generated Coq files written beside the PDF."""

    @property
    def built(self) -> bool:
        """Whether the PDF was built."""
        return self.pdf is not None


def _figure_files(report: ReportInput, prefix: str) -> dict[str, str]:
    series = {"loss_vs_k": report.loss_vs_k, "error_vs_N": report.error_vs_N}
    files = {key: figure_name(prefix, key) for key, data in series.items() if data}
    files.update({source: learned_figure_name(prefix, view.preset, source) for view in report.learned
                  for _, source in view.figures})
    return files


def learned_figure_name(prefix: str, preset: str, source: str) -> str:
    """The TeX-safe name of a training figure copied next to the report."""
    return f"{prefix}-train-{file_prefix(Path(preset))}-{file_prefix(Path(source))}.pdf"


def _copy_learned_figures(report: ReportInput, directory: Path, prefix: str) -> tuple[Path, ...]:
    """Copy every training figure next to the report (atomically); a missing one is a user error."""
    copied = []
    for view in report.learned:
        for _, source in view.figures:
            try:
                data = Path(source).read_bytes()
            except OSError as err:
                raise BadInput(f"training figure {source} cannot be read: {err}") from None
            target = directory / learned_figure_name(prefix, view.preset, source)
            write_bytes(target, data)
            copied.append(target)
    return tuple(copied)


def render_tex(report: ReportInput, *, figure_prefix: str = "report") -> str:
    """The LaTeX source of the report; figures are referenced as ``<figure_prefix>-<name>.pdf``.

    Raises :class:`~reports.latex.UnverifiedClaimError` if a claim has not passed all its required routes.
    """
    env = make_environment()
    env.globals.update(claim_accessors(report))
    template = env.get_template("report.tex")
    return template.render(template_context(report, _figure_files(report, figure_prefix)))


def file_prefix(out_pdf: Path) -> str:
    """A TeX-safe prefix for the files of ``out_pdf`` (letters, digits and single hyphens)."""
    return re.sub(r"[^A-Za-z0-9]+", "-", out_pdf.stem).strip("-") or "report"


def write_report(report: ReportInput, out_pdf: str | os.PathLike[str], tex_only: bool = False) -> BuildResult:
    """Write ``<out>.tex`` and the figures, then (unless ``tex_only``) build ``out_pdf`` with latexmk."""
    out = Path(out_pdf)
    if out.suffix.lower() != ".pdf":
        raise BadInput(f"the report output must be a .pdf path, got {str(out)!r}")
    prefix = file_prefix(out)
    tex = render_tex(report, figure_prefix=prefix)
    tex_path = out.with_suffix(".tex")
    write_text(tex_path, tex)
    figures = write_figures(out.parent, prefix, report.loss_vs_k, report.error_vs_N)
    fig_paths = tuple(figures.values()) + _copy_learned_figures(report, out.parent, prefix)
    formal = tuple(out.parent / name for name, _ in report.formal_files)  # the generated Coq files, beside the PDF
    for path, (_, text) in zip(formal, report.formal_files, strict=True):
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\.v", path.name):
            raise BadInput(f"a generated Coq file must be named <module>.v, got {path.name!r}")
        write_text(path, text)
    if tex_only:
        return BuildResult(tex_path, None, fig_paths, f"wrote {tex_path} (PDF not requested)", formal)
    missing = [tool for tool in TEX_TOOLS if shutil.which(tool) is None]
    if missing:
        return BuildResult(tex_path, None, fig_paths,
                           f"{' and '.join(missing)} not found on PATH: wrote {tex_path} only; "
                           f"to build the PDF install TeX Live: {INSTALL_HINT}", formal)
    _compile(tex, prefix, fig_paths, out)
    return BuildResult(tex_path, out, fig_paths, f"wrote {out}", formal)


def _compile(tex: str, prefix: str, figures: tuple[Path, ...], out: Path) -> None:
    """Run latexmk on ``tex`` in a temporary directory beside ``out``; move the PDF onto ``out``."""
    with tempfile.TemporaryDirectory(prefix=".gdssm-tex-", dir=out.parent) as tmp:
        build = Path(tmp)
        (build / f"{prefix}.tex").write_text(tex, encoding="utf-8")
        for fig in figures:
            shutil.copyfile(fig, build / fig.name)
        cmd = ["latexmk", "-pdf", "-norc", "-interaction=nonstopmode", "-halt-on-error", f"{prefix}.tex"]
        try:
            proc = subprocess.run(cmd, cwd=build, capture_output=True, text=True, errors="replace",
                                  timeout=LATEXMK_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
        except subprocess.TimeoutExpired:
            raise BadInput(f"latexmk did not finish within {LATEXMK_TIMEOUT_S} s") from None
        log = build / f"{prefix}.log"
        pdf = build / f"{prefix}.pdf"
        if proc.returncode != 0 or not pdf.exists():
            kept = out.with_suffix(".log")
            if log.exists():
                write_bytes(kept, log.read_bytes())
            raise BadInput(latex_error_message(
                log.read_text(encoding="latin-1") if log.exists() else "", tex, out.with_suffix(".tex").name,
                proc.stdout + proc.stderr, kept if log.exists() else None))
        if log.exists():  # kept beside the PDF: the overfull-box test and a reviewer read it
            write_bytes(out.with_suffix(".log"), log.read_bytes())
        os.replace(pdf, out)


def latex_error_message(log: str, tex: str, tex_name: str, output: str, kept_log: Path | None) -> str:
    """One line naming the first LaTeX error, where it is in the ``.tex`` and which template line wrote it."""
    lines = log.splitlines()
    first = next((i for i, line in enumerate(lines) if line.startswith("! ")), None)
    where = f"; full log: {kept_log}" if kept_log else ""
    if first is None:
        tail = [line for line in output.splitlines() if line.strip()][-1:] or ["no output"]
        return f"latexmk failed without a LaTeX error line: {tail[0]}{where}"
    message = f"LaTeX error: {lines[first]}"
    for line in lines[first + 1:first + 30]:
        found = re.match(r"l\.(\d+)", line)
        if found:
            number = int(found.group(1))
            message += f" at {tex_name} line {number}"
            origin = template_origin(tex, number)
            if origin:
                message += f" (template {origin})"
            break
    return message + where
