"""Every plot kind renders to a projector-sized PNG that is not blank, from real runs."""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
from pathlib import Path

import matplotlib.colors
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from PIL import Image
from scipy import stats

from journeysim.journey.shopper import Step
from journeysim.report import plots, sweep_plots
from journeysim.report.console import fmt
from journeysim.report.monitor import replay
from journeysim.report.selection_plot import BEYOND, STATUS, smore_plot
from journeysim.report.trace import pick_visits
from journeysim.scenario import load_scenario
from journeysim.simulation.executors import Serial
from journeysim.simulation.measure import METRICS
from journeysim.simulation.ranges import metric_range
from journeysim.simulation.runner import run_scenario
from journeysim.simulation.summary import mean_ci
from journeysim.study.selection import parse_constraint

SCENARIOS = Path(__file__).parent.parent / "scenarios"
# All terminals down 17:00-18:30 every day from day 3: day 3 is the last of four days.
SMALL = [
    "horizon.warmup_days=2",
    "horizon.days=2",
    "replications=2",
    "arrivals.base_customers=600",
    "horizon.burn_in_days=0",
]


@pytest.fixture(scope="module")
def result():
    return run_scenario(load_scenario(SCENARIOS / "terminal_outage.yaml", SMALL), Serial())


@pytest.fixture(scope="module")
def day(result):
    return replay(result.scenario, 3)


def rendered(fig) -> Image.Image:
    """The figure as a PNG image, checked to be of the promised size and not blank."""
    data = plots.png(fig)
    assert data.startswith(b"\x89PNG")
    image = Image.open(io.BytesIO(data))
    assert image.size == plots.SIZE_PX == (1600, 900)
    grey = np.asarray(image.convert("L"))
    assert (grey < 200).mean() > 0.01, "the plot is (almost) blank"
    return image


def test_emotion_curve_marks_peak_and_end(day):
    visit_id = pick_visits(day.replication, "outage")[0]
    steps = day.replication.traces[visit_id]
    fig = plots.emotion_curve(steps, "an outage visit")
    rendered(fig)
    marks = [t.get_text() for t in fig.axes[0].texts if t.get_text().startswith(("peak", "end"))]
    valence = [s.valence for s in steps]
    assert marks == [f"peak {max(valence, key=abs):+.2f}", f"end {valence[-1]:+.2f}"]
    # A mark below zero is labelled below its point, off the line falling into it (audit 28).
    for mark in fig.axes[0].texts:
        if mark.get_text().startswith(("peak", "end")) and mark.xy[1] < 0:
            assert mark.xyann[1] < 0, mark.get_text()
    # The legend keys both colours of the bars (it showed only the lifted one's, audit 26).
    legend = fig.axes[0].get_legend()
    keys = {text.get_text(): handle for text, handle in zip(legend.texts, legend.legend_handles)}
    (bars,) = fig.axes[0].containers
    lifted = {tuple(b.get_facecolor()) for b, s in zip(bars, steps) if s.felt >= 0}
    lowered = {tuple(b.get_facecolor()) for b, s in zip(bars, steps) if s.felt < 0}
    assert lifted == {tuple(keys["felt at the touchpoint: lifted"].get_facecolor())}
    assert lowered == {tuple(keys["lowered"].get_facecolor())}


def test_a_felt_bar_beyond_one_is_drawn_whole(day):
    """Valence stays within -1..1, but what one touchpoint makes felt may not (a payment at a
    dead terminal felt -1.48 was cut at the axis, audit 28)."""
    steps = day.replication.traces[pick_visits(day.replication, "outage")[0]]
    strong = [dataclasses.replace(steps[-1], felt=-1.8), *steps]
    low, high = plots.emotion_curve(strong).axes[0].get_ylim()
    assert low < -1.8 and high > 1.8
    low, high = plots.emotion_curve(steps[:3]).axes[0].get_ylim()  # room for the mood at 1
    assert low <= -1.45 and high >= 1.45


