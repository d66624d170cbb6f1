"""The argument parser of ``gdssm``: every subcommand, every option with its help and its default.

Integer options go through :mod:`gdssm.core.validation`, so the same option is validated the same way in
every subcommand (dimensions >= 1, seeds >= 0, counts >= 1, steps >= 0).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import NoReturn

from gdssm import __version__
from gdssm.core.errors import BadInput
from gdssm.core.validation import parse_int

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


class Formatter(argparse.RawDescriptionHelpFormatter, argparse.ArgumentDefaultsHelpFormatter):
    """Examples kept as written; every option's help ends with its default."""


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (:class:`BadInput`, exit 2 through :mod:`gdssm.cli.dispatch`)."""

    def error(self, message: str) -> NoReturn:
        raise BadInput(f"{message} (see '{self.prog} --help')")


def integer(name: str, least: int) -> Callable[[str], int]:
    """An argparse type: an integer >= ``least``, checked by :func:`gdssm.core.validation.parse_int`."""

    def parse(text: str) -> int:
        return parse_int(name, text, least)

    parse.__name__ = name
    return parse


DIM = {name: integer(f"dimension {name}", 1) for name in ("f", "m", "N")}
STEPS = integer("number of steps k", 0)
SEED = integer("seed", 0)


def _sub(sub: argparse._SubParsersAction, name: str, text: str) -> Parser:
    parser: Parser = sub.add_parser(name, help=text, description=text, epilog=EXAMPLES, formatter_class=Formatter)
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
    return parser


def _add_dims(parser: argparse.ArgumentParser, defaults: tuple[int, int, int] = (2, 1, 4)) -> None:
    parser.add_argument("--f", type=DIM["f"], default=defaults[0], help="input dimension f")
    parser.add_argument("--m", type=DIM["m"], default=defaults[1], help="output dimension m")
    parser.add_argument("--n", dest="N", type=DIM["N"], default=defaults[2], help="context size N")


def _add_construction_scalars(parser: argparse.ArgumentParser, eta_default: str) -> None:
    parser.add_argument("--steps", type=STEPS, default=None,
                        help="k, the number of GD steps (k-step; default: the number of --etas, else 1)")
    parser.add_argument("--eta", default=eta_default, help="step size eta: a number, a fraction or 'symbolic'")
    parser.add_argument("--etas", default=None,
                        help="per-step step sizes eta_0,...,eta_{k-1}, comma separated (k-step)")
    parser.add_argument("--lam", default="1", help="discount lambda of the loss (Lambda = lambda 1)")
    parser.add_argument("--gamma", default="0", help="weight decay gamma (k-step)")


def _derive(p: Parser) -> None:
    p.add_argument("--construction", default="one-step", help="one-step, k-step or reference-two-step")
    _add_dims(p)
    _add_construction_scalars(p, "symbolic")
    p.add_argument("--layout", default="split", help="token layout: split or reference")
    p.add_argument("--variant", default="A", help="reference-two-step variant: A or B")
    p.add_argument("--format", default="json", choices=["json", "latex", "text"], help="output format")
    p.add_argument("--optimal-eta", action="store_true", help="print alpha*, eta* and the expected loss instead")
    p.add_argument("--law", default="uniform", help="input law for --optimal-eta: uniform or gaussian")
    p.add_argument("-o", "--output", default=None, help="write to this file (atomically) instead of stdout")


def _verify(p: Parser) -> None:
    p.add_argument("--claim", action="append", default=None, help="claim id, repeatable (default: every claim)")
    p.add_argument("--route", action="append", default=None, help="route, repeatable (default: every route)")
    p.add_argument("--construction-file", default=None, help="check a derive-schema JSON file against GD")
    p.add_argument("--json", action="store_true", help="print the certificates as JSON instead of a table")
    p.add_argument("--certificates", default="out/certificates.json", help="where to write the certificates")


def _check(p: Parser) -> None:
    p.add_argument("--examples", type=integer("examples", 1), default=100, help="Hypothesis examples to run")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the Hypothesis run")
    p.add_argument("--construction", default=None, help="one-step or k-step (default: both)")
    p.add_argument("--construction-file", default=None, help="check this derive-schema JSON file instead")
    p.add_argument("--weights", default=None, help="check a file written by 'gdssm export' (any format)")
    p.add_argument("--json", action="store_true", help="print the report as JSON instead of a table")


def _report(p: Parser) -> None:
    p.add_argument("--out", default="out/report.pdf", help="the PDF to write (the .tex and figures go beside it)")
    p.add_argument("--tex-only", action="store_true", help="write the .tex and figures, do not run LaTeX")
    _add_dims(p, defaults=(2, 1, 3))
    p.add_argument("--max-steps", type=STEPS, default=10, help="largest k of the loss-vs-k figure")
    p.add_argument("--train-dir", default="out/train",
                   help="finished 'gdssm train' runs shown in 'Learned vs derived' (<dir>/<preset>/summary.json)")


def _export(p: Parser) -> None:
    p.add_argument("--construction", default="one-step", help="one-step or k-step")
    _add_dims(p)
    _add_construction_scalars(p, "1")
    p.add_argument("--layout", default=None,
                   help="split or reference (default: reference for --format reference, else split)")
    p.add_argument("--dtype", default="float64", choices=["float32", "float64"], help="tensor dtype")
    p.add_argument("--format", default="safetensors", choices=["safetensors", "pt", "reference"],
                   help="safetensors (.safetensors), pt (.pt, .pth), reference (.npz or .safetensors)")
    p.add_argument("-o", "--output", required=True,
                   help="the file to write (atomically); its suffix must fit the format (required)")


def _train(p: Parser) -> None:
    p.add_argument("--preset", default="paper-e1", help="paper-e1, scalar or k-step")
    p.add_argument("--steps", type=integer("training steps", 1), default=None,
                   help="Adam steps per run (default: the preset's)")
    p.add_argument("--seed", type=SEED, default=0, help="seed of the initialisation and the training tasks")
    p.add_argument("--eval-tasks", type=integer("eval tasks", 1), default=None,
                   help="tasks in the evaluation set (default: the preset's 10000; fewer for a quick look)")
    p.add_argument("--json", action="store_true", help="print summary.json instead of a table")
    p.add_argument("--out", default=None, help="output folder (default: out/train/<preset>)")
