"""Plots for slides and reports: matplotlib figures sized and lettered for a projector.

Every function returns a `Figure` of SIZE_PX pixels, drawn without pyplot (so no global
state and no display: PNGs come from the Agg renderer); `png()` renders one. Writing files is
the caller's job.
"""

from __future__ import annotations

import functools
import io
import math
import textwrap
from collections.abc import Sequence

import matplotlib
import matplotlib.colors
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.text import Text
from matplotlib.ticker import Formatter, MaxNLocator, PercentFormatter

from journeysim import words
from journeysim.journey.shopper import Step
from journeysim.report.console import LABELS, label
from journeysim.report.monitor import down_intervals
from journeysim.simulation.journey_map import touched
from journeysim.simulation.kpis import MATERIAL, SHARES
from journeysim.simulation.money import NOT_JUDGED
from journeysim.simulation.runner import RunResult
from journeysim.simulation.summary import mean_ci
from journeysim.study.compare import crowding_explains, table_floors, verdict
from journeysim.world.checkout import terminal_name

FIGSIZE = (16.0, 9.0)  # inches
DPI = 100
SIZE_PX = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))
STYLE = {
    "font.size": 17,
    "axes.titlesize": 21,
    "axes.labelsize": 18,
    "xtick.labelsize": 15,
    "ytick.labelsize": 15,
    "legend.fontsize": 15,
    "figure.titlesize": 23,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "lines.linewidth": 3.0,
}
# Good blue, bad red, as the replay and the GIF colour mood (ColorBrewer RdBu): readers with
# red-green colour blindness (about 8% of men) cannot tell green from red.
POSITIVE, NEGATIVE, NEUTRAL = "#2166ac", "#d73027", "#4d4d4d"
# A difference that is better, worse or no different (its 95% CI contains 0).
VERDICT_COLOURS = {"better": POSITIVE, "worse": NEGATIVE, "no_difference": "#999999"}
# A part of the contribution (wages, costs, gross margin) or the investment: not judged better or
# worse, since the bottom line counts money once, as contribution, and weighs the investment by
# its payback (money.NOT_JUDGED). Sand: neither blue nor red, and apart from the grey of no
# difference.
MONEY_PART = "#d9bf8c"
CROWDED_HATCH = "//"  # a verdict that more or fewer shoppers may explain (crowding_explains)
NEGLIGIBLE_BAND = "#e3e3e3"  # behind a panel: differences too small to matter
PANEL_TITLE = 30  # characters a comparison panel's title takes on one line at most
TITLE = 90  # characters a whole figure's title takes on one line
# Scenarios are told apart, not judged: no red or green, which would read as worse or better.
# In this order the first three stay apart for red-green colour-blind readers too (the purple,
# last, is the blue's twin to them).
SCENARIO_COLOURS = ("#1f77b4", "#ff7f0e", "#8c564b", "#17becf", "#7f7f7f", "#9467bd")
DAILY_KPIS = ("return_rate", "nps", "active_customers")
COUNTS = ("active_customers",)  # KPIs that count people: ticked in whole numbers


def axis_label(kpi: str) -> str:
    """A KPI's name with its unit, for an axis (shares in %, as the tables show them; see
    `label_axis`)."""
    if kpi in SHARES:
        return f"{label(kpi)} (%)"
    if kpi == "nps":
        return "NPS (points, -100..100)"
    return label(kpi)


def label_axis(axis: Axis, kpi: str, note: str = "") -> None:
    """Name an axis of a KPI's values (`axis_label`, then `note`); a share's values, fractions
    in the data, are ticked in % as the tables show them, others as people write numbers
    (`tick_text`: 45 k, not 45000)."""
    axis.set_label_text(f"{axis_label(kpi)}{note}")
    if kpi in SHARES:
        axis.set_major_formatter(PercentFormatter(1.0))
    else:
        axis.set_major_formatter(TickFormatter())


def figure(**style: object) -> Figure:
    """A blank projector-sized figure with the report's lettering."""
    with matplotlib.rc_context({**STYLE, **style}):
        return Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")


