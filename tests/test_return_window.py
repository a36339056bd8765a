"""A horizon no longer than the return window leaves the return rate without a value: `run` and
`compare` say so in one warning line (the API as a UserWarning), exactly when it happens."""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import journeysim
from journeysim.cli import main
from journeysim.scenario import load_scenario
from journeysim.simulation.kpis import (
    part_week_warning,
    replication_kpis,
    return_rate_warning,
    returned,
)
from journeysim.simulation.replication import Simulation

BASELINE = str(Path(__file__).parent.parent / "scenarios" / "baseline.yaml")
SMALL = ["arrivals.base_customers=200", "horizon.burn_in_days=0", "horizon.warmup_days=0"]


@pytest.mark.parametrize(("window", "days"), [(1, 1), (1, 2), (1.5, 1), (1.5, 2), (2, 2)])
def test_the_warning_comes_exactly_when_the_return_rate_has_no_value(window, days):
    """Against the KPI itself: a visit's return is known only once its window has ended within
    the run, so a window as long as the measured days leaves every visit censored."""
    scenario = load_scenario(
        BASELINE, [*SMALL, f"loyalty.return_window_days={window}", f"horizon.days={days}"]
    )
    rate = replication_kpis(Simulation(scenario, 0).run(), scenario)["return_rate"]
    warning = return_rate_warning(scenario)
    assert math.isnan(rate) == (warning is not None) == (days <= window)
    if warning:
        measured = (
            "the 1 measured day (horizon.days) is" if days == 1 else "days (horizon.days) are"
        )
        assert measured in warning  # "the 1 measured days (horizon.days) are"
        assert f"loyalty.return_window_days ({window:g})" in warning
        longer = "more than 1 day " if window == 1 else f"more than {window:g} days"
        assert longer in warning and "shorten" in warning


def test_run_prints_one_warning_line_beside_the_dash(tmp_path, capsys):
    args = ["run", BASELINE, "--reps", "2", "--days", "3", "--out", str(tmp_path)]
    args += [*(f"--set={s}" for s in SMALL), "--quiet", "--no-report", "--workers", "1"]
    assert main(args) == 0
    captured = capsys.readouterr()
    row = next(line for line in captured.out.splitlines() if line.startswith("Return rate"))
    assert row.split()[-4:] == ["-", "[-,", "-]", "0"], row
    lines = [line for line in captured.err.splitlines() if "return rate" in line]
    scenario = load_scenario(BASELINE, [*SMALL, "horizon.days=3"])
    assert lines == [f"journeysim: warning: {BASELINE}: {return_rate_warning(scenario)}"]


def test_compare_prints_it_once_for_scenarios_that_share_the_horizon(tmp_path, capsys):
    args = ["compare", BASELINE, BASELINE, "--set", "checkout.cashiers=4", "--reps", "2"]
    args += ["--days", "1", *(f"--set={s}" for s in SMALL), "--out", str(tmp_path)]
    assert main([*args, "--quiet", "--no-report", "--workers", "1"]) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "return rate" in line]
    assert len(lines) == 1 and "loyalty.return_window_days (14)" in lines[0]


def test_the_api_warns_only_when_the_window_cannot_end_within_the_run():
    overrides = [*SMALL, "loyalty.return_window_days=1"]

    def warned(days: int) -> list[str]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            journeysim.run(BASELINE, reps=2, days=days, overrides=overrides, workers=1)
        return [str(w.message) for w in caught if w.category is UserWarning]

    one_day = load_scenario(BASELINE, [*overrides, "horizon.days=1"])
    assert return_rate_warning(one_day) in warned(1)
    two_days = load_scenario(BASELINE, [*overrides, "horizon.days=2"])
    assert [text for text in warned(2) if "return rate" in text] == [part_week_warning(two_days)]
    assert not [text for text in warned(8) if "return rate" in text]  # a week of visits counts


@pytest.mark.parametrize(("days", "counted"), [(14, None), (15, 1), (20, 6), (21, None)])
def test_a_return_rate_of_less_than_a_week_of_visits_is_said(days, counted):
    """With --days 15 and the window of 14 the return rate counted the first measured day's
    visits alone (a researcher's review, recounting them from visits.parquet), beside KPIs of
    all 15 days; fewer than 7 such days leave some weekdays out, and a warning says so."""
    scenario = load_scenario(BASELINE, [*SMALL, f"horizon.days={days}", "horizon.warmup_days=2"])
    warning = part_week_warning(scenario)
    assert (warning is None) == (counted is None)
    if counted is None:
        return
    visits = Simulation(scenario, 0).run().visits
    horizon = (2 + days) * 1440.0
    known = returned(visits, 14, horizon).notna() & (visits["day"] >= 2)
    assert sorted(visits.loc[known, "day"].unique() - 2) == list(range(counted))
    first = "measured day" if counted == 1 else f"{counted} measured days"
    assert warning.startswith(f"return rate counts the visits of the first {first} only")
    assert warning.endswith("run 21 days or more (horizon.days or --days)")


def test_compare_names_the_scenario_when_only_one_cannot_see_returns(tmp_path, capsys):
    """2 measured days: baseline's 14-day window sees no return, a 1-day window does. The
    warning (console and API) says it is about baseline, not the other scenario."""
    short = tmp_path / "shortwin.yaml"
    short.write_text(f"extends: {BASELINE}\nloyalty: {{return_window_days: 1}}\n")
    args = ["compare", BASELINE, str(short), "--reps", "2", "--days", "2", "--out", str(tmp_path)]
    args += [*(f"--set={s}" for s in SMALL), "--quiet", "--no-report", "--workers", "1"]
    assert main(args) == 0
    lines = [line for line in capsys.readouterr().err.splitlines() if "return rate" in line]
    scenario = load_scenario(BASELINE, [*SMALL, "horizon.days=2"])
    unlike = "return rate and active customers are not compared"  # their windows differ
    shortwin = load_scenario(str(short), [*SMALL, "horizon.days=2"])
    assert [line for line in lines if unlike not in line] == [
        f"journeysim: warning: baseline: {return_rate_warning(scenario)}",
        f"journeysim: warning: shortwin: {part_week_warning(shortwin)}",  # 1 day of 2 counts
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = journeysim.compare(BASELINE, short, reps=2, days=2, overrides=SMALL, workers=1)
    rates = result.table[result.table["metric"] == "return_rate"].set_index("scenario")["n"]
    assert rates.to_dict() == {"baseline": 0, "shortwin": 2}  # the warning's claim, measured
    texts = [str(w.message) for w in caught if "return rate is n/a" in str(w.message)]
    assert texts == [f"baseline: {return_rate_warning(scenario)}"]


def test_visits_of_several_replications_return_only_within_their_own():
    """Customer ids repeat from one replication to the next: stacked visits (a run's) took
    customer 7's visit on day 3 of replication 1 for the return of its visit on day 0 of
    replication 0. Each replication's visits now return only within it, as they do apart."""
    visits = pd.DataFrame(
        {
            "replication": [0, 1, 1, 0],
            "customer_id": [7, 7, 7, 8],
            "day": [0, 3, 5, 1],
            "arrival_min": [600.0, 600.0, 540.0, 700.0],
        }
    )
    horizon = 30 * 1440.0
    back = returned(visits, 14, horizon)
    assert back.tolist() == [0.0, 1.0, 0.0, 0.0]
    apart = pd.concat(
        returned(mine.drop(columns="replication"), 14, horizon)
        for _, mine in visits.groupby("replication")
    )
    assert np.array_equal(back.to_numpy(), apart.reindex(visits.index).to_numpy())
