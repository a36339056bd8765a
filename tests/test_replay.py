"""`journeysim replay`: the page is self-contained and small, its panels hold the same shoppers
(common random numbers), and what it shows agrees with the simulation it replays: the queues
drawn from the traces match the monitor's count, the side panel tells what `trace` tells, and
the timeline marks the outage the scenario schedules."""

from __future__ import annotations

import bisect
import json
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from journeysim.cli import main
from journeysim.clock import clock
from journeysim.report.animate import default_window
from journeysim.report.monitor import down_intervals
from journeysim.report.replay import (
    customers_of,
    replay_data,
    replay_page,
    replays,
    title,
    window,
)
from journeysim.report.trace import outcome, tell
from journeysim.scenario import load_scenario
from journeysim.simulation.burn_in import ShortHistoryWarning
from journeysim.simulation.executors import Serial
from journeysim.simulation.runner import run_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"
# Four days; terminal_outage takes every terminal down 17:00-18:30 from day 3 on, so days 0-2
# are the same in both stores and day 3 starts with the same customers.
SMALL = [
    "horizon.warmup_days=2",
    "horizon.days=2",
    "arrivals.base_customers=600",
    "horizon.burn_in_days=0",
]
DAY = 3
MB = 1e6


def small(name: str, extra: tuple[str, ...] = ()) -> object:
    return load_scenario(SCENARIOS / f"{name}.yaml", [*SMALL, *extra])


@pytest.fixture(scope="module")
def pair():
    days = replays([small("baseline"), small("terminal_outage")], DAY)
    start, end = window(days)
    return days, replay_data(days, start, end)


def page_data(html: str) -> dict:
    found = re.search(
        r'<script type="application/json" class="jsr-data">(.*?)</script>', html, re.S
    )
    return json.loads(found.group(1))


def external_references(html: str) -> list[str]:
    """src/href values and CSS url()s that reach outside the file."""
    attributes = re.findall(r"""(?:src|href)\s*=\s*["']?\s*([^"'\s>]+)""", html, re.I)
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", html, re.I)
    return [v for v in attributes + urls if re.match(r"(?:https?:)?//|https?:", v, re.I)]


@pytest.mark.parametrize(
    "failure, start",
    [("13:29:56", "13:00"), ("13:37:20", "13:00"), ("13:37:31", "13:15"), ("17:00:00", "16:30")],
)
def test_the_window_starts_on_a_quarter_hour(failure, start):
    """A run's replay played "12:59-14:59", its clock at 12:59:56, half an hour before a
    terminal failed at 13:29:56: it starts on the quarter hour nearest that, for two hours."""
    h, m, s = (int(part) for part in failure.split(":"))
    at = DAY * 1440.0 + h * 60 + m + s / 60
    log = pd.DataFrame({"time": [at, at + 20], "terminal": ["T1"] * 2, "state": ["down", "up"]})
    day = SimpleNamespace(
        scenario=small("baseline"), day=DAY, replication=SimpleNamespace(terminal_log=log)
    )
    first, last = default_window(day)
    assert f"{int(first) // 60:02d}:{int(first) % 60:02d}" == start
    assert first % 15 == 0 and last - first == 120


def test_page_is_self_contained(pair):
    _, data = pair
    html = replay_page(data, "test")
    assert external_references(html) == []
    assert not re.search(r"<link\b|@import|\bimport\s*\(|fetch\(|XMLHttpRequest", html)
    assert page_data(html) == json.loads(json.dumps(data))  # the data survives inlining


def test_the_checker_catches_external_references():
    assert external_references('<script src="https://cdn.example/x.js"></script>')
    assert external_references("<img src=//example.org/a.png>")
    assert external_references("<style>a { background: url('http://x/y.png') }</style>")
    assert external_references('<a href="#top"><img src="data:image/png;base64,AA"></a>') == []


