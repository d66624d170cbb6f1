"""Escaping, the Jinja environment, source markers and the claim accessor."""

from __future__ import annotations

import jinja2
import jinja2.meta
import pytest
import sympy as sp

from gdssm.reports.context import template_context
from gdssm.reports.latex import (
    TEMPLATE_DIR,
    UnverifiedClaimError,
    add_markers,
    claim_accessors,
    finalize,
    make_environment,
    template_origin,
)
from gdssm.reports.model import ReportInput
from gdssm.reports.tex import TexMath, TexRaw, inline, matrix_tex, tex_escape, tex_math
from tests.reports.sample import with_failed_route


def render(source: str, **context: object) -> str:
    return make_environment().from_string(source).render(**context)


def test_prose_is_escaped() -> None:
    assert tex_escape("a_b 50% & #1 $x {y} ~ ^ \\ < > |") == (
        r"a\_b 50\% \& \#1 \$x \{y\} \textasciitilde{} \textasciicircum{} \textbackslash{} "
        r"\textless{} \textgreater{} \textbar{}")
    assert tex_escape("--out\n") == "-{}-out "


def test_tex_math_and_raw_are_never_escaped_twice() -> None:
    math = tex_math(2 * sp.Symbol("alpha"))
    assert isinstance(math, TexMath) and math == r"2 \alpha"
    assert tex_escape(math) is math
    escaped = tex_escape("a_b")
    assert isinstance(escaped, TexRaw)
    assert tex_escape(escaped) == escaped == r"a\_b"
    assert render(r"\VAR{m} \VAR{s} \VAR{s|escape}", m=TexMath(r"x_{1}^{T}"), s="y_1") == r"x_{1}^{T} y\_1 y\_1"


def test_plain_string_operations_fall_back_to_escaping() -> None:
    assert render(r"\VAR{m ~ '_'}", m=TexMath("x")) == r"x\_"
    assert render(r"\VAR{m|inline}, \VAR{s|inline}", m=TexMath(r"\alpha"), s="a&b") == r"\(\alpha\), a\&b"
    assert inline(TexRaw(r"\textbf{b}")) == r"\textbf{b}"


def test_finalize_writes_numbers_and_refuses_other_values() -> None:
    assert finalize(3) == "3" and finalize(0.5) == "0.5"
    for bad in (None, True, ["a"], {"a": 1}):
        with pytest.raises(TypeError):
            finalize(bad)


def test_template_syntax() -> None:
    source = ("%- for x in xs\n\\VAR{x}\\BLOCK{if not loop.last},\\BLOCK{endif}\n%- endfor\n"
              "%# gone\n\\#{also gone}done\n")
    # trim_blocks: the newline after a block tag that ends a line is dropped
    assert render(source, xs=["a_1", "b"]) == "a\\_1,b\ndone\n"
    with pytest.raises(jinja2.UndefinedError):
        render(r"\VAR{missing}")


def test_markers_skip_blank_jinja_and_verbatim_lines() -> None:
    source = ("a\n\n%- if x\n\\BLOCK{if y}\n\\begin{verbatim}\nraw\n\\end{verbatim}\n\\#{ a\nlong comment }\n"
              "b \\VAR{z}\n")
    marked = add_markers(source, "t.tex").split("\n")
    assert marked[0] == "a %tpl:t.tex:1"
    assert marked[1:9] == source.split("\n")[1:9]
    assert marked[9] == "b \\VAR{z} %tpl:t.tex:10"
    tex = "x %tpl:t.tex:4\ny\nz %tpl:t.tex:9\n"
    assert template_origin(tex, 1) == "t.tex:4"
    assert template_origin(tex, 2) == "t.tex:9"
    assert template_origin(tex, 4) is None


def test_matrix_truncation() -> None:
    body, note = matrix_tex(sp.eye(3))
    assert body.startswith(r"\begin{pmatrix}") and "left(" not in body and note == ""
    body, note = matrix_tex(sp.ones(12, 2), limit=8)
    assert r"\vdots" in body and note == "12 x 2; rows 7-11 elided"


def test_claim_accessor_refuses_unverified_claims(report: ReportInput) -> None:
    claim = claim_accessors(report)["claim"]
    assert claim("ssm.one_step").verified
    with pytest.raises(UnverifiedClaimError, match=r"no\.such"):
        claim("no.such")
    failed = with_failed_route(report, "ssm.k_step", "numeric")
    with pytest.raises(UnverifiedClaimError, match=r"claim ssm\.k_step .*numeric failed") as info:
        list(claim_accessors(failed)["verified_claims"]())
    assert info.value.claim_id == "ssm.k_step"


def test_templates_see_no_claims_but_through_the_accessor(report: ReportInput) -> None:
    env = make_environment()
    loop_variables = {"table", "record", "view"}  # set by the loop of the template that includes another
    allowed = set(template_context(report, {})) | set(claim_accessors(report)) | loop_variables
    for path in sorted(TEMPLATE_DIR.glob("*.tex")):
        assert env.loader is not None
        source = env.loader.get_source(env, path.name)[0]
        names = jinja2.meta.find_undeclared_variables(env.parse(source))
        assert names <= allowed, (path.name, names - allowed)
        assert "claims" not in names
