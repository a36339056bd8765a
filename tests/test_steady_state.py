"""The shipped baseline is a store in its steady state: after the burn-in and the warm-up, a
year of it has no trend (docs/model.md, "Initialization")."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeysim.scenario import load_scenario
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.kpis import net_promoter_score, returned
from journeysim.simulation.replication import simulate

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
REPS = 3
pytestmark = pytest.mark.slow


def monthly(replication: int) -> pd.DataFrame:
    """NPS, return rate and active customers of each 30-day month of 360 measured days."""
    scenario = load_scenario(BASELINE, ["horizon.days=360"])
    rep = simulate(scenario, replication)
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
    return table.assign(replication=replication)


@pytest.fixture(scope="module")
def year() -> pd.DataFrame:
    """Monthly KPIs of independent replications (each starts from the same history)."""
    return pd.concat(m for _, m in LocalPool(2).run(monthly, [(r,) for r in range(REPS)]))


def test_active_customers_stay_within_five_percent_of_the_years_mean(year) -> None:
    months = year.groupby(level="month")["active_customers"].mean()
    assert (months / months.mean() - 1.0).abs().max() <= 0.05, months.round(0)


@pytest.mark.parametrize(
    "kpi",
    [
        pytest.param(
            "nps",
            marks=pytest.mark.xfail(
                strict=False,
                reason="issue 9 open: since moods wander, active customers and return rate are "
                "flat, but NPS still rises by about 1.5 points over the year (one month of "
                "twelve at 3.7 SE)",
            ),
        ),
        "return_rate",
    ],
)
def test_monthly_nps_and_return_rate_stay_within_noise_of_the_years_mean(year, kpi) -> None:
    """Within noise: each month's mean over the replications lies within 3 standard errors of
    the year's mean. The standard error comes from independent replications of the same
    month, so it includes the slow ups and downs of a customer base (a loyal customer's mood
    lasts longer than a day), not only day-to-day scatter. With 12 months, a stationary series
    falls outside in about 3% of seeds; the seed is fixed."""
    values = year.reset_index().pivot(index="month", columns="replication", values=kpi).dropna()
    error = values.std(axis=1, ddof=1).mean() / np.sqrt(REPS)
    deviation = (values.mean(axis=1) - values.to_numpy().mean()).abs()
    assert (deviation <= 3.0 * error).all(), pd.DataFrame(
        {"deviation": deviation, "3 SE": 3 * error}
    )
