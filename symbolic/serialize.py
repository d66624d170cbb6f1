"""The ``gdssm derive`` output: a stable JSON schema, LaTeX / text renderings, and the strict reader.

Schema ``gdssm.derive/2`` (``symbolic/derive_schema.json``; every number an exact string such as "1/10"):

    {"schema", "construction", "dims": {"f", "m", "N", "H"}, "steps", "eta", "alpha", "etas", "lambda",
     "gamma", "W0", "layout",                                           <- the header
     "params": {name: [[entry, ...], ...]}, "readout": {...}, "embeddings": {"E_x", "E_y"},   <- the body
     "gd": {...}, "claims": [...], "roles": {name: role}, "conventions": {...}}            <- derived

``params`` of the GD-SSM constructions are the layer's parameters (``symbolic.layer.PARAMETER_NAMES``);
``readout`` holds the k-fold readout constants rho, beta, c. For ``reference-two-step`` the params are the
authors' arrays of each layer (``layer1.w_q``, ...) and ``readout`` says how the layers are combined.

Reading a file back (:func:`read_construction`) trusts nothing it says about itself (DESIGN §2, "Files are
data"): every entry is parsed by the strict grammar of :mod:`symbolic.exact_text` (never evaluated); the
construction and the GD it is checked against are *derived by the toolkit from the header* (construction,
dims, steps k, eta or alpha, the per-step list etas, lambda, gamma, W0, layout) through
:mod:`symbolic.constructions`; the derived blocks a file may carry (``gd``, ``claims``, ``alpha``,
``dims.H``, ``embeddings``, ``readout.k``) must equal the derivation, and the body (``params``, readout
constants) must have the shapes the header implies. A malformed file is a :class:`BadInput` (exit 2); a file
whose blocks disagree with its header is :class:`Refuted` naming the field (exit 1).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from importlib import resources
from typing import Any

import sympy as sp

from gdssm.core.errors import BadInput, Refuted
from gdssm.symbolic.constructions import ETA, PARAMETER_ROLES, Construction, k_step, one_step
from gdssm.symbolic.exact_text import as_expr, parse_exact, parse_number
from gdssm.symbolic.layer import PARAMETER_NAMES, LayerParams, Readout
from gdssm.symbolic.reference import ReferenceTwoStep

SCHEMA_ID = "gdssm.derive/2"
READOUT_EQUATIONS = "r_0 = U_t d; r_{j+1} = rho_j r_j - beta_j R S_t r_j; yhat_t = C S_t sum_j c_j r_j + F U_t d"

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

SYMBOLS = {"eta": ETA}
"""The scalar symbols a derive document may mention (a symbolic step size)."""
HEADER_KEYS = ("schema", "construction", "dims", "steps", "eta", "alpha", "etas", "lambda", "gamma", "W0", "layout")
BODY_KEYS = ("params", "readout", "embeddings")
DERIVED_KEYS = ("gd", "claims", "roles", "conventions")
REQUIRED_KEYS = ("schema", "construction", "dims", "steps", "layout", "params", "readout")
GD_KEYS = ("etas", "normaliser", "lambda", "gamma", "W0")
CLAIM_ID = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)+")


def exact(value: Any) -> str:
    """An exact string for a SymPy number or expression ("1/10", "eta/10")."""
    return str(sp.nsimplify(value) if isinstance(value, float) else as_expr(value))


def matrix_rows(a: sp.Matrix) -> list[list[str]]:
    """A matrix as a list of rows of exact strings."""
    return [[exact(v) for v in row] for row in a.tolist()]


def construction_json(c: Construction) -> dict[str, Any]:
    """The derive document of a GD-SSM construction (schema ``gdssm.derive/2``)."""
    p, gd, lay = c.params, c.gd, c.layout
    per_step = "ssm.per_step_eta" in c.claims
    return {
        "schema": SCHEMA_ID,
        "construction": c.name,
        "dims": {"f": lay.f, "m": lay.m, "N": c.N, "H": lay.H},
        "steps": c.steps,
        "eta": exact(gd.etas[0]) if gd.etas else None,
        "alpha": exact(gd.alphas[0]) if gd.etas else None,
        "etas": [exact(e) for e in gd.etas] if per_step else None,
        "lambda": exact(gd.lam),
        "gamma": exact(gd.gamma),
        "W0": matrix_rows(gd.W0) if gd.W0 is not None else None,
        "layout": lay.name,
        "params": {name: matrix_rows(mat) for name, mat in p.matrices().items()},
        "roles": dict(PARAMETER_ROLES),
        "readout": {
            "k": p.readout.steps,
            "rho": [exact(v) for v in p.readout.rho],
            "beta": [exact(v) for v in p.readout.beta],
            "c": [exact(v) for v in p.readout.c],
            "equations": READOUT_EQUATIONS,
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
        "etas": None,
        "lambda": "1",
        "gamma": "0",
        "W0": None,
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


def _entry(text: str) -> sp.Expr:
    """An entry of a document the toolkit wrote (the same strict grammar as a user's file)."""
    return parse_exact(text, "entry", SYMBOLS, limits=False)


def _latex_matrix(rows: Sequence[Sequence[str]]) -> str:
    """A matrix as ``\\left(\\begin{array}{c...}...\\end{array}\\right)`` (no column limit, unlike pmatrix)."""
    body = r" \\ ".join(" & ".join(sp.latex(_entry(v)) for v in row) for row in rows)
    return rf"\left(\begin{{array}}{{{'c' * len(rows[0])}}} {body} \end{{array}}\right)"


def to_latex(doc: dict[str, Any]) -> str:
    """Each parameter as a display ``\\[ name = (matrix) \\]``: math mode, for ``\\input`` into an amsmath
    document (a leading comment names the construction)."""
    lines = [f"% gdssm derive: {doc['construction']}, f={doc['dims']['f']}, m={doc['dims']['m']}, "
             f"N={doc['dims']['N']}, H={doc['dims']['H']}, k={doc['steps']}, eta={doc['eta']}"]
    for name, rows in doc["params"].items():
        lines.append(rf"\[ {_latex_name(name)} = {_latex_matrix(rows)} \]")
    for key, tex in (("rho", r"\rho"), ("beta", r"\beta"), ("c", "c")):
        values = doc["readout"].get(key)
        if values:
            lines.append(rf"\[ {tex} = \left({', '.join(sp.latex(_entry(v)) for v in values)}\right) \]")
    return "\n".join(lines) + "\n"


def _latex_name(name: str) -> str:
    layer, _, base = name.rpartition(".")
    base_tex = {"Lambda": r"\Lambda", "Lambda_bar": r"\bar\Lambda", "w_q": r"w_q", "V1": "V_1", "V2": "V_2",
                "V3": "V_3"}.get(base, base)
    return f"{base_tex}^{{({layer[5:]})}}" if layer else base_tex


def to_text(doc: dict[str, Any]) -> str:
    """A plain-text rendering: header, then each parameter pretty-printed."""
    out = [f"construction {doc['construction']}  layout {doc['layout']}  dims {doc['dims']}  k={doc['steps']}  "
           f"eta={doc['eta']}  alpha={doc['alpha']}"]
    for name, rows in doc["params"].items():
        pretty = sp.pretty(sp.Matrix([[_entry(v) for v in row] for row in rows]), use_unicode=False)
        out.append(f"{name} =\n{pretty}")
    for key, value in doc["readout"].items():
        out.append(f"readout.{key}: {value}")
    return "\n".join(out) + "\n"


# --- reading a construction file -----------------------------------------------------------------------------


@dataclass(frozen=True)
class FileConstruction:
    """A construction file read strictly.

    ``checked``: the file's layer (its params and readout constants) claiming the GD ``derived`` implements;
    ``derived``: the toolkit's construction from the file's header; ``differing``: the parameters of the file
    that are not the derivation's (the layer may still compute the same GD: that is what a check decides).
    """

    checked: Construction
    derived: Construction
    differing: tuple[str, ...]

    @property
    def symbolic(self) -> bool:
        """Whether the step size is the symbol eta (the file holds the construction for every eta)."""
        return any(as_expr(e).free_symbols for e in self.derived.gd.etas)

    def gd_summary(self) -> str:
        """The GD the file is checked against, every constant named (one line)."""
        return describe_gd(self.derived)

    def at_eta(self, value: Any) -> Construction:
        """The file's layer and its GD with the symbol eta replaced by ``value`` (a numeric instance)."""
        c = self.checked

        def sub(e: Any) -> Any:
            return as_expr(e).subs(ETA, value)

        ro = c.params.readout
        params = LayerParams(**{p: getattr(c.params, p).subs(ETA, value) for p in PARAMETER_NAMES},
                             readout=Readout(rho=tuple(sub(v) for v in ro.rho), beta=tuple(sub(v) for v in ro.beta),
                                             c=tuple(sub(v) for v in ro.c)))
        gd = replace(c.gd, etas=tuple(sub(e) for e in c.gd.etas))
        return Construction(c.name, c.layout, c.N, params, gd, c.claims)


def describe_gd(c: Construction) -> str:
    """``k-step GD, k = 2, eta = 1/5, alpha = eta/N = 1/20 (normaliser N = 4), lambda = 1, gamma = 0, W_0 = 0``."""
    gd = c.gd
    if not gd.etas:
        steps = "no step (k = 0)"
    elif gd.etas[0] == ETA and len(set(gd.etas)) == 1:
        steps = f"eta symbolic (every eta > 0), alpha = eta/N = {exact(gd.alphas[0])}"
    elif len(set(gd.etas)) == 1:
        steps = f"eta = {exact(gd.etas[0])}, alpha = eta/N = {exact(gd.alphas[0])}"
    else:
        steps = (f"per-step eta = ({', '.join(exact(e) for e in gd.etas)}), alpha_j = eta_j/N = "
                 f"({', '.join(exact(a) for a in gd.alphas)})")
    w0 = "0" if gd.W0 is None else "[" + "; ".join(" ".join(exact(v) for v in row) for row in gd.W0.tolist()) + "]"
    return (f"{c.name} GD with k = {c.steps}, {steps}, normaliser N = {exact(gd.normaliser)}, "
            f"lambda = {exact(gd.lam)}, gamma = {exact(gd.gamma)}, W_0 = {w0}, layout {c.layout.name} "
            f"(f={c.f}, m={c.m}, H={c.H})")


def _kind(value: Any) -> str:
    return {dict: "an object", list: "an array", str: "a string", bool: "a boolean", type(None): "null",
            int: "an integer", float: "a number"}.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 40) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return repr(text if len(text) <= limit else text[:limit] + "...")