def test_panels_hold_the_same_shoppers(pair):
    days, data = pair
    baseline, outage = data["panels"]
    assert [p["scenario"] for p in data["panels"]] == ["baseline", "terminal_outage"]
    assert days[0].scenario.seed == days[1].scenario.seed  # common random numbers
    # Same customers, arriving at the same minutes, before the terminals make any difference.
    arrivals = [
        {s["customer"]: s["steps"][0][0] for s in p["shoppers"]} for p in (baseline, outage)
    ]
    assert len(arrivals[0]) > 20
    assert arrivals[0] == arrivals[1]
    # ... and the outage does make a difference to some of them.
    met = {s["customer"] for s in outage["shoppers"] if s["metOutage"]}
    assert met and not any(s["metOutage"] for s in baseline["shoppers"])


def test_the_same_shoppers_stand_at_the_same_spots_before_the_outage(pair):
    """Before 17:00 the stores are the same, but a third of the shoppers stood elsewhere in
    their zone on the right: the spot followed the visit id, which counts visits as they end,
    and the outage changes when some of them end. It follows the customer, before the outage
    and after it."""
    _, data = pair
    baseline, outage = ({s["customer"]: s for s in p["shoppers"]} for p in data["panels"])
    both = baseline.keys() & outage.keys()
    assert sum(1 for c in both if baseline[c]["start"] < 17 * 60) >= 10
    assert sum(1 for c in both if baseline[c]["visit"] != outage[c]["visit"]) >= 3  # as ids go
    for customer in both:
        mine, theirs = baseline[customer], outage[customer]
        assert (mine["u"], mine["v"]) == (theirs["u"], theirs["v"]), customer


def test_timeline_marks_the_scheduled_outage(pair):
    _, data = pair
    assert (data["from"], data["to"]) == (16 * 60 + 30, 18 * 60 + 30)  # around the 17:00 start
    marks = {(m["kind"], m["t"]) for m in data["panels"][1]["events"]}
    assert ("outage", 17 * 60.0) in marks and ("repair", 18 * 60 + 30.0) in marks
    label = next(m["label"] for m in data["panels"][1]["events"] if m["kind"] == "outage")
    assert label.startswith("17:00 All 5 card terminals down")
    tills = {o[0] for o in data["panels"][1]["outages"] if o[1] == 17 * 60.0}
    assert tills == set(range(5))
    assert data["panels"][0]["outages"] == [] or all(
        o[3] == "failure" for o in data["panels"][0]["outages"]
    )


def place_at(shopper: dict, t: float) -> list:
    times = [w[0] for w in shopper["way"]]
    return shopper["way"][max(bisect.bisect_right(times, t) - 1, 0)][1]


def test_drawn_queues_match_the_monitor():
    """Queues drawn from the traces against the store's own count of shoppers waiting, sampled
    every minute of a busy day (tolerance: one shopper, in at most 1% of the samples, for
    events at the very minute of a sample)."""
    scenario = small("understaffed_checkout", ("arrivals.base_customers=2000",))
    days = replays([scenario], DAY)
    hours = scenario.hours
    shown = replay_data(days, hours.open_min, hours.close_min)["panels"][0]
    monitor = days[0].samples
    lines = [c for c in monitor.columns if c.startswith("line:")]
    opening = monitor["time"].between(DAY * 1440.0 + hours.open_min, DAY * 1440.0 + hours.close_min)
    drawn, counted = [], []
    for t, waiting in zip(monitor["time"][opening], monitor[lines][opening].sum(axis=1)):
        t += 1e-3 - DAY * 1440.0
        drawn.append(
            sum(
                s["start"] <= t < s["end"] and place_at(s, t)[0] == "queue"
                for s in shown["shoppers"]
            )
        )
        counted.append(waiting)
    drawn, counted = np.array(drawn), np.array(counted)
    assert counted.max() >= 3  # there were queues to draw
    assert np.abs(drawn - counted).max() <= 1
    assert (drawn != counted).mean() <= 0.01


