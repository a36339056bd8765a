"""The line that says which history a run or a comparison starts from (a what-if run alone
lives its own; compare starts every scenario from the first one's)."""

from __future__ import annotations

from pathlib import Path

import pytest

from journeysim.cli import main
from journeysim.loyalty.base import MIN_LEAVERS
from journeysim.loyalty.history import History
from journeysim.report.history_text import compare_history_text, run_history_text
from journeysim.scenario import load_scenario
from journeysim.scenario.errors import ScenarioWarning
from journeysim.simulation.burn_in import history_source
from journeysim.simulation.replication import past

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"
DIRTY = ROOT / "scenarios" / "dirty_floor.yaml"
MMC = ROOT / "scenarios" / "validation" / "mmc.yaml"


def test_run_says_a_scenario_lives_its_own_history_and_open_mode_has_none():
    dirty = load_scenario(DIRTY)
    assert history_source(dirty) is dirty
    steady = History((), (), (), MIN_LEAVERS)  # as the baseline's 728 days (432 leavers)
    assert run_history_text(dirty, steady) == (
        "history: 728 days of this store before day 0, as if it had always been so"
    )
    for scenario in load_scenario(MMC), load_scenario(BASELINE, ["horizon.burn_in_days=0"]):
        assert run_history_text(scenario, past(scenario)) == ""  # one-off shoppers, no history


def test_run_names_the_dated_events_its_history_lived_without():
    """`run scenarios/terminal_outage.yaml` said "728 days of this store ..., as if it had
    always been so", though the history never had the outage that begins on day 3."""
    steady = History((), (), (), MIN_LEAVERS)
    outage = load_scenario(ROOT / "scenarios" / "terminal_outage.yaml")
    assert run_history_text(outage, steady) == (
        "history: 728 days of this store without its dated events (payment.outages: they begin "
        "on their days) before day 0, as if it had always been so"
    )
    both = load_scenario(ROOT / "scenarios" / "staff_turnover.yaml", ["staff.turnover_per_year=2"])
    assert "without its dated events (staff.turnover, staff.turnover_per_year: they" in (
        run_history_text(both, steady)
    )


def test_compare_says_every_scenario_starts_from_the_first_ones_history(tmp_path):
    baseline, dirty = load_scenario(BASELINE), load_scenario(DIRTY)
    assert history_source(dirty, baseline) is baseline
    assert compare_history_text([baseline, dirty]) == (
        "history: baseline's 728 days before day 0 for every scenario, each changing it from day 0"
    )
    # A scenario with other segments cannot take over the first one's customers (burn_in.py).
    lone = tmp_path / "lone.yaml"
    lone.write_text(f"extends: {BASELINE}\nname: lone\nsegments:\n  solo: {{share: 1}}\n")
    with pytest.warns(ScenarioWarning, match="are dropped"):
        solo = load_scenario(lone)
    assert history_source(solo, baseline) is solo
    assert compare_history_text([baseline, dirty, solo]).endswith(
        " (but lone: other segments, so a history of its own)"
    )
    assert compare_history_text([load_scenario(MMC), load_scenario(MMC)]) == ""
    # Settings only the history reads change nothing in a scenario that starts from another's.
    bigger = load_scenario(DIRTY, ["arrivals.base_customers=5000", "horizon.burn_in_days=98"])
    assert compare_history_text([baseline, bigger, dirty]).endswith(
        "each changing it from day 0; only the history reads dirty_floor's "
        "arrivals.base_customers, dirty_floor's horizon.burn_in_days, so they change nothing"
    )


def test_the_run_command_prints_the_line_under_its_header(tmp_path, capsys):
    overrides = ["--set", "horizon.burn_in_days=7", "--set", "arrivals.base_customers=200"]
    args = ["run", str(BASELINE), "--reps", "1", "--days", "2", "--out", str(tmp_path)]
    assert main([*args, *overrides, "--no-report"]) == 0
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines[0].startswith("baseline: 1 replication x 2 days")
    # A week sees no customer leave after half a week's stay: the base has not settled.
    assert lines[1] == "history: 7 days of this store before day 0, too short to have settled"
    assert "journeysim: warning: baseline: its 7 days of history (horizon.burn_in_days)" in err
