"""Regression tests for the route-1 kernel holes of issue 13: each feeds the kernel a false statement
(or a proof that holds only after an unjustified division) and asserts that it is refused.

1. a hypothesis ``c w = r`` is the rewrite ``w -> r / c`` only when ``c != 0`` is stated;
2. an induction whose step holds only after dividing by ``k`` proves nothing at ``k = 0``;
3. every lemma use (step lemma, definition, base definition, assumption) is checked against its range;
4. the SymPy bridge binds matrices by identity, not by name.
"""

from __future__ import annotations

import pytest
import sympy
from sympy import MatrixSymbol

from gdssm.core.errors import BadInput
from gdssm.proofs.induction import Derivation, InductionStep, K, Kind, Lemma, induction, nonzero_on_range
from gdssm.proofs.normal_form import Algebra, Element, Hypothesis, NonvanishingError, Nonzero, NormalForm, equal
from gdssm.proofs.sympy_bridge import GeneratorSymbol, latex, to_element, to_sympy

f = sympy.Symbol("f", integer=True, positive=True)
eta = sympy.Symbol("eta")


# -- 1. division by a coefficient that may vanish ---------------------------------------------------
@pytest.fixture
def scalar_algebra() -> tuple[Algebra, Element]:
    alg = Algebra([eta])
    return alg, alg.generator("X", f, f)


@pytest.mark.parametrize("coefficient", [eta, eta**2 - eta], ids=["eta", "eta^2-eta"])
def test_hypothesis_with_a_vanishing_coefficient_does_not_give_x_zero(
    scalar_algebra: tuple[Algebra, Element], coefficient: sympy.Expr
) -> None:
    """From ``c X = 0`` the kernel used to derive ``X = 0`` (false at ``c = 0``)."""
    alg, X = scalar_algebra
    hyp = Hypothesis("c X = 0", coefficient * X, alg.zero(f, f))
    with pytest.raises(NonvanishingError, match="eta != 0"):
        equal(X, alg.zero(f, f), [hyp])
    with pytest.raises(NonvanishingError, match="may vanish"):
        NormalForm(alg, [hyp])
    with pytest.raises(NonvanishingError):
        Derivation("X = 0", X, assumptions=[hyp]).qed(alg.zero(f, f))


def test_a_partial_nonvanishing_statement_is_not_enough(scalar_algebra: tuple[Algebra, Element]) -> None:
    alg, X = scalar_algebra
    hyp = Hypothesis("(eta^2 - eta) X = 0", (eta**2 - eta) * X, alg.zero(f, f))
    with pytest.raises(NonvanishingError, match="eta - 1 != 0"):
        equal(X, alg.zero(f, f), [hyp, alg.nonzero(eta)])
    result = equal(X, alg.zero(f, f), [hyp, alg.nonzero(eta**2 - eta)])
    assert result.ok
    assert set(result.nonvanishing) == {eta, eta - 1}
    assert "eta**2 - eta != 0" in result.hypotheses_used


def test_a_stated_nonvanishing_hypothesis_licenses_the_division_and_is_printed(
    scalar_algebra: tuple[Algebra, Element],
) -> None:
    alg, X = scalar_algebra
    hyp = Hypothesis("eta X = 0", eta * X, alg.zero(f, f))
    stated = Nonzero("eta != 0", alg, eta)
    proof = Derivation("X = 0", X, assumptions=[hyp, stated]).qed(alg.zero(f, f))
    assert proof.ok
    assert proof.steps[0].hypotheses == ("eta != 0", "eta X = 0")
    assert proof.nonvanishing == (eta,)
    assert proof.nonvanishing_latex == (r"\eta \neq 0",)
    assert "where eta != 0" in proof.report()
    # the lemma carries the condition into every proof that uses it
    lemma = proof.lemma()
    assert lemma.conditions == (eta,)
    Y = alg.generator("Y", f, f)
    user = Derivation("Y + X = Y", Y + X).step("X = 0", Y, kind=Kind.LEMMA, using=[lemma]).qed()
    assert user.ok and user.nonvanishing == (eta,)


def test_constant_coefficients_need_no_statement(scalar_algebra: tuple[Algebra, Element]) -> None:
    alg, X = scalar_algebra
    Y = alg.generator("Y", f, f)
    result = equal(X, Y / 2, [Hypothesis("2 X = Y", 2 * X, Y)])
    assert result.ok and result.nonvanishing == ()


def test_denominators_are_generic_conditions(scalar_algebra: tuple[Algebra, Element]) -> None:
    """``X = Y / (1 - eta)`` holds where ``1 - eta != 0``; the result says so."""
    alg, X = scalar_algebra
    Y = alg.generator("Y", f, f)
    result = equal(X, Y / (1 - eta), [Hypothesis("X = Y/(1 - eta)", X, Y / (1 - eta))])
    assert result.ok and result.nonvanishing == (eta - 1,)


