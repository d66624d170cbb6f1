"""The check of a trained-model file (:mod:`numeric.formats.trained`): what it claims, re-computed from the file.

Three parts, each refuting with :class:`~gdssm.core.errors.Refuted` (exit 1):

1. the tensors are the ones training wrote: their :func:`~numeric.formats.trained.tensors_digest` is the
   recorded ``tensors_sha256``;
2. comparison (i) holds on the stored phi: the one-step core fed phi(x) equals autograd GD on the features
   (phi(x_i), y_i) at every prefix (:func:`numeric.features.compare`), on ``examples`` sine tasks of the file's law,
   max |core - GD| / max(1, max |GD|) <= the float64 tolerance of :data:`numeric.check.TOLERANCES`;
3. the model rebuilt from the file reproduces the evaluation loss it records, bit for bit
   (:func:`numeric.train_nonlinear.evaluation_loss` on the tasks of ``evaluation.seed``).
"""

from __future__ import annotations

import copy
from dataclasses import asdict, dataclass

import torch

from gdssm.core.errors import Refuted
from gdssm.numeric.check import TOLERANCES
from gdssm.numeric.features import compare
from gdssm.numeric.formats.trained import LoadedTrained
from gdssm.numeric.train_nonlinear import evaluation_loss, evaluation_tasks, sine_tasks
from gdssm.symbolic.features import FeatureMutant


@dataclass(frozen=True)
class TrainedCheck:
    """What the check measured: the core's error against GD on phi's features, and the two losses."""

    examples: int
    seed: int
    core_max_abs: float
    core_rel: float
    tolerance: float
    evaluation_loss: float
    recorded_loss: float

    def as_dict(self) -> dict[str, object]:
        """JSON-ready figures."""
        return asdict(self)


def check_trained(loaded: LoadedTrained, examples: int = 8, seed: int = 0,
                  mutant: FeatureMutant | None = None) -> TrainedCheck:
    """Parts 1-3 of the module docstring; ``mutant`` feeds a wrong construction to part 2 (it must refute)."""
    doc, source = loaded.metadata, loaded.source
    if not loaded.digest_matches:
        raise Refuted(f"{source}: the tensors are not the ones training wrote (their sha256 is not the recorded "
                      "tensors_sha256)", {"tensors_sha256": doc["tensors_sha256"]})
    N, law = doc["layer"]["dims"]["N"], doc["law"]
    phi = copy.deepcopy(loaded.model.phi).double()
    x, y, _ = sine_tasks(examples, N, law, torch.Generator().manual_seed(seed))
    with torch.no_grad():
        found = compare(phi, x, y, 1, mutant=mutant)
    tolerance = TOLERANCES[torch.float64]
    if not found.rel <= tolerance:
        raise Refuted(f"{source}: the one-step core on the stored phi is not GD on its features: relative error "
                      f"{found.rel:.3g} > {tolerance:.0e} on {examples} tasks (seed {seed})",
                      {"max_abs_error": found.max_abs, "max_rel_error": found.rel, "tolerance": tolerance})
    ev = doc["evaluation"]
    _, _, ex, ey, target = evaluation_tasks(law, N, ev["tasks"], ev["seed"])
    loss = evaluation_loss(loaded.model, ex, ey, target)
    if loss != ev["loss"]:
        raise Refuted(f"{source}: the model rebuilt from the file has evaluation loss {loss!r}, the file records "
                      f"{ev['loss']!r}", {"evaluation_loss": loss, "recorded_loss": ev["loss"]})
    return TrainedCheck(examples, seed, found.max_abs, found.rel, tolerance, loss, ev["loss"])
