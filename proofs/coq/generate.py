"""One Coq file per claim, rendered by Jinja2 from ``proofs/coq/templates``.

Construction claims (``ssm.*``) are **generated from the description**: the file defines the layer's
record by printing the description of :mod:`gdssm.symbolic.description` (after substituting the claim's
values, e.g. lambda = 1, on the description's own expressions), states the theorem whose right-hand side is
the GD the description claims (``step_eta``, ``decay``, ``lam``, ``W0``) and whose hypotheses are the
description's layout hypotheses, and proves it by one generic theorem of ``coq/theories/Theorems.v``
whose field equations close by ``reflexivity``. A wrong description (a catalogue mutant) therefore
produces a statement about a different record, and coqc refuses the file.

Feature claims (``ssm.features_*``, ``kernel.one_step``) are generated the same way from the feature description
of :mod:`gdssm.symbolic.features` (its base description on p-dimensional features and its data map): the record
is printed from the base, the token sequences the layer reads from the data map
(:func:`~gdssm.proofs.coq.printer.data_sequences`), and the right-hand side is GD on ``features phi x`` (or the
kernel smoother) for a map ``phi`` that is a section variable, so the theorem holds for every phi. A data-map
mutant makes the layer read other sequences, a description mutant another record: either way coqc refuses.

``gd.gradient`` and ``gd.closed_form`` are **generated from the registry**: their statement is printed from the
claim's route-1 theorem as :func:`gdssm.proofs.claims.claim` builds it at render time (``grad :=`` the conclusion's
right-hand side and ``let G, A :=`` its definitions; the Fixpoints ``Wk``, ``Dk``, ``Zk`` from the definitions of
``W_k``, ``D^k``, ``Z_k`` and the theorem from the conclusion ``W_k = ..``), and the template's proof rewrites
the printed form into the library's (``Gradient.gd_gradient``, ``Task.gd_closed_form_rec``). A wrong statement in
the registry (a flipped sign, a missing 1/N) prints another file, and coqc refuses it. So is ``ce.one_step``
(:mod:`gdssm.proofs.theories.cross_entropy`, the examples and labels as the rows of ``X`` and ``Y``): ``let grad,
W1, A, s :=`` its definitions and the theorem from its conclusion ``W_1 x_q = ..``, together with ``grad =
CrossEntropy.grad0_gen`` (the library's gradient at 0, the log-softmax form) for labels whose rows sum to 1; the
proof rewrites them into ``CrossEntropy.grad0_rows`` and ``CrossEntropy.ce_one_step``.

``ref.param_map`` is **generated from the registry's map** (``PARAM_MAP`` of :mod:`gdssm.symbolic.reference`,
which :mod:`gdssm.proofs.claims` holds and prints as the claim's hypotheses): the record ``p_ref`` field by field
(``Q = w_q^T`` as ``mx2seq (wq^T)``, ...) in the vector task and the theorem ``yhat_t = sign o^ref_t``, proved by
``Reference.ref_param_map_gen``; a map without a transpose, or the other sign, is refused.

``ref.two_step`` is stated in its template (spelled out with the library's definitions) and proved by the
library's theorem, the three layers' window mixings w_q and the readout D printed from
:func:`gdssm.symbolic.reference.reference_two_step` ("generated in part"). :attr:`CoqFile.origin` says which,
and the certificate and the report repeat it.

Rendering is deterministic: the same description gives byte-identical files.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import jinja2
import sympy as sp

from gdssm.core.errors import BadInput
from gdssm.proofs import claims as registry
from gdssm.proofs.coq.printer import Printer, data_sequences, hypothesis
from gdssm.proofs.induction import Proof
from gdssm.proofs.normal_form import Element, Hypothesis
from gdssm.proofs.sympy_bridge import to_sympy
from gdssm.proofs.theories.common import Theorem, generators
from gdssm.proofs.theories.features import FEATURE_THEOREMS
from gdssm.symbolic import description as sym
from gdssm.symbolic.description import Description, k_step_description, one_step_description
from gdssm.symbolic.features import FeatureDescription, k_step_features, one_step_features

AnyDescription = Description | FeatureDescription

TEMPLATE_DIR = Path(__file__).with_name("templates")

GENERATED = "generated from the description"
REGISTRY = "generated from the registry (the statement and definitions of the claim's route-1 theorem)"
MAP = "generated from the registry (the parameter map symbolic/reference.py PARAM_MAP, printed by proofs/claims.py)"
PARTLY = "generated in part (window mixings from symbolic/reference.py), library statement otherwise"
ORIGINS = (GENERATED, REGISTRY, MAP, PARTLY)

_FIELDS = (("Q", "Q", "entries"), ("V1", "V1", "matrix"), ("V2", "V2", "matrix"), ("V3", "V3", "matrix"),
           ("Lam", "Lambda", "matrix"), ("d", "d", "entries"), ("C", "C", "matrix"), ("F", "F", "matrix"),
           ("Rm", "R", "matrix"), ("k", "readout_steps", "nat"), ("rho", "rho", "function"),
           ("beta", "beta", "function"), ("c", "c", "function"))
"""The fields of Layer.params in constructor order: (Coq field, Description attribute, how to print)."""


@dataclass(frozen=True)
class TheoremSpec:
    """One generated theorem: which description, which values, what it states and which lemma proves it.

    ``kind`` is ``"state"`` (S_t = E_y A_t E_x^T, claim ssm.state), ``"gd"`` (yhat_t = W x_{t+1}),
    ``"features"`` (yhat_t = W phi(x_{t+1}), GD on the features; ``factory`` gives a feature description) or
    ``"kernel"`` (yhat_t = alpha sum_{i<=t} k(x_i, x_{t+1}) y_i); ``steps`` is the number of GD steps the claim is
    about (1 or k), not the description's readout length.
    """

    name: str
    kind: str
    factory: Callable[[], AnyDescription]
    factory_text: str
    values: Mapping[sp.Basic, sp.Expr]
    steps: sp.Expr
    lemma: str
    hypotheses: tuple[str, ...]
    """The hypothesis names the lemma takes, in order (they must be declared from the description)."""


@dataclass(frozen=True)
class ClaimSpec:
    """How the Coq file of one claim is made."""

    claim_id: str
    title: str
    template: str
    origin: str
    theorems: tuple[TheoremSpec, ...] = ()
    library_theorems: tuple[str, ...] = ()
    imports: tuple[str, ...] = ("Task", "Layer", "Theorems")
    scope: str = "every f, m, H, N, t and k and every value of the scalars, over any field"

    @property
    def file(self) -> str:
        """The file's module name (``ssm.k_step`` -> ``ssm_k_step``)."""
        return self.claim_id.replace(".", "_")

    @property
    def theorem_names(self) -> tuple[str, ...]:
        """The theorems whose assumptions the route checks."""
        return tuple(t.name for t in self.theorems) or self.library_theorems