def test_the_gradient_proof_prints_its_condition() -> None:
    from gdssm.proofs.theories.gradient import gradient_proof
    from gdssm.symbolic.description import N

    assert gradient_proof().nonvanishing == (N,)


def test_nonzero_zero_is_refused(scalar_algebra: tuple[Algebra, Element]) -> None:
    alg, _ = scalar_algebra
    with pytest.raises(BadInput, match="false"):
        alg.nonzero(eta - eta)


# -- 2. induction steps that need k != 0 -----------------------------------------------------------
@pytest.fixture
def indexed() -> tuple[Algebra, Element]:
    alg = Algebra([K])
    return alg, alg.generator("Z", f, f)


def _X(alg: Algebra, i: object) -> Element:
    return alg.indexed("X", i, f, f)


def _times_k_recursion(alg: Algebra, Z: Element) -> Hypothesis:
    return Hypothesis("k X_(k+1) = k (X_k + Z)", K * _X(alg, K + 1), K * (_X(alg, K) + Z))


def test_induction_dividing_by_k_does_not_prove_x_i_equals_i_z(indexed: tuple[Algebra, Element]) -> None:
    """``k X_{k+1} = k (X_k + Z)``, ``X_0 = 0``, ``X_1 = 5 Z``: ``X_i = i Z`` is false at ``i = 1``."""
    alg, Z = indexed
    base = (Hypothesis("X_0 = 0", _X(alg, 0), alg.zero(f, f)), Hypothesis("X_1 = 5 Z", _X(alg, 1), 5 * Z))

    def claim(i: sympy.Expr) -> tuple[Element, Element]:
        return _X(alg, i), i * Z

    recursion = _times_k_recursion(alg, Z)
    with pytest.raises(NonvanishingError, match="divides by k"):
        induction("X_i = i Z", claim, 0, InductionStep(definitions=(recursion,), base_definitions=base))
    stated = InductionStep(definitions=(recursion,), base_definitions=base, assumptions=(alg.nonzero(K),))
    with pytest.raises(NonvanishingError, match=r"k != 0.*every k >= 0"):
        induction("X_i = i Z", claim, 0, stated)


def test_the_same_recursion_proves_the_true_statement_from_k_1(indexed: tuple[Algebra, Element]) -> None:
    alg, Z = indexed
    proof = induction(
        "X_i = (i + 4) Z",
        lambda i: (_X(alg, i), (i + 4) * Z),
        1,
        InductionStep(definitions=(_times_k_recursion(alg, Z),),
                      base_definitions=(Hypothesis("X_1 = 5 Z", _X(alg, 1), 5 * Z),),
                      assumptions=(alg.nonzero(K),)),
    )
    assert proof.ok, proof.report()
    assert proof.nonvanishing == ()  # k != 0 holds on k >= 1
    with pytest.raises(BadInput, match=">= 1"):
        proof.lemma(at=0)


def test_induction_with_a_division_by_k_in_a_definition_is_refused(indexed: tuple[Algebra, Element]) -> None:
    alg, Z = indexed
    definitions = (Hypothesis("X_(k+1) = X_k + Z/k", _X(alg, K + 1), _X(alg, K) + Z / K),)
    base = (Hypothesis("X_0 = 0", _X(alg, 0), alg.zero(f, f)),)
    with pytest.raises(NonvanishingError, match="k != 0"):
        induction("X_i = 0", lambda i: (_X(alg, i), alg.zero(f, f)), 0,
                  InductionStep(definitions=definitions, base_definitions=base))


def test_conditions_mixing_the_index_and_a_scalar_are_refused() -> None:
    alg = Algebra([K, eta])
    Z = alg.generator("Z", f, f)
    c = 1 - K * eta
    recursion = Hypothesis("(1 - k eta) X_(k+1) = (1 - k eta) X_k", c * _X(alg, K + 1), c * _X(alg, K))
    with pytest.raises(NonvanishingError, match="eta"):
        induction("X_i = Z", lambda i: (_X(alg, i), Z), 0,
                  InductionStep(definitions=(recursion,), base_definitions=(Hypothesis("X_0", _X(alg, 0), Z),),
                                assumptions=(alg.nonzero(c),)))


@pytest.mark.parametrize(
    ("condition", "least", "expected"),
    [(K + 1, 0, True), (K, 0, False), (K, 1, True), (K**2 + 1, 0, True), (2 * K - 3, 0, True),
     (K - 5, 0, False), (K - 5, 6, True), (K * eta + 1, 0, False), (eta, 0, True)],
)
def test_nonzero_on_range(condition: sympy.Expr, least: int, expected: bool) -> None:
    assert nonzero_on_range(condition, K, least) is expected