def png(fig: Figure) -> bytes:
    """The figure as PNG bytes, exactly SIZE_PX pixels."""
    buffer = io.BytesIO()
    with matplotlib.rc_context(STYLE):
        fig.savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def styled(draw):
    """Run a plotting function with the report's rc style (fonts are fixed when drawn)."""

    @functools.wraps(draw)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(STYLE):
            return draw(*args, **kwargs)

    return wrapper


@styled
def emotion_curve(steps: Sequence[Step], title: str = "") -> Figure:
    """One visit's mood (valence) after each touchpoint, peak and end marked, places shaded."""
    fig = figure()
    ax = fig.add_subplot()
    x = np.arange(1, len(steps) + 1)
    valence = np.array([s.valence for s in steps])
    felt = np.array([s.felt for s in steps])
    ax.axhline(0.0, color=NEUTRAL, linewidth=1.2)
    _shade_places(ax, steps)
    (mood,) = ax.plot(x, valence, color="#1f4e79", marker="o", markersize=9, zorder=3)
    ax.bar(x, felt, width=0.5, color=np.where(felt >= 0, POSITIVE, NEGATIVE), alpha=0.45, zorder=2)
    marks = []
    if len(steps):
        peak = int(np.argmax(np.abs(valence)))
        marks.append(_mark(ax, x[peak], valence[peak], f"peak {valence[peak]:+.2f}", "#7b3294"))
        marks.append(_mark(ax, x[-1], valence[-1], f"end {valence[-1]:+.2f}", "#e66101"))
    ax.set_xticks(x, [s.kind.replace("_", " ") for s in steps], rotation=60, ha="right")
    ax.set_xlim(0.4, len(steps) + 0.6)
    reach = max(1.45, float(np.abs(felt).max(initial=0.0)) + 0.1)  # a felt bar may pass 1
    ax.set_ylim(-reach, reach)
    ax.set_xlabel("Touchpoints in the order met")
    ax.set_ylabel("Mood (line, -1 .. +1) and felt (bars)")
    ax.set_title(title or "One visit: mood along the touchpoints")
    felt_keys = [Patch(color=colour, alpha=0.45) for colour in (POSITIVE, NEGATIVE)]
    ax.legend(
        [mood, *felt_keys],
        ["mood", "felt at the touchpoint: lifted", "lowered"],
        loc="lower left",
        ncols=3,
    )
    _place_marks(fig, ax, marks)
    return fig


def _shade_places(ax, steps: Sequence[Step]) -> None:
    """Alternate light bands per place, labelled with the place and the clock time."""
    start = 0
    band = 0
    for i in range(1, len(steps) + 1):
        if i == len(steps) or steps[i].place != steps[start].place:
            if band % 2 == 0:
                ax.axvspan(start + 0.5, i + 0.5, color="#e8eef5", zorder=0)
            minute = int(steps[start].time % 1440)
            ax.text(
                (start + i + 1) / 2.0,
                1.38,
                f"{steps[start].place}\n{minute // 60:02d}:{minute % 60:02d}",
                ha="center",
                va="top",
                fontsize=13,
                color=NEUTRAL,
            )
            start = i
            band += 1


def _mark(ax, x: float, y: float, text: str, colour: str):
    """A circled point labelled by an arrowed note (placed by `_place_marks`) on a white box: a
    line passing behind does not cross it out, and the arrow starts at the box's edge."""
    ax.scatter([x], [y], s=420, facecolors="none", edgecolors=colour, linewidths=3, zorder=4)
    return ax.annotate(
        text,
        (x, y),
        xytext=(0, 0),
        textcoords="offset points",
        fontsize=18,
        fontweight="bold",
        color=colour,
        bbox={"boxstyle": "round,pad=0.15", "facecolor": "white", "alpha": 0.8, "linewidth": 0},
        arrowprops={"arrowstyle": "->", "color": colour, "linewidth": 2},
        zorder=5,
    )


