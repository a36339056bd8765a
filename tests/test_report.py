"""HTML reports: self-contained (every image a data URI), every KPI in the table, scenario
text escaped, and the traced example faithful to the run it illustrates."""

from __future__ import annotations

import base64
import io
import math
import re
import warnings
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from journeysim.report import plots, sweep_plots
from journeysim.report.animate import animate
from journeysim.report.bottom_line import provisional
from journeysim.report.comparison import (
    _per_year,
    magnitude,
    metric_text,
    signed,
    signed_interval,
)
from journeysim.report.console import setting_text, unit, unset_costs_text
from journeysim.report.history_text import compare_history_text, run_history_text
from journeysim.report.html import (
    compare_report,
    example_section,
    intervals,
    paired_examples,
    run_report,
    sweep_report,
)
from journeysim.report.html_blocks import fmt, interval, label
from journeysim.report.monitor import replay
from journeysim.report.replay import replays
from journeysim.report.scenario_table import customers_settings
from journeysim.report.trace import day_label, example_visit
from journeysim.scenario import load_scenario
from journeysim.scenario.loader import apply_overrides
from journeysim.simulation.executors import Serial
from journeysim.simulation.kpis import KPIS
from journeysim.simulation.payback import payback_text
from journeysim.simulation.replication import past
from journeysim.simulation.runner import run_scenario
from journeysim.study.compare import compare_scenarios
from journeysim.words import signed_number

SCENARIOS = Path(__file__).parent.parent / "scenarios"
OUTAGE_PAIR = ("baseline", "terminal_outage")
SMALL = [
    "horizon.warmup_days=2",
    "horizon.days=2",
    "replications=2",
    "arrivals.base_customers=600",
    "horizon.burn_in_days=0",
]
EVIL = "outage <script>alert('x')</script> & co"
# One measured day of a store nobody visits (no history, no customers, no newcomers).
EMPTY_DAY = [
    "horizon.days=1",
    "horizon.warmup_days=0",
    "horizon.burn_in_days=0",
    "arrivals.base_customers=0",
    "arrivals.new_per_day=0",
]


