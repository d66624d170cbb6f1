"""``gdssm``: parse the arguments, run the subcommand, and map its outcome to an exit code.

This is the one place where exceptions become exit codes (:mod:`gdssm.cli.exits`):

* :class:`~gdssm.core.errors.BadInput` (and its :class:`~gdssm.core.errors.ShapeError`,
  :class:`~gdssm.core.errors.DomainError`): one line ``gdssm: error: ...``, exit 2;
* :class:`~gdssm.core.errors.Refuted`: ``gdssm: FAILED: ...`` and the counterexample, exit 1;
* Ctrl-C: ``gdssm: interrupted``, exit 130;
* anything else is an internal failure: one line, exit 1, the traceback only under ``--debug`` (anywhere).
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable, Sequence

from gdssm.cli.exits import EXIT_INTERRUPTED, EXIT_REFUTED, EXIT_USAGE
from gdssm.cli.parser import build_parser
from gdssm.core.errors import BadInput, Refuted


def _command(module: str, name: str) -> Callable[[argparse.Namespace], int]:
    """The handler ``module.name``, imported only when its subcommand runs (keeps ``--help`` fast)."""

    def run(args: argparse.Namespace) -> int:
        import importlib

        handler: Callable[[argparse.Namespace], int] = getattr(importlib.import_module(module), name)
        return handler(args)

    return run


HANDLERS: dict[str, Callable[[argparse.Namespace], int]] = {
    "derive": _command("gdssm.cli.derive", "derive"),
    "verify": _command("gdssm.cli.verify", "verify"),
    "check": _command("gdssm.cli.check", "check"),
    "report": _command("gdssm.cli.report", "report"),
    "export": _command("gdssm.cli.export", "export"),
    "train": _command("gdssm.cli.train", "train"),
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    try:
        args = build_parser().parse_args(argv)
        if args.command is None:
            build_parser().print_help()
            return EXIT_USAGE
        return HANDLERS[args.command](args)
    except BadInput as err:
        print(f"gdssm: error: {err}", file=sys.stderr)
        return EXIT_USAGE
    except Refuted as failure:
        print(f"gdssm: FAILED: {failure}", file=sys.stderr)
        if failure.counterexample:
            print(json.dumps(failure.counterexample, indent=2, sort_keys=True, default=str), file=sys.stderr)
        return EXIT_REFUTED
    except KeyboardInterrupt:
        print("gdssm: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as err:  # internal failure: one line, traceback only under --debug
        if debug:
            traceback.print_exc()
        else:
            print(f"gdssm: internal error: {type(err).__name__}: {err} (rerun with --debug for the traceback)",
                  file=sys.stderr)
        return EXIT_REFUTED
