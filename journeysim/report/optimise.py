"""An optimisation in the terminal and on disk: the answer with its guarantee, the trials
table, the objective against the trials (or the Pareto front of two objectives), report.html."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from journeysim.files import write_bytes, write_text
from journeysim.report.comparison import ci_text, metric_text, signed
from journeysim.report.console import label, render, setting_text
from journeysim.report.html_blocks import image, page, paragraph, section, table
from journeysim.report.plots import (
    NEUTRAL,
    POSITIVE,
    STYLE,
    axis_label,
    figure,
    label_axis,
    png,
)
from journeysim.report.selection import (
    check_text,
    guarantee,
    procedures,
    selection_rows,
    smore_png,
)
from journeysim.simulation.summary import mean_ci
from journeysim.study.compare import difference_growth, how_it_moved, moving
from journeysim.study.optimise import OptimisePlan, OptimiseResult, failures_text, ruled_out
from journeysim.study.optimise_spec import Objective
from journeysim.study.selection import Constraint, ci_of
from journeysim.words import plural

# Undecided orange: apart from the blue of feasible and, unlike RdBu's salmon, off the red
# that means worse elsewhere in the reports.
COLOURS = {"yes": POSITIVE, "undecided": "#f1a340", "no": NEUTRAL}
DOMINATED = "#999999"  # off the Pareto front: grey, as no difference is elsewhere
SHOWN_TRIALS = 20


def answer(result: OptimiseResult) -> str:
    """The plan found, in words, with select's guarantee when it ran."""
    plan = result.plan
    if len(plan.objectives) == 2:
        front = result.trials[result.trials["pareto"]]
        return (
            f"{plural(len(front), 'trial')} on the Pareto front of "
            f"{' and '.join(o.text for o in plan.objectives)}: "
            + ", ".join(f"trial {t}" for t in front["trial"])
            + " (their scenarios are in pareto/)."
        )
    if result.best is None:
        return no_plan(result)
    chosen = ", ".join(f"{name}={setting_text(v)}" for name, v in result.best_params.items())
    row, runs = _best_row(result)
    money = contribution_text(result)
    parts = "; ".join(
        [
            objective_text(result, row),
            *(limit_text(c, row) for c in plan.constraints),
            *([money] if money else []),
        ]
    )
    feasible = result.trials.loc[result.trials["trial"] == result.best, "feasible"]
    if result.selection is not None:
        head, end = "Best plan", guarantee(result.selection)
    elif feasible.notna().all():
        head, end = "Best plan", "It was the only candidate not ruled out, so select did not run."
    else:  # a lone candidate whose CIs do not yet settle that it meets every limit
        head = "Only plan not ruled out, undecided"
        end = (
            "Select, which weighs two or more, did not run, and its CIs do not yet show that it "
            "meets every limit: run more replications (--reps) to decide."
        )
    return f"{head}: trial {result.best}, {chosen}. Over {runs} replications: {parts}. {end}"


def no_plan(result: OptimiseResult) -> str:
    """Why no plan of one objective was chosen: every trial ruled out by its CI, or every plan
    not ruled out found infeasible by select over more replications."""
    if result.selection is None:  # no candidate at all (a lone one is chosen without select)
        return "No plan meets the constraints: every trial's CI misses a bound."
    trials = [f"{t}" for t in result.candidates]
    listed = ", ".join(trials[:-1]) + f" and {trials[-1]}"
    runs = result.selection.table["replications"]
    over = f"{runs.min()}" if runs.min() == runs.max() else f"{runs.min()} to {runs.max()}"
    text = (
        f"No plan meets the constraints: select found the {len(trials)} plans not ruled out "
        f"(trials {listed}) infeasible over {over} replications"
    )
    if ruled_out(result.trials).any():
        text += ", and every other plan's CI misses a bound"
    return text + "."


def search_end(result: OptimiseResult) -> str:
    """What became of the trials left: the Pareto front of two objectives, or select among
    the best candidates of one where it ran."""
    if len(result.plan.objectives) == 2:
        return "the trials left that no other beats on both objectives form the Pareto front."
    if result.selection is None:
        return "select, which weighs two or more candidates left, did not run."
    first = result.plan.spec.candidates
    if len(result.candidates) > first:
        return (
            f"the best candidates left then went through select: it found the first {first} "
            f"all infeasible, so the next joined them, {first} at a time, "
            f"{len(result.candidates)} in all."
        )
    return "the best candidates left then went through select."


def _best_row(result: OptimiseResult) -> tuple[pd.Series, int]:
    """The chosen trial's means and CIs: select's when it ran (more replications), else the
    trial's; and how many replications they hold."""
    if result.selection is not None:
        table = result.selection.table
        row = table[table["scenario"] == f"trial-{result.best}"].iloc[0]
    else:
        row = result.trials[result.trials["trial"] == result.best].iloc[0]
    return row, int(row["replications"])


