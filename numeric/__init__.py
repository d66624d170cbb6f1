"""gdssm.numeric: the GD-SSM layer in torch, route 3 of the verification (torch against autograd GD), files, training.

* :mod:`~gdssm.numeric.layer` -- :class:`GDSSMLayer`, the layer of :mod:`gdssm.symbolic.layer` as an
  ``nn.Module``; :mod:`~gdssm.numeric.scans` its three scans (cumsum, chunked, sequential) and
  :mod:`~gdssm.numeric.planner` the choice between them;
* :mod:`~gdssm.numeric.lowering` -- exact SymPy parameters and GD constants to tensors (:func:`lower_construction`);
* :mod:`~gdssm.numeric.oracle` -- the implicit linear model trained by autograd GD at every prefix
  (:func:`gd_predictions`);
* :mod:`~gdssm.numeric.samplers` -- seeded in-context tasks (:class:`TaskLaw`, :func:`sample_tasks`);
* :mod:`~gdssm.numeric.strategies` -- public Hypothesis strategies; :mod:`~gdssm.numeric.profiles` -- the
  Hypothesis profiles ``dev`` and ``ci`` (:func:`load_profile`);
* :mod:`~gdssm.numeric.agreement` -- "this construction equals GD" for a user's own ``@given`` test
  (:func:`assert_equals_gd`, :func:`compare_with_gd`);
* :mod:`~gdssm.numeric.check` -- the property run (:func:`run_check`, :func:`check_construction`,
  :func:`check_loaded`) with its tolerances;
* :mod:`~gdssm.numeric.formats` -- weights files (safetensors, pt, reference) with provenance metadata:
  :func:`write_weights`, :func:`read_weights`, :func:`load_layer`;
* :mod:`~gdssm.numeric.crosscheck` -- torch against the symbolic definitions on exact data;
* :mod:`~gdssm.numeric.optimal_steps` -- optimal k-step step sizes by Monte Carlo (:func:`optimal_k_step`);
* :mod:`~gdssm.numeric.train`, :mod:`~gdssm.numeric.train_targets`, :mod:`~gdssm.numeric.alignment`,
  :mod:`~gdssm.numeric.train_plots`, :mod:`~gdssm.numeric.train_artifacts` -- training from random initialisation
  and its comparison with the construction (imported on use: they bring matplotlib);
* :mod:`~gdssm.numeric.threads` -- torch's thread count for a block of small-tensor work.
"""

from gdssm.numeric import strategies
from gdssm.numeric.agreement import Agreement, assert_equals_gd, compare_with_gd
from gdssm.numeric.check import TOLERANCES, CheckReport, check_construction, check_loaded, run_check
from gdssm.numeric.formats import LoadedWeights, load_layer, read_weights, write_weights
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.lowering import NumericGD, lower_construction, lower_gd
from gdssm.numeric.optimal_steps import optimal_k_step
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.profiles import PROFILES, load_profile, register_profiles
from gdssm.numeric.samplers import TaskBatch, TaskLaw, sample_tasks

__all__ = [
    "PROFILES", "TOLERANCES", "Agreement", "CheckReport", "GDSSMLayer", "LoadedWeights", "NumericGD", "TaskBatch",
    "TaskLaw", "assert_equals_gd", "check_construction", "check_loaded", "compare_with_gd", "gd_predictions",
    "load_layer", "load_profile", "lower_construction", "lower_gd", "optimal_k_step", "read_weights",
    "register_profiles", "run_check", "sample_tasks", "strategies", "write_weights",
]
