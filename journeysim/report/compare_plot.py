"""The comparison chart: each scenario's paired difference from the first, per metric, with
95% CI error bars, coloured by verdict; the parts of the contribution (gross margin, wages,
costs) in a neutral colour, since the bottom line counts money once, as contribution (drawn
by report.plots.compare_differences)."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

from journeysim.report.console import item_name
from journeysim.report.plots import compare_differences, message, png
from journeysim.study.compare import has_differences
from journeysim.words import listed

# Why a later scenario's metric has no paired difference, in the chart's words (its verdict).
UNPAIRED = {"not_compared": "not compared", "not_measured": "not measured"}


def comparison_png(table: pd.DataFrame) -> bytes:
    """PNG of `comparison_figure`."""
    return png(comparison_figure(table))


def comparison_figure(table: pd.DataFrame) -> Figure:
    """The differences in a comparison table (comparison.csv), a panel per metric titled by its
    label. Payback and metrics whose difference is zero in every replication and scenario
    (unchanged costs) are left out; with none left, the chart says why."""
    rows = table[table["diff"].notna() & (table["metric"] != "payback_days")]
    size = rows[["diff", "diff_ci_low", "diff_ci_high"]].abs().max(axis=1)
    rows = rows[size.groupby(rows["metric"]).transform("max") > 0]
    reference = str(table["scenario"].iloc[0])
    if rows.empty:
        return message(f"Difference from {reference}", _nothing_drawn(table, reference))
    columns = ["scenario", "metric", "diff", "diff_ci_low", "diff_ci_high", "verdict"]
    columns += ["negligible_within", "mean"]
    return compare_differences(rows[columns], reference=reference)


def _nothing_drawn(table: pd.DataFrame, reference: str) -> str:
    """Why a comparison has no difference to draw: none was measured, or all are 0. Metrics
    without a paired difference (a return rate of other windows, `not_compared`, or one the
    horizon cannot measure) are named, not said to be the same: the table shows their means,
    which may differ a lot."""
    if not has_differences(table):
        return "No paired difference: one replication gives none; run 2 or more (--reps)"
    later = table[(table["scenario"] != reference) & (table["metric"] != "payback_days")]
    unpaired = later[later["diff"].isna()]
    if unpaired.empty:
        return f"Every metric is the same as in {reference} in every replication"
    why = [
        f"{listed([item_name(m) for m in dict.fromkeys(rows['metric'])])} "
        f"{UNPAIRED.get(str(verdict), 'without a paired difference')}"
        for verdict, rows in unpaired.groupby("verdict", sort=False, dropna=False)
    ]
    return (
        f"Every metric with a paired difference is the same as in {reference} in every "
        f"replication; {'; '.join(why)} (see the table)"
    )
