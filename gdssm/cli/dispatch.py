"""``gdssm``: parse the arguments, run the subcommand, and map its outcome to an exit code.

This is the one place where exceptions become exit codes (:mod:`gdssm.cli.exits`):

* :class:`~gdssm.core.errors.BadInput` (and its :class:`~gdssm.core.errors.ShapeError`,
  :class:`~gdssm.core.errors.DomainError`): one line ``gdssm: error: ...``, exit 2 -- every failure the user
  caused (an option, a file, a size over the budget, an output that cannot be written);
* :class:`~gdssm.core.errors.Refuted`: ``gdssm: FAILED: ...`` and the counterexample, exit 1 -- only a claim or
  check that does not hold;
* Ctrl-C: ``gdssm: interrupted``, exit 130 (:mod:`gdssm.cli.interrupts`);
* anything else is an internal failure: one line, exit 1, the traceback only under ``--debug`` (anywhere).

Around every command: the budget of ``--max-memory`` / ``--max-time`` (:mod:`gdssm.core.budget`), a record of
its temporary files and created folders (:mod:`gdssm.core.atomic`; after a refusal or an internal failure the
folders it created and left empty are removed, after Ctrl-C everything it created), and Hypothesis' storage in
a cache folder, never in the user's working folder.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from gdssm.cli.exits import EXIT_INTERRUPTED, EXIT_REFUTED, EXIT_USAGE
from gdssm.cli.interrupts import MESSAGE, Interrupts
from gdssm.cli.parser import build_parser
from gdssm.core import atomic, budget
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
    "schedule": _command("gdssm.cli.schedule", "schedule"),
}


def cache_folder() -> Path:
    """Where gdssm keeps caches: ``$XDG_CACHE_HOME/gdssm`` (default ``~/.cache/gdssm``), else a temp folder."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = Path(base) / "gdssm"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if os.access(folder, os.W_OK | os.X_OK):
            return folder
    except OSError:
        pass
    return Path(tempfile.gettempdir()) / f"gdssm-cache-{os.getuid() if hasattr(os, 'getuid') else 'user'}"


@contextmanager
def hypothesis_storage() -> Iterator[None]:
    """Hypothesis' storage (its example database and constants cache) under :func:`cache_folder`."""
    where = str(cache_folder() / "hypothesis")
    configuration = sys.modules.get("hypothesis.configuration")
    if configuration is None:  # not imported yet: it reads the variable when it first needs storage
        previous = os.environ.get("HYPOTHESIS_STORAGE_DIRECTORY")
        os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = where
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("HYPOTHESIS_STORAGE_DIRECTORY", None)
            else:
                os.environ["HYPOTHESIS_STORAGE_DIRECTORY"] = previous
        return
    home = getattr(configuration, "__hypothesis_home_directory", None)
    configuration.set_hypothesis_home_dir(where)
    try:
        yield
    finally:
        configuration.set_hypothesis_home_dir(home)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code.

    Run as the program (``argv`` None: the arguments of the process), an interrupted command ends the process
    at once after its cleanup (exit 130), without the interpreter's slow teardown of torch and its threads.
    """
    program = argv is None
    code = _main(list(sys.argv[1:] if argv is None else argv))
    if program and code == EXIT_INTERRUPTED:
        from gdssm.cli.interrupts import exit_process

        exit_process(code)
    return code


def _main(argv: list[str]) -> int:
    debug = "--debug" in argv
    argv = [a for a in argv if a != "--debug"]
    with Interrupts() as guard, atomic.tracking():
        try:
            args = build_parser().parse_args(argv)
            if args.command is None:
                build_parser().print_help()
                return EXIT_USAGE
            limits = budget.Budget(args.max_memory, args.max_time)
            with budget.using(limits), hypothesis_storage():
                return HANDLERS[args.command](args)
        except BadInput as err:
            atomic.discard(everything=False)
            print(f"gdssm: error: {err}", file=sys.stderr)
            return EXIT_USAGE
        except Refuted as failure:
            atomic.discard(everything=False)
            print(f"gdssm: FAILED: {failure}", file=sys.stderr)
            if failure.counterexample:
                print(json.dumps(failure.counterexample, indent=2, sort_keys=True, default=str), file=sys.stderr)
            return EXIT_REFUTED
        except KeyboardInterrupt:
            guard.handled()
            atomic.discard(everything=True)
            print(MESSAGE, file=sys.stderr)
            guard.reported = True
            return EXIT_INTERRUPTED
        except Exception as err:  # internal failure: one line, traceback only under --debug
            atomic.discard(everything=False)
            if debug:
                traceback.print_exc()
            else:
                text = " ".join(str(err).split())
                text = text if len(text) <= 200 else text[:200] + "..."
                print(f"gdssm: internal error: {type(err).__name__}: {text} (rerun with --debug for the traceback)",
                      file=sys.stderr)
            return EXIT_REFUTED