class _Reader:
    """One strict reading of a document; ``source`` prefixes every message."""

    def __init__(self, doc: Any, source: str) -> None:
        if not isinstance(doc, dict):
            raise BadInput(f"{source} must hold a JSON object, not {_kind(doc)}")
        self.doc, self.source = doc, source

    def bad(self, message: str) -> BadInput:
        return BadInput(f"{self.source}: {message}")

    def refuted(self, field: str, message: str, **details: Any) -> Refuted:
        return Refuted(f"{self.source}: {field}: {message}", {"field": field, **details})

    def typed(self, value: Any, field: str, kinds: tuple[type, ...]) -> Any:
        if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
            names = " or ".join({dict: "an object", list: "an array", str: "a string", int: "an integer",
                                 bool: "a boolean", type(None): "null"}[k] for k in kinds)
            raise self.bad(f"{field} must be {names}, got {_kind(value)}")
        return value

    def keys(self, block: Mapping[str, Any], field: str, allowed: Sequence[str], required: Sequence[str]) -> None:
        unknown = sorted(set(block) - set(allowed))
        if unknown:
            raise self.bad(f"unknown key {_short(unknown[0])} in {field} (known: {', '.join(allowed)})")
        missing = [key for key in required if key not in block]
        if missing:
            raise self.bad(f"{field} lacks key(s) {', '.join(missing)}")

    def integer(self, value: Any, field: str, least: int) -> int:
        self.typed(value, field, (int,))
        if value < least:
            raise self.bad(f"{field} must be an integer >= {least}, got {value}")
        return int(value)

    def rows(self, value: Any, field: str) -> list[list[Any]]:
        """A matrix as a non-empty rectangular list of rows (entries not yet parsed)."""
        self.typed(value, field, (list,))
        if not value or not all(isinstance(row, list) and row for row in value):
            raise self.bad(f"{field} must be a non-empty list of non-empty rows")
        if len({len(row) for row in value}) != 1:
            raise self.bad(f"{field} has rows of different lengths")
        return value

    def matrix(self, value: Any, field: str, shape: tuple[int, int], symbols: Mapping[str, sp.Symbol],
               label: str | None = None) -> sp.Matrix:
        """A matrix of exact entries with the shape the header implies (another shape is Refuted)."""
        rows = self.rows(value, field)
        got = (len(rows), len(rows[0]))
        if got != shape:
            raise self.refuted(field, f"is {got[0]} x {got[1]}, but the header's dims make it "
                                      f"{shape[0]} x {shape[1]}", shape=list(got), expected=list(shape))
        name = label or field
        return sp.Matrix([[parse_exact(v, f"{name}, row {i + 1}, column {j + 1}", symbols)
                           for j, v in enumerate(row)] for i, row in enumerate(rows)])

    def vector(self, value: Any, field: str, length: int, symbols: Mapping[str, sp.Symbol], why: str) -> list[Any]:
        self.typed(value, field, (list,))
        if len(value) != length:
            raise self.refuted(field, f"has {len(value)} entries, but {why} needs {length}",
                               entries=len(value), expected=length)
        return [parse_exact(v, f"{field}[{i}]", symbols) for i, v in enumerate(value)]

    def same_text(self, value: Any, field: str, expected: Mapping[str, str] | str) -> None:
        """A descriptive block must be the toolkit's own text (a file's prose is not its own)."""
        if value != expected:
            raise self.bad(f"{field} is not the text gdssm writes; a construction file's {field} are the toolkit's, "
                           "not the file's (regenerate it with gdssm derive, or drop the key)")


