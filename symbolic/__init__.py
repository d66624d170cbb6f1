"""gdssm.symbolic: SymPy only -- the task, GD, the GD-SSM layer as a function over any ring, the constructions.

No torch here (an import-linter contract, docs/DESIGN.md §3.2): ``import gdssm.symbolic`` needs only SymPy.

* :mod:`~gdssm.symbolic.constructions` -- :class:`Construction` (layer parameters, the GD they claim, f, m, N, H,
  steps, claim ids), :func:`one_step` (the paper's), :func:`k_step` (ours: one state, k-fold readout);
* :mod:`~gdssm.symbolic.description` -- the one description of each construction at symbolic dimensions;
* :mod:`~gdssm.symbolic.layer` -- :class:`LayerParams`, :class:`Readout`, :func:`layer_predictions`;
* :mod:`~gdssm.symbolic.gd` -- :class:`GDSpec`, GD run per sample (:func:`gd_predictions`), :func:`closed_form`;
* :mod:`~gdssm.symbolic.task` -- :class:`Context` (concrete data over any ring), :func:`symbolic_context`, the
  loss and its SymPy-derived gradient (:func:`symbolic_task`);
* :mod:`~gdssm.symbolic.layouts` -- token layouts ``split`` and ``reference`` (:func:`make_layout`);
* :mod:`~gdssm.symbolic.stepsize` -- the optimal one-step step size in closed form (:func:`optimal_alpha`, ...);
* :mod:`~gdssm.symbolic.reference` -- the authors' parameterisation and their two-step construction;
* :mod:`~gdssm.symbolic.mutants` -- the catalogue of wrong constructions every route must reject;
* :mod:`~gdssm.symbolic.serialize` -- the ``gdssm derive`` JSON schema, LaTeX and text;
* :mod:`~gdssm.symbolic.cross_entropy` -- one GD step on the softmax loss; :mod:`~gdssm.symbolic.dense` -- the
  small dense-matrix kernel over any ring.
"""

from gdssm.symbolic.constructions import CONSTRUCTIONS, ETA, Construction, k_step, one_step, parse_eta
from gdssm.symbolic.cross_entropy import CrossEntropyStep, cross_entropy_one_step
from gdssm.symbolic.description import DESCRIPTIONS, Description, k_step_description, one_step_description
from gdssm.symbolic.gd import GDSpec, closed_form, gd_predictions, gd_weights
from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout, layer_predictions
from gdssm.symbolic.layouts import LAYOUTS, Layout, make_layout
from gdssm.symbolic.mutants import MUTANTS, Mutant, applicable, mutant
from gdssm.symbolic.reference import ReferenceTwoStep, reference_two_step
from gdssm.symbolic.serialize import SCHEMA_ID, construction_from_json, construction_json
from gdssm.symbolic.stepsize import InputLaw, input_law, law_names, optimal_alpha, optimal_eta, optimal_loss
from gdssm.symbolic.task import Context, SymbolicTask, symbolic_context, symbolic_task

__all__ = [
    "CONSTRUCTIONS", "DESCRIPTIONS", "ETA", "LAYOUTS", "MUTANTS", "PARAMETER_NAMES", "SCHEMA_ID",
    "Construction", "Context", "CrossEntropyStep", "Description", "GDSpec", "InputLaw", "LayerParams", "Layout",
    "Mutant", "Readout", "ReferenceTwoStep", "SymbolicTask",
    "applicable", "closed_form", "construction_from_json", "construction_json", "cross_entropy_one_step",
    "gd_predictions", "gd_weights", "input_law", "k_step", "k_step_description", "law_names", "layer_predictions",
    "make_layout", "mutant", "one_step", "one_step_description", "optimal_alpha", "optimal_eta", "optimal_loss",
    "parse_eta", "reference_two_step", "symbolic_context", "symbolic_task",
]