def test_side_panel_tells_the_visit_as_trace_does(pair):
    days, data = pair
    rep = days[1]
    visits = rep.replication.visits
    shopper = next(s for s in data["panels"][1]["shoppers"] if s["metOutage"])
    steps = rep.replication.traces[shopper["visit"]]
    assert [s[2] for s in shopper["steps"]] == [s.what for s in steps]
    assert any(s[2].startswith("card refused") for s in shopper["steps"])
    row = visits.loc[visits["visit_id"] == shopper["visit"]].iloc[0]
    assert shopper["outcome"] == [line.strip() for line in outcome(row, rep.scenario, steps)]
    assert shopper["heading"][1].startswith("! All 5 card terminals down during this visit")
    assert re.match(
        r"(Came back on day|Not back by day|Did not come back|Will not come back)",
        shopper["comesBack"],
    )
    outages = down_intervals(rep.replication.terminal_log)
    assert not outages.empty


def test_trace_from_the_first_history_tells_a_shopper_of_the_second_panel(capsys):
    """The replay starts dirty_floor from baseline's history, as compare does; `trace
    dirty_floor.yaml` lived a history of its own, where the panel's customer 3431 "made no
    visit". With --history-of the first's file it tells the panel's visit."""
    settings = [*SMALL, "horizon.burn_in_days=14"]  # a history, which the dirty floor changes
    pair = [load_scenario(SCENARIOS / f"{n}.yaml", settings) for n in ("baseline", "dirty_floor")]
    with pytest.warns(ShortHistoryWarning):  # too short to settle: not what is tested here
        visits = replays(pair, DAY)[1].replication.visits
    row = visits[visits["day"] == DAY].iloc[-1]
    argv = ["trace", str(SCENARIOS / "dirty_floor.yaml"), "--customer", str(row["customer_id"])]
    argv += [f"--set={setting}" for setting in settings]
    assert main([*argv, "--history-of", str(SCENARIOS / "baseline.yaml")]) == 0
    told = capsys.readouterr()
    assert "from the history of baseline" in told.err
    assert f"(visit id {row['visit_id']}), day {DAY} " in told.out
    assert f", {clock(row['arrival_min'])} to " in told.out
    own = main(argv), capsys.readouterr().out
    assert own != (0, told.out)


def test_comes_back_follows_the_later_visits():
    """Run on past the day, a customer's next visit within the window is the one named."""
    days = replays([small("baseline", ("horizon.days=10",))], DAY)
    rep = days[0]
    data = replay_data(days, rep.scenario.hours.open_min, rep.scenario.hours.close_min)
    visits = rep.replication.visits
    assert visits["day"].max() > DAY  # the replay ran on past the day
    checked = 0
    for shopper in data["panels"][0]["shoppers"]:
        later = visits[
            (visits["customer_id"] == shopper["customer"]) & (visits["visit_id"] > shopper["visit"])
        ]
        if shopper["comesBack"].startswith("Came back"):
            assert f"day {int(later['day'].iloc[0])} " in shopper["comesBack"]
            checked += 1
        elif shopper["comesBack"].startswith("Did not come back"):
            assert later.empty or later["day"].iloc[0] > DAY + 14
    assert checked > 20


