"""The report's evidence beyond the claim registry, computed at the report's dimensions.

* :func:`exact_at_dims` -- route 2 on the one-step and k-step constructions at (f, m, N) itself;
* :func:`property_table` -- the Hypothesis property run (layer vs autograd GD) summarised by dtype;
* :func:`loss_vs_k` -- query loss of k GD steps and of the k-step GD-SSM, k = 0..K, on the same tasks, at the
  paper's f = N = 10 with Gaussian inputs and the derived optimal step sizes (constant and per-step,
  :mod:`symbolic.schedules`), beside the derived exact expected loss (:mod:`symbolic.kstep_loss`);
* :func:`error_vs_n` -- the largest |GD-SSM - GD| at every prefix against the context length N;
* :func:`mutant_views` -- every mutant run through route 1 (the theorem about the mutated description), the exact
  route, Z3 and the numeric check.

Losses are the half squared error per output dimension at the query, L = 1/(2 B m) sum_b ||yhat_b - W_b x_q||^2,
with noise-free labels, matching :mod:`symbolic.stepsize`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import sympy as sp
import torch

from gdssm.core.errors import Refuted
from gdssm.numeric.check import CheckReport, check_construction, run_check
from gdssm.numeric.layer import GDSSMLayer
from gdssm.numeric.oracle import gd_predictions
from gdssm.numeric.samplers import TaskLaw, sample_tasks
from gdssm.proofs.route_exact import check_exact
from gdssm.proofs.route_z3 import check_z3
from gdssm.reports.model import MutantView, NumericTable
from gdssm.symbolic.constructions import Construction, k_step, one_step
from gdssm.symbolic.kstep_loss import coordinate_law, expected_loss, trace_moments
from gdssm.symbolic.mutants import MUTANTS, Mutant
from gdssm.symbolic.schedules import optimal_constant, optimal_per_step
from gdssm.symbolic.stepsize import input_law, optimal_alpha

LAW = TaskLaw(inputs="uniform", input_range=1.0)
"""x ~ U(-1/2, 1/2) coordinatewise, W ~ N(0, I): the paper's setting (DESIGN §1.4)."""
MUTANT_ETA = sp.Rational(1, 2)
MUTANT_STEPS = 2
"""The mutants break a k = 2 construction, so that the readout mutants apply."""
MUTANT_EXAMPLES = 4
LOSS_TASKS = 1000
LOSS_DIMS = (10, 1, 10)
"""(f, m, N) of the loss-vs-k figure: the paper's f = N = 10; the loss per output dimension does not depend on m
(the rows of W are independent), so m = 1."""
LOSS_LAW = TaskLaw(inputs="gaussian", input_scale=1.0)
"""x ~ N(0, I), W ~ N(0, I): the law whose trace moments are exact at every k (Wishart closed forms)."""
SCHEDULES = {"constant": optimal_constant, "per-step": optimal_per_step}
"""The derived step sizes of the loss-vs-k figure: the optimal constant alpha*_k and the optimal per-step schedule."""
ERROR_TASKS = 8


def optimal_eta(f: int, N: int) -> sp.Rational:
    """eta* = N alpha* of one GD step under :data:`LAW` (derived exactly, :mod:`symbolic.stepsize`)."""
    return sp.Rational(N) * optimal_alpha(input_law("uniform"), f, N)


def exact_at_dims(f: int, m: int, N: int, steps: Sequence[int]) -> NumericTable:
    """Route 2 at the report's own dimensions: the one-step construction and the k-step one for each k."""
    targets = [one_step(f, m, N)] + [k_step(f, m, N, k) for k in steps]
    rows = []
    for c in targets:
        result = check_exact(c, "auto", seed=0)
        rows.append((c.name, str(c.steps), result.method, result.status,
                     f"{result.total_terms}" if result.total_terms is not None else "-"))
    return NumericTable(f"Exact check (route 2) at f = {f}, m = {m}, N = {N}, eta symbolic",
                       ("construction", "k", "method", "result", "terms"), tuple(rows))


def property_table(reports: dict[str, CheckReport]) -> NumericTable:
    """Examples and largest errors of the property runs, by construction and dtype."""
    rows = tuple(
        (name, dtype, str(s.examples), f"{s.max_abs:.2e}", f"{s.max_rel:.2e}", f"{report.tolerances[dtype]:.0e}")
        for name, report in reports.items() for dtype, s in report.stats.items()
    )
    return NumericTable("Property run: GD-SSM with derived weights against autograd GD at every prefix "
                        "(Hypothesis-drawn f, m, N, k, eta, lambda, layouts)",
                        ("construction", "dtype", "examples", "max abs error", "max rel error", "tolerance"), rows)


