"""``gdssm export`` and ``gdssm check --weights``: thin handlers over :mod:`numeric.weights`.

``numeric`` never imports ``proofs`` (DESIGN §3), so the statement hashes of the claims that justify a file
are looked up here, in the claims registry, and handed to the writer; ``check --weights`` compares the
file's hashes with the registry of this installation.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Iterable
from typing import Any

from gdssm.commands import _progress, check_table, derive_document
from gdssm.errors import EXIT_OK, UserError, VerificationFailure


def claim_hashes(ids: Iterable[str]) -> dict[str, str]:
    """Claim id -> sha256 statement hash, from the registry (an unknown id is a UserError)."""
    from proofs.claims import claim

    return {cid: claim(cid).statement_hash for cid in ids}


def export(args: argparse.Namespace) -> int:
    """``gdssm export``: derive the construction, write the weights file atomically, print one line."""
    from numeric.weights import EXPORTABLE, container_of, describe, justifying_claims, write_weights
    from symbolic.constructions import parse_eta
    from symbolic.serialize import construction_from_json

    if args.construction not in EXPORTABLE:
        raise UserError(f"cannot export construction {args.construction!r}; choose one of {', '.join(EXPORTABLE)}")
    if args.format == "reference" and args.construction != "one-step":
        raise UserError("format 'reference' holds the one-step construction only (the authors' single layer)")
    for text in [args.eta, *(args.etas.split(",") if args.etas else [])]:
        if parse_eta(text).free_symbols:
            raise UserError(f"export needs numeric step sizes (tensors hold numbers), got {text!r}")
    container_of(args.output, args.format)
    layout = args.layout or ("reference" if args.format == "reference" else "split")
    construction = construction_from_json(derive_document(argparse.Namespace(**{**vars(args), "layout": layout})))
    claims = claim_hashes(justifying_claims(construction, args.format))
    written = write_weights(args.output, construction, args.format, args.dtype, claims)
    digest = hashlib.sha256(written.data).hexdigest()
    print(f"wrote {args.output}: {describe(written.metadata)}, {len(written.data)} bytes, sha256 {digest[:16]}")
    return EXIT_OK


def check_weights(args: argparse.Namespace) -> int:
    """``gdssm check --weights PATH``: the property check of the file's layer against autograd GD.

    Exit 0 when the loaded layer computes the GD of its metadata (within the dtype's tolerance) and its tensors
    are exactly the derivation; exit 1 (VerificationFailure) otherwise; exit 2 for a file that cannot be read.
    """
    from numeric.weights import check_loaded, describe, read_weights

    loaded = read_weights(args.weights, verify=False)
    differences = loaded.differences
    current = claim_hashes(loaded.metadata["claims"])
    claims_current = current == loaded.metadata["claims"]
    try:
        with _progress() as bar:
            task = bar.add_task("file's layer vs autograd GD", total=args.examples)
            report = check_loaded(loaded, args.examples, args.seed,
                                  progress=lambda done, total: bar.update(task, completed=done))
    except VerificationFailure as failure:
        raise VerificationFailure(f"{args.weights}: {failure}",
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
        raise VerificationFailure(f"{args.weights}: the layer computes GD on {report.examples} examples, but its "
                                  f"tensors are not the {loaded.construction.name} construction the metadata names "
                                  f"(max |difference| {differences[name]:.3g} in {name!r})",
                                  {"differences_from_derivation": differences})
    return EXIT_OK