def test_busy_evening_of_two_scenarios_stays_small(tmp_path):
    """The size bound of the issue: a Saturday evening of two full-size stores under 10 MB."""
    saturday = 5
    args = ["replay", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "terminal_outage.yaml")]
    args += ["--day", str(saturday), "--from", "15:00", "--to", "21:00", "--out", str(tmp_path)]
    args += ["--set", "horizon.warmup_days=5", "--set", "horizon.days=1"]
    assert main(args) == 0
    html = (tmp_path / "replay.html").read_text()
    data = page_data(html)
    assert min(len(p["shoppers"]) for p in data["panels"]) > 150
    assert len(html.encode()) < 10 * MB
    assert external_references(html) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--day", "99"], "replay: error: argument --day: expected a whole number from 0 to "),
        (
            ["--day", "3", "--from", "18:00", "--to", "17:00"],
            "replay: error: argument --to: expected a time later than --from 18:00 (got '17:00')",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(args, message, tmp_path, capsys):
    scenario = str(SCENARIOS / "terminal_outage.yaml")
    assert main(["replay", scenario, *args, "--out", str(tmp_path)]) == 2
    error = capsys.readouterr().err
    assert message in error and len(error.strip().splitlines()) == 1
    assert not (tmp_path / "replay.html").exists()


def test_run_report_embeds_the_replay_of_its_traced_day(tmp_path):
    from journeysim.report.html import run_report

    result = run_scenario(small("terminal_outage", ("replications=1",)), Serial())
    report = run_report(result, tmp_path / "with").read_text()
    alone = (tmp_path / "with" / "replay.html").read_text()
    assert '<section id="replay">' in report and 'class="jsr-data"' in report
    assert page_data(report) == page_data(alone)
    assert page_data(report)["day"] == DAY  # the traced day: the first with an outage
    assert external_references(report) == []
    skipped = run_report(result, tmp_path / "without", with_replay=False).read_text()
    assert "jsr-data" not in skipped and not (tmp_path / "without" / "replay.html").exists()


def test_a_window_to_midnight_ends_at_24_00(pair):
    """`replay --from 23:00 --to 24:00` printed and titled the page "23:00-00:00"."""
    days, _ = pair
    assert title(days, 23 * 60.0, 1440.0).endswith("day 3 (Thu), 23:00-24:00")
    assert title(days, 0.0, 60.0).endswith("00:00-01:00")  # a window from midnight starts at 00:00


def test_scenario_text_cannot_break_out_of_the_data(pair):
    _, data = pair
    hostile = json.loads(json.dumps(data))
    hostile["panels"][0]["scenario"] = "</script><script>alert(1)</script>"
    html = replay_page(hostile, "<b>title</b>")
    assert "<script>alert" not in html and "<b>title" not in html
    assert page_data(html)["panels"][0]["scenario"] == hostile["panels"][0]["scenario"]


def test_a_window_with_one_shopper_says_one_visit(tmp_path, capsys):
    """It said "1 visits"; the first shopper of day 3 comes before 07:10, the second after."""
    scenario = str(SCENARIOS / "baseline.yaml")
    sets = [arg for key in SMALL for arg in ("--set", key)]
    window = ["--day", "3", "--from", "06:00", "--to", "07:10"]
    assert main(["replay", scenario, *window, *sets, "--out", str(tmp_path)]) == 0
    assert ", 1 visit, " in capsys.readouterr().out


def test_a_store_without_customers_is_not_told_to_choose_another_window(tmp_path, capsys):
    """With no window chosen, a store nobody came to was told to choose --from and --to
    within its opening hours, the very window shown."""
    scenario = str(SCENARIOS / "baseline.yaml")
    nobody = ["arrivals.base_customers=0", "arrivals.new_per_day=0"]
    sets = [arg for key in [*SMALL, *nobody] for arg in ("--set", key)]
    assert main(["replay", scenario, "--day", "3", *sets, "--out", str(tmp_path)]) == 0
    assert capsys.readouterr().err == (
        "journeysim: warning: no shopper came to the store on day 3: it has no customers "
        "(arrivals.base_customers and new_per_day are 0)\n"
    )


def test_a_window_with_nobody_in_the_store_warns(tmp_path, capsys):
    scenario = str(SCENARIOS / "baseline.yaml")
    sets = [arg for key in SMALL for arg in ("--set", key)]
    window = ["--day", "3", "--from", "23:00", "--to", "23:30"]
    assert main(["replay", scenario, *window, *sets, "--out", str(tmp_path)]) == 0
    captured = capsys.readouterr()
    assert ", 0 visits," in captured.out
    assert "no shopper is in the store in this window; the store is open 06:00 to 22:00" in (
        captured.err
    )


def test_a_replay_into_another_commands_results_is_refused(tmp_path, capsys):
    """`replay --out` into a run's folder wrote over its manifest.json (and its replay.html),
    so the next run with other --set overrides no longer saw that the folder held them."""
    scenario = str(SCENARIOS / "baseline.yaml")
    sets = [arg for key in SMALL for arg in ("--set", key)]
    run = ["run", scenario, "--reps", "2", *sets, "--no-report", "--quiet"]
    assert main([*run, "--out", str(tmp_path)]) == 0
    folder = tmp_path / "baseline"
    manifest = (folder / "manifest.json").read_text()
    window = ["--day", "3", "--from", "06:00", "--to", "07:10"]
    capsys.readouterr()
    assert main(["replay", scenario, *window, *sets, "--out", str(folder)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    said = f"journeysim replay: error: argument --out: {folder} holds the results of journeysim"
    assert line.startswith(said) and line.endswith("; give another --out")
    assert (folder / "manifest.json").read_text() == manifest
    again = tmp_path / "replays"  # a replay's own folder takes the next replay
    for _ in range(2):
        assert main(["replay", scenario, *window, *sets, "--out", str(again)]) == 0


def test_a_replay_into_results_whose_manifest_cannot_be_read_is_refused_in_one_line(
    tmp_path, capsys
):
    """It warned that the manifest "is written afresh", then refused the folder, writing
    nothing: the refusal alone."""
    scenario = str(SCENARIOS / "baseline.yaml")
    sets = [arg for key in SMALL for arg in ("--set", key)]
    run = ["run", scenario, "--reps", "2", *sets, "--no-report", "--quiet"]
    assert main([*run, "--out", str(tmp_path)]) == 0
    folder = tmp_path / "baseline"
    (folder / "manifest.json").write_text("garbage\n")
    window = ["--day", "3", "--from", "06:00", "--to", "07:10"]
    capsys.readouterr()
    assert main(["replay", scenario, *window, *sets, "--out", str(folder)]) == 2
    assert capsys.readouterr().err == (
        f"journeysim replay: error: argument --out: {folder} holds the results of another "
        "command, whose manifest and replay.html a replay would write over; give another --out\n"
    )
    assert (folder / "manifest.json").read_text() == "garbage\n"


def test_a_replay_of_the_day_s_customers_traces_what_tracing_everyone_does_for_them():
    # The report's re-run traces only the customers of the replayed day in the full run: their
    # visits' steps (the day's, and their others for their stories) as tracing every visit
    # gives them, and no one else's; a set that misses a visit of the day (another run's
    # customers) re-runs the day tracing everyone.
    scenario = small("terminal_outage", ("replications=1",))
    day = 3
    full = replays([scenario], day)[0]
    everyone = full.replication
    ran = run_scenario(scenario, Serial())
    customers = customers_of(ran.visits, day)
    (few,) = replays([scenario], day, customers=[customers])
    pd.testing.assert_frame_equal(few.replication.visits, everyone.visits)
    theirs = everyone.visits.loc[everyone.visits["customer_id"].isin(customers), "visit_id"]
    assert set(few.replication.traces) == set(theirs)
    assert len(few.replication.traces) < len(everyone.traces) / 2  # fewer steps held
    assert {v: few.replication.traces[v] for v in theirs} == {v: everyone.traces[v] for v in theirs}
    of_the_day = everyone.visits[everyone.visits["day"] == day]
    assert set(of_the_day["customer_id"]) == customers
    visit = int(of_the_day["visit_id"].iloc[0])
    assert tell(few.replication, scenario, visit=visit) == tell(everyone, scenario, visit=visit)
    (missed,) = replays([scenario], day, customers=[frozenset(list(customers)[1:])])
    assert missed.replication.traces == everyone.traces