def objective_text(result: OptimiseResult, row: pd.Series) -> str:
    """The objective's mean [95% CI] in `row`, and the baseline's mean over the same
    replications where one was run, e.g. "Wages per day (PLN) 4,551 [4,551, 4,552], the
    objective (baseline 4,833)"."""
    metric = result.plan.objectives[0].metric
    text = f"{label(metric)} {ci_text(metric, *ci_of(row, metric))}, the objective"
    selection = result.selection
    if selection is not None and selection.baseline is not None:
        baseline = selection.baseline  # run on as far as select ran the plan
    elif result.baseline is not None:
        baseline = pd.DataFrame(result.baseline)
    else:
        return text
    mean = baseline[metric].iloc[: int(row["replications"])].mean()
    return f"{text} (baseline {metric_text(metric, mean)})"


def contribution_text(result: OptimiseResult) -> str | None:
    """The chosen plan's contribution per day against the baseline's, paired over select's
    replications, and whether it is still moving (as compare tells it), e.g. "Contribution
    per day (PLN) +15.6 [-8.7, +39.9] vs baseline, still moving: from +101 PLN a day over the
    first half of the measured days to -63 over the second": what the objective and the limits
    leave out (a plan that saves wages may lose more margin, and more as customers stay away).
    None where select ran no baseline, or the contribution is already the objective or a limit
    relative to the baseline."""
    selection, metric = result.selection, "contribution_per_day"
    told = [o.metric for o in result.plan.objectives] + [c.metric for c in result.plan.relative]
    if selection is None or selection.baseline is None or metric in told:
        return None
    runs = selection.replications
    plan = runs[runs["scenario"] == f"trial-{result.best}"]
    baseline = selection.baseline.assign(
        scenario="baseline", replication=range(len(selection.baseline))
    )
    paired = (
        plan[metric].to_numpy(dtype=float)
        - baseline[metric].to_numpy(dtype=float)[plan["replication"].to_numpy()]
    )
    text = f"{label(metric)} {ci_text(metric, *mean_ci(paired)[:3], difference=True)} vs baseline"
    # The halves are known of the replications select ran (the trials' keep no halves).
    growth = difference_growth(pd.concat([baseline, plan], ignore_index=True))
    for r in moving(growth[growth["metric"] == metric]).itertuples():
        text += f", still moving: {how_it_moved(metric, r.first, r.second)}"
    return text


def limit_text(constraint: Constraint, row: pd.Series) -> str:
    """A constraint's mean [95% CI] in `row` against its limit, e.g. "NPS -1.8 [-2.0, -1.5] vs
    baseline (limit -3)" or "mean checkout wait 0.12 [0.10, 0.14] min (limit <= 0.5)"."""
    metric, relative = constraint.metric, constraint.relative
    values = ci_text(metric, *ci_of(row, constraint.column), difference=relative)
    if relative:
        return f"{label(metric)} {values} vs baseline (limit {signed(metric, constraint.bound)})"
    way = ">=" if constraint.sense > 0 else "<="
    return f"{label(metric)} {values} (limit {way} {metric_text(metric, constraint.bound)})"


def baseline_text(result: OptimiseResult) -> str:
    """The baseline's means [95% CI] of the KPIs constrained relative to it."""
    if result.baseline is None:
        return ""
    runs = pd.DataFrame(result.baseline)
    parts = []
    for constraint in result.plan.relative:
        metric = constraint.metric
        values = ci_text(metric, *mean_ci(runs[metric].to_numpy(dtype=float), metric=metric)[:3])
        parts.append(f"{label(metric)} {values}")
    return (
        f"The baseline (the scenario with its set and no decisions, {len(runs)} replications "
        f"with the same random numbers): {', '.join(parts)}. Constraints relative to it are "
        "judged on each trial's mean paired difference and its 95% CI."
    )


