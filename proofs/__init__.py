"""gdssm.proofs: the claims registry and the checkers of the proof routes (no torch: an import-linter contract).

* :mod:`~gdssm.proofs.claims` -- :data:`CLAIMS` (every theorem: statement, hypotheses, uses, routes),
  :func:`claim` by id, :data:`ROUTES`, :data:`TRUSTED_BASE`;
* :mod:`~gdssm.proofs.verify` -- run a claim's routes (:func:`plan`, :func:`run_symbolic`, :func:`run_exact`,
  :func:`run_z3`) into :class:`Outcome` records, and :func:`certificates` from them;
* :mod:`~gdssm.proofs.normal_form`, :mod:`~gdssm.proofs.induction` -- route 1's kernel, the normal form of the
  free algebra with transpose (:func:`equal`) and proof records with explicit induction (:class:`Proof`);
  :mod:`~gdssm.proofs.theories` -- route 1's proofs, one module per theory;
* :mod:`~gdssm.proofs.coq` -- route ``coq``: one generated Coq file per claim, checked by coqc;
* :mod:`~gdssm.proofs.route_exact` -- route 2, both programs as exact polynomials (:func:`check_exact`);
* :mod:`~gdssm.proofs.route_z3` -- the independent second checker (:func:`check_z3`);
* :mod:`~gdssm.proofs.rings`, :mod:`~gdssm.proofs.sympy_bridge` -- the rings the programs run over, and the
  bridge between SymPy matrix expressions and the kernel.

The numeric route is run by :mod:`gdssm.numeric`; the registry only lists it (docs/DESIGN.md §2).
"""

from gdssm.proofs.claims import CLAIMS, ROUTES, TRUSTED_BASE, Claim, claim
from gdssm.proofs.induction import Proof
from gdssm.proofs.normal_form import Algebra, Element, NormalForm, equal
from gdssm.proofs.route_exact import ExactResult, check_exact
from gdssm.proofs.route_z3 import Z3Result, check_z3
from gdssm.proofs.verify import Outcome, certificates, plan, run_exact, run_symbolic, run_z3

__all__ = [
    "CLAIMS", "ROUTES", "TRUSTED_BASE", "Algebra", "Claim", "Element", "ExactResult", "NormalForm", "Outcome",
    "Proof", "Z3Result", "certificates", "check_exact", "check_z3", "claim", "equal", "plan", "run_exact",
    "run_symbolic", "run_z3",
]
