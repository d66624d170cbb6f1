"""Weights files of analytic GD-SSM layers, with provenance metadata (schema ``gdssm.weights/1``), and their import.

Formats (``format``) and the containers that hold them (chosen by the file's suffix):

* ``safetensors`` (``.safetensors``) and ``pt`` (``.pt``, ``.pth``): one tensor per entry of
  :meth:`GDSSMLayer.state_dict`; a ``pt`` file loads with ``layer.load_state_dict(torch.load(path), strict=True)``
  into the layer built from its metadata;
* ``reference`` (``.npz`` or ``.safetensors``): the one-step construction in the authors' names and conventions.

What a file promises: its tensors are the lowering of the construction its metadata re-derives, so by the
claims it lists the layer predicts yhat_t = W_k^{(t)} x_{t+1} at every prefix t = 1..N, where W_k^{(t)} is k
steps of GD with alpha_j = eta_j / N on the (discounted, decayed) loss of examples 1..t.

One module per job:

* :mod:`~numeric.formats.provenance` -- the metadata keys; writing, parsing and checking the document, the
  re-derivation of its construction, :func:`describe`;
* :mod:`~numeric.formats.containers` -- safetensors, pt and npz bytes <-> (tensors, metadata text), suffixes;
* :mod:`~numeric.formats.reference` -- the authors' arrays ``w_q``, ``Lambda_bar``, ``C``, ``D`` (``ref.param_map``);
* :mod:`~numeric.formats.tensors` -- the tensors a file of each format holds, and the check of a file's tensors;
* :mod:`~numeric.formats.differences` -- max |file - derivation| per tensor;
* :mod:`~numeric.formats.write` -- :func:`encode`, :func:`write_weights` (deterministic, atomic);
* :mod:`~numeric.formats.load` -- :func:`decode`, :func:`read_weights`, :func:`load_layer`, :class:`LoadedWeights`,
  :func:`as_construction`;
* :mod:`~numeric.formats.trained` -- files of *trained* feature GD-SSMs (phi and the layer, schema
  ``gdssm.trained/1``, ``gdssm train --preset nonlinear``): not constructions, so not re-derived; imported from
  there (it builds on :mod:`numeric.train_nonlinear`), not re-exported here.

The property check of a loaded file against GD is :func:`numeric.check.check_loaded`.
"""

from gdssm.numeric.formats.containers import CONTAINERS, SUFFIXES, container_of
from gdssm.numeric.formats.differences import tensor_differences
from gdssm.numeric.formats.load import LoadedWeights, as_construction, decode, load_layer, read_weights
from gdssm.numeric.formats.provenance import (
    DTYPES,
    EXPORTABLE,
    FORMATS,
    SCHEMA,
    certificate_hash,
    derive,
    describe,
    justifying_claims,
    metadata,
    parse_metadata,
)
from gdssm.numeric.formats.tensors import check_tensors, file_tensors
from gdssm.numeric.formats.write import Encoded, encode, write_weights

__all__ = [
    "CONTAINERS", "DTYPES", "EXPORTABLE", "FORMATS", "SCHEMA", "SUFFIXES", "Encoded", "LoadedWeights",
    "as_construction", "certificate_hash", "check_tensors", "container_of", "decode", "derive", "describe", "encode",
    "file_tensors", "justifying_claims", "load_layer", "metadata", "parse_metadata", "read_weights",
    "tensor_differences", "write_weights",
]