def _place_marks(fig: Figure, ax, marks: Sequence) -> None:
    """Put each mark's note beside its point, inside the axes and clear of the legend, the
    place labels and the notes placed before it: towards the middle of the plot, below a
    point that is below zero or high up (off the line falling into it) and above one
    otherwise, as far as that fits (a note left of a point at the start ran into the y label,
    one right of the last point off the figure)."""
    fig.draw_without_rendering()  # lay the figure out: where the axes and legend are
    frame = ax.get_window_extent()
    taken = [ax.get_legend().get_window_extent()]
    taken += [t.get_window_extent() for t in ax.texts if t not in marks]
    middle = sum(ax.get_xlim()) / 2.0
    for mark in marks:
        mark.set_in_layout(False)  # placed inside the axes: no room to be made for it
        x, y = mark.xy
        side = 1 if x < middle else -1
        up = -1 if y < 0.0 or y >= 0.5 else 1
        tries = [(side, up), (-side, up), (side, -up), (-side, -up)]
        for s, u in [*tries, tries[0]]:  # none fits: the first choice after all
            mark.set_position((s * 30, 40 if u > 0 else -50))
            mark.set_horizontalalignment("left" if s > 0 else "right")
            box = Text.get_window_extent(mark)  # the note, not its arrow
            inside = (
                box.x0 >= frame.x0
                and box.x1 <= frame.x1
                and box.y0 >= frame.y0
                and box.y1 <= frame.y1
            )
            if inside and not any(box.overlaps(other) for other in taken):
                break
        taken.append(Text.get_window_extent(mark))


@styled
def journey_map(touchpoints: pd.DataFrame, title: str = "") -> Figure:
    """Positive and negative feeling per measured visit by touchpoint kind, stacked around zero,
    worst net at the bottom.

    `touchpoints`: RunResult.touchpoints (the journey map per measured visit, worst net first).
    """
    table = touched(touchpoints)
    fig = figure()
    ax = fig.add_subplot()
    y = np.arange(len(table))
    names = [t.replace("_", " ") for t in table["touchpoint"]]
    ax.barh(y, table["positive"], color=POSITIVE, label="positive feeling")
    ax.barh(y, table["negative"], color=NEGATIVE, label="negative feeling")
    ax.scatter(table["net"], y, color="black", s=90, zorder=3, label="net")
    ax.axvline(0.0, color=NEUTRAL, linewidth=1.2)
    span = max(table["positive"].max(), -table["negative"].min(), 1e-6) if len(table) else 1.0
    beside = ax.get_yaxis_transform()  # x in axes fraction: a column right of the plot
    for yi, share in zip(y, table["effort_share"]):
        ax.text(
            1.02, yi, f"{share:.0%} of effort", transform=beside, va="center", fontsize=14,
            color=NEUTRAL,
        )  # fmt: skip
    ax.set_yticks(y, names)
    ax.set_xlim(-span * 1.1, span * 1.1)
    ax.set_xlabel("Feeling per measured visit (sum of felt valence; worst net at the bottom)")
    ax.set_title(title or "Journey map: where the feeling comes from")
    ax.legend(loc="upper left")
    return fig


def daily_kpis(result: RunResult) -> pd.DataFrame:
    """Per measured day and replication: return_rate, nps and active_customers (the run's
    daily series, `RunResult.daily`; NaN where a day has no visits).

    Return rate is unknown (NaN) for visits whose return window runs past the horizon.
    """
    warmup = result.scenario.horizon.warmup_days
    series = {kpi: result.daily[kpi].iloc[:, warmup:] for kpi in DAILY_KPIS}
    runs, days = series[DAILY_KPIS[0]].index, series[DAILY_KPIS[0]].columns
    return pd.DataFrame(
        {
            "day": np.tile(days, len(runs)),
            "replication": np.repeat(runs, len(days)),
            **{kpi: table.to_numpy().ravel() for kpi, table in series.items()},
        }
    )


def mean_band(table: pd.DataFrame, by: str, column: str, level: float = 0.95) -> pd.DataFrame:
    """Mean and Student-t CI of `column` over replications for each value of `by`."""
    rows = [
        (key, *mean_ci(group.to_numpy(), level, column)) for key, group in table.groupby(by)[column]
    ]
    return pd.DataFrame(rows, columns=[by, "mean", "low", "high", "n"])


