"""One claim of the registry: a theorem, the routes that must pass, and how each route checks it.

The registry itself is :mod:`gdssm.proofs.claims`; the claims beyond the paper (:mod:`gdssm.proofs.beyond_claims`)
and about feature maps (:mod:`gdssm.proofs.feature_claims`) are built from this class too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from gdssm.proofs.induction import Proof
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.reference import ReferenceTwoStep

if TYPE_CHECKING:
    from gdssm.proofs.theories.common import Theorem


Target = Construction | ReferenceTwoStep


CLAIM_IDS: dict[str, None] = {}
"""The ids of every claim made so far, in order (the registry makes them all): what a proof's citations are."""


@dataclass(frozen=True)
class Claim:
    """One theorem. ``theorem`` builds its route-1 records (and with them its statement, hypotheses and uses);
    ``targets`` the concrete identities of routes 2/z3.

    ``given_statement``, ``given_hypotheses`` and ``given_uses`` are for the claims without a route-1 theorem
    only; a claim with one must leave them empty (:meth:`__post_init__`)."""

    id: str
    title: str
    given_statement: str | None = None
    given_hypotheses: tuple[str, ...] | None = None
    given_uses: tuple[str, ...] | None = None
    routes: tuple[str, ...] = ()
    theorem: Callable[[], Theorem] | None = None
    targets: Callable[[], Sequence[Target]] = field(default=lambda: ())
    scalar_check: Callable[[], tuple[bool, str]] | None = None
    numeric: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        CLAIM_IDS.setdefault(self.id)  # every claim made is one a proof may cite
        if not self.routes:
            raise ValueError(f"claim {self.id} lists no route")
        given = (self.given_statement, self.given_hypotheses, self.given_uses)
        if self.theorem is not None and any(g is not None for g in given):
            raise ValueError(f"claim {self.id}: a claim with a route-1 theorem has its statement generated")
        if self.theorem is None and self.given_statement is None:
            raise ValueError(f"claim {self.id} has neither a theorem nor a statement")

    @property
    def proofs(self) -> Callable[[], Sequence[Proof]] | None:
        """Build the route-1 records afresh (None: the claim has no route-1 theorem)."""
        theorem = self.theorem
        if theorem is None:
            return None
        return lambda: theorem().records

    def proved(self) -> Theorem:
        """The theorem as printed: built once per process (the route itself always rebuilds it)."""
        if self.theorem is None:
            raise ValueError(f"claim {self.id} has no route-1 theorem")
        version = getattr(self.theorem, "version", None)  # what the theorem is about (the description now)
        key = (self.id, self.theorem, version() if version is not None else None)
        if key not in _PRINTED:
            _PRINTED[key] = self.theorem()
        return _PRINTED[key]

    @property
    def statement(self) -> str:
        """The printed statement: the conclusion of the theorem, or the given one."""
        if self.theorem is not None:
            return self.proved().statement_tex
        assert self.given_statement is not None
        return self.given_statement

    @property
    def hypotheses(self) -> tuple[str, ...]:
        """The printed hypotheses: those the theorem used (parameter values, algebraic hypotheses, definitions
        of the printed symbols, nonvanishing conditions), or the given ones."""
        if self.theorem is not None:
            return self.proved().hypotheses_tex
        return self.given_hypotheses or ()

    @property
    def uses(self) -> tuple[str, ...]:
        """The claims the theorem's records cite, or the given ones."""
        if self.theorem is not None:
            return self.proved().cited(CLAIM_IDS)
        return self.given_uses or ()

    @property
    def statement_hash(self) -> str:
        """sha256 of the statement and hypotheses (what a certificate is about)."""
        text = self.statement + "\n" + "\n".join(self.hypotheses)
        return hashlib.sha256(text.encode()).hexdigest()


_PRINTED: dict[tuple[str, object, str | None], Theorem] = {}
"""Printed theorems by claim, theorem builder and the version of what it is about (a patched description is
another theorem)."""
