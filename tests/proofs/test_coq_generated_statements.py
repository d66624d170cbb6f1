"""The Coq files of gd.gradient and gd.closed_form are printed from the registry, so a wrong statement there is refused.

* the files follow the claim's route-1 theorem as the registry builds it at render time: a wrong gradient
  (a flipped sign, a missing 1/N, 1/N^2) or a wrong closed form (a flipped sign, a missing alpha, alpha^2, a wrong
  recursion of Z_k) prints another file;
* with coqc: the right statements pass (accepted, ``Print Assumptions`` closed) and every wrong one is refused;
* rendering is deterministic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from gdssm.proofs import claims as registry
from gdssm.proofs.coq import generate, run
from gdssm.proofs.normal_form import Element
from gdssm.proofs.theories.common import Definitions, Theorem
from gdssm.proofs.theories.gd import alpha, closed_form_theorem
from gdssm.proofs.theories.gradient import Regression, gradient_theorem
from gdssm.symbolic.description import N
from tests.proofs.coq_support import assert_accepted, assert_refused, coq_check, needs_coq, patch_theorem

CONVERTED = ("gd.gradient", "gd.closed_form")

WRONG_GRADIENTS: dict[str, Callable[[Regression], Element]] = {
    "flipped sign": lambda reg: (reg.W * reg.G + reg.A) / N,
    "missing 1/N": lambda reg: reg.W * reg.G - reg.A,
    "1/N^2": lambda reg: (reg.W * reg.G - reg.A) / N**2,
}


def _gen(e: Element, name: str) -> Element:
    gen = e.algebra.get(name)
    return e.algebra.generator(gen.name, gen.rows, gen.cols, symmetric=gen.symmetric)


def _closed(change: Callable[[Element, Element, Element, Element], Element]) -> Callable[[], Theorem]:
    """The closed-form theorem with its conclusion's right side replaced by ``change(W_0, D^k, A, Z_k)``."""

    def build() -> Theorem:
        th = closed_form_theorem()
        last = th.conclusion
        parts = [_gen(last.rhs, n) for n in ("W_{0}", "D^{k}", "A", "Z_{k}")]
        return dataclasses.replace(th, records=(*th.records[:-1], dataclasses.replace(last, rhs=change(*parts))))

    return build


def _z_without_d() -> Theorem:
    """The closed-form theorem whose definition of Z says Z_(k+1) = I + Z_k (the D dropped)."""
    th = closed_form_theorem()
    groups = []
    for group in th.definitions:
        if group.stem == "Z":
            base, step = group.facts
            z_k = _gen(step.lhs, "Z_{k}")
            group = Definitions("Z", (base, dataclasses.replace(step, rhs=step.lhs.algebra.identity(z_k.rows) + z_k)))
        groups.append(group)
    return dataclasses.replace(th, definitions=tuple(groups))


WRONG_CLOSED_FORMS: dict[str, Callable[[], Theorem]] = {
    "flipped sign": _closed(lambda W0, D, A, Z: W0 * D - alpha * A * Z),
    "missing alpha": _closed(lambda W0, D, A, Z: W0 * D + A * Z),
    "alpha^2": _closed(lambda W0, D, A, Z: W0 * D + alpha**2 * A * Z),
    "Z_(k+1) = I + Z_k": _z_without_d,
}

def _gradient(wrong: Callable[[Regression], Element]) -> Callable[[], Theorem]:
    """The gradient theorem stating ``wrong`` as the gradient."""
    return lambda: gradient_theorem(wrong)


MUTANTS: dict[str, dict[str, Callable[[], Theorem]]] = {
    "gd.gradient": {name: _gradient(wrong) for name, wrong in WRONG_GRADIENTS.items()},
    "gd.closed_form": WRONG_CLOSED_FORMS,
}
CASES = [(c, name) for c, table in MUTANTS.items() for name in table]


@pytest.mark.parametrize("claim_id", CONVERTED)
def test_the_statement_comes_from_the_registry(claim_id: str) -> None:
    f = generate.render(claim_id)
    assert f.origin == generate.REGISTRY and f.origin in generate.ORIGINS and "proofs/claims.py" in f.source
    if claim_id == "gd.gradient":
        assert "let grad := (1 / N%:R) *: (W *m G) - ((1 / N%:R) *: A) in" in f.text
        assert "let G := X^T *m X in" in f.text and "let A := Y^T *m X in" in f.text
    else:
        assert "Theorem claim_gd_closed_form K : Wk K = W0 *m (Dk K) + (alpha *: (A *m (Zk K)))." in f.text
        assert "Fixpoint Dk (n : nat) : 'M[R]_f := if n is K.+1 then Dk K - (alpha *: ((Dk K) *m G)) else 1%:M." \
            in f.text


@pytest.mark.parametrize(("claim_id", "name"), CASES)
def test_a_wrong_statement_in_the_registry_prints_another_file(claim_id: str, name: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    right = generate.render(claim_id).text
    patch_theorem(monkeypatch, claim_id, MUTANTS[claim_id][name])
    assert generate.render(claim_id).text != right


def _fresh(builder: Callable[[], Theorem]) -> Callable[[], Theorem]:
    """Another builder of the same theorem."""
    return lambda: builder()


def test_rendering_is_deterministic() -> None:
    for claim_id in CONVERTED:
        assert generate.render(claim_id).text == generate.render(claim_id).text
    for claim_id in CONVERTED:  # a fresh builder is a new key of Claim.proved's cache: the theorem is rebuilt
        builder = registry.claim(claim_id).theorem
        assert builder is not None
        with pytest.MonkeyPatch.context() as mp:
            patch_theorem(mp, claim_id, _fresh(builder))
            rebuilt = generate.render(claim_id).text
        assert rebuilt == generate.render(claim_id).text


@needs_coq
@pytest.mark.parametrize("claim_id", CONVERTED)
def test_coqc_accepts_the_right_statement(claim_id: str) -> None:
    assert_accepted(claim_id, generate.REGISTRY)


@needs_coq
@pytest.mark.parametrize(("claim_id", "name"), CASES)
def test_coqc_refuses_a_wrong_statement(claim_id: str, name: str, library: run.Library, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    patch_theorem(monkeypatch, claim_id, MUTANTS[claim_id][name])
    assert_refused(coq_check(library, generate.render(claim_id), tmp_path))


@needs_coq
def test_the_route_refuses_a_wrong_gradient_in_the_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    patch_theorem(monkeypatch, "gd.gradient", MUTANTS["gd.gradient"]["flipped sign"])
    (check,) = run.check_claims(["gd.gradient"], reuse=False)
    assert not check.ok and "coqc refused" in check.detail


def test_family_indices_are_read_as_data_never_evaluated() -> None:
    """The printer reads route 1's family indices (k, k + n, n) with a pattern; anything else is refused."""
    from gdssm.core.errors import BadInput
    from gdssm.proofs.coq.generate import _family
    from gdssm.symbolic import description as sym

    assert _family("D^{k + 1}") == ("D", sym.k + 1) and _family("W_{0}") == ("W", 0) and _family("G") is None
    with pytest.raises(BadInput, match="index the printer does not read"):
        _family("D^{__import__('os').getcwd()}")
