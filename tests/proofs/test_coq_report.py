"""The Coq route in the report: status per claim, the blueprint's "formalised" fill, the appendix, the files.

Runs without coqc: the views are built from given outcomes, the report renders to ``.tex`` only.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from gdssm.proofs.claims import claim
from gdssm.proofs.coq import generate
from gdssm.proofs.verify import Outcome
from gdssm.reports.build import render_tex, write_report
from gdssm.reports.from_registry import claim_views, formal_files, route_views
from gdssm.reports.graph import layout
from gdssm.reports.model import ClaimView, FormalView, ReportInput, RouteResultView, RouteView
from tests.reports.sample import sample_input

NO_PROOFS = ("ref.param_map", "ce.one_step", "eta.optimal")
"""Claims whose views are cheap to build (no route-1 records from a description)."""
KERNEL = RouteResultView(True, "every f, m, H, N, t and k", "1 theorem", 0.5, "coqc accepted")


def outcomes(with_coq: bool) -> dict[tuple[str, str], Outcome]:
    out = {}
    for cid in NO_PROOFS:
        for route in claim(cid).routes:
            if route != "coq" or with_coq:
                out[(cid, route)] = Outcome(cid, route, True, "d", "s", 0.1, "ok")
    return out


def test_without_coqc_the_claims_are_not_coq_checked_yet_verified() -> None:
    views = {v.id: v for v in claim_views(outcomes(False), [claim(c) for c in NO_PROOFS], unavailable=("coq",))}
    for cid in ("ref.param_map", "ce.one_step"):
        v = views[cid]
        assert v.not_run == ("coq",) and v.verified and not v.kernel_checked and v.coq_status == "not Coq-checked"
        assert v.formal is not None and v.formal.file == cid.replace(".", "_") + ".v"
    assert views["eta.optimal"].coq_status == "no Coq route" and views["eta.optimal"].formal is None
    missing = {v.id: v for v in claim_views(outcomes(False), [claim("ce.one_step")], unavailable=())}
    assert not missing["ce.one_step"].verified  # where coqc is installed, a missing coq result is a failure


def test_with_coq_the_claims_are_formalised() -> None:
    views = claim_views(outcomes(True), [claim(c) for c in NO_PROOFS], unavailable=())
    assert [v.coq_status for v in views] == ["kernel-checked", "kernel-checked", "no Coq route"]
    assert views[0].formal == FormalView("ref_param_map.v", ("claim_ref_param_map",), generate.MAP,
                                         views[0].formal.source if views[0].formal else "")


def _with_coq(report: ReportInput) -> ReportInput:
    """The sample report with a coq route: ssm.state and gd.gradient kernel-checked, ssm.one_step not run."""
    def add(c: ClaimView) -> ClaimView:
        if c.id in ("ssm.state", "gd.gradient"):
            return dataclasses.replace(c, routes=(*c.routes, "coq"), results={**c.results, "coq": KERNEL},
                                       formal=FormalView(f"{c.id.replace('.', '_')}.v",
                                                         (f"claim_{c.id.replace('.', '_')}",), generate.GENERATED))
        if c.id == "ssm.one_step":
            return dataclasses.replace(c, routes=(*c.routes, "coq"), not_run=("coq",))
        return c

    coq = next(r for r in route_views() if r.name == "coq")
    return dataclasses.replace(report, claims=tuple(add(c) for c in report.claims),
                               routes=(*report.routes, RouteView(coq.name, coq.title, coq.trusted_base)),
                               formal_files=(("ssm_state.v", "(* a *)\n"), ("gd_gradient.v", "(* b *)\n")))


def test_the_graph_fills_kernel_checked_claims_green() -> None:
    report = _with_coq(sample_input())
    nodes = {n.id: n for n in layout(report.claims).nodes}
    assert nodes["ssm.state"].formalised and nodes["gd.gradient"].fully_formalised
    assert not nodes["ssm.state"].fully_formalised  # it uses ssm.layer, which is not kernel-checked
    assert not nodes["ssm.one_step"].formalised and nodes["ssm.one_step"].proof_checked
    stats = layout(report.claims).stats
    assert (stats.formalised, stats.fully_formalised, stats.not_run) == (2, 1, 1)


def test_the_report_shows_the_coq_status_theorems_and_files(tmp_path: Path) -> None:
    report = _with_coq(sample_input())
    tex = render_tex(report)
    assert "kernel-checked" in tex and "not Coq-checked" in tex and "no Coq route" in tex
    assert r"claim\_ssm\_state" in tex and r"ssm\_state.v" in tex and "Kernel-checked theorems (Coq)" in tex
    assert "fill=bpproof" in tex and "fill=bpfull" in tex and "fill=bpchain" in tex
    assert "Coq kernel" in tex  # the route's trusted base
    result = write_report(report, tmp_path / "report.pdf", tex_only=True)
    assert {p.name for p in result.formal} == {"ssm_state.v", "gd_gradient.v"}
    assert (tmp_path / "ssm_state.v").read_text() == "(* a *)\n"


def test_the_report_carries_every_generated_file() -> None:
    files = dict(formal_files())
    assert set(files) == {f.name for f in generate.render_all()}
    assert files["ssm_k_step.v"] == generate.render("ssm.k_step").text
