"""A realistic report input: claims with proof chains (one dependency chain three deep), mutants, tables.

Parameters, conventions, mutants and the step size come from ``symbolic``; statements are printed by SymPy.
The title and one claim title carry the characters ``_ % & #`` that must survive escaping.
"""

from __future__ import annotations

import dataclasses
import hashlib

import sympy as sp

from gdssm.reports.model import (
    ClaimView,
    MutantView,
    NumericTable,
    ParameterView,
    ProofStepView,
    ReportInput,
    RouteResultView,
    RouteView,
    step_size_view,
)
from gdssm.reports.tex import TexMath, tex_math
from gdssm.symbolic.constructions import PARAMETER_ROLES, k_step
from gdssm.symbolic.mutants import MUTANTS
from gdssm.symbolic.serialize import CONVENTIONS, REFERENCE_CONVENTIONS
from gdssm.symbolic.stepsize import input_law, optimal_step_summary

SPECIAL_TITLE = "GD-SSM report run_1 (50% & #2)"
SPECIAL_CLAIM_TITLE = "Parameter map v_2 & #3 (100%)"

f, m, N, H, t, k = sp.symbols("f m N H t k", integer=True, positive=True)
alpha = sp.Symbol("alpha", positive=True)
W = sp.MatrixSymbol("W", m, f)
A = sp.MatrixSymbol("A", m, f)
A_t = sp.MatrixSymbol("A_t", m, f)
G = sp.MatrixSymbol("G", f, f)
G_t = sp.MatrixSymbol("G_t", f, f)
E_x = sp.MatrixSymbol("E_x", H, f)
E_y = sp.MatrixSymbol("E_y", H, m)
S_t = sp.MatrixSymbol("S_t", H, H)
Lam = sp.MatrixSymbol("Lambda", H, H)
S_prev = sp.MatrixSymbol("S_{t-1}", H, H)
M_t = sp.MatrixSymbol("M_t", H, H)
x_t = sp.MatrixSymbol("x_t", f, 1)
y_t = sp.MatrixSymbol("y_t", m, 1)
x_next = sp.MatrixSymbol("x_{t+1}", f, 1)
Id = sp.Identity(f)


def eq(lhs: object, rhs: object) -> TexMath:
    """``lhs = rhs`` printed by SymPy."""
    return TexMath(f"{tex_math(lhs)} = {tex_math(rhs)}")


def step(lhs: object, rhs: object, why: str, detail: str = "", hyps: tuple[str, ...] = (),
         routes: tuple[str, ...] = ("symbolic",)) -> ProofStepView:
    return ProofStepView(tex_math(lhs), tex_math(rhs), why, detail, hyps, {r: True for r in routes})


def result(dims: str, size: str, seconds: float, detail: str = "") -> RouteResultView:
    return RouteResultView(True, dims, size, seconds, detail)


SYMBOLIC = result("symbolic f, m, N, H", "2 steps", 0.05, "normal form of the free algebra")
EXACT = result("f, m <= 3, N <= 4", "24 identities", 1.25, "polynomial identity in all data entries")
NUMERIC = result("f, m <= 8, N <= 32", "150 examples", 3.5, "max error 2.2e-16 (float64)")
ORTHO = (TexMath(r"E_{x}^{T} E_{x} = I"), TexMath(r"E_{y}^{T} E_{y} = I"))