def read_dims(doc: Any, source: str = "construction file") -> dict[str, int]:
    """f, m, N (and H when given) of a document's header, type-checked; nothing else is read (for a cost
    estimate before the entries are parsed)."""
    r = _Reader(doc, source)
    if "dims" not in doc:
        raise r.bad("lacks key(s) dims")
    dims = r.typed(doc["dims"], "dims", (dict,))
    r.keys(dims, "dims", ("f", "m", "N", "H"), ("f", "m", "N"))
    out = {key: r.integer(dims[key], f"dims.{key}", 1) for key in ("f", "m", "N")}
    if "H" in dims:
        out["H"] = r.integer(dims["H"], "dims.H", 1)
    return out


def read_construction(doc: Any, source: str = "construction file") -> FileConstruction:
    """A construction file read strictly (module docstring): the file's layer and the toolkit's derivation."""
    try:
        return _read_construction(doc, source)
    except BadInput as err:  # every message names the file
        if str(err).startswith(source):
            raise
        raise BadInput(f"{source}: {err}") from None


def _read_construction(doc: Any, source: str) -> FileConstruction:
    r = _Reader(doc, source)
    d: dict[str, Any] = r.doc
    if d.get("schema") != SCHEMA_ID:
        shown = _short(d["schema"]) if "schema" in d else "none"
        raise r.bad(f"schema {shown} is not {SCHEMA_ID!r} (regenerate the file with gdssm derive)")
    name = d.get("construction")
    if name == "reference-two-step":
        raise r.bad("a reference-two-step document describes the authors' stack, not a GD-SSM layer")
    if name not in ("one-step", "k-step"):
        raise r.bad(f"construction {_short(name)} is not one of one-step, k-step")
    r.keys(d, "the document", (*HEADER_KEYS, *BODY_KEYS, *DERIVED_KEYS), REQUIRED_KEYS)
    dims = read_dims(d, source)
    f, m, N = dims["f"], dims["m"], dims["N"]
    k = r.integer(d["steps"], "steps", 0)
    layout = r.typed(d["layout"], "layout", (str,))
    if layout not in ("split", "reference"):
        raise r.bad(f"layout {_short(layout)} is not one of split, reference")

    # header: the step sizes (eta or alpha, or the per-step list), lambda, gamma, W0
    eta, etas = _step_sizes(r, d, N, k, name)
    symbols = SYMBOLS if (eta is not None and eta.free_symbols) or any(e.free_symbols for e in etas or []) else {}
    lam = parse_number(r.typed(d.get("lambda", "1"), "lambda", (str,)), "lambda")
    gamma = parse_number(r.typed(d.get("gamma", "0"), "gamma", (str,)), "gamma")
    W0 = None
    if d.get("W0") is not None:
        rows = r.rows(d["W0"], "W0")
        if (len(rows), len(rows[0])) != (m, f):
            raise r.bad(f"W0 is {len(rows)} x {len(rows[0])}, but W_0 is m x f = {m} x {f}")
        W0 = sp.Matrix([[parse_number(v, f"W0, row {i + 1}, column {j + 1}") for j, v in enumerate(row)]
                        for i, row in enumerate(rows)])
    try:
        if name == "one-step":
            if k != 1:
                raise BadInput(f"the one-step construction has k = 1, but steps is {k}")
            if gamma != 0:
                raise BadInput(f"the one-step construction has no weight decay, but gamma is {gamma}")
            if etas is not None:
                raise BadInput("the one-step construction has one eta, not a per-step list etas")
            derived = one_step(f, m, N, eta, layout=layout, lam=lam, W0=W0)
        else:
            derived = k_step(f, m, N, k, eta if eta is not None else ETA, layout=layout, lam=lam, gamma=gamma,
                             etas=etas, W0=W0)
    except BadInput as err:
        raise r.bad(f"the header does not describe a construction: {err}") from None

    # derived blocks: equal to the derivation, or refused naming the field
    lay = derived.layout
    if "H" in dims and dims["H"] != lay.H:
        raise r.refuted("dims.H", f"is {dims['H']}, but layout {layout} at f={f}, m={m} has H = {lay.H}")
    if d.get("alpha") is not None and derived.gd.etas:
        alpha = parse_exact(r.typed(d["alpha"], "alpha", (str,)), "alpha", symbols)
        if sp.expand(alpha - derived.gd.alphas[0]) != 0:
            raise r.refuted("alpha", f"is {alpha}, but the header's eta = {exact(derived.gd.etas[0])} and N = {N} "
                                     f"give alpha = eta/N = {exact(derived.gd.alphas[0])}")
    if "gd" in d:
        _check_gd(r, d["gd"], derived, symbols)
    if "claims" in d:
        claims = r.typed(d["claims"], "claims", (list,))
        for i, cid in enumerate(claims):
            if not isinstance(cid, str) or not CLAIM_ID.fullmatch(cid) or len(cid) > 64:
                raise r.bad(f"claims[{i}] {_short(cid)} is not a claim id (like ssm.one_step)")
        if sorted(claims) != sorted(derived.claims):
            raise r.refuted("claims", f"are {', '.join(claims) or 'none'}, but the header's construction rests on "
                                      f"{', '.join(derived.claims)}", claims=claims, expected=list(derived.claims))
    if "roles" in d:
        r.same_text(d["roles"], "roles", dict(PARAMETER_ROLES))
    if "conventions" in d:
        r.same_text(d["conventions"], "conventions", dict(CONVENTIONS))
    if "embeddings" in d:
        emb = r.typed(d["embeddings"], "embeddings", (dict,))
        r.keys(emb, "embeddings", ("E_x", "E_y"), ())
        for key, want in (("E_x", lay.E_x), ("E_y", lay.E_y)):
            if key in emb and r.matrix(emb[key], f"embeddings.{key}", want.shape, {}) != want:
                raise r.refuted(f"embeddings.{key}", f"is not the {layout} layout's {key} at f={f}, m={m}")

    # body: the layer's parameters and readout constants, at the shapes the header implies
    params_doc = r.typed(d["params"], "params", (dict,))
    r.keys(params_doc, "params", PARAMETER_NAMES, PARAMETER_NAMES)
    want = derived.params
    mats = {p: r.matrix(params_doc[p], f"params.{p}", getattr(want, p).shape, symbols, f"parameter {p}")
            for p in PARAMETER_NAMES}
    ro = r.typed(d["readout"], "readout", (dict,))
    r.keys(ro, "readout", ("k", "rho", "beta", "c", "equations"), ("rho", "beta", "c"))
    steps = want.readout.steps
    if "k" in ro and r.integer(ro["k"], "readout.k", 0) != steps:
        raise r.refuted("readout.k", f"is {ro['k']}, but the header's steps = {k} make the readout k = {steps}")
    if "equations" in ro:
        r.same_text(ro["equations"], "readout.equations", READOUT_EQUATIONS)
    why = f"the header's steps = {k}"
    readout = Readout(rho=tuple(r.vector(ro["rho"], "readout.rho", max(steps - 1, 0), symbols, why)),
                      beta=tuple(r.vector(ro["beta"], "readout.beta", max(steps - 1, 0), symbols, why)),
                      c=tuple(r.vector(ro["c"], "readout.c", steps, symbols, why)))
    layer = LayerParams(**mats, readout=readout)
    differing = tuple(p for p in PARAMETER_NAMES if mats[p] != getattr(want, p)) + tuple(
        f"readout.{key}" for key in ("rho", "beta", "c") if getattr(readout, key) != getattr(want.readout, key))
    checked = Construction(derived.name, lay, N, layer, derived.gd, derived.claims)
    return FileConstruction(checked, derived, differing)


