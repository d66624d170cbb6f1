"""gdssm.reports: the LaTeX/PDF report -- claims with their proof chains, derived parameters and numeric evidence.

* :mod:`~gdssm.reports.assemble` -- :class:`ReportSettings` and :func:`build_report_input`: the registry's claims,
  the route outcomes and the evidence at the report's dimensions, as one :class:`ReportInput`;
* :mod:`~gdssm.reports.model` -- the input (:class:`ReportInput` and its views), filled by the caller;
* :mod:`~gdssm.reports.build` -- :func:`render_tex` (byte-identical for the same input) and :func:`write_report`
  (the ``.tex``, the figures and, with TeX, the PDF by ``latexmk``);
* :mod:`~gdssm.reports.latex` -- the Jinja2 environment and the ``claim`` accessor, which refuses to render an
  unverified claim (:class:`UnverifiedClaimError`);
* :mod:`~gdssm.reports.tex` -- :class:`TexMath` / :class:`TexRaw` and prose escaping;
* :mod:`~gdssm.reports.evidence`, :mod:`~gdssm.reports.two_step_audit`, :mod:`~gdssm.reports.learned` -- the
  numeric evidence, the audit of the authors' two-step construction, finished training runs;
* :mod:`~gdssm.reports.graph` -- the layered claim dependency graph; :mod:`~gdssm.reports.figures` -- deterministic
  PDF figures; :mod:`~gdssm.reports.from_registry`, :mod:`~gdssm.reports.context` -- views and template context;
* :mod:`~gdssm.reports.end_to_end` -- one claim's route-1 records flattened into one chain, from the layer's
  equations to its prediction.
"""

from gdssm.reports.assemble import ReportSettings, build_report_input
from gdssm.reports.build import BuildResult, render_tex, write_report
from gdssm.reports.latex import UnverifiedClaimError
from gdssm.reports.model import ReportInput
from gdssm.reports.tex import TexMath, TexRaw

__all__ = [
    "BuildResult", "ReportInput", "ReportSettings", "TexMath", "TexRaw", "UnverifiedClaimError",
    "build_report_input", "render_tex", "write_report",
]
