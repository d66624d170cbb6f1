"""Run every benchmark module and print one line per benchmark:
``python -m benchmarks [--quick] [--threads N|auto] [NAME ...]``.

The first line says the threads, cores, load average and versions the figures were measured with.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import benchmarks


def main() -> None:
    """Discover ``benchmarks/bench_*.py`` and print their rows."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--threads", default="auto",
                        help="torch threads: a number, or auto (numeric.threads.choose_threads: the idle cores)")
    parser.add_argument("names", nargs="*", help="only these modules (e.g. bench_symbolic)")
    args = parser.parse_args()
    threads = benchmarks.configure_threads(args.threads)
    print(benchmarks.environment(threads), flush=True)
    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    print(f"{'benchmark':<66} {'a':>11} {'b':>11} {'unit':<8} ratio a/b")
    for name in modules:
        if args.names and name not in args.names:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.run(quick=args.quick):
            print(row if isinstance(row, str) else row.line(), flush=True)


if __name__ == "__main__":
    main()
