"""Exit codes of the command line: the one place where outcomes become numbers."""

EXIT_OK = 0
EXIT_REFUTED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
