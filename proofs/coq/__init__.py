"""gdssm.proofs.coq: the kernel-checked route (``gdssm verify --route coq``).

* :mod:`~gdssm.proofs.coq.printer` -- SymPy expressions of a construction description as Coq/MathComp terms;
* :mod:`~gdssm.proofs.coq.generate` -- one ``.v`` file per claim, rendered by Jinja2 from ``templates/``: for
  the ssm claims the layer's record, the layout hypotheses and the claimed GD are printed from
  :mod:`gdssm.symbolic.description`; the statements of the other claims are printed from the registry (their
  route-1 theorems, the parameter map of ``ref.param_map``), ``ref.two_step``'s in part;
* :mod:`~gdssm.proofs.coq.run` -- coqc: the library ``coq/theories`` compiled once per source hash (cached),
  each claim's file checked, ``Print Assumptions`` read; a claim passes only when coqc accepts its file and
  every theorem is "Closed under the global context".

Where coqc or MathComp is missing, :func:`~gdssm.proofs.coq.run.missing_message` says in one line what to
install (``apt-get install -y coq libcoq-mathcomp-ssreflect libcoq-mathcomp-algebra``).
"""

from gdssm.proofs.coq.generate import CLAIM_SPECS, CoqFile, render, render_all
from gdssm.proofs.coq.run import CLOSED, INSTALL, check_claims, missing_message, toolchain

__all__ = ["CLAIM_SPECS", "CLOSED", "INSTALL", "CoqFile", "check_claims", "missing_message", "render", "render_all",
           "toolchain"]
