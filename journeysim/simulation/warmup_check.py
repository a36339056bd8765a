"""The warm-up check of a run: MSER-5 on daily KPI series of the whole run, warm-up included.

Each KPI's daily series is averaged over replications, its weekly rhythm removed, and MSER-5
suggests where the transient ends. A warm-up shorter than that is reported only when it
matters: when the days it keeps but MSER-5 would delete shift the KPI's mean by more than the
95% CI half-width of the KPI (MSER-5 alone often truncates a stationary series by chance).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import dated_events
from journeysim.simulation.kpis import returned
from journeysim.simulation.warmup import BATCH, MIN_BATCHES, mser, warmup_bias, weekly_adjusted

DAILY_KPIS = {
    "visits_per_day": "number of daily visits",
    "nps": "daily NPS",
    "csat": "daily CSAT",
    "return_rate": "daily return rate",
    "active_customers": "number of active customers",
}

COLUMNS = [
    "metric",
    "days",
    "warmup_days",
    "suggested_days",
    "settled",
    "bias",
    "half_width",
    "too_short",
    "advice",
]


def daily_runs(
    scenario: Scenario, visits: pd.DataFrame, days: pd.DataFrame
) -> dict[str, pd.DataFrame]:
    """Per KPI of DAILY_KPIS: a table of replications x days over the whole run, from a run's
    stacked visits and days tables (NaN where a day has no visits, and for the return rate
    where the return window passes the horizon)."""
    s = scenario
    per_visit = pd.DataFrame(
        {
            "replication": visits["replication"],
            "day": visits["day"],
            "nps": 100.0 * ((visits["ltr"] >= 9).astype(float) - (visits["ltr"] <= 6)),
            "csat": visits["csat"],
            "return_rate": returned(visits, s.loyalty.return_window_days, s.total_days * 1440.0),
        }
    )
    grouped = per_visit.groupby(["replication", "day"])
    tables = {kpi: grouped[kpi].mean().unstack() for kpi in ("nps", "csat", "return_rate")}
    tables["active_customers"] = days.pivot(
        index="replication", columns="day", values="active_customers"
    )
    grid = {"index": sorted(days["replication"].unique()), "columns": range(s.total_days)}
    tables["visits_per_day"] = grouped.size().unstack().reindex(**grid, fill_value=0)
    return {kpi: tables[kpi].reindex(**grid).astype(float) for kpi in DAILY_KPIS}


def warmup_table(
    scenario: Scenario, daily: dict[str, pd.DataFrame], days: pd.DataFrame
) -> pd.DataFrame:
    """One row per daily KPI of `daily` (daily_runs' tables) long enough for MSER-5 (at
    least 20 finite days, some of them after the warm-up): series length, the warm-up, the
    suggested warm-up in days (a lower bound when `settled` is False: MSER-5 found no minimum
    before mid-run), the mean shift the days between the two leave in the KPI (`bias`), the
    KPI's 95% CI half-width, whether the warm-up is too short (MSER-5 alone decides where there
    is no half-width), and the advice."""
    warmup = scenario.horizon.warmup_days
    dated = dated_events(scenario)
    weekend = days.drop_duplicates("day").set_index("day")["weekend"]
    weekend = weekend.reindex(range(scenario.total_days), fill_value=False).to_numpy(dtype=bool)
    rows = []
    for kpi, table in daily.items():
        runs = table.to_numpy()
        finite = np.isfinite(runs).all(axis=0)
        n = int(np.argmin(finite)) if not finite.all() else len(finite)
        if n < MIN_BATCHES * BATCH or warmup >= n:  # too short, or no measured day to check
            continue
        runs = weekly_adjusted(runs[:, :n], weekend[:n])
        truncation = mser(runs.mean(axis=0))
        settled = truncation.observations is not None
        cut = truncation.observations if settled else (len(truncation.statistic) - 1) * BATCH
        bias, half_width = warmup_bias(runs, warmup, max(cut, warmup))
        too_short = cut > warmup and not abs(bias) <= half_width
        rows.append(
            [
                kpi,
                n,
                warmup,
                cut,
                settled,
                bias,
                half_width,
                too_short,
                _advice(DAILY_KPIS[kpi], warmup, cut, settled, n, dated) if too_short else "",
            ]
        )
    return pd.DataFrame(rows, columns=COLUMNS)


def _advice(label: str, warmup: int, cut: int, settled: bool, days: int, dated: list[str]) -> str:
    """What to set, and, for a scenario with dated events, that the trend may be theirs."""
    start = f"horizon.warmup_days is {warmup} but the {label}"
    if settled:
        advice = (
            f"{start} settles only after about {cut} days (MSER-5); "
            f"set horizon.warmup_days: {cut} or more"
        )
    else:
        advice = (
            f"{start} settles only after {cut} or more of the {days} days (MSER-5); "
            f"set horizon.warmup_days: {cut} or more and lengthen horizon.days"
        )
    if dated:
        advice += (
            f", unless the trend is the change its dated events bring ({', '.join(dated)}), "
            "which a longer warm-up would leave out of the KPIs: then run more days "
            "(horizon.days) to see where it settles"
        )
    return advice


def warmup_warnings(table: pd.DataFrame, label: str) -> list[str]:
    """One warning per KPI of a warm-up table whose warm-up is too short, `label` naming the
    scenario."""
    return [f"{label}: {advice}" for advice in table["advice"] if advice]
