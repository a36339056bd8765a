"""The shipped baseline is a store in its steady state: after the burn-in and the warm-up, a
year of it has no trend (docs/model.md, "Initialization")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from journeysim.scenario import load_scenario
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.kpis import net_promoter_score, returned
from journeysim.simulation.replication import simulate

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
SEEDS = [20261125, 20261126, 20261127, 20261128]
pytestmark = pytest.mark.slow


def monthly(seed: int) -> pd.DataFrame:
    """NPS, return rate and active customers of each 30-day month of 360 measured days, from
    the history (burn-in) that `seed` gives."""
    scenario = load_scenario(BASELINE, ["horizon.days=360", f"seed={seed}"])
    rep = simulate(scenario, 0)
    visits = rep.visits[~rep.visits["warmup"]].copy()
    # A visit in the last 14 days may yet return after the horizon: left out (censored).
    visits["returned"] = returned(
        visits, scenario.loyalty.return_window_days, scenario.total_days * 1440.0
    )
    warmup = scenario.horizon.warmup_days
    visits["month"] = (visits["day"] - warmup) // 30
    days = rep.days[~rep.days["warmup"]].assign(month=lambda d: (d["day"] - warmup) // 30)
    table = visits.groupby("month").agg(
        nps=("ltr", net_promoter_score), return_rate=("returned", "mean")
    )
    table["active_customers"] = days.groupby("month")["active_customers"].mean()
    return table.assign(seed=seed)


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    """Monthly KPIs of four stores, each from its own history: a history carries its own slow
    ups and downs (moods, who is still a customer) into the year, which replications sharing
    one history would all repeat and so mistake for a trend or hide one."""
    return pd.concat(m for _, m in LocalPool(2).run(monthly, [(seed,) for seed in SEEDS]))


def months(year: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """One column per history, one row per month."""
    return year.reset_index().pivot(index="month", columns="seed", values=kpi).dropna()


def test_active_customers_stay_within_five_percent_of_the_years_mean(year) -> None:
    values = months(year, "active_customers")
    relative = values / values.mean() - 1.0  # each history against its own year
    assert relative.abs().max().max() <= 0.05, relative.round(3)


@pytest.mark.parametrize("kpi", ["nps", "return_rate", "active_customers"])
def test_monthly_kpis_stay_within_noise_of_the_years_mean(year, kpi) -> None:
    """Within noise: each month's deviation from its history's year mean, averaged over the
    histories, lies inside the band a stationary series keeps: the t quantile for a
    family-wise 1% over the 12 months (Bonferroni; 12 x 3 degrees of freedom, t = 3.65),
    times the standard error from the histories' scatter around that mean. A common trend
    moves every history the same way and leaves the band; a stationary year leaves it in 1%
    of seed sets (the seeds are fixed)."""
    values = months(year, kpi)
    deviation = values - values.mean()
    n = len(SEEDS)
    error = deviation.std(axis=1, ddof=1).mean() / np.sqrt(n)
    bound = stats.t.ppf(1.0 - 0.01 / (2 * len(values)), len(values) * (n - 1)) * error
    assert (deviation.mean(axis=1).abs() <= bound).all(), pd.DataFrame(
        {"deviation": deviation.mean(axis=1), "bound": bound}
    )
