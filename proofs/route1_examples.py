r"""Worked route-1 proofs (dimension-free, symbolic shapes), built on the checking kernel.

* ``gradient_proof``: SymPy differentiates ``L(W) = tr((W X^T - Y^T)^T (W X^T - Y^T)) / (2N)``
  (``X: N x f``, ``Y: N x m``, ``W: m x f``); the result is shown equal to ``(W G - A) / N`` with the
  definitions ``G = X^T X``, ``A = Y^T X``.
* ``gd_proofs``: with ``M = I - alpha G`` and opaque generators ``M^{k}``, ``S_{k}`` defined by
  ``M^{0} = I, M^{k+1} = M^{k} M`` and ``S_{0} = 0, S_{k+1} = I + S_{k} M``: the lemmas
  ``G M^{k} = M^{k} G`` and ``G S_{k} = S_{k} G`` (induction), the left recursions
  ``M^{k+1} = M M^{k}`` and ``S_{k+1} = I + M S_{k}`` (derived), and the GD closed form
  ``W_{k} = W_{0} M^{k} + alpha A S_{k}`` for ``W_{k+1} = W_{k} - alpha (W_{k} G - A)``, proved once from the
  defining recursions and once from the left recursions (which needs the commutation lemmas).
* ``ssm_state_proof``, ``ssm_readout_proof``: the one-step layer with ``M_t = sum_ab Q_ab u_a u_b^T`` over the window
  ``u = (E_x x_t, E_y y_t, E_x x_{t+1})`` and ``Q = e_2 e_1^T``: ``S_t = E_y A_t E_x^T`` for all ``t``
  (induction) and the readout ``alpha E_y^T S_t E_x x_{t+1} = alpha A_t x_{t+1}``.
* ``joint_state_proof``: with ``Q = (e_1 + e_2) e_1^T`` one state holds both statistics,
  ``S_t = E_x G_t E_x^T + E_y A_t E_x^T`` (induction on t).
* ``k_step_induction``: the k-fold readout of the joint state equals ``W_k x`` for every ``k >= 0`` (inductions
  on k for the readout vectors, their sums and the partial sums of ``(I - alpha G)^j``; then the GD closed form).
* ``k_step_checks``: the same readout identity expanded for each given concrete ``k`` (an independent
  cross-check of the induction, and a benchmark of the normal form).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import sympy
from sympy import MatrixSymbol, Symbol, Trace

from gdssm.proofs.induction import Derivation, InductionStep, K, Kind, Proof, induction
from gdssm.proofs.normal_form import Algebra, CheckResult, Element, Hypothesis, NormalForm, equal
from gdssm.proofs.sympy_bridge import to_element

N, f, m, H = sympy.symbols("N f m H", integer=True, positive=True)
alpha, eta, P = sympy.symbols("alpha eta P")
T = Symbol("t", integer=True, nonnegative=True)


def algebra() -> Algebra:
    """A fresh algebra over ``QQ(N, alpha, eta, P)`` (``P`` serves the mutants: ``1/P`` for ``1/N``)."""
    return Algebra([N, alpha, eta, P])


# -- gradient ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Regression:
    """Generators of the in-context regression problem, with ``G = X^T X`` and ``A = Y^T X``."""

    alg: Algebra
    X: Element
    Y: Element
    W: Element
    G: Element
    A: Element
    definitions: tuple[Hypothesis, ...]


def regression(alg: Algebra) -> Regression:
    """Declare ``X (N x f)``, ``Y (N x m)``, ``W (m x f)``, symmetric ``G (f x f)``, ``A (m x f)``."""
    X = alg.generator("X", N, f)
    Y = alg.generator("Y", N, m)
    G = alg.generator("G", f, f, symmetric=True)
    A = alg.generator("A", m, f)
    definitions = (Hypothesis("def G = X^T X", G, X.T * X), Hypothesis("def A = Y^T X", A, Y.T * X))
    return Regression(alg, X, Y, alg.generator("W", m, f), G, A, definitions)


def derived_gradient(reg: Regression) -> Element:
    """``d/dW tr((W X^T - Y^T)^T (W X^T - Y^T)) / (2N)``, differentiated by SymPy."""
    X, Y, W = MatrixSymbol("X", N, f), MatrixSymbol("Y", N, m), MatrixSymbol("W", m, f)
    residual = W * X.T - Y.T
    loss = Trace(residual.T * residual) / (2 * N)
    return to_element(loss.diff(W), reg.alg)


def gradient_proof(claimed: Callable[[Regression], Element] | None = None) -> Proof:
    """``grad L(W) = (W G - A) / N`` (or ``= claimed(reg)``, for mutants)."""
    reg = regression(algebra())
    expanded = (reg.W * reg.X.T * reg.X - reg.Y.T * reg.X) / N
    target = claimed(reg) if claimed is not None else (reg.W * reg.G - reg.A) / N
    return (
        Derivation("gd.gradient", derived_gradient(reg))
        .step("expand the derived gradient", expanded)
        .step("fold G and A", target, kind=Kind.DEFINITION, using=reg.definitions)
        .qed()
    )


# -- GD closed form -----------------------------------------------------------------------------
@dataclass(frozen=True)
class GradientDescent:
    """``M = I - alpha G`` and the index families ``M^{i}``, ``S_{i}``, ``W_{i}`` with their definitions."""

    alg: Algebra
    G: Element
    A: Element
    M: Element

    def power(self, i: object) -> Element:
        """``M^{i}``, opaque."""
        return self.alg.indexed("M", i, f, f, power=True)

    def partial_sum(self, i: object) -> Element:
        """``S_{i}``, opaque (meant: ``sum_{j<i} M^j``)."""
        return self.alg.indexed("S", i, f, f)

    def weights(self, i: object) -> Element:
        """``W_{i}``, opaque (meant: the GD iterate)."""
        return self.alg.indexed("W", i, m, f)

    def base_definitions(self) -> tuple[Hypothesis, ...]:
        """``M^{0} = I``, ``S_{0} = 0``."""
        return (
            Hypothesis("def M^0 = I", self.power(0), self.alg.identity(f)),
            Hypothesis("def S_0 = 0", self.partial_sum(0), self.alg.zero(f, f)),
        )

    def definitions(self) -> tuple[Hypothesis, ...]:
        """``M^{k+1} = M^{k} M``, ``S_{k+1} = I + S_{k} M`` and the GD step for ``W_{k+1}``."""
        k1 = K + 1
        return (
            Hypothesis("def M^(k+1) = M^k M", self.power(k1), self.power(K) * self.M),
            Hypothesis(
                "def S_(k+1) = I + S_k M", self.partial_sum(k1), self.alg.identity(f) + self.partial_sum(K) * self.M
            ),
            self.gd_step(),
        )

    def gd_step(self) -> Hypothesis:
        """``W_{k+1} = W_{k} - alpha (W_{k} G - A)``: one GD step on the aggregated loss."""
        return Hypothesis(
            "def W_(k+1) = W_k - alpha (W_k G - A)",
            self.weights(K + 1),
            self.weights(K) - alpha * (self.weights(K) * self.G - self.A),
        )


def gradient_descent(alg: Algebra) -> GradientDescent:
    """Declare symmetric ``G (f x f)`` and ``A (m x f)``; ``M = I - alpha G``."""
    G = alg.generator("G", f, f, symmetric=True)
    return GradientDescent(alg, G, alg.generator("A", m, f), alg.identity(f) - alpha * G)


@dataclass(frozen=True)
class GDProofs:
    """The GD lemmas and closed forms, each a full proof record, and the objects they are about."""

    gd: GradientDescent
    power_commutes: Proof
    sum_commutes: Proof
    power_left: Proof
    sum_left: Proof
    closed_form: Proof
    closed_form_left: Proof


def gd_proofs(gd: GradientDescent | None = None) -> GDProofs:
    """Prove the GD lemmas and the closed form ``W_k = W_0 M^k + alpha A S_k`` for all ``k >= 0``
    (in ``gd``'s algebra, or a fresh one)."""
    gd = gd if gd is not None else gradient_descent(algebra())
    defs, base = gd.definitions(), gd.base_definitions()
    power_defs, sum_defs = (defs[0],), (defs[1],)
    power_commutes = induction(
        "gd.power_commutes",
        lambda i: (gd.G * gd.power(i), gd.power(i) * gd.G),
        0,
        InductionStep(definitions=power_defs, base_definitions=base[:1]),
    )
    sum_commutes = induction(
        "gd.sum_commutes",
        lambda i: (gd.G * gd.partial_sum(i), gd.partial_sum(i) * gd.G),
        0,
        InductionStep(definitions=sum_defs, base_definitions=base[1:]),
    )
    power_lemma, sum_lemma = power_commutes.lemma(), sum_commutes.lemma()
    power_left = (
        Derivation("gd.power_left", gd.power(K + 1))
        .step("unfold M^(k+1)", kind=Kind.DEFINITION, using=power_defs)
        .step("G commutes with M^k", gd.M * gd.power(K), kind=Kind.LEMMA, using=[power_lemma])
        .qed()
    )
    sum_left = (
        Derivation("gd.sum_left", gd.partial_sum(K + 1))
        .step("unfold S_(k+1)", kind=Kind.DEFINITION, using=sum_defs)
        .step("G commutes with S_k", gd.alg.identity(f) + gd.M * gd.partial_sum(K), kind=Kind.LEMMA, using=[sum_lemma])
        .qed()
    )

    def closed(i: sympy.Expr) -> tuple[Element, Element]:
        return gd.weights(i), gd.weights(0) * gd.power(i) + alpha * gd.A * gd.partial_sum(i)

    closed_form = induction("gd.closed_form", closed, 0, InductionStep(definitions=defs, base_definitions=base))
    closed_form_left = induction(
        "gd.closed_form_left_recursions",
        closed,
        0,
        InductionStep(
            definitions=(gd.gd_step(),),
            base_definitions=base,
            lemmas=(power_left.lemma(), sum_left.lemma(), power_lemma, sum_lemma),
        ),
    )
    return GDProofs(gd, power_commutes, sum_commutes, power_left, sum_left, closed_form, closed_form_left)


# -- the one-step SSM layer ---------------------------------------------------------------------
Q_ONE_STEP = ((0, 0, 0), (1, 0, 0), (0, 0, 0))  # e_2 e_1^T


@dataclass(frozen=True)
class Layer:
    """Embeddings ``E_x (H x f)``, ``E_y (H x m)`` and the indexed data ``x_i, y_i, A_i, S_i``."""

    alg: Algebra
    Ex: Element
    Ey: Element

    def x(self, i: object) -> Element:
        """``x_{i}`` (f x 1)."""
        return self.alg.indexed("x", i, f, 1)

    def y(self, i: object) -> Element:
        """``y_{i}`` (m x 1)."""
        return self.alg.indexed("y", i, m, 1)

    def stat(self, i: object) -> Element:
        """``A_{i} = sum_{j<=i} y_j x_j^T`` (opaque, m x f)."""
        return self.alg.indexed("A", i, m, f)

    def state(self, i: object) -> Element:
        """``S_{i}``, the layer state (opaque, H x H)."""
        return self.alg.indexed("S", i, H, H)

    def window(self, i: object) -> tuple[Element, Element, Element]:
        """``U_i = (E_x x_i, E_y y_i, E_x x_{i+1})``."""
        return self.Ex * self.x(i), self.Ey * self.y(i), self.Ex * self.x(sympy.sympify(i) + 1)

    def cross_product(self, q: Sequence[Sequence[int]], i: object) -> Element:
        """``M_i = sum_{a,b} Q_ab u_a u_b^T``."""
        u = self.window(i)
        return sum((q[a][b] * (u[a] * u[b].T) for a in range(3) for b in range(3) if q[a][b]), self.alg.zero(H, H))

    def orthonormal(self) -> tuple[Hypothesis, Hypothesis]:
        """``E_x^T E_x = I_f`` and ``E_y^T E_y = I_m``."""
        return (
            Hypothesis("E_x^T E_x = I", self.Ex.T * self.Ex, self.alg.identity(f)),
            Hypothesis("E_y^T E_y = I", self.Ey.T * self.Ey, self.alg.identity(m)),
        )


def layer(alg: Algebra) -> Layer:
    """Declare ``E_x (H x f)`` and ``E_y (H x m)``."""
    return Layer(alg, alg.generator("E_x", H, f), alg.generator("E_y", H, m))


def ssm_state_proof(lay: Layer, q: Sequence[Sequence[int]] = Q_ONE_STEP) -> Proof:
    """``S_t = E_y A_t E_x^T`` for all ``t >= 0``, with ``S_{t+1} = S_t + M_{t+1}`` (``M`` built from ``q``)."""
    alg, t1 = lay.alg, T + 1
    return induction(
        "ssm.one_step.state",
        lambda i: (lay.state(i), lay.Ey * lay.stat(i) * lay.Ex.T),
        0,
        InductionStep(
            definitions=(
                Hypothesis("def S_(t+1) = S_t + M_(t+1)", lay.state(t1), lay.state(T) + lay.cross_product(q, t1)),
                Hypothesis(
                    "def A_(t+1) = A_t + y_(t+1) x_(t+1)^T", lay.stat(t1), lay.stat(T) + lay.y(t1) * lay.x(t1).T
                ),
            ),
            base_definitions=(
                Hypothesis("def S_0 = 0", lay.state(0), alg.zero(H, H)),
                Hypothesis("def A_0 = 0", lay.stat(0), alg.zero(m, f)),
            ),
        ),
        index=T,
    )


Q_K_STEP = ((1, 0, 0), (1, 0, 0), (0, 0, 0))  # (e_1 + e_2) e_1^T


def joint_state_proof(lay: Layer, q: Sequence[Sequence[int]] = Q_K_STEP) -> Proof:
    """``S_t = E_x G_t E_x^T + E_y A_t E_x^T`` for all ``t >= 0`` with ``Q = (e_1 + e_2) e_1^T``: one state holds
    both statistics (``G_{t+1} = G_t + x_{t+1} x_{t+1}^T``, ``A_{t+1} = A_t + y_{t+1} x_{t+1}^T``)."""
    alg, t1 = lay.alg, T + 1

    def gram(i: object) -> Element:
        return alg.indexed("G", i, f, f, symmetric=True)

    return induction(
        "ssm.k_step.state",
        lambda i: (lay.state(i), lay.Ex * gram(i) * lay.Ex.T + lay.Ey * lay.stat(i) * lay.Ex.T),
        0,
        InductionStep(
            definitions=(
                Hypothesis("def S_(t+1) = S_t + M_(t+1)", lay.state(t1),
                           lay.state(T) + lay.cross_product(q, t1)),
                Hypothesis("def G_(t+1) = G_t + x_(t+1) x_(t+1)^T", gram(t1), gram(T) + lay.x(t1) * lay.x(t1).T),
                Hypothesis(
                    "def A_(t+1) = A_t + y_(t+1) x_(t+1)^T", lay.stat(t1), lay.stat(T) + lay.y(t1) * lay.x(t1).T
                ),
            ),
            base_definitions=(
                Hypothesis("def S_0 = 0", lay.state(0), alg.zero(H, H)),
                Hypothesis("def G_0 = 0", gram(0), alg.zero(f, f)),
                Hypothesis("def A_0 = 0", lay.stat(0), alg.zero(m, f)),
            ),
        ),
        index=T,
    )


def ssm_readout_proof(lay: Layer, state: Proof) -> Proof:
    """``alpha E_y^T S_t E_x x_{t+1} = alpha A_t x_{t+1}`` from the state lemma, ``E^T E = I``."""
    query = lay.window(T)[2]
    return (
        Derivation("ssm.one_step.readout", alpha * lay.Ey.T * lay.state(T) * query, assumptions=lay.orthonormal())
        .step(
            "state lemma",
            alpha * lay.Ey.T * lay.Ey * lay.stat(T) * lay.Ex.T * query,
            kind=Kind.LEMMA,
            using=[state.lemma()],
        )
        .qed(alpha * lay.stat(T) * lay.x(T + 1))
    )


def ssm_proofs() -> tuple[Proof, Proof]:
    """The one-step theorem: the state proof and the readout proof."""
    lay = layer(algebra())
    state = ssm_state_proof(lay)
    return state, ssm_readout_proof(lay, state)


# -- k-step readout, concrete k -------------------------------------------------------------------
@dataclass(frozen=True)
class KStep:
    """The joint state ``S = E_x G E_x^T + E_y A E_x^T``, query ``x`` and the split-layout hypotheses."""

    alg: Algebra
    Ex: Element
    Ey: Element
    G: Element
    A: Element
    x: Element
    assumptions: tuple[Hypothesis, ...]

    @property
    def state(self) -> Element:
        """``S``."""
        return self.Ex * self.G * self.Ex.T + self.Ey * self.A * self.Ex.T


def k_step() -> KStep:
    """Declare the k-step objects; assumptions: ``E_x^T E_x = I``, ``E_y^T E_y = I``, ``E_x^T E_y = 0``.

    (``E_y^T E_x = 0`` is the transpose of the last one; the kernel adds it.)
    """
    lay = layer(algebra())
    alg = lay.alg
    split = Hypothesis("E_x^T E_y = 0", lay.Ex.T * lay.Ey, alg.zero(f, m))
    G = alg.generator("G", f, f, symmetric=True)
    return KStep(
        alg, lay.Ex, lay.Ey, G, alg.generator("A", m, f), alg.generator("x", f, 1), (*lay.orthonormal(), split)
    )


@dataclass(frozen=True)
class KStepCheck:
    """The k-fold readout identity at one ``k``: ``lhs`` (the layer's readout) ``= rhs`` (``W_k x``)."""

    k: int
    lhs: Element
    rhs: Element
    result: CheckResult


def k_step_checks(
    ks: Iterable[int], setup: KStep | None = None, assumptions: Sequence[Hypothesis] | None = None
) -> list[KStepCheck]:
    """For each ``k``: ``alpha E_y^T S sum_{j<k} r_j = alpha A sum_{j<k} (I - alpha G)^j x``.

    ``r_0 = E_x x``, ``r_{j+1} = r_j - alpha E_x E_x^T S r_j``; each ``r_j`` is kept in normal form
    modulo the assumptions (a congruence, so this is sound) and shared between the values of ``k``.
    """
    ks = sorted(set(ks))
    s = setup if setup is not None else k_step()
    nf = NormalForm(s.alg, s.assumptions if assumptions is None else assumptions)
    S = s.state
    step_map = alpha * s.Ex * s.Ex.T * S
    M = s.alg.identity(f) - alpha * s.G
    r, power = s.Ex * s.x, s.x
    readout_terms: list[Element] = []
    target_terms: list[Element] = []
    results = []
    for k in range(1, max(ks, default=0) + 1):
        readout_terms.append(r)
        target_terms.append(power)
        r, power = nf(r - step_map * r), M * power
        if k in ks:
            lhs = alpha * s.Ey.T * S * sum(readout_terms, s.alg.zero(H, 1))
            rhs = alpha * s.A * sum(target_terms, s.alg.zero(f, 1))
            results.append(KStepCheck(k, lhs, rhs, equal(lhs, rhs, nf)))
    return results


# -- k-step readout, induction over k -------------------------------------------------------------
@dataclass(frozen=True)
class KStepInduction:
    """The k-step theorem for every ``k >= 0``, as proof records in one algebra.

    With the joint state ``S = E_x G E_x^T + E_y A E_x^T``, ``M = I - alpha G`` and the readout of the
    layer (``R = E_x E_x^T``, ``rho_j = 1``, ``beta_j = c_j = alpha``, ``C = E_y^T``):

    * ``r_{0} = E_x x``, ``r_{k+1} = r_{k} - alpha E_x E_x^T S r_{k}``  (the readout vectors);
    * ``P_{0} = 0``, ``P_{k+1} = P_{k} + r_{k}``                         (their sum, ``sum_{j<k} r_j``);
    * ``T_{0} = 0``, ``T_{k+1} = T_{k} + M^{k}``                          (``sum_{j<k} M^j``, appended);

    the records prove ``r_{k} = E_x M^{k} x``, ``P_{k} = E_x T_{k} x``, ``T_{k+1} = I + T_{k} M``,
    ``T_{k} = S_{k}`` (the GD partial sum ``S_{k+1} = I + S_{k} M``) and finally
    ``alpha E_y^T S P_{k} = W_{k} x`` from the GD closed form with ``W_0 = 0``.
    """

    vectors: Proof
    sums: Proof
    left_recursion: Proof
    same_sum: Proof
    readout: Proof
    gd: GDProofs

    @property
    def records(self) -> tuple[Proof, ...]:
        """Every record, lemmas first (the GD lemmas it uses included)."""
        g = self.gd
        return (g.power_commutes, g.sum_commutes, g.closed_form, self.vectors, self.sums, self.left_recursion,
                self.same_sum, self.readout)


def k_step_induction(beta: sympy.Expr = alpha, c: sympy.Expr = alpha, split: bool = True) -> KStepInduction:
    """Prove the k-fold readout equal to ``k`` GD steps for all ``k >= 0`` (see :class:`KStepInduction`).

    ``beta`` (the readout step), ``c`` (the readout weight) and ``split`` (assume ``E_x^T E_y = 0``) are the
    construction's; other values state a wrong construction: a wrong ``c`` fails the readout record, and a
    record that fails while a later proof needs it as a lemma raises :class:`Refuted`.
    """
    alg = algebra()
    lay = layer(alg)
    gd = gradient_descent(alg)
    g = gd_proofs(gd)
    Ex, Ey, x = lay.Ex, lay.Ey, alg.generator("x", f, 1)
    layout = (*lay.orthonormal(), *([Hypothesis("E_x^T E_y = 0", Ex.T * Ey, alg.zero(f, m))] if split else []))
    S = Ex * gd.G * Ex.T + Ey * gd.A * Ex.T
    k1 = K + 1

    def r(i: object) -> Element:
        return alg.indexed("r", i, H, 1)

    def P(i: object) -> Element:
        return alg.indexed("P", i, H, 1)

    def T_(i: object) -> Element:
        return alg.indexed("T", i, f, f)

    power_defs = (Hypothesis("def M^(k+1) = M^k M", gd.power(k1), gd.power(K) * gd.M),)
    power_base = (Hypothesis("def M^0 = I", gd.power(0), alg.identity(f)),)
    vectors = induction(
        "ssm.k_step.vectors",
        lambda i: (r(i), Ex * gd.power(i) * x),
        0,
        InductionStep(
            definitions=(
                Hypothesis("def r_(k+1) = r_k - beta E_x E_x^T S r_k", r(k1), r(K) - beta * Ex * Ex.T * S * r(K)),
                *power_defs,
            ),
            base_definitions=(Hypothesis("def r_0 = E_x x", r(0), Ex * x), *power_base),
            lemmas=(g.power_commutes.lemma(),),
            assumptions=layout,
        ),
    )
    sums = induction(
        "ssm.k_step.sums",
        lambda i: (P(i), Ex * T_(i) * x),
        0,
        InductionStep(
            definitions=(Hypothesis("def P_(k+1) = P_k + r_k", P(k1), P(K) + r(K)),
                         Hypothesis("def T_(k+1) = T_k + M^k", T_(k1), T_(K) + gd.power(K))),
            base_definitions=(Hypothesis("def P_0 = 0", P(0), alg.zero(H, 1)),
                              Hypothesis("def T_0 = 0", T_(0), alg.zero(f, f))),
            lemmas=(vectors.lemma(),),
        ),
    )
    left_recursion = induction(
        "ssm.k_step.sum_left",
        lambda i: (T_(i + 1), alg.identity(f) + T_(i) * gd.M),
        0,
        InductionStep(
            definitions=(Hypothesis("def T_(k+2) = T_(k+1) + M^(k+1)", T_(K + 2), T_(k1) + gd.power(k1)),
                         *power_defs,
                         Hypothesis("def T_(k+1) = T_k + M^k, read as M^k = T_(k+1) - T_k", gd.power(K),
                                    T_(k1) - T_(K))),
            base_definitions=(Hypothesis("def T_1 = T_0 + M^0", T_(1), T_(0) + gd.power(0)),
                              Hypothesis("def T_0 = 0", T_(0), alg.zero(f, f)), *power_base),
        ),
    )
    same_sum = induction(
        "ssm.k_step.same_sum",
        lambda i: (T_(i), gd.partial_sum(i)),
        0,
        InductionStep(
            definitions=(Hypothesis("def S_(k+1) = I + S_k M", gd.partial_sum(k1),
                                    alg.identity(f) + gd.partial_sum(K) * gd.M),),
            base_definitions=(Hypothesis("def T_0 = 0", T_(0), alg.zero(f, f)),
                              Hypothesis("def S_0 = 0", gd.partial_sum(0), alg.zero(f, f))),
            lemmas=(left_recursion.lemma(),),
        ),
    )
    readout = (
        Derivation("ssm.k_step.readout", c * Ey.T * S * P(K), assumptions=layout)
        .step("readout sums", c * Ey.T * S * Ex * T_(K) * x, kind=Kind.LEMMA, using=[sums.lemma()])
        .step("E_x^T E_x = I, E_y^T E_y = I, E_x^T E_y = 0", alpha * gd.A * T_(K) * x)
        .step("T_k = S_k", alpha * gd.A * gd.partial_sum(K) * x, kind=Kind.LEMMA, using=[same_sum.lemma()])
        .step("GD closed form with W_0 = 0", gd.weights(K) * x, kind=Kind.LEMMA,
              using=[g.closed_form.lemma(), Hypothesis("W_0 = 0", gd.weights(0), alg.zero(m, f))])
        .qed()
    )
    return KStepInduction(vectors, sums, left_recursion, same_sum, readout, g)