class Page(HTMLParser):
    """What a report is made of: image sources, KPI rows, scripts, external references."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.images: list[str] = []
        self.kpi_rows: list[str] = []
        self.cells: dict[str, list[str]] = {}  # data-kpi -> the row's cell texts
        self._row: list[str] | None = None
        self._in_cell = False
        self.scripts = 0
        self.external: list[str] = []
        self.tables: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "img":
            self.images.append(attrs["src"])
        if tag == "tr" and "data-kpi" in attrs:
            self.kpi_rows.append(attrs["data-kpi"])
            self._row = self.cells.setdefault(attrs["data-kpi"], [])
        if tag == "td" and self._row is not None:
            self._row.append("")
            self._in_cell = True
        if tag == "script":
            self.scripts += 1
        if tag == "table":
            self.tables.append(attrs.get("id", ""))
        for name in ("href", "src"):
            if name in attrs and not attrs[name].startswith("data:"):
                self.external.append(attrs[name])

    def handle_endtag(self, tag):
        if tag == "td":
            self._in_cell = False
        if tag == "tr":
            self._row = None

    def handle_data(self, data):
        if self._in_cell and self._row is not None:
            self._row[-1] += data


def decoded(src: str) -> Image.Image:
    header, _, data = src.partition(",")
    assert header in ("data:image/png;base64", "data:image/gif;base64")
    image = Image.open(io.BytesIO(base64.b64decode(data)))
    assert image.size[0] > 100 and image.size[1] > 100
    return image


@pytest.fixture(scope="module")
def result():
    scenario = load_scenario(SCENARIOS / "terminal_outage.yaml", [*SMALL, f"name={EVIL!r}"])
    return run_scenario(scenario, Serial())


@pytest.fixture(scope="module")
def report(result, tmp_path_factory):
    folder = tmp_path_factory.mktemp("run")
    gif = animate(replay(result.scenario, 3), 17 * 60, 17 * 60 + 6, frames=3)
    (folder / "floor_day3.gif").write_bytes(gif)
    path = run_report(result, folder)
    return path, path.read_text(encoding="utf-8")


def test_run_report_is_self_contained(report):
    path, text = report
    page = Page(text)
    assert page.external == []
    assert len(page.images) == 5  # KPIs over days, journey map, emotion curve, queue, GIF
    kinds = [decoded(src).format for src in page.images]
    assert kinds.count("GIF") == 1 and kinds.count("PNG") == 4
    for name in ("kpis_over_days.png", "journey_map.png"):
        assert (path.parent / name).stat().st_size > 10_000


def test_a_run_report_says_the_history_it_starts_from_and_what_its_intervals_leave_out(
    report, tmp_path
):
    """The console's line under a run's header names the history the run starts from; the
    report said nothing of it, nor that its 95% intervals do not measure another history (a
    run without a history says neither)."""
    short = [*SMALL[:-1], "horizon.burn_in_days=7", "arrivals.base_customers=300"]
    s = load_scenario(SCENARIOS / "baseline.yaml", short)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a history of 7 days is too short to settle: said
        result = run_scenario(s, Serial())
    history = run_history_text(s, past(s, warn=False))
    assert history.startswith("history: 7 days of this store before day 0")
    text = run_report(result, tmp_path, with_replay=False).read_text()
    kpis = text[text.index("<h2>KPIs") : text.index("kpi-table")]
    assert f"<p>{escape('H' + history[1:])}.</p>" in kpis  # as a sentence
    assert escape(f"from this one history (seed {s.seed}), not how far another") in kpis
    assert "repeat the run with two or three seeds (--seed)" in kpis
    assert "history" not in report[1][report[1].index("<h2>KPIs") :].split("kpi-table")[0]


def test_run_report_shows_every_kpi(report, result):
    page = Page(report[1])
    assert page.kpi_rows == list(KPIS)
    assert "kpi-table" in page.tables
    summary = result.summary.set_index("metric")
    for metric in KPIS:
        mean = summary.loc[metric, "mean"]
        assert page.cells[metric][:2] == [label(metric), fmt(metric, mean)]


def test_run_report_says_which_costs_are_0_for_being_unset(report, result):
    """The console and the compare report said "Not set, so 0: costs.investment, ..." while
    the run report showed "Outage cost per day 0" with no word of it."""
    unset = unset_costs_text([result.scenario])
    assert unset.startswith("Costs at 0 (unset or set to 0): ")
    money = report[1].index('id="money-table"')
    assert report[1].index(escape(unset)) > money


def test_run_report_escapes_scenario_text(report):
    text = report[1]
    assert "<script>alert" not in text
    assert "outage &lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp; co" in text
    # the report's own image check, and the replay's data and player (tests/test_replay.py)
    assert Page(text).scripts == 3


def test_run_report_tells_a_visit_that_met_the_outage(report, result):
    text = report[1]
    assert re.search(
        r"(All \d+ card terminals|Card terminal \d+[^<]*) down during this visit", text
    )
    assert "card refused" in text


def test_replay_reproduces_the_run(result):
    """The report's example comes from a shortened traced re-run: it must be the same visit."""
    again = replay(result.scenario, 3).replication.visits
    first = result.visits[result.visits["replication"] == 0]
    first = first[first["day"] <= 3]
    columns = ["visit_id", "customer_id", "remembered", "met_outage"]
    pd.testing.assert_frame_equal(
        again[columns].reset_index(drop=True), first[columns].reset_index(drop=True)
    )


def test_compare_report(tmp_path):
    scenarios = [
        load_scenario(SCENARIOS / f"{name}.yaml", SMALL) for name in ("baseline", "terminal_outage")
    ]
    comparison = compare_scenarios(scenarios, Serial())
    # The console's caveats reach the report too: the warnings under the bottom line, the
    # provisional clause of a scenario still moving and the costs left at 0 for being unset.
    warning = "terminal_outage: its difference in contribution per day is still moving: ..."
    halves = pd.DataFrame(
        {
            "scenario": ["terminal_outage"],
            "metric": ["contribution_per_day"],
            "first": [-10.0],
            "second": [-20.0],
        }
    )
    text = compare_report(
        comparison.table,
        comparison.scenarios,
        tmp_path,
        moving=halves,
        warnings=[warning],
    ).read_text()
    assert f"Warning: {escape(warning)}." in text
    assert escape(provisional(halves)) in text
    unset = unset_costs_text(comparison.scenarios)
    assert unset.startswith("Costs at 0 (unset or set to 0): ") and escape(unset) in text
    page = Page(text)
    assert set(KPIS) <= set(page.kpi_rows)
    assert page.external == []
    assert len(page.images) == 1 + 2 * 2  # differences; emotion curve and queue per scenario
    for src in page.images:
        decoded(src)
    assert "The same customer in baseline" in text
    assert "The same customer in terminal_outage" in text