@dataclass(frozen=True)
class CoqFile:
    """A rendered file: its name (``<module>.v``), text, the theorems to check and where the statement comes from."""

    claim_id: str
    name: str
    text: str
    theorems: tuple[str, ...]
    origin: str
    source: str
    imports: tuple[str, ...] = ()
    """The library modules the file imports (in its prelude, ``prelude_commands.v.j2``)."""
    body: str = ""
    """The text after the prelude ('' if the file does not open with it): what :func:`render_batch` puts in the
    file's Module."""

    @property
    def module(self) -> str:
        """The Module the file's body gets in a batch (``ssm_one_step.v`` -> ``batch_ssm_one_step``)."""
        return "batch_" + self.name.removesuffix(".v")

    @property
    def sha256(self) -> str:
        """sha256 of the file's bytes (recorded in the certificate)."""
        return hashlib.sha256(self.text.encode()).hexdigest()


def _assignments(values: Mapping[sp.Basic, sp.Expr]) -> str:
    return ", ".join(f"{sp.sstr(k)} = {sp.sstr(v)}" for k, v in
                     sorted(values.items(), key=lambda kv: sp.default_sort_key(kv[0])))


def _values_text(values: Mapping[sp.Basic, sp.Expr]) -> str:
    return f" with {_assignments(values)}" if values else ""


ONE = {sym.lam: sp.Integer(1)}
NO_DECAY = {sym.gamma: sp.Integer(0)}
_ONE_STEP = ("Hx", "Hy")
_K_STEP = ("Hx", "Hy", "Hxy")


def _one(name: str, values: Mapping[sp.Basic, sp.Expr]) -> TheoremSpec:
    return TheoremSpec(name, "gd", one_step_description, "one_step_description()", values, sp.Integer(1),
                       "one_step_generic", _ONE_STEP)


def _k(name: str, values: Mapping[sp.Basic, sp.Expr], per_step: bool = False) -> TheoremSpec:
    factory = (lambda: k_step_description(per_step=True)) if per_step else k_step_description
    text = "k_step_description(per_step=True)" if per_step else "k_step_description()"
    return TheoremSpec(name, "gd", factory, text, values, sym.k, "k_step_generic", _K_STEP)


