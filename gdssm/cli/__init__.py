"""The command line, on top of every other subpackage: the only place where exceptions become exit codes."""

from gdssm.cli.dispatch import main

__all__ = ["main"]
