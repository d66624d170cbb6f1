"""The report's view of a finished ``gdssm train --preset nonlinear`` run: task law, the quirks fixed relative to
the authors' E2, the comparisons table and the figures, all read from ``<train dir>/nonlinear/summary.json``
(:mod:`numeric.train_nonlinear_outputs`); rendered by ``templates/nonlinear.tex`` inside "Learned vs derived".

Every number, the law's ranges included, comes from the summary; math is written as LaTeX here, never as ASCII.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from gdssm.numeric.train_artifacts import load_outputs
from gdssm.numeric.train_nonlinear import GD_LEARNED, GD_RANDOM, LEAST_SQUARES, X_RANGE, ZERO, NonlinearPreset
from gdssm.reports.model import LearnedView, NumericTable
from gdssm.reports.tex import TexMath, TexRaw, tex_escape

PRESET = NonlinearPreset.name
LABELS = {GD_LEARNED: "(i) GD on the learned features", GD_RANDOM: "(ii) GD on fixed random features",
          LEAST_SQUARES: "(iii) least squares on the learned features", ZERO: "zero predictor"}
"""Report names of the comparisons of :mod:`numeric.train_nonlinear`."""
HEADER = ("model", "loss", "minus trained (paired)", "pred. L2", "sens. cosine", TexMath(r"\eta"))
FIGURE_CAPTIONS = {
    "loss": "Training loss (interval mean) against the evaluation losses of the trained model and the comparisons",
    "predictions": "Query predictions on held-out tasks as the query input sweeps the law's range: trained model, "
                   "GD and least squares on the learned features, the truth and the context",
}


@dataclass(frozen=True, kw_only=True)
class NonlinearView(LearnedView):
    """A :class:`LearnedView` of the nonlinear preset; ``table`` is the comparisons table."""

    law: TexRaw
    quirks: tuple[TexRaw, ...]


def _num(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits as LaTeX math (``1.2 \\times 10^{-5}`` for tiny or huge ones)."""
    text = f"{value:.{digits}g}"
    if "e" in text:
        mantissa, _, exponent = text.partition("e")
        return rf"{mantissa} \times 10^{{{int(exponent)}}}"
    return text


def _pm(mean: float, stderr: float) -> TexMath:
    """``mean \\pm s.e.`` as LaTeX math."""
    return TexMath(rf"{_num(mean)} \pm {_num(stderr, 2)}")


def _uniform(symbol: str, low: str, high: str) -> str:
    return rf"{symbol} \sim U({low}, {high})"


def _turns(value: float) -> str:
    """b / pi = value, as a multiple of pi in LaTeX."""
    frac = Fraction(value).limit_denominator(12)
    if frac == 0:
        return "0"
    head = "" if frac.numerator == 1 else "-" if frac.numerator == -1 else str(frac.numerator)
    return rf"{head}\pi" + ("" if frac.denominator == 1 else f"/{frac.denominator}")


def law_tex(law: Mapping[str, Any]) -> TexRaw:
    """The task law of the summary as a sentence with LaTeX math."""
    (a0, a1), (t0, t1), (x0, x1) = law["amplitude_range"], law["phase_turns_range"], law["x_range"]
    if law["independent_amplitude_phase"]:
        ab = (rf"\({_uniform('a', _num(a0), _num(a1))}\) and \({_uniform('b', _turns(t0), _turns(t1))}\) drawn "
              "independently")
    else:
        b = (f"{_turns(t0)} + " if t0 else "") + rf"{_turns(t1 - t0)} u"
        ab = rf"one draw \(u \sim U(0, 1)\) giving both \(a = {_num(a0)} + {_num(a1 - a0)} u\) and \(b = {b}\)"
    xs = _uniform("x", _num(x0), _num(x1))
    return TexRaw(rf"Tasks \(y = a \sin(x + b)\) with {ab}, inputs \({xs}\) (law \texttt{{{law['name']}}}).")


def quirks_tex() -> tuple[TexRaw, ...]:
    """What the preset changes relative to the authors' E2, with the authors' figures (``--law authors``)."""
    (lo, hi), (xlo, xhi) = X_RANGE["authors"], X_RANGE["independent"]
    return (
        TexRaw(r"Amplitude and phase: the authors draw one \(u\) for both, so the amplitude fixes the phase and a "
               r"task has one degree of freedom; here \(a\) and \(b\) are independent."),
        TexRaw(rf"Input range: the authors draw \({_uniform('x', _num(lo), _num(hi))}\), an interval of width "
               rf"\({_num(hi - lo)}\) on which \(\sin(x + b)\) is close to affine; here "
               rf"\({_uniform('x', _num(xlo), _num(xhi))}\) spans more than one period."),
        TexRaw(r"Both are kept for comparison: \texttt{gdssm train --preset nonlinear --law authors} draws the "
               r"authors' tasks."),
    )