def trial_rows(result: OptimiseResult, limit: int | None = SHOWN_TRIALS) -> tuple[list, list]:
    """Header and rows of the best plans: the trials that tried it, decisions, objectives and
    constrained metrics as mean [95% CI], feasible."""
    plan, table_ = result.plan, result.trials
    metrics = list(
        dict.fromkeys([*(o.metric for o in plan.objectives), *(c.metric for c in plan.constraints)])
    )
    relative = plan.relative
    first = plan.objectives[0]
    decisions = [d.name for d in plan.decisions]
    # A plan proposed again reused its first trial's runs: one row, naming every trial of it.
    trials = table_.groupby(decisions, sort=False)["trial"].transform(
        lambda numbers: ", ".join(map(str, numbers))
    )
    ordered = table_.assign(trials=trials).drop_duplicates(decisions)
    ordered = ordered.sort_values(f"{first.metric}_mean", ascending=not first.maximise)
    out = ruled_out(ordered)
    ordered = pd.concat([ordered[~out], ordered[out]])
    rows = []
    for _, row in ordered.head(limit).iterrows():
        cells = [row["trials"], *(setting_text(row[d.name]) for d in plan.decisions)]
        cells += [ci_text(metric, *ci_of(row, metric)) for metric in metrics]
        cells += [ci_text(c.metric, *ci_of(row, c.column), difference=True) for c in relative]
        cells.append(check_text(row["feasible"]))
        if "pareto" in row:
            cells.append("yes" if row["pareto"] else "")
        rows.append(cells)
    header = [
        "trial",
        *(d.name for d in plan.decisions),
        *(f"{label(m)} [95% CI]" for m in metrics),
        *(f"{label(c.metric)} vs baseline [95% CI]" for c in relative),
    ]
    header += ["feasible", *(["Pareto"] if "pareto" in table_ else [])]
    return header, rows


def trials_text(result: OptimiseResult) -> str:
    header, rows = trial_rows(result)
    shown = sum(len(row[0].split(", ")) for row in rows)
    more = len(result.trials) - shown
    return render(rows, header) + (f"\n... {more} more trials in trials.csv" if more > 0 else "")


def objective_plot(result: OptimiseResult) -> Figure:
    """Each trial's objective mean with its 95% CI, coloured by feasibility, crossed out where
    select found the trial infeasible over its further replications, and the best mean so far
    among trials not ruled out by either."""
    with matplotlib.rc_context(STYLE):  # fonts are fixed when drawn
        objective = result.plan.objectives[0]
        trials = result.trials.sort_values("trial")
        fig = figure()
        ax = fig.subplots()
        column = f"{objective.metric}_mean"
        states = trials["feasible"].map(check_text)
        for state in COLOURS:
            group = trials[states == state]
            if group.empty:
                continue
            low = group[column] - group[f"{objective.metric}_ci_low"]
            high = group[f"{objective.metric}_ci_high"] - group[column]
            ax.errorbar(
                group["trial"],
                group[column],
                yerr=np.vstack([low.fillna(0).to_numpy(), high.fillna(0).to_numpy()]),
                fmt="o",
                markersize=10,
                color=COLOURS[state],
                label=f"feasible: {state}",
            )
        rejected = trials["trial"].isin(rejected_by_select(result))
        if rejected.any():  # crossed out: its dot keeps the colour its trial gave it
            ax.plot(
                trials["trial"][rejected],
                trials[column][rejected],
                "x",
                markersize=14,
                markeredgewidth=2.5,
                color="black",
                linestyle="none",
                zorder=4,
                label="ruled out by select",
            )
        kept = trials[column].where(~(ruled_out(trials) | rejected))
        best = (kept.cummax() if objective.maximise else kept.cummin()).ffill()
        ax.step(trials["trial"], best, where="post", color="black", lw=1.5, label="best so far")
        if result.best is not None:  # a hollow black star: the colours speak of feasibility
            chosen = trials[trials["trial"] == result.best]
            ax.plot(
                chosen["trial"],
                chosen[column],
                "*",
                markersize=30,
                markerfacecolor="none",
                markeredgecolor="black",
                markeredgewidth=2,
                zorder=5,
                label="chosen",
            )
        ax.set_xlabel("trial")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        label_axis(ax.yaxis, objective.metric)
        handles, labels = ax.get_legend_handles_labels()  # the trials first, then the lines
        order = sorted(range(len(labels)), key=lambda i: not labels[i].startswith("feasible"))
        fig.suptitle(
            f"{axis_label(objective.metric)}{_goal(objective)}: mean and 95% CI of each trial"
        )
        fig.legend(  # below the plot: inside, it could hide a trial's CI
            [handles[i] for i in order],
            [labels[i] for i in order],
            loc="outside lower center",
            ncols=len(order),
        )
        return fig


def rejected_by_select(result: OptimiseResult) -> list[int]:
    """The candidate trials select found infeasible, over more replications than the study's."""
    if result.selection is None:
        return []
    table = result.selection.table
    infeasible = table[table["status"].str.startswith("infeasible")]
    return [int(name.removeprefix("trial-")) for name in infeasible["scenario"]]


def _goal(objective: Objective) -> str:
    """ " (minimise)" or " (maximise)", after an objective's label."""
    return f" ({'max' if objective.maximise else 'min'}imise)"


