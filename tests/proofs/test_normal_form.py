"""The free algebra with transpose, its normal form, the SymPy bridge, and the concrete-k checks."""

from __future__ import annotations

import pytest
import sympy
from sympy import Identity, MatPow, MatrixSymbol, ZeroMatrix

from gdssm.core.errors import BadInput
from gdssm.proofs import normal_form
from gdssm.proofs.normal_form import Algebra, CheckResult, Element, Hypothesis, NormalForm, ShapeError, equal
from gdssm.proofs.sympy_bridge import latex, to_element, to_sympy
from gdssm.proofs.theories.common import H, f, m
from gdssm.proofs.theories.concrete import k_step, k_step_checks
from gdssm.proofs.theories.gd import alpha
from gdssm.proofs.theories.gradient import gradient_proof
from gdssm.symbolic.description import N

P = sympy.Symbol("P")


def assert_rejected(result: CheckResult, *names: str) -> None:
    """A failed check names a nonzero, printable residual mentioning ``names``."""
    assert not result.ok
    assert not result.residual.is_zero()
    text = str(result.residual)
    assert text and text != "0"
    for name in names:
        assert name in text, text
    assert latex(result.residual)
    assert "residual" in str(result)


@pytest.fixture
def alg() -> Algebra:
    return Algebra([N, alpha, P])


# -- algebra and shapes --------------------------------------------------------------------------
def test_product_shape_mismatch_names_both_shapes(alg: Algebra) -> None:
    X, Y = alg.generator("X", N, f), alg.generator("Y", N, m)
    with pytest.raises(ShapeError, match=r"X \(N x f\).*Y \(N x m\)"):
        _ = X * Y
    assert (X.T * Y).shape == (f, m)


def test_sympy_accepts_the_mismatch_but_the_bridge_does_not(alg: Algebra) -> None:
    X, Y = MatrixSymbol("X", N, f), MatrixSymbol("Y", N, m)
    product = X * Y  # SymPy builds this: it cannot prove f != N
    with pytest.raises(ShapeError, match=r"N x f.*N x m"):
        to_element(product, alg)


def test_sum_shape_mismatch(alg: Algebra) -> None:
    x = alg.generator("x", f, 1)
    with pytest.raises(ShapeError, match=r"f x f.*1 x 1"):
        _ = x * x.T - x.T * x  # x x^T = x^T x only makes sense (and holds) when f = 1


def test_generator_redeclaration_and_symmetry(alg: Algebra) -> None:
    alg.generator("G", f, f, symmetric=True)
    with pytest.raises(ShapeError, match="already declared"):
        alg.generator("G", f, m)
    with pytest.raises(ShapeError, match="square"):
        alg.generator("B", f, m, symmetric=True)
    G = alg.generator("G", f, f, symmetric=True)
    assert G.T.same_terms(G)
    assert equal((G * G).T, G * G).ok


def test_transpose_is_an_antiinvolution(alg: Algebra) -> None:
    X, W = alg.generator("X", N, f), alg.generator("W", m, f)
    assert equal((W * X.T).T, X * W.T).ok
    assert (W * X.T).T.T.same_terms(W * X.T)


def test_identity_zero_and_powers(alg: Algebra) -> None:
    G = alg.generator("G", f, f)
    M = alg.identity(f) - alpha * G
    assert equal(M**2, alg.identity(f) - 2 * alpha * G + alpha**2 * G * G).ok
    assert (M**0).same_terms(alg.identity(f))
    assert (G - G).is_zero()
    assert str(alg.zero(f, f)) == "0"
    with pytest.raises(ShapeError, match="not square"):
        _ = alg.generator("X", N, f) ** 2


def test_rational_function_coefficients_have_a_canonical_zero(alg: Algebra) -> None:
    X = alg.generator("X", N, f)
    lhs = X * (sympy.Integer(1) / (N - 1)) - X / N
    assert equal(lhs, X / (N * (N - 1))).ok
    assert_rejected(equal(X / N, X / P), "X")


def test_undeclared_scalar_is_a_user_error(alg: Algebra) -> None:
    X = alg.generator("X", N, f)
    with pytest.raises(BadInput, match="eta"):
        _ = sympy.Symbol("eta") * X


