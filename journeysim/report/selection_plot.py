"""The SMORE plot of a selection (after Nelson's MORE plot and Simio's SMORE plot): per
scenario the spread of the objective over replications (whiskers min-max, box 25th-75th
percentile) and, on a bar beside the box, its mean and the 95% CI of the mean; the selected
scenario in blue, the other feasible ones sand (hatched where a constraint's check is
undecided), scenarios out on a constraint grey (hatched where a check is undecided but the
scenario's whole CI of the constrained metric lies beyond its limit), and the indifference zone
around the selected mean."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from journeysim.report.console import label
from journeysim.report.plots import NEGATIVE, NEUTRAL, POSITIVE, TickFormatter, figure, styled
from journeysim.simulation.kpis import SHARES
from journeysim.study.selection import Constraint

# (line, box) colours: the selected scenario blue (RdBu's light blue box), feasible others sand
# (neither chosen nor ruled out; a second blue would not tell them from the selected one), those
# whose feasibility is undecided sand hatched, infeasible grey, and grey hatched those left
# undecided whose CI plainly misses a limit (a review read sand as feasible).
BEYOND = "undecided, a constraint's CI beyond its limit"
STATUS = {
    "selected": (POSITIVE, "#d1e5f0"),
    "feasible": ("#a08450", "#efe5d0"),
    "undecided": ("#a08450", "#efe5d0"),
    BEYOND: ("#969696", "#e5e5e5"),
    "infeasible": ("#969696", "#e5e5e5"),
}
HATCH = {"undecided": "//", BEYOND: "//"}
BOX = 0.5  # a box's width, in scenarios
CI_AT = 0.36  # the CI bar's distance right of the box's middle: beside the box and its
# whiskers, which a CI wider than the range hid when drawn over them


@styled
def smore_plot(
    replications: pd.DataFrame,
    table: pd.DataFrame,
    objective: str,
    indifference: float,
    constraints: Sequence[Constraint] = (),
    title: str = "",
) -> Figure:
    """`replications`: scenario, replication and the objective per replication; `table`:
    selection.csv (scenario, <objective>_mean/_ci_low/_ci_high, selected, and met[...]
    columns, with the CI columns of the `constraints`). Shares are drawn in per cent."""
    scale = 100.0 if objective in SHARES else 1.0
    fig = figure()
    ax = fig.subplots()
    names = list(table["scenario"])
    for x, name in enumerate(names):
        entry = table.iloc[x]
        values = scale * replications.loc[replications["scenario"] == name, objective]
        low, q1, q3, high = np.percentile(values.to_numpy(dtype=float), [0, 25, 75, 100])
        status = _status(entry, constraints)
        out = status == "infeasible"
        colour, fill = STATUS[status]
        _whiskers(ax, x, low, q1, q3, high)
        box = {"color": fill, "edgecolor": colour, "hatch": HATCH.get(status), "label": status}
        ax.bar(x, q3 - q1, bottom=q1, width=BOX, **box)
        mean = scale * entry[f"{objective}_mean"]
        ci_low, ci_high = (
            scale * entry[f"{objective}_ci_low"],
            scale * entry[f"{objective}_ci_high"],
        )
        ax.vlines(x + CI_AT, ci_low, ci_high, color=colour, linewidth=7)
        ax.plot([x + CI_AT], [mean], "o", color="white", markeredgecolor=colour, markersize=7)
        if out:  # above the CI too, which few replications may reach past their range
            top = max(high, ci_high)
            ax.annotate("infeasible", (x, top), ha="center", va="bottom", color=NEGATIVE)
    chosen = table[table["selected"]]
    if len(chosen):
        best = scale * chosen.iloc[0][f"{objective}_mean"]
        zone = scale * indifference
        ax.axhspan(best - zone, best + zone, color=POSITIVE, alpha=0.12, label="indifference zone")
    handles, labels = ax.get_legend_handles_labels()
    once = dict(zip(labels, handles))  # one entry a status
    order = [key for key in (*STATUS, "indifference zone") if key in once]
    fig.legend(  # below the plot: inside, it could hide a box's whisker
        [once[key] for key in order], order, loc="outside lower center", ncols=min(len(order), 3)
    )
    ax.set_xticks(range(len(names)), names)
    unit = f"{label(objective)} (%)" if scale != 1.0 else label(objective)
    ax.set_ylabel(unit)
    ax.yaxis.set_major_formatter(TickFormatter())
    fig.suptitle(
        title
        or f"{unit}: range (whiskers), middle half (box); beside it mean (dot) and 95% CI (bar)",
        fontsize=19,
    )
    return fig


def _whiskers(ax, x: float, low: float, q1: float, q3: float, high: float) -> None:
    """The range's whiskers from the box to the lowest and highest replication, capped."""
    ax.vlines([x, x], [low, q3], [q1, high], color=NEUTRAL, linewidth=1.5)
    ax.hlines([low, high], x - BOX / 4, x + BOX / 4, color=NEUTRAL, linewidth=1.5)


def _status(entry: pd.Series, constraints: Sequence[Constraint]) -> str:
    """A scenario's box: selected, infeasible (a constraint missed), undecided (a check left
    unfinished: NA in selection.csv), BEYOND (undecided, but its whole CI of what one of the
    `constraints` constrains beyond the limit) or feasible."""
    checks = [entry[c] for c in entry.index if c.startswith("met[")]
    decided = [bool(met) for met in checks if pd.notna(met)]
    if entry["selected"]:
        return "selected"
    if not all(decided):
        return "infeasible"
    if len(decided) == len(checks):
        return "feasible"
    undecided = [c for c in constraints if pd.isna(entry[f"met[{c.text}]"])]
    return BEYOND if any(c.ci_beyond(entry) for c in undecided) else "undecided"
