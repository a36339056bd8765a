"""A calibration in the terminal and on disk: the fit per target, the fitted values and the
kept set, the warnings, observed-against-simulated plots and report.html."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.figure import Figure

from journeysim.files import write_bytes, write_text
from journeysim.report.comparison import magnitude, metric_text
from journeysim.report.console import label, render, setting_text
from journeysim.report.html_blocks import image, page, paragraph, section, table
from journeysim.report.plots import (
    NEUTRAL,
    SCENARIO_COLOURS,
    STYLE,
    figure,
    label_axis,
    png,
)
from journeysim.simulation.hourly import KINDS, PATTERN, is_hourly
from journeysim.study.calibrate import CalibrationPlan, CalibrationResult
from journeysim.study.calibrate_checks import tolerances_off_text

# Observed data against simulation: neither is good or bad, so no blue or red (better, worse).
OBSERVED = "#222222"
KEPT = SCENARIO_COLOURS[0]  # blue
FITTED = SCENARIO_COLOURS[1]  # orange


def fit_rows(result: CalibrationResult) -> tuple[list[str], list[list[str]]]:
    """Per target: observed +- tolerance, the best trial's mean [95% CI], tolerances off,
    within, and the kept trials' range."""
    rows = []
    for _, row in result.fit.iterrows():
        metric = row["target"]

        def text(value: float, metric: str = metric) -> str:
            return metric_text(metric, value)

        kept = (
            f"{text(row['kept_min'])} .. {text(row['kept_max'])}"
            if not np.isnan(row["kept_min"])
            else "-"
        )
        rows.append(
            [
                label(metric),
                f"{text(row['observed'])} +- {magnitude(metric, row['tolerance'])}",
                f"{text(row['simulated_mean'])} [{text(row['ci_low'])}, {text(row['ci_high'])}]",
                tolerances_off_text(row["tolerances_off"]),
                "yes" if row["within"] else "no",
                kept,
            ]
        )
    header = ["target", "observed", "simulated [95% CI]", "tolerances off", "within", "kept"]
    return header, rows


def parameter_rows(result: CalibrationResult) -> tuple[list[str], list[list[str]]]:
    """Per free parameter: its range, the fitted value and the kept sets' range."""
    kept = result.trials[result.trials["kept"]]
    rows = []
    for decision in result.plan.free:
        values = kept[decision.name]
        if kept.empty:
            span = "-"
        elif decision.choices:  # no order to span: the choices kept, in the given order
            span = ", ".join(c for c in decision.choices if c in set(values.astype(str)))
        else:
            span = f"{setting_text(values.min())} .. {setting_text(values.max())}"
        rows.append(
            [
                decision.name,
                (", " if decision.choices else " .. ").join(map(str, decision.extremes())),
                setting_text(result.best_params[decision.name]),
                span,
            ]
        )
    sets = len(result.kept)
    return ["parameter", "range", "fitted", f"kept ({sets} set{'' if sets == 1 else 's'})"], rows


def fit_text(result: CalibrationResult) -> str:
    return render(*fit_rows(result)[::-1]) + "\n\n" + render(*parameter_rows(result)[::-1])


def answer(result: CalibrationResult) -> str:
    """The fitted values and the kept set, in words."""
    fitted = ", ".join(f"{name}={setting_text(v)}" for name, v in result.best_params.items())
    within = result.fit["within"].sum()
    text = (
        f"Fitted: trial {result.best}, {fitted}; {within} of {len(result.fit)} targets within "
        f"tolerance. {len(result.kept)} of {len(result.trials)} trials are consistent with "
        "every target (kept)."
    )
    if len(result.kept) < 2:
        return text + " Fewer than two kept: no parameter_sets.csv."
    return text


