"""The comparison chart: each scenario's paired difference from the first, per metric, with
95% CI error bars, coloured by verdict; the parts of the contribution (gross margin, wages,
costs) in a neutral colour, since the bottom line counts money once, as contribution (drawn
by report.plots.compare_differences)."""

from __future__ import annotations

import pandas as pd

from journeysim.report.plots import compare_differences, png


def comparison_png(table: pd.DataFrame) -> bytes:
    """PNG of the differences in a comparison table (comparison.csv), a panel per metric titled
    by its label. Payback and metrics whose difference is zero in every replication and
    scenario (unchanged costs) are left out."""
    rows = table[table["diff"].notna() & (table["metric"] != "payback_days")]
    size = rows[["diff", "diff_ci_low", "diff_ci_high"]].abs().max(axis=1)
    rows = rows[size.groupby(rows["metric"]).transform("max") > 0]
    differences = rows.rename(
        columns={"diff": "diff_mean", "diff_ci_low": "diff_low", "diff_ci_high": "diff_high"}
    )[["scenario", "metric", "diff_mean", "diff_low", "diff_high", "verdict"]]
    reference = str(table["scenario"].iloc[0])
    return png(compare_differences(differences, reference=reference))