def test_a_compare_report_says_whose_history_every_scenario_starts_from(tmp_path):
    """The console's line under the header says that every scenario starts from the first's
    history and that a what-if's customer base, which only the history reads, changes nothing
    there; the report left the line out, while its Scenarios table gave the what-if a customer
    base of its own ("customer base: 300 founders"), as if the comparison had run it."""
    short = [*SMALL[:-1], "horizon.burn_in_days=7"]
    scenarios = [
        load_scenario(SCENARIOS / "baseline.yaml", short),
        load_scenario(
            SCENARIOS / "understaffed_checkout.yaml", [*short, "arrivals.base_customers=300"]
        ),
    ]
    comparison = compare_scenarios(scenarios, Serial())
    history = compare_history_text(comparison.scenarios)
    assert history == (
        "history: baseline's 7 days before day 0 for every scenario, each changing it from day "
        "0; only the history reads understaffed_checkout's arrivals.base_customers, so it "
        "changes nothing"
    )
    text = compare_report(
        comparison.table, comparison.scenarios, tmp_path, with_replay=False
    ).read_text()
    bottom = text[text.index('id="bottom-line"') : text.index('id="scenario"')]
    assert f"<p>{escape('H' + history[1:])}.</p>" in bottom  # as a sentence
    # ... and what its 95% intervals, from this one history, leave out (README's "The store's
    # history": another seed's history moved the outage's difference by twice its interval)
    caveat = f"from this one history (seed {scenarios[0].seed}), not how far another history"
    assert escape(caveat) in bottom
    assert "repeat the comparison with two or three seeds (--seed)" in bottom


def test_sweep_report(tmp_path):
    rng = np.random.default_rng(3)
    runs = pd.DataFrame(
        [
            {"point": p, "checkout.cashiers": c, "replication": r}
            | {kpi: rng.normal() for kpi in KPIS}
            | {"contribution_per_day": 3000.0 + c}
            for p, c in enumerate((1, 2, 3))
            for r in range(2)
        ]
    )
    runs["csat"] += 3.0  # within 1..5, where the chart cuts its bars
    text = sweep_report(runs, ["checkout.cashiers"], tmp_path, kpis=("nps", "csat")).read_text()
    assert "Contribution per day (PLN)" in text and "3,003" in text  # money, as the console shows
    page = Page(text)
    assert page.external == []
    assert len(page.images) == 2  # one line per KPI against the single parameter
    for src in page.images:
        decoded(src)
    # a row per point, by its number as in the console and points.csv, then its value and runs
    rows = re.findall(r"<tr><td>(\d)</td><td>(\d)</td><td>(\d)</td>", text)
    assert rows == [("0", "1", "2"), ("1", "2", "2"), ("2", "3", "2")]
    assert "<th>point</th><th>checkout.cashiers</th><th>runs</th>" in text