FEATURE_SCOPE = "every map phi, every f, p, m, H, N, t and k and every value of the scalars, over any field"
_FEATURE_IMPORTS = ("Task", "Layer", "Theorems", "Features")


def _features(claim_id: str, kind: str, factory: Callable[[], FeatureDescription], text: str, lemma: str,
              hypotheses: tuple[str, ...]) -> TheoremSpec:
    """A feature theorem, with the values and steps of route 1 (``FEATURE_THEOREMS`` of proofs.theories.features)."""
    route1 = FEATURE_THEOREMS[claim_id]
    return TheoremSpec(f"claim_{claim_id.replace('.', '_')}", kind, factory, text, route1.values, route1.steps,
                       lemma, hypotheses)


CLAIM_SPECS: tuple[ClaimSpec, ...] = (
    ClaimSpec("gd.gradient", "the gradient of the in-context loss, in algebraic form", "gd_gradient.v.j2",
              REGISTRY, library_theorems=("claim_gd_gradient",), imports=("Gradient",),
              scope="every N, f, m, W, D and s, over any field with 2 != 0"),
    ClaimSpec("gd.closed_form", "the closed form of k GD steps", "gd_closed_form.v.j2", REGISTRY,
              library_theorems=("claim_gd_closed_form",), imports=("Task",),
              scope="every f, m, k, alpha, W_0, G and A, over any commutative ring"),
    ClaimSpec("ssm.state", "the state accumulates the statistics", "construction.v.j2", GENERATED, theorems=(
        TheoremSpec("claim_ssm_state", "state", one_step_description, "one_step_description()", {}, sp.Integer(1),
                    "state_one_step", ()),), scope="every f, m, H, t and lambda, over any field"),
    ClaimSpec("ssm.one_step", "one GD step at every prefix", "construction.v.j2", GENERATED,
              theorems=(_one("claim_ssm_one_step", ONE),)),
    ClaimSpec("ssm.one_step_w0", "one GD step from W_0", "construction.v.j2", GENERATED, theorems=(
        TheoremSpec("claim_ssm_one_step_w0", "gd", lambda: one_step_description(with_w0=True),
                    "one_step_description(with_w0=True)", ONE, sp.Integer(1), "one_step_w0_generic", _ONE_STEP),)),
    ClaimSpec("ssm.k_step", "k GD steps with one state", "construction.v.j2", GENERATED,
              theorems=(_k("claim_ssm_k_step", {**ONE, **NO_DECAY}),)),
    ClaimSpec("ssm.k_step_w0", "k GD steps from W_0", "construction.v.j2", GENERATED, theorems=(
        TheoremSpec("claim_ssm_k_step_w0", "gd", lambda: k_step_description(with_w0=True),
                    "k_step_description(with_w0=True)", {**ONE, **NO_DECAY}, sym.k, "k_step_w0_generic", _K_STEP),)),
    ClaimSpec("ssm.discounted", "GD on the discounted loss", "construction.v.j2", GENERATED, theorems=(
        _one("claim_ssm_discounted_one_step", {}), _k("claim_ssm_discounted", NO_DECAY))),
    ClaimSpec("ssm.weight_decay", "weight decay through the readout", "construction.v.j2", GENERATED,
              theorems=(_k("claim_ssm_weight_decay", ONE),)),
    ClaimSpec("ssm.per_step_eta", "per-step step sizes", "construction.v.j2", GENERATED,
              theorems=(_k("claim_ssm_per_step_eta", {**ONE, **NO_DECAY}, per_step=True),)),
    ClaimSpec("ref.param_map", "the authors' parameterisation equals ours", "ref_param_map.v.j2", MAP,
              library_theorems=("claim_ref_param_map",), imports=("Layer", "Reference"),
              scope="every n, t, w_q, Lambda_bar, C and D, over any commutative ring"),
    ClaimSpec("ref.two_step", "what the authors' two-step construction computes", "ref_two_step.v.j2", PARTLY,
              library_theorems=("claim_ref_two_step",), imports=("Task", "Reference"),
              scope="every n, N >= 1 and alpha, over any commutative ring"),
    ClaimSpec("ce.one_step", "cross-entropy: one step is least squares up to a logit shift", "ce_one_step.v.j2",
              REGISTRY, library_theorems=("claim_ce_one_step",), imports=("CrossEntropy",),
              scope="every N, f, K, X, Y, x_q and eta, over any field"),
    ClaimSpec("ssm.features_one_step", "one GD step on features phi(x), for any map phi", "construction.v.j2",
              GENERATED, theorems=(_features("ssm.features_one_step", "features", one_step_features,
                                             "one_step_features()", "features_one_step", _ONE_STEP),),
              imports=_FEATURE_IMPORTS, scope=FEATURE_SCOPE),
    ClaimSpec("ssm.features_k_step", "k GD steps on features phi(x), for any map phi", "construction.v.j2",
              GENERATED, theorems=(_features("ssm.features_k_step", "features", k_step_features, "k_step_features()",
                                             "features_k_step", _K_STEP),),
              imports=_FEATURE_IMPORTS, scope=FEATURE_SCOPE),
    ClaimSpec("kernel.one_step", "one GD step from 0 on features is kernel regression", "construction.v.j2",
              GENERATED, theorems=(_features("kernel.one_step", "kernel", one_step_features, "one_step_features()",
                                             "kernel_one_step", _ONE_STEP),),
              imports=_FEATURE_IMPORTS, scope=FEATURE_SCOPE),
)
"""Every claim with a Coq route (all but ``eta.optimal``, a statement about expectations checked by SymPy)."""


