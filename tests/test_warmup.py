"""The warm-up check: MSER-5 against series whose transient is known, and on model runs.

References the synthetic checks use, independent of MSER: a mean shift that ends at a known
day; the truncation minimising the exact mean squared error of the kept mean (bias^2 +
variance) when the transient is a known exponential decay; and stationary noise, where the
check's 95% intervals bound how often it may speak.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeysim
from journeysim.cli import main
from journeysim.scenario import load_scenario
from journeysim.simulation.warmup import mser, warmup_bias, weekly_adjusted
from journeysim.simulation.warmup_check import daily_runs, warmup_table

SCENARIOS = Path(__file__).parent.parent / "scenarios"
SEEDS = range(300)


def truncations(make) -> np.ndarray:
    """MSER-5 truncation of make(rng) for each seed; -1 where the series had not settled."""
    found = (mser(make(np.random.default_rng(seed))).observations for seed in SEEDS)
    return np.array([-1 if d is None else d for d in found])


def test_a_mean_shift_is_cut_where_it_ends() -> None:
    # 30 days 3 sd above the steady mean: MSER-5 never keeps any of them, and most often cuts
    # exactly there (the noise after day 30 can only push the cut later).
    def shifted(rng):
        x = rng.standard_normal(200)
        x[:30] += 3.0
        return x

    found = truncations(shifted)
    settled = found[found >= 0]
    assert len(settled) >= 0.98 * len(found)
    assert settled.min() == 30
    assert np.mean(settled == 30) >= 0.5


def test_an_exponential_transient_is_cut_near_the_mse_optimal_day() -> None:
    # mean 10 exp(-t / 8) over unit noise: the kept mean's exact MSE is smallest when cutting
    # d_opt days; the median cut over 300 seeds lies within 5 days of it (one batch), and two
    # in three cuts within 10 (MSER's known long right tail).
    n, amplitude, tau = 200, 10.0, 8.0
    mean = amplitude * np.exp(-np.arange(n) / tau)
    mse = [mean[d:].mean() ** 2 + 1.0 / (n - d) for d in range(n // 2)]
    d_opt = int(np.argmin(mse))
    found = truncations(lambda rng: mean + rng.standard_normal(n))
    assert abs(np.median(found) - d_opt) <= 5
    assert np.mean(np.abs(found - d_opt) <= 10) >= 2 / 3


def test_a_stationary_series_is_not_cut() -> None:
    found = truncations(lambda rng: rng.standard_normal(200))
    assert np.median(found) == 0
    assert np.mean(found == 0) >= 0.6  # 0.66 measured on these seeds


def test_a_series_still_moving_at_mid_run_has_not_settled() -> None:
    trend = np.linspace(10.0, 0.0, 100) + np.random.default_rng(1).normal(0.0, 0.1, 100)
    result = mser(trend)
    assert result.observations is None
    assert len(result.statistic) == 100 // 5 // 2 + 1


def test_too_short_series_are_refused() -> None:
    with pytest.raises(ValueError, match="at least 20"):
        mser(np.zeros(19))


def test_the_weekly_rhythm_is_removed_exactly() -> None:
    weekend = np.arange(56) % 7 >= 5
    runs = np.vstack([3.0 + 1.25 * weekend, -1.0 + 1.25 * weekend])
    assert np.allclose(weekly_adjusted(runs, weekend), [[3.0], [-1.0]])


def test_bias_and_half_width_by_hand() -> None:
    runs = np.array([[4.0, 2.0, 1.0, 1.0], [6.0, 2.0, 3.0, 3.0], [5.0, 2.0, 2.0, 2.0]])
    bias, half_width = warmup_bias(runs, warmup=1, settled=2)
    # kept from day 1: mean (2 + 2 + 2) / 3 = 2; settled from day 2: mean 2: no bias
    assert bias == pytest.approx(0.0)
    # replication means from day 1: 4/3, 8/3 and 2; t(0.975, 2) = 4.303
    means = [4 / 3, 8 / 3, 2.0]
    assert half_width == pytest.approx(4.303 * np.std(means, ddof=1) / np.sqrt(3), 1e-3)


def test_two_replications_that_agree_by_chance_do_not_make_a_shift_look_large() -> None:
    # The second replication is the first's days in another order: their means agree exactly,
    # so their spread gave a half-width of 0 and any shift at all was "more than the noise".
    # With two replications the half-width is that of 5-day batch means of their mean series.
    rng = np.random.default_rng(3)
    first = rng.standard_normal(56) + 10.0
    runs = np.vstack([first, rng.permutation(first)])
    bias, half_width = warmup_bias(runs, warmup=14, settled=30)
    batches = runs.mean(axis=0)[14:54].reshape(8, 5).mean(axis=1)
    assert half_width == pytest.approx(2.365 * batches.std(ddof=1) / np.sqrt(8), 1e-3)
    assert abs(bias) < half_width  # stationary noise: no warning


def test_the_check_speaks_on_stationary_noise_at_most_its_error_rate() -> None:
    # 10 replications of 56 stationary days with a weekly rhythm, warm-up 14: MSER-5 alone cuts
    # more than 14 days in about a fifth of them; the check must stay silent in >= 98%.
    weekend = np.arange(56) % 7 >= 5
    spoke = 0
    for seed in SEEDS:
        runs = np.random.default_rng(seed).standard_normal((10, 56)) + 0.5 * weekend
        runs = weekly_adjusted(runs, weekend)
        truncation = mser(runs.mean(axis=0))
        cut = truncation.observations
        cut = (len(truncation.statistic) - 1) * 5 if cut is None else cut
        bias, half_width = warmup_bias(runs, 14, max(cut, 14))
        spoke += cut > 14 and abs(bias) > half_width
    assert spoke <= 0.02 * len(SEEDS)


OUTAGE = "terminal_outage"


def synthetic_run(
    warmup: int, shortfall: Callable[[int], float], days: int = 100, name: str = "baseline"
) -> pd.DataFrame:
    """warmup_table of 4 replications of scenario `name` whose CSAT falls short of 4 by
    shortfall(day)."""
    settings = [f"horizon.warmup_days={warmup}", f"horizon.days={days - warmup}"]
    scenario = load_scenario(SCENARIOS / f"{name}.yaml", settings)
    rng = np.random.default_rng(5)
    rows = []
    for replication in range(4):
        for day in range(days):
            for customer in range(40):
                csat = rng.normal(4.0 - shortfall(day), 0.5)
                rows.append((replication, day, customer, 600.0, int(rng.integers(0, 11)), csat))
    visits = pd.DataFrame(
        rows, columns=["replication", "day", "customer_id", "arrival_min", "ltr", "csat"]
    )
    days = pd.DataFrame(
        [(r, d, d % 7 >= 5, 1000 + rng.normal(0, 5)) for r in range(4) for d in range(days)],
        columns=["replication", "day", "weekend", "active_customers"],
    )
    return warmup_table(scenario, daily_runs(scenario, visits, days), days).set_index("metric")


def test_the_table_names_the_kpi_and_the_length() -> None:
    # CSAT 1 point low for 20 days: MSER-5 cuts at 20 on 5 of 8 seeds tried, else up to 35
    # (its right tail); the other KPIs are stationary, and each speaks on about 1% of seeds.
    table = synthetic_run(warmup=5, shortfall=lambda day: float(day < 20))
    suggested = table.loc["csat", "suggested_days"]
    assert 20 <= suggested <= 35
    assert table.loc["csat", "too_short"]
    assert table.loc["csat", "advice"] == (
        f"horizon.warmup_days is 5 but the daily CSAT settles only after about {suggested} days "
        f"(MSER-5); set horizon.warmup_days: {suggested} or more"
    )
    assert not table.drop(index="csat")["too_short"].any()


def test_the_table_is_silent_when_the_warmup_covers_the_transient() -> None:
    assert not synthetic_run(warmup=20, shortfall=lambda day: float(day < 20))["too_short"].any()


def test_a_kpi_whose_series_ends_within_the_warmup_is_left_out_without_a_numpy_warning():
    """`run --set horizon.warmup_days=28` of a 7-day run printed NumPy's "Mean of empty
    slice": the daily return rate's series ends 14 days before the run (its return window),
    here within the warm-up, so it has no measured day to check."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        table = synthetic_run(warmup=90, shortfall=lambda day: 0.0)
    assert "return_rate" not in table.index and "csat" in table.index


