"""The report's data model checks itself, and the dependency graph is laid out and coloured by status."""

from __future__ import annotations

import dataclasses

import pytest

from gdssm.core.errors import BadInput
from gdssm.reports.graph import layout, levels
from gdssm.reports.model import ClaimView, ProofStepView, ReportInput, step_size_view
from gdssm.reports.tex import TexMath
from tests.reports.sample import SYMBOLIC


def claim(cid: str, uses: tuple[str, ...] = (), steps: int = 1) -> ClaimView:
    step = ProofStepView(TexMath("a"), TexMath("b"), "algebra", status={"symbolic": True})
    return ClaimView(cid, cid, TexMath("a = b"), (), uses, ("symbolic",), {"symbolic": SYMBOLIC},
                     (step,) * steps, "hash")


def test_views_validate_their_fields(report: ReportInput) -> None:
    with pytest.raises(BadInput, match="justification"):
        ProofStepView(TexMath("a"), TexMath("b"), "magic")
    with pytest.raises(TypeError, match="TexMath"):
        ProofStepView("a", TexMath("b"), "algebra")  # type: ignore[arg-type]
    with pytest.raises(BadInput, match="uses unknown claims: nope"):
        dataclasses.replace(report, claims=(claim("a", ("nope",)),))
    with pytest.raises(BadInput, match="duplicate claim ids: a"):
        dataclasses.replace(report, claims=(claim("a"), claim("a")))
    with pytest.raises(BadInput, match="series 'GD' has 2 values"):
        dataclasses.replace(report, loss_vs_k={"k": (0, 1, 2), "GD": (1.0, 0.5)})


def test_status_flags() -> None:
    proved, bare = claim("p"), claim("q", steps=0)
    assert proved.verified and proved.statement_checked and proved.proof_checked
    assert bare.verified and bare.statement_checked and not bare.proof_checked
    failed = dataclasses.replace(proved, results={"symbolic": dataclasses.replace(SYMBOLIC, ok=False)})
    assert not failed.verified and failed.failed_routes == ("symbolic",)
    assert not dataclasses.replace(proved, results={}).verified


def test_layered_layout_and_blueprint_colours() -> None:
    claims = (claim("a"), claim("b", steps=0), claim("c", ("a",)), claim("d", ("c", "b")), claim("e", ("a",)))
    assert levels(claims) == {"a": 0, "b": 0, "c": 1, "d": 2, "e": 1}
    graph = layout(claims)
    nodes = {n.id: n for n in graph.nodes}
    assert nodes["a"].y == 0 and nodes["d"].y > nodes["c"].y > 0
    assert nodes["c"].x < nodes["e"].x or nodes["c"].x > nodes["e"].x
    assert nodes["c"].fully_checked and not nodes["b"].proof_checked and not nodes["d"].fully_checked
    assert [(e.source, e.target) for e in graph.edges] == [("a", "c"), ("c", "d"), ("b", "d"), ("a", "e")]
    stats = graph.stats
    assert (stats.claims, stats.proofs_checked, stats.fully_checked, stats.steps, stats.route_checks) == (5, 4, 3, 4, 5)


def test_dependency_cycle_is_named() -> None:
    with pytest.raises(BadInput, match="a -> b -> a"):
        levels((claim("a", ("b",)), claim("b", ("a",))))


def test_step_size_view_prints_sympy_strings_as_math() -> None:
    view = step_size_view({"law": "uniform", "alpha_star": "20/33", "alpha_star_closed_form": "60/(5*N + 5*f - 1)",
                           "alpha_star_float": "0.606061"})
    assert view["law"] == "uniform" and view["alpha_star_float"] == "0.606061"
    assert isinstance(view["alpha_star"], TexMath) and view["alpha_star"] == r"\frac{20}{33}"
    assert view["alpha_star_closed_form"] == r"\frac{60}{5 N + 5 f - 1}"
