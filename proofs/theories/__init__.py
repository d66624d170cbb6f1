"""Route 1's theories: the proofs behind the claims, one module per theory, every step checked by the kernel.

* :mod:`~gdssm.proofs.theories.common` -- symbols, the algebra of a theory, :class:`Theorem` (the records of one
  claim, and the statement and hypotheses generated from them);
* :mod:`~gdssm.proofs.theories.gradient` -- the gradient of the in-context loss, derived by SymPy (``gd.gradient``);
* :mod:`~gdssm.proofs.theories.gd` -- the closed form of k GD steps, by induction on k (``gd.closed_form``);
* :mod:`~gdssm.proofs.theories.layer` -- the layer's forward equations (:mod:`gdssm.symbolic.equations`) applied
  to a description's parameters: the definitions every SSM proof unfolds, and the parameter values it read;
* :mod:`~gdssm.proofs.theories.regression` -- the GD side at a prefix t: the statistics A_t, G_t and the iterates
  W^{(t)}_s of the GD a description claims (its ``step_eta``, ``decay``, ``lam``, ``W0``);
* :mod:`~gdssm.proofs.theories.state` -- the state holds the gradient statistics, by induction on t;
* :mod:`~gdssm.proofs.theories.one_step` -- a readout of finitely many terms equals GD unrolled (the paper's);
* :mod:`~gdssm.proofs.theories.k_steps` -- the k-fold readout equals k GD steps for every k (inductions on the
  readout index j and on k, any step sizes eta_0..eta_{k-1}, decay, discount);
* :mod:`~gdssm.proofs.theories.ssm` -- the SSM claims: state and readout joined in one algebra, per claim the
  description and which of its scalars stay symbolic;
* :mod:`~gdssm.proofs.theories.concrete` -- the k-fold readout expanded at concrete k (a cross-check and a
  benchmark of the normal form).

Nothing here states a construction: every parameter is read from :mod:`gdssm.symbolic.description`, so a change
to a description reaches route 1, and the printed statement of each claim is the conclusion of its last record.
"""