# -- 3. lemma ranges, for every use --------------------------------------------------------------------
@pytest.fixture
def late() -> tuple[Algebra, Element, Lemma]:
    """``Y_{k+1} = Y_k``, valid for ``k >= 1`` only (with ``Y_0 = 0``, ``Y_1 = 5 Z`` it fails at ``k = 0``)."""
    alg = Algebra([])
    Z = alg.generator("Z", f, f)

    def Y(i: object) -> Element:
        return alg.indexed("Y", i, f, f)

    return alg, Z, Lemma("Y_(k+1) = Y_k for k >= 1", Y(K + 1), Y(K), K, 1)


@pytest.mark.parametrize("role", ["lemmas", "definitions", "assumptions", "base_definitions"])
def test_a_lemma_valid_from_1_is_not_used_at_0(late: tuple[Algebra, Element, Lemma], role: str) -> None:
    """Without the range check, ``Y_k = 0`` for all ``k >= 0`` was proved (false: ``Y_1 = 5 Z``)."""
    alg, Z, lemma = late

    def Y(i: object) -> Element:
        return alg.indexed("Y", i, f, f)

    base = (Hypothesis("Y_0 = 0", Y(0), alg.zero(f, f)), Hypothesis("Y_1 = 5 Z", Y(1), 5 * Z))
    roles: dict[str, tuple[Hypothesis, ...]] = {"base_definitions": base}
    roles[role] = (*roles.get(role, ()), lemma)
    step = InductionStep(**roles)
    with pytest.raises(BadInput, match="holds for k >= 1; the induction starts at 0"):
        induction("Y_k = 0", lambda i: (Y(i), alg.zero(f, f)), 0, step)
    if role != "base_definitions":
        fine = induction("Y_k = 5 Z", lambda i: (Y(i), 5 * Z), 1, InductionStep(**{role: (lemma,)},
                         base_definitions=base))
        assert fine.ok, fine.report()


def test_a_lemma_over_another_index_is_refused_in_every_role(late: tuple[Algebra, Element, Lemma]) -> None:
    alg, Z, _ = late
    t = sympy.Symbol("t", integer=True, nonnegative=True)
    other = Lemma("over t", alg.indexed("V", t, f, f), Z, t, 0)
    for role in ("lemmas", "definitions", "assumptions", "base_definitions"):
        with pytest.raises(BadInput, match="is over t, the induction over k"):
            induction("Z = Z", lambda i: (alg.indexed("Y", i, f, f), alg.indexed("Y", i, f, f)), 0,
                      InductionStep(**{role: (other,)}))


# -- 4. the bridge binds by identity ---------------------------------------------------------------------
def test_a_sympy_matrix_named_g_does_not_inherit_the_symmetric_g() -> None:
    """``G - G^T = 0`` used to follow for any SymPy matrix named ``G``."""
    alg = Algebra([])
    alg.generator("G", f, f, symmetric=True)
    G = MatrixSymbol("G", f, f)
    with pytest.raises(BadInput, match="not bound to the algebra's generator G"):
        to_element(G - G.T, alg)
    # printing the algebra's G hands out its own symbol, which does not bind the user's symbol
    assert latex(alg.generator("G", f, f, symmetric=True)) == "G"
    with pytest.raises(BadInput, match="not bound"):
        to_element(G, alg)


def test_a_fresh_name_declares_a_general_matrix_and_explicit_bindings_are_honoured() -> None:
    alg = Algebra([])
    G = MatrixSymbol("G", f, f)
    general = to_element(G - G.T, alg)
    assert not general.is_zero() and not alg.get("G").symmetric
    sym_alg = Algebra([])
    S = sym_alg.generator("S", f, f, symmetric=True)
    s = MatrixSymbol("S", f, f)
    assert to_element(s - s.T, sym_alg, bindings={s: S}).is_zero()  # stated, not inferred from the name
    with pytest.raises(BadInput, match="already bound"):
        sym_alg.bind(s, sym_alg.generator("T", f, f))
    with pytest.raises(BadInput, match=r"\(f x 1\)"):
        sym_alg.bind(MatrixSymbol("S", f, 1), S)


def test_generator_symbols_round_trip_and_differ_from_plain_symbols() -> None:
    alg = Algebra([])
    G = alg.generator("G", f, f, symmetric=True)
    X = alg.generator("X", f, f)
    element = G * X.T + X
    back = to_sympy(element)
    assert to_element(back, alg).same_terms(element)
    assert GeneratorSymbol("G", f, f) != MatrixSymbol("G", f, f)
    other = Algebra([])
    other.generator("G", f, f)
    with pytest.raises(BadInput, match="not bound"):  # another algebra's symbol is not this algebra's G
        to_element(back, other)
