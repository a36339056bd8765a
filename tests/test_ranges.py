"""Confidence intervals of levels are cut to what each metric can be, in every output that shows
them; differences between scenarios are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import journeysim
from journeysim.report.plots import daily_kpis, mean_band
from journeysim.simulation.measure import METRICS
from journeysim.simulation.ranges import RANGES, metric_range
from journeysim.simulation.summary import mean_ci
from journeysim.study.compare import comparison_table

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
SMALL = ["arrivals.base_customers=300", "horizon.burn_in_days=0", "horizon.warmup_days=0"]


def test_a_t_interval_past_a_bound_is_cut_there_and_the_mean_kept():
    # Two replications, 0% and 50% abandonment: mean 25%, half-width t(1) s / sqrt(2)
    # = 12.71 x 0.354 / 1.414 = 3.18, so the raw interval runs from -293% to 343%.
    mean, low, high, n = mean_ci(np.array([0.0, 0.5]))
    assert (mean, n) == (0.25, 2) and low == pytest.approx(0.25 - 3.177, abs=1e-3)
    assert mean_ci(np.array([0.0, 0.5]), metric="abandonment_rate") == (0.25, 0.0, 1.0, 2)
    assert mean_ci(np.array([-90.0, 99.0]), metric="nps")[1:3] == (-100.0, 100.0)
    assert mean_ci(np.array([0.0, 0.2]), metric="mean_checkout_wait_min")[1] == 0.0
    # Unbounded: contribution can be a loss; an unknown name is not cut either.
    assert mean_ci(np.array([-5.0, 5.0]), metric="contribution_per_day")[1] < -5.0
    assert mean_ci(np.array([-5.0, 5.0]), metric="payback_days")[1] < -5.0
    # Receipts per opening hour (calibrate's hourly targets) are counts: 5.5 [-4.03, 15.03]
    # from 2 and 9 receipts read as a negative count.
    assert mean_ci(np.array([2.0, 9.0]), metric="receipts_weekend_h1000")[1] == 0.0
    assert metric_range("receipts_weekday_h0800") == (0.0, np.inf)


@pytest.fixture(scope="module")
def short_run() -> journeysim.RunResult:
    # 300 customers, 3 days: too few departures for a lifetime, too short for a return
    with (
        pytest.warns(UserWarning, match="lifetime margin are n/a"),
        pytest.warns(UserWarning, match="return rate is n/a"),
    ):
        return journeysim.run(BASELINE, reps=2, days=3, overrides=SMALL, workers=1)


def test_a_two_replication_run_reports_its_intervals_cut_to_each_range(short_run):
    # The summary (summary.csv, the console table and the report all print it) against the raw
    # Student-t interval of replications.csv, cut at the range by hand.
    summary = short_run.summary.set_index("metric")
    crossed = []
    for metric in METRICS:
        mean, low, high, _ = mean_ci(short_run.replications[metric].to_numpy())
        bottom, top = metric_range(metric)
        row = summary.loc[metric]
        assert row["mean"] == pytest.approx(mean, nan_ok=True)
        assert row["ci_low"] == pytest.approx(max(low, bottom), nan_ok=True), metric
        assert row["ci_high"] == pytest.approx(min(high, top), nan_ok=True), metric
        if low < bottom or high > top:
            crossed.append(metric)
    assert crossed, "no raw interval crossed a bound: the check would be empty"


def test_the_daily_bands_of_the_chart_stay_within_the_range(short_run):
    # kpis_over_days.png: NPS per day over two replications, its band within -100..100.
    table = daily_kpis(short_run)
    for kpi in ("nps", "return_rate", "active_customers"):
        band = mean_band(table, "day", kpi).dropna()
        bottom, top = metric_range(kpi)
        assert ((band["low"] >= bottom) & (band["high"] <= top)).all(), kpi
    raw = [mean_ci(g.to_numpy()) for _, g in table.groupby("day")["nps"]]
    assert any(low < -100 or high > 100 for _, low, high, _ in raw if low == low)


def test_differences_between_scenarios_are_not_cut_to_the_level_range():
    # Abandonment 10% and 30% in A, 5% twice in B: B - A is -15 points with a paired
    # t-interval of -15 +- 127 points, past -100% and +100%. The levels are cut to 0..100%;
    # the difference keeps scipy's paired interval as it is.
    rng = np.random.default_rng(1)
    rows = []
    for name, abandonment in (("a", [0.1, 0.3]), ("b", [0.05, 0.05])):
        for r, value in enumerate(abandonment):
            metrics = {metric: float(rng.uniform(1.0, 2.0)) for metric in METRICS}
            metrics["abandonment_rate"] = value
            rows.append({"scenario": name, "replication": r, **metrics})
    table = comparison_table(pd.DataFrame(rows)).set_index(["scenario", "metric"])
    level = table.loc[("a", "abandonment_rate")]
    assert (level["ci_low"], level["ci_high"]) == (0.0, 1.0)
    diff = table.loc[("b", "abandonment_rate")]
    low, high = stats.ttest_rel([0.05, 0.05], [0.1, 0.3]).confidence_interval(0.95)
    assert (diff["diff_ci_low"], diff["diff_ci_high"]) == pytest.approx((low, high))
    assert diff["diff_ci_low"] < -1.0 and diff["diff_ci_high"] > 0.0


def test_every_listed_range_is_a_proper_interval():
    for metric, (low, high) in RANGES.items():
        assert metric in METRICS
        assert (low is None or high is None) or low < high