def fit_plot(result: CalibrationResult) -> Figure:
    """Per KPI target (rows) and free parameter (columns): every trial's simulated mean
    against the parameter's value, the observed value with its tolerance band, kept trials in
    blue and the fitted trial starred; shares in % in every panel."""
    with matplotlib.rc_context(STYLE):  # fonts are fixed when drawn
        targets = [t for t in result.plan.targets if not is_hourly(t.metric)]
        free = result.plan.free
        fig = figure()
        axes = np.atleast_2d(fig.subplots(len(targets), len(free), squeeze=False))
        trials = result.trials
        best = trials[trials["trial"] == result.best]
        for i, target in enumerate(targets):
            column = f"{target.metric}_mean"
            for j, decision in enumerate(free):
                ax = axes[i, j]
                ax.axhspan(
                    target.value - target.tolerance,
                    target.value + target.tolerance,
                    color=OBSERVED,
                    alpha=0.12,
                    label="observed +- tolerance",
                )
                ax.axhline(target.value, color=OBSERVED, linewidth=2, label="observed")
                for kept, colour in ((False, NEUTRAL), (True, KEPT)):
                    mine = trials[trials["kept"] == kept]
                    if mine.empty:  # no "kept trial" in the legend when none is kept
                        continue
                    x = mine[decision.name].astype(str) if decision.choices else mine[decision.name]
                    ax.plot(
                        x,
                        mine[column],
                        "o",
                        color=colour,
                        markersize=8,
                        label="kept trial" if kept else "trial",
                    )
                x = best[decision.name].astype(str) if decision.choices else best[decision.name]
                # The fitted trial is often the lowest or highest point, whose large star the
                # axes' default 5% margin cut in half: a wider margin, and never clipped.
                ax.plot(
                    x, best[column], "*", color=FITTED, markersize=24, label="fitted", clip_on=False
                )
                ax.margins(y=0.12)
                if i == len(targets) - 1:
                    ax.set_xlabel(decision.name)
                label_axis(ax.yaxis, target.metric)  # shares in % in every panel of the row
                if j > 0:
                    ax.set_ylabel("")
        handles, labels = axes[0, 0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
        fig.suptitle("Observed against simulated: each trial's mean by parameter value")
        return fig


def hourly_plot(result: CalibrationResult) -> Figure:
    """Per day kind targeted: receipts per opening hour observed (with the tolerance band)
    and simulated by the fitted trial (95% CI), and the range of the kept trials' means."""
    fit = result.fit.copy()
    parts = fit["target"].map(lambda name: PATTERN.match(name))
    fit = fit[parts.notna()]
    fit["kind"] = [m[1] for m in parts.dropna()]
    fit["hour"] = [f"{m[2]}:{m[3]}" for m in parts.dropna()]
    kinds = [kind for kind in KINDS if (fit["kind"] == kind).any()]
    with matplotlib.rc_context(STYLE):
        fig = figure()
        axes = fig.subplots(1, len(kinds), squeeze=False)[0]
        for ax, kind in zip(axes, kinds):
            mine = fit[fit["kind"] == kind]
            x = np.arange(len(mine))
            observed, tolerance = mine["observed"].to_numpy(), mine["tolerance"].to_numpy()
            ax.fill_between(
                x,
                observed - tolerance,
                observed + tolerance,
                color=OBSERVED,
                alpha=0.12,
                label="observed +- tolerance",
            )
            ax.plot(x, observed, color=OBSERVED, linewidth=2, label="observed")
            if mine["kept_min"].notna().any():
                ax.vlines(
                    x,
                    mine["kept_min"],
                    mine["kept_max"],
                    color=NEUTRAL,
                    linewidth=6,
                    alpha=0.4,
                    label="kept trials",
                )
            mean = mine["simulated_mean"].to_numpy()
            error = [mean - mine["ci_low"].to_numpy(), mine["ci_high"].to_numpy() - mean]
            ax.errorbar(
                x, mean, yerr=error, fmt="o", color=FITTED, markersize=8, label="fitted (95% CI)"
            )
            ax.set_xticks(x[::2], mine["hour"].to_numpy()[::2])
            ax.set_xlabel(f"opening hour ({kind})")
            ax.set_ylabel("receipts per hour")
        handles, labels = axes[0].get_legend_handles_labels()
        fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
        fig.suptitle("Receipts per opening hour: observed against the fitted trial")
        return fig


def plot_files(plan: CalibrationPlan) -> list[str]:
    """The charts `write_plots` draws: fit.png unless every target is hourly, and hourly.png
    when one is."""
    fit = not all(is_hourly(t.metric) for t in plan.targets)
    return [*(["fit.png"] if fit else []), *(["hourly.png"] if plan.hourly else [])]


def write_plots(result: CalibrationResult) -> dict[str, bytes]:
    draw = {"fit.png": fit_plot, "hourly.png": hourly_plot}
    plots = {name: png(draw[name](result)) for name in plot_files(result.plan)}
    for name, data in plots.items():
        write_bytes(result.folder / name, data)
    return plots


def calibrate_report(
    result: CalibrationResult, plots: dict[str, bytes], warned: Sequence[str] = ()
) -> Path:
    """Write report.html: the answer, warnings (those `warned` while the trials ran, then the
    fit's), the fit, the parameters, the plots, the sensitivity and the trials."""
    plan = result.plan
    fit_header, fit_body = fit_rows(result)
    param_header, param_body = parameter_rows(result)
    every = dict.fromkeys([*warned, *result.warnings])
    warnings = "".join(paragraph(f"Warning: {w}") for w in every)
    effects = result.sensitivity
    sens_rows = [
        [r["parameter"], r["target"], f"{r['effect']:+.2f}"] for _, r in effects.iterrows()
    ]
    kpis = [t for t in plan.targets if not is_hourly(t.metric)]  # hourly: in the fit table
    trials = result.trials.sort_values("distance")
    trial_rows = [
        [
            str(r["trial"]),
            *(setting_text(r[d.name]) for d in plan.free),
            *(metric_text(t.metric, r[f"{t.metric}_mean"]) for t in kpis),
            tolerances_off_text(r["distance"]),
            "yes" if r["kept"] else "",
        ]
        for _, r in trials.iterrows()
    ]
    trial_header = ["trial", *(d.name for d in plan.free), *(label(t.metric) for t in kpis)]
    trial_header += ["distance", "kept"]
    sections = [
        section(
            "Answer", f'<p class="verdict">{escape(answer(result))}</p>', warnings, id="answer"
        ),
        section(
            "Fit",
            table(fit_header, fit_body, id="fit-table"),
            table(param_header, param_body, id="parameter-table"),
            *(
                image(data, name.removesuffix(".png"), caption=_CAPTIONS[name])
                for name, data in plots.items()
            ),
            id="fit",
        ),
        section(
            "Sensitivity",
            paragraph(
                "Each target's change over each parameter's whole range, in tolerances (least "
                "squares over the trials). A parameter below 1 for every target is not "
                "identifiable from these targets."
            ),
            table(["parameter", "target", "effect (tolerances)"], sens_rows, id="sensitivity"),
            id="sensitivity-section",
        ),
        section(
            "Trials",
            paragraph(
                f"{len(result.trials)} trials ({plan.sampler} sampler), each "
                f"{plan.base.replications} replications with common random numbers (seed "
                f"{plan.base.seed}); distance: root mean square of the targets' distances in "
                "tolerances; kept: every target within tolerance (history matching)."
            ),
            table(trial_header, trial_rows, id="trials-table"),
        ),
    ]
    path = result.folder / "report.html"
    lead = f"{plan.base.name}: calibrating {', '.join(d.name for d in plan.free)} to "
    lead += plan.targets_text
    write_text(path, page(f"journeysim calibrate: {plan.name}", lead, sections))
    return path


_CAPTIONS = {
    "fit.png": "Each trial's simulated mean of a target (rows) against a free parameter's value "
    "(columns): the observed value as a black line in its grey tolerance band, the other "
    "trials grey, kept trials blue, the fitted trial an orange star. A flat cloud means the "
    "parameter does not move that target.",
    "hourly.png": "Receipts per opening hour: the observed counts as a black line in their grey "
    "tolerance band, the fitted trial's mean with its 95% CI in orange, the range of the kept "
    "trials' means as grey bars.",
}
