"""The ``gdssm derive`` output: a stable JSON schema, and LaTeX / text renderings of the same data.

Schema ``gdssm.derive/1`` (``symbolic/derive_schema.json``; every number an exact string such as "1/10"):

    {"schema", "construction", "dims": {"f", "m", "N", "H"}, "steps", "eta", "alpha", "layout",
     "params": {name: [[entry, ...], ...]}, "roles": {name: role}, "readout": {...},
     "embeddings": {"E_x", "E_y"}, "gd": {...}, "claims": [...], "conventions": {...}}

``params`` of the GD-SSM constructions are the layer's parameters (``symbolic.layer.PARAMETER_NAMES``);
``readout`` holds the k-fold readout constants rho, beta, c. For ``reference-two-step`` the params are the
authors' arrays of each layer (``layer1.w_q``, ...) and ``readout`` says how the layers are combined.
"""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.symbolic.constructions import ETA, PARAMETER_ROLES, Construction
from gdssm.symbolic.gd import GDSpec
from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout
from gdssm.symbolic.layouts import Layout
from gdssm.symbolic.reference import ReferenceTwoStep

SCHEMA_ID = "gdssm.derive/1"

CONVENTIONS = {
    "alpha": "alpha = eta / N, N the number of context examples (the authors' code uses gd_lr / P)",
    "sign": "no negated readout: yhat_t = C S_t sum_j c_j r_j + F q_t (the authors predict -o with C = -alpha I)",
    "prefix": "output t predicts y_{t+1} from examples 1..t with the loss normalised by N",
    "tokens": "z_{2i-1} = E_x x_i (i = 1..N+1, the last is the query), z_{2i} = E_y y_i",
    "window": "U_t = [z_{2t-1}, z_{2t}, z_{2t+1}] as columns (size 3, stride 2)",
    "state": "S_t = Lambda (.) S_{t-1} + sum_ab Q_ab (V_a u_{t,a}) u_{t,b}^T, read untransposed",
    "readout": "r_0 = U_t d, r_{j+1} = rho_j r_j - beta_j R S_t r_j",
}

REFERENCE_CONVENTIONS = {
    "alpha": "alpha = eta / N here; the authors' code sets alpha = gd_lr / P (equal when N = P)",
    "sign": "prediction is the negated output -o (C = -alpha I)",
    "window": "rows u_{k,1..3} = (x_k, y~_k, x_{k+1}); M_k = U_k^T w_q U_k",
    "state": "Z_k = C S_k^T: the state is read transposed",
    "combination": "W_k = Z1_k + Z1_N Z2_k + Z3_k, o_k = W_k v3_k, then the residual adds the input tokens",
    "prediction": "-(o_N + x_q), last slot for the scalar task; only the final query is causal",
}


def exact(value: Any) -> str:
    """An exact string for a SymPy number or expression ("1/10", "eta/10")."""
    return str(sp.nsimplify(value) if isinstance(value, float) else sp.S(value))


def matrix_rows(a: sp.Matrix) -> list[list[str]]:
    """A matrix as a list of rows of exact strings."""
    return [[exact(v) for v in row] for row in a.tolist()]


def construction_json(c: Construction) -> dict[str, Any]:
    """The derive document of a GD-SSM construction (schema ``gdssm.derive/1``)."""
    p, gd, lay = c.params, c.gd, c.layout
    return {
        "schema": SCHEMA_ID,
        "construction": c.name,
        "dims": {"f": lay.f, "m": lay.m, "N": c.N, "H": lay.H},
        "steps": c.steps,
        "eta": exact(gd.etas[0]) if gd.etas else None,
        "alpha": exact(gd.alphas[0]) if gd.etas else None,
        "layout": lay.name,
        "params": {name: matrix_rows(mat) for name, mat in p.matrices().items()},
        "roles": dict(PARAMETER_ROLES),
        "readout": {
            "k": p.readout.steps,
            "rho": [exact(v) for v in p.readout.rho],
            "beta": [exact(v) for v in p.readout.beta],
            "c": [exact(v) for v in p.readout.c],
            "equations": "r_0 = U_t d; r_{j+1} = rho_j r_j - beta_j R S_t r_j; yhat_t = C S_t sum_j c_j r_j + F U_t d",
        },
        "embeddings": {"E_x": matrix_rows(lay.E_x), "E_y": matrix_rows(lay.E_y)},
        "gd": {
            "etas": [exact(e) for e in gd.etas],
            "normaliser": exact(gd.normaliser),
            "lambda": exact(gd.lam),
            "gamma": exact(gd.gamma),
            "W0": matrix_rows(gd.W0) if gd.W0 is not None else None,
        },
        "claims": list(c.claims),
        "conventions": dict(CONVENTIONS),
    }


