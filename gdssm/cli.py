"""The ``gdssm`` command line: a thin layer that parses arguments and wires the packages.

Error conventions (:mod:`gdssm.errors`): a :class:`~gdssm.errors.UserError` prints one line
``gdssm: error: ...`` and exits 2; a :class:`~gdssm.errors.VerificationFailure` prints the counterexample
and exits 1; any other exception exits 1, with a traceback only under ``--debug``.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable, Sequence
from typing import NoReturn

from gdssm import __version__
from gdssm.errors import EXIT_FAILED, EXIT_USAGE, UserError, VerificationFailure

EXAMPLES = """examples:
  gdssm derive --construction one-step --f 2 --m 1 --n 4 --eta 1/2
  gdssm derive --construction k-step --f 3 --m 2 --n 5 --steps 3 --eta symbolic --format latex
  gdssm derive --construction reference-two-step --f 2 --m 2 --n 3 --eta 1 --format json
  gdssm derive --optimal-eta --law uniform --f 10 --n 10
  gdssm verify --claim ssm.k_step
  gdssm check --examples 200 --seed 0
  gdssm report --out out/report.pdf
  gdssm export --construction k-step --f 4 --m 1 --n 16 --steps 3 --eta 1/2 --format safetensors -o out/k3.safetensors
  gdssm check --weights out/k3.safetensors
  gdssm train --preset paper-e1
"""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors and exit code 2."""

    def error(self, message: str) -> NoReturn:
        raise UserError(f"{message} (see '{self.prog} --help')")


def _positive_int(name: str) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise UserError(f"{name} must be an integer, got {text!r}") from None
        if value < 1:
            raise UserError(f"dimension {name} must be >= 1, got {value}")
        return value

    parse.__name__ = name
    return parse