def claims() -> tuple[ClaimView, ...]:
    hgrad = sp.Rational(1, 1) / N * (W * G - A)
    grad = TexMath(r"\nabla L_N(W)")
    sum_form = TexMath(r"\frac{1}{N} \sum_{i \le N} (W x_i - y_i) x_i^{T}")
    state = E_y * A_t * E_x.T
    return (
        ClaimView("ssm.layer", "The GD-SSM recurrence", eq(S_t, sp.HadamardProduct(Lam, S_prev) + M_t),
                  (), (), ("exact",), {"exact": EXACT}, (), _hash("ssm.layer"), kind="definition"),
        ClaimView("gd.gradient", "Gradient of the in-context loss", TexMath(f"{grad} = {tex_math(hgrad)}"),
                  (), (), ("symbolic", "exact"), {"symbolic": SYMBOLIC, "exact": EXACT},
                  (ProofStepView(grad, sum_form, "definition", "matrix calculus on MatrixSymbols", (),
                                 {"symbolic": True, "exact": True}),
                   ProofStepView(sum_form, tex_math(hgrad), "algebra", "expand; collect the statistics A, G", (),
                                 {"symbolic": True, "exact": True})),
                  _hash("gd.gradient"), kind="lemma"),
        ClaimView("gd.closed_form", "Closed form of k GD steps",
                  eq(sp.MatrixSymbol("W_k", m, f), alpha * A * sp.Symbol(r"\sum_{j<k} (I - \alpha G)^j")),
                  (), ("gd.gradient",), ("symbolic", "exact"), {"symbolic": SYMBOLIC, "exact": EXACT},
                  (step(sp.MatrixSymbol("W_1", m, f), alpha * A, "lemma", "gd.gradient with W_0 = 0"),
                   step(sp.MatrixSymbol("W_{k+1}", m, f), sp.MatrixSymbol("W_k", m, f) * (Id - alpha * G) + alpha * A,
                        "induction-hypothesis", "step k to k+1")),
                  _hash("gd.closed_form")),
        ClaimView("ssm.state", "The state holds the statistics", eq(S_t, state), ORTHO, ("ssm.layer",),
                  ("symbolic", "exact"), {"symbolic": SYMBOLIC, "exact": EXACT},
                  (step(S_t, S_prev + E_y * y_t * x_t.T * E_x.T, "definition", "Q = e_2 e_1^T, Lambda = 1"),
                   step(S_prev + E_y * y_t * x_t.T * E_x.T, state, "induction-hypothesis",
                        "S_{t-1} = E_y A_{t-1} E_x^T", hyps=ORTHO)),
                  _hash("ssm.state"), kind="lemma"),
        ClaimView("ssm.one_step", "One step of GD in context", eq(sp.Symbol(r"\hat y_t"), alpha * A_t * x_next), ORTHO,
                  ("ssm.state", "gd.gradient"), ("symbolic", "exact", "numeric"),
                  {"symbolic": SYMBOLIC, "exact": EXACT, "numeric": NUMERIC},
                  (step(sp.Symbol(r"\hat y_t"), alpha * E_y.T * state * E_x * x_next, "lemma", "ssm.state"),
                   step(alpha * E_y.T * state * E_x * x_next, alpha * A_t * x_next, "algebra",
                        hyps=(TexMath(r"E_{x}^{T} E_{x} = I"), "E_y^T E_y = I (orthonormal embedding)"))),
                  _hash("ssm.one_step")),
        ClaimView("ssm.k_step", "k steps of GD with one state", eq(sp.Symbol(r"\hat y_t"),
                  sp.MatrixSymbol("W^{(t)}_k", m, f) * x_next), ORTHO, ("ssm.state", "gd.closed_form"),
                  ("symbolic", "exact", "numeric"), {"symbolic": SYMBOLIC, "exact": EXACT, "numeric": NUMERIC},
                  (step(sp.Symbol("r_{j+1}"), sp.Symbol(r"(I - \alpha G_t) r_j"), "algebra", "R S_t restricted to x"),
                   step(sp.Symbol(r"\hat y_t"), sp.MatrixSymbol("W^{(t)}_k", m, f) * x_next, "lemma",
                        "gd.closed_form")),
                  _hash("ssm.k_step")),
        ClaimView("ref.param_map", SPECIAL_CLAIM_TITLE, TexMath(r"Q = w_q^{T},\quad C = -E_y^{T} C_{\mathrm{ref}}"), (),
                  ("ssm.one_step",), ("exact",), {"exact": EXACT}, (), _hash("ref.param_map")),
    )


def _hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


