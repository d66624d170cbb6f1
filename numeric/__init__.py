"""numeric: the GD-SSM layer in torch and route 3 of the verification (torch against autograd GD).

* :mod:`numeric.layer` -- :class:`~numeric.layer.GDSSMLayer`, the layer of :mod:`symbolic.layer` as an
  ``nn.Module`` (three scans: cumsum, chunked, sequential);
* :mod:`numeric.lowering` -- exact SymPy parameters and GD constants to tensors;
* :mod:`numeric.oracle` -- the implicit linear model trained by autograd GD at every prefix;
* :mod:`numeric.samplers` -- seeded in-context tasks; :mod:`numeric.strategies` -- Hypothesis strategies;
* :mod:`numeric.check` -- the property run and :func:`~numeric.check.check_construction`;
* :mod:`numeric.crosscheck` -- torch against the symbolic definitions on exact data;
* :mod:`numeric.optimal_steps` -- optimal k-step step sizes by Monte Carlo;
* :mod:`numeric.weights` -- weights files (safetensors, pt state_dict) with provenance metadata, and their import;
* :mod:`numeric.reference_export` -- the parameters in the authors' conventions (``w_q``, ``Lambda_bar``, ``C``, ``D``);
* :mod:`numeric.train`, :mod:`numeric.train_targets`, :mod:`numeric.alignment`, :mod:`numeric.train_plots`,
  :mod:`numeric.train_artifacts` -- training from random initialisation and its comparison with the construction;
* :mod:`numeric.threads` -- torch's thread count for a block of small-tensor work.
"""