def reference_json(c: ReferenceTwoStep) -> dict[str, Any]:
    """The derive document of the authors' two-step construction (their names, per layer)."""
    params = {
        f"layer{i}.{name}": matrix_rows(mat)
        for i, layer in enumerate(c.layers, start=1)
        for name, mat in layer.arrays().items()
    }
    computes = "W_2 x_q - x_q" if c.variant == "A" else "W_2 x_q + (2 alpha G' - alpha^2 G' G - I) x_q"
    return {
        "schema": SCHEMA_ID,
        "construction": "reference-two-step",
        "variant": c.variant,
        "dims": {"f": c.layout.f, "m": c.layout.m, "N": c.N, "H": c.layout.H},
        "steps": 2,
        "eta": exact(c.eta),
        "alpha": exact(c.alpha),
        "layout": "reference",
        "params": params,
        "roles": {"w_q": "3x3 window mixing (rows)", "Lambda_bar": "HxH decay", "C": "HxH readout of S^T",
                  "D": "3-vector output gating"},
        "readout": {"combination": REFERENCE_CONVENTIONS["combination"],
                    "prediction": REFERENCE_CONVENTIONS["prediction"], "computes": computes,
                    "G'": "sum_{i<=N} x_{i+1} x_{i+1}^T"},
        "embeddings": {"E_x": matrix_rows(c.layout.E_x), "E_y": matrix_rows(c.layout.E_y)},
        "gd": {"etas": [exact(c.eta)] * 2, "normaliser": exact(c.N), "lambda": "1", "gamma": "0", "W0": None},
        "claims": ["ref.two_step"],
        "conventions": dict(REFERENCE_CONVENTIONS),
    }


def schema() -> dict[str, Any]:
    """The JSON Schema of the derive document."""
    text = resources.files("gdssm.symbolic").joinpath("derive_schema.json").read_text(encoding="utf-8")
    return dict(json.loads(text))


def to_json_text(doc: dict[str, Any]) -> str:
    """Deterministic JSON text (sorted keys, two-space indent, trailing newline)."""
    return json.dumps(doc, indent=2, sort_keys=True) + "\n"


def to_latex(doc: dict[str, Any]) -> str:
    """Each parameter as a LaTeX equation ``name = pmatrix``."""
    lines = [f"% {doc['construction']}: f={doc['dims']['f']}, m={doc['dims']['m']}, N={doc['dims']['N']}, "
             f"H={doc['dims']['H']}, k={doc['steps']}, eta={doc['eta']}"]
    for name, rows in doc["params"].items():
        body = sp.latex(sp.Matrix([[sp.sympify(v) for v in row] for row in rows]), mat_delim="", mat_str="pmatrix")
        lines.append(f"{_latex_name(name)} = {body}")
    for key, tex in (("rho", r"\rho"), ("beta", r"\beta"), ("c", "c")):
        values = doc["readout"].get(key)
        if values:
            lines.append(f"{tex} = ({', '.join(sp.latex(sp.sympify(v)) for v in values)})")
    return "\n".join(lines) + "\n"