ROUTES = (
    RouteView("symbolic", "dimension-free proof chain", "the free-algebra normal form with transpose and the "
              "stated hypotheses as rewrites; SymPy's parser of the statements; CPython"),
    RouteView("exact", "exact identity at concrete dims", "SymPy polynomial rings over QQ (python-flint); the "
              "layer and GD evaluated as written"),
    RouteView("numeric", "float64 against torch autograd", "PyTorch autograd and float64 arithmetic; tolerance "
              "1e-10 relative"),
)


def parameters() -> tuple[ParameterView, ...]:
    c = k_step(8, 2, 4, 2, sp.Rational(1, 2))
    keep = ("Q", "Lambda", "d", "C", "R")
    return tuple(ParameterView.from_matrix(n, PARAMETER_ROLES[n], mat)
                 for n, mat in c.params.matrices().items() if n in keep)


def mutants() -> tuple[MutantView, ...]:
    """Every mutant rejected by the exact route and, except where it does not apply, the numeric one."""
    def routes(name: str) -> dict[str, bool]:
        return {"exact": True} if name == "no-value-map" else {"exact": True, "numeric": True}

    return tuple(MutantView(mu.name, mu.description, routes(mu.name)) for mu in MUTANTS)


def sample_input() -> ReportInput:
    losses = [0.4167 * 0.5 ** j + 0.1 for j in range(11)]
    return ReportInput(
        title=SPECIAL_TITLE,
        command="gdssm report --dims f=8,m=2,N=4 --steps 2 --out out/report_1.pdf",
        versions={"gdssm": "0.1.0", "python": "3.11.2", "sympy": "1.14.0", "torch": "2.13.0"},
        dims={"f": 8, "m": 2, "N": 4, "H": 10, "k": 2},
        claims=claims(),
        routes=ROUTES,
        mutants=mutants(),
        parameters=parameters(),
        symbolic_forms={"W_1": tex_math(alpha * A), "W_2": tex_math(2 * alpha * A - alpha ** 2 * A * G),
                        "statistics": "A_t and G_t are sums over the prefix 1..t"},
        step_size=step_size_view(optimal_step_summary(input_law("uniform"), 10, 10)),
        numeric_tables=(
            NumericTable("Max |GD-SSM - GD| over drawn dims (float64)", ("construction", "draws", "max error"),
                         (("one-step", "150", TexMath(r"2.2 \times 10^{-16}")),
                          ("k-step, k<=4", "150", TexMath(r"8.9 \times 10^{-16}")))),
        ),
        loss_vs_k={"k": tuple(range(11)), "GD": tuple(losses), "GD-SSM": tuple(v + 1e-17 for v in losses)},
        error_vs_N={"N": (2, 4, 8, 16, 32), "float64": (1.1e-16, 2.2e-16, 4.4e-16, 6.7e-16, 8.9e-16)},
        two_step_audit={
            "variant_A": TexMath(r"\hat y = W_2 x_q - x_q"),
            "variant_B": TexMath(r"\hat y = W_2 x_q + (2\alpha G' - \alpha^2 G' G - I) x_q"),
            "causal": "no: Z1_N uses the whole context at every position",
            "loss": "variant A 0.197 vs exact two-step GD 0.156 (f = N = 10)",
        },
        conventions={**CONVENTIONS, **{f"ref.{key}": value for key, value in REFERENCE_CONVENTIONS.items()}},
        certificate_hashes={f"{c.id}/{r}": _hash(f"{c.id}/{r}") for c in claims() for r in c.routes},
        source_date="2025-01-31",
    )


def with_failed_route(report: ReportInput, claim_id: str, route: str) -> ReportInput:
    """``report`` where ``claim_id`` failed ``route``."""
    def fail(c: ClaimView) -> ClaimView:
        if c.id != claim_id:
            return c
        results = {**c.results, route: dataclasses.replace(c.results[route], ok=False, detail="counterexample")}
        return dataclasses.replace(c, results=results)

    return dataclasses.replace(report, claims=tuple(fail(c) for c in report.claims))