def test_a_sobol_sweep_report_shows_the_indices_and_says_when_they_are_uncertain(tmp_path):
    """As the console prints them: the plotted KPIs' indices with their half-widths, and the
    warning when the half-widths exceed them; a grid's report has no such section."""
    rng = np.random.default_rng(4)
    keys = ["shelves.stockout_prob", "carts.worn_share"]
    runs = pd.DataFrame(
        [{"point": p, "replication": 0, keys[0]: rng.uniform(), keys[1]: rng.uniform()}
         | {"nps": rng.normal(), "csat": rng.normal()} for p in range(2 * (2 + 2))]
    )  # fmt: skip
    indices = pd.DataFrame(
        [
            ["nps", keys[0], 0.74, 1.06, 0.80, 0.20, 0.05],
            ["nps", keys[1], 0.20, 0.05, 0.25, 0.05, 0.05],
            ["csat", keys[0], 0.50, 0.10, 0.60, 0.10, 0.30],
            ["csat", keys[1], 0.30, 0.10, 0.35, 0.10, 0.30],
            ["ces", keys[0], 0.30, 0.10, 0.35, 0.10, 0.05],  # not plotted: not in the table
        ],
        columns=["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf", "noise_share"],
    )
    kpis = ("nps", "csat")
    text = sweep_report(runs, keys, tmp_path, kpis=kpis, indices=indices, samples=2).read_text()
    table = text[text.index('id="sobol-table"') :]
    rows = re.findall(r"<tr>((?:<td>[^<]*</td>)+)</tr>", table)
    assert [re.findall(r"<td>([^<]*)</td>", row)[:3] for row in rows] == [
        ["NPS", keys[0], "0.740"],
        ["NPS", keys[1], "0.200"],
        ["CSAT (1-5)", keys[0], "0.500"],
        ["CSAT (1-5)", keys[1], "0.300"],
    ]
    assert [re.findall(r"<td>([^<]*)</td>", row)[-1] for row in rows] == ["0.050"] * 2 + [
        "0.300"
    ] * 2
    assert "Warning: Sobol&#x27; indices uncertain: the 95% half-width exceeds" in text
    assert "2 base samples are too few" in text  # 8 points of 2 keys: N x (2 + 2)
    # CSAT's runs' own randomness is 30% of its means' variance: said beside it.
    assert "own randomness: it is more than a tenth of the variance of the per-point means " in text
    assert "(most: csat, 30%;" in text
    grid = sweep_report(runs, keys, tmp_path / "grid", kpis=("nps",)).read_text()
    assert 'id="sobol"' not in grid


def test_a_sweep_kpi_with_no_value_is_named_not_drawn_and_shares_read_in_percent(tmp_path):
    runs = pd.DataFrame(
        [
            {"point": p, "checkout.cashiers": c, "replication": r}
            | {"return_rate": np.nan, "share_of_wallet": 0.4 + 0.05 * c + 0.01 * r}
            for p, c in enumerate((1, 2, 3))
            for r in range(2)
        ]
    )
    kpis = ("return_rate", "share_of_wallet")
    text = sweep_report(runs, ["checkout.cashiers"], tmp_path, kpis=kpis).read_text()
    assert "Not drawn, n/a at every point: Return rate." in text
    assert len(Page(text).images) == 1  # an empty chart of the return rate was drawn before
    assert not (tmp_path / "return_rate_by_checkout.cashiers.png").exists()
    figure = sweep_plots.sweep_line(runs, "checkout.cashiers", "share_of_wallet")
    figure.canvas.draw()
    ax = figure.axes[0]
    assert ax.get_ylabel() == "Share of wallet (%)"
    ticks = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert ticks and all(t.endswith("%") for t in ticks)


def test_sweep_report_of_a_base_scenario_without_visits_says_no_visit_is_traced(tmp_path):
    """A base scenario whose first measured day has no visit (no customers, one day) still
    gets its report, with a plain note in place of the traced visit."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", EMPTY_DAY)
    runs = pd.DataFrame(
        [
            {"point": p, "checkout.cashiers": c, "replication": r, "nps": np.nan, "csat": np.nan}
            for p, c in enumerate((2, 3))
            for r in range(2)
        ]
    )
    text = sweep_report(runs, ["checkout.cashiers"], tmp_path, scenario, kpis=()).read_text()
    assert "A traced visit (base scenario)" in text
    assert "had no visit on day 0 (Mon), the first measured day, so no visit is traced" in text
    assert "Emotion curve" not in text


def test_a_sweep_reports_story_runs_on_through_the_return_window(tmp_path):
    """The sweep report's traced story stopped on its day ("The traced re-run ends on day 14"),
    where run and compare reports run on through the return window, to tell whether the
    customer came back: it does too."""
    scenario = load_scenario(SCENARIOS / "validation" / "mmc.yaml", ["horizon.days=30"])
    runs = pd.DataFrame(
        [
            {"point": p, "checkout.cashiers": c, "replication": r, "nps": 0.0}
            for p, c in enumerate((2, 3))
            for r in range(2)
        ]
    )
    text = sweep_report(runs, ["checkout.cashiers"], tmp_path, scenario, kpis=()).read_text()
    day = scenario.horizon.warmup_days + int(scenario.loyalty.return_window_days)
    assert f"The traced re-run ends on {day_label(day)}, so the customer" in text


def test_a_sweep_reports_story_is_of_the_day_it_names(tmp_path):
    """The story was picked from the whole replay, which runs on through the return window:
    a shopper who met an outage on day 3 was told under "day 0" beside day 0's queue chart."""
    scenario = load_scenario(
        SCENARIOS / "terminal_outage.yaml", ["horizon.warmup_days=0", "horizon.days=20"]
    )
    runs = pd.DataFrame(
        [
            {"point": p, "checkout.cashiers": c, "replication": r, "nps": 0.0}
            for p, c in enumerate((2, 3))
            for r in range(2)
        ]
    )
    text = sweep_report(runs, ["checkout.cashiers"], tmp_path, scenario, kpis=()).read_text()
    assert f"Replication 0 of terminal_outage, {day_label(0)}" in text
    told = re.search(r"\(visit id \d+\), (day \d+ \(\w+\))", text)
    assert told and told.group(1) == day_label(0)