def _step_sizes(r: _Reader, d: Mapping[str, Any], N: int, k: int,
                name: str) -> tuple[sp.Expr | None, list[sp.Expr] | None]:
    """(eta, the per-step list or None) from the header: ``etas`` if given, else ``eta``, else ``alpha`` * N."""

    def step(value: Any, field: str) -> sp.Expr:
        text = r.typed(value, field, (str,))
        e = parse_exact(text, field, SYMBOLS)
        if e.free_symbols and e != ETA:
            raise r.bad(f"{field} must be a positive number or the symbol eta, got {_short(text)}")
        if not e.free_symbols and not e > 0:
            raise r.bad(f"{field} must be positive, got {_short(text)}")
        return e

    etas = None
    if d.get("etas") is not None:
        if name != "k-step":
            raise r.bad("etas (per-step step sizes) apply to the k-step construction only")
        listed = r.typed(d["etas"], "etas", (list,))
        if len(listed) != k:
            raise r.refuted("etas", f"lists {len(listed)} step sizes, but steps is {k}", entries=len(listed),
                            expected=k)
        etas = [step(v, f"etas[{i}]") for i, v in enumerate(listed)]
    eta = step(d["eta"], "eta") if d.get("eta") is not None else None
    if eta is None and d.get("alpha") is not None:
        alpha = parse_exact(r.typed(d["alpha"], "alpha", (str,)), "alpha", SYMBOLS)
        eta = sp.expand(alpha * N)
        if (eta.free_symbols and eta != ETA) or (not eta.free_symbols and not eta > 0):
            raise r.bad(f"alpha * N must be a positive number or the symbol eta, got {eta}")
    if etas is not None:
        if eta is not None and eta != etas[0]:
            raise r.refuted("eta", f"is {eta}, but the per-step list starts with etas[0] = {etas[0]}")
        return etas[0] if etas else None, etas
    if eta is None and k > 0:
        raise r.bad("the header gives no step size: eta, alpha or etas")
    return eta, None


