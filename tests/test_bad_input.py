"""The bad-input suite: every subcommand, table-driven.

Each case runs ``gdssm.cli.dispatch.main`` in this process (fast, parallel-safe under pytest-xdist: every case
has its own folder) and asserts its exit code (2 for bad input, 1 only where a file's claim is refuted), exactly
one line ``gdssm: error: ...`` with the expected words, no traceback, under 2 s, and that no file was left
behind or clobbered in its folder. Heavy imports happen once per worker, before the clock starts. A few cases
run in a real process (:func:`test_real_process_cases`): what a user at a terminal sees.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from gdssm.cli import dispatch as cli

LIMIT_S = 2.0


@dataclass(frozen=True)
class Case:
    """``argv`` (``{tmp}`` is the case's folder, ``{NAME}`` an asset), the exit code, words of the message."""

    argv: tuple[str, ...]
    says: str
    code: int = 2
    setup: Callable[[Path, dict[str, Path]], None] | None = None


def C(line: str, says: str, code: int = 2, setup: Callable[[Path, dict[str, Path]], None] | None = None) -> Case:
    """A case from a command line written as one string (arguments split on blanks; '' is an empty argument)."""
    argv = tuple("" if a == "''" else a for a in line.split())
    return Case(argv, says, code, setup)


def write(relative: str, content: str | bytes) -> Callable[[Path, dict[str, Path]], None]:
    """A setup that writes one file under the case's folder."""

    def setup(tmp: Path, assets: dict[str, Path]) -> None:
        path = tmp / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)

    return setup


def folder(relative: str) -> Callable[[Path, dict[str, Path]], None]:
    def setup(tmp: Path, assets: dict[str, Path]) -> None:
        (tmp / relative).mkdir(parents=True)

    return setup


Setup = Callable[[Path, dict[str, Path]], None]


def edited(asset: str, relative: str, change: Callable[[dict[str, Any]], Any]) -> Setup:
    """A setup that writes ``relative``: the JSON asset with ``change`` applied (in place)."""

    def setup(tmp: Path, assets: dict[str, Path]) -> None:
        doc = json.loads(assets[asset].read_text())
        change(doc)
        (tmp / relative).write_text(json.dumps(doc))

    return setup


def summary(content: str | bytes) -> Callable[[Path, dict[str, Path]], None]:
    return write("train/paper-e1/summary.json", content)