# -- scalars (1 x 1 words) -----------------------------------------------------------------------
def test_one_by_one_orientation(alg: Algebra) -> None:
    x, y, z = (alg.generator(name, f, 1) for name in "xyz")
    assert equal(x.T * y, y.T * x).ok
    assert_rejected(equal(x.T * y, x.T * z), "x", "z")


def test_scalars_commute_and_move_to_a_canonical_position(alg: Algebra) -> None:
    a, b, x, y, z = (alg.generator(name, f, 1) for name in ("a", "b", "x", "y", "z"))
    assert equal(a * (x.T * y) * b.T, a * (y.T * x) * b.T).ok
    assert equal(a * (x.T * y) * (b.T * z) * a.T, a * (z.T * b) * (y.T * x) * a.T).ok
    assert equal(x * (y.T * x), x * (x.T * y)).ok
    assert equal((x.T * y) * (a.T * b), (b.T * a) * (y.T * x)).ok
    with pytest.raises(ShapeError, match="1 x 1"):  # a 1 x 1 matrix is not a scalar multiplier
        _ = (y.T * x) * a


def test_dimension_specific_identities_are_rejected(alg: Algebra) -> None:
    A, B = alg.generator("A", f, f), alg.generator("B", f, f)
    assert_rejected(equal(A * B, B * A), "A*B", "B*A")
    x, y, z = (alg.generator(name, f, 1) for name in "xyz")
    assert_rejected(equal(y * (x.T * z), z * (x.T * y)))  # holds only for f = 1
    assert_rejected(equal((x.T * y) * (x.T * y), (x.T * x) * (y.T * y)))  # Cauchy-Schwarz equality: f = 1


# -- hypotheses ------------------------------------------------------------------------------------
def test_hypotheses_as_rewrites_and_their_transposes(alg: Algebra) -> None:
    Ex, Ey = alg.generator("E_x", H, f), alg.generator("E_y", H, m)
    A, B = alg.generator("A", m, f), alg.generator("B", f, f)
    split = Hypothesis("E_x^T E_y = 0", Ex.T * Ey, alg.zero(f, m))
    unit = Hypothesis("E_y^T E_y = I", Ey.T * Ey, alg.identity(m))
    result = equal(Ey.T * Ex * B + Ey.T * Ey * A, A, [split, unit])
    assert result.ok
    assert result.hypotheses_used == ("E_x^T E_y = 0", "E_y^T E_y = I")
    assert_rejected(equal(Ey.T * Ex * B + A, A, [unit]), "E_y^T*E_x*B")


def test_hypothesis_validation(alg: Algebra) -> None:
    x, y = alg.generator("x", f, 1), alg.generator("y", f, 1)
    B = alg.generator("B", f, f)
    with pytest.raises(BadInput, match="inner dimension 1"):
        Hypothesis("rank one", x * y.T, B)
    with pytest.raises(BadInput, match="one nonempty word"):
        Hypothesis("sum", B + B * B, B)
    with pytest.raises(ShapeError):
        Hypothesis("shape", B, x)


def test_scalar_hypothesis_matches_either_orientation(alg: Algebra) -> None:
    x, y = alg.generator("x", f, 1), alg.generator("y", f, 1)
    c = alg.generator("c", 1, 1)
    rule = Hypothesis("x^T y = c", x.T * y, c)
    assert equal(y.T * x * x.T, c * x.T, [rule]).ok


