"""One run through `journeysim run`: the console's journey map, touchpoints.csv, the chart and
the report show the same numbers per measured visit, and those equal the traced touchpoints'
felt valence and effort divided by the measured visits. The `warmup` flag of visits and days
marks exactly the rows the KPIs leave out."""

from __future__ import annotations

import contextlib
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from journeysim.cli import main
from journeysim.report import plots
from journeysim.report.console import journey_map_rows
from journeysim.simulation import runner
from journeysim.simulation.replication import simulate

SCENARIO = Path(__file__).parent.parent / "scenarios" / "terminal_outage.yaml"
WARMUP, DAYS, REPS = 2, 2, 2
SMALL = [f"horizon.warmup_days={WARMUP}", "arrivals.base_customers=600", "horizon.burn_in_days=0"]
FELT = ["positive", "negative", "net", "effort", "touches_per_visit"]


class TableCells(HTMLParser):
    """The cell texts of one table of an HTML page, row by row (the header row has none)."""

    def __init__(self, text: str, id: str) -> None:
        super().__init__()
        self.id = id
        self.rows: list[list[str]] = []
        self._inside = self._cell = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self._inside = dict(attrs).get("id") == self.id
        elif self._inside and tag == "tr":
            self.rows.append([])
        elif self._inside and tag == "td":
            self.rows[-1].append("")
            self._cell = True

    def handle_endtag(self, tag):
        if tag == "table":
            self._inside = False
        if tag == "td":
            self._cell = False

    def handle_data(self, data):
        if self._cell:
            self.rows[-1][-1] += data


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    """Console text, result folder and the RunResult of one `journeysim run`."""
    out = tmp_path_factory.mktemp("out")
    results = []
    real = runner.run_scenario

    def keep(*args, **kwargs):
        results.append(real(*args, **kwargs))
        return results[-1]

    argv = ["run", str(SCENARIO), "--reps", str(REPS), "--days", str(DAYS), "--quiet"]
    argv += [*(a for s in SMALL for a in ("--set", s)), "--workers", "1", "--out", str(out)]
    console = io.StringIO()
    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(console):
        patch.setattr(runner, "run_scenario", keep)  # `run` imports it when it runs
        assert main(argv) == 0
    (result,) = results
    return console.getvalue(), out / "terminal_outage", result


@pytest.fixture(scope="module")
def csv(run):
    return pd.read_csv(run[1] / "touchpoints.csv")


def console_rows(text: str) -> list[list[str]]:
    """The journey map rows the terminal shows (after its heading and rule)."""
    lines = text.split("Journey map (", 1)[1].splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("---"))
    rows = []
    for line in lines[rule + 1 :]:
        if not line.strip():
            break
        rows.append(re.split(r"\s{2,}", line.strip()))  # "checkout wait" is one cell
    return rows


def test_console_shows_touchpoints_csv(run, csv):
    rows = console_rows(run[0])
    shown = csv[csv["touches"] > 0]
    assert [r[0] for r in rows] == [kind.replace("_", " ") for kind in shown["touchpoint"]]
    assert list(shown["net"]) == sorted(shown["net"])  # worst first
    for row, (_, kind) in zip(rows, shown.iterrows()):
        for cell, column in zip(row[1:4], ["positive", "negative", "net"]):
            assert float(cell) == pytest.approx(kind[column], abs=5e-4 + 1e-12)
        assert float(row[4].rstrip("%")) / 100 == pytest.approx(kind["effort_share"], abs=5e-3)
    visits = int(csv["visits"].iloc[0])
    assert f"per visit over {visits:,} measured visits" in run[0]


def test_report_table_is_the_console_table(run, csv):
    text = (run[1] / "report.html").read_text(encoding="utf-8")
    cells = TableCells(text, "journey-map-table").rows
    assert [row for row in cells if row] == console_rows(run[0])
    assert f"Per visit over {int(csv['visits'].iloc[0]):,} measured visits." in text


def test_chart_bars_are_touchpoints_csv(run, csv):
    result = run[2]
    pd.testing.assert_frame_equal(result.touchpoints, csv, check_exact=False, rtol=1e-12)
    ax = plots.journey_map(result.touchpoints).axes[0]
    names = [t.get_text().replace(" ", "_") for t in ax.get_yticklabels()]
    shown = csv[csv["touches"] > 0].set_index("touchpoint")
    assert names == list(shown.index)  # worst net at the bottom (y = 0)
    positive, negative = ax.containers
    for bars, column in ((positive, "positive"), (negative, "negative")):
        widths = {names[round(b.get_y() + b.get_height() / 2)]: b.get_width() for b in bars}
        assert widths == pytest.approx(shown[column].to_dict(), rel=1e-12)
    net = ax.collections[0].get_offsets()
    assert np.asarray(net[:, 0]) == pytest.approx(shown["net"].to_numpy(), rel=1e-12)