def spec(claim_id: str) -> ClaimSpec:
    """The Coq spec of ``claim_id``."""
    for s in CLAIM_SPECS:
        if s.claim_id == claim_id:
            return s
    raise BadInput(f"claim {claim_id!r} has no Coq file; Coq-checked claims: "
                   f"{', '.join(s.claim_id for s in CLAIM_SPECS)}")


def substitute(d: AnyDescription, values: Mapping[sp.Basic, sp.Expr]) -> AnyDescription:
    """``d`` with ``values`` substituted in every expression (matrices, readout functions, the claimed GD); for a
    feature description, in its base description."""
    if not values:
        return d
    if isinstance(d, FeatureDescription):
        return d.changed(base=substitute(d.base, values))
    changes: dict[str, Any] = {}
    for f in fields(d):
        value = getattr(d, f.name)
        if isinstance(value, sp.Basic):
            changes[f.name] = value.subs(dict(values))
    return d.changed(**changes)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATE_DIR)), undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True, autoescape=False)
    env.filters["comment"] = comment_text
    return env


def comment_text(value: Any) -> str:
    """Text safe inside a Coq comment (no ``(*`` or ``*)``): SymPy's ``**`` as ``^``, ``*`` spaced."""
    if isinstance(value, sp.MatrixBase):
        value = value.tolist()
    elif isinstance(value, sp.MatrixExpr):  # the all-ones matrix as "ones", a unit coefficient dropped
        value = value.replace(lambda e: isinstance(e, sp.OneMatrix),
                              lambda e: sp.MatrixSymbol("ones", *e.shape)).doit()
    text = sp.sstr(value) if isinstance(value, sp.Basic | list) else str(value)
    return " ".join(text.replace("**", "^").replace("*", " * ").split())


MAP_DECLARATIONS = {"phi": ("'cV[R]_f -> 'cV[R]_p", "the feature map: any map, nothing is assumed about it"),
                    "phi'": ("'cV[R]_f -> 'cV[R]_p", "another map, on the query token"),
                    "psi": ("'cV[R]_m -> 'cV[R]_m", "a map on the labels")}
"""The maps a feature file may declare (section variables, so the theorem holds for every one of them)."""