@pytest.mark.parametrize(
    "counts, row, note",
    [
        ((2, 2), "2 x 1", None),
        ((3, 3), "3 x 1", "3 a point, the runs the KPI table holds, where this sweep asked for 2"),
        ((1, 2), "1 to 2 x 1", "where this sweep asked for 2: the others failed (runs.csv has "),
    ],
)
def test_a_sweep_report_gives_the_replications_its_table_holds(tmp_path, counts, row, note):
    """The base scenario's "Replications x days" gave the scenario's count (2) whatever the
    table held: 3 a point kept from an earlier, larger --reps, or fewer where runs failed."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["replications=2", *EMPTY_DAY])
    runs = pd.DataFrame(
        [
            {"point": p, "checkout.cashiers": c, "replication": r, "nps": np.nan}
            for p, (c, n) in enumerate(zip((2, 3), counts))
            for r in range(n)
        ]
    )
    text = sweep_report(runs, ["checkout.cashiers"], tmp_path, scenario, kpis=()).read_text()
    assert f"<td>Replications x days</td><td>{row} (after 0 warm-up days)" in text
    assert ("Replications: " in text) == (note is not None)
    assert note is None or note in text


@pytest.mark.parametrize(
    "order, way",
    [(("baseline", "terminal_outage"), "worse"), (("terminal_outage", "baseline"), "better")],
)
def test_the_paired_example_moves_the_way_the_day_moved_on_average(order, way):
    """The traced pair shows the change as most shoppers lived it: with the outage last, a
    customer who remembers the day worse; with it first, one who remembers it better (it once
    took the largest change either way, chance against the verdict included)."""
    scenarios = [load_scenario(SCENARIOS / f"{name}.yaml", SMALL) for name in order]
    first, _ = paired_examples(*replays(scenarios, 3))  # the outages start on day 3
    found = re.search(
        r"The (\d+) customers .*? remember it (\d\.\d{3}) (\w+) on average in (\w+) .*?: "
        r"(\d+) \((\d+)%\) remember it at least 0\.1 (\w+), (\d+) \((\d+)%\) at least 0\.1 "
        r"(\w+), the rest about the same\. This one, whose remembered score moved by "
        r"([-+]\d\.\d\d), shows the change most clearly, not a typical visit",
        first,
    )
    assert found, first
    n, average, said, name, moved, share, way_, against, share_against, other, change = (
        found.groups()
    )
    assert (said, name, way_) == (way, order[1], way) and float(average) > 0.01
    assert other == {"worse": "better", "better": "worse"}[way]
    assert int(moved) > int(against) and int(moved) + int(against) <= int(n)
    assert int(share) == round(100 * int(moved) / int(n))
    assert (float(change) < 0) == (way == "worse") and abs(float(change)) >= float(average)


@pytest.mark.parametrize(
    "settings, day",
    [
        (["horizon.days=2"], 14),
        (["horizon.warmup_days=10", *SMALL[1:]], 10),
    ],
)
def test_the_paired_example_tells_the_same_visit_of_the_customer_in_both(settings, day):
    """`compare baseline terminal_outage` told customer 2104's sixth visit since day 0 in
    baseline (9 items planned, no cash) beside their fifth in terminal_outage (5 items, cash
    in the wallet), unexplained: another visit's draws of chance. The pair is now the same
    visit of theirs (the same wallet), and a list that still differs, as loyalty moved the
    part of their shopping done here, says so."""
    scenarios = [load_scenario(SCENARIOS / f"{n}.yaml", settings) for n in OUTAGE_PAIR]
    reps = replays(scenarios, day)
    told = paired_examples(*reps)
    rows = []
    for rep, text in zip(reps, told):
        number, visit = re.search(r"Visit (\d+) of \d+ \(visit id (\d+)\)", text).groups()
        rows.append((number, rep.replication.visits.set_index("visit_id").loc[int(visit)]))
    (number_a, a), (number_b, b) = rows
    assert number_a == number_b and a["customer_id"] == b["customer_id"]
    assert a["has_cash"] == b["has_cash"]
    explained = f"They plan {b['planned_items']} items here, {a['planned_items']} in baseline"
    assert (explained in told[1]) == (a["planned_items"] != b["planned_items"])


def test_the_paired_example_of_a_recovery_change_is_a_visit_the_store_answered():
    """`compare baseline service_recovery` told customer 2827, who complained in baseline (a
    poor recovery) and not in service_recovery: nothing of the recovery shown. The pair is
    now one whose visit in service_recovery the store answered (here a follow-up call)."""
    names = ("baseline", "service_recovery")
    scenarios = [load_scenario(SCENARIOS / f"{n}.yaml", ["horizon.days=2"]) for n in names]
    reps = replays(scenarios, 14)
    told = paired_examples(*reps)[1]
    visit = int(re.search(r"Visit \d+ of \d+ \(visit id (\d+)\)", told)[1])
    answered = reps[1].replication.visits.set_index("visit_id").loc[visit, "recovery_quality"]
    assert not math.isnan(answered)
    assert "the store calls to follow up" in told or "the store's recovery is" in told


def test_compare_report_without_a_common_customer_says_no_visit_is_traced():
    """A compare whose scenarios share no customer on the first measured day (one has none)
    says so in place of the paired example (it dropped the section without a word)."""
    short = ["horizon.days=1", "horizon.warmup_days=0", "horizon.burn_in_days=0"]
    store = load_scenario(SCENARIOS / "baseline.yaml", [*short, "arrivals.base_customers=200"])
    empty = load_scenario(
        SCENARIOS / "baseline.yaml",
        [*short, "arrivals.base_customers=0", "arrivals.new_per_day=0", "name=empty"],
    )
    (text,) = paired_examples(*replays([store, empty], 0))
    assert "No customer who shopped on day 0 (Mon), the replayed day, in baseline also " in text
    assert "made the same visit of theirs that day in empty (replication 0), so no pair of " in text
    assert "Emotion curve" not in text


@pytest.mark.parametrize("through, told", [(5, True), (11, False)])
def test_a_story_cut_by_its_re_run_says_where_it_ends(through, told):
    """A compare report re-runs each scenario two weeks past the traced day: its story listed
    the customer's visits up to there as if they were all ("10 visits between day 2 and day
    28" of a 42-day run)."""
    mmc = load_scenario(SCENARIOS / "validation" / "mmc.yaml", ["horizon.days=10"])
    rep = replay(mmc, 3, through=through)  # the run has days 0 to 10 (a day of warm-up)
    html = example_section(rep, example_visit(rep.replication.visits, 3), "Example", (0, 24))
    ends = "The traced re-run ends on day 5 (Sat), so the customer&#x27;s later visits are not"
    assert (ends in html) == told


