"""Run coqc: the library once (cached by source hash), then each claim's generated file.

* :func:`toolchain` -- coqc on PATH and MathComp beside it (None when either is missing, and
  :func:`missing_message` says in one line what to install);
* :func:`build_library` -- compiles ``coq/theories`` (``-Q theories GDSSM``) into
  ``<cache>/<sha256>/``, the hash taken over the coqc and MathComp versions and the library's sources;
  a later run with the same hash reuses it. The cache is ``$GDSSM_COQ_CACHE``, else
  ``$XDG_CACHE_HOME/gdssm/coq``, else ``~/.cache/gdssm/coq``. A build happens in a temporary folder that
  is renamed into place, so concurrent runs never see half a library;
* :func:`check_files` -- coqc on the files, in batches that share one coqc where :mod:`~gdssm.proofs.coq.batch`
  allows it (a refused batch: each of its files again alone), the others each in a fresh folder (in parallel, one
  per core); a file passes
  only when coqc accepts it **and** ``Print Assumptions`` of each of its theorems (written by
  ``Redirect`` to ``<theorem>.assumptions.out``) answers exactly "Closed under the global context".
  Any other answer -- an unfinished proof, or a lemma in the chain resting on an assumed constant -- is
  a failure, and the answer is kept in the result;
* stored verdicts (:func:`verdict_key`) -- with ``reuse``, a passing verdict is kept in ``<cache>/results``
  under the sha256 of the checker's versions, the library's hash and the file's name, text and theorems, and a
  later run on the very same file answers from it (the certificate's evidence says ``reused``). A construction
  claim's file is printed from its description, so a changed description is a new key and is compiled; a refused
  file is never stored. ``gdssm verify`` reuses; :func:`check_claims` alone does not unless asked;
* :func:`check_claims` -- the route's verdict per claim (:class:`ClaimCheck`, made an
  :class:`~gdssm.proofs.verify.Outcome` by :func:`gdssm.proofs.verify.run_coq_batch`), with the certificate
  evidence (coqc and MathComp versions, the file's sha256, theorem names, assumptions answer, whether the
  statement is generated from the description or stated by the library).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from gdssm.core.errors import BadInput
from gdssm.proofs.coq.batch import library_refusal, plan_batches
from gdssm.proofs.coq.generate import CoqFile, render, render_batch, spec

PACKAGES = ("coq", "libcoq-mathcomp-ssreflect", "libcoq-mathcomp-algebra")
INSTALL = "apt-get install -y " + " ".join(PACKAGES)
CLOSED = "Closed under the global context"
LIBRARY_DIR = Path(__file__).resolve().parents[2] / "coq"
"""The hand-written MathComp library (``coq/_CoqProject``, ``coq/theories/*.v``) at the repository root."""
COQC_TIMEOUT_S = 300.0
LOGICAL = "GDSSM"


class CoqError(BadInput):
    """The library does not compile (a broken ``coq/`` tree), or coqc could not be run."""


@dataclass(frozen=True)
class Toolchain:
    """coqc and the MathComp it loads."""

    coqc: str
    coq: str
    mathcomp: str
    mathcomp_digest: str

    def versions(self) -> dict[str, str]:
        """What a certificate records about the checker."""
        return {"coqc": self.coq, "mathcomp": self.mathcomp, "mathcomp_digest": self.mathcomp_digest}


def _run(cmd: Sequence[str], cwd: Path | None = None, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(cmd), cwd=cwd, capture_output=True, text=True, errors="replace", timeout=timeout,
                          stdin=subprocess.DEVNULL, check=False)


def _mathcomp_dirs(coqc: str) -> list[Path]:
    """Where coqc looks for ``mathcomp``: ``coqc -where``/user-contrib and the COQPATH entries."""
    where = _run([coqc, "-where"]).stdout.strip()
    dirs = [Path(where) / "user-contrib" / "mathcomp"] if where else []
    dirs += [Path(p) / "mathcomp" for p in os.environ.get("COQPATH", "").split(os.pathsep) if p]
    return dirs


def _mathcomp_version() -> str:
    """The Debian package version of MathComp's algebra library, or "unknown" (the digest still identifies it)."""
    if shutil.which("dpkg-query") is None:
        return "unknown"
    out = _run(["dpkg-query", "-W", "-f=${Version}", "libcoq-mathcomp-algebra"])
    version = out.stdout.strip()
    return f"{version.split('-')[0]} (Debian libcoq-mathcomp-algebra {version})" if out.returncode == 0 and version \
        else "unknown"


@functools.lru_cache(maxsize=8)
def _toolchain_at(coqc: str) -> Toolchain | None:
    try:
        out = _run([coqc, "--version"])
    except (OSError, subprocess.TimeoutExpired):
        return None
    found = re.search(r"version (\S+)", out.stdout)
    if out.returncode != 0 or not found:
        return None
    matrix = next((d / "algebra" / "matrix.vo" for d in _mathcomp_dirs(coqc)
                   if (d / "algebra" / "matrix.vo").is_file()), None)
    if matrix is None:
        return None
    digest = hashlib.sha256()
    for name in ("ssreflect/ssreflect.vo", "algebra/ssralg.vo", "algebra/matrix.vo"):
        digest.update((matrix.parent.parent / name).read_bytes())
    return Toolchain(coqc, found.group(1), _mathcomp_version(), digest.hexdigest()[:16])


def toolchain() -> Toolchain | None:
    """coqc on PATH with MathComp (ssreflect and algebra) installed, or None."""
    coqc = shutil.which("coqc")
    return _toolchain_at(coqc) if coqc else None


def missing_message() -> str | None:
    """None when the Coq route can run here; otherwise one line naming what to install."""
    if not (LIBRARY_DIR / "_CoqProject").is_file():
        return (f"the Coq library {LIBRARY_DIR} is not here (gdssm was installed without its repository): "
                "the claims are not Coq-checked; run gdssm from a clone to Coq-check them")
    if toolchain() is not None:
        return None
    what = "coqc not found on PATH" if shutil.which("coqc") is None else "MathComp not found beside coqc"
    return f"{what}: the claims are not Coq-checked; to Coq-check them install: {INSTALL}"


def versions() -> dict[str, str]:
    """The checker's versions for the certificates ({"coqc": "not installed"} without it)."""
    tc = toolchain()
    return tc.versions() if tc is not None else {"coqc": "not installed"}


# ------------------------------------------------------------------------------------------------
# the library

def library_files(source: Path = LIBRARY_DIR) -> tuple[Path, ...]:
    """The library's ``.v`` files in ``_CoqProject`` order (paths relative to ``source``)."""
    project = source / "_CoqProject"
    try:
        lines = project.read_text(encoding="utf-8").splitlines()
    except OSError as err:
        raise CoqError(f"the Coq library has no readable {project}: {err.strerror or err}") from None
    files = tuple(Path(line.strip()) for line in lines if line.strip().endswith(".v"))
    if not files:
        raise CoqError(f"{project} lists no .v file")
    return files


def source_hash(source: Path = LIBRARY_DIR, tc: Toolchain | None = None) -> str:
    """sha256 over the checker's versions, ``_CoqProject`` and each library file (path and bytes)."""
    digest = hashlib.sha256()
    if tc is not None:
        digest.update(json.dumps(tc.versions(), sort_keys=True).encode() + b"\0")
    digest.update((source / "_CoqProject").read_bytes() + b"\0")
    for rel in library_files(source):
        digest.update(rel.as_posix().encode() + b"\0" + (source / rel).read_bytes() + b"\0")
    return digest.hexdigest()


def cache_root() -> Path:
    """``$GDSSM_COQ_CACHE``, else ``$XDG_CACHE_HOME/gdssm/coq``, else ``~/.cache/gdssm/coq``."""
    if os.environ.get("GDSSM_COQ_CACHE"):
        return Path(os.environ["GDSSM_COQ_CACHE"])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "gdssm" / "coq"


@dataclass(frozen=True)
class Library:
    """A compiled library: ``root/theories/*.vo``, its hash, and what building it cost (0 when cached)."""

    root: Path
    hash: str
    cached: bool
    seconds: float
    file_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def theories(self) -> Path:
        """The folder mapped to the logical name GDSSM."""
        return self.root / "theories"


_REQUIRE = re.compile(r"From\s+" + LOGICAL + r"\s+Require\s+(?:Import\s+|Export\s+)?([^.]+)\.")


def _dependencies(source: Path, files: Sequence[Path]) -> dict[Path, set[Path]]:
    by_module = {rel.stem: rel for rel in files}
    deps: dict[Path, set[Path]] = {}
    for rel in files:
        text = (source / rel).read_text(encoding="utf-8")
        names = {n for group in _REQUIRE.findall(text) for n in group.split()}
        unknown = sorted(n for n in names if n not in by_module)
        if unknown:
            raise CoqError(f"{rel} requires {', '.join(unknown)}, which _CoqProject does not list")
        deps[rel] = {by_module[n] for n in names}
    return deps


def _first_error(output: str, limit: int = 300) -> str:
    """The first coqc error of ``output`` as one line: where, then the message."""
    lines = output.splitlines()
    at = next((i for i, line in enumerate(lines) if line.startswith("Error")), None)
    if at is None:
        tail = [line for line in lines if line.strip()][-3:]
        return " ".join(" ".join(tail).split())[:limit] or "no output"
    where = lines[at - 1].strip() if at > 0 and lines[at - 1].startswith("File") else ""
    message = " ".join(" ".join(lines[at:at + 12]).split())
    return (f"{where} {message}" if where else message)[:limit]


def _workers(n: int) -> int:
    return max(1, min(n, os.cpu_count() or 1))


def build_library(tc: Toolchain, source: Path = LIBRARY_DIR, cache: Path | None = None) -> Library:
    """The compiled library for ``source`` (compiled now, or found in the cache)."""
    digest = source_hash(source, tc)
    root = (cache or cache_root()) / digest
    if (root / "manifest.json").is_file():
        return Library(root, digest, True, 0.0)
    try:
        root.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{digest[:12]}-", dir=root.parent))
    except OSError as err:
        raise CoqError(f"cannot create the Coq cache folder {root.parent}: {err.strerror or err}") from None
    try:
        files = library_files(source)
        shutil.copyfile(source / "_CoqProject", tmp / "_CoqProject")
        for rel in files:
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source / rel, tmp / rel)
        start = time.perf_counter()
        times = _compile_in_order(tc, tmp, files, _dependencies(source, files))
        seconds = time.perf_counter() - start
        manifest = {"hash": digest, "versions": tc.versions(), "files": [rel.as_posix() for rel in files],
                    "seconds": {k: round(v, 3) for k, v in times.items()}}
        (tmp / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
        try:
            os.rename(tmp, root)
        except OSError:
            if not (root / "manifest.json").is_file():  # not a concurrent build that won the race
                raise
            shutil.rmtree(tmp, ignore_errors=True)
        return Library(root, digest, False, seconds, times)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)


def _compile_in_order(tc: Toolchain, root: Path, files: Sequence[Path],
                      deps: dict[Path, set[Path]]) -> dict[str, float]:
    """coqc on every file once its dependencies are compiled, independent files in parallel."""
    done: set[Path] = set()
    times: dict[str, float] = {}
    with ThreadPoolExecutor(max_workers=_workers(len(files))) as pool:
        while len(done) < len(files):
            ready = [rel for rel in files if rel not in done and deps[rel] <= done]
            if not ready:
                raise CoqError(f"the Coq library has a dependency cycle among {sorted(str(f) for f in files)}")
            for rel, (proc, seconds) in zip(ready, pool.map(lambda r: _coqc(tc, root, r), ready), strict=True):
                if proc.returncode != 0:
                    error = _first_error(proc.stdout + proc.stderr)
                    raise CoqError(f"the Coq library does not compile: {rel}: {error}")
                times[rel.as_posix()] = seconds
                done.add(rel)
    return times


def _coqc(tc: Toolchain, cwd: Path, rel: Path, lib: Path | None = None,
          timeout: float = COQC_TIMEOUT_S) -> tuple[subprocess.CompletedProcess[str], float]:
    mapping = ["-Q", str(lib) if lib is not None else "theories", LOGICAL]
    start = time.perf_counter()
    try:
        proc = _run([tc.coqc, *mapping, str(rel)], cwd=cwd, timeout=timeout)
    except subprocess.TimeoutExpired:
        proc = subprocess.CompletedProcess([tc.coqc], 124, "", f"Error: coqc ran past {timeout:g} s")
    return proc, time.perf_counter() - start


# ------------------------------------------------------------------------------------------------
# the claims' files

@dataclass(frozen=True)
class FileResult:
    """coqc's verdict on one file: accepted or not, and the assumptions answer of each theorem."""

    name: str
    sha256: str
    accepted: bool
    assumptions: dict[str, str]
    seconds: float
    detail: str
    reused: bool = False
    """Whether the verdict is a stored one (:func:`verdict_key`): the same file was accepted on the same library
    and checker before, and ``seconds`` is the lookup's."""

    @property
    def ok(self) -> bool:
        """Accepted, and every theorem closed under the global context."""
        return self.accepted and bool(self.assumptions) and all(a == CLOSED for a in self.assumptions.values())


def check_file(tc: Toolchain, lib: Library, name: str, text: str, theorems: Sequence[str],
               workdir: Path) -> FileResult:
    """coqc on ``text`` written as ``workdir/name``; then read each theorem's ``Print Assumptions`` answer."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*\.v", name):
        raise BadInput(f"a Coq file name must be a module name ending in .v, got {name!r}")
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / name).write_text(text, encoding="utf-8")
    sha = hashlib.sha256(text.encode()).hexdigest()
    proc, seconds = _coqc(tc, workdir, Path(name), lib.theories)
    if proc.returncode != 0:
        return FileResult(name, sha, False, {}, seconds,
                          f"coqc refused {name}: {_first_error(proc.stdout + proc.stderr)}")
    return _verdict(name, text, theorems, workdir, seconds)


def _verdict(name: str, text: str, theorems: Sequence[str], workdir: Path, seconds: float) -> FileResult:
    """The result of an accepted file: each theorem's ``Print Assumptions`` answer, read from ``workdir``."""
    answers: dict[str, str] = {}
    for thm in theorems:
        out = workdir / f"{thm}.assumptions.out"
        answers[thm] = " ".join(out.read_text(encoding="utf-8", errors="replace").split()) if out.is_file() \
            else "no Print Assumptions answer"
    bad = {thm: a for thm, a in answers.items() if a != CLOSED}
    if bad:
        thm, answer = next(iter(bad.items()))
        detail = f"coqc accepted {name} but Print Assumptions {thm} answers: {answer[:200]}"
    else:
        detail = f"coqc accepted {name}; Print Assumptions: {CLOSED}"
    return FileResult(name, hashlib.sha256(text.encode()).hexdigest(), True, answers, seconds, detail)


def check_batch(tc: Toolchain, lib: Library, files: Sequence[CoqFile], workdir: Path) -> list[FileResult] | None:
    """coqc on one batch of ``files`` (:func:`gdssm.proofs.coq.generate.render_batch`, the rules of
    :mod:`gdssm.proofs.coq.batch`): each file's result if coqc accepts the batch, None if it refuses it (then no
    file of it has a verdict yet)."""
    name = f"coq_batch_{hashlib.sha256(''.join(f.text for f in files).encode()).hexdigest()[:12]}"
    text = render_batch(name, files)
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / f"{name}.v").write_text(text, encoding="utf-8")
    proc, seconds = _coqc(tc, workdir, Path(f"{name}.v"), lib.theories, timeout=COQC_TIMEOUT_S * len(files))
    if proc.returncode != 0:
        return None
    sha = hashlib.sha256(text.encode()).hexdigest()
    results = []
    for f in files:
        result = _verdict(f.name, f.text, f.theorems, workdir, seconds / len(files))
        where = (f"in {name}.v (sha256 {sha[:16]}, one coqc for {len(files)} files: this file's text after its "
                 f"prelude in Module {f.module})")
        results.append(dataclasses.replace(result, detail=result.detail.replace(f"accepted {f.name}",
                                                                                 f"accepted {f.name} {where}", 1)))
    return results


def _library_batchable(lib: Library) -> bool:
    """Whether the compiled library's sources allow batching (:func:`~gdssm.proofs.coq.batch.library_refusal`; an
    unreadable copy does not)."""
    try:
        return library_refusal(lib.root, library_files(lib.root)) is None
    except (CoqError, OSError, UnicodeDecodeError):
        return False


def check_files(tc: Toolchain, lib: Library, files: Sequence[CoqFile],
                results: Path | None = None, batched: bool = True) -> list[FileResult]:
    """:func:`check_file` on each file: in batches of files sharing one coqc where :mod:`~gdssm.proofs.coq.batch`
    allows it (a refused batch: each of its files again on its own), the others each in its own fresh folder; one
    coqc per core.

    With ``results`` (a folder of :func:`verdict_key`-named verdicts) a file whose passing verdict is stored there is
    not compiled again (:attr:`FileResult.reused`), and every new passing verdict is stored. ``batched=False``: one
    coqc per file (what the benchmark compares the batches with)."""
    fresh: list[tuple[int, CoqFile]] = []
    out: dict[int, FileResult] = {}
    for i, f in enumerate(files):
        stored = None if results is None else _stored_verdict(results, tc, lib, f)
        if stored is None:
            fresh.append((i, f))
        else:
            out[i] = stored
    if fresh:
        batches: list[list[int]] = []
        alone = list(range(len(fresh)))
        if batched and _library_batchable(lib):
            batches, alone = plan_batches([f for _, f in fresh])
        with tempfile.TemporaryDirectory(prefix="gdssm-coq-") as tmp:
            def one(j: int) -> FileResult:
                i, f = fresh[j]
                return check_file(tc, lib, f.name, f.text, f.theorems, Path(tmp) / str(i))

            def many(b: int) -> list[FileResult] | None:
                return check_batch(tc, lib, [fresh[j][1] for j in batches[b]], Path(tmp) / f"batch{b}")

            with ThreadPoolExecutor(max_workers=_workers(len(batches) + len(alone))) as pool:
                found: dict[int, FileResult] = dict(zip(alone, pool.map(one, alone), strict=True))
                refused: list[int] = []
                for b, answer in enumerate(pool.map(many, range(len(batches)))):
                    if answer is None:
                        refused += batches[b]  # not trusted for any of its files: each on its own
                    else:
                        found.update(zip(batches[b], answer, strict=True))
                found.update(zip(refused, pool.map(one, refused), strict=True))
            for j, result in found.items():
                i, f = fresh[j]
                out[i] = result
                if results is not None and result.ok:
                    _store_verdict(results, tc, lib, f, result)
    return [out[i] for i in range(len(files))]


# ------------------------------------------------------------------------------------------------
# stored verdicts: coqc's answer on a file is a function of the file, the compiled library and the checker

VERDICT_FORMAT = "gdssm.coq-verdict/1"


def verdict_key(tc: Toolchain, lib: Library, f: CoqFile) -> str:
    """sha256 over everything coqc's verdict on ``f`` depends on: the checker's versions (coqc, MathComp and its
    digest), the library's hash (its sources and the checker, :func:`source_hash`), and the file itself -- name,
    text and the theorems whose assumptions are asked. A construction claim's text is printed from its description,
    so a changed description is another key: its file is compiled, never answered from an old verdict."""
    digest = hashlib.sha256(VERDICT_FORMAT.encode() + b"\0")
    digest.update(json.dumps(tc.versions(), sort_keys=True).encode() + b"\0" + lib.hash.encode() + b"\0")
    digest.update(f.name.encode() + b"\0" + f.text.encode() + b"\0" + "\0".join(f.theorems).encode())
    return digest.hexdigest()


def results_folder(cache: Path | None = None) -> Path:
    """Where passing verdicts are stored: ``<cache>/results`` (:func:`cache_root` unless given)."""
    return (cache or cache_root()) / "results"


def _stored_verdict(results: Path, tc: Toolchain, lib: Library, f: CoqFile) -> FileResult | None:
    """The stored passing verdict on ``f``, or None (none stored, unreadable, or not for exactly this file)."""
    key = verdict_key(tc, lib, f)
    start = time.perf_counter()
    try:
        row = json.loads((results / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    sha = hashlib.sha256(f.text.encode()).hexdigest()
    if not isinstance(row, dict) or row.get("key") != key or row.get("sha256") != sha:
        return None
    assumptions = row.get("assumptions")
    if not isinstance(assumptions, dict) or set(assumptions) != set(f.theorems) \
            or any(a != CLOSED for a in assumptions.values()):
        return None
    checked = row.get("seconds") if isinstance(row.get("seconds"), int | float) else 0.0
    detail = (f"coqc accepted {f.name} (verdict stored by an earlier run on this very file, library and coqc, "
              f"{checked:.2f} s then); Print Assumptions: {CLOSED}")
    return FileResult(f.name, sha, True, dict(assumptions), time.perf_counter() - start, detail, reused=True)


def _store_verdict(results: Path, tc: Toolchain, lib: Library, f: CoqFile, r: FileResult) -> None:
    """Store a passing verdict (written under a temporary name and renamed; a failure to write is ignored)."""
    key = verdict_key(tc, lib, f)
    row = {"format": VERDICT_FORMAT, "key": key, "file": f.name, "sha256": r.sha256, "theorems": list(f.theorems),
           "assumptions": r.assumptions, "seconds": round(r.seconds, 3), "library": lib.hash, **tc.versions()}
    try:
        results.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{key[:12]}-", dir=results)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(row, indent=2, sort_keys=True) + "\n")
        os.replace(tmp, results / f"{key}.json")
    except OSError:
        pass


# ------------------------------------------------------------------------------------------------
# the route

@dataclass(frozen=True)
class ClaimCheck:
    """The coq route's verdict on one claim (the fields of a certificate row)."""

    claim: str
    ok: bool
    dims: str
    size: str
    seconds: float
    detail: str
    evidence: dict[str, Any] | None = None


def check_claims(claim_ids: Sequence[str], source: Path = LIBRARY_DIR, cache: Path | None = None,
                 reuse: bool = False) -> list[ClaimCheck]:
    """The coq route on ``claim_ids``: the library built or reused once, every claim's file checked in parallel.

    ``reuse``: answer a file from its stored passing verdict (:func:`verdict_key`: the same text, library and
    checker), and store new passing verdicts, in :func:`results_folder` of ``cache``; a refused file is never
    stored, and a changed file (a changed description) is always compiled. Where coqc or MathComp is missing this
    raises :class:`BadInput` with :func:`missing_message`; callers that want "not Coq-checked" instead ask
    :func:`missing_message` first.
    """
    tc = toolchain()
    if tc is None:
        raise BadInput(missing_message() or "the Coq route cannot run here")
    start = time.perf_counter()
    try:
        lib = build_library(tc, source, cache)
    except CoqError as err:  # a library that does not compile proves nothing: every claim fails the route
        return [ClaimCheck(c, False, "-", "-", time.perf_counter() - start, str(err)) for c in claim_ids]
    lib_seconds = time.perf_counter() - start
    rendered: list[CoqFile | None] = []
    errors: dict[str, str] = {}
    for c in claim_ids:
        try:
            rendered.append(render(c))
        except BadInput as err:
            rendered.append(None)
            errors[c] = str(err)
    files = [f for f in rendered if f is not None]
    checked = check_files(tc, lib, files, results_folder(cache) if reuse else None)
    results = dict(zip((f.claim_id for f in files), checked, strict=True))
    share = lib_seconds / max(len(files), 1)  # the library's build (or cache lookup), split over the claims
    outcomes = []
    for c, f in zip(claim_ids, rendered, strict=True):
        if f is None:
            outcomes.append(ClaimCheck(c, False, "-", "-", 0.0, f"no Coq file: {errors[c]}"))
            continue
        r = results[c]
        s = spec(c)
        evidence: dict[str, Any] = {
            **tc.versions(), "library": lib.hash, "file": f.name,
            "sha256": r.sha256, "theorems": list(f.theorems), "assumptions": r.assumptions,
            "statement": f.origin, "source": f.source,
        }
        if r.reused:
            evidence["reused"] = "verdict stored by an earlier coqc run on this file (same sha256, library, coqc)"
        size = f"{len(f.theorems)} theorem{'s' if len(f.theorems) > 1 else ''}, {f.text.count(chr(10))} lines"
        outcomes.append(ClaimCheck(c, r.ok, s.scope, size, r.seconds + share, f"{r.detail} ({f.origin})",
                                   evidence))
    return outcomes