CASES: dict[str, Case] = {
    # --- the program ------------------------------------------------------------------------------------------
    "no command": C("", "", 2),
    "unknown command": C("frobnicate", "invalid choice: 'frobnicate'"),
    "unknown global option": C("--bogus derive", "unrecognized arguments"),
    "option without value": C("derive --f", "expected one argument"),
    "unknown option": C("derive --bogus", "unrecognized arguments: --bogus"),
    "debug does not hide errors": C("derive --debug --f 0", "dimension f must be an integer >= 1"),
    "max-memory junk": C("derive --max-memory lots", "memory size must be a number of bytes"),
    "max-memory too small": C("derive --max-memory 1k", "memory size must be at least 1M"),
    "max-memory negative": C("derive --max-memory=-4G", "memory size must be"),
    "max-time junk": C("derive --max-time soon", "time must be a number of seconds"),
    "max-time zero": C("check --max-time 0", "time must be at least 1 s"),
    "max-time unit": C("train --max-time 3y", "time must be a number of seconds"),
    # --- derive: sizes and integers -----------------------------------------------------------------------------
    "derive f 0": C("derive --f 0", "dimension f must be an integer >= 1, got '0'"),
    "derive m negative": C("derive --m -1", "dimension m must be an integer >= 1"),
    "derive n text": C("derive --n x", "dimension N must be an integer >= 1, got 'x'"),
    "derive n float": C("derive --n 1.5", "dimension N must be an integer"),
    "derive n empty": C("derive --n ''", "dimension N must be an integer"),
    "derive f huge digits": C("derive --f " + "9" * 50, "needs about"),
    "derive f 10^6": C("derive --f 1000000", "derive at f = 1000000, m = 1 needs about"),
    "derive m 10^5": C("derive --m 100000", "the memory budget is 4 GiB (raise it with --max-memory)"),
    "derive k-step f 10^4": C("derive --construction k-step --f 10000", "needs about"),
    "derive steps 10^9": C("derive --construction k-step --steps 1000000000", "needs about"),
    "derive reference f 10^5": C("derive --construction reference-two-step --f 100000 --m 100000 --eta 1",
                                 "needs about"),
    "derive budget lowered": C("derive --f 100 --max-memory 1M", "the memory budget is 1 MiB"),
    "derive time budget": C("derive --f 300 --max-time 1s", "the time budget is 1 s (raise it with --max-time)"),
    "derive steps negative": C("derive --construction k-step --steps -1", "number of steps k must be an integer >= 0"),
    "derive steps text": C("derive --construction k-step --steps two", "number of steps k must be an integer"),
    # --- derive: exact numbers ----------------------------------------------------------------------------------
    "derive eta inf": C("derive --eta inf", "unknown name 'inf'"),
    "derive eta nan": C("derive --eta nan", "unknown name 'nan'"),
    "derive eta negative": C("derive --eta -1", "step size eta must be positive"),
    "derive eta zero": C("derive --eta 0", "step size eta must be positive"),
    "derive eta 1/0": C("derive --eta 1/0", "division by zero"),
    "derive eta 0/0": C("derive --eta 0/0", "division by zero"),
    "derive eta exponent": C("derive --eta 1e99999", "exponent of '1e99999' is beyond"),
    "derive eta code": C("derive --eta __import__('os').system('true')", "unexpected character"),
    "derive eta name": C("derive --eta E", "unknown name 'E'"),
    "derive eta call": C("derive --eta exp(1)", "unknown name 'exp'"),
    "derive eta hex": C("derive --eta 0x10", "expected an operator or the end"),
    "derive eta caret": C("derive --eta 2^3", "unexpected character '^'"),
    "derive eta unicode digit": C("derive --eta \u0663", "unexpected character"),
    "derive eta empty": C("derive --eta ''", "empty, expected an exact number"),
    "derive eta digits": C("derive --eta " + "7" * 1500, "a number with 1500 digits"),
    "derive eta power": C("derive --eta 2**100", "power 100 is beyond 64"),
    "derive lam text": C("derive --lam half", "unknown name 'half'"),
    "derive lam 1/0": C("derive --lam 1/0", "discount lambda: division by zero"),
    "derive gamma junk": C("derive --construction k-step --gamma 1//2", "expected a number"),
    "derive etas empty": C("derive --construction k-step --etas ''", "--etas is empty"),
    "derive etas hole": C("derive --construction k-step --etas 1/2,,1/3", "empty, expected an exact number"),
    "derive etas negative": C("derive --construction k-step --etas 1/2,-1", "step size eta_j must be positive"),
    "derive etas count": C("derive --construction k-step --steps 3 --etas 1/2,1/3", "2 per-step step sizes for k = 3"),
    # --- derive: choices and options that do not apply ------------------------------------------------------------
    "derive construction": C("derive --construction nope", "unknown construction 'nope'"),
    "derive layout": C("derive --layout diagonal", "unknown layout 'diagonal'"),
    "derive reference layout dims": C("derive --layout reference --f 3 --m 2", "m = f (vector task) or m = 1"),
    "derive k-step reference layout": C("derive --construction k-step --layout reference --f 2 --m 2",
                                        "needs E_x^T E_y = 0"),
    "derive format": C("derive --format yaml", "invalid choice: 'yaml'"),
    "derive variant one-step": C("derive --variant B", "--variant does not apply"),
    "derive variant unknown": C("derive --construction reference-two-step --variant C --eta 1", "unknown variant 'C'"),
    "derive law alone": C("derive --law uniform", "--law does not apply without --optimal-eta"),
    "derive gamma one-step": C("derive --gamma 1/2", "--gamma does not apply to the one-step construction"),
    "derive etas one-step": C("derive --etas 1/2", "--etas does not apply to the one-step construction"),
    "derive steps one-step": C("derive --steps 2", "the one-step construction has k = 1"),
    "derive eta and etas": C("derive --construction k-step --eta 1 --etas 1/2,1/3", "give --eta or --etas, not both"),
    "derive reference lam": C("derive --construction reference-two-step --lam 1/2", "--lam does not apply"),
    "derive reference etas": C("derive --construction reference-two-step --etas 1,1", "--etas does not apply"),
    "derive reference steps": C("derive --construction reference-two-step --steps 3", "reference-two-step has k = 2"),
    "derive reference split": C("derive --construction reference-two-step --layout split",
                                "uses the reference layout"),
    "derive optimal eta": C("derive --optimal-eta --eta 1", "--eta does not apply with --optimal-eta"),
    "derive optimal construction": C("derive --optimal-eta --construction k-step", "--construction does not apply"),
    "derive optimal layout": C("derive --optimal-eta --layout split", "--layout does not apply"),
    "derive optimal latex": C("derive --optimal-eta --format latex", "--optimal-eta prints json or text"),
    "derive optimal law": C("derive --optimal-eta --law cauchy", "unknown input law 'cauchy'"),
    # --- derive: outputs ----------------------------------------------------------------------------------------
    "derive output folder": C("derive -o {tmp}", "it is a folder; name a file"),
    "derive output folder optimal": C("derive --optimal-eta -o {tmp}", "it is a folder"),
    "derive output proc": C("derive -o /proc/gdssm-nowhere/x.json", "is not writable"),
    "derive output under a file": C("derive -o {tmp}/file.txt/x.json", "is a file, not a folder",
                                    setup=write("file.txt", "keep")),
    "derive output empty": C("derive -o ''", "the output path is empty"),
    "export output empty": C("export --eta 1 -o ''", "the output path is empty"),
    "derive output kept on refusal": C("derive --f 0 -o {tmp}/old.json", "dimension f",
                                       setup=write("old.json", "old contents")),
    "derive output kept on budget": C("derive --f 100000 -o {tmp}/old.json", "needs about",
                                      setup=write("old.json", "old contents")),
    # --- verify ---------------------------------------------------------------------------------------------------
    "verify claim": C("verify --claim nope", "unknown claim 'nope'"),
    "verify route": C("verify --route nope", "unknown route 'nope'"),
    "verify seed text": C("verify --seed x", "seed must be an integer >= 0"),
    "verify seed negative": C("verify --seed -1", "seed must be an integer >= 0"),
    "verify certificates folder": C("verify --claim ssm.state --certificates {tmp}", "it is a folder"),
    "verify certificates empty": C("verify --claim ssm.state --certificates ''", "the output path is empty"),
    "verify certificates proc": C("verify --claim ssm.state --certificates /proc/nowhere/c.json", "not writable"),
    "verify file missing": C("verify --construction-file {tmp}/none.json", "construction file not found"),
    "verify file folder": C("verify --construction-file {tmp}", "is a folder, not a file"),
    "verify file and claim": C("verify --construction-file {ONE} --claim ssm.state", "--claim does not apply"),
    "verify file and certificates": C("verify --construction-file {ONE} --certificates c.json",
                                      "--certificates does not apply"),
    "verify file route symbolic": C("verify --construction-file {ONE} --route symbolic",
                                    "route 'symbolic' does not apply to a construction file"),
    "verify file route coq": C("verify --construction-file {ONE} --route coq", "route 'coq' does not apply"),
    "verify file not json": C("verify --construction-file {tmp}/x.json", "is not valid JSON",
                              setup=write("x.json", "not json")),
    "verify file list": C("verify --construction-file {tmp}/x.json", "must hold a JSON object, not an array",
                          setup=write("x.json", "[]")),
    "verify file huge N": C("verify --construction-file {tmp}/x.json", "needs about",
                            setup=edited("ONE", "x.json", lambda d: d["dims"].update(N=10**12))),
    "verify file huge f": C("verify --construction-file {tmp}/x.json", "needs about",
                            setup=edited("ONE", "x.json", lambda d: d["dims"].update(f=10**8, H=10**8 + 1))),
    "verify file old schema": C("verify --construction-file {tmp}/x.json", "is not 'gdssm.derive/2'",
                                setup=edited("ONE", "x.json", lambda d: d.update(schema="gdssm.derive/1"))),
    "verify file k-step W0 decay": C("verify --construction-file {tmp}/x.json", "need weight decay gamma = 0",
                                     setup=edited("K2", "x.json", lambda d: d.update(W0=[["1", "0"]], gamma="1/2"))),
    "verify file one-step gamma": C("verify --construction-file {tmp}/x.json", "has no weight decay",
                                    setup=edited("ONE", "x.json", lambda d: d.update(gamma="1/2"))),
    "verify file no eta": C("verify --construction-file {tmp}/x.json", "gives no step size",
                            setup=edited("ONE", "x.json", lambda d: d.update(eta=None, alpha=None))),
    # --- verify: header/body disagreements are refuted (exit 1), naming the field -----------------------------------
    "refuted: moved eta": C("verify --construction-file {tmp}/x.json", "gd.etas[0]: is 2/5", 1,
                            setup=edited("ONE", "x.json", lambda d: (d["params"].update(C=[["0", "0", "1/10"]]),
                                                                     d["gd"].update(etas=["2/5"])))),
    "refuted: moved alpha": C("verify --construction-file {tmp}/x.json", "alpha: is 1/10", 1,
                              setup=edited("ONE", "x.json", lambda d: d.update(alpha="1/10"))),
    "refuted: normaliser": C("verify --construction-file {tmp}/x.json", "gd.normaliser: is 1", 1,
                             setup=edited("ONE", "x.json", lambda d: (d["params"].update(C=[["0", "0", "1/5"]]),
                                                                      d["gd"].update(normaliser="1")))),
    "refuted: discounted target": C("verify --construction-file {tmp}/x.json", "gd.lambda: is 9/10", 1,
                                    setup=edited("ONE", "x.json", lambda d: (
                                        d["params"].update(Lambda=[["9/10"] * 3] * 3),
                                        d["gd"].update({"lambda": "9/10"})))),
    "refuted: claims": C("verify --construction-file {tmp}/x.json", "claims: are ssm.state, ssm.one_step", 1,
                         setup=edited("ONE", "x.json", lambda d: (d.update({"lambda": "9/10"}),
                                                                  d["gd"].update({"lambda": "9/10"})))),
    "refuted: steps": C("verify --construction-file {tmp}/x.json", "gd.etas: lists 2 steps", 1,
                        setup=edited("K2", "x.json", lambda d: d.update(steps=3))),
    "refuted: readout": C("verify --construction-file {tmp}/x.json", "readout.rho: has 1 entries", 1,
                          setup=edited("K2", "x.json", lambda d: (d.update(steps=3), d.pop("gd"), d.pop("claims"),
                                                                  d["readout"].pop("k")))),
    "refuted: H": C("verify --construction-file {tmp}/x.json", "dims.H: is 4", 1,
                    setup=edited("ONE", "x.json", lambda d: d["dims"].update(H=4))),
    "refuted: shape": C("verify --construction-file {tmp}/x.json", "params.C: is 1 x 4", 1,
                        setup=edited("ONE", "x.json", lambda d: d["params"].update(C=[["0", "0", "0", "1/20"]]))),
    "refuted: embeddings": C("verify --construction-file {tmp}/x.json", "embeddings.E_x", 1,
                             setup=edited("ONE", "x.json", lambda d: d["embeddings"].update(
                                 E_x=[["0", "1"], ["1", "0"], ["0", "0"]]))),
    "refuted: layer": C("verify --construction-file {tmp}/x.json", "the layer is not the one-step GD", 1,
                        setup=edited("ONE", "x.json", lambda d: (d["params"].update(C=[["0", "0", "-1/20"]]),
                                                                 d.pop("gd")))),
    # --- check ----------------------------------------------------------------------------------------------------
    "check examples 0": C("check --examples 0", "examples must be an integer >= 1, got '0'"),
    "check examples negative": C("check --examples -5", "examples must be an integer >= 1"),
    "check examples text": C("check --examples many", "examples must be an integer >= 1"),
    "check seed negative": C("check --seed -1", "seed must be an integer >= 0, got '-1'"),
    "check seed text": C("check --seed x", "seed must be an integer >= 0"),
    "check construction": C("check --construction nope", "unknown construction 'nope' for check"),
    "check examples huge": C("check --examples 100000000", "check with 100000000 examples needs about"),
    "check weights missing": C("check --weights {tmp}/none.safetensors", "weights file not found"),
    "check weights folder": C("check --weights {tmp}", "is a folder, not a file"),
    "check weights suffix": C("check --weights {tmp}/w.bin", "unknown weights file suffix '.bin'",
                              setup=write("w.bin", b"\x00" * 16)),
    "check weights and file": C("check --weights {GOOD} --construction-file {ONE}",
                                "--construction-file does not apply with --weights"),
    "check weights and construction": C("check --weights {GOOD} --construction k-step",
                                        "--construction does not apply with --weights"),
    "check file and construction": C("check --construction-file {ONE} --construction k-step",
                                     "--construction does not apply with --construction-file"),
    "check file missing": C("check --construction-file {tmp}/none.json", "construction file not found"),
    "check file huge N": C("check --construction-file {tmp}/x.json", "needs about",
                           setup=edited("ONE", "x.json", lambda d: d["dims"].update(N=10**9))),
    "check weights huge N": C("check --weights {HUGE_N}", "N = 1000000000"),
    "check weights corrupt": C("check --weights {tmp}/w.safetensors", "corrupt or truncated safetensors file",
                               setup=write("w.safetensors", b"\xff" * 64)),
    "check weights empty": C("check --weights {tmp}/w.safetensors", "corrupt or truncated",
                             setup=write("w.safetensors", b"")),
    "check weights pt junk": C("check --weights {tmp}/w.pt", "corrupt or truncated torch file",
                               setup=write("w.pt", b"PK\x03\x04 not a zip")),
    "check weights pt text": C("check --weights {tmp}/w.pt", "corrupt or truncated torch file",
                               setup=write("w.pt", "import os")),
    "check weights npz junk": C("check --weights {tmp}/w.npz", "corrupt or truncated .npz file",
                                setup=write("w.npz", b"\x00\x01\x02")),
    "check weights header length": C("check --weights {tmp}/w.safetensors", "corrupt or truncated",
                              setup=write("w.safetensors", b"\xff" * 8 + b"\x00" * 16)),
    # --- report ---------------------------------------------------------------------------------------------------
    "report out not pdf": C("report --out {tmp}/r.txt", "--out must name a .pdf file"),
    "report out folder": C("report --out {tmp}/r.pdf", "is a folder; name the PDF file", setup=folder("r.pdf")),
    "report out proc": C("report --out /proc/gdssm-nowhere/r.pdf", "not writable"),
    "report out under a file": C("report --out {tmp}/f/r.pdf", "is a file, not a folder", setup=write("f", "x")),
    "report f 0": C("report --f 0", "dimension f must be an integer >= 1"),
    "report n huge": C("report --tex-only --n 100000", "report at f = 2, m = 1, N = 100000"),
    "report f huge": C("report --tex-only --f 1000000", "needs about"),
    "report steps huge": C("report --tex-only --max-steps 100000", "K = 100000"),
    "report steps negative": C("report --max-steps -1", "number of steps k must be an integer >= 0"),
    "report train dir file": C("report --out {tmp}/r.pdf --train-dir {tmp}/t", "is a file, not a folder",
                               setup=write("t", "x")),
    "report summary list": C("report --out {tmp}/r.pdf --train-dir {tmp}/train",
                             "must hold a JSON object, not an array", setup=summary("[]")),
    "report summary NaN": C("report --out {tmp}/r.pdf --train-dir {tmp}/train", "NaN is not a JSON number",
                            setup=summary('{"schema": NaN}')),
    "report summary duplicate": C("report --out {tmp}/r.pdf --train-dir {tmp}/train", "duplicate key 'schema'",
                                  setup=summary('{"schema": 1, "schema": 2}')),
    "report summary schema": C("report --out {tmp}/r.pdf --train-dir {tmp}/train", "is not a gdssm.train/1",
                               setup=summary('{"schema": "other"}')),
    "report summary keys": C("report --out {tmp}/r.pdf --train-dir {tmp}/train", "lacks what 'gdssm train' writes",
                             setup=summary('{"schema": "gdssm.train/1"}')),
    "report summary binary": C("report --out {tmp}/r.pdf --train-dir {tmp}/train", "is not UTF-8 text",
                               setup=summary(b"\xff\xfe{}")),
    # --- export ---------------------------------------------------------------------------------------------------
    "export no output": C("export --eta 1", "-o/--output"),
    "export no eta": C("export -o {tmp}/w.safetensors", "export needs a step size"),
    "export symbolic": C("export --eta symbolic -o {tmp}/w.safetensors", "numeric step sizes"),
    "export etas symbolic": C("export --construction k-step --etas 1,symbolic -o {tmp}/w.safetensors",
                              "numeric step sizes"),
    "export eta 1e400": C("export --eta 1e400 -o {tmp}/w.safetensors", "does not fit a float64 tensor"),
    "export eta 1e-400": C("export --eta 1e-400 -o {tmp}/w.safetensors", "does not fit a float64 tensor"),
    "export eta float32": C("export --eta 1e39 --dtype float32 -o {tmp}/w.safetensors", "does not fit a float32"),
    "export gamma float32": C("export --construction k-step --eta 1 --gamma 1e39 --dtype float32 "
                              "-o {tmp}/w.safetensors", "does not fit a float32"),
    "export lam huge": C("export --eta 1 --lam 1e400 -o {tmp}/w.safetensors", "lambda = 1.00E+400 does not fit"),
    "export output folder": C("export --eta 1 -o {tmp}", "it is a folder; name a file"),
    "export output folder with suffix": C("export --eta 1 -o {tmp}/w.safetensors", "it is a folder",
                                          setup=folder("w.safetensors")),
    "export output proc": C("export --eta 1 -o /proc/nowhere/w.safetensors", "not writable"),
    "export suffix": C("export --eta 1 --format pt -o {tmp}/w.safetensors", "does not fit format 'pt'"),
    "export unknown suffix": C("export --eta 1 -o {tmp}/w.bin", "unknown weights file suffix '.bin'"),
    "export no suffix": C("export --eta 1 -o {tmp}/weights", "unknown weights file suffix '(none)'"),
    "export two-step": C("export --construction reference-two-step -o {tmp}/w.pt", "cannot export construction"),
    "export unknown construction": C("export --construction nope -o {tmp}/w.pt", "cannot export construction 'nope'"),
    "export k-step reference": C("export --construction k-step --format reference -o {tmp}/w.npz",
                                 "one-step construction only"),
    "export reference dims": C("export --eta 1 --format reference --f 3 --m 2 -o {tmp}/w.npz",
                               "m = f (vector task) or m = 1"),
    "export reference split": C("export --eta 1 --format reference --layout split -o {tmp}/w.npz",
                                "layout 'reference'"),
    "export steps one-step": C("export --eta 1 --steps 2 -o {tmp}/w.safetensors",
                               "the one-step construction has k = 1"),
    "export dtype": C("export --eta 1 --dtype float16 -o {tmp}/w.pt", "invalid choice: 'float16'"),
    "export format": C("export --eta 1 --format onnx -o {tmp}/w.onnx", "invalid choice: 'onnx'"),
    "export eta and etas": C("export --construction k-step --eta 1 --etas 1,2 -o {tmp}/w.pt", "give --eta or --etas"),
    "export gamma one-step": C("export --eta 1 --gamma 1/2 -o {tmp}/w.pt", "--gamma does not apply"),
    "export etas one-step": C("export --etas 1 -o {tmp}/w.pt", "--etas does not apply"),
    "export etas empty": C("export --construction k-step --etas '' -o {tmp}/w.pt", "--etas is empty"),
    "export huge f": C("export --eta 1 --f 1000000 -o {tmp}/w.safetensors", "export at f = 1000000"),
    "export huge k": C("export --construction k-step --eta 1 --steps 100000000 -o {tmp}/w.safetensors",
                       "needs about"),
    "export keeps old file": C("export --eta 1e400 -o {tmp}/w.safetensors", "does not fit",
                               setup=write("w.safetensors", b"old contents")),
    "export k-step reference layout": C("export --construction k-step --eta 1 --layout reference --f 2 --m 2 "
                                        "-o {tmp}/w.safetensors", "needs E_x^T E_y = 0"),
    # --- train ----------------------------------------------------------------------------------------------------
    "train preset": C("train --preset paper-e2", "unknown preset 'paper-e2'"),
    "train steps 0": C("train --steps 0 --out {tmp}/t", "training steps must be an integer >= 1"),
    "train steps text": C("train --steps x", "training steps must be an integer >= 1"),
    "train seed negative": C("train --seed -1", "seed must be an integer >= 0"),
    "train eval tasks 1": C("train --eval-tasks 1", "eval tasks must be an integer >= 2"),
    "train eval tasks huge": C("train --eval-tasks 100000000 --out {tmp}/t", "eval_tasks = 100000000"),
    "train steps huge": C("train --steps 1000000000 --out {tmp}/t", "the time budget is 1 h"),
    "train out file": C("train --out {tmp}/t", "it is a file, not a folder", setup=write("t", "x")),
    "train out proc": C("train --out /proc/nowhere/t", "not writable"),
    "train out under a file": C("train --out {tmp}/f/t", "is a file, not a folder", setup=write("f", "x")),
    "train out empty": C("train --out ''", "the output folder is empty"),
    "train memory budget": C("train --max-memory 10M --out {tmp}/t", "the memory budget is 10 MiB"),
}
"""Every case of the table."""