def _theorem_context(t: TheoremSpec, described: AnyDescription) -> dict[str, Any]:
    """The template variables of one generated theorem (``described``: the description, values substituted)."""
    features = isinstance(described, FeatureDescription)
    d = described.base if isinstance(described, FeatureDescription) else described
    p = Printer()
    field_rows = []
    for coq_name, attr, how in _FIELDS:
        value = getattr(d, attr)
        term = {"entries": p.entries, "matrix": p.matrix, "nat": p.nat, "function": p.function}[how](value)
        field_rows.append({"name": coq_name, "term": term if how in ("entries", "nat") or " " not in term
                           else f"({term})", "sympy": comment_text(value)})
    hyps = []
    for text in d.hypotheses:
        name, prop = hypothesis(text)
        hyps.append({"name": name, "prop": prop, "text": text})
    record = f"p_{t.name.removeprefix('claim_')}"
    lam = p.scalar(d.lam)
    lam_arg = lam if " " not in lam else f"({lam})"
    inputs, labels = data_sequences(described.data) if isinstance(described, FeatureDescription) else ("x", "y")
    if "== N" in inputs:
        p.used.add("N")
    xs, query = ("(features phi x)", "phi (x t.+1)") if features else ("x", "x t.+1")
    lhs = f"yhat Ex Ey {inputs} {labels} {record} t"
    data_args = "(phi:=phi) (x:=x) (y:=y)" if features else "x y"  # Features.v: phi, x, y implicit (in X = ..)
    lemma = f"({t.lemma} {data_args} {' '.join(t.hypotheses)})"
    if t.kind == "state":
        lemma = "(state_one_step Ex Ey x y)"
        lhs = f"S Ex Ey x y {record} t"
        rhs = f"Ey *m A x y {lam_arg} t *m Ex^T"
    elif t.kind == "kernel":
        alpha0 = p.scalar(d.step_eta(0) / sym.N)
        rhs = f"({alpha0}) *: \\sum_(i < t.+1) kernel phi (x i) (x t.+1) *: y i"
    else:
        alpha = p.function(sp.Lambda(sym.s, d.step_eta(sym.s) / sym.N))
        decay = p.function(d.decay)
        start = p.matrix(d.W0) if d.W0 is not None else "0"
        steps = p.nat(t.steps)
        start_arg = start if " " not in start else f"({start})"
        rhs = (f"gdW ({alpha}) ({decay}) {start_arg} (G {xs} {lam_arg} t.+1) (A {xs} y {lam_arg} t.+1) {steps} "
               f"*m {query}")
    used = p.used
    start_text = comment_text(d.W0) if d.W0 is not None else "0"
    steps_text = f"{comment_text(t.steps)} step{'' if t.steps == 1 else 's'}"
    claimed = "the kernel smoother alpha sum_(i <= t) k(x_i, x_(t+1)) y_i, k(u, v) = phi(u)^T phi(v), with" \
        if t.kind == "kernel" else "the GD the description claims:"
    notes = [f"Values substituted on the description before printing: {_assignments(t.values) or 'none'}.",
             f"The right-hand side is {claimed} step eta_s / N = "
             f"{comment_text(d.step_eta.expr)} / N, decay {comment_text(d.decay.expr)}, discount "
             f"{comment_text(d.lam)}, start {start_text}, {steps_text}."]
    maps: list[dict[str, str]] = []
    if isinstance(described, FeatureDescription):
        data = described.data
        notes.append(f"Data map: x tokens {data.x}, labels {data.y}, query {data.query}; the layer reads the "
                     f"inputs {inputs} and the labels {labels}, GD the features phi (x i) and the labels y i.")
        maps = [{"name": name, "type": MAP_DECLARATIONS[name][0], "note": MAP_DECLARATIONS[name][1]}
                for name in MAP_DECLARATIONS if name == "phi" or f"{name} (" in f"{inputs} {labels}"]
    return {
        "name": t.name, "section": t.name.removeprefix("claim_").title().replace("_", ""), "record": record,
        "source": f"symbolic/{'features' if features else 'description'}.py {t.factory_text}"
                  f"{_values_text(t.values)}",
        "notes": notes,
        "nats": ["f", *(["p"] if features else []), "m", "H", *(n for n in ("N", "K") if n in used)],
        "ex_cols": "p" if features else "f", "maps": maps,
        "scalars": [n for n in ("eta", "lam", "gamma") if n in used],
        "sequences": [n for n in ("etas",) if n in used],
        "weights": [n for n in ("W0",) if n in used],
        "hypotheses": hyps, "fields": field_rows, "lhs": lhs, "rhs": rhs, "lemma": lemma,
    }


def _route1(claim_id: str) -> Theorem:
    """The claim's route-1 theorem, as the registry builds it now (a patched registry is another theorem)."""
    return registry.claim(claim_id).proved()


def _shape(element: Element) -> str:
    """The Coq type of a matrix of ``element``'s shape (``'M[R]_f`` when square)."""
    dims = {sym.f: "f", sym.m: "m"}
    if element.rows not in dims or element.cols not in dims:
        raise BadInput(f"a matrix of shape {element.rows} x {element.cols} has no Coq type here (f and m only)")
    rows, cols = dims[element.rows], dims[element.cols]
    return f"'M[R]_{rows}" if rows == cols else f"'M[R]_({rows}, {cols})"


