"""The ground of gdssm: exceptions, validation and atomic writes. It imports nothing else of the project.

Every other subpackage may import it; it is below :mod:`gdssm.symbolic`, :mod:`gdssm.proofs`,
:mod:`gdssm.numeric`, :mod:`gdssm.reports` and :mod:`gdssm.cli`.
"""

from gdssm.core.atomic import atomic_open, atomic_path, write_bytes, write_text
from gdssm.core.errors import BadInput, DomainError, GdssmError, Refuted, ShapeError
from gdssm.core.validation import (
    parse_int,
    require_count,
    require_dim,
    require_finite,
    require_int,
    require_seed,
    require_steps,
    require_writable_file,
    require_writable_folder,
)

__all__ = [
    "BadInput", "DomainError", "GdssmError", "Refuted", "ShapeError",
    "atomic_open", "atomic_path", "parse_int", "require_count", "require_dim", "require_finite", "require_int",
    "require_seed", "require_steps", "require_writable_file", "require_writable_folder", "write_bytes", "write_text",
]
