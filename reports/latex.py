"""The Jinja2 environment for LaTeX templates, and the only door from a template to a claim.

Syntax (templates stay valid-looking LaTeX): ``\\VAR{expr}``, ``\\BLOCK{stmt}``, ``\\#{comment}``, line
statements ``%- stmt``, line comments ``%# ...``; ``trim_blocks`` and :class:`jinja2.StrictUndefined`.

Escaping: a ``finalize`` hook escapes every plain ``str`` written by ``\\VAR`` and passes
:class:`~reports.tex.TexMath` / :class:`~reports.tex.TexRaw` through, so prose cannot break the document and
math is never escaped twice. Numbers are written with ``str``; any other value (None, bool, containers)
is a template bug and raises :class:`TypeError`. Jinja's ``join`` and macros return plain ``str`` (which
would be escaped), so templates use the ``texjoin`` filter and ``include`` instead.

Source map: the loader appends ``%tpl:<template>:<line>`` to each template line that writes LaTeX (not to
blank lines, lines with Jinja statements or comments, or verbatim blocks), so a LaTeX error at a line of the
``.tex`` file is traced back to the template line it came from (:func:`template_origin`).

Claims: templates reach claims only through ``claim(id)`` and ``verified_claims()``; both raise
:class:`UnverifiedClaimError` for a claim that has not passed all its required routes.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import jinja2

from gdssm.core.errors import BadInput
from gdssm.reports.model import ClaimView, ReportInput
from gdssm.reports.prose import prose
from gdssm.reports.tex import TexMath, TexRaw, inline, tex_escape

TEMPLATE_DIR = Path(__file__).with_name("templates")
MARKER = "%tpl:"
_MARKER_RE = re.compile(r"%tpl:(?P<name>[\w.-]+):(?P<line>\d+)\s*$")


class UnverifiedClaimError(BadInput):
    """A template asked for a claim that has not passed every route it requires."""

    def __init__(self, claim_id: str, reason: str = "it has not passed all its required routes") -> None:
        super().__init__(f"claim {claim_id} cannot be rendered: {reason}")
        self.claim_id = claim_id


class MarkedLoader(jinja2.FileSystemLoader):
    """Loads templates from ``reports/templates`` and adds a source-map comment to each LaTeX line."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str, Callable[[], bool]]:
        source, filename, uptodate = super().get_source(environment, template)
        return add_markers(source, template), filename, uptodate


def add_markers(source: str, name: str) -> str:
    """``source`` with `` %tpl:<name>:<line>`` after every line that is plain LaTeX (see the module doc)."""
    out = []
    in_verbatim = in_comment = False
    for number, line in enumerate(source.split("\n"), start=1):
        stripped = line.strip()
        if stripped.startswith(r"\begin{verbatim}"):
            in_verbatim = True
        opens_comment = r"\#{" in line and "}" not in line.rsplit(r"\#{", 1)[1]
        plain = not (in_verbatim or in_comment or opens_comment or not stripped or stripped.startswith("%")
                     or r"\BLOCK{" in line or r"\#{" in line)
        out.append(f"{line} {MARKER}{name}:{number}" if plain else line)
        if in_comment and "}" in line:
            in_comment = False
        in_comment = in_comment or opens_comment
        if stripped.startswith(r"\end{verbatim}"):
            in_verbatim = False
    return "\n".join(out)


def template_origin(tex: str, line: int) -> str | None:
    """The ``template:line`` that wrote line ``line`` (1-based) of ``tex``, from the next marker at or after it."""
    lines = tex.split("\n")
    for text in lines[max(line - 1, 0):]:
        found = _MARKER_RE.search(text)
        if found:
            return f"{found['name']}:{found['line']}"
    return None