def test_per_visit_values_are_traced_tallies_over_measured_visits(run, csv):
    """Recomputed from every traced touchpoint of every replication, warm-up cut by day."""
    result = run[2]
    totals: dict[str, dict[str, float]] = {}
    measured = 0
    for r in range(REPS):
        rep = simulate(result.scenario, r, trace=True)
        mine = result.visits[result.visits["replication"] == r].drop(columns="replication")
        pd.testing.assert_frame_equal(rep.visits, mine.reset_index(drop=True))  # same run
        ids = rep.visits.loc[rep.visits["day"] >= WARMUP, "visit_id"]
        measured += len(ids)
        for step in (s for i in ids for s in rep.traces[i]):
            kind = totals.setdefault(step.kind, dict.fromkeys(["pos", "neg", "effort", "n"], 0.0))
            kind["pos" if step.felt >= 0 else "neg"] += step.felt
            kind["effort"] += step.effort
            kind["n"] += 1
    assert (csv["visits"] == measured).all()
    effort = sum(k["effort"] for k in totals.values())
    table = csv.set_index("touchpoint")
    assert set(table.index[table["touches"] > 0]) == set(totals)
    for name, kind in totals.items():
        row = table.loc[name]
        assert row["touches"] == kind["n"]
        expected = {
            "positive": kind["pos"] / measured,
            "negative": kind["neg"] / measured,
            "net": (kind["pos"] + kind["neg"]) / measured,
            "effort": kind["effort"] / measured,
            "touches_per_visit": kind["n"] / measured,
        }
        assert row[FELT].to_dict() == pytest.approx(expected, rel=1e-9, abs=1e-12)
        assert row["effort_share"] == pytest.approx(kind["effort"] / effort, rel=1e-9)


# The warm-up flag


def test_warmup_flag_marks_the_warmup_days(run):
    folder = run[1]
    visits = pd.read_parquet(folder / "visits.parquet")
    days = pd.read_csv(folder / "days.csv")
    for table in (visits, days):
        assert table["warmup"].dtype == bool
        assert (table["warmup"] == (table["day"] < WARMUP)).all()
        assert table["warmup"].any() and not table["warmup"].all()
    assert len(days) == REPS * (WARMUP + DAYS)


def test_kpis_over_rows_without_warmup_are_the_summary(run):
    """NPS, CSAT and visits per day over the unflagged rows, by hand, per replication."""
    folder = run[1]
    visits = pd.read_parquet(folder / "visits.parquet")
    days = pd.read_csv(folder / "days.csv")
    kpis = pd.read_csv(folder / "replications.csv").set_index("replication")
    summary = pd.read_csv(folder / "summary.csv").set_index("metric")["mean"]
    own = visits[~visits["warmup"]].groupby("replication")
    nps = 100 * (own["ltr"].apply(lambda s: (s >= 9).mean() - (s <= 6).mean()))
    assert nps.to_numpy() == pytest.approx(kpis["nps"].to_numpy(), rel=1e-12)
    assert nps.mean() == pytest.approx(summary["nps"], rel=1e-12)
    assert own["csat"].mean().mean() == pytest.approx(summary["csat"], rel=1e-12)
    assert own.size().mean() / DAYS == pytest.approx(summary["visits_per_day"], rel=1e-12)
    new = days[~days["warmup"]]["new_customers"].groupby(days["replication"]).mean()
    assert new.mean() == pytest.approx(summary["new_customers_per_day"], rel=1e-12)


def test_feelings_that_round_to_zero_have_no_sign():
    # A negative column's -0.0004 read "-0.000" and an untouched positive one "+0.000".
    touchpoints = pd.DataFrame(
        {
            "touchpoint": ["crowding", "staff"],
            "positive": [0.0, 0.0431],
            "negative": [-0.0004, -0.0427],
            "net": [-0.0004, 0.0004],
            "effort_share": [0.0, 0.3],
            "touches": [1.0, 1.0],
        }
    )
    rows = {row[0]: row[1:4] for row in journey_map_rows(touchpoints)}
    assert rows == {"crowding": ["0.000", "0.000", "0.000"], "staff": ["+0.043", "-0.043", "0.000"]}