def test_a_trend_all_run_long_gives_a_lower_bound() -> None:
    table = synthetic_run(warmup=0, shortfall=lambda day: 1.0 - day / 56, days=56)
    assert not table.loc["csat", "settled"]
    assert table.loc["csat", "suggested_days"] == 25  # the last cut of the first half
    assert table.loc["csat", "advice"] == (
        "horizon.warmup_days is 0 but the daily CSAT settles only after 25 or more of the 56 "
        "days (MSER-5); set horizon.warmup_days: 25 or more and lengthen horizon.days"
    )


def test_a_trend_may_be_the_dated_events_own_change() -> None:
    """terminal_outage (its outage from day 3) was told to take a longer warm-up, which would
    leave out the outage's days: the advice says the trend may be the outage's."""
    table = synthetic_run(warmup=0, shortfall=lambda day: 1.0 - day / 56, days=56, name=OUTAGE)
    assert table.loc["csat", "advice"].endswith(
        "and lengthen horizon.days, unless the trend is the change its dated events bring "
        "(payment.outages), which a longer warm-up would leave out of the KPIs: then run more "
        "days (horizon.days) to see where it settles"
    )


def run(tmp_path: Path, capsys, *settings: str) -> str:
    sets = [arg for setting in settings for arg in ("--set", setting)]
    options = ["--workers", "2", "--quiet", "--no-report", "--out", str(tmp_path)]
    code = main(["run", str(SCENARIOS / "baseline.yaml"), *sets, *options])
    assert code == 0
    return capsys.readouterr().err