def _mean_and_band(ax: Axes, band: pd.DataFrame, scale: float, colour: str, name: str) -> None:
    """A line of the daily means in a band of their CIs (days numbered as the scenario, the
    report's text and traces number them); a single known day, which a line and a band draw
    as nothing, as a dot with its CI as error bar."""
    day = band["day"].to_numpy()
    mean, low, high = (band[column].to_numpy() * scale for column in ("mean", "low", "high"))
    if len(band) == 1:
        error = [mean - low, high - mean]
        ax.errorbar(day, mean, yerr=error, color=colour, marker="o", capsize=8, label=name)
        return
    ax.plot(day, mean, color=colour, label=name)
    ax.fill_between(day, low, high, color=colour, alpha=0.2)


@styled
def kpis_over_days(results: Sequence[RunResult], kpis: Sequence[str] = DAILY_KPIS) -> Figure:
    """KPIs per day after warm-up (days numbered from the first simulated day, as scenarios
    number them), mean and 95% CI band over replications, scenarios overlaid."""
    fig = figure()
    axes = fig.subplots(len(kpis), 1, sharex=True, squeeze=False)[:, 0]
    visited = any((r.visits["day"] >= r.scenario.horizon.warmup_days).any() for r in results)
    for colour, result in zip(SCENARIO_COLOURS * 4, results):
        table = daily_kpis(result)
        for ax, kpi in zip(axes, kpis):
            band = mean_band(table, "day", kpi).dropna(subset=["mean"])
            scale = 100.0 if kpi in SHARES else 1.0
            _mean_and_band(ax, band, scale, colour, result.scenario.name)
    for ax, kpi in zip(axes, kpis):
        unit = axis_label(kpi).replace(" (", "\n(")
        ax.set_ylabel(unit, fontsize=15)
        ax.yaxis.set_major_formatter(TickFormatter())  # 4,500 customers, as the tables say
        if kpi in COUNTS:  # people: whole-number ticks
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        if not any(len(line.get_xdata()) for line in ax.lines):
            ax.set_yticks([])  # no scale for no data (it ticked -0.04 to 0.04 %)
            ax.text(
                0.5,
                0.5,
                "not known yet: the horizon is not longer than the return window"
                if visited
                else "no measured visits",
                transform=ax.transAxes,
                ha="center",
                va="center",
                color=NEUTRAL,
            )
    axes[-1].set_xlabel("Day (warm-up left out; return rate: only days whose window has closed)")
    axes[-1].xaxis.set_major_locator(MaxNLocator(integer=True))
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside upper right", ncols=3)
    fig.suptitle("KPIs over days (line: mean; band: 95% CI over replications)", x=0.01, ha="left")
    return fig


