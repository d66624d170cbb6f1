"""``gdssm schedule``: the exact expected loss of k GD steps and its optimal constant and per-step schedules.

For an input law (``--law uniform|gaussian``, ``--scale``: the uniform half-width, default 1/2, or the Gaussian
standard deviation, default 1), dimensions ``--f``, ``--n`` and ``--steps`` k, it prints (:mod:`symbolic.kstep_loss`,
:mod:`symbolic.schedules`):

* the trace moments m_0..m_2k (exact; or, with ``--moments estimate``, Monte Carlo estimates with standard errors,
  marked as such);
* the expected loss of k steps of one step size, L(alpha), as an exact polynomial;
* the expected loss of per-step step sizes as an exact quadratic in a_1..a_k, where
  prod_j (1 - alpha_j lambda) = 1 - sum_j a_j lambda^j, and for k <= 3 expanded in alpha_0..alpha_{k-1};
* the optimal constant alpha* and the optimal alpha_0..alpha_{k-1}: exact algebraic numbers, rational isolating
  intervals (the error bound), 20 digits, and the minimum losses (exact, or certified bounds).

``--moments auto`` (default) uses exact moments for the Gaussian law always and for the uniform law up to
k = 4 (about a second); ``exact`` allows the uniform law up to k = 5 (minutes, checked against ``--max-time``);
``estimate`` always estimates (``--tasks``, ``--seed``) and re-estimates the loss at each schedule on fresh tasks.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

import sympy as sp

from gdssm.cli.exits import EXIT_OK
from gdssm.cli.options import output_file
from gdssm.cli.output import emit
from gdssm.core import budget
from gdssm.core.errors import BadInput
from gdssm.core.validation import require_count, require_dim, require_seed, require_steps

MOMENT_CHOICES = ("auto", "exact", "estimate")
AUTO_EXACT_ORDER = 8
"""``--moments auto``: exact uniform moments up to this order (k <= 4, about a second)."""
PATTERN_SECONDS = {0: 0.01, 1: 0.01, 2: 0.01, 3: 0.01, 4: 0.02, 5: 0.03, 6: 0.05, 7: 0.2, 8: 2.0, 9: 40.0, 10: 600.0}
"""Seconds of the exact pattern sum of tr G^n (measured on the 2-core machine, rounded up: 7 min for n = 10)."""
EXPANDED_STEPS = 3
"""The per-step loss is also printed expanded in alpha_0..alpha_{k-1} up to this k."""


def schedule_cost(law: str, k: int, moments: str, tasks: int) -> budget.Estimate:
    """Memory and time of one ``gdssm schedule`` run (root isolation grows with the degree 2k - 1)."""
    seconds = 0.5 + 0.02 * k * k
    if moments == "estimate":
        seconds += tasks * 2e-5
    elif law != "gaussian":
        seconds += sum(PATTERN_SECONDS.get(n, float("inf")) for n in range(2 * k + 1))
    return budget.Estimate(f"schedule for the {law} law at k = {k}", budget.BASE_BYTES + 50 * 2**20, seconds)


def _choose_moments(law: str, k: int, moments: str) -> str:
    from gdssm.symbolic.kstep_loss import EXACT_PATTERN_LIMIT

    if moments not in MOMENT_CHOICES:
        raise BadInput(f"--moments must be one of {', '.join(MOMENT_CHOICES)}, got {moments!r}")
    if law == "gaussian":
        return "estimate" if moments == "estimate" else "exact"
    if moments == "exact" and 2 * k > EXACT_PATTERN_LIMIT:
        raise BadInput(f"exact moments of the {law} law stop at k = {EXACT_PATTERN_LIMIT // 2} (the pattern sum of "
                       f"order {2 * k} would take days); use --moments estimate")
    if moments == "auto":
        return "exact" if 2 * k <= AUTO_EXACT_ORDER else "estimate"
    return moments


def schedule_document(law: str, f: int, N: int, k: int, *, scale: Any = None, moments: str = "auto",
                      tasks: int = 200000, seed: int = 0) -> dict[str, Any]:
    """The ``gdssm.schedule/1`` document (module docstring)."""
    from gdssm.symbolic import kstep_loss as kl
    from gdssm.symbolic import schedules as sc

    require_dim("f", f)
    require_dim("N", N)
    require_steps(k)
    require_count("tasks", tasks)
    require_seed(seed)
    coord = kl.coordinate_law(law, scale)
    if not sp.sympify(coord.sigma2, strict=True).is_Rational:
        raise BadInput(f"the schedules need a rational variance; --scale {coord.parameter} gives sigma^2 = "
                       f"{coord.sigma2} (give a Gaussian std whose square is rational, e.g. 1 or 1/2)")
    kind = _choose_moments(law, k, moments)
    budget.require(schedule_cost(law, k, kind, tasks))
    if kind == "exact":
        m = kl.trace_moments(coord, 2 * k, f, N)
    else:
        from gdssm.numeric.kstep_montecarlo import estimated_moments

        m = estimated_moments(law, f, N, 2 * k, tasks, seed, scale)
    constant, per_step = sc.optimal_constant(k, m), sc.optimal_per_step(k, m)
    alpha = sp.Symbol("alpha")
    steps = kl.step_symbols(k)
    a = sp.symbols(f"a_1:{k + 1}") if k else ()
    H, b = kl.quadratic_form(k, m) if k else (sp.zeros(0, 0), sp.zeros(0, 1))
    scale_factor = m.sigma2 / 2
    quadratic = sp.expand(scale_factor * (m.values[0] - 2 * sum(a[j] * b[j] for j in range(k))
                                          + sum(a[j] * a[l] * H[j, l] for j in range(k) for l in range(k))))
    doc: dict[str, Any] = {
        "schema": "gdssm.schedule/1", "law": law, "scale": str(coord.parameter), "sigma2": str(m.sigma2),
        "f": f, "N": N, "k": k,
        "convention": "alpha = eta/N; L = 1/2 E (W_k x_q - y_q)^2 per output, W_0 = 0, y = w^T x, w ~ N(0, I); "
                      "W_{j+1} = W_j - alpha_j (W_j G - A)",
        "moments": {"kind": "exact" if m.exact else "estimate (Monte Carlo)", "method": m.method,
                    "values": [str(v) for v in m.values],
                    "stderr": None if m.stderr is None else [f"{e:.3g}" for e in m.stderr]},
        "loss_constant": str(kl.constant_step_loss(k, m, alpha)),
        "loss_per_step_quadratic": str(quadratic),
        "per_step_coefficients": "prod_j (1 - alpha_j lambda) = 1 - sum_j a_j lambda^j",
        "constant": constant.as_dict(),
        "per_step": per_step.as_dict(),
    }
    if k <= EXPANDED_STEPS:
        doc["loss_per_step"] = str(kl.expected_loss(steps, m))
    if not m.exact:
        from gdssm.numeric.kstep_montecarlo import spectral_loss

        for name, s in (("constant", constant), ("per_step", per_step)):
            est = spectral_loss(law, f, N, s.steps, tasks, seed + 1, scale)
            doc[name]["loss_estimate"] = f"{est.mean:.6g} +- {est.stderr:.2g} (fresh tasks, seed {seed + 1})"
    return doc


def render_text(doc: dict[str, Any]) -> str:
    """The document as lines ``key: value`` (schedules indented)."""
    lines = []
    for key, value in doc.items():
        if isinstance(value, dict):
            lines.append(f"{key}:")
            lines += [f"  {k}: {v}" for k, v in value.items()]
        else:
            lines.append(f"{key}: {value}")
    return "\n".join(lines) + "\n"


def schedule(args: argparse.Namespace) -> int:
    """``gdssm schedule``: print the document (json or text)."""
    output = getattr(args, "output", None)
    if output:
        output_file(output, "-o/--output")
    fmt = getattr(args, "format", None) or "text"
    if fmt not in ("json", "text"):
        raise BadInput(f"--format must be json or text, got {fmt!r}")
    steps = getattr(args, "steps", None)
    doc = schedule_document(getattr(args, "law", None) or "uniform", args.f, args.N, 1 if steps is None else steps,
                            scale=getattr(args, "scale", None), moments=getattr(args, "moments", None) or "auto",
                            tasks=getattr(args, "tasks", None) or 200000, seed=getattr(args, "seed", None) or 0)
    emit(json.dumps(doc, indent=2) + "\n" if fmt == "json" else render_text(doc), output)
    return EXIT_OK
