"""Run the routes of the claims and collect outcomes; certificates record them.

An outcome is one (claim, route) check: ``ok``, the dimensions it covered, its size (proof steps, polynomial
terms), seconds and a one-line detail (the failing step's residual, or the counterexample).
"""

from __future__ import annotations

import hashlib
import json
import platform
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from sympy import Indexed

from gdssm.proofs.claims import CLAIMS, ROUTES, Claim

PROOF_ROUTES = ("symbolic", "coq", "exact", "z3")


@dataclass(frozen=True)
class Outcome:
    """The result of one route on one claim."""

    claim: str
    route: str
    ok: bool
    dims: str
    size: str
    seconds: float
    detail: str
    counterexample: dict[str, Any] | None = field(default=None)
    evidence: dict[str, Any] | None = field(default=None)
    """What the route's certificate records beyond the result (coq: versions, file sha256, assumptions)."""
    statement_hash: str | None = field(default=None, compare=False)
    """The claim's statement hash when the process that ran the route computed it (:func:`certificates` then need
    not build the claim's theorem again); None: :func:`certificates` computes it."""


def run_symbolic(c: Claim) -> Outcome:
    """Route 1: the claim's theorem built afresh (from the descriptions as they are now); every step of every
    record checks in the normal form, and the theorem was built to its conclusion."""
    start = time.perf_counter()
    if c.theorem is None:
        return Outcome(c.id, "symbolic", False, "-", "0 steps", 0.0, "the claim has no route-1 theorem")
    theorem = c.theorem()
    steps = [s for p in theorem.records for s in p.steps]
    algebras = {id(p.lhs.algebra): p.lhs.algebra for p in theorem.records}.values()
    scalars = sorted({f"{s.base}_s" if isinstance(s, Indexed) else str(s) for a in algebras for s in a.scalars}
                     | {"W_0" for a in algebras if a.declared("W_0")})
    dims = "symbolic f, m, H, N, t, k" + (f"; {', '.join(scalars)} symbolic" if scalars else "")
    detail = (f"{len(theorem.records)} proof record(s), {len(steps)} steps checked" if theorem.ok
              else theorem.first_failure())
    return Outcome(c.id, "symbolic", theorem.ok, dims, f"{len(steps)} steps", time.perf_counter() - start, detail)


def _dims_text(dims: dict[str, int]) -> str:
    return ",".join(f"{key}={value}" for key, value in dims.items())


def run_exact(c: Claim) -> Outcome:
    """Route 2: flint polynomial identity on every target, or the claim's exact SymPy check."""
    start = time.perf_counter()
    if c.scalar_check is not None:
        ok, detail = c.scalar_check()
        return Outcome(c.id, "exact", ok, "see detail", "SymPy identity", time.perf_counter() - start, detail)
    from gdssm.proofs.route_exact import check_exact

    results = [check_exact(target, "auto", seed=0) for target in c.targets()]
    bad = next((r for r in results if not r.ok), None)
    terms = sum(r.total_terms or 0 for r in results)
    dims = "; ".join(_dims_text(r.dims) for r in results)
    detail = (f"{len(results)} identities: " + ", ".join(sorted({r.method + ' ' + r.status for r in results}))
              if bad is None else f"{bad.status} at {_dims_text(bad.dims)}")
    return Outcome(c.id, "exact", bool(results) and bad is None, dims, f"{terms} terms",
                   time.perf_counter() - start, detail, None if bad is None else bad.counterexample)


def run_z3(c: Claim) -> Outcome:
    """The second checker on every target."""
    from gdssm.proofs.route_z3 import check_z3

    start = time.perf_counter()
    results = [check_z3(target, timeout=60.0) for target in c.targets()]
    bad = next((r for r in results if not r.ok), None)
    dims = "; ".join(_dims_text(r.dims) for r in results)
    detail = f"{len(results)} identities unsat" if bad is None else f"{bad.status} at {_dims_text(bad.dims)}"
    return Outcome(c.id, "z3", bool(results) and bad is None, dims, f"{len(results)} identities",
                   time.perf_counter() - start, detail, None if bad is None else bad.counterexample)


def run_coq_batch(claims: Sequence[Claim], reuse: bool = False) -> list[Outcome]:
    """The coq route on several claims at once: the library compiled (or reused) once, files in parallel;
    ``reuse``: a file coqc accepted before, byte for byte on the same library and checker, is answered from its
    stored verdict (:func:`gdssm.proofs.coq.run.verdict_key`)."""
    from gdssm.proofs.coq.run import check_claims

    return [Outcome(r.claim, "coq", r.ok, r.dims, r.size, r.seconds, r.detail, None, r.evidence)
            for r in check_claims([c.id for c in claims], reuse=reuse)]


def run_coq(c: Claim) -> Outcome:
    """The coq route: coqc accepts the claim's generated file and Print Assumptions answers closed."""
    return run_coq_batch([c])[0]