def comparison_rows(doc: Mapping[str, Any]) -> tuple[tuple[str, ...], ...]:
    """The trained model's row and one row per comparison (losses and paired differences with their s.e.)."""
    h = doc["headline"]
    none = TexRaw(r"\gdnone")
    rows: list[tuple[str, ...]] = [("trained GD-SSM", _pm(h["loss"], h["loss_stderr"]), none, none, none, none)]
    for c in doc["comparisons"]:
        cosine = none if c["sensitivity_cosine"] is None else _pm(c["sensitivity_cosine"],
                                                                  c["sensitivity_cosine_stderr"])
        rows.append((LABELS.get(c["name"], c["name"]), _pm(c["loss"], c["loss_stderr"]),
                     _pm(c["paired_difference"], c["paired_stderr"]), TexMath(_num(c["prediction_l2"])), cosine,
                     none if c["eta"] is None else TexMath(_num(c["eta"]))))
    return tuple(rows)


def setting_tex(doc: Mapping[str, Any]) -> TexRaw:
    """Model, training and evaluation settings as a sentence."""
    s = doc["settings"]
    sizes = r" \to ".join(str(v) for v in (1, *s["widths"], s["p"]))
    return TexRaw(
        rf"\(\phi\): an MLP \({sizes}\) ({tex_escape(s['activation'])}, random initialisation) on the inputs and the "
        rf"query, followed by the GD-SSM layer at dims \((f, m) = ({s['p']}, 1)\) with \(N = {s['N']}\) context "
        rf"examples; both trained together by Adam (learning rate \({_num(s['lr'])}\), batch {s['batch']}, cosine "
        rf"decay) for {doc['steps']} steps, seed {doc['seed']}, float32. Evaluated in float64 on "
        rf"{s['eval_tasks']} held-out tasks; every loss is the half squared error at the query \(\pm\) its standard "
        r"error, every paired difference is comparison minus trained on the same tasks \(\pm\) its standard error. "
        r"(i) is the analytic one-step core (one GD step on the features, claim \texttt{ssm.features\_one\_step}) fed "
        r"the trained \(\phi\), (ii) the same core on \(\phi\) at its initialisation, (iii) the minimum-norm least "
        r"squares fit \(W^*\) on the learned features; the GD step sizes \(\eta\) are fitted by least squares on the "
        r"evaluation tasks. Prediction L2: root mean square of comparison minus trained predictions; sensitivity "
        r"cosine: cosine between the gradients of the two query predictions with respect to the context and the "
        r"query, mean over tasks.")


def finding(doc: Mapping[str, Any]) -> TexRaw:
    """One sentence: the trained loss, and GD on the learned features and the zero predictor minus it, with s.e."""
    by_name = {c["name"]: c for c in doc["comparisons"]}
    gd, zero = by_name[GD_LEARNED], by_name[ZERO]
    h = doc["headline"]
    return TexRaw(
        rf"trained loss \({_pm(h['loss'], h['loss_stderr'])}\); GD on the learned features minus trained "
        rf"\({_pm(gd['paired_difference'], gd['paired_stderr'])}\) with sensitivity cosine "
        rf"\({_num(gd['sensitivity_cosine'])}\); zero predictor minus trained "
        rf"\({_pm(zero['paired_difference'], zero['paired_stderr'])}\).")


def nonlinear_view(directory: Path) -> NonlinearView:
    """The view of the finished nonlinear run in ``directory`` (``<train dir>/nonlinear``)."""
    found = load_outputs(directory)
    doc = found.summary
    figures = tuple((f"{FIGURE_CAPTIONS.get(name, name)} ({doc['preset']}).", str(paths["pdf"]))
                    for figs in found.plots.values() for name, paths in figs.items() if "pdf" in paths)
    table = NumericTable(f"gdssm train --preset {doc['preset']}", HEADER, comparison_rows(doc))
    return NonlinearView(preset=doc["preset"], setting=setting_tex(doc), verdict=finding(doc), table=table,
                         figures=figures, law=law_tex(doc["law"]), quirks=quirks_tex())


__all__ = ["HEADER", "LABELS", "PRESET", "NonlinearView", "comparison_rows", "finding", "law_tex", "nonlinear_view",
           "quirks_tex", "setting_tex"]