def property_runs(examples: int, seed: int) -> dict[str, CheckReport]:
    """One property run per construction (``numeric.check.run_check``)."""
    return {name: run_check(examples, seed, names=(name,), max_f=8, max_m=3, max_N=32, max_k=4)
            for name in ("one-step", "k-step")}


def figure_settings(f: int, m: int, N: int, seed: int) -> NumericTable:
    """How the two figures were measured."""
    law = "x ~ U(-1/2, 1/2), W ~ N(0, I), noise-free labels"
    lf, lm, lN = LOSS_DIMS
    return NumericTable("Setting of the figures below", ("figure", "construction", "step size", "data"), (
        ("loss vs k", f"k-step, f = {lf}, m = {lm}, N = {lN} (the paper's setting)",
         "derived optima for each k: constant alpha*_k and per-step alpha_0..alpha_(k-1)",
         f"{LOSS_TASKS} tasks, seed {seed}, x ~ N(0, I), W ~ N(0, I), noise-free labels; query loss "
         "1/(2m) ||yhat - W x_q||^2, mean +- standard error; exact expected loss derived"),
        ("error vs N", f"k-step, f = {f}, m = {m}", "eta*(f, N)", f"{ERROR_TASKS} tasks per N, seed {seed}, {law}; "
         "max over prefixes"),
    ))


Series = dict[str, tuple[float, ...]]
"""An axis and series of equal length (see :class:`reports.model.ReportInput`)."""


def loss_vs_k(max_steps: int, tasks: int = LOSS_TASKS, seed: int = 0) -> Series:
    """Query loss of k GD steps (autograd oracle) and of the k-step GD-SSM for k = 0..max_steps at :data:`LOSS_DIMS`.

    For each schedule of :data:`SCHEDULES` and each k the step sizes are derived exactly from the Gaussian trace
    moments; both methods run on the same ``tasks`` tasks. Series per schedule S: ``"GD, S"`` and ``"GD-SSM, S"``
    (mean loss), ``"s.e., S"`` (standard error of the GD-SSM mean; GD's agrees to rounding) and ``"exact, S"``
    (the derived expected loss at the step sizes used).
    """
    f, m, N = LOSS_DIMS
    moments = trace_moments(coordinate_law("gaussian", sp.Rational(str(LOSS_LAW.input_scale))), 2 * max_steps, f, N)
    batch = sample_tasks(LOSS_LAW, tasks, N, f, m, seed=seed)
    target = (batch.W @ batch.x[:, N].unsqueeze(-1)).squeeze(-1)
    out: dict[str, list[float]] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small tensors: one thread is faster, and much faster on a loaded machine
    try:
        for name, derive in SCHEDULES.items():
            for k in range(max_steps + 1):
                etas = derive(k, moments).etas
                gd, ssm = _task_losses(f, m, N, k, etas, batch.x, batch.y, target)
                exact = expected_loss([e / N for e in etas], moments, sp.Rational(str(LOSS_LAW.weight_scale)) ** 2)
                for label, value in (("GD", float(gd.mean())), ("GD-SSM", float(ssm.mean())),
                                     ("s.e.", float(ssm.std() / tasks**0.5)), ("exact", float(exact))):
                    out.setdefault(f"{label}, {name}", []).append(value)
    finally:
        torch.set_num_threads(threads)
    return {"k": tuple(float(k) for k in range(max_steps + 1)), **{key: tuple(v) for key, v in out.items()}}


def loss_vs_k_caption(max_steps: int, tasks: int = LOSS_TASKS) -> str:
    """The caption of the loss-vs-k figure: law, step sizes, number of tasks."""
    f, m, _ = LOSS_DIMS
    return (f"Query loss against the number of GD steps k = 0..{max_steps} at f = N = {f} (m = {m}), inputs "
            f"x ~ N(0, I) and weights W ~ N(0, I), noise-free labels: gradient descent and the GD-SSM layer on the "
            f"same {tasks} tasks, mean +- one standard error, at the derived optimal constant step alpha*_k and "
            "the derived optimal per-step schedule for each k; lines: the derived exact expected loss at the "
            "same step sizes.")