def test_the_queue_charts_caption_names_every_line_it_draws():
    """The caption said "Shoppers waiting at the checkout and carts left in the pool" of a
    chart that also draws the lanes open."""
    mmc = load_scenario(SCENARIOS / "validation" / "mmc.yaml", ["horizon.days=2"])
    rep = replay(mmc, 1)
    html = example_section(rep, example_visit(rep.replication.visits, 1), "Example", (0, 24))
    caption = html.split("<figcaption>")[-1].split("</figcaption>")[0].lower()
    top = plots.queue_and_terminals(rep.samples, rep.replication.terminal_log, 1).axes[0]
    drawn = [text.get_text() for text in top.get_legend().get_texts()]
    assert "lanes open" in drawn
    assert all(line in caption for line in drawn), (drawn, caption)


def test_the_same_customer_in_a_compare_report_is_the_same_person():
    """The paired example re-ran the second scenario from its own history, so "the same
    customer" was another person there (audit 26); compare runs both from the first's."""
    short = ["horizon.days=1", "horizon.warmup_days=0", "horizon.burn_in_days=28"]
    store = load_scenario(SCENARIOS / "baseline.yaml", [*short, "arrivals.base_customers=300"])
    kinder = apply_overrides(store, ["name=kinder", "staff.roles.cashier.friendliness=0.9"])
    a, b = (
        rep.replication.customers.set_index("customer_id") for rep in replays([store, kinder], 0)
    )
    history = a.index[a["joined_day"] < 0]
    assert len(history) > 100
    columns = ["segment", "joined_day"]
    pd.testing.assert_frame_equal(a.loc[history, columns], b.loc[history, columns])