def pareto_plot(result: OptimiseResult) -> Figure:
    """The two objective means of every trial: the Pareto front in blue, joined and numbered,
    the trials it dominates grey dots, those a constraint rules out grey crosses."""
    with matplotlib.rc_context(STYLE):  # fonts are fixed when drawn
        x, y = result.plan.objectives
        trials = result.trials
        columns = [f"{x.metric}_mean", f"{y.metric}_mean"]
        fig = figure()
        ax = fig.subplots()
        out = ruled_out(trials)
        front = trials[trials["pareto"]].sort_values(columns)
        groups = [
            (trials[~trials["pareto"] & ~out], "o", DOMINATED, "dominated"),
            (trials[out], "x", DOMINATED, "ruled out by a constraint"),
            (front, "-o", POSITIVE, "Pareto front"),
        ]
        for group, style, colour, name in groups:
            if not group.empty:
                points = group[columns].T.to_numpy()
                ax.plot(*points, style, markersize=11, mew=3, color=colour, label=name)
        for _, row in front.iterrows():
            ax.annotate(
                str(row["trial"]), tuple(row[columns]), xytext=(9, 6), textcoords="offset points"
            )
        label_axis(ax.xaxis, x.metric, _goal(x))
        label_axis(ax.yaxis, y.metric, _goal(y))
        fig.suptitle("Each trial's means and the Pareto front (numbered by trial)")
        fig.legend(loc="outside lower center", ncols=3)  # below: inside, it could hide a trial
        return fig


def plot_files(plan: OptimisePlan) -> list[str]:
    """The charts `write_plots` writes or removes: objective.png, and pareto.png for two
    objectives."""
    return ["objective.png", *(["pareto.png"] if len(plan.objectives) == 2 else [])]


def write_plots(result: OptimiseResult) -> dict[str, bytes]:
    """objective.png for one objective, pareto.png for two (then objective.png, which an
    earlier version drew for the first objective alone, is removed); returned by name."""
    if len(result.plan.objectives) == 2:
        plots = {"pareto.png": png(pareto_plot(result))}
        (result.folder / "objective.png").unlink(missing_ok=True)
    else:
        plots = {"objective.png": png(objective_plot(result))}
    for name, data in plots.items():
        write_bytes(result.folder / name, data)
    return plots


def optimise_report(
    result: OptimiseResult, plots: dict[str, bytes], warned: Sequence[str] = ()
) -> Path:
    """Write report.html: the answer, the best trials (with the failed ones and what was
    `warned` while they ran), the plots, the selection."""
    plan = result.plan
    header, rows = trial_rows(result, limit=None)
    failures = failures_text(result.failed, len(result.trials))
    figures = [
        image(data, name.removesuffix(".png"), caption=_caption(name))
        for name, data in plots.items()
    ]
    sections = [
        section("Answer", f'<p class="verdict">{escape(answer(result))}</p>', id="answer"),
        section(
            "Search",
            paragraph(
                f"{_trials_count(result)} ({plan.sampler} sampler), each "
                f"{plan.base.replications} replications with common random numbers (seed "
                f"{plan.base.seed}). A constraint rules a trial out only when its whole 95% CI "
                f"misses the bound; {search_end(result)} " + baseline_text(result)
            ),
            *([paragraph(f"Warning: {failures}")] if failures else []),
            *(paragraph(f"Warning: {text}") for text in warned),
            *figures,
            id="search",
        ),
        section("Trials", table(header, rows, id="trials-table")),
    ]
    if result.selection is not None:
        sel_header, sel_rows = selection_rows(result.selection)
        sections.append(
            section(
                "Selection among the best candidates",
                table(sel_header, sel_rows, id="selection-table"),
                image(smore_png(result.selection), "SMORE plot of the candidates"),
                paragraph(procedures(result.selection) + ". See docs/experiments.md."),
                id="selection",
            )
        )
    path = result.folder / "report.html"
    lead = (
        f"{plan.base.name}: {', '.join(o.text for o in plan.objectives)}"
        + (f" subject to {', '.join(c.text for c in plan.constraints)}" if plan.constraints else "")
        + f"; deciding {', '.join(d.name for d in plan.decisions)}"
    )
    write_text(path, page(f"journeysim optimise: {plan.name}", lead, sections))
    return path


def _trials_count(result: OptimiseResult) -> str:
    """ "12 trials", or "14 trials (5 complete, 9 failed)" when some failed."""
    complete, failed = len(result.trials), len(result.failed)
    if not failed:
        return plural(complete, "trial")
    return f"{plural(complete + failed, 'trial')} ({complete} complete, {failed} failed)"


def _caption(name: str) -> str:
    if name == "pareto.png":
        return (
            "Each trial's two objective means: the Pareto front (blue, joined: the trials no "
            "other trial not ruled out beats on both), the trials it dominates (grey dots) and "
            "those a constraint rules out (grey crosses)."
        )
    return (
        "Each trial's objective mean and 95% CI (blue: feasible, orange: undecided, grey: "
        "ruled out), crossed out where select ruled it out over further replications, the best "
        "so far among those not ruled out (black steps), and the plan chosen (star)."
    )
