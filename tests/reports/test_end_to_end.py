"""The end-to-end proof, the honest step counts and the modelled learning-rate scan, without LaTeX.

* the chain of ``ssm.one_step`` is route 1's records flattened: it starts from the layer's equations, every row is
  a checked step, the sub-lemma is stated and closed where it is proved, and it ends at the claim's statement; a
  patched description (a broken step) makes it refuse to be built, and a view with a rejected row refuses itself;
* the statistics count distinct non-trivial steps: a trivial step (X = X) is not counted, a lemma shared by two
  claims is printed and counted once;
* the modelled scan picks what the code's loop would pick (the forward pass run at every grid value).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import sympy as sp

from gdssm.core.errors import BadInput, Refuted
from gdssm.proofs.claims import claim
from gdssm.proofs.sympy_bridge import latex
from gdssm.reports.assemble import END_TO_END, end_to_end
from gdssm.reports.build import render_tex
from gdssm.reports.end_to_end import general_equations
from gdssm.reports.from_registry import claim_views
from gdssm.reports.graph import layout
from gdssm.reports.latex import UnverifiedClaimError
from gdssm.reports.model import ReportInput
from gdssm.symbolic import description as D
from gdssm.symbolic import equations as eq


def test_the_chain_runs_from_the_layer_equations_to_the_prediction() -> None:
    view = end_to_end()
    theorem = claim(END_TO_END[0]).proved()
    lhs = [lhs for lhs, _ in view.equations]
    assert lhs[:2] == ["z_{2 i - 1}", "z_{2 i}"] and r"\hat{y}_{t}" in lhs and "S_{t}" in lhs
    assert view.rows[0].kind == "lemma" and view.rows[-1].kind == "step"
    numbers = [r.number for r in view.steps]
    assert numbers == list(range(1, len(numbers) + 1)) and all(r.ok for r in view.steps)
    nontrivial = [s for r in theorem.records for s in r.steps if latex(s.lhs) != latex(s.rhs)]
    assert len(view.steps) == len(nontrivial)  # every non-trivial checked step, once, and nothing else
    assert view.steps[0].equation == "S_{0} = 0"
    assert str(view.steps[-1].equation).endswith(r"= W^{(t)}_{1} x_{t + 1}")
    assert view.statement == r"\hat{y}_{t} = W^{(t)}_{1} x_{t + 1}"
    assert "layer equation" in view.steps[0].justification  # the first step unfolds the layer's S_0 = 0
    hence = next(r for r in view.rows if r.kind == "hence")
    assert "rows (1)--(5)" in hence.justification
    assert any("Lemma \\texttt{ssm.state}, rows (1)--(5)" in r.justification for r in view.steps)


def test_the_k_step_chain_runs_through_every_record_to_k_gd_steps() -> None:
    """The second chain: ssm.k_step's records (the state, the readout vectors and sums, one more step, GD from 0)
    each stated and closed in order, cited by the rows that use them, ending at W^(t)_k x_{t+1} for every k."""
    assert END_TO_END == ("ssm.one_step", "ssm.k_step")
    view = end_to_end("ssm.k_step")
    theorem = claim("ssm.k_step").proved()
    numbers = [r.number for r in view.steps]
    assert numbers == list(range(1, len(numbers) + 1)) and all(r.ok for r in view.steps)
    nontrivial = [s for r in theorem.records for s in r.steps if latex(s.lhs) != latex(s.rhs)]
    assert len(view.steps) == len(nontrivial)
    lemmas = [r.justification for r in view.rows if r.kind == "lemma"]
    assert len(lemmas) == len(theorem.records) - 1 == len([r for r in view.rows if r.kind == "hence"])
    assert [name.split("texttt{")[1].split("}")[0] for name in lemmas] == [
        latex_name for latex_name in (r.name.replace("_", r"\_") for r in theorem.records[:-1])]
    assert view.statement == r"\hat{y}_{t} = W^{(t)}_{k} x_{t + 1} \quad (k \geq 0)"
    assert any("Lemma \\texttt{ssm.k\\_step.sums}, rows" in r.justification for r in view.steps)


def test_the_equations_are_those_of_symbolic_equations(monkeypatch: pytest.MonkeyPatch) -> None:
    """Changing an equation of symbolic/equations.py changes what the chain prints as the layer's equation."""
    def printed() -> tuple[str, ...]:
        return next(rhs for lhs, rhs in general_equations() if lhs == "P_{j+1}")

    assert printed() == ("c_{j} r_{j} + P_{j}",)
    monkeypatch.setattr(eq, "readout_sum", lambda P, c, r, ar: ar.add(P, ar.scale(2 * c, r)))
    assert printed() == ("2 c_{j} r_{j} + P_{j}",)