@pytest.mark.parametrize(
    ("metric", "expected"),
    [
        ("contribution_per_day", "PLN a day"),  # "41.8 PLN" read as a total
        ("investment", "PLN"),
        ("mean_checkout_wait_min", "min"),
        ("nps", "points"),
        ("csat", ""),
        ("visits_per_day", ""),
    ],
)
def test_a_kpis_unit_is_the_one_its_label_names(metric: str, expected: str) -> None:
    assert unit(metric) == expected


def test_a_tolerance_is_shown_without_a_sign_and_a_setting_to_four_digits() -> None:
    assert magnitude("nps", 5.0) == "5.00" and magnitude("nps", -5.0) == "5.00"
    assert magnitude("return_rate", 0.02) == "2.00 pts"
    assert setting_text(0.4499283309865609) == "0.4499" and setting_text(3) == "3"
    assert setting_text(12_345.6) == "12,346"  # was 1.235e+04


def test_a_run_of_one_replication_claims_no_confidence_interval():
    """report.html said "Mean over 1 replication with 95% confidence intervals" above a table
    of "[-, -]"."""
    assert intervals(1) == "without confidence intervals (they take 2 replications or more)"
    assert intervals(2) == "with 95% confidence intervals"


def test_an_interval_without_a_mean_is_one_dash():
    # The compare report's payback row read "- [-, -]" in each scenario's column.
    assert interval("payback_days", math.nan, math.nan, math.nan) == "-"
    assert interval("nps", 30.0, 28.0, 32.0) == "+30.0 [+28.0, +32.0]"


def test_a_large_difference_has_no_spurious_decimal_and_its_bounds_are_written_alike():
    """Money differences read "-827,977.3 [-1,056,122.0, ...]" (audit 26): one more decimal
    than the metric's own format only below 1,000, and an interval's bounds follow its
    difference."""
    assert signed("customer_value", -827_977.3) == "-827,977"
    assert signed("wages_per_day", 1.44) == "+1.4"
    assert signed_interval("revenue_per_day", -1_200.4, -1_743.2, -657.6) == (
        "-1,200 [-1,743, -658]"
    )
    assert signed_interval("nps", -15.4, -19.5, -11.3) == "-15.40 [-19.50, -11.30]"


def test_a_bound_that_is_not_zero_never_reads_as_zero():
    """A share of wallet read "+0.18 pts [+0.00 pts, +0.35 pts] *", wages "-0.6 [-1.2, -0.0] *":
    an interval marked as excluding 0 with an end written as 0. Such an end gets the decimals
    its first digit needs; an exact zero reads +0.0, never -0.0."""
    assert signed_interval("share_of_wallet", 0.0018, 0.00003, 0.0035) == (
        "+0.18 pts [+0.003 pts, +0.35 pts]"
    )
    assert signed_interval("wages_per_day", -0.6, -1.2, -0.004) == "-0.6 [-1.2, -0.004]"
    assert signed("wages_per_day", -0.0) == "+0.0"
    assert signed("wages_per_day", -0.06) == "-0.1"  # has a digit in its own decimals
    assert signed("nps", 3e-9) == "+0.000000003"  # up to nine decimals
    assert signed("nps", 1e-300) == "+0.00"  # past them, a zero's rounding (below)


def test_a_difference_that_is_a_zero_rounded_reads_as_zero_in_its_own_decimals():
    """Service recovery's online rating, the same in each pair's sum, differed by the mean of
    paired differences that cancel, 1.48e-16: compare printed "+0.000000000 [-0.106, +0.106]"
    (--reps 3), nine decimals of nothing in a column of three."""
    assert signed_interval("rating", 1.4802973661668753e-16, -0.106122, 0.106122) == (
        "+0.000 [-0.106, +0.106]"
    )
    assert signed("share_of_wallet", -2e-17) == "+0.00 pts"  # nor -0.00
    assert signed("abandonment_rate", -2e-17) == "+0.00 pts"
    assert signed("revenue_per_day", -3.6e-12) == "+0.0"
    assert signed_number(-1e-17, 0) == "+0" and signed_number(-0.4, 0) == "-0.4"