RUNNERS: dict[str, Callable[[Claim], Outcome]] = {"symbolic": run_symbolic, "exact": run_exact, "z3": run_z3,
                                                   "coq": run_coq}
BATCH_RUNNERS: dict[str, Callable[[Sequence[Claim], bool], list[Outcome]]] = {"coq": run_coq_batch}
"""Routes that check many claims faster together (one library build, parallel coqc); the second argument says
whether stored verdicts on the very same inputs may answer (``gdssm verify`` and ``gdssm report``: yes)."""


def unavailable_routes() -> dict[str, str]:
    """Routes whose engine is missing here, each with one line saying what to install (their claims are
    reported as not checked by that route, not as failed)."""
    from gdssm.proofs.coq.run import missing_message

    reason = missing_message()
    return {"coq": reason} if reason else {}


def plan(claim_ids: Iterable[str] | None, routes: Iterable[str] | None) -> list[tuple[Claim, str]]:
    """The (claim, route) pairs to run: the routes each selected claim lists, filtered by ``routes``."""
    from gdssm.core.errors import BadInput
    from gdssm.proofs.claims import claim

    chosen = [claim(i) for i in claim_ids] if claim_ids else list(CLAIMS)
    wanted = set(routes) if routes else set(ROUTES)
    unknown = wanted - set(ROUTES)
    if unknown:
        raise BadInput(f"unknown route {sorted(unknown)[0]!r}; choose from {', '.join(ROUTES)}")
    return [(c, r) for c in chosen for r in c.routes if r in wanted]


CHECKED_PACKAGES = ("symbolic", "proofs", "numeric")
"""The packages whose code the routes run: a change to any of them makes old certificates stale."""


def source_hash() -> str:
    """sha256 over the path and bytes of every ``.py`` file of :data:`CHECKED_PACKAGES` (files are read,
    not imported, so ``proofs`` still does not import ``numeric``)."""
    root = Path(__file__).resolve().parent.parent
    digest = hashlib.sha256()
    for package in CHECKED_PACKAGES:
        for path in sorted((root / package).rglob("*.py")):
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    for path in sorted([*(root / "coq").rglob("*.v"), root / "coq" / "_CoqProject",
                        *(root / "proofs" / "coq" / "templates").glob("*.j2")]):  # the Coq route's sources
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def versions() -> dict[str, str]:
    """Versions of the engines a certificate depends on, and the hash of the checked sources."""
    import flint
    import sympy
    import z3

    from gdssm import __version__
    from gdssm.proofs.coq.run import versions as coq_versions

    return {"gdssm": __version__, "python": platform.python_version(), "sympy": sympy.__version__,
            "python-flint": flint.__version__, "z3": z3.get_version_string(), **coq_versions(),
            "sources": source_hash()}


def certificates(outcomes: Iterable[Outcome]) -> dict[str, Any]:
    """The certificate document: per outcome the claim id, statement hash, route, result, dims, time."""
    from gdssm.proofs.claims import claim

    outcomes = list(outcomes)
    hashes = {o.claim: o.statement_hash for o in outcomes if o.statement_hash is not None}
    rows = []
    for o in outcomes:
        row = asdict(o)
        row["statement_hash"] = hashes.get(o.claim) or claim(o.claim).statement_hash
        row["result"] = "passed" if o.ok else "FAILED"
        row["seconds"] = round(o.seconds, 3)
        rows.append(row)
    return {"schema": "gdssm.certificates/1", "versions": versions(), "certificates": rows}


def certificate_text(doc: dict[str, Any]) -> str:
    """Deterministic JSON text of a certificate document."""
    return json.dumps(doc, indent=2, sort_keys=True, default=str) + "\n"


def fresh_outcomes(doc: Any, jobs: Iterable[tuple[Claim, str]]) -> dict[tuple[str, str], Outcome]:
    """The passed outcomes of ``doc`` (a certificate document) that still hold for ``jobs``.

    A certificate is fresh when the document was written by the same versions and sources
    (:func:`versions`) and its statement hash is the claim's current one; failed certificates are never
    reused. Anything malformed counts as stale.
    """
    if not isinstance(doc, dict) or doc.get("versions") != versions() or not isinstance(doc.get("certificates"), list):
        return {}
    wanted = {(c.id, route): c.statement_hash for c, route in jobs}
    fields = ("claim", "route", "ok", "dims", "size", "seconds", "detail")
    out: dict[tuple[str, str], Outcome] = {}
    for row in doc["certificates"]:
        if not isinstance(row, dict) or any(name not in row for name in fields):
            continue
        key = (row["claim"], row["route"])
        if row["ok"] is True and wanted.get(key) == row.get("statement_hash"):
            out[key] = replace(Outcome(*(row[name] for name in fields)), evidence=row.get("evidence"))
    return out