@styled
def compare_differences(
    differences: pd.DataFrame,
    title: str = "",
    reference: str = "the first scenario",
) -> Figure:
    """Paired differences against the first scenario, one small panel per metric, coloured by
    verdict: better blue, worse red, no difference grey, and grey too a negligible one (its CI
    excludes 0 but lies within the smallest difference that matters, the band shaded behind the
    bar, so that a tiny difference does not fill its panel in red). Shares are drawn in
    percentage points.
    The parts of the contribution (gross margin, wages, outage, recovery and fixed cost, their
    sum) and the one-off investment are not judged, as the bottom line counts money once, as
    contribution, and weighs the investment by its payback: their bars are drawn in
    MONEY_PART's neutral sand whatever their verdict. A verdict that a clear change in visits
    per day may explain (a shorter wait with fewer shoppers: kpis.CROWDED) is hatched,
    as the bottom line names the visits beside it.

    `differences` columns, as comparison.csv names them: metric (a KPI or money name), diff,
    diff_ci_low, diff_ci_high (95% CI of the paired difference, in the metric's unit); optional
    scenario (the scenario compared with the first; one row per metric and scenario), verdict
    (better, worse, negligible or no_difference; default: from the CI and the way the metric is
    better), negligible_within (the smallest difference that matters; default kpis.MATERIAL)
    and mean (the scenario's, with which complaints a day are weighed against the visits in
    proportion: study.compare.crowding_explains). Each panel is titled by its metric's label
    (a long one wrapped to the panel's width); `reference` is the scenario the differences are
    taken from.
    """
    table = differences.copy()
    if "scenario" not in table:
        table["scenario"] = ""
    floors = table_floors(table).to_dict() if "negligible_within" in table else dict(MATERIAL)
    if "verdict" not in table:
        table["verdict"] = [
            verdict(r.metric, r.diff_ci_low, r.diff_ci_high, floors)
            for r in table.itertuples(index=False)
        ]
    shares = table["metric"].isin(SHARES)
    table.loc[shares, ["diff", "diff_ci_low", "diff_ci_high"]] *= 100.0
    metrics = list(dict.fromkeys(table["metric"]))
    scenarios = list(dict.fromkeys(table["scenario"]))
    cols = min(4, max(len(metrics), 1))
    rows = max(math.ceil(len(metrics) / cols), 1)
    fig = figure()
    axes = fig.subplots(rows, cols, squeeze=False).ravel()
    y = np.arange(len(scenarios))
    # The names down a panel's side in the full lettering where there is room, smaller where
    # many scenarios share the panel's height (about half the figure's height is panels).
    room = FIGSIZE[1] * 72.0 * 0.5 / (rows * max(len(scenarios), 1))  # points a name
    names_pt = min(13.0, max(6.0, room))
    caps = 8.0 * names_pt / 13.0  # whisker caps, as tall as the names
    crowded = crowding_explains(table)
    panels = []
    for i, (ax, metric) in enumerate(zip(axes, metrics)):
        mine = table[table["metric"] == metric].set_index("scenario").reindex(scenarios)
        mean = mine["diff"].to_numpy(dtype=float)
        errors = np.vstack(
            [mean - mine["diff_ci_low"].to_numpy(dtype=float), mine["diff_ci_high"] - mean]
        )
        colours = [verdict_colour(metric, v) for v in mine["verdict"]]
        if floors.get(metric, 0.0) > 0.0:
            band = floors[metric] * (100.0 if metric in SHARES else 1.0)
            ax.axvspan(-band, band, color=NEGLIGIBLE_BAND, zorder=0, linewidth=0)
        ax.axvline(0.0, color=NEUTRAL, linewidth=1.5)
        for bar, scenario in zip(ax.barh(y, mean, color=colours, height=0.5), scenarios):
            if (scenario, metric) in crowded:
                bar.set(hatch=CROWDED_HATCH, edgecolor="white", linewidth=0)
        ax.errorbar(mean, y, xerr=np.nan_to_num(errors), fmt="none", ecolor="black", capsize=caps)
        named = len(scenarios) > 1 and i % cols == 0
        ax.set_yticks(y, scenarios if named else [""] * len(y), fontsize=names_pt)
        name = _name(metric)
        panels.append((ax, f"{name} (points)" if metric in SHARES else name))
        ax.tick_params(axis="x", labelsize=12)
        ax.xaxis.set_major_locator(MaxNLocator(4))
        ax.xaxis.set_major_formatter(TickFormatter())
        ax.use_sticky_edges = False  # keep the zero line off the frame
        ax.margins(x=0.08)
        ax.invert_yaxis()
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    versus = (
        f"{scenarios[0]} minus {reference}"
        if len(scenarios) == 1 and scenarios[0]
        else f"Difference from {reference}"
    )
    fig.suptitle(title or f"{versus} (bar: mean; whisker: 95% CI)", fontsize=19)
    keys = [
        ("better", VERDICT_COLOURS["better"]),
        ("worse", VERDICT_COLOURS["worse"]),
        ("no clear difference, or negligible", VERDICT_COLOURS["no_difference"]),
    ]
    if any(floors.get(metric, 0.0) > 0.0 for metric in metrics):
        keys.append(("shaded: too small to matter", NEGLIGIBLE_BAND))
    if any(metric in NOT_JUDGED for metric in metrics):
        keys.append(("costs, margin, investment: not judged", MONEY_PART))
    patches = [Patch(color=colour) for _, colour in keys]
    if crowded:
        keys.append(("hatched: the change in visits may explain it", "#999999"))
        patches.append(Patch(facecolor="#999999", hatch=CROWDED_HATCH, edgecolor="white"))
    fig.legend(
        patches,
        [text for text, _ in keys],
        loc="outside lower center",
        ncols=len(keys) if len(keys) <= 5 else math.ceil(len(keys) / 2),
        fontsize=14 if len(keys) < 5 else 12.5,  # five keys in a row on 16 inches
    )
    fit_titles(fig, panels, fontsize=16)
    return fig


