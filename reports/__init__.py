"""The LaTeX/PDF report: claims with their proof chains, derived parameters and numeric evidence.

* :mod:`reports.model` -- the input (:class:`~reports.model.ReportInput` and its views), filled by the caller;
* :mod:`reports.tex` -- :class:`~reports.tex.TexMath` / :class:`~reports.tex.TexRaw` and prose escaping;
* :mod:`reports.latex` -- the Jinja2 environment and the ``claim`` accessor (:class:`UnverifiedClaimError`);
* :mod:`reports.graph` -- the layered claim dependency graph;
* :mod:`reports.figures` -- deterministic PDF figures;
* :mod:`reports.build` -- :func:`~reports.build.render_tex` and :func:`~reports.build.write_report`.
"""
