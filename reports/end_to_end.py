r"""One proof printed end to end: a claim's route-1 records flattened into one numbered chain.

The chain starts from the layer's forward equations as :mod:`gdssm.symbolic.equations` writes them, printed by
evaluating those same functions on SymPy symbols (:func:`general_equations`; nothing is retyped), and the
hypotheses the proof read (the description's parameters, the layout, the definitions of GD). Then come the
non-trivial steps of every record of the theorem, in the order route 1 checked them, numbered once: each sub-lemma
is stated where it is proved (its induction base and step inline) and closed by a "hence" row naming the rows that
prove it, and a later step that uses it cites those rows. The last row ends at the claim's statement,
``\hat y_t = W^{(t)}_k x_{t+1}``. The rows are the records' steps, printed by SymPy; a theorem that does not check
is refused (:class:`~gdssm.core.errors.Refuted`, naming the first failing step), so a patched description cannot
be printed as proved.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sympy as sp

from gdssm.core.errors import Refuted
from gdssm.proofs.theories.common import Theorem
from gdssm.reports.from_registry import conclusion_statement, record_view
from gdssm.reports.model import ChainRow, EndToEndView
from gdssm.reports.prose import fix_math
from gdssm.reports.tex import TexMath, TexRaw, tex_escape
from gdssm.symbolic import equations as eq


class SympyArithmetic:
    """:class:`gdssm.symbolic.equations.Arithmetic` on SymPy matrix expressions (for printing the equations)."""

    def add(self, a: Any, b: Any) -> Any:
        """a + b."""
        return a + b

    def sub(self, a: Any, b: Any) -> Any:
        """a - b."""
        return a - b

    def scale(self, c: Any, a: Any) -> Any:
        """c a."""
        return c * a

    def mul(self, a: Any, b: Any) -> Any:
        """a b."""
        return a * b

    def outer(self, a: Any, b: Any) -> Any:
        """a b^T."""
        return a * b.T

    def hadamard(self, lam: Any, s: Any) -> Any:
        """lam (.) s."""
        return sp.HadamardProduct(lam, s)


Equation = tuple[TexMath, tuple[TexMath, ...]]
"""``lhs = rhs``, the right-hand side as a sum split over lines (one line unless it is long)."""


def general_equations() -> tuple[Equation, ...]:
    """The forward equations of :mod:`gdssm.symbolic.equations` at a generic prefix, every parameter a symbol:
    tokens, window, cross-product input (one line per value slot a), state, query, readout vectors and sums,
    prediction."""
    ar = SympyArithmetic()
    H, f, m = sp.symbols("H f m", integer=True, positive=True)
    i, t = sp.symbols("i t", integer=True, positive=True)

    def mat(name: str, rows: Any = H, cols: Any = H) -> sp.MatrixSymbol:
        return sp.MatrixSymbol(name, rows, cols)

    E_x, E_y = mat("E_x", H, f), mat("E_y", H, m)

    def x(n: Any) -> sp.MatrixSymbol:
        return mat(f"x_{{{sp.latex(n)}}}", f, 1)

    def y(n: Any) -> sp.MatrixSymbol:
        return mat(f"y_{{{sp.latex(n)}}}", m, 1)

    def z(n: Any) -> sp.MatrixSymbol:
        return mat(f"z_{{{sp.latex(n)}}}", H, 1)

    U = tuple(mat(f"u_{{{a}}}", H, 1) for a in (1, 2, 3))
    V = tuple(mat(f"V_{{{a}}}") for a in (1, 2, 3))
    d = [(a, sp.Symbol(f"d_{{{a + 1}}}")) for a in range(3)]
    S_t, M, q = mat("S_{t}"), mat("M_{t}"), mat("q_{t}", H, 1)
    r_j, P_j = mat("r_{j}", H, 1), mat("P_{j}", H, 1)
    rho, beta, c = sp.Symbol(r"\rho_{j}"), sp.Symbol(r"\beta_{j}"), sp.Symbol("c_{j}")

    def cross(a: int) -> Any:  # the terms of M_t with value slot a: M_t is their sum over a
        return eq.cross_product(U, V, [(a, b, sp.Symbol(f"Q_{{{a + 1}{b + 1}}}")) for b in range(3)],
                                sp.ZeroMatrix(H, H), ar)

    def one(lhs: Any, rhs: Any) -> Equation:
        return fix_math(sp.latex(lhs)), (fix_math(sp.latex(rhs)),)

    window = ", ".join(sp.latex(u) for u in eq.window(z, t))
    return (
        one(z(2 * i - 1), eq.token(2 * i - 1, E_x, E_y, x, y, ar)),
        one(z(2 * i), eq.token(2 * i, E_x, E_y, x, y, ar)),
        (TexMath("U_{t}"), (TexMath(rf"\left(u_{{1}}, u_{{2}}, u_{{3}}\right) = \left({window}\right)"),)),
        (fix_math(sp.latex(M)), tuple(fix_math(sp.latex(cross(a))) for a in range(3))),
        one(S_t, eq.state(mat(r"\Lambda"), mat("S_{t-1}"), M, ar)),
        one(q, eq.query(U, d, sp.ZeroMatrix(H, 1), ar)),
        one(mat("r_{j+1}", H, 1), eq.readout_vector(rho, beta, mat("R"), S_t, r_j, ar)),
        one(mat("P_{j+1}", H, 1), eq.readout_sum(P_j, c, r_j, ar)),
        one(mat(r"\hat{y}_{t}", m, 1), eq.prediction(mat("C", m, H), S_t, mat("P_{n}", H, 1), mat("F", m, H), q, ar)),
    )


def _rows_cited(first: int, last: int) -> str:
    return f"({first})" if first == last else f"({first})--({last})"


def flatten(theorem: Theorem) -> tuple[ChainRow, ...]:
    """The theorem's records as one chain (module docstring); refused unless every record checks."""
    if not theorem.ok:
        raise Refuted(f"{theorem.claim}: the end-to-end chain is not printed: {theorem.first_failure()}",
                      {"claim": theorem.claim})
    rows: list[ChainRow] = []
    cited: dict[str, str] = {}
    number = 0
    last = len(theorem.records) - 1
    for position, record in enumerate(theorem.records):
        view = record_view(record, {}, {}, by=cited)
        name = tex_escape(record.name)
        statement = fix_math(conclusion_statement(record))
        how = f", by {view.induction}" if view.induction else ""
        if position < last:
            rows.append(ChainRow(None, "lemma", statement, TexRaw(rf"Lemma \texttt{{{name}}}{how}")))
        first = number + 1
        for step in view.steps:
            number += 1
            rows.append(ChainRow(number, "step", TexMath(f"{step.lhs_tex} = {step.rhs_tex}"), step.justification,
                                 step.status.get("symbolic", False)))
        if position < last:
            rows.append(ChainRow(None, "hence", statement,
                                 TexRaw(rf"rows {_rows_cited(first, number)}{how}: Lemma \texttt{{{name}}}")))
            cited[record.name] = rf"Lemma \texttt{{{name}}}, rows {_rows_cited(first, number)}"
    return tuple(rows)


def end_to_end_view(claim_id: str, title: str, theorem: Callable[[], Theorem]) -> EndToEndView:
    """The view of ``claim_id``'s route-1 theorem (what ``theorem`` returns) flattened into one chain."""
    built = theorem()
    return EndToEndView(claim_id, title, general_equations(), tuple(fix_math(h) for h in built.hypotheses_tex),
                        flatten(built), fix_math(built.statement_tex))


__all__ = ["end_to_end_view", "flatten", "general_equations"]