@styled
def message(title: str, text: str) -> Figure:
    """A chart with nothing to draw: its `title` and, in the middle, `text` saying why."""
    fig = figure()
    fig.suptitle(title, fontsize=19)
    fig.text(0.5, 0.5, text, ha="center", va="center", color=NEUTRAL, fontsize=16, wrap=True)
    return fig


def verdict_colour(metric: str, verdict: str) -> str:
    """A comparison bar's colour: its verdict's (VERDICT_COLOURS), or MONEY_PART for a part
    of the contribution or the investment, which the bottom line does not count as better or
    worse."""
    if metric in NOT_JUDGED:
        return MONEY_PART
    return VERDICT_COLOURS.get(verdict, VERDICT_COLOURS["no_difference"])


def fit_titles(fig: Figure, panels: Sequence[tuple], fontsize: int, smallest: int = 11) -> None:
    """Title each (axes, text) of `panels` in as few lines as fit the width of its axes once
    the figure is laid out, the lines as even as they can be, so that no title runs into its
    neighbour's however many panels and scenarios there are. A word too long for its panel
    makes that title's type smaller, down to `smallest` points."""
    for ax, text in panels:
        ax.set_title(_balanced(text, PANEL_TITLE), fontsize=fontsize)
    for _ in range(3):  # the layout moves the axes when titles change their height
        fig.draw_without_rendering()
        before = [(ax.get_title(), ax.title.get_fontsize()) for ax, _ in panels]
        for ax, text in panels:
            _fit_title(ax, text, fontsize, smallest)
        if before == [(ax.get_title(), ax.title.get_fontsize()) for ax, _ in panels]:
            return


def _fit_title(ax, text: str, fontsize: int, smallest: int) -> None:
    room = ax.get_window_extent().width
    longest = max(map(len, text.split()), default=1)
    for size in range(fontsize, smallest - 1, -1):
        for width in range(max(PANEL_TITLE, longest), longest - 1, -1):
            ax.set_title(_balanced(text, width), fontsize=size)
            if ax.title.get_window_extent().width <= room:
                return


def _balanced(text: str, width: int) -> str:
    """`text` wrapped at words into the lines it takes at `width` characters, each line as
    short as that many lines allow ("Customer lifetime\n(discounted days)", not
    "Customer lifetime (discounted\ndays)")."""
    lines = functools.partial(textwrap.wrap, text, break_long_words=False)
    count = len(lines(width))
    longest = max(map(len, text.split()), default=1)
    while width > longest and len(lines(width - 1)) == count:
        width -= 1
    return "\n".join(lines(width))


def _name(metric: str) -> str:
    """A KPI's or money figure's label (with its unit), or a readable form of another name."""
    return label(metric) if metric in LABELS else metric.replace("_", " ").capitalize()


def tick_text(value: float, digits: int = 6, like: float | None = None) -> str:
    """A tick's number as people write it, to `digits` significant digits: 14.5 M, 250 k,
    1,234, 0.25 (thousands separated as the tables write them; no offset or exponent to read
    off the axis's corner); in the unit a number as large as `like` takes, if given (6 k
    beside 12 k), 0 as 0."""
    magnitude = abs(value if like is None else like)
    for least, size, suffix in ((1e6, 1e6, " M"), (1e4, 1e3, " k")):
        if magnitude >= least and value != 0:
            return f"{words.figure(value / size, digits)}{suffix}"
    return words.figure(value, digits)


class TickFormatter(Formatter):
    """An axis's ticks as `tick_text` writes them, all in the unit of the largest one shown
    (6 k, 12 k and 18 k, not 6000, 12 k and 18 k)."""

    def __call__(self, x: float, pos: int | None = None) -> str:
        return tick_text(x)

    def format_ticks(self, values: Sequence[float]) -> list[str]:
        low, high = sorted(self.axis.get_view_interval()) if self.axis else (-math.inf, math.inf)
        shown = [abs(v) for v in values if low <= v <= high] or [abs(v) for v in values]
        largest = max(shown, default=0.0)
        return [tick_text(v, like=largest) for v in values]


