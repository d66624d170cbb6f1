r"""The layer's forward equations applied to a description, in the free algebra: what every SSM proof unfolds.

:class:`LayerModel` evaluates the equations of :mod:`gdssm.symbolic.equations` -- the functions
:func:`gdssm.symbolic.layer.forward` runs on dense matrices -- on elements of one algebra, with the parameters
read from a :class:`~gdssm.symbolic.description.Description` through the SymPy bridge (never restated):

* tokens ``z_{2i-1} = E_x x_i``, ``z_{2i} = E_y y_i`` with opaque data generators ``x_i``, ``y_i``;
* the state ``S_t`` (opaque, H x H) with the definitions ``S_0 = 0`` and ``S_{t+1} = Lambda (.) S_t + M_{t+1}``,
  ``M_{t+1}`` the cross product of the window ``U_{t+1}`` with the description's ``Q`` and ``V_a``;
* at a prefix ``t``: the query ``q_t = U_t d``, the readout vectors ``r_j`` and sums ``P_j`` (opaque, H x 1)
  with ``r_0 = q_t``, ``r_{j+1} = rho_j r_j - beta_j R S_t r_j``, ``P_0 = 0``, ``P_{j+1} = P_j + c_j r_j`` (the
  readout constants are the description's functions of ``j``, at a symbolic or a concrete ``j``), and the
  prediction ``yhat_t = C S_t P_n + F q_t`` with ``n`` the description's number of readout terms.

Each parameter is recorded (as printed by SymPy) the first time an equation reads it: those are the parameter
values the claim's statement assumes. ``Lambda (.) S`` is in the algebra when ``Lambda`` is a scalar multiple of
the all-ones matrix (``(c 1) (.) S = c S``, :func:`ones_coefficient`); any other decay is refused. The layout
hypotheses of the description (``E_x^T E_x = I``, ...) become rewrite rules (:data:`LAYOUT`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sympy
from sympy import MatAdd, MatMul, OneMatrix

from gdssm.core.errors import BadInput
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis
from gdssm.proofs.sympy_bridge import to_element
from gdssm.proofs.theories.common import Builder, H, f, m
from gdssm.symbolic import description as descriptions
from gdssm.symbolic import equations as eq
from gdssm.symbolic.description import Description


class AlgebraArithmetic:
    """:class:`gdssm.symbolic.equations.Arithmetic` on elements of the free algebra."""

    def add(self, a: Element, b: Element) -> Element:
        """a + b."""
        return a + b

    def sub(self, a: Element, b: Element) -> Element:
        """a - b."""
        return a - b

    def scale(self, c: Any, a: Element) -> Element:
        """c a (c a coefficient of the algebra's field)."""
        return a.scale(c)

    def mul(self, a: Element, b: Element) -> Element:
        """a b."""
        return a * b

    def outer(self, a: Element, b: Element) -> Element:
        """a b^T."""
        return a * b.T

    def hadamard(self, lam: Any, s: Element) -> Element:
        """(lam 1) (.) s = lam s: ``lam`` is the coefficient :func:`ones_coefficient` read off Lambda."""
        return s.scale(lam)


ARITHMETIC = AlgebraArithmetic()


def ones_coefficient(expr: sympy.Basic) -> sympy.Expr | None:
    """``c`` if the matrix expression is ``c 1`` (a scalar times the all-ones matrix, or a sum of such), else None."""
    if isinstance(expr, OneMatrix):
        return sympy.Integer(1)
    if isinstance(expr, MatMul):
        scalar, factors = expr.as_coeff_matrices()
        if len(factors) == 1:
            inner = ones_coefficient(factors[0])
            return None if inner is None else scalar * inner
        return None
    if isinstance(expr, MatAdd):
        parts = [ones_coefficient(arg) for arg in expr.args]
        return None if any(p is None for p in parts) else sympy.Add(*parts)
    return None


LAYOUT: dict[str, Callable[[Element, Element, Algebra], Hypothesis]] = {
    "E_x^T E_x = I": lambda Ex, Ey, alg: Hypothesis("E_x^T E_x = I", Ex.T * Ex, alg.identity(Ex.cols)),
    "E_y^T E_y = I": lambda Ex, Ey, alg: Hypothesis("E_y^T E_y = I", Ey.T * Ey, alg.identity(Ey.cols)),
    "E_x^T E_y = 0": lambda Ex, Ey, alg: Hypothesis("E_x^T E_y = 0", Ex.T * Ey, alg.zero(Ex.cols, Ey.cols)),
}
"""The layout hypotheses a description may state, as rewrite rules (their transposes are added by the kernel);
sizes are read off the embeddings (f and m, or a feature dimension)."""

NAMES = {"Lambda": r"\Lambda", "V1": "V_{1}", "V2": "V_{2}", "V3": "V_{3}", "rho": r"\rho", "beta": r"\beta",
         "c": "c"}


def _units(terms: Sequence[tuple[tuple[int, ...], sympy.Expr]]) -> str:
    """``sum c e_a e_b^T`` (or ``sum c e_a``) for the nonzero entries of Q (or d), 1-based, printed by SymPy."""
    if not terms:
        return "0"
    parts = []
    for where, c in terms:
        unit = " ".join(f"e_{{{a + 1}}}" + ("^{T}" if pos else "") for pos, a in enumerate(where))
        parts.append(unit if c == 1 else f"{sympy.latex(c)} {unit}")
    return " + ".join(parts)


class LayerModel:
    """The layer of a description in the algebra ``alg``; parameter reads are recorded in ``builder``."""

    embedding_x: sympy.MatrixSymbol = descriptions.E_x
    """The symbol of E_x (H x f); a feature model (:mod:`~.features`) embeds p-dimensional features instead."""

    def __init__(self, description: Description, alg: Algebra, builder: Builder) -> None:
        self.description = description
        self.alg = alg
        self.builder = builder
        self.ar = ARITHMETIC
        self.E_x = to_element(self.embedding_x, alg)
        self.E_y = to_element(descriptions.E_y, alg)
        self.layout: tuple[Hypothesis, ...] = ()
        for name in description.hypotheses:
            if name not in LAYOUT:
                raise BadInput(f"layout hypothesis {name!r} of {description.name} is not known to route 1")
            self.layout += (LAYOUT[name](self.E_x, self.E_y, alg),)
        builder.assumptions += [h for h in self.layout if h not in builder.assumptions]

    @property
    def n_in(self) -> sympy.Expr:
        """The size of the data the x tokens carry: f (the columns of E_x)."""
        return sympy.sympify(self.E_x.cols)

    # -- data and tokens ---------------------------------------------------------------------------
    def x(self, i: object) -> Element:
        """``x_{i}`` (f x 1), the i-th example (``x_{N+1}`` the query)."""
        return self.alg.indexed("x", i, f, 1)

    def y(self, i: object) -> Element:
        """``y_{i}`` (m x 1)."""
        return self.alg.indexed("y", i, m, 1)

    def token(self, n: object) -> Element:
        """``z_n`` (:func:`equations.token`)."""
        return eq.token(n, self.E_x, self.E_y, self.x, self.y, self.ar)

    def window(self, t: object) -> tuple[Element, Element, Element]:
        """``U_t`` (:func:`equations.window`)."""
        return eq.window(self.token, sympy.sympify(t))

    # -- parameters, each recorded when read --------------------------------------------------------
    def matrix(self, name: str) -> Element:
        """The matrix parameter ``name`` (C, F, R, V1, V2, V3) as an element."""
        expr = getattr(self.description, name)
        self.builder.parameter(f"{NAMES.get(name, name)} = {sympy.latex(expr)}")
        return to_element(expr, self.alg)

    def q_terms(self) -> list[tuple[int, int, Any]]:
        """The nonzero entries (a, b, Q_ab) of Q (0-based), as coefficients."""
        Q = self.description.Q
        terms = [((a, b), Q[a, b]) for a in range(3) for b in range(3) if Q[a, b] != 0]
        self.builder.parameter(f"Q = {_units(terms)}")
        return [(a, b, self.alg.coeff(c)) for (a, b), c in terms]

    def d_terms(self) -> list[tuple[int, Any]]:
        """The nonzero entries (a, d_a) of d (0-based), as coefficients."""
        d = self.description.d
        terms = [((a,), d[a, 0]) for a in range(3) if d[a, 0] != 0]
        self.builder.parameter(f"d = {_units(terms)}")
        return [(a, self.alg.coeff(c)) for (a,), c in terms]

    def decay(self) -> Any:
        """``c`` with ``Lambda = c 1``, as a coefficient (refused for any other Lambda)."""
        lam = self.description.Lambda
        c = ones_coefficient(lam)
        if c is None:
            self.builder.parameter(rf"\Lambda = {sympy.latex(lam)}")
            raise BadInput(f"Lambda = {lam} is not a multiple of the all-ones matrix; route 1 has no Hadamard product")
        self.builder.parameter(r"\Lambda = " + (r"\mathbf{1}" if c == 1 else rf"{sympy.latex(c)} \mathbf{{1}}"))
        return self.alg.coeff(c)

    def constant(self, name: str, j: object) -> Any:
        """The readout constant ``name`` (rho, beta, c) at index ``j``, as a coefficient."""
        value = sympy.sympify(getattr(self.description, name)(j))
        self.builder.parameter(f"{NAMES[name]}_{{{sympy.latex(j)}}} = {sympy.latex(value)}")
        return self.alg.coeff(value)

    def values(self, names: Sequence[int]) -> list[Element]:
        """The value maps V_a for the window slots ``names`` (0-based), read lazily."""
        return [self.matrix(f"V{a + 1}") for a in names]

    # -- the layer's families -----------------------------------------------------------------------
    def S(self, t: object) -> Element:
        """``S_{t}``, the state (opaque, H x H)."""
        return self.alg.indexed("S", t, H, H)

    def r(self, j: object) -> Element:
        """``r_{j}``, a readout vector at the prefix of the readout (opaque, H x 1)."""
        return self.alg.indexed("r", j, H, 1)

    def P(self, j: object) -> Element:
        """``P_{j}``, a readout sum (opaque, H x 1)."""
        return self.alg.indexed("P", j, H, 1)

    def yhat(self, t: object) -> Element:
        """``\\hat{y}_{t}``, the prediction (opaque, m x 1)."""
        return self.alg.indexed(r"\hat{y}", t, m, 1)

    # -- the equations as definitions ---------------------------------------------------------------
    def state_definitions(self, t: object) -> tuple[Hypothesis, Hypothesis]:
        """``S_{t+1} = Lambda (.) S_t + M_{t+1}`` and ``S_0 = 0``."""
        terms = self.q_terms()
        used = sorted({a for a, _, _ in terms})
        maps = dict(zip(used, self.values(used), strict=True))
        V = [maps.get(a, self.alg.identity(H)) for a in range(3)]
        lam = self.decay()
        t1 = sympy.sympify(t) + 1
        M = eq.cross_product(self.window(t1), V, terms, self.alg.zero(H, H), self.ar)
        step = Hypothesis("layer: S_(t+1) = Lambda (.) S_t + M_(t+1)", self.S(t1), eq.state(lam, self.S(t), M, self.ar))
        return step, Hypothesis("layer: S_0 = 0", self.S(0), self.alg.zero(H, H))

    def query(self, t: object) -> Element:
        """``q_t = U_t d``."""
        return eq.query(self.window(t), self.d_terms(), self.alg.zero(H, 1), self.ar)

    def readout_base(self, t: object) -> tuple[Hypothesis, Hypothesis]:
        """``r_0 = q_t`` and ``P_0 = 0``."""
        return (Hypothesis("layer: r_0 = q_t = U_t d", self.r(0), self.query(t)),
                Hypothesis("layer: P_0 = 0", self.P(0), self.alg.zero(H, 1)))

    def vector_definition(self, t: object, j: object) -> Hypothesis:
        """``r_{j+1} = rho_j r_j - beta_j R S_t r_j``."""
        rho, beta = self.constant("rho", j), self.constant("beta", j)
        rhs = eq.readout_vector(rho, beta, self.matrix("R"), self.S(t), self.r(j), self.ar)
        j1 = sympy.sympify(j) + 1
        return Hypothesis(f"layer: r_({j1}) = rho_j r_j - beta_j R S_t r_j", self.r(j1), rhs)

    def sum_definition(self, j: object) -> Hypothesis:
        """``P_{j+1} = P_j + c_j r_j``."""
        rhs = eq.readout_sum(self.P(j), self.constant("c", j), self.r(j), self.ar)
        return Hypothesis(f"layer: P_({sympy.sympify(j) + 1}) = P_j + c_j r_j", self.P(sympy.sympify(j) + 1), rhs)

    def terms(self) -> sympy.Expr:
        """``n``, the description's number of readout terms (``1``, ``k``, ...)."""
        return sympy.sympify(self.description.readout_steps)

    def prediction_definition(self, t: object) -> Hypothesis:
        """``yhat_t = C S_t P_n + F q_t`` (recorded with the description's number of terms n)."""
        self.builder.parameter(rf"\hat{{y}}_{{t}} = C S_{{t}} P_{{{sympy.latex(self.terms())}}} + F q_{{t}}")
        rhs = eq.prediction(self.matrix("C"), self.S(t), self.P(self.terms()), self.matrix("F"), self.query(t), self.ar)
        return Hypothesis("layer: yhat_t = C S_t P_n + F q_t", self.yhat(t), rhs)