# No history before day 0, a fifth of the customers and many newcomers: the base grows.
GROWING = (
    "horizon.burn_in_days=0",
    "horizon.warmup_days=0",
    "arrivals.base_customers=500",
    "arrivals.new_per_day=12",
    "horizon.days=42",
    "replications=4",
)


@pytest.mark.slow
def test_run_warns_when_the_warmup_is_too_short(tmp_path: Path, capsys) -> None:
    err = run(tmp_path, capsys, *GROWING)
    prefix = f"journeysim: warning: {SCENARIOS / 'baseline.yaml'}: "
    lines = err.splitlines()
    assert all(line.startswith(prefix) for line in lines)
    # 500 customers in 42 days also leave too few departures for a lifetime: warned apart
    warmup = [line for line in lines if "customer lifetime" not in line]
    assert warmup, "no warm-up warning"
    assert all(
        "horizon.warmup_days is 0 but the " in line and "(MSER-5)" in line for line in warmup
    )
    assert any("active customers" in line for line in warmup)
    # journeysim.run warns of the same (it only kept them in result.warmup).
    overrides = [line for line in GROWING if not line.startswith("replications")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        journeysim.run(SCENARIOS / "baseline.yaml", reps=4, overrides=overrides, workers=1)
    said = [str(w.message) for w in caught if "(MSER-5)" in str(w.message)]
    assert [f"{prefix}{text.removeprefix('baseline: ')}" for text in said] == warmup


@pytest.mark.slow
def test_run_is_silent_on_the_baseline(tmp_path: Path, capsys) -> None:
    assert run(tmp_path, capsys, "replications=4") == ""