def _latex_name(name: str) -> str:
    layer, _, base = name.rpartition(".")
    base_tex = {"Lambda": r"\Lambda", "Lambda_bar": r"\bar\Lambda", "w_q": r"w_q"}.get(base, base)
    return f"{base_tex}^{{({layer[5:]})}}" if layer else base_tex


def to_text(doc: dict[str, Any]) -> str:
    """A plain-text rendering: header, then each parameter pretty-printed."""
    out = [f"construction {doc['construction']}  layout {doc['layout']}  dims {doc['dims']}  k={doc['steps']}  "
           f"eta={doc['eta']}  alpha={doc['alpha']}"]
    for name, rows in doc["params"].items():
        pretty = sp.pretty(sp.Matrix([[sp.sympify(v) for v in row] for row in rows]), use_unicode=False)
        out.append(f"{name} =\n{pretty}")
    for key, value in doc["readout"].items():
        out.append(f"readout.{key}: {value}")
    return "\n".join(out) + "\n"


def _sym(text: str) -> sp.Expr:
    """An exact SymPy value from a document string; ``eta`` is the construction's step-size symbol."""
    return sp.sympify(text, rational=True, locals={"eta": ETA})


def _number_or_expression(text: str) -> sp.Expr:
    """``"3"``, ``"-1/2"`` as exact rationals (fast path), anything else (``"eta/5"``) through :func:`_sym`."""
    try:
        return sp.Rational(text)
    except (TypeError, ValueError):
        return _sym(text)


def _parse_matrix(rows: list[list[str]], name: str) -> sp.Matrix:
    try:
        return sp.Matrix([[_number_or_expression(v) for v in row] for row in rows])
    except (TypeError, ValueError, SyntaxError, sp.SympifyError):
        raise BadInput(f"parameter {name}: entries must be exact numbers or expressions in eta") from None


def construction_from_json(doc: dict[str, Any]) -> Construction:
    """A construction from a derive document (possibly edited by a user); validated against the schema."""
    import jsonschema

    try:
        jsonschema.validate(doc, schema())
    except jsonschema.ValidationError as err:
        where = "/".join(str(p) for p in err.absolute_path) or "document"
        raise BadInput(f"construction file does not match schema {SCHEMA_ID} at {where}: {err.message}") from None
    if doc["construction"] == "reference-two-step":
        raise BadInput("a reference-two-step document describes the authors' stack, not a GD-SSM layer")
    params = {name: _parse_matrix(doc["params"].get(name, []), name) for name in PARAMETER_NAMES}
    missing = [name for name in PARAMETER_NAMES if name not in doc["params"]]
    if missing:
        raise BadInput(f"construction file lacks parameter(s) {', '.join(missing)}")
    ro = doc["readout"]
    try:
        readout = Readout(**{key: tuple(_sym(v) for v in ro.get(key, []))
                             for key in ("rho", "beta", "c")})
        layer = LayerParams(**params, readout=readout)
    except ValueError as err:
        raise BadInput(f"construction file: {err}") from None
    dims, gd = doc["dims"], doc["gd"]
    E_x, E_y = _parse_matrix(doc["embeddings"]["E_x"], "E_x"), _parse_matrix(doc["embeddings"]["E_y"], "E_y")
    if E_x.shape != (dims["H"], dims["f"]) or E_y.shape != (dims["H"], dims["m"]) or layer.H != dims["H"]:
        raise BadInput(f"construction file: embeddings or parameters do not match dims {dims}")
    layout = Layout(name=doc["layout"], f=dims["f"], m=dims["m"], E_x=E_x, E_y=E_y)
    spec = GDSpec(etas=tuple(_sym(e) for e in gd["etas"]),
                  normaliser=sp.Rational(gd["normaliser"]), gamma=sp.Rational(gd["gamma"]),
                  lam=sp.Rational(gd["lambda"]),
                  W0=_parse_matrix(gd["W0"], "W0") if gd["W0"] is not None else None)
    return Construction(doc["construction"], layout, dims["N"], layer, spec, tuple(doc["claims"]))