def snapshot(root: Path) -> dict[str, str | None]:
    """Every file (sha256) and folder (None) under ``root``."""
    out: dict[str, str | None] = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = None if path.is_dir() else hashlib.sha256(path.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="session")
def assets(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Good files, made once per worker (read-only for the cases): weights, a weights file with N = 10^9, and
    construction files of the one-step (eta = 1/5) and k-step (k = 2) constructions; heavy modules imported."""
    import gdssm.numeric.check
    import gdssm.numeric.train
    import gdssm.proofs.route_exact
    import gdssm.reports.learned  # noqa: F401
    from gdssm.cli.export import claim_hashes
    from gdssm.proofs.claims import CLAIMS

    claim_hashes(c.id for c in CLAIMS)
    root = tmp_path_factory.mktemp("bad-input-assets")
    paths = {"GOOD": root / "good.safetensors", "HUGE_N": root / "huge-n.safetensors", "ONE": root / "one.json",
             "K2": root / "k2.json"}
    for argv in (["export", "--f", "2", "--m", "1", "--n", "3", "--eta", "1/2", "-o", str(paths["GOOD"])],
                 ["export", "--f", "2", "--m", "1", "--n", "1000000000", "--eta", "1/2", "-o", str(paths["HUGE_N"])],
                 ["derive", "--f", "2", "--m", "1", "--n", "4", "--eta", "1/5", "-o", str(paths["ONE"])],
                 ["derive", "--construction", "k-step", "--steps", "2", "--f", "2", "--m", "1", "--n", "4",
                  "--eta", "1/5", "-o", str(paths["K2"])]):
        assert cli.main(argv) == 0, argv
    cli.main(["check", "--construction-file", str(paths["ONE"]), "--examples", "1", "--json"])  # warm the check
    return paths


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                   assets: dict[str, Path]) -> None:
    case = CASES[name]
    monkeypatch.chdir(tmp_path)
    if case.setup is not None:
        case.setup(tmp_path, assets)
    before = snapshot(tmp_path)
    argv = [a.format(tmp=tmp_path, **{k: str(v) for k, v in assets.items()}) for a in case.argv]
    capsys.readouterr()
    start = time.perf_counter()
    code = cli.main(argv)
    seconds = time.perf_counter() - start
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert code == case.code, (argv, err)
    assert "Traceback" not in err and "Traceback" not in out
    assert seconds < LIMIT_S, f"{name}: {seconds:.2f} s"
    if code == 2 and case.argv:
        assert len(lines) == 1 and lines[0].startswith("gdssm: error: "), err
        assert case.says in lines[0], lines[0]
    elif code == 1:
        assert lines[0].startswith("gdssm: FAILED: ") and case.says in lines[0], lines[0]
        assert "internal error" not in err
    if code != 0:
        assert snapshot(tmp_path) == before, "a refused command changed its folder"


def test_the_suite_has_at_least_150_cases() -> None:
    assert len(CASES) >= 150
    commands = {case.argv[0] for case in CASES.values() if case.argv and not case.argv[0].startswith("-")}
    assert commands >= {"derive", "verify", "check", "report", "export", "train"}


def test_the_internal_errors_of_the_issue_are_user_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The cases that used to be "internal error", exit 1: an output path that is a folder (derive -o,
    verify --certificates, export -o), derive --eta 1/0, export --eta 1e400, a train summary that is a list."""
    (tmp_path / "train" / "paper-e1").mkdir(parents=True)
    (tmp_path / "train" / "paper-e1" / "summary.json").write_text("[]")
    for argv in (["derive", "-o", str(tmp_path)], ["verify", "--claim", "ssm.state", "--certificates", str(tmp_path)],
                 ["export", "--eta", "1", "-o", str(tmp_path)], ["derive", "--eta", "1/0"],
                 ["export", "--eta", "1e400", "-o", str(tmp_path / "w.safetensors")],
                 ["report", "--out", str(tmp_path / "r.pdf"), "--train-dir", str(tmp_path / "train")]):
        assert cli.main(argv) == 2, argv
        err = capsys.readouterr().err
        assert "internal error" not in err and len(err.strip().splitlines()) == 1, err


REAL_PROCESS = {
    "derive f 0": (["derive", "--f", "0"], "dimension f must be an integer >= 1"),
    "derive f 10^6": (["derive", "--f", "1000000"], "needs about"),
    "derive eta 1/0 with debug after": (["derive", "--eta", "1/0", "--debug"], "division by zero"),
    "derive output folder": (["derive", "-o", "."], "it is a folder"),
    "report n huge": (["report", "--tex-only", "--n", "100000", "--out", "r.pdf"], "needs about"),
    "verify file list": (["verify", "--construction-file", "x.json"], "must hold a JSON object"),
    "check examples 0": (["check", "--examples", "0"], "examples must be an integer >= 1"),
    "train seed": (["train", "--seed", "-1"], "seed must be an integer >= 0"),
}


@pytest.mark.parametrize("name", sorted(REAL_PROCESS))
def test_real_process_cases(name: str, tmp_path: Path) -> None:
    """What a user sees in a terminal: one stderr line, exit 2, no traceback, no file, within 2 s of the
    interpreter being up (the interpreter's own start is measured and subtracted)."""
    argv, says = REAL_PROCESS[name]
    (tmp_path / "x.json").write_text("[1, 2]")
    before = snapshot(tmp_path)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import gdssm.cli.dispatch"], cwd=tmp_path, env=env, check=True)
    startup = time.perf_counter() - start
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "gdssm", *argv], cwd=tmp_path, capture_output=True, text=True,
                          timeout=60, env=env)
    seconds = time.perf_counter() - start - startup
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1 and lines[0].startswith("gdssm: error: ") and says in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert seconds < LIMIT_S, f"{seconds:.2f} s after start-up"
    assert snapshot(tmp_path) == before

