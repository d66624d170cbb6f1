"""One-step weights in the authors' conventions (paper-facts §4, §5.1), through the proved map ``ref.param_map``.

The authors' layer, on tokens z = (x_1, y~_1, ..., x_N, y~_N, x_q) in R^H with H = f, where y~_i = y_i for the
vector task (m = f) and y~_i = y_i e_H for the scalar task (m = 1), reads windows with *rows*
U_k = (x_k, y~_k, x_{k+1}) (3 x H), k = 1..N, and computes

    M_k = U_k^T w_q U_k,    S_k = Lambda_bar (.) S_{k-1} + M_k,  S_0 = 0,    o_k = C S_k^T U_k^T D,

predicting the *negated* output: yhat_k = -o_k (vector task) or -(o_k)_H (scalar task). The arrays, by their
names in the authors' code:

    w_q        (3, 3)  = Q^T            (e_1 e_2^T: only w_q[0, 1] = 1)
    Lambda_bar (H, H)  = Lambda^T       (lambda in every entry; 1 = perfect integrator)
    C          (H, H)  = -alpha I       (alpha = eta / N; the authors write gd_lr / P with P = H)
    D          (3,)    = d              (e_3: the readout query is x_{k+1})

Claim ``ref.param_map`` proves -o_k = yhat_k of our layer with Q = w_q^T, Lambda = Lambda_bar^T, d = D and
C_ours = -E_y^T C (:func:`symbolic.reference.to_reference` / :func:`~symbolic.reference.from_reference`).
Both directions here go through those SymPy maps: export lowers ``to_reference`` of the construction, import
reads every float entry as the exact rational it stores and applies ``from_reference``, so no constant of the
map is written twice and no rounding enters.

A reference file is held in a ``.npz`` or a ``.safetensors`` container (:mod:`numeric.formats.containers`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sympy as sp
import torch
from torch import Tensor

from gdssm.numeric.lowering import to_tensor
from gdssm.symbolic.constructions import Construction
from gdssm.symbolic.layer import LayerParams
from gdssm.symbolic.layouts import Layout
from gdssm.symbolic.reference import REFERENCE_NAMES, ReferenceLayer, from_reference, to_reference
from gdssm.symbolic.serialize import CONVENTIONS, REFERENCE_CONVENTIONS, exact

ARRAY_ROLES = {
    "w_q": "(3, 3) window mixing, M_k = U_k^T w_q U_k over rows U_k = (x_k, y~_k, x_{k+1}); w_q = Q^T = e_1 e_2^T",
    "Lambda_bar": "(H, H) elementwise decay, S_k = Lambda_bar (.) S_{k-1} + M_k; Lambda_bar = Lambda^T",
    "C": "(H, H) readout of the transposed state, o_k = C S_k^T U_k^T D; C = -alpha I",
    "D": "(3,) window weights of the readout query v_k = U_k^T D; D = d = e_3",
}

REFERENCE_EXPORT_CONVENTIONS = {
    "alpha": REFERENCE_CONVENTIONS["alpha"],
    "sign": REFERENCE_CONVENTIONS["sign"],
    "prefix": CONVENTIONS["prefix"],
    "tokens": "z = (x_1, y~_1, ..., x_N, y~_N, x_q) in R^H, H = f: y~ = y (vector task, m = f) "
              "or y e_H (scalar task, m = 1); the query token has no y slot",
    "window": REFERENCE_CONVENTIONS["window"],
    "state": REFERENCE_CONVENTIONS["state"],
    "prediction": "yhat_k = -o_k (vector task) or -(o_k)_H (scalar task), o_k = C S_k^T U_k^T D",
    "map": "w_q = Q^T, Lambda_bar = Lambda^T, C = -alpha I, D = d (claim ref.param_map)",
}


def reference_tensors(construction: Construction, dtype: torch.dtype) -> dict[str, Tensor]:
    """The authors' arrays (module docstring) of a one-step construction in layout ``reference``."""
    arrays = to_reference(construction).arrays()  # w_q = Q^T, Lambda_bar = Lambda^T, C = -alpha I, D = d
    out = {name: to_tensor(arrays[name], name, dtype) for name in REFERENCE_NAMES}  # exact entries -> floats
    out["D"] = out["D"].reshape(3)  # the column D (3 x 1) as the authors' vector (3,)
    return out


def reference_metadata(construction: Construction) -> dict[str, Any]:
    """What a reference file adds to the metadata: the task, the authors' gd_lr = alpha P (P = H), the arrays."""
    alpha = construction.gd.alphas[0]  # alpha = eta / N
    return {"task": construction.layout.task, "gd_lr": exact(alpha * construction.layout.H),  # gd_lr = alpha P
            "arrays": dict(ARRAY_ROLES)}


def exact_matrix(values: Tensor) -> sp.Matrix:
    """A finite float tensor (2-D, or 1-D read as a column) as the SymPy matrix of the exact rationals it stores."""
    rows = values.reshape(values.shape[0], -1) if values.dim() == 2 else values.reshape(-1, 1)  # v (n,) -> (n, 1)
    return sp.Matrix([[sp.Rational(*float(v).as_integer_ratio()) for v in row]  # p/q = v exactly
                      for row in rows.tolist()])


def params_from_reference(arrays: Mapping[str, Tensor], layout: Layout) -> LayerParams:
    """Our layer parameters from the authors' arrays, exactly: ``from_reference`` of ``ref.param_map``."""
    ref = ReferenceLayer(**{name: exact_matrix(arrays[name]) for name in REFERENCE_NAMES})  # floats -> exact
    return from_reference(ref, layout)  # Q = w_q^T, Lambda = Lambda_bar^T, d = D, C_ours = -E_y^T C
