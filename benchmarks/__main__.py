"""Run every benchmark module and print one line per benchmark: ``python -m benchmarks [--quick] [NAME ...]``."""

from __future__ import annotations

import argparse
import importlib
import pkgutil

import benchmarks


def main() -> None:
    """Discover ``benchmarks/bench_*.py`` and print their rows."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("names", nargs="*", help="only these modules (e.g. bench_symbolic)")
    args = parser.parse_args()
    modules = sorted(m.name for m in pkgutil.iter_modules(benchmarks.__path__) if m.name.startswith("bench_"))
    print(f"{'benchmark':<64} {'a':>12} {'b':>12} {'unit':<6} ratio a/b")
    for name in modules:
        if args.names and name not in args.names:
            continue
        module = importlib.import_module(f"benchmarks.{name}")
        for row in module.run(quick=args.quick):
            print(row.line(), flush=True)


if __name__ == "__main__":
    main()