def _steps(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise UserError(f"number of steps k must be an integer, got {text!r}") from None
    if value < 0:
        raise UserError(f"number of steps k must be >= 0, got {value}")
    return value


def build_parser() -> Parser:
    """The argument parser with every subcommand."""
    parser = Parser(
        prog="gdssm",
        description="Derive, verify, check, report and export state-space models that run gradient descent in context.",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"gdssm {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks of internal failures")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    derive = sub.add_parser("derive", help="print the analytic GD-SSM parameters", epilog=EXAMPLES,
                            formatter_class=argparse.RawDescriptionHelpFormatter)
    derive.add_argument("--construction", default="one-step", help="one-step, k-step or reference-two-step")
    _add_dims(derive)
    derive.add_argument("--steps", type=_steps, default=None, help="k, the number of GD steps (k-step)")
    derive.add_argument("--eta", default="symbolic", help="step size: a number, a fraction or 'symbolic'")
    derive.add_argument("--etas", default=None, help="per-step step sizes, comma separated (k-step)")
    derive.add_argument("--lam", default="1", help="discount lambda of the loss (Lambda = lambda 1)")
    derive.add_argument("--gamma", default="0", help="weight decay gamma (k-step)")
    derive.add_argument("--layout", default="split", help="token layout: split or reference")
    derive.add_argument("--variant", default="A", help="reference-two-step variant: A or B")
    derive.add_argument("--format", default="json", choices=["json", "latex", "text"])
    derive.add_argument("--optimal-eta", action="store_true", help="print alpha*, eta* and the expected loss")
    derive.add_argument("--law", default="uniform", help="input law for --optimal-eta: uniform or gaussian")
    derive.add_argument("-o", "--output", default=None, help="write to this file (atomically) instead of stdout")

    verify = sub.add_parser("verify", help="prove the claims by every route they list")
    verify.add_argument("--claim", action="append", default=None, help="claim id (repeatable)")
    verify.add_argument("--route", action="append", default=None, help="route (repeatable)")
    verify.add_argument("--construction-file", default=None, help="check a derive-schema JSON against GD")
    verify.add_argument("--json", action="store_true")
    verify.add_argument("--certificates", default="out/certificates.json", help="where to write the certificates")

    check = sub.add_parser("check", help="property-check derived weights against real GD in PyTorch")
    check.add_argument("--examples", type=_positive_int("examples"), default=100)
    check.add_argument("--seed", type=int, default=0)
    check.add_argument("--construction", default=None)
    check.add_argument("--construction-file", default=None)
    check.add_argument("--weights", default=None, help="check a file written by 'gdssm export' (any format)")
    check.add_argument("--json", action="store_true")

    report = sub.add_parser("report", help="render the LaTeX proof report and build the PDF")
    report.add_argument("--out", default="out/report.pdf")
    report.add_argument("--tex-only", action="store_true")
    _add_dims(report, defaults=(2, 1, 3))
    report.add_argument("--max-steps", type=_steps, default=10, help="largest k of the loss-vs-k figure")
    report.add_argument("--train-dir", default="out/train",
                        help="finished 'gdssm train' runs shown in 'Learned vs derived' (<dir>/<preset>/summary.json)")

    export = sub.add_parser("export", help="export analytic weights (safetensors, pt, reference)")
    export.add_argument("--construction", default="one-step", help="one-step or k-step")
    _add_dims(export)
    export.add_argument("--steps", type=_steps, default=None, help="k, the number of GD steps (k-step)")
    export.add_argument("--eta", default="1", help="step size: a number or a fraction")
    export.add_argument("--etas", default=None, help="per-step step sizes, comma separated (k-step)")
    export.add_argument("--lam", default="1", help="discount lambda of the loss (Lambda = lambda 1)")
    export.add_argument("--gamma", default="0", help="weight decay gamma (k-step)")
    export.add_argument("--layout", default=None,
                        help="split or reference (default: reference for --format reference, else split)")
    export.add_argument("--dtype", default="float64", choices=["float32", "float64"])
    export.add_argument("--format", default="safetensors", choices=["safetensors", "pt", "reference"],
                        help="safetensors (.safetensors), pt (.pt, .pth), reference (.npz or .safetensors)")
    export.add_argument("-o", "--output", required=True, help="the file to write (atomically); its suffix "
                        "must fit the format")

    train = sub.add_parser("train", help="train a GD-SSM from random init and compare with the construction")
    train.add_argument("--preset", default="paper-e1", help="paper-e1, scalar or k-step")
    train.add_argument("--steps", type=int, default=None, help="Adam steps per run (default: the preset's)")
    train.add_argument("--seed", type=int, default=0, help="seed of the initialisation and the training tasks")
    train.add_argument("--eval-tasks", type=int, default=None,
                       help="tasks in the evaluation set (default: the preset's 10000; fewer for a quick look)")
    train.add_argument("--json", action="store_true", help="print summary.json instead of a table")
    train.add_argument("--out", default=None, help="output folder (default out/train/<preset>)")
    return parser


def _add_dims(parser: argparse.ArgumentParser, defaults: tuple[int, int, int] = (2, 1, 4)) -> None:
    parser.add_argument("--f", type=_positive_int("f"), default=defaults[0], help="input dimension f")
    parser.add_argument("--m", type=_positive_int("m"), default=defaults[1], help="output dimension m")
    parser.add_argument("--n", dest="N", type=_positive_int("N"), default=defaults[2], help="context size N")


def _command(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``module.name``, imported only when its subcommand runs (keeps ``--help`` fast)."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return handler(args)

    return run


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "derive": _command("gdssm.commands", "derive"),
    "verify": _command("gdssm.commands", "verify"),
    "check": _command("gdssm.commands", "check"),
    "report": _command("gdssm.report_command", "report"),
    "export": _command("gdssm.export_command", "export"),
    "train": _command("gdssm.train_command", "train"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_USAGE
        return HANDLERS[args.command](args)
    except UserError as err:
        print(f"gdssm: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except VerificationFailure as failure:
        print(f"gdssm: FAILED: {failure}", file=sys.stderr)
        if failure.counterexample:
            print(json.dumps(failure.counterexample, indent=2, sort_keys=True, default=str), file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("gdssm: interrupted", file=sys.stderr)
        return EXIT_FAILED
    except Exception as err:  # internal failure: one line, traceback only under --debug
        if debug:
            traceback.print_exc()
        else:
            print(f"gdssm: internal error: {type(err).__name__}: {err} (rerun with --debug for the traceback)",
                  file=sys.stderr)
        return EXIT_FAILED
