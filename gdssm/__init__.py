"""gdssm: formally verified symbolic derivations of state-space models that run gradient descent in context.

The distribution holds five packages:

* :mod:`symbolic` -- SymPy only: the task, GD, the GD-SSM layer as a function, the derivations;
* :mod:`numeric`  -- torch + numpy: the layer as ``nn.Module``, the GD oracle, property checks, export;
* :mod:`proofs`   -- claims, proof steps, the checking kernels, certificates (imports ``symbolic`` only);
* :mod:`reports`  -- Jinja2 LaTeX report;
* :mod:`gdssm`    -- this package: version, error conventions, atomic output, and the command line on top.

``gdssm.core.errors`` and ``gdssm.core.atomic`` import nothing of the project, so every package may use them.
"""

__version__ = "0.1.0"
