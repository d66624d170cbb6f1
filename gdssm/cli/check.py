"""``gdssm check``: the Hypothesis property run of the layer against autograd GD.

Three inputs, one at a time (a second one is refused, not ignored): the drawn constructions (default, or
``--construction``), a construction file (``--construction-file``: its layer against the GD the toolkit derives
from its header) or a weights file (``--weights``). The cost of the run at the sizes it will draw or read is
checked against the budget before it starts.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.export import claim_hashes
from gdssm.cli.inputs import load_construction_file
from gdssm.cli.options import input_file, lambda_note, refuse
from gdssm.cli.output import check_table, progress
from gdssm.core import budget
from gdssm.core.errors import BadInput, Refuted

NAMES = ("one-step", "k-step")
DRAWN = {"max_f": 16, "max_m": 4, "max_N": 64, "max_k": 8}
"""The largest sizes the drawn constructions take (``numeric.check.run_check``'s defaults)."""
FILE_ETA = "1/2"
"""Where a construction file with a symbolic eta is checked numerically (``verify`` proves it for every eta)."""


def check(args: argparse.Namespace) -> int:
    """``gdssm check``: the Hypothesis property run of layer vs autograd GD, with a bar and a table."""
    if args.weights:
        refuse(args, ("construction_file", "construction"),
               "with --weights (the weights file's metadata names its construction)")
        return check_weights(args)
    names: tuple[str, ...] = NAMES
    construction = None
    title = "gdssm check"
    against: dict[str, Any] | None = None
    if args.construction_file:
        refuse(args, ("construction",), "with --construction-file (the file's header names its construction)")
        read = load_construction_file(args.construction_file, routes=("numeric",), examples=args.examples)
        construction = read.checked
        title = f"gdssm check --construction-file {args.construction_file}"
        if read.symbolic:
            import sympy as sp

            construction = read.at_eta(sp.Rational(FILE_ETA))
            print(f"note: the file's eta is symbolic; the numeric check runs at eta = {FILE_ETA} "
                  "(gdssm verify --construction-file proves it for every eta)", file=sys.stderr)
        against = {"file": args.construction_file, "gd": read.gd_summary(),
                   "at_eta": FILE_ETA if read.symbolic else None,
                   "differing_from_derivation": list(read.differing)}
    else:
        if args.construction:
            if args.construction not in NAMES:
                raise BadInput(f"unknown construction {args.construction!r} for check; choose one-step or k-step")
            names = (args.construction,)
        sizes = DRAWN
        budget.require(budget.property_check_cost(sizes["max_f"], sizes["max_m"], sizes["max_N"], sizes["max_k"],
                                                  args.examples, what=f"check with {args.examples} examples"))
    from gdssm.numeric.check import run_check
    from gdssm.numeric.threads import requested

    with progress() as bar, requested(args.threads):
        task = bar.add_task("layer vs autograd GD", total=args.examples)
        report = run_check(args.examples, args.seed, construction, names=names,
                           progress=lambda done, total: bar.update(task, completed=done))
    if args.json:
        doc = report.as_dict() if against is None else {**report.as_dict(), "checked_against": against}
        sys.stdout.write(json.dumps(doc, indent=2, sort_keys=True) + "\n")
    else:
        check_table(title, report)
        if against is not None:
            at = f", at eta = {against['at_eta']}" if against["at_eta"] else ""
            print(f"checked against the {against['gd']}{at}")
    return EXIT_OK


UPSTREAM = (
    ("not a ZIP archive", "not a zip archive"),
    ("Weights only load failed", "it holds Python objects besides tensors; they are refused unread (loading them "
                                 "could run code)"),
    ("failed locating file", "not a torch state_dict archive"),
    ("failed reading zip archive", "a damaged zip archive"),
    ("pickled (object) data", "it holds pickled objects; they are refused unread (loading them could run code)"),
    ("header too large", "its header length is impossible"),
    ("Error while deserializing", "its header is not valid"),
    ("invalid load key", "not a torch file"),
)
"""Upstream error text (torch, miniz, numpy, safetensors) -> our words, so a refusal is one short line."""


def read_weights_quietly(path: str) -> Any:
    """:func:`gdssm.numeric.formats.read_weights` (not verified: the check decides), with the libraries' warnings
    and long error paragraphs replaced by one line of ours."""
    import re
    import warnings

    from gdssm.numeric.formats import read_weights

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. torch's note on pickle protocols: not the user's business
            return read_weights(path, verify=False)
    except BadInput as err:
        text = str(err)
        found = re.match(r"(.*?\bcorrupt or truncated [^(]*?file) \((.*)\)$", text)
        if found is None:
            raise
        head, reason = found.groups()
        ours = next((words for key, words in UPSTREAM if key in reason), None)
        if ours is None:
            ours = reason.split(". ")[0][:80]
        raise BadInput(f"{head}: {ours}") from None


def check_weights(args: argparse.Namespace) -> int:
    """``gdssm check --weights PATH``: the property check of the file's layer against autograd GD.

    Exit 0 when the loaded layer computes the GD of its metadata (within the dtype's tolerance) and its tensors
    are exactly the derivation; exit 1 (Refuted) otherwise; exit 2 for a file that cannot be read.
    """
    input_file(args.weights, "weights file")
    from gdssm.numeric.formats.trained import is_trained_file

    if is_trained_file(args.weights):  # a trained model (phi + layer) written by gdssm train
        return check_trained_weights(args.weights, args.examples, args.seed, args.json)
    from gdssm.numeric.check import check_loaded
    from gdssm.numeric.formats import describe
    from gdssm.symbolic.serialize import describe_gd

    loaded = read_weights_quietly(args.weights)
    dims, c = loaded.metadata["dims"], loaded.construction
    budget.require(budget.property_check_cost(
        dims["f"], dims["m"], dims["N"], c.steps, args.examples, dims["H"],
        what=f"check --weights {args.weights} at {budget.sizes(f=dims['f'], m=dims['m'], N=dims['N'], k=c.steps)}"))
    lambda_note(c.gd.lam, "the file's ")
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
        print(f"checked against the {describe_gd(loaded.construction)}")
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


def check_trained_weights(path: str, examples: int, seed: int, as_json: bool) -> int:
    """``gdssm check --weights F`` for a trained-model file (:mod:`numeric.formats.trained`): exit 0 when the file's
    tensors are what training wrote, the one-step core on its phi is GD on the features and the rebuilt model
    reproduces the recorded evaluation loss (:func:`numeric.trained_check.check_trained`); exit 1 otherwise."""
    from gdssm.numeric.formats.trained import read_trained
    from gdssm.numeric.trained_check import check_trained

    loaded = read_trained(path, verify=False)  # the check decides about the values
    found = check_trained(loaded, examples, seed)
    doc = loaded.metadata
    if as_json:
        sys.stdout.write(json.dumps({"weights": path, "metadata": doc, "check": found.as_dict()}, indent=2,
                                    sort_keys=True) + "\n")
        return EXIT_OK
    phi = doc["feature_map"]
    print(f"file: trained {doc['model']}, phi mlp {phi['in_dim']} -> {phi['widths']} -> {phi['out_dim']} "
          f"({phi['activation']}), {doc['layer']['construction']} core at N={doc['layer']['dims']['N']}, "
          f"preset {doc['preset']} ({doc['law']} law), seed {doc['seed']}, {doc['dtype']}")
    print("tensors: identical to what training wrote (sha256)")
    print(f"core on the stored phi vs autograd GD on its features: relative error {found.core_rel:.3g} "
          f"<= {found.tolerance:.0e} on {found.examples} tasks")
    print(f"evaluation loss reproduced: {found.evaluation_loss!r} on {doc['evaluation']['tasks']} tasks")
    return EXIT_OK
