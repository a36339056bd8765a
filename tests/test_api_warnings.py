"""The Python API's warnings name the line that called journeysim, not one of journeysim's own,
however deep in it they arise: the line a notebook shows them under, and a filter's `module`
matches."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import journeysim
from journeysim.simulation.burn_in import ShortHistoryWarning
from journeysim.study.selection import StillMovingWarning

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
BASELINE = SCENARIOS / "baseline.yaml"
# 300 customers and 28 days of history, lived in a second: too short for a steady customer
# base, which every call is warned of (ShortHistoryWarning).
SHORT = ["arrivals.base_customers=300", "horizon.burn_in_days=28"]
QUICK = {"reps": 2, "days": 3, "overrides": SHORT, "workers": 1}

CALLS = {
    "run": lambda out: journeysim.run(BASELINE, **QUICK),
    "compare": lambda out: journeysim.compare(
        BASELINE, SCENARIOS / "understaffed_checkout.yaml", **QUICK
    ),
    "select": lambda out: journeysim.select(
        *closing_in(out),
        objective="contribution_per_day",
        reps=5,
        days=28,
        overrides=SHORT,
        workers=1,
    ),
    "sweep": lambda out: journeysim.sweep(
        BASELINE, vary=["checkout.cashiers=2,3"], out=out, **QUICK
    ),
    "optimise": lambda out: journeysim.optimise(
        BASELINE, decide=["checkout.cashiers=2:3"], minimise="wages_per_day", out=out, **QUICK
    ),
    "calibrate": lambda out: journeysim.calibrate(
        BASELINE,
        targets=["nps=36+-4"],
        free=["loyalty.ltr_center=0.2:0.4"],
        trials=2,
        out=out,
        **QUICK,
    ),
}


def closing_in(folder: Path) -> tuple[Path, Path]:
    """Two stores of which select picks the first on contribution while the second closes in
    on it (StillMovingWarning) by construction, not by chance: the first has no card terminal
    all day on every day of the second half of the measured days (14 warm-up days, 28
    measured), the second none of its failures but 2,000 PLN a day more of other costs. The
    second's difference is -2,000 over the first half (the same visits: common random
    numbers) and -2,000 plus what the outages lose (some 900 PLN a day) over the second."""
    outages = ", ".join(
        f"{{day: {day}, start: '06:00', duration_min: 960, terminals: all}}"
        for day in range(28, 42)
    )
    late = folder / "late_outages.yaml"
    late.write_text(f"extends: {BASELINE}\nname: late_outages\npayment: {{outages: [{outages}]}}\n")
    dear = folder / "dear.yaml"
    dear.write_text(f"extends: {BASELINE}\nname: dear\ncosts: {{fixed_per_day: 2000}}\n")
    return late, dear


@pytest.mark.parametrize("call", CALLS)
def test_a_warning_of_the_api_names_the_callers_line(call, tmp_path):
    """select's StillMovingWarning named journeysim/api.py, calibrate's ShortHistoryWarning
    journeysim/study/optimise.py, and run's and compare's, raised in the burn-in that every
    command shares, journeysim/simulation/replication.py: a fixed stacklevel counts the frames
    of one path only."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        CALLS[call](tmp_path)
    ours = [w for w in caught if w.category.__module__.startswith("journeysim.")]
    ours += [w for w in caught if w.category is UserWarning]  # run's and compare's own
    kinds = {w.category for w in ours}
    assert ShortHistoryWarning in kinds
    assert (StillMovingWarning in kinds) == (call == "select")
    elsewhere = [
        f"{w.category.__name__} at {w.filename}:{w.lineno}"
        for w in ours
        if Path(w.filename) != Path(__file__)
    ]
    assert elsewhere == []
