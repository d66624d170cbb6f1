"""Files the command line reads: construction files (derive schema)."""

from __future__ import annotations

from typing import Any

from gdssm.core.errors import BadInput


def load_construction_file(path: str) -> Any:
    """A construction from a derive-schema JSON file; unreadable or invalid files are user errors."""
    import json
    from pathlib import Path

    from gdssm.symbolic.serialize import construction_from_json

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"construction file not found: {path}") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise BadInput(f"cannot read construction file {path}: {err}") from None
    if not isinstance(doc, dict):
        raise BadInput(f"construction file {path} must hold a JSON object")
    return construction_from_json(doc)