def _gradient_context() -> dict[str, Any]:
    """``gd.gradient``: ``grad`` printed from the conclusion of the route-1 theorem, G and A from its definitions."""
    from gdssm.proofs.theories.gradient import GRADIENT

    theorem = _route1("gd.gradient")
    conclusion = theorem.conclusion
    if list(conclusion.lhs.terms) != [((GRADIENT, False),)]:
        raise BadInput(f"gd.gradient: the route-1 statement is about {conclusion.lhs}, not {GRADIENT}")
    p = Printer({name: name for name in ("X", "Y", "W", "G", "A")})
    definitions = []
    for fact in theorem.printed_definitions():
        name = _defined_name(fact)
        definitions.append({"name": name, "term": p.matrix(to_sympy(fact.rhs)),
                            "sympy": comment_text(f"{fact.lhs} = {fact.rhs}")})
    if [d["name"] for d in definitions] != ["G", "A"]:
        raise BadInput(f"gd.gradient: the statement defines {[d['name'] for d in definitions]}, the file G and A")
    return {"source": "proofs/claims.py gd.gradient, route-1 theorem of proofs/theories/gradient.py; proof by "
                      "coq/theories/Gradient.v",
            "definitions": definitions, "gradient": p.matrix(to_sympy(conclusion.rhs)),
            "gradient_sympy": comment_text(f"{conclusion.lhs} = {conclusion.rhs}")}


def _defined_name(fact: Hypothesis) -> str:
    """The generator a definition ``X = ...`` defines (its left side must be one generator)."""
    words = list(fact.lhs.terms)
    if len(words) != 1 or len(words[0]) != 1 or words[0][0][1] or fact.lhs.terms[words[0]] != 1:
        raise BadInput(f"the definition {fact} does not define one generator")
    return words[0][0][0]


_INDEX = re.compile(r"(?:(k)(?:\s*\+\s*(\d+))?|(\d+))")
"""The indices route 1 gives its families: ``k``, ``k + n`` or ``n`` (read as data, never evaluated)."""


def _family(name: str) -> tuple[str, sp.Expr] | None:
    """``("D", k + 1)`` for the indexed generator ``D^{k + 1}`` (or ``W_{0}``); None for a plain generator."""
    for mark in ("^{", "_{"):
        stem, sep, rest = name.partition(mark)
        if sep and rest.endswith("}") and stem.isidentifier():
            found = _INDEX.fullmatch(rest[:-1])
            if found is None:
                raise BadInput(f"the generator {name} has an index the printer does not read: {rest[:-1]!r}")
            symbol, shift, number = found.groups()
            return stem, (sym.k + int(shift or 0)) if symbol else sp.Integer(int(number))
    return None


def _closed_form_context() -> dict[str, Any]:
    """``gd.closed_form``: one Fixpoint per indexed family of the route-1 theorem (its definitions ``X_0 = ..``,
    ``X_(k+1) = ..``; a family without ``X_0`` starts at the Variable ``X0``) and the conclusion ``W_k = ..``."""
    from gdssm.proofs.theories.gd import alpha

    theorem = _route1("gd.closed_form")
    conclusion = theorem.conclusion
    if conclusion.index != sym.k:
        raise BadInput(f"gd.closed_form: the route-1 statement is not an induction on k ({conclusion.index})")
    families: dict[str, dict[sp.Expr, Hypothesis]] = {}
    for fact in theorem.printed_definitions():
        found = _family(_defined_name(fact))
        if found is None:
            raise BadInput(f"gd.closed_form: {fact} does not define an indexed family")
        families.setdefault(found[0], {})[found[1]] = fact
    names: dict[str, str] = {}
    for stem, family in families.items():
        names[f"{stem}_{{k}}"] = names[f"{stem}^{{k}}"] = f"{stem}k K"
        if set(family) - {sp.Integer(0), sym.k + 1} or sym.k + 1 not in family:
            raise BadInput(f"gd.closed_form: family {stem} is not defined at 0 and k + 1 ({sorted(family, key=str)})")
        if sp.Integer(0) not in family:
            names[f"{stem}_{{0}}"] = f"{stem}0"
    rights = [conclusion.rhs, *(fact.rhs for family in families.values() for fact in family.values())]
    plain = sorted({n for e in rights for n in generators(e) if _family(n) is None})
    names.update({n: n for n in plain})
    p = Printer(names, {alpha: "alpha"})
    fixpoints = []
    for stem, facts in families.items():
        step = facts[sym.k + 1]
        base = p.matrix(to_sympy(facts[sp.Integer(0)].rhs)) if sp.Integer(0) in facts else f"{stem}0"
        fixpoints.append({"name": f"{stem}k", "type": _shape(step.lhs), "step": p.matrix(to_sympy(step.rhs)),
                          "base": base, "sympy": [comment_text(f"{f.lhs} = {f.rhs}") for f in facts.values()]})
    lhs, rhs = p.matrix(to_sympy(conclusion.lhs)), p.matrix(to_sympy(conclusion.rhs))
    shapes = {n: _generator(conclusion, n) for n in plain}
    shapes.update({f"{stem}0": fs[sym.k + 1].lhs for stem, fs in families.items() if sp.Integer(0) not in fs})
    variables = [{"name": name, "type": _shape(shapes[name])} for name in sorted(shapes)]
    return {"source": "proofs/claims.py gd.closed_form, route-1 theorem of proofs/theories/gd.py; proof by "
                      "coq/theories/Task.v",
            "fixpoints": fixpoints, "variables": variables, "lhs": lhs, "rhs": rhs,
            "statement_sympy": comment_text(f"{conclusion.lhs} = {conclusion.rhs}"),
            "parameters": [comment_text(t) for t in theorem.parameters]}