def test_a_broken_step_refuses_the_chain(monkeypatch: pytest.MonkeyPatch) -> None:
    original = D.one_step_description
    monkeypatch.setattr(D, "one_step_description",
                        lambda *a, **k: (lambda d: d.changed(c=sp.Lambda(D.j, 2 * d.c(D.j))))(original(*a, **k)))
    with pytest.raises(Refuted, match=r"end-to-end chain is not printed: record 'ssm\.one_step', step"):
        end_to_end()


def test_a_rejected_row_is_refused_by_the_view() -> None:
    view = end_to_end()
    rows = list(view.rows)
    rows[-1] = dataclasses.replace(rows[-1], ok=False)
    with pytest.raises(BadInput, match="rejected steps"):
        dataclasses.replace(view, rows=tuple(rows))


def test_counts_are_distinct_non_trivial_steps() -> None:
    chosen = (claim("ssm.state"), claim("ssm.one_step"))
    views = claim_views({}, chosen, unavailable=())
    stats = layout(views).stats
    seen: set[tuple[str, ...]] = set()
    expected = 0
    for c in chosen:
        for record in c.proved().records:
            key = (latex(record.lhs), latex(record.rhs), *(f"{latex(s.lhs)}={latex(s.rhs)}" for s in record.steps))
            if key not in seen:
                seen.add(key)
                expected += sum(latex(s.lhs) != latex(s.rhs) for s in record.steps)
    raw = sum(len(r.steps) for c in chosen for r in c.proved().records)
    assert stats.distinct_steps == stats.distinct_steps_checked == expected
    assert stats.steps == raw > expected  # the raw total counts the trivial steps and the shared lemma twice
    state, one = views
    assert one.records[0].name == "ssm.state" and one.records[0].same_as == "claim-1"  # printed once, cited after
    assert one.records[0].same_as_word == "Theorem"
    trivial = sum(latex(s.lhs) == latex(s.rhs) for s in chosen[0].proved().records[0].steps)
    assert trivial > 0 and state.records[0].trivial == trivial and len(state.records[0].steps) == 9 - trivial


def test_the_modelled_scan_picks_what_the_code_would() -> None:
    from gdssm.reports.two_step_audit import SCAN_GRID, SCAN_P, forward, query_loss, sample_tasks, scan_lrs
    from gdssm.symbolic.reference import eta_from_reference, reference_two_step

    X, Y, target = sample_tasks(64, np.random.default_rng(3))
    scan = scan_lrs(X, Y, target)
    loop = np.array([query_loss(forward(reference_two_step(10, 10, 10, eta_from_reference(
        sp.Rational(float(g)), SCAN_P, 10), "A"), X, Y), target).mean() for g in SCAN_GRID])
    assert np.allclose(scan.losses, loop, rtol=1e-9, atol=1e-12)
    assert scan.index == int(np.argmin(loop)) and scan.min_loss == pytest.approx(float(loop.min()), rel=1e-9)
    assert scan.returned().variant == "B" and scan.returned().alpha == sp.Rational(scan.gd_lr) / SCAN_P
    assert len(SCAN_GRID) == 250 and SCAN_GRID[0] == np.float32(0.001)


def test_the_chain_renders_only_for_a_verified_claim(report: ReportInput) -> None:
    view = end_to_end()
    chained = dataclasses.replace(report, end_to_end=(view,))
    tex = render_tex(chained)
    assert r"\section{One proof end to end:" in tex and tex.count(r"\gdpass") > len(view.steps)
    failed = tuple(dataclasses.replace(c, results={r: dataclasses.replace(v, ok=False) for r, v in c.results.items()})
                   if c.id == END_TO_END[0] else c for c in report.claims)
    with pytest.raises(UnverifiedClaimError, match=END_TO_END[0]):
        render_tex(dataclasses.replace(chained, claims=failed))
    with pytest.raises(BadInput, match="not a claim of the report"):
        dataclasses.replace(chained, claims=tuple(c for c in report.claims if c.id != END_TO_END[0] and
                                                  END_TO_END[0] not in c.uses))
