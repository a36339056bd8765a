"""The comparison chart: each scenario's paired difference from the first, per metric, with
95% CI error bars (drawn by report.plots.compare_differences)."""

from __future__ import annotations

import pandas as pd

from journeysim.report.plots import compare_differences, png


def comparison_png(table: pd.DataFrame) -> bytes:
    """PNG of the differences in a comparison table (comparison.csv); metrics whose difference
    is zero in every replication and scenario (unchanged costs) and payback are left out."""
    rows = table[table["diff"].notna() & (table["metric"] != "payback_days")]
    changed = rows.groupby("metric", sort=False)[["diff", "diff_ci_low", "diff_ci_high"]].apply(
        lambda r: bool(r.abs().to_numpy().max() > 0)
    )
    rows = rows[rows["metric"].map(changed)]
    differences = rows.rename(
        columns={"diff": "diff_mean", "diff_ci_low": "diff_low", "diff_ci_high": "diff_high"}
    )[["scenario", "metric", "diff_mean", "diff_low", "diff_high", "significant"]]
    return png(compare_differences(differences))