def _generator(proof: Proof, name: str) -> Element:
    """The generator ``name`` of ``proof``'s algebra, as an element (for its shape)."""
    gen = proof.lhs.algebra.get(name)
    return proof.lhs.algebra.generator(gen.name, gen.rows, gen.cols, symmetric=gen.symmetric)


CE_NAMES = {"X": "X", "Y": "Y", "x_q": "xq", r"\mathbf{1}_K": "onesK", r"\mathbf{1}_N": "onesN",
            r"\nabla L(0)": "grad", "W_1": "W1", "A": "A", "s": "s"}
"""The Coq names of the generators of ``ce.one_step``'s route-1 theorem (proofs/theories/cross_entropy.py)."""


def _cross_entropy_context() -> dict[str, Any]:
    """``ce.one_step``: ``let grad, W1, A, s :=`` the definitions of the route-1 theorem (in that order, the one
    the template's proof reads them in) and the theorem from its conclusion ``W_1 x_q = ..``."""
    from gdssm.proofs.theories.cross_entropy import K

    theorem = _route1("ce.one_step")
    conclusion = theorem.conclusion
    p = Printer(CE_NAMES, {K: "K%:R"})
    definitions = []
    for fact in theorem.printed_definitions():
        name = _defined_name(fact)
        definitions.append({"name": CE_NAMES.get(name, name), "term": p.matrix(to_sympy(fact.rhs)),
                            "sympy": comment_text(f"{fact.lhs} = {fact.rhs}")})
    if [d["name"] for d in definitions] != ["grad", "W1", "A", "s"]:
        raise BadInput(f"ce.one_step: the statement defines {[d['name'] for d in definitions]}, the file "
                       f"grad, W1, A and s")
    return {"source": "proofs/claims.py ce.one_step, route-1 theorem of proofs/theories/cross_entropy.py; proof by "
                      "coq/theories/CrossEntropy.v",
            "definitions": definitions, "lhs": p.matrix(to_sympy(conclusion.lhs)),
            "rhs": p.matrix(to_sympy(conclusion.rhs)),
            "statement_sympy": comment_text(f"{conclusion.lhs} = {conclusion.rhs}"),
            "parameters": [comment_text(t) for t in theorem.parameters]}


PARAM_MAP_NAMES = {"w_q": "wq", r"\bar{\Lambda}": "Lb", r"C^{\mathrm{ref}}": "Cref", "D": "D",
                   r"o^{\mathrm{ref}}_{t}": "ref_o x y wq Lb Cref D t", r"\hat{y}_{t}": "yhat 1%:M 1%:M x y p_ref t"}
"""The Coq terms of the symbols of ``ref.param_map``'s map (symbolic/reference.py): the authors' parameters, their
output at window t and ours."""


def _param_map_context() -> dict[str, Any]:
    """``ref.param_map``: the record ``p_ref`` field by field from the registry's map ``PARAM_MAP`` in the vector
    task (E_y = I, m = H = n) and the theorem from its statement ``yhat_t = sign o^ref_t``."""
    from gdssm.symbolic.reference import ParamMap

    pm: ParamMap = registry.PARAM_MAP
    if len(pm.c) != 1:
        raise BadInput(f"ref.param_map: the file states the map with one readout term, the registry {len(pm.c)}")
    vector = {sym.E_y: sp.Identity(sym.H), sym.m: sym.H}
    p = Printer(PARAM_MAP_NAMES)

    def field(name: str) -> str:
        return p.matrix(getattr(pm, name).xreplace(vector).doit())

    fields = {name: field(name) for name in ("Q", "V1", "V2", "V3", "Lambda", "d", "C", "F", "R")}
    lhs, rhs = (p.matrix(side.xreplace(vector).doit()) for side in pm.statement)
    return {"source": "proofs/claims.py ref.param_map, the map PARAM_MAP of symbolic/reference.py; proof by "
                      "coq/theories/Reference.v",
            "fields": fields, "c0": p.scalar(pm.c[0]), "lhs": lhs, "rhs": rhs,
            "map_sympy": [comment_text(f"{ours} = {theirs}") for ours, theirs in pm.equations()],
            "statement_sympy": comment_text(" = ".join(str(side) for side in pm.statement))}