def _task_losses(f: int, m: int, N: int, k: int, etas: Sequence[sp.Rational], x: torch.Tensor, y: torch.Tensor,
                 target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-task query losses 1/(2m) ||yhat - W x_q||^2 of GD-k and of the k-step GD-SSM at the steps ``etas``."""
    c = k_step(f, m, N, k, etas=etas) if k else k_step(f, m, N, 0, 1)  # k = 0: no step, eta unused
    gd = gd_predictions(c.gd, x, y, prefixes=[N])[:, 0]
    with torch.no_grad():
        ssm = GDSSMLayer.from_construction(c)(x, y)[:, -1]
    return 0.5 * (gd - target).pow(2).mean(-1), 0.5 * (ssm - target).pow(2).mean(-1)


def error_vs_n(f: int, m: int, k: int, Ns: Sequence[int], tasks: int = ERROR_TASKS, seed: int = 0) -> Series:
    """max over tasks, prefixes and outputs of |GD-SSM - GD| for the k-step construction at eta*(f, N)."""
    errors: dict[str, list[float]] = {"float64": [], "float32": []}
    for N in Ns:
        c = k_step(f, m, N, k, optimal_eta(f, N))
        batch = sample_tasks(LAW, tasks, N, f, m, seed=seed, dtype=torch.float32)
        x, y = batch.x.double(), batch.y.double()
        oracle = gd_predictions(c.gd, x, y)
        for name, dtype in (("float64", torch.float64), ("float32", torch.float32)):
            with torch.no_grad():
                pred = GDSSMLayer.from_construction(c, dtype=dtype)(x.to(dtype), y.to(dtype)).double()
            errors[name].append(float((pred - oracle).abs().max()))
    return {"N": tuple(float(n) for n in Ns), **{name: tuple(v) for name, v in errors.items()}}


def mutant_bases(f: int, m: int, N: int) -> tuple[Construction, ...]:
    """Correct constructions to break: k-step (k = 2) and one step from W_0 != 0 (for the value map)."""
    W0 = sp.Matrix(m, f, lambda i, j: sp.Rational((-1) ** (i + j), i + j + 1))
    return (k_step(f, m, N, MUTANT_STEPS, MUTANT_ETA), one_step(f, m, N, MUTANT_ETA, W0=W0))


def _numeric_rejects(c: Construction) -> bool:
    try:
        check_construction(c, examples=MUTANT_EXAMPLES, seed=0, dtypes=(torch.float64,), shrink=False)
    except Refuted:
        return True
    return False


def _symbolic_rejects(c: Construction) -> bool:
    """Route 1 on the mutated description itself (at symbolic dimensions, its scalars symbolic)."""
    from gdssm.proofs.theories.ssm import refutes

    return c.description is not None and refutes(c.description)


ROUTE_REJECTS: dict[str, Callable[[Construction], bool]] = {
    "symbolic": _symbolic_rejects,
    "exact": lambda c: not check_exact(c, "auto", seed=0).ok,
    "z3": lambda c: not check_z3(c).ok,
    "numeric": _numeric_rejects,
}
"""Whether a route rejects a construction (finds that the layer is not the GD it claims)."""


def mutant_view(mutant: Mutant, bases: Sequence[Construction]) -> MutantView:
    """``mutant`` applied to the first base it applies to, and each route's verdict (none if none applies)."""
    base = next((c for c in bases if mutant.applies(c)), None)
    if base is None:
        return MutantView(mutant.name, mutant.description, {})
    wrong = mutant.apply(base)
    where = f"{base.name}, k = {base.steps}, f = {base.layout.f}, m = {base.layout.m}, N = {base.N}"
    return MutantView(mutant.name, f"{mutant.description} ({where})",
                      {route: rejects(wrong) for route, rejects in ROUTE_REJECTS.items()})


MUTANT_DIMS = (3, 2, 4)
"""Largest (f, m, N) the mutants are run at: a mutant needs one disagreement, and Z3's time grows fast."""


def mutant_views(f: int, m: int, N: int) -> tuple[MutantView, ...]:
    """Every mutant of the catalogue at the report's dimensions, capped at :data:`MUTANT_DIMS`."""
    bases = mutant_bases(*(min(d, cap) for d, cap in zip((f, m, N), MUTANT_DIMS, strict=True)))
    return tuple(mutant_view(mu, bases) for mu in MUTANTS)
