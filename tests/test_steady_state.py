"""The shipped baseline is a store in its steady state: after the burn-in and the warm-up, a
year of it has no trend (../docs/model.md, "Initialization")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeysim.scenario import load_scenario
from journeysim.simulation.kpis import net_promoter_score, returned
from journeysim.simulation.replication import simulate

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def year() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily NPS, return rate and active customers of one replication over 360 measured days."""
    scenario = load_scenario(BASELINE, ["horizon.days=360"])
    rep = simulate(scenario, 0)
    visits = rep.visits[~rep.visits["warmup"]].copy()
    visits["returned"] = returned(visits, scenario.loyalty.return_window_days, np.inf)
    days = rep.days[~rep.days["warmup"]].copy()
    warmup = scenario.horizon.warmup_days
    daily = visits.groupby("day").agg(
        nps=("ltr", net_promoter_score), return_rate=("returned", "mean")
    )
    daily["active_customers"] = days.set_index("day")["active_customers"]
    daily["month"] = (daily.index - warmup) // 30
    # A visit in the last 14 days may yet return: the window runs past the horizon (censored).
    daily.loc[daily.index >= scenario.total_days - 14, "return_rate"] = np.nan
    return daily, daily.groupby("month").mean()


def test_active_customers_stay_within_five_percent_of_the_years_mean(year) -> None:
    _, months = year
    mean = months["active_customers"].mean()
    assert (months["active_customers"] / mean - 1.0).abs().max() <= 0.05, months.round(1)


@pytest.mark.xfail(
    strict=False,
    reason="issue 9 open: the long-tenured core keeps being selected after a two-year burn-in, "
    "so NPS and return rate still rise by about 5 points and 0.5 points over the year",
)
@pytest.mark.parametrize("kpi", ["nps", "return_rate"])
def test_monthly_nps_and_return_rate_stay_within_noise_of_the_years_mean(year, kpi) -> None:
    """Within noise: each month's mean within 3 standard errors of the year's mean, the
    standard error from the month's own day-to-day spread (30 days; 3 SE leaves a chance of
    about 3% that one of 12 stationary months falls outside, and the seed is fixed)."""
    daily, months = year
    spread = daily.groupby("month")[kpi].agg(["mean", "std", "count"]).dropna()
    error = spread["std"] / np.sqrt(spread["count"])
    deviation = (spread["mean"] - daily[kpi].mean()).abs()
    assert (deviation <= 3.0 * error).all(), pd.DataFrame({"dev": deviation, "se": error})
