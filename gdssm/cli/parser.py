"""The argument parser of ``gdssm``: every subcommand, every option with its help and its default.

Options are validated here, the same way in every subcommand, before any work starts: integers through
:mod:`gdssm.core.validation` (dimensions >= 1, seeds >= 0, counts >= 1, steps >= 0), exact numbers through the
strict grammar of :mod:`gdssm.symbolic.exact_text` (never evaluated), sizes and durations through
:mod:`gdssm.core.budget`. A bad value is one line naming the option (exit 2). Options a command's other
choices make meaningless are refused by the command, not ignored; so their defaults here are None ("not
given") and the command says what it uses instead.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, NoReturn

from gdssm import __version__
from gdssm.core.budget import DEFAULT_MEMORY, DEFAULT_SECONDS, parse_duration, parse_size
from gdssm.core.errors import BadInput
from gdssm.core.validation import parse_int

EXAMPLES = """examples:
  gdssm derive --construction one-step --f 2 --m 1 --n 4 --eta 1/2
  gdssm derive --construction k-step --f 3 --m 2 --n 5 --steps 3 --eta symbolic --format latex
  gdssm derive --construction reference-two-step --f 2 --m 2 --n 3 --eta 1 --format json
  gdssm derive --optimal-eta --law uniform --f 10 --n 10
  gdssm verify --claim ssm.k_step
  gdssm derive --construction k-step --steps 2 -o k2.json && gdssm verify --construction-file k2.json
  gdssm check --examples 200 --seed 0
  gdssm report --out out/report.pdf
  gdssm export --construction k-step --f 4 --m 1 --n 16 --steps 3 --eta 1/2 --format safetensors -o out/k3.safetensors
  gdssm check --weights out/k3.safetensors
  gdssm train --preset paper-e1
  gdssm schedule --law uniform --f 10 --n 10 --steps 3

outputs: a missing parent folder of an output is created (and removed again if the command is refused or
interrupted); an output that is an existing folder, or under a folder that cannot be written, is refused before
any work. Sizes are checked against --max-memory and --max-time before any work.
"""

BUDGET_HELP = ("memory the command may use, like 512M, 8G or 4GiB (K, M, G, T: powers of 1024); sizes whose "
               "estimate is above it are refused before any work")
TIME_HELP = ("time the command may take, like 90s, 30min, 2h; sizes whose estimate is above it are refused before "
             "any work")
MEMORY_DEFAULT = f"{DEFAULT_MEMORY // 2**30}GiB"
TIME_DEFAULT = f"{DEFAULT_SECONDS / 3600:g}h"


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples kept as written; every option's help ends with its default (an option whose default is None,
    "not given", says in its own words what is used then)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (:class:`BadInput`, exit 2 through :mod:`gdssm.cli.dispatch`)."""

    def error(self, message: str) -> NoReturn:
        raise BadInput(f"{message} (see '{self.prog} --help')")