def _during(samples: pd.DataFrame, day: int, hours: tuple[float, float]) -> pd.DataFrame:
    """The monitor's samples of `day` within `hours` (minutes of the day)."""
    first, last = day * 1440.0 + hours[0], day * 1440.0 + hours[1]
    return samples[(samples["time"] >= first) & (samples["time"] <= last)]


def queue_peak(samples: pd.DataFrame, day: int, hours: tuple[float, float]) -> float:
    """The highest queue or count of open lanes `queue_and_terminals` draws (at least 1)."""
    shown = _during(samples, day, hours)
    columns = [c for c in ("queue", "lanes") if c in shown]
    return max(float(shown[columns].to_numpy().max(initial=0)), 1.0)


@styled
def queue_and_terminals(
    samples: pd.DataFrame,
    terminal_log: pd.DataFrame,
    day: int,
    hours: tuple[float, float] = (0.0, 1440.0),
    queue_top: float | None = None,
) -> Figure:
    """Checkout queue, staffed lanes open and carts over one day, and each card terminal's
    state below.

    `samples`: Monitor.table() of the day; `terminal_log`: (time, terminal, state) of the
    replication; `hours`: the minutes of the day to show (e.g. opening hours); `queue_top`:
    the queue axis's top (charts set side by side share one, see `queue_peak`), else its own.
    """
    first, last = day * 1440.0 + hours[0], day * 1440.0 + hours[1]
    shown = _during(samples, day, hours)
    clock = (shown["time"] - day * 1440.0) / 60.0
    fig = figure()
    top, bottom = fig.subplots(2, 1, sharex=True, height_ratios=[3, 2])
    top.plot(clock, shown["queue"], color=SCENARIO_COLOURS[0], label="shoppers waiting")
    if "lanes" in shown:
        top.step(clock, shown["lanes"], where="post", color=SCENARIO_COLOURS[1], label="lanes open")
    top.set_ylabel("Shoppers waiting, lanes open")
    top.yaxis.set_major_locator(MaxNLocator(integer=True))
    if queue_top is not None:
        top.set_ylim(0, queue_top * 1.05)
    twin = top.twinx()
    twin.plot(clock, shown["carts"], color="#999999", linewidth=2, label="carts in the pool")
    twin.set_ylabel("Carts in the pool", color="#777777")
    twin.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole carts, not 72.5
    twin.grid(False)
    lines = top.get_lines() + twin.get_lines()
    top.legend(  # a row of its own between the title and the plot, where no line runs
        lines,
        [line.get_label() for line in lines],
        loc="lower left",
        bbox_to_anchor=(0.0, 1.01),
        borderaxespad=0.0,
        ncols=len(lines),
        frameon=False,
    )
    count = sum(c.startswith("terminal:") for c in samples.columns)
    names = [terminal_name(i) for i in range(count)]
    down = down_intervals(terminal_log, last)
    for row, name in enumerate(names):
        bottom.broken_barh(
            [(hours[0] / 60.0, (hours[1] - hours[0]) / 60.0)],
            (row - 0.35, 0.7),
            color=NEUTRAL,  # grey up, red down, as the replay draws terminals
            alpha=0.25,
        )
        mine = down[down["terminal"] == name]
        spans = [
            ((max(s, first) - day * 1440.0) / 60.0, (min(e, last) - max(s, first)) / 60.0)
            for s, e in zip(mine["start"], mine["end"])
            if e > first and s < last
        ]
        bottom.broken_barh(spans, (row - 0.35, 0.7), color=NEGATIVE)
    bottom.set_yticks(range(len(names)), names)
    bottom.set_ylim(-0.6, len(names) - 0.4)
    bottom.invert_yaxis()
    bottom.grid(False)
    bottom.set_title("Card terminals: grey up, red down", fontsize=17)
    bottom.set_xlabel("Time of day (hours)")
    bottom.set_xlim(hours[0] / 60.0, hours[1] / 60.0)
    bottom.set_xticks(np.arange(math.ceil(hours[0] / 60.0), math.floor(hours[1] / 60.0) + 1, 2))
    fig.suptitle(
        f"Checkout queue, open lanes, carts and card terminals on day {day}", x=0.01, ha="left"
    )
    return fig