def visit(valences: list[float]) -> list[Step]:
    """A made-up visit with these moods, a touchpoint a minute from 7:00 on day 14."""
    places = ["entrance", "fresh", "aisles", "chilled", "checkout", "exit"]
    return [
        Step(
            time=14 * 1440 + 420 + i,
            place=places[min(i * len(places) // len(valences), len(places) - 1)],
            kind="floor",
            what="",
            quality=0.0,
            expectation=0.0,
            felt=0.05,
            effort=0.0,
            valence=v,
        )
        for i, v in enumerate(valences)
    ]


@pytest.mark.parametrize(
    "valences",
    [
        [0.28, -0.1, -0.1, -0.09, 0.0, 0.05, 0.1, 0.15, 0.2, 0.2, 0.25, 0.26] * 2,  # peak first
        [0.1, 0.12, 0.2, 0.3, 0.35, 0.4, 0.41, 0.4],  # peak beside the end
        [-0.1, -0.2, -0.3, -0.5, -0.7, -0.95],  # the end is the peak, low down
        [0.9],  # one touchpoint
    ],
)
def test_emotion_curve_notes_stay_inside_the_axes_and_apart(valences):
    """The peak's note sat left of a peak at the first touchpoint, over the y label ("peak
    +0.28" on "Mood (valence, -1 .. +1)"), and the end's right of the last, off the axes."""
    fig = plots.emotion_curve(visit(valences), "made up")
    rendered(fig)
    ax = fig.axes[0]
    frame = ax.get_window_extent()
    notes = [t for t in ax.texts if t.get_text().startswith(("peak", "end"))]
    assert len(notes) == 2
    boxes = [Text.get_window_extent(note) for note in notes]
    for note, box in zip(notes, boxes):
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, note.get_text()
        assert frame.y0 <= box.y0 and box.y1 <= frame.y1, note.get_text()
        assert not box.overlaps(ax.yaxis.label.get_window_extent()), note.get_text()
        assert not box.overlaps(ax.get_legend().get_window_extent()), note.get_text()
    assert not boxes[0].overlaps(boxes[1])


def test_emotion_curve_names_the_felt_bars_and_keeps_its_notes_legible():
    """The y axis read "Mood (valence, -1 .. +1)" over felt bars down to -1.5, and the mood line
    falling into a peak at the last but one touchpoint crossed out the end's note beside it."""
    steps = visit([0.1, 0.15, 0.2, 0.2, -1.0, -1.0])
    steps[4] = dataclasses.replace(steps[4], felt=-1.48)
    fig = plots.emotion_curve(steps, "made up")
    rendered(fig)
    ax = fig.axes[0]
    assert "felt (bars)" in ax.get_ylabel() and ax.get_ylim()[0] < -1.48
    notes = [t for t in ax.texts if t.get_text().startswith(("peak", "end"))]
    assert len(notes) == 2
    for note in notes:  # on a white box over every line, the arrow starting at its edge
        box = note.get_bbox_patch()
        assert box is not None and matplotlib.colors.to_rgb(box.get_facecolor()) == (1, 1, 1)
        assert box.get_alpha() >= 0.8
        assert all(line.get_zorder() < note.get_zorder() for line in ax.lines)


def test_journey_map_has_a_bar_pair_per_touchpoint_kind(result):
    fig = plots.journey_map(result.touchpoints)
    rendered(fig)
    kinds = (result.touchpoints["touches"] > 0).sum()
    assert len(fig.axes[0].patches) == 2 * kinds  # positive and negative bar per kind


def test_the_journey_maps_effort_column_stands_beside_the_plot_not_on_its_scale(result):
    """The effort shares are a column right of the plot: the feeling axis spans the bars
    alone, symmetric about 0 (it ran to +0.3 with nothing there, audit 28)."""
    ax = plots.journey_map(result.touchpoints).axes[0]
    touched = result.touchpoints[result.touchpoints["touches"] > 0]
    span = max(touched["positive"].max(), -touched["negative"].min())
    low, high = ax.get_xlim()
    assert high == pytest.approx(-low) == pytest.approx(1.1 * span)
    shares = [text for text in ax.texts if text.get_text().endswith("of effort")]
    assert len(shares) == len(touched)
    assert all(text.get_position()[0] > 1.0 for text in shares)  # x in axes fraction


def test_kpis_over_days_overlays_scenarios(result):
    other = dataclasses.replace(
        result, scenario=result.scenario.model_copy(update={"name": "the same again"})
    )
    fig = plots.kpis_over_days([result, other])
    rendered(fig)
    names = [text.get_text() for text in fig.legends[0].get_texts()]
    assert names == ["terminal_outage", "the same again"]
    # Days as the scenario numbers them (its outage day, the report's "days W to N"), not
    # counted again from the end of the warm-up.
    nps = fig.axes[1].lines[0].get_xdata()
    assert nps.min() == result.scenario.horizon.warmup_days
    assert nps.max() == result.scenario.total_days - 1


def test_daily_kpis_leave_out_the_warm_up(result):
    table = plots.daily_kpis(result)
    assert table["day"].min() == 2
    assert set(table["replication"]) == {0, 1}
    assert table["nps"].between(-100, 100).all()


def test_daily_kpis_are_the_visits_and_days_of_each_measured_day():
    # The chart's series, from the run's daily tables, against the visits and days themselves:
    # NPS from each day's likelihood to recommend, the return rate from each visit's next visit
    # of the same customer (none within the window past the horizon's end: unknown), and the
    # active customers the days table counted. (A 1-day window, so that 3 of the 4 measured
    # days have a known return rate.)
    settings = [*SMALL, "horizon.days=4", "loyalty.return_window_days=1"]
    result = run_scenario(load_scenario(SCENARIOS / "terminal_outage.yaml", settings), Serial())
    s = result.scenario
    table = plots.daily_kpis(result).set_index(["replication", "day"]).sort_index()
    visits = result.visits.sort_values(["replication", "customer_id", "day", "arrival_min"])
    time = visits["day"] * 1440.0 + visits["arrival_min"]
    window = s.loyalty.return_window_days * 1440.0
    same = visits["customer_id"].eq(visits["customer_id"].shift(-1)) & visits["replication"].eq(
        visits["replication"].shift(-1)
    )
    back = (same & (time.shift(-1) - time <= window)).astype(float)
    back[time + window > s.total_days * 1440.0] = np.nan
    measured = visits.assign(back=back)[visits["day"] >= s.horizon.warmup_days]
    by_day = measured.groupby(["replication", "day"])
    promoters, detractors = (
        by_day["ltr"].apply(lambda x: (x >= 9).mean()),
        by_day["ltr"].apply(lambda x: (x <= 6).mean()),
    )
    expected = pd.DataFrame(
        {"nps": 100.0 * (promoters - detractors), "return_rate": by_day["back"].mean()}
    )
    days = result.days[result.days["day"] >= s.horizon.warmup_days]
    active = days.set_index(["replication", "day"])["active_customers"].sort_index()
    assert table.index.equals(active.index)  # every measured day of every replication
    pd.testing.assert_series_equal(table["active_customers"], active.astype(float))
    joined = table.join(expected, rsuffix="_expected", how="left")
    for kpi in ("nps", "return_rate"):
        assert joined[kpi].notna().sum() >= 6, kpi  # 3 or 4 days of 2 replications
        np.testing.assert_allclose(joined[kpi], joined[f"{kpi}_expected"], atol=1e-9, err_msg=kpi)


def test_compare_differences():
    differences = pd.DataFrame(
        {
            "scenario": ["b", "b", "c", "c"],
            "metric": ["nps", "return_rate", "nps", "return_rate"],
            "diff": [5.0, -0.02, -3.0, 0.01],
            "diff_ci_low": [2.0, -0.03, -7.0, -0.01],
            "diff_ci_high": [8.0, -0.01, 1.0, 0.03],
        }
    )
    fig = plots.compare_differences(differences)
    rendered(fig)
    titles = [ax.get_title() for ax in fig.axes if ax.get_visible()]
    assert titles == ["NPS", "Return rate (points)"]  # shares are drawn in percentage points


@pytest.mark.parametrize("scenarios", [2, 3, 5])
def test_compare_panel_titles_never_run_into_each_other(scenarios):
    """Every metric of a comparison against 1, 2 and 4 scenarios: each panel's title fits
    above its own panel ("Customer lifetime (discounted" ran into "Customer base lifetime
    margin" with three scenarios, the more so the more scenarios named the rows)."""
    names = ["terminal_outage", "dirty_floor", "understaffed_checkout", "effortless_checkout"]
    rng = np.random.default_rng(4)
    rows = [
        {"scenario": name, "metric": metric, "diff": mean, "diff_ci_low": mean - 1.0,
         "diff_ci_high": mean + 1.0}
        for name in names[: scenarios - 1]
        for metric in METRICS
        if metric != "payback_days"
        for mean in [rng.normal(0.0, 3.0) * 10.0 ** rng.integers(0, 6)]
    ]  # fmt: skip
    fig = plots.compare_differences(pd.DataFrame(rows), reference="baseline")
    rendered(fig)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) >= 18
    titles = [ax.title.get_window_extent() for ax in panels]
    for ax, title in zip(panels, titles):
        frame = ax.get_window_extent()
        assert frame.x0 - 0.5 <= title.x0 and title.x1 <= frame.x1 + 0.5, ax.get_title()
    for i, a in enumerate(titles):
        for j in range(i + 1, len(titles)):
            assert not a.overlaps(titles[j]), (panels[i].get_title(), panels[j].get_title())
    wrapped = {ax.get_title().replace("\n", " "): ax.get_title() for ax in panels}
    assert wrapped["Customer lifetime (discounted days)"] == "Customer lifetime\n(discounted days)"


@pytest.mark.parametrize("scenarios", [3, 9])
def test_scenario_names_of_a_comparison_panel_never_overlap(scenarios):
    """All eight what-ifs against the baseline (with every metric: six rows of panels): their
    names, in the lettering of two, ran into one another down each panel's side. Crowded
    panels name them smaller."""
    names = [f"what_if_number_{i}" for i in range(scenarios - 1)]
    rows = [
        {"scenario": name, "metric": metric, "diff": 1.0, "diff_ci_low": 0.5, "diff_ci_high": 1.5}
        for name in names
        for metric in METRICS
        if metric != "payback_days"
    ]
    fig = plots.compare_differences(pd.DataFrame(rows), reference="baseline")
    rendered(fig)
    first = fig.axes[0]
    labels = [label.get_window_extent() for label in first.get_yticklabels()]
    assert [label.get_text() for label in first.get_yticklabels()] == names
    for above, below in zip(labels, labels[1:]):  # a glyph fills about 3/4 of its label's box
        assert abs(above.y0 - below.y0) >= 0.75 * above.height, (above, below)


def test_a_title_is_wrapped_into_even_lines():
    assert plots._balanced("Customer lifetime (discounted days)", 30) == (
        "Customer lifetime\n(discounted days)"
    )
    assert plots._balanced("Revenue per day (PLN)", 30) == "Revenue per day (PLN)"
    assert plots._balanced("NPS", 2) == "NPS"  # a word is never broken


def customer_value_panel(mean: float, low: float, high: float):
    """The drawn panel of one customer-value difference with its 95% CI."""
    differences = pd.DataFrame(
        {"metric": ["customer_value"], "diff": [mean], "diff_ci_low": [low], "diff_ci_high": [high]}
    )
    fig = plots.compare_differences(differences)
    rendered(fig)
    (ax,) = [ax for ax in fig.axes if ax.get_visible()]
    return ax


def test_a_money_difference_is_titled_with_its_unit_and_ticked_without_an_offset():
    ax = customer_value_panel(-14.5e6, -15.5e6, -13.5e6)
    assert ax.get_title().replace("\n", " ") == "Customer base lifetime margin, before costs (PLN)"
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(t.endswith(" M") or t == "0" for t in ticks)
    assert ax.xaxis.get_offset_text().get_text() == ""  # no "1e7" in the corner


def test_thousands_are_ticked_in_thousands():
    # -770,621 PLN [-861,224, -680,020] was ticked "-75 k" (divided by 10,000, not 1,000).
    ax = customer_value_panel(-770_621.0, -861_224.0, -680_020.0)
    ticks = {t.get_text(): t.get_position()[0] for t in ax.get_xticklabels() if t.get_text()}
    scale = {"k": 1e3, "M": 1e6}
    for text, position in ticks.items():  # each label reads back as its tick's value
        number, _, suffix = text.partition(" ")
        assert float(number.replace(",", "")) * scale.get(suffix, 1.0) == pytest.approx(position)
    assert len(ticks) >= 3
    texts = [plots.tick_text(v) for v in (14.5e6, 250_000.0, -10_000.0, 9_999.0, 0.25)]
    assert texts == ["14.5 M", "250 k", "-10 k", "9,999", "0.25"]


def test_a_comparison_panel_ticks_thousands_with_separators_as_the_table_writes_them():
    """A contribution of -4,335 PLN [-5,100, -3,600] was ticked "-4500, -3000, -1500"."""
    ax = customer_value_panel(-4_335.0, -5_100.0, -3_600.0)
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert len(ticks) >= 3 and all(re.fullmatch(r"-?\d{1,3}(,\d{3})*", t) for t in ticks), ticks
    assert any(abs(int(t.replace(",", ""))) >= 1000 for t in ticks), ticks


@pytest.mark.parametrize(
    ("kpi", "values", "expected"),
    [
        ("revenue_per_day", [41_000.0, 47_500.0], " k"),  # fit.png's revenue read "46000"
        ("return_rate", [0.82, 0.91], "%"),
    ],
)
def test_a_kpi_axis_ticks_shares_in_percent_and_large_numbers_in_thousands(kpi, values, expected):
    fig = plots.figure()
    ax = fig.subplots()
    ax.plot([0, 1], values)
    plots.label_axis(ax.yaxis, kpi)
    fig.canvas.draw()
    texts = [t.get_text() for t in ax.get_yticklabels() if t.get_text()]
    assert len(texts) >= 3 and all(text.endswith(expected) for text in texts), texts
    assert ax.yaxis.get_offset_text().get_text() == ""


@pytest.mark.parametrize("largest", [20_000.0, -900_000.0])
def test_an_axis_ticks_every_number_in_the_unit_of_its_largest_shown(largest):
    """An investment of 20,000 PLN was ticked "0, 6000, 12 k, 18 k", and wages "9500, 10 k";
    a tick beyond the axis's end must not set the unit ("-0.4 M" on an axis to -900 k)."""
    fig = plots.figure()
    ax = fig.subplots()
    ax.plot([0, 1], [0.0, largest])
    plots.label_axis(ax.yaxis, "investment")
    fig.canvas.draw()
    ticks = {t.get_text(): t.get_position()[1] for t in ax.get_yticklabels() if t.get_text()}
    assert any(0 < abs(value) < 10_000 for value in ticks.values()) or largest < 0, ticks
    for text, value in ticks.items():
        assert text.endswith(" k") or value == 0, ticks
        number = text.removesuffix(" k").replace(",", "")
        assert float(number) * (1e3 if value else 1) == pytest.approx(value)


def sweep_runs() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    rows = [
        {
            "point": 2 * (lanes - 1) + c,
            "lanes": lanes,
            "cash": cash,
            "replication": r,
            "nps": 10 * lanes - 20 * cash + rng.normal(),
        }
        for lanes in (1, 2, 3)
        for c, cash in enumerate((0.2, 0.5))
        for r in range(3)
    ]
    return pd.DataFrame(rows)


def test_a_sweep_line_ticks_a_parameter_in_thousands_with_separators():
    """A rent swept from 1,500 to 4,500 PLN was ticked "1500 ... 4500"."""
    runs = sweep_runs().assign(rent=lambda t: 1500.0 * t["lanes"])
    fig = sweep_plots.sweep_line(runs, "rent", "nps")
    rendered(fig)
    ticks = [t.get_text() for t in fig.axes[0].get_xticklabels() if t.get_text()]
    assert len(ticks) >= 3 and all(re.fullmatch(r"\d{1,3}(,\d{3})*", t) for t in ticks), ticks
    assert any("," in t for t in ticks), ticks


def test_sweep_line_follows_the_means():
    runs = sweep_runs()
    fig = sweep_plots.sweep_line(runs, "lanes", "nps")
    rendered(fig)
    line = fig.axes[0].lines[0]
    expected = runs.groupby("lanes")["nps"].mean()
    assert np.allclose(line.get_ydata(), expected.to_numpy())
    ticks = [t for t in fig.axes[0].get_xticks() if 1 <= t <= 3]
    assert ticks and all(t % 1 == 0 for t in ticks)  # lanes come whole: no 1.5 lanes


def test_sweep_line_draws_points_not_a_ci_where_other_keys_vary():
    """cash moves NPS by 6 points at every lane count: not noise, so no CI band pooling it
    (audit 25); each point of the design is a dot."""
    runs = sweep_runs()
    alone = sweep_plots.sweep_line(runs[runs["cash"] == 0.2], "lanes", "nps", ["cash"])
    assert len(alone.axes[0].collections) == 2  # the band and bars: cash does not vary here
    fig = sweep_plots.sweep_line(runs, "lanes", "nps", ["cash"])
    rendered(fig)
    (dots,) = fig.axes[0].collections
    expected = runs.groupby("point")[["lanes", "nps"]].mean().to_numpy()
    assert np.allclose(dots.get_offsets(), expected)
    assert "dots: each point, with cash varied too" in fig.axes[0].get_title()


def test_sweep_charts_place_text_values_in_their_order_and_name_them():
    """--vary checkout.service_time.dist=gamma,lognormal (or of mappings, as the docs show)
    raised "could not convert string to float: 'gamma'" drawing the report."""
    runs = sweep_runs()
    runs["dist"] = runs["lanes"].map({1: "lognormal", 2: "gamma", 3: "{dist: fixed}"})
    fig = sweep_plots.sweep_line(runs[runs["cash"] == 0.2], "dist", "nps", ["cash"])
    rendered(fig)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lognormal", "gamma", "{dist: fixed}"]
    expected = runs[runs["cash"] == 0.2].groupby("lanes")["nps"].mean()  # in the design's order
    assert np.allclose(ax.lines[0].get_ydata(), expected.to_numpy())
    assert "difference from lognormal," in ax.get_title().replace("\n", " ")
    failed = pd.DataFrame({"dist": ["gamma"], "cash": [0.5]})
    heat = sweep_plots.sweep_heatmap(runs, "dist", "cash", "nps", "grid", failed)
    rendered(heat)
    ax = heat.axes[0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["lognormal", "gamma", "{dist: fixed}"]
    (cross,) = [line for line in ax.lines if line.get_marker() == "x"]
    assert (cross.get_xdata()[0], cross.get_ydata()[0]) == (1.0, 0.5)  # gamma's column


def test_sweep_line_bars_show_the_paired_difference_the_bands_hide():
    """The points share random numbers: a replication's luck (sd 5) moves every point alike,
    so each point's own band overlaps the others' while the difference from the first value
    (2 points a lane, sd 0.3 a replication) is clear; the bars are the paired 95% CI of that
    difference drawn around each mean, so a bar misses the first mean (dashed) exactly when
    the CI excludes 0."""
    rng = np.random.default_rng(1)
    luck = rng.normal(0.0, 5.0, size=4)
    rows = [
        {"point": i, "lanes": lanes, "replication": r, "nps": 30 + 2 * i + luck[r]}
        for i, lanes in enumerate((2, 3, 4))
        for r in range(4)
    ]
    runs = pd.DataFrame(rows)
    runs["nps"] += rng.normal(0.0, 0.3, size=len(runs))
    ax = sweep_plots.sweep_line(runs, "lanes", "nps").axes[0]
    by_run = runs.pivot(index="replication", columns="lanes", values="nps")
    for lanes, (bottom, top) in zip((3, 4), (s[:, 1] for s in ax.collections[1].get_segments())):
        _, low, high, _ = mean_ci((by_run[lanes] - by_run[2]).to_numpy())
        assert (bottom, top) == pytest.approx((by_run[2].mean() + low, by_run[2].mean() + high))
        assert bottom > by_run[2].mean()  # clear: the bar misses the dashed line
    band = plots.mean_band(runs, "lanes", "nps")
    assert band["low"].iloc[1] < band["high"].iloc[0]  # while the bands overlap
    (dashed,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert dashed.get_ydata()[0] == pytest.approx(by_run[2].mean())


@pytest.mark.parametrize("kpi, level, bound", [("return_rate", 0.97, 1.0), ("csat", 1.03, 1.0)])
def test_sweep_line_bars_stay_within_the_kpis_range(kpi, level, bound):
    """A paired difference's CI drawn about a mean near a bound ran past it (a return rate
    above 100%, a CSAT below 1) while the band stopped there: the bars are cut at the bound,
    and the title says so; cut, a bar still crosses the dashed line as the CI crosses 0."""
    rng = np.random.default_rng(3)
    rows = [
        {"point": i, "lanes": lanes, "replication": r, kpi: level + rng.normal(0.0, 0.03)}
        for i, lanes in enumerate((2, 3))
        for r in range(3)
    ]
    runs = pd.DataFrame(rows)
    by_run = runs.pivot(index="replication", columns="lanes", values=kpi)
    diff, low, high, _ = mean_ci((by_run[3] - by_run[2]).to_numpy())
    mean, start, end = by_run[3].mean(), *metric_range(kpi)
    uncut = np.array([mean - diff + low, mean - diff + high])
    assert uncut[0] < start or uncut[1] > end  # the CI passes the bound
    ax = sweep_plots.sweep_line(runs, "lanes", kpi).axes[0]
    ((bottom, top),) = (segment[:, 1] for segment in ax.collections[1].get_segments())
    assert start <= bottom <= mean <= top <= end and bound in (bottom, top)
    assert (bottom, top) == pytest.approx(np.clip(uncut, start, end))
    assert (bottom <= by_run[2].mean() <= top) == (low <= 0.0 <= high)
    assert f"cut at {fmt(kpi, bound)}, the KPI's bound" in ax.get_title().replace("\n", " ")


def test_sweep_line_bars_within_range_are_not_said_to_be_cut():
    ax = sweep_plots.sweep_line(sweep_runs()[lambda r: r["cash"] == 0.2], "lanes", "nps").axes[0]
    assert "bars: paired" in ax.get_title() and "cut at" not in ax.get_title()


def test_sweep_line_draws_no_bar_where_the_kpi_is_n_a():
    """A return window as long as the run leaves a point without a return rate: no paired
    difference, so no bar (pivoting dropped the empty column: KeyError)."""
    rows = [
        {"point": i, "window": w, "replication": r, "return_rate": 0.9 + 0.01 * r if i else np.nan}
        for i, w in enumerate((2.0, 1.0))
        for r in range(2)
    ]
    ax = sweep_plots.sweep_line(pd.DataFrame(rows), "window", "return_rate").axes[0]
    assert len(ax.collections) == 1 and "bars" not in ax.get_title()  # the band alone


def test_a_long_sweep_title_stays_inside_the_picture():
    """Two long keys made the title run off both edges (audit 25): it wraps instead."""
    runs = sweep_runs().rename(
        columns={"lanes": "checkout.service_time.mean_min", "cash": "payment.terminal_mtbf_hours"}
    )
    for fig in (
        sweep_plots.sweep_line(
            runs, "checkout.service_time.mean_min", "nps", ["payment.terminal_mtbf_hours"]
        ),
        sweep_plots.sweep_heatmap(
            runs, "checkout.service_time.mean_min", "payment.terminal_mtbf_hours", "nps"
        ),
    ):
        rendered(fig)
        title = fig.axes[0].title.get_window_extent()
        assert title.x0 >= 0 and title.x1 <= fig.bbox.x1 and title.y1 <= fig.bbox.y1


def test_sweep_heatmap_shows_the_mean_of_each_cell():
    runs = sweep_runs()
    fig = sweep_plots.sweep_heatmap(runs, "lanes", "cash", "nps")
    rendered(fig)
    (mesh,) = fig.axes[0].collections
    expected = runs.pivot_table(index="cash", columns="lanes", values="nps", aggfunc="mean")
    assert np.allclose(mesh.get_array(), expected.to_numpy())


def test_a_sweep_line_of_one_whole_number_left_ticks_whole_numbers():
    """Lane counts of 1 and 3 whose 1 failed left one value, ticked 2.80, 2.85, ..., 3.20."""
    runs = sweep_runs()
    fig = sweep_plots.sweep_line(runs[(runs["lanes"] == 3) & (runs["cash"] == 0.2)], "lanes", "nps")
    fig.draw_without_rendering()  # one dot: too little ink for rendered()
    ticks = fig.axes[0].get_xticks()
    assert 3 in ticks and all(tick % 1 == 0 for tick in ticks)


def test_a_sweep_point_whose_runs_all_failed_is_crossed_at_the_foot_of_the_line():
    """A point whose runs all failed (1 lane: the checkout could not keep up) was left out of
    the line without a word."""
    runs = sweep_runs()
    runs = runs[(runs["lanes"] == 3) & (runs["cash"] == 0.2)]
    failed = pd.DataFrame({"point": [0], "lanes": [1], "cash": [0.2]})
    fig = sweep_plots.sweep_line(runs, "lanes", "nps", failed=failed)
    fig.draw_without_rendering()
    ax = fig.axes[0]
    (cross,) = [line for line in ax.lines if line.get_label() == "all runs failed"]
    assert list(cross.get_xdata()) == [1] and cross.get_marker() == "x"
    (legend,) = fig.legends  # below the plot, where no point lies (inside it could cover one)
    assert [t.get_text() for t in legend.get_texts()] == ["all runs failed"]
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())
    assert ax.get_xlim()[0] < 1 < 3 < ax.get_xlim()[1]
    assert all(tick % 1 == 0 for tick in ax.get_xticks())


def test_sweep_charts_ring_a_point_some_of_whose_runs_failed_at_the_mean_of_the_rest():
    """Two tills failing in one run of two: their point was drawn as any other, the mean of
    the run that finished (the luckier one) the best contribution of the line."""
    runs = sweep_runs()
    kept = runs[~((runs["point"] == 2) & (runs["replication"] == 0))]  # lanes 2, cash 0.2
    fig = sweep_plots.sweep_line(kept[kept["cash"] == 0.2], "lanes", "nps", partial={2})
    rendered(fig)
    ax = fig.axes[0]
    (ring,) = [c for c in ax.collections if c.get_label() == sweep_plots.PARTIAL]
    rest = kept.loc[kept["point"] == 2, "nps"].mean()
    assert ring.get_offsets().tolist() == [[2.0, pytest.approx(rest)]]
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [sweep_plots.PARTIAL]
    heat = sweep_plots.sweep_heatmap(kept, "lanes", "cash", "nps", partial={2})
    rendered(heat)
    (ring,) = [c for c in heat.axes[0].collections if c.get_label() == sweep_plots.PARTIAL]
    assert ring.get_offsets().tolist() == [[2.0, 0.2]]  # the cell of lanes 2, cash 0.2
    assert [t.get_text() for t in heat.legends[0].get_texts()] == [sweep_plots.PARTIAL]


def test_a_sweep_heatmap_crosses_the_cell_of_a_point_whose_runs_all_failed():
    """Its cell was blank, as a combination the design did not run; a failed row or column
    vanished with its tick."""
    runs = sweep_runs()
    gone = (runs["lanes"] == 1) & (runs["cash"] == 0.5)
    failed = runs[gone].drop_duplicates("point")[["point", "lanes", "cash"]]
    fig = sweep_plots.sweep_heatmap(runs[~gone], "lanes", "cash", "nps", failed=failed)
    rendered(fig)
    ax = fig.axes[0]
    (cross,) = [line for line in ax.lines if line.get_label() == "all runs failed"]
    assert (list(cross.get_xdata()), list(cross.get_ydata())) == ([1.0], [0.5])
    (mesh,) = ax.collections
    assert mesh.get_array().mask.sum() == 1  # the failed cell alone is blank
    assert [t.get_text() for t in fig.legends[0].get_texts()] == ["all runs failed"]


def test_sweep_heatmap_colours_do_not_stretch_noise_into_contrast():
    """Return rates of 89.4% and 90.0% with CIs of about +-3.5 points were drawn deepest purple
    and bright yellow (audit 26): the colours span at least a cell's 95% CI, while an effect
    larger than the noise still spans the whole scale."""
    rng = np.random.default_rng(5)
    noisy = pd.DataFrame(
        {
            "lanes": np.repeat([2, 3, 4, 2, 3, 4], 4),
            "cash": np.repeat([0.4, 0.4, 0.4, 0.65, 0.65, 0.65], 4),
            "return_rate": 0.897 + rng.normal(0.0, 0.02, 24),
        }
    )
    fig = sweep_plots.sweep_heatmap(noisy, "lanes", "cash", "return_rate")
    rendered(fig)
    (mesh,) = fig.axes[0].collections
    means = noisy.groupby(["lanes", "cash"])["return_rate"].mean()
    widths = noisy.groupby(["lanes", "cash"])["return_rate"].agg(
        lambda cell: 2 * stats.t.ppf(0.975, len(cell) - 1) * cell.std() / np.sqrt(len(cell))
    )
    assert mesh.norm.vmax - mesh.norm.vmin == pytest.approx(widths.median())
    assert mesh.norm.vmax - mesh.norm.vmin > 1.5 * (means.max() - means.min())
    assert (mesh.norm.vmin + mesh.norm.vmax) / 2 == pytest.approx((means.max() + means.min()) / 2)
    clear = sweep_plots.sweep_heatmap(sweep_runs(), "lanes", "cash", "nps")
    (mesh,) = clear.axes[0].collections
    cells = sweep_runs().groupby(["lanes", "cash"])["nps"].mean()
    assert (mesh.norm.vmin, mesh.norm.vmax) == pytest.approx((cells.min(), cells.max()))


def test_sweep_heatmap_cells_lie_where_their_values_are():
    """Uneven values get cells reaching halfway to their neighbours, and a combination the
    design did not run stays blank rather than closing the gap."""
    runs = pd.DataFrame(
        {"lanes": [1, 2, 4, 1, 2], "cash": [0.2, 0.2, 0.2, 0.8, 0.8], "nps": [1.0, 2, 3, 4, 5]}
    )
    fig = sweep_plots.sweep_heatmap(runs, "lanes", "cash", "nps")
    rendered(fig)
    (mesh,) = fig.axes[0].collections
    corners = mesh.get_coordinates()  # (rows + 1, columns + 1, 2): x, y of every corner
    assert np.allclose(corners[0, :, 0], [0.5, 1.5, 3.0, 5.0])
    assert np.allclose(corners[:, 0, 1], [-0.1, 0.5, 1.1])
    shown = mesh.get_array()
    assert shown[1, 2] is np.ma.masked  # lanes 4 with cash 0.8 never ran
    assert [shown[0, 2], shown[1, 1]] == [3.0, 5.0]
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["1", "2", "4"]


def test_sweep_heatmap_writes_its_numbers_as_the_tables_do():
    """Revenue of 36,512 PLN read "3.65e+04" in its cell (audit 25): cells are written as
    the console writes the KPI, the colour bar and a parameter's ticks without exponents."""
    runs = pd.DataFrame(
        {
            "lanes": [1, 2, 1, 2],
            "rent": [1500.0, 1500.0, 2500.0, 2500.0],
            "revenue_per_day": [36_512.0, 38_020.0, 35_007.0, 41_250.0],
        }
    )
    fig = sweep_plots.sweep_heatmap(runs, "lanes", "rent", "revenue_per_day")
    rendered(fig)
    ax, bar = fig.axes
    assert sorted(t.get_text() for t in ax.texts) == ["35,007", "36,512", "38,020", "41,250"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["1,500", "2,500"]
    shown = [t.get_text() for t in bar.get_yticklabels() if t.get_text()]
    assert shown and all("e" not in text for text in shown)
    assert plots.tick_text(36_512.0, 3) == "36.5 k" and plots.tick_text(1234.4, 3) == "1,234"


def test_sweep_heatmap_bins_a_continuous_design_evenly_keeping_empty_bins():
    """Values spread over 0-1 with none in (0.25, 0.8): the empty bins stay in place."""
    low = np.linspace(0.0, 0.25, 10)
    high = np.linspace(0.8, 1.0, 10)
    x = np.concatenate([low, high])
    runs = pd.DataFrame({"a": x, "b": x[::-1], "nps": x})
    fig = sweep_plots.sweep_heatmap(runs, "a", "b", "nps")
    rendered(fig)
    (mesh,) = fig.axes[0].collections
    assert np.allclose(mesh.get_coordinates()[0, :, 0], np.linspace(0.0, 1.0, 9))
    filled = ~np.ma.getmaskarray(mesh.get_array())
    assert filled.any(axis=0).tolist() == [True, True, False, False, False, False, True, True]


# The user's sweep (baseline, --design lhs --samples 8, shelves.stockout_prob=0.02:0.15,
# checkout.cashiers=2:5, --reps 2): each point's values and mean NPS.
LHS_POINTS = [
    (0.05624, 5, 45.7),
    (0.04128, 2, 43.1),
    (0.1429, 4, 23.7),
    (0.1302, 3, 25.8),
    (0.09768, 4, 34.5),
    (0.1017, 5, 33.5),
    (0.02577, 3, 53.0),
    (0.07688, 2, 34.3),
]
STOCKOUT, CASHIERS = "shelves.stockout_prob", "checkout.cashiers"


def lhs_runs() -> pd.DataFrame:
    """Two runs a point, 0.4 NPS points either side of the point's mean."""
    rows = [
        {"point": p, STOCKOUT: s, CASHIERS: c, "replication": r, "nps": nps + (0.4 if r else -0.4)}
        for p, (s, c, nps) in enumerate(LHS_POINTS)
        for r in range(2)
    ]
    return pd.DataFrame(rows)


def mesh_edges(ax) -> tuple[np.ndarray, np.ndarray]:
    (mesh,) = ax.collections
    corners = mesh.get_coordinates()
    return corners[0, :, 0], corners[:, 0, 1]


def labels_overlap(labels, axis: str) -> bool:
    boxes = [t.get_window_extent() for t in labels if t.get_text()]
    spans = sorted((b.x0, b.x1) if axis == "x" else (b.y0, b.y1) for b in boxes)
    return any(after[0] < before[1] for before, after in zip(spans, spans[1:]))


def linear_rgb(colour) -> np.ndarray:
    """An sRGB colour's linear RGB (light, before the display's gamma)."""
    c = np.asarray(matplotlib.colors.to_rgb(colour))
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def contrast(first, second) -> float:
    """WCAG contrast ratio of two colours."""
    light, dark = sorted(
        [float(linear_rgb(c) @ [0.2126, 0.7152, 0.0722]) for c in (first, second)], reverse=True
    )
    return (light + 0.05) / (dark + 0.05)


# What a reader without working green (deuteranopia) or red (protanopia) cones sees of a linear
# RGB colour: Machado, Oliveira and Fernandes (2009), severity 1.0, the worst case of the
# red-green colour blindness of about 8% of men (the milder forms see in between).
COLOUR_BLIND = {
    "deuteranopia": np.array(
        [
            [0.367322, 0.860646, -0.227968],
            [0.280085, 0.672501, 0.047413],
            [-0.01182, 0.04294, 0.968881],
        ]
    ),
    "protanopia": np.array(
        [
            [0.152286, 1.052583, -0.204868],
            [0.114503, 0.786281, 0.099216],
            [-0.003882, -0.048116, 1.051998],
        ]
    ),
}
SRGB_TO_XYZ = np.array(
    [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
)
D65 = np.array([0.95047, 1.0, 1.08883])
OLD_GREEN = "#1a9850"  # better's colour before: green, which readers also take for good


def delta_e(first, second, seen: str = "") -> float:
    """CIE76 difference (Euclidean in CIELAB; 2.3 is just noticeable) of two sRGB colours as a
    reader with the `seen` colour blindness (a COLOUR_BLIND key; "": none) sees them."""

    def lab(colour) -> np.ndarray:
        linear = linear_rgb(colour)
        if seen:
            linear = np.clip(COLOUR_BLIND[seen] @ linear, 0.0, 1.0)
        xyz = SRGB_TO_XYZ @ linear / D65
        f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
        return np.array([116.0 * f[1] - 16.0, 500.0 * (f[0] - f[1]), 200.0 * (f[1] - f[2])])

    return float(np.linalg.norm(lab(first) - lab(second)))


def test_verdict_and_scenario_colours_read_for_red_green_colour_blind_readers():
    """Better and worse stay far apart, and each verdict colour apart from the others, as a
    red-green colour-blind reader sees them; the green and red better and worse were could
    not. No scenario colour looks like red or green, which would read as worse or better."""
    better, worse = plots.VERDICT_COLOURS["better"], plots.VERDICT_COLOURS["worse"]
    judged = [*plots.VERDICT_COLOURS.values(), plots.MONEY_PART]
    for seen in COLOUR_BLIND:
        # Better and worse must be told apart at a glance, in thin bars and at the emotion
        # curve's 45% opacity, so by hue, not by a step in lightness alone: over 40, more than a
        # third of the 107-114 a typical reader sees between them. Blue and red keep 98
        # (deuteranopia) and 74 (protanopia); green and red kept 26 and 20, their lightness step.
        assert delta_e(better, worse, seen) > 40
        assert delta_e(OLD_GREEN, worse, seen) < 40
        # Each bar is matched to one of four keys in the legend: 20, well past noticeable.
        for first, second in itertools.combinations(judged, 2):
            assert delta_e(first, second, seen) > 20, (seen, first, second)
    # Another colour name, not a shade of red or green: the palette's old red and green were 3
    # and 21 from them, its orange is 38 from red.
    for colour in plots.SCENARIO_COLOURS:
        assert min(delta_e(colour, worse), delta_e(colour, OLD_GREEN)) > 30, colour
    # A compare of three scenarios keeps its lines apart for a colour-blind reader too.
    for first, second in itertools.combinations(plots.SCENARIO_COLOURS[:3], 2):
        assert min(delta_e(first, second, seen) for seen in COLOUR_BLIND) > 40, (first, second)


def assert_cell_labels_fit(ax) -> None:
    """Every number written in a cell lies inside that cell and reads on its colour."""
    (mesh,) = ax.collections
    xs, ys = mesh_edges(ax)
    values = mesh.get_array()
    for text in ax.texts:
        x, y = text.get_position()
        col, row = np.searchsorted(xs, x) - 1, np.searchsorted(ys, y) - 1
        (x0, y0), (x1, y1) = np.sort(
            ax.transData.transform([(xs[col], ys[row]), (xs[col + 1], ys[row + 1])]), axis=0
        )
        box = text.get_window_extent()
        assert x0 < box.x0 and box.x1 < x1 and y0 < box.y0 and box.y1 < y1, text.get_text()
        background = mesh.cmap(mesh.norm(values[row, col]))
        assert contrast(text.get_color(), background) >= 4.5, text.get_text()


def test_sweep_heatmap_bins_an_lhs_design_in_equal_cells():
    """The user's 8-point LHS sweep had 8 distinct values per axis, so it was drawn as a grid
    of 8 uneven columns (0.0977 and 0.102 a sliver apart): its values fall in equal bins with
    round edges, and its whole-numbered cashiers get a cell each."""
    runs = lhs_runs()
    fig = sweep_plots.sweep_heatmap(runs, STOCKOUT, CASHIERS, "nps")
    rendered(fig)
    ax = fig.axes[0]
    xs, ys = mesh_edges(ax)
    assert np.allclose(xs, np.arange(0.02, 0.161, 0.02))
    assert np.allclose(ys, [1.5, 2.5, 3.5, 4.5, 5.5])
    shown = fig.axes[0].collections[0].get_array()
    assert shown[3, 1] == pytest.approx(45.7)  # 5 cashiers, stockout 0.04-0.06
    assert shown[2, 3] == pytest.approx(34.5) and shown[3, 4] == pytest.approx(33.5)
    assert np.ma.getmaskarray(shown).sum() == 4 * 7 - 8  # every point in a cell of its own
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks[0] == "0.02" and ticks[-1] == "0.16"  # ticked at the bins' edges
    assert "in each bin" in ax.get_title()


def test_sweep_heatmap_labels_keep_their_sign_inside_their_cells_and_ticks_apart():
    """ "+33.5" was written white across a cell narrower than itself, its "+" on the white
    outside, so that it read "-33.5"; "+34.5" was cut to "+34."; the ticks 0.0977 and 0.102
    ran together. Every label now lies inside its cell, in black or white as reads on it."""
    fig = sweep_plots.sweep_heatmap(lhs_runs(), STOCKOUT, CASHIERS, "nps")
    rendered(fig)
    ax = fig.axes[0]
    assert sorted(t.get_text() for t in ax.texts) == sorted(
        f"{nps:+.1f}" for _, _, nps in LHS_POINTS
    )
    assert_cell_labels_fit(ax)
    assert not labels_overlap(ax.get_xticklabels(), "x")
    assert not labels_overlap(ax.get_yticklabels(), "y")


def test_sweep_heatmap_gives_a_grid_too_close_for_its_ticks_even_cells():
    """A grid's values 0.0977, 0.102 and 0.11 beside 0.3, 0.5 and 1: cells where the values
    lie would be slivers with labels on top of each other, so each value gets an even cell,
    every tick labelled and every number inside its cell."""
    values = [0.0977, 0.102, 0.11, 0.3, 0.5, 1.0]
    runs = pd.DataFrame(
        [
            {"a": a, "lanes": lanes, "replication": r, "nps": 100 * a - 40 + 3 * lanes + r}
            for a in values
            for lanes in (1, 2, 3)
            for r in range(2)
        ]
    )
    fig = sweep_plots.sweep_heatmap(runs, "a", "lanes", "nps")
    rendered(fig)
    ax = fig.axes[0]
    xs, ys = mesh_edges(ax)
    assert np.allclose(np.diff(xs), np.diff(xs)[0])
    assert np.allclose(ys, [0.5, 1.5, 2.5, 3.5])  # lanes fit their ticks: where they lie
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0.0977", "0.102", "0.11", "0.3"] + [
        "0.5",
        "1",
    ]
    assert not labels_overlap(ax.get_xticklabels(), "x")
    assert len(ax.texts) == 18
    assert_cell_labels_fit(ax)


def test_sweep_heatmap_leaves_out_tick_labels_that_would_meet():
    """40 values of a grid in 1600 pixels: every other label, none touching."""
    values = np.round(np.linspace(0.0101, 0.4, 40), 4)
    runs = pd.DataFrame([{"a": a, "b": b, "nps": 50 * a + b} for a in values for b in (1.0, 2.0)])
    fig = sweep_plots.sweep_heatmap(runs, "a", "b", "nps", design="grid")
    rendered(fig)
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert not labels_overlap(fig.axes[0].get_xticklabels(), "x")
    assert labels[0] == "0.0101" and 10 <= sum(map(bool, labels)) < 40
    assert_cell_labels_fit(fig.axes[0])


def test_the_design_decides_whether_values_are_binned():
    """A grid of 13 values a key was binned for having more than 12 values, and an lhs
    design of 8 points drawn as a grid for having fewer: a grid (every combination of its
    values run) keeps a cell per value however many, an lhs or sobol design is binned, and
    a kind given decides."""
    values = np.arange(1.0, 14.0)
    grid = pd.DataFrame([{"a": a, "b": b, "nps": a + b} for a in values for b in (0.1, 0.3)])
    fig = sweep_plots.sweep_heatmap(grid, "a", "b", "nps")
    assert np.allclose(mesh_edges(fig.axes[0])[0], np.arange(0.5, 14.0))
    fig = sweep_plots.sweep_heatmap(lhs_runs(), STOCKOUT, CASHIERS, "nps", design="grid")
    assert len(mesh_edges(fig.axes[0])[0]) == 8 + 1  # a cell per value, as asked
    three = pd.DataFrame({"a": [0.1, 0.25, 0.9], "b": [0.5, 0.1, 0.3], "nps": [1.0, 2.0, 3.0]})
    fig = sweep_plots.sweep_heatmap(three, "a", "b", "nps", design="lhs")
    assert np.allclose(mesh_edges(fig.axes[0])[0], np.linspace(0.1, 0.9, 9))  # round edges


def test_sweep_line_of_an_lhs_design_draws_its_points_without_a_line():
    """Each of the 8 points has its own cashiers: a line through them zig-zagged like a
    trend. Each point is a dot, no line joins them."""
    runs = lhs_runs()
    for parameter, other in ((STOCKOUT, CASHIERS), (CASHIERS, STOCKOUT)):
        fig = sweep_plots.sweep_line(runs, parameter, "nps", [other])
        rendered(fig)
        ax = fig.axes[0]
        assert all(len(line.get_xdata()) <= 1 for line in ax.lines), parameter
        (dots,) = ax.collections
        expected = runs.groupby("point")[[parameter, "nps"]].mean().to_numpy()
        assert np.allclose(dots.get_offsets(), expected)
        assert f"each dot a point of the design, mean over its runs, {other} varied too" in (
            ax.get_title().replace("\n", " ")
        )


def test_sweep_line_of_a_larger_lhs_design_adds_the_mean_of_each_bin():
    """64 points: a bar across each of 8 equal bins at the mean of the points in it."""
    rng = np.random.default_rng(3)
    a = (rng.permutation(64) + rng.random(64)) / 64
    runs = pd.DataFrame(
        {"point": range(64), "a": a, "b": rng.permutation(a), "nps": 40 * a + rng.normal(size=64)}
    )
    fig = sweep_plots.sweep_line(runs, "a", "nps", ["b"], design="lhs")
    rendered(fig)
    ax = fig.axes[0]
    assert not [line for line in ax.lines if len(line.get_xdata()) > 1]
    dots, bars = ax.collections
    segments = bars.get_segments()
    assert len(segments) == 8
    for segment in segments:
        (x0, y), (x1, _) = segment
        assert x1 - x0 == pytest.approx(0.125)
        inside = runs[(runs["a"] > x0) & (runs["a"] <= x1) | (runs["a"] == x0)]
        assert y == pytest.approx(inside["nps"].mean())
    assert "bars: the mean of the points in each bin" in ax.get_title().replace("\n", " ")


def test_sweep_line_of_a_one_key_lhs_design_gives_each_point_its_ci():
    runs = pd.DataFrame(
        [
            {"point": p, "a": a, "replication": r, "nps": 10 * a + r}
            for p, a in enumerate((0.13, 0.41, 0.27, 0.88))
            for r in range(3)
        ]
    )
    fig = sweep_plots.sweep_line(runs, "a", "nps", design="lhs")
    rendered(fig)
    ax = fig.axes[0]
    (errors,) = ax.containers
    low, high = errors.lines[1]  # the caps below and above each point
    assert np.allclose(np.sort(low.get_xdata()), [0.13, 0.27, 0.41, 0.88])
    assert np.allclose(high.get_ydata() - low.get_ydata(), 2 * stats.t.ppf(0.975, 2) / 3**0.5)
    assert all(line.get_linestyle() == "None" for line in ax.lines)


def test_queue_and_terminals_over_the_outage_day(day):
    fig = plots.queue_and_terminals(day.samples, day.replication.terminal_log, 3, (300, 1380))
    rendered(fig)
    # The legend stands below the title, not beside it where a long title ran into it.
    (legend,) = [child.get_legend() for child in fig.axes if child.get_legend()]
    assert legend.get_window_extent().y1 <= fig._suptitle.get_window_extent().y0
    assert [t.get_text() for t in legend.get_texts()] == [
        "shoppers waiting",
        "lanes open",
        "carts in the pool",
    ]
    samples = day.samples.set_index("time")
    terminals = [c for c in samples.columns if c.startswith("terminal:")]
    assert not samples.loc[3 * 1440 + 17 * 60 + 30, terminals].any()  # 17:30: all down
    assert samples.loc[3 * 1440 + 16 * 60, terminals].all()  # 16:00: all up


def test_the_smore_plot_colours_each_box_by_its_scenario_selected_feasible_or_infeasible():
    """The box, not only the thin CI bar, says which scenario was selected (blue), which were
    feasible (sand), undecided (sand hatched: it was drawn and named "feasible", though
    selection.csv leaves its check empty), undecided with its whole CI beyond a limit (grey
    hatched: a review read sand as feasible) and which broke a constraint (grey), and the
    legend names each once."""
    names = ["a", "b", "c", "d", "e"]
    rng = np.random.default_rng(2)
    replications = pd.DataFrame(
        {"scenario": np.repeat(names, 5), "csat": rng.normal(3.9, 0.05, 25)}
    )
    met = pd.array([True, True, False, None, None], dtype="boolean")
    table = pd.DataFrame(
        {
            "scenario": names,
            "csat_mean": [3.9, 3.95, 3.8, 3.85, 3.8],
            "csat_ci_low": [3.85, 3.9, 3.75, 3.8, 3.75],
            "csat_ci_high": [3.95, 4.0, 3.85, 3.9, 3.85],
            "abandonment_rate_mean": [0.02, 0.02, 0.05, 0.03, 0.046],
            "abandonment_rate_ci_low": [0.01, 0.01, 0.04, 0.025, 0.0402],
            "abandonment_rate_ci_high": [0.03, 0.03, 0.06, 0.035, 0.0519],
            "met[abandonment_rate<=0.03]": met,
            "selected": [False, True, False, False, False],
        }
    )
    constraints = [parse_constraint("abandonment_rate<=0.03")]
    fig = smore_plot(replications, table, "csat", 0.02, constraints)
    ax = fig.axes[0]
    boxes = [(bars.get_label(), bars.patches[0]) for bars in ax.containers]
    statuses = ("feasible", "selected", "infeasible", "undecided", BEYOND)
    assert [(status, matplotlib.colors.to_hex(box.get_facecolor())) for status, box in boxes] == [
        (status, STATUS[status][1]) for status in statuses
    ]
    assert [bool(box.get_hatch()) for _, box in boxes] == [False, False, False, True, True]
    (legend,) = fig.legends
    assert [text.get_text() for text in legend.get_texts()] == [
        "selected",
        "feasible",
        "undecided",
        BEYOND,
        "infeasible",
        "indifference zone",
    ]
    # Below the plot, not over it: inside, "best" placed it over a lowest whisker (a review).
    rendered(fig)
    assert not legend.get_window_extent().overlaps(ax.get_window_extent())


def test_the_smore_plot_writes_infeasible_above_the_ci_bar():
    """With five replications the CI of the mean may reach past their range: "infeasible",
    written at the range's top, sat on the thick CI bar."""
    replications = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, "nps": [40, 50, 45] * 2})
    table = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            "nps_mean": [45.0, 45.0],
            "nps_ci_low": [32.6, 32.6],
            "nps_ci_high": [57.4, 57.4],
            "met[csat>=4]": [False, True],
            "selected": [False, True],
        }
    )
    ax = smore_plot(replications, table, "nps", 1.0).axes[0]
    (label,) = [text for text in ax.texts if text.get_text() == "infeasible"]
    assert label.xy[1] >= 57.4


