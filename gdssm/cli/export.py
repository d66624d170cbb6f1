"""``gdssm export``: a thin handler over :mod:`gdssm.numeric.formats`.

``numeric`` never imports ``proofs`` (DESIGN §3), so the statement hashes of the claims that justify a file
are looked up here, in the claims registry, and handed to the writer; ``check --weights`` compares the
file's hashes with the registry of this installation.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Iterable

from gdssm.cli.derive import derive_document
from gdssm.cli.exits import EXIT_OK
from gdssm.core.errors import BadInput


def claim_hashes(ids: Iterable[str]) -> dict[str, str]:
    """Claim id -> sha256 statement hash, from the registry (an unknown id is a BadInput)."""
    from gdssm.proofs.claims import claim

    return {cid: claim(cid).statement_hash for cid in ids}


def export(args: argparse.Namespace) -> int:
    """``gdssm export``: derive the construction, write the weights file atomically, print one line."""
    from gdssm.numeric.formats import EXPORTABLE, container_of, describe, justifying_claims, write_weights
    from gdssm.symbolic.constructions import parse_eta
    from gdssm.symbolic.serialize import construction_from_json

    if args.construction not in EXPORTABLE:
        raise BadInput(f"cannot export construction {args.construction!r}; choose one of {', '.join(EXPORTABLE)}")
    if args.format == "reference" and args.construction != "one-step":
        raise BadInput("format 'reference' holds the one-step construction only (the authors' single layer)")
    for text in [args.eta, *(args.etas.split(",") if args.etas else [])]:
        if parse_eta(text).free_symbols:
            raise BadInput(f"export needs numeric step sizes (tensors hold numbers), got {text!r}")
    container_of(args.output, args.format)
    layout = args.layout or ("reference" if args.format == "reference" else "split")
    construction = construction_from_json(derive_document(argparse.Namespace(**{**vars(args), "layout": layout})))
    claims = claim_hashes(justifying_claims(construction, args.format))
    written = write_weights(args.output, construction, args.format, args.dtype, claims)
    digest = hashlib.sha256(written.data).hexdigest()
    print(f"wrote {args.output}: {describe(written.metadata)}, {len(written.data)} bytes, sha256 {digest[:16]}")
    return EXIT_OK