def test_money_a_year_never_reads_minus_zero():
    """The yearly figures beside a day's difference were written with "+,.0f", which reads
    a rounding below zero (a contribution that cancels, -1e-16 a day) as "-0" PLN a year."""
    assert _per_year(-1e-13) == "+0" and _per_year(-1234.6) == "-1,235"
    unclear = payback_text(0.0, -1e-16, -5.0, 5.0, math.nan, 42.0)
    assert unclear.endswith("no clear difference: +0 PLN a year [-1,825, +1,825]")


def test_a_metric_without_a_format_of_its_own_reads_plainly():
    # Receipts per opening hour have no label: "[0.08052, 28.67]" and "1.064e+04" before.
    hourly = "receipts_weekend_h1000"
    assert [metric_text(hourly, v) for v in (0.08052, 28.67, 10640.0)] == [
        "0.0805",
        "28.7",
        "10,640",
    ]
    assert (signed(hourly, -4.5), magnitude(hourly, -12345.0)) == ("-4.5", "12,345")


def test_the_scenario_table_names_founders_and_newcomers_not_the_customers_it_ends_with():
    """The settings are where customers come from; the KPIs' active and new customers differ
    (the history and word of mouth move them), so the table must not read as a count of them."""
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    assert customers_settings(baseline) == (
        "customer base: 2,500 founders 728 days before day 0 (the store's history); "
        "8 newcomers a day before word of mouth and the rating"
    )
    no_history = apply_overrides(baseline, ["horizon.burn_in_days=0"])
    assert "2,500 founders on day 0" in customers_settings(no_history)
    open_mode = load_scenario(SCENARIOS / "validation" / "mmc.yaml")
    assert customers_settings(open_mode).startswith("open: one-off shoppers, ")


def test_a_run_report_repeats_the_warnings_the_console_printed(tmp_path, capsys):
    """report.html said nothing of the short history and the short warm-up that `run` warned
    of on the console. It repeats every warning about the results, and only those: a warning
    about the machine (memory, the history cache) stays on the console. Here 300 customers
    see too few leave in 56 days of history and in 21 days of run for a lifetime (two
    warnings whatever the draws; a warm-up warning comes with some seeds)."""
    from journeysim.cli import main

    small = ["arrivals.base_customers=300", "horizon.burn_in_days=56", "horizon.days=21"]
    small += ["horizon.warmup_days=0", "replications=2"]
    sets = [arg for setting in small for arg in ("--set", setting)]
    options = ["--workers", "1", "--quiet", "--no-replay", "--out", str(tmp_path)]
    assert main(["run", str(SCENARIOS / "baseline.yaml"), *sets, *options]) == 0
    printed = [
        line.removeprefix("journeysim: warning: ") for line in capsys.readouterr().err.splitlines()
    ]
    assert any("days of history (horizon.burn_in_days)" in text for text in printed)
    assert any("customer lifetime and lifetime margin are n/a" in text for text in printed)
    (report,) = tmp_path.glob("*/report.html")
    shown = set(re.findall(r"<p>Warning: (.*?)\.</p>", report.read_text()))
    for text in printed:
        # the run's own short-horizon warnings are shown without the file that names the run
        assert escape(text) in shown or escape(text.split(": ", 1)[1]) in shown, text


def test_a_warning_about_the_machine_is_printed_but_left_out_of_reports(capsys):
    from journeysim.cli import _OneLineWarnings
    from journeysim.scenario.errors import ScenarioWarning
    from journeysim.simulation.footprint import MemoryWarning

    shown = _OneLineWarnings()
    shown("the run may need 30 GB", MemoryWarning, "footprint.py", 1)
    shown("an empty scenario file", ScenarioWarning, "loader.py", 1)
    shown("an empty scenario file", ScenarioWarning, "loader.py", 1)
    assert capsys.readouterr().err.count("journeysim: warning: ") == 2
    assert shown.about_results == ["an empty scenario file"]