def test_thousands_of_customers_over_days_are_ticked_with_separators(result):
    """Active customers around 4,500 were ticked "4400, 4500"."""
    days = result.days.assign(active_customers=result.days["active_customers"] + 4000)
    fig = plots.kpis_over_days([dataclasses.replace(result, days=days)])
    rendered(fig)
    ticks = [t.get_text() for t in fig.axes[2].get_yticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d,\d{3}", t) for t in ticks), ticks


def _two_alike(
    metric: str, values: list[float], mean: float, low: float, high: float
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A selection's replications and table of two scenarios, a and b (selected), whose three
    replications of `metric` are `values` and whose means have the CI `low`..`high`."""
    replications = pd.DataFrame({"scenario": ["a"] * 3 + ["b"] * 3, metric: values * 2})
    table = pd.DataFrame(
        {
            "scenario": ["a", "b"],
            f"{metric}_mean": [mean, mean],
            f"{metric}_ci_low": [low, low],
            f"{metric}_ci_high": [high, high],
            "selected": [False, True],
        }
    )
    return replications, table


def test_the_smore_plot_keeps_the_whiskers_clear_of_a_wider_ci_bar():
    """A 95% CI wider than the range (five replications or fewer) hid the whiskers under its
    thick bar drawn on top of them: the CI bar stands beside the box, the whiskers are capped
    at the lowest and highest replication."""
    fig = smore_plot(*_two_alike("nps", [40, 50, 45], 45.0, 32.6, 57.4), "nps", 1.0)
    rendered(fig)
    ax = fig.axes[0]
    segments = [seg for lines in ax.collections for seg in lines.get_segments()]
    caps = [seg for seg in segments if seg[0][1] == seg[1][1]]
    ci = [seg[0][0] for seg in segments if {seg[0][1], seg[1][1]} == {32.6, 57.4}]
    for x in (0, 1):
        assert sorted(seg[0][1] for seg in caps if seg[0][0] < x < seg[1][0]) == [40, 50]
        assert sum(seg[0][0] == seg[1][0] == x for seg in segments) == 2  # below, above the box
    assert len(ci) == 2 and all(min(abs(at - x) for x in (0, 1)) > 0.25 for at in ci)


def test_the_smore_plot_is_lettered_as_the_other_charts_with_thousands_separated():
    """The select chart kept matplotlib's small default type (ticks 10 pt) and ticked 4250
    where the tables write 4,227."""
    made = _two_alike("revenue_per_day", [4180, 4250, 4227], 4219.0, 4130.0, 4310.0)
    fig = smore_plot(*made, "revenue_per_day", 10.0)
    rendered(fig)
    ax = fig.axes[0]
    ticks = [t for t in ax.get_yticklabels() if t.get_text()]
    assert {t.get_fontsize() for t in ticks} == {plots.STYLE["ytick.labelsize"]}
    assert ticks and all(re.fullmatch(r"4,\d{3}", t.get_text()) for t in ticks)
    assert ax.xaxis.get_ticklabels()[0].get_fontsize() == plots.STYLE["xtick.labelsize"]
    assert ax.yaxis.label.get_fontsize() == plots.STYLE["axes.labelsize"]


def test_counts_are_ticked_in_whole_numbers(day, result):
    """Carts, shoppers waiting, lanes and customers are whole: no 72.5 carts on an axis."""
    samples = day.samples.assign(carts=70 + (day.samples["time"] % 21).astype(int))  # 70..90
    fig = plots.queue_and_terminals(samples, day.replication.terminal_log, 3, (300, 1380))
    top, _, carts = fig.axes
    plots.png(fig)
    people = plots.kpis_over_days([result]).axes[2]
    plots.png(people.figure)
    for axis in (top.yaxis, carts.yaxis, people.yaxis):
        low, high = axis.get_view_interval()
        ticks = [t for t in axis.get_majorticklocs() if low <= t <= high]
        assert len(ticks) >= 2 and all(float(t).is_integer() for t in ticks), ticks


def test_queue_charts_set_side_by_side_share_their_scale(day):
    """A compare report's two queue charts ran 0-5 and 0-4, so "shorter queues" could not be
    read across them: given the larger of the two peaks, both draw the same axis."""
    hours = (300.0, 1380.0)
    busier = day.samples.assign(queue=day.samples["queue"] + 6)
    peaks = [plots.queue_peak(s, 3, hours) for s in (busier, day.samples)]
    assert peaks[0] > peaks[1] >= 1
    tops = []
    for samples in (busier, day.samples):
        fig = plots.queue_and_terminals(
            samples, day.replication.terminal_log, 3, hours, queue_top=max(peaks)
        )
        tops.append(fig.axes[0].get_ylim())
    assert tops[0] == tops[1] == (0.0, pytest.approx(max(peaks) * 1.05))
    # In the report's style (its decorator once slipped onto a helper above it).
    assert fig.axes[0].yaxis.label.get_fontsize() == plots.STYLE["axes.labelsize"]


def test_a_single_known_day_is_drawn(result):
    """With one day whose return window had closed (a run one day longer than the window), the
    return-rate panel was blank: a line and a band of one point draw nothing."""
    s = result.scenario
    window = s.loyalty.model_copy(update={"return_window_days": 1})  # day 2 known, day 3 not
    short = dataclasses.replace(result, scenario=s.model_copy(update={"loyalty": window}))
    assert plots.daily_kpis(short).dropna(subset=["return_rate"])["day"].nunique() == 1
    fig = plots.kpis_over_days([short])
    image = np.asarray(rendered(fig).convert("RGB")).astype(int)
    x0, y0, x1, y1 = fig.axes[0].get_window_extent().extents.round().astype(int)
    panel = image[image.shape[0] - y1 : image.shape[0] - y0, x0:x1]
    colour = np.array(matplotlib.colors.to_rgb(plots.SCENARIO_COLOURS[0])) * 255
    assert (np.abs(panel - colour) <= 12).all(axis=-1).sum() > 100  # a dot and its CI


def test_an_empty_kpi_panel_has_no_scale(result):
    """A return rate not known yet is said in words, without ticks from -0.04 to 0.04 %."""
    s = result.scenario
    window = s.loyalty.model_copy(update={"return_window_days": 10 * s.total_days})
    short = dataclasses.replace(result, scenario=s.model_copy(update={"loyalty": window}))
    fig = plots.kpis_over_days([short])
    empty = [ax for ax in fig.axes if any("not known yet" in t.get_text() for t in ax.texts)]
    assert len(empty) == 1 and list(empty[0].get_yticks()) == []
    assert all(len(ax.get_yticks()) for ax in fig.axes if ax not in empty)