def _check_gd(r: _Reader, block: Any, derived: Construction, symbols: Mapping[str, sp.Symbol]) -> None:
    """The file's ``gd`` block (the GD it says it implements) must be the GD its header derives."""
    gd = r.typed(block, "gd", (dict,))
    r.keys(gd, "gd", GD_KEYS, GD_KEYS)
    want = derived.gd
    etas = r.typed(gd["etas"], "gd.etas", (list,))
    if len(etas) != len(want.etas):
        raise r.refuted("gd.etas", f"lists {len(etas)} steps, but the header's steps = {derived.steps}",
                        entries=len(etas), expected=derived.steps)
    for i, (text, value) in enumerate(zip(etas, want.etas, strict=True)):
        if parse_exact(text, f"gd.etas[{i}]", symbols) != value:
            raise r.refuted(f"gd.etas[{i}]", f"is {text}, but the header derives eta_{i} = {exact(value)}",
                            file=text, derived=exact(value))
    for key, value in (("normaliser", want.normaliser), ("lambda", want.lam), ("gamma", want.gamma)):
        got = parse_number(gd[key], f"gd.{key}")
        if got != value:
            why = f"dims.N = {derived.N}" if key == "normaliser" else f"{key} = {exact(value)}"
            raise r.refuted(f"gd.{key}", f"is {got}, but the header ({why}) derives {key} = {exact(value)}",
                            file=str(got), derived=exact(value))
    if (gd["W0"] is None) != (want.W0 is None):
        raise r.refuted("gd.W0", "disagrees with the header's W0")
    if want.W0 is not None and r.matrix(gd["W0"], "gd.W0", want.W0.shape, {}) != want.W0:
        raise r.refuted("gd.W0", "is not the header's W0")


def construction_from_json(doc: Any, source: str = "construction file") -> Construction:
    """The file's layer claiming the GD its header derives (:func:`read_construction`)."""
    return read_construction(doc, source).checked