def checked(parse: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    """An argparse type from a parser raising BadInput: the message is ours, not argparse's "invalid value"."""

    def run(text: str) -> Any:
        try:
            return parse(text)
        except BadInput as err:
            raise argparse.ArgumentTypeError(str(err)) from None

    run.__name__ = name
    return run


def integer(name: str, least: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``least``, checked by :func:`gdssm.core.validation.parse_int`."""
    return checked(lambda text: parse_int(name, text, least), name)


def _exact(name: str, *, symbolic: bool = False, positive: bool = False) -> Callable[[str], Any]:
    """An argparse type: an exact number (integer, fraction, decimal) by the strict grammar, or ``symbolic``."""

    def parse(text: str) -> Any:
        from gdssm.symbolic.constructions import ETA
        from gdssm.symbolic.exact_text import parse_number

        if symbolic and text.strip() == "symbolic":
            return ETA
        value = parse_number(text, name)
        if positive and not value > 0:
            raise BadInput(f"{name} must be positive, got {text!r}")
        return value

    return checked(parse, name)


def _eta_list(text: str) -> list[Any]:
    parse = _exact("step size eta_j", symbolic=True, positive=True)
    if not text.strip():
        raise argparse.ArgumentTypeError("per-step step sizes --etas is empty; give eta_0,...,eta_{k-1}")
    return [parse(part) for part in text.split(",")]


DIM = {name: integer(f"dimension {name}", 1) for name in ("f", "m", "N")}
STEPS = integer("number of steps k", 0)
SEED = integer("seed", 0)
EXAMPLES_COUNT = integer("examples", 1)
THREADS = checked(lambda text: "auto" if text.strip() == "auto" else parse_int("threads", text, 1), "threads")
THREADS_HELP = "torch threads: a number, or auto (the library's measured choice: 1 for these small tensors)"
ETA = _exact("step size eta", symbolic=True, positive=True)
LAM = _exact("discount lambda")
GAMMA = _exact("weight decay gamma")
ETAS = checked(_eta_list, "etas")


def _sub(sub: argparse._SubParsersAction, name: str, text: str) -> Parser:
    parser: Parser = sub.add_parser(name, help=text, description=text, epilog=EXAMPLES, formatter_class=Formatter)
    parser.add_argument("--max-memory", type=checked(parse_size, "memory size"), default=MEMORY_DEFAULT,
                        metavar="SIZE", help=BUDGET_HELP)
    parser.add_argument("--max-time", type=checked(parse_duration, "time"), default=TIME_DEFAULT,
                        metavar="TIME", help=TIME_HELP)
    return parser


def build_parser() -> Parser:
    """The argument parser with every subcommand."""
    parser = Parser(
        prog="gdssm",
        description="Derive, verify, check, report and export state-space models that run gradient descent in context.",
        epilog=EXAMPLES,
        formatter_class=Formatter,
    )
    parser.add_argument("--version", action="version", version=f"gdssm {__version__}")
    parser.add_argument("--debug", action="store_true",
                        help="show tracebacks of internal failures (accepted anywhere on the line)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    _derive(_sub(sub, "derive", "print the analytic GD-SSM parameters"))
    _verify(_sub(sub, "verify", "prove the claims by every route they list"))
    _check(_sub(sub, "check", "property-check derived weights against real GD in PyTorch"))
    _report(_sub(sub, "report", "render the LaTeX proof report and build the PDF"))
    _export(_sub(sub, "export", "export analytic weights (safetensors, pt, reference)"))
    _train(_sub(sub, "train", "train a GD-SSM from random init and compare it with the construction"))
    _schedule(_sub(sub, "schedule", "derive the exact expected k-step loss and its optimal step schedules"))
    return parser


def _add_dims(parser: argparse.ArgumentParser, defaults: tuple[int, int, int] = (2, 1, 4)) -> None:
    parser.add_argument("--f", type=DIM["f"], default=defaults[0], help="input dimension f")
    parser.add_argument("--m", type=DIM["m"], default=defaults[1], help="output dimension m")
    parser.add_argument("--n", dest="N", type=DIM["N"], default=defaults[2], help="context size N")


def _add_construction_scalars(parser: argparse.ArgumentParser, eta_help: str) -> None:
    parser.add_argument("--steps", type=STEPS, default=None,
                        help="k, the number of GD steps (k-step; default: the number of --etas, else 1)")
    parser.add_argument("--eta", type=ETA, default=None, help=eta_help)
    parser.add_argument("--etas", type=ETAS, default=None,
                        help="per-step step sizes eta_0,...,eta_{k-1}, comma separated (k-step; instead of --eta)")
    parser.add_argument("--lam", type=LAM, default=None,
                        help="discount lambda of the loss, Lambda = lambda 1 (default 1; any value: outside (0, 1] "
                             "the identity still holds, for a loss with weights lambda^(t-i) that then do not "
                             "forget, and a note says so)")
    parser.add_argument("--gamma", type=GAMMA, default=None, help="weight decay gamma (k-step; default 0)")


def _derive(p: Parser) -> None:
    p.add_argument("--construction", default=None, help="one-step, k-step or reference-two-step (default one-step)")
    _add_dims(p)
    _add_construction_scalars(p, "step size eta: a number, a fraction, a decimal (read exactly) or 'symbolic' "
                                 "(default symbolic)")
    p.add_argument("--layout", default=None, help="token layout: split or reference (default split)")
    p.add_argument("--variant", default=None, help="reference-two-step variant: A or B (default A)")
    p.add_argument("--format", default="json", choices=["json", "latex", "text"],
                   help="output format (latex: one math display per parameter, for \\input into an amsmath document)")
    p.add_argument("--optimal-eta", action="store_true", help="print alpha*, eta* and the expected loss instead")
    p.add_argument("--law", default=None, help="input law for --optimal-eta: uniform or gaussian (default uniform)")
    p.add_argument("-o", "--output", default=None, help="write to this file (atomically) instead of stdout")


RECHECK_HELP = ("run coqc on every Coq file even where a passing verdict for the very same file, library and coqc "
                "is stored (default: off, the stored verdict answers)")


def _verify(p: Parser) -> None:
    p.add_argument("--claim", action="append", default=None, help="claim id, repeatable (default: every claim)")
    p.add_argument("--route", action="append", default=None,
                   help="route, repeatable (default: every route; with --construction-file: exact and numeric)")
    p.add_argument("--construction-file", default=None,
                   help="check a derive-schema JSON file: its layer against the GD the toolkit derives from its header")
    p.add_argument("--seed", type=SEED, default=None,
                   help="seed of the random points of the exact route's fallback (default: drawn from the OS and "
                        "printed; give it to reproduce a run)")
    p.add_argument("--json", action="store_true", help="print the certificates (or the file's result) as JSON")
    p.add_argument("--certificates", default=None,
                   help="where to write the certificates (default out/certificates.json; not with --construction-file)")
    p.add_argument("--recheck", action="store_true", help=RECHECK_HELP)


def _check(p: Parser) -> None:
    p.add_argument("--examples", type=EXAMPLES_COUNT, default=100, help="Hypothesis examples to run")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the Hypothesis run")
    p.add_argument("--construction", default=None, help="one-step or k-step (default: both)")
    p.add_argument("--construction-file", default=None, help="check this derive-schema JSON file instead")
    p.add_argument("--weights", default=None, help="check a file written by 'gdssm export' (any format)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")
    p.add_argument("--threads", type=THREADS, default="auto", help=THREADS_HELP)


def _report(p: Parser) -> None:
    p.add_argument("--out", default="out/report.pdf", help="the PDF to write (the .tex and figures go beside it)")
    p.add_argument("--tex-only", action="store_true", help="write the .tex and figures, do not run LaTeX")
    _add_dims(p, defaults=(2, 1, 3))
    p.add_argument("--max-steps", type=STEPS, default=10, help="largest k of the loss-vs-k figure")
    p.add_argument("--train-dir", default="out/train",
                   help="finished 'gdssm train' runs shown in 'Learned vs derived' (<dir>/<preset>/summary.json)")
    p.add_argument("--recheck", action="store_true",
                   help=RECHECK_HELP + "; the output folder's certificates are not reused either")


def _export(p: Parser) -> None:
    p.add_argument("--construction", default="one-step", help="one-step or k-step")
    _add_dims(p)
    _add_construction_scalars(p, "step size eta: a number, a fraction or a decimal (required, or --etas: tensors "
                                 "hold numbers, so there is no default and no 'symbolic')")
    p.add_argument("--layout", default=None,
                   help="split or reference (default: reference for --format reference, else split)")
    p.add_argument("--dtype", default="float64", choices=["float32", "float64"], help="tensor dtype")
    p.add_argument("--format", default="safetensors", choices=["safetensors", "pt", "reference"],
                   help="safetensors (.safetensors), pt (.pt, .pth), reference (.npz or .safetensors)")
    p.add_argument("-o", "--output", required=True,
                   help="the file to write (atomically); its suffix must fit the format (required)")


def _train(p: Parser) -> None:
    p.add_argument("--preset", default="paper-e1", help="paper-e1, scalar, k-step or nonlinear")
    p.add_argument("--law", dest="train_law", default=None, choices=("independent", "authors"),
                   help="sine-task law for --preset nonlinear (default: independent)")
    p.add_argument("--steps", type=integer("training steps", 1), default=None,
                   help="Adam steps per run (default: the preset's)")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the initialisation and the training tasks")
    p.add_argument("--eval-tasks", type=integer("eval tasks", 2), default=None,
                   help="tasks in the evaluation set, at least 2 (default: the preset's 10000; fewer for a quick look)")
    p.add_argument("--json", action="store_true", help="print summary.json instead of a table")
    p.add_argument("--out", default=None, help="output folder (default: out/train/<preset>)")
    p.add_argument("--threads", type=THREADS, default="auto", help=THREADS_HELP)


def _schedule(p: Parser) -> None:
    p.add_argument("--law", default=None, help="input law: uniform or gaussian (default: uniform)")
    p.add_argument("--scale", type=_exact("law scale", positive=True), default=None,
                   help="uniform half-width (default 1/2) or Gaussian standard deviation (default 1)")
    p.add_argument("--f", type=DIM["f"], default=10, help="input dimension f")
    p.add_argument("--n", dest="N", type=DIM["N"], default=10, help="context size N")
    p.add_argument("--steps", type=STEPS, default=1, help="k, the number of GD steps")
    p.add_argument("--moments", default="auto", choices=["auto", "exact", "estimate"],
                   help="auto: exact (Gaussian; uniform up to k = 4), else Monte Carlo; exact: uniform up to k = 5")
    p.add_argument("--tasks", type=integer("tasks", 2), default=200000, help="Monte Carlo tasks (estimated moments)")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the Monte Carlo tasks")
    p.add_argument("--format", default="text", choices=["text", "json"], help="output format")
    p.add_argument("-o", "--output", default=None, help="write to this file (atomically) instead of stdout")