def finalize(value: Any) -> str:
    """What ``\\VAR{value}`` writes: escaped prose, LaTeX as is, numbers via ``str``."""
    if isinstance(value, jinja2.Undefined):
        return str(value)  # StrictUndefined raises here, naming the missing variable
    if isinstance(value, str):
        return tex_escape(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise TypeError(f"a template tried to write a {type(value).__name__} ({value!r}); write prose, "
                    "TexMath, TexRaw or a number")


def texjoin(values: Iterable[str], separator: str = ", ") -> TexRaw:
    """Join escaped items (math items as inline math) with a LaTeX ``separator``."""
    return TexRaw(separator.join(inline(v) for v in values))


def prosejoin(values: Iterable[str], separator: str = ", ") -> TexRaw:
    """Join items with their ASCII math typeset (:func:`reports.prose.prose`) with a LaTeX ``separator``."""
    return TexRaw(separator.join(prose(v) for v in values))


def hexbreak(value: str, group: int = 16) -> TexRaw:
    """Prose with every long hex string (a hash) broken into groups that may wrap at the group boundaries."""
    def split(found: re.Match[str]) -> str:
        h = found.group(0)
        return r"\allowbreak ".join(h[i:i + group] for i in range(0, len(h), group))

    return TexRaw(re.sub(r"[0-9a-f]{20,}", split, tex_escape(value)))


def ttbreak(value: str) -> TexRaw:
    """Escaped code (ids, file names) that may break after each underscore and dot inside ``\\texttt``."""
    return TexRaw(tex_escape(value).replace(r"\_", r"\_\allowbreak{}").replace(".", r".\allowbreak{}"))


def shorthash(value: str, keep: int = 12) -> TexRaw:
    """Prose with every long hex string abbreviated to its first ``keep`` digits (full values in the appendix)."""
    return TexRaw(re.sub(r"[0-9a-f]{20,}", lambda m: m.group(0)[:keep] + r"\ldots{}", tex_escape(value)))


def _top_level_split(tex: str, separator: str) -> list[str]:
    """``tex`` split at ``separator`` where it is outside every brace group and ``\\left...\\right`` pair."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(tex):
        if tex.startswith(separator, i) and depth == 0:
            parts.append(tex[start:i].strip())
            i += len(separator)
            start = i
            continue
        if tex.startswith(r"\left", i):
            depth += 1
        elif tex.startswith(r"\right", i):
            depth -= 1
        elif tex[i] == "{" and (i == 0 or tex[i - 1] != "\\"):
            depth += 1
        elif tex[i] == "}" and (i == 0 or tex[i - 1] != "\\"):
            depth -= 1
        i += 1
    parts.append(tex[start:].strip())
    return [p for p in parts if p]


def display(value: str) -> TexRaw:
    """A :class:`TexMath` as display math ``\\[...\\]``; prose escaped as a paragraph."""
    if isinstance(value, TexMath):
        parts = _top_level_split(str(value), r";\quad")
        if len(parts) > 1:  # a conjunction of equations: one line each, so that none runs past the margin
            body = r"\begin{gather*} " + r" \\ ".join(parts) + r" \end{gather*}"
            return TexRaw(r"{\small " + body + "}" if max(map(len, parts)) > 150 else body)
        return TexRaw(rf"\[ {value} \]")
    return TexRaw(tex_escape(value))


def make_environment() -> jinja2.Environment:
    """A fresh LaTeX-safe environment loading from ``reports/templates``."""
    env = jinja2.Environment(
        loader=MarkedLoader(str(TEMPLATE_DIR)),
        block_start_string=r"\BLOCK{",
        block_end_string="}",
        variable_start_string=r"\VAR{",
        variable_end_string="}",
        comment_start_string=r"\#{",
        comment_end_string="}",
        line_statement_prefix="%-",
        line_comment_prefix="%#",
        trim_blocks=True,
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
    )
    env.filters.update(escape=tex_escape, inline=inline, display=display, texjoin=texjoin, prose=prose,
                       prosejoin=prosejoin, hexbreak=hexbreak, shorthash=shorthash,
                       ttbreak=ttbreak)
    return env


def claim_accessors(report: ReportInput) -> dict[str, Callable[..., Any]]:
    """The template globals ``claim(id)`` and ``verified_claims()`` for ``report``."""

    def claim(claim_id: str) -> ClaimView:
        found = report.claim_by_id(claim_id)
        if found is None:
            raise UnverifiedClaimError(claim_id, "it is not in the report input")
        if not found.verified:
            missing = [r for r in found.failed_routes if r not in found.results]
            failed = [r for r in found.failed_routes if r in found.results]
            parts = ([f"route(s) {', '.join(failed)} failed"] if failed else []) + (
                [f"route(s) {', '.join(missing)} have no result"] if missing else [])
            raise UnverifiedClaimError(claim_id, "; ".join(parts))
        return found

    def verified_claims() -> Iterator[ClaimView]:
        """Every claim of the report, in order, each through ``claim`` (an unverified one raises)."""
        return (claim(c.id) for c in report.claims)

    return {"claim": claim, "verified_claims": verified_claims}
