"""The reports' scenario table: every row follows the switches of its settings, a comparison
lists every setting that differs, and a departure names the leaver as traces do."""

from __future__ import annotations

import re
from pathlib import Path

from journeysim.report.scenario_table import (
    differing_settings,
    outage_text,
    setting_value,
    settings,
    settings_table,
)
from journeysim.scenario import load_scenario
from journeysim.scenario.schema import Outage
from journeysim.simulation.replication import simulate

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def scenario(name: str, overrides: list[str] | None = None):
    return load_scenario(SCENARIOS / f"{name}.yaml", overrides or [])


def rows(html: str, table_id: str) -> list[list[str]]:
    """The body rows of the table with `table_id`, as cell texts."""
    body = re.search(rf'<table id="{table_id}">.*?<tbody>(.*?)</tbody>', html).group(1)
    return [re.findall(r"<td>(.*?)</td>", row) for row in re.findall(r"<tr>(.*?)</tr>", body)]


def test_the_payment_row_follows_random_failures():
    # effortless_checkout sets payment.random_failures: false; the row read "terminals fail
    # every 400 h, repaired in 25 min".
    row = dict(settings(scenario("effortless_checkout")))["Payment"]
    assert row.endswith("terminals never fail at random") and "every" not in row
    assert dict(settings(scenario("baseline")))["Payment"].endswith(
        "terminals fail every 400 h, repaired in 25 min"
    )


def test_a_comparison_lists_every_setting_that_differs():
    """What a what-if changes shows even where no summary row covers it."""
    base = scenario("baseline")
    expected = {
        "dirty_floor": [["floor.spill_per_day", "2", "4"], ["staff.roles.cleaner.count", "1", "0"]],
        "frequent_stockouts": [
            ["shelves.stockout_prob", "0.08", "0.24"],
            ["shelves.restock_rounds_per_stocker", "2", "1"],
        ],
        "service_recovery": [
            ["after_visit.complaint_base", "0.01", "0.05"],
            ["after_visit.recovery_quality", "0.3", "0.9"],
            ["after_visit.recovery_delay_min", "30", "5"],
            ["after_visit.follow_up_prob", "0", "0.3"],
            ["after_visit.follow_up_quality", "0.3", "0.4"],
            ["costs.per_complaint", "0", "25"],
            ["costs.per_follow_up", "0", "8"],
        ],
        "effortless_checkout": [
            ["shelves.ask_staff_prob", "0.35", "0.6"],
            ["shelves.backroom_find_prob", "0.2", "0.5"],
            ["shelves.ask_effort", "1.7", "0.8"],
            ["staff.roles.floor_assistant.count", "1", "3"],
            ["checkout.cashiers", "3", "4"],
            ["checkout.self_checkouts", "2", "3"],
            ["payment.random_failures", "true", "false"],
        ],
    }
    for name, differ in expected.items():
        html = settings_table([base, scenario(name)])
        assert rows(html, "settings-differ") == differ, name
        assert "Settings that differ" in html


def test_the_settings_with_rows_of_their_own_are_left_out_and_a_missing_key_is_a_dash():
    base = scenario("baseline")
    other = scenario(
        "baseline",
        ["name=other", "seed=7", "replications=3", "segments={solo: {share: 1.0}}"],
    )
    differ = {row[0]: row[1:] for row in differing_settings([base, other])}
    assert not {"name", "description", "seed", "replications"} & set(differ)
    assert differ["segments.solo.share"] == ["-", "1"]  # a segment only the second has
    assert "No other setting differs" in settings_table([base, base])


def test_a_run_lists_the_settings_other_than_the_defaults():
    assert rows(settings_table([scenario("dirty_floor")]), "settings-differ") == [
        ["floor.spill_per_day", "4", "2"],
        ["staff.roles.cleaner.count", "0", "1"],
    ]
    assert "Every other setting is the default" in settings_table([scenario("baseline")])


def test_a_departure_names_the_leaver_as_traces_do():
    # The row read "cashier post 0 on day 28"; traces tell "cashier #1 ... at lane 1".
    departures = dict(settings(scenario("staff_turnover")))["Staff departures"]
    assert departures == "cashier #1 (post 0: lane 1, morning shift) leaves on day 28 (Mon)"


def test_the_named_leavers_are_those_the_run_replaces():
    """Named on the reference's history (more lanes in the what-if than in it), through an
    earlier departure of the same post."""
    small = [
        "horizon.warmup_days=1",
        "horizon.days=6",
        "replications=1",
        "arrivals.base_customers=100",
        "horizon.burn_in_days=7",
    ]
    base = scenario("baseline", small)
    turnover = (
        "staff.turnover=[{role: cashier, index: 4, day: 5}, {role: stocker, index: 3, day: 2},"
        " {role: cashier, index: 4, day: 6}]"
    )
    what_if = scenario("effortless_checkout", [*small, turnover])
    log = simulate(what_if, 0, reference=base).turnover_log
    told = dict(settings(what_if, base))["Staff departures"].split("; ")
    assert [text.split(" (")[0] for text in told] == [
        f"{role} #{leaver + 1}" for role, leaver in zip(log["role"], log["leaver_id"])
    ]
    assert told[1] == "cashier #4 (post 4: lane 1, evening shift) leaves on day 5 (Sat)"
    randomly = scenario("staff_turnover", ["staff.turnover_per_year=2"])
    assert dict(settings(randomly))["Staff departures"] == (
        "the cashier (post 0: lane 1, morning shift) leaves on day 28 (Mon); "
        "at random, 2 a year per staff member"
    )


def test_outages_queues_and_values_read_as_the_file_sets_them():
    weekly = Outage(day=2, start="18:00", duration_min=30, terminals=[0, 3], weekdays=["sat"])
    assert outage_text(weekly) == (
        "terminals 1, 4 (indices 0, 3) on Sat from day 2 (Wed), 18:00 for 30 min"
    )
    calm = scenario("baseline", ["checkout.balking=false", "checkout.reneging=false"])
    assert dict(settings(calm))["Checkout"] == (
        "3 staffed lanes, 2 self-checkouts; shoppers never balk at a long queue or leave a "
        "queue they joined"
    )
    assert dict(settings(scenario("understaffed_checkout")))["Checkout"].startswith(
        "1 staffed lane, "
    )
    values = (True, None, 0.0012, 4.0, 123456.0, 0.1 + 0.2, [], {"a": ["sat"]})
    assert [setting_value(v) for v in values] == [
        "true",
        "null",
        "0.0012",
        "4",
        "123456",  # as the money table's 123,456 (it read 1.235e+05)
        "0.3",
        "[]",
        "{a: [sat]}",
    ]