REGISTRY_CONTEXTS: dict[str, Callable[[], dict[str, Any]]] = {
    "gd.gradient": _gradient_context, "gd.closed_form": _closed_form_context, "ce.one_step": _cross_entropy_context,
    "ref.param_map": _param_map_context}
"""The claims whose statement is printed from the registry (origin :data:`REGISTRY`), and how."""


def _library_context(s: ClaimSpec) -> dict[str, Any]:
    if s.claim_id in REGISTRY_CONTEXTS:
        return REGISTRY_CONTEXTS[s.claim_id]()
    if s.claim_id != "ref.two_step":
        return {}
    from gdssm.symbolic.reference import reference_two_step

    ref = reference_two_step(1, 1, 1, "symbolic", "A")  # w_q and D do not depend on the sizes
    p = Printer()
    return {"wq": [p.entries(layer.w_q) for layer in ref.layers], "D3": p.entries(ref.layers[2].D),
            "wq_sympy": [comment_text(layer.w_q.tolist()) for layer in ref.layers], "variant": ref.variant}


def render(claim_id: str, description: AnyDescription | Sequence[AnyDescription] | None = None,
           library: Mapping[str, Any] | None = None) -> CoqFile:
    """The Coq file of ``claim_id``.

    ``description`` replaces the claim's description(s) before the claim's values are substituted (one
    per generated theorem; a single one is used for every theorem): this is how a mutant, or any other
    description, is stated. ``library`` overrides template variables of a library claim (tests).
    """
    s = spec(claim_id)
    env = _environment()
    theorems = []
    if s.theorems:
        given: Sequence[AnyDescription | None]
        if description is None:
            given = [None] * len(s.theorems)
        elif isinstance(description, Description | FeatureDescription):
            given = [description] * len(s.theorems)
        else:
            given = list(description)
            if len(given) != len(s.theorems):
                raise BadInput(f"claim {claim_id} has {len(s.theorems)} theorems, got {len(given)} descriptions")
        for t, d in zip(s.theorems, given, strict=True):
            theorems.append(_theorem_context(t, substitute(d if d is not None else t.factory(), t.values)))
    elif description is not None:
        raise BadInput(f"claim {claim_id} is not a construction claim (its statement is printed from the registry); "
                       f"it is not printed from a description")
    library_context = _library_context(s)
    default = f"coq/theories: {', '.join(s.imports)}"
    sources = [t["source"] for t in theorems] or [library_context.get("source", default)]
    context = {
        "file": s.file, "claim_id": s.claim_id, "title": s.title, "template": s.template, "origin": s.origin,
        "source_lines": [f"Source: {src}." for src in sources], "theorem_names": s.theorem_names,
        "imports": s.imports, "theorems": theorems, "batch": False, **library_context, **(library or {}),
    }
    text = env.get_template(s.template).render(context)
    prelude = env.get_template("prelude.v.j2").render(context)  # the file's opening: comment and commands
    body = text[len(prelude):] if text.startswith(prelude) else ""
    return CoqFile(s.claim_id, f"{s.file}.v", text, s.theorem_names, s.origin, "; ".join(sources), s.imports, body)


def render_batch(name: str, files: Sequence[CoqFile]) -> str:
    """One file checking ``files`` with one coqc (template ``batch.v.j2``): the prelude's commands once, requiring
    (not importing) every library module any file imports; then each file's body in its own Module, after the
    file's own imports and scope. ``name`` is the batch's module name."""
    if any(not f.body or not f.imports for f in files):
        raise BadInput("only files that open with the generated prelude can be batched")
    imports = tuple(dict.fromkeys(m for f in files for m in f.imports))  # every module, first-seen order
    return _environment().get_template("batch.v.j2").render(file=name, files=files, imports=imports, batch=True)


def render_all(claim_ids: Sequence[str] | None = None) -> tuple[CoqFile, ...]:
    """The files of ``claim_ids`` (default: every claim with a Coq route), in registry order."""
    ids = claim_ids if claim_ids is not None else [s.claim_id for s in CLAIM_SPECS]
    return tuple(render(i) for i in ids)


def write_files(directory: str | Path, files: Sequence[CoqFile]) -> tuple[Path, ...]:
    """Write each file into ``directory`` (atomically); returns the paths."""
    from gdssm.core.atomic import write_text

    out = Path(directory)
    paths = []
    for f in files:
        path = out / f.name
        write_text(path, f.text)
        paths.append(path)
    return tuple(paths)
