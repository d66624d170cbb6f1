"""``gdssm check``: the Hypothesis property run of the layer against autograd GD."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.export import claim_hashes
from gdssm.cli.inputs import load_construction_file
from gdssm.cli.output import check_table, progress
from gdssm.core.errors import BadInput, Refuted


def check(args: argparse.Namespace) -> int:
    """``gdssm check``: the Hypothesis property run of layer vs autograd GD, with a bar and a table."""
    import json

    from gdssm.numeric.check import run_check

    if args.weights:
        return check_weights(args)
    names: tuple[str, ...] = ("one-step", "k-step")
    construction = None
    if args.construction_file:
        construction = load_construction_file(args.construction_file)
    elif args.construction:
        if args.construction not in names:
            raise BadInput(f"unknown construction {args.construction!r} for check; choose one-step or k-step")
        names = (args.construction,)
    with progress() as bar:
        task = bar.add_task("layer vs autograd GD", total=args.examples)
        report = run_check(args.examples, args.seed, construction, names=names,
                           progress=lambda done, total: bar.update(task, completed=done))
    if args.json:
        sys.stdout.write(json.dumps(report.as_dict(), indent=2, sort_keys=True) + "\n")
    else:
        check_table("gdssm check", report)
    return EXIT_OK


def check_weights(args: argparse.Namespace) -> int:
    """``gdssm check --weights PATH``: the property check of the file's layer against autograd GD.

    Exit 0 when the loaded layer computes the GD of its metadata (within the dtype's tolerance) and its tensors
    are exactly the derivation; exit 1 (Refuted) otherwise; exit 2 for a file that cannot be read.
    """
    from gdssm.numeric.check import check_loaded
    from gdssm.numeric.formats import describe, read_weights

    loaded = read_weights(args.weights, verify=False)
    differences = loaded.differences
    current = claim_hashes(loaded.metadata["claims"])
    claims_current = current == loaded.metadata["claims"]
    try:
        with progress() as bar:
            task = bar.add_task("file's layer vs autograd GD", total=args.examples)
            report = check_loaded(loaded, args.examples, args.seed,
                                  progress=lambda done, total: bar.update(task, completed=done))
    except Refuted as failure:
        raise Refuted(f"{args.weights}: {failure}",
                                  {**failure.counterexample, "differences_from_derivation": differences}) from None
    if args.json:
        doc: dict[str, Any] = {"weights": args.weights, "metadata": loaded.metadata, "check": report.as_dict(),
                               "differences_from_derivation": differences, "claims_current": claims_current}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        check_table(f"gdssm check --weights {args.weights}", report)
        print(f"file: {describe(loaded.metadata)}")
        print(f"claims: {', '.join(loaded.metadata['claims'])}; certificate hash "
              f"{loaded.metadata['certificate_hash'][:16]} "
              + ("matches this installation's claims" if claims_current else
                 "is STALE: the claim statements changed since export"))
        print("tensors: identical to the re-derived construction" if not differences else
              f"tensors: DIFFER from the re-derived construction in {', '.join(sorted(differences))}")
    if differences:
        name = max(differences, key=lambda n: differences[n])
        raise Refuted(f"{args.weights}: the layer computes GD on {report.examples} examples, but its "
                                  f"tensors are not the {loaded.construction.name} construction the metadata names "
                                  f"(max |difference| {differences[name]:.3g} in {name!r})",
                                  {"differences_from_derivation": differences})
    return EXIT_OK
