"""gdssm: formally verified symbolic derivations of state-space models that run gradient descent in context.

One import package with six subpackages, layered (each imports only from those below it; docs/DESIGN.md §3):

* :mod:`gdssm.cli` -- the command line (``gdssm``, ``python -m gdssm``): the only place exceptions become exit codes;
* :mod:`gdssm.reports` -- the LaTeX/PDF report;
* :mod:`gdssm.proofs` -- the claims registry, the normal-form kernel, the exact and Z3 checks (no torch);
* :mod:`gdssm.numeric` -- torch + numpy: the layer as ``nn.Module``, the GD oracle, property checks, files, training;
* :mod:`gdssm.symbolic` -- SymPy only: the task, GD, the layer, the constructions, the step size (no torch);
* :mod:`gdssm.core` -- exceptions, validation, atomic writes; imports nothing else of the project.

``import gdssm`` itself imports nothing but this module.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