def test_nonterminating_rules_are_reported(alg: Algebra, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(normal_form, "REWRITE_LIMIT", 50)
    G = alg.generator("G", f, f)
    with pytest.raises(BadInput, match="did not terminate"):
        NormalForm(alg, [Hypothesis("loop", G, G * G)])(G)


# -- bridge ----------------------------------------------------------------------------------------
def test_bridge_walks_matpow_identity_zero_and_scalars(alg: Algebra) -> None:
    G = MatrixSymbol("G", f, f)
    expr = MatPow(Identity(f) - alpha * G, 3) + ZeroMatrix(f, f)
    element = to_element(expr, alg)
    Ge = alg.get("G")
    assert Ge.rows == f
    g = alg.generator("G", f, f)
    M = alg.identity(f) - alpha * g
    assert equal(element, M * M * M).ok
    assert len(element) == 4


def test_bridge_noncommutative_symbols(alg: Algebra) -> None:
    A = alg.generator("A", f, f)
    a = sympy.Symbol("A", commutative=False)
    with pytest.raises(BadInput, match="not bound"):  # a name is not a binding
        to_element(a, alg)
    element = to_element(sympy.transpose((1 - alpha * a) ** 2), alg, bindings={a: A})
    assert equal(element, alg.identity(f) - 2 * alpha * A.T + alpha**2 * A.T * A.T).ok
    with pytest.raises(BadInput, match="not bound"):
        to_element(sympy.Symbol("Z", commutative=False) * a, alg)


def test_to_sympy_round_trip(alg: Algebra) -> None:
    X, W = alg.generator("X", N, f), alg.generator("W", m, f)
    element = (W * X.T * X - 2 * W) / N
    back = to_element(to_sympy(element), alg)
    assert back.same_terms(element)
    assert "X^{T}" in latex(element)


def test_unsupported_nodes_are_reported(alg: Algebra) -> None:
    G = MatrixSymbol("G", f, f)
    with pytest.raises(BadInput, match="unsupported expression node HadamardProduct"):
        to_element(sympy.HadamardProduct(G, G), alg)
    with pytest.raises(BadInput, match="unsupported expression node Trace"):
        to_element(sympy.Trace(G) * G, alg)
    with pytest.raises(BadInput, match="integer powers >= 0"):
        to_element(sympy.Inverse(G), alg)


# -- worked examples -----------------------------------------------------------------------------
def test_gradient_is_derived_and_matches() -> None:
    proof = gradient_proof()
    assert proof.ok, proof.report()
    assert "def G = X^T X" in proof.steps[-1].hypotheses


@pytest.mark.parametrize(
    ("mutant", "names"),
    [
        (lambda r: (r.W * r.G + r.A) / N, ["2/N*Y^T*X"]),  # flipped sign
        (lambda r: (r.W * r.G - r.A) / (N + 1), ["N**2 + N"]),  # 1/(N + 1) instead of 1/N
        (lambda r: r.W * r.G / N, ["Y^T*X"]),  # dropped term
    ],
)
def test_gradient_mutants_are_rejected(mutant: object, names: list[str]) -> None:
    proof = gradient_proof(mutant)  # type: ignore[arg-type]
    assert not proof.ok
    (failed,) = proof.failures
    assert not failed.residual.is_zero()
    for name in names:
        assert name in str(failed.residual)
    assert failed.residual_latex


def test_k_step_readout_for_k_1_to_50() -> None:
    """Correctness only; the speed (k = 1..50 under 1 s) is measured in benchmarks, not in a timed test."""
    results = k_step_checks(range(1, 51))
    assert [check.k for check in results] == list(range(1, 51))
    assert all(check.result.ok for check in results)


def test_k_step_without_the_split_hypothesis_fails() -> None:
    setup = k_step()
    without_split = [h for h in setup.assumptions if h.name != "E_x^T E_y = 0"]
    for check in k_step_checks(range(1, 4), setup, without_split):
        assert_rejected(check.result, "E_y^T*E_x")


def test_k_step_with_a_wrong_target_fails() -> None:
    setup = k_step()
    (good,) = k_step_checks([3], setup)
    assert good.result.ok
    nf = NormalForm(setup.alg, setup.assumptions)
    readout = setup.Ey.T * setup.state * setup.Ex * setup.x
    assert_rejected(equal(readout, -setup.A * setup.x, nf), "A_{t}*x_{t + 1}")


def test_element_printing() -> None:
    alg = Algebra([alpha])
    x = alg.generator("x", f, 1)
    G = alg.generator("G", f, f)
    element: Element = (1 - alpha) * (x.T * x) - x.T * G * x + alg.identity(1)
    text = str(element)
    assert text == "1 - (alpha - 1)*x^T*x - x^T*G*x"
