"""Self-contained HTML reports for `run`, `compare` and `sweep`: one file, images embedded as
data URIs, every text that comes from a scenario file escaped."""

from __future__ import annotations

import re
from collections.abc import Sequence
from html import escape
from pathlib import Path

import pandas as pd
from PIL import Image

from journeysim.files import write_bytes, write_text
from journeysim.report import plots
from journeysim.report.animate import setup_stamp
from journeysim.report.bottom_line import bottom_line
from journeysim.report.compare_plot import comparison_png
from journeysim.report.comparison import (
    clear_mark,
    difference_text,
    negligible_text,
    payback_method,
    signed_interval,
)
from journeysim.report.console import (
    JOURNEY_MAP_HEADER,
    KPI_HEADER,
    KPI_LABELS,
    MONEY_HEADER,
    MONEY_LABELS,
    index_text,
    journey_map_rows,
    kpi_rows,
    runs_per_point,
    setting_text,
    unset_costs_text,
)
from journeysim.report.history_text import (
    compare_history_text,
    history_sentences,
    run_history_text,
)
from journeysim.report.html_blocks import (
    image,
    interval,
    label,
    page,
    paragraph,
    section,
    table,
    warning_notes,
)
from journeysim.report.monitor import Replay
from journeysim.report.replay import customers_of, replays, report_section
from journeysim.report.scenario_table import settings_table
from journeysim.report.sweep_plots import sweep_heatmap, sweep_line
from journeysim.report.telling_pair import answered_first, telling_pair
from journeysim.report.trace import by_trip, day_label, example_visit, tell
from journeysim.scenario.schema import Scenario
from journeysim.simulation.failures import ReplicationFailed
from journeysim.simulation.kpis import KPIS, one_off, return_rate_warnings, window_warning
from journeysim.simulation.lifetime import lifetime_warning
from journeysim.simulation.replication import past
from journeysim.simulation.runner import RunResult
from journeysim.simulation.summary import mean_ci
from journeysim.study.compare import first_changed_day, paired_with_first
from journeysim.study.sensitivity import sobol_warnings
from journeysim.study.sweep import chart_files
from journeysim.words import plural, signed_number

NOTICED = 0.1  # a change of a remembered score (about -1 to 1) that the story counts as felt

# -- the traced example ---------------------------------------------------------------------


def example_section(
    rep: Replay,
    visit_id: int,
    heading: str,
    hours: tuple[float, float],
    id: str = "example",
    why: str = "",
    queue_top: float | None = None,
) -> str:
    """A visit told step by step with its emotion curve, and its day at the checkout; `why`
    says why this visit was chosen; `queue_top` the queue chart's top, shared with the
    example's twin."""
    scenario = rep.scenario
    steps = rep.replication.traces[visit_id]
    warm = " (warm-up)" if rep.day < scenario.horizon.warmup_days else ""
    curve = plots.png(
        plots.emotion_curve(steps, f"{scenario.name}: visit {visit_id}, {day_label(rep.day)}")
    )
    queue = plots.png(
        plots.queue_and_terminals(
            rep.samples, rep.replication.terminal_log, rep.day, hours, queue_top
        )
    )
    story = tell(rep.replication, scenario, visit=visit_id, staff=rep.staff)
    last = int(rep.replication.days["day"].max())
    ends = (
        f" The traced re-run ends on {day_label(last)}, so the customer's later visits are not "
        "in the story."
        if last < scenario.total_days - 1
        else ""
    )
    return section(
        heading,
        paragraph(
            f"Replication 0 of {scenario.name}, {day_label(rep.day)}{warm}: one customer's "
            f"visit as the simulation traced it.{why}{ends}"
        ),
        image(
            curve,
            f"Emotion curve of visit {visit_id}",
            "Mood after each touchpoint; "
            "bars: the feeling each touchpoint caused. The remembered score mixes the "
            "peak and the end.",
        ),
        f"<pre>{escape(story)}</pre>",
        image(
            queue,
            f"Checkout queue and terminals on day {rep.day}",
            "Shoppers waiting at the checkout, staffed lanes open and carts in the pool, sampled "
            "every minute; below, each card terminal's state.",
        ),
        id=id,
    )


def _hours(scenario: Scenario) -> tuple[float, float]:
    return max(scenario.hours.open_min - 60.0, 0.0), min(scenario.hours.close_min + 60.0, 1440.0)


# -- the three reports --------------------------------------------------------------------------


def intervals(replications: int) -> str:
    """What a run's tables give around each mean: 95% confidence intervals, which one
    replication cannot give."""
    if replications == 1:
        return "without confidence intervals (they take 2 replications or more)"
    return "with 95% confidence intervals"


def run_report(
    result: RunResult,
    folder: Path,
    gifs: Sequence[Path] | None = None,
    with_replay: bool = True,
    warnings: Sequence[str] = (),
) -> Path:
    """Write `folder`/report.html for one scenario's run, with its plots as PNG beside it.

    The example visit comes from re-running replication 0 with tracing up to its day; the
    replay of that day (`with_replay`, also written as replay.html) and the newest of `gifs`
    (default: the *.gif in `folder`, as `journeysim animate` writes them) drawn from the run's
    settings and replication 0 are embedded too (one drawn from others is named, not shown).
    `warnings`: the command's warnings (a short warm-up, a short history), shown with the KPIs.
    """
    folder = Path(folder)
    s = result.scenario
    warmup = s.horizon.warmup_days
    # Replication 0's visits, only the columns the example's pick reads (not a copy of the
    # whole table, which may hold a million visits).
    columns = ["replication", "visit_id", "day", "met_outage", "cashier_id", "remembered"]
    picked = result.visits[columns]
    first = picked[picked["replication"] == 0] if s.replications > 1 else picked
    departed = min((event.day for event in s.staff.turnover), default=None)
    try:
        visit_id = example_visit(first, warmup, departed, scheduled_newcomers(result))
    except LookupError:
        visit_id = None
    pngs = {
        "kpis_over_days.png": plots.png(plots.kpis_over_days([result])),
        "journey_map.png": plots.png(plots.journey_map(result.touchpoints)),
    }
    for name, data in pngs.items():
        write_bytes(folder / name, data)
    sections = [
        section("Scenario", settings_table([s]), id="scenario"),
        section(
            "KPIs",
            paragraph(
                f"Mean over {plural(s.replications, 'replication')} {intervals(s.replications)}, "
                f"days {warmup} to {s.total_days - 1} (warm-up left out)."
            ),
            _history_note(s),
            warning_notes(warnings),
            _return_rate_note([s]),
            kpi_table(result.summary),
        ),
        section(
            "Money",
            paragraph(
                "PLN per measured day, and the lifetime margin of the customer base (before "
                "wages and other costs) from the customers' simulated survival, "
                f"{intervals(s.replications)}."
            ),
            _lifetime_note(result.summary, [s]),
            table(MONEY_HEADER, kpi_rows(result.summary, MONEY_LABELS), id="money-table"),
            paragraph(unset) if (unset := unset_costs_text([s])) else "",
        ),
        section(
            "KPIs over days",
            image(
                pngs["kpis_over_days.png"],
                "KPIs over days",
                "Return rate, NPS and active customers per day after warm-up.",
            ),
        ),
        section(
            "Journey map",
            image(
                pngs["journey_map.png"],
                "Journey map",
                "Positive and negative feeling per measured visit by touchpoint kind, and "
                "each kind's share of the customers' effort.",
            ),
            journey_map_table(result.touchpoints),
            id="journey-map",
        ),
    ]
    replayed = None  # the day the replay shows
    if visit_id is None:
        why = "Replication 0 had no visit on the measured days, so no visit is traced or replayed."
        sections.append(section("A traced visit", paragraph(why), id="example"))
    else:
        day = int(first.loc[first["visit_id"] == visit_id, "day"].iloc[0])
        # one re-run for the example and the replay, tracing the day's customers' visits
        (traced,) = replays([s], day, customers=[customers_of(result.visits, day)])
        sections.append(example_section(traced, visit_id, "A traced visit", _hours(s)))
        if with_replay:
            sections.append(report_section([traced], folder))
            replayed = day
    gifs = animations(folder) if gifs is None else gifs
    if gifs:
        sections.append(floor_section(s, gifs, replayed))
    path = folder / "report.html"
    write_text(path, page(f"journeysim: {s.name}", s.description, sections))
    return path


def _history_note(scenario: Scenario) -> str:
    """The console's line under a run's header (the history it starts from) and what its
    intervals leave out; "" without a history."""
    history = run_history_text(scenario, past(scenario, warn=False))
    if not history:
        return ""
    return "".join(map(paragraph, history_sentences(history, scenario.seed, "run")))


def scheduled_newcomers(result: RunResult) -> set[int]:
    """The staff ids who took the posts of the scenario's scheduled departures in replication 0
    (not those of random turnover)."""
    scheduled = {(event.day, event.role, event.index) for event in result.scenario.staff.turnover}
    log = result.turnover_log[result.turnover_log["replication"] == 0]
    return {
        int(leave.newcomer_id)
        for leave in log.itertuples()
        if (leave.day, leave.role, leave.post) in scheduled
    }


def kpi_table(summary: pd.DataFrame) -> str:
    """summary.csv (metric, mean, ci_low, ci_high, n) as a table, one row per KPI."""
    keys = [metric for metric in summary["metric"] if metric in KPI_LABELS]
    return table(KPI_HEADER, kpi_rows(summary), id="kpi-table", row_keys=keys)


def journey_map_table(touchpoints: pd.DataFrame) -> str:
    """The journey map per measured visit as in the terminal, worst net feeling first."""
    visits = int(touchpoints["visits"].iloc[0])
    return paragraph(f"Per visit over {visits:,} measured visits.") + table(
        JOURNEY_MAP_HEADER, journey_map_rows(touchpoints), id="journey-map-table"
    )


def compare_report(
    comparison: pd.DataFrame,
    scenarios: Sequence[Scenario],
    folder: Path,
    results: Sequence[RunResult] = (),
    with_replay: bool = True,
    chart: bytes | None = None,
    moving: pd.DataFrame | None = None,
    warnings: Sequence[str] = (),
) -> Path:
    """Write `folder`/report.html for a comparison (with the replay of the traced day, every
    scenario side by side, when `with_replay`).

    `comparison`: comparison.csv (columns scenario, metric, mean, ci_low, ci_high, n, diff,
    diff_ci_low, diff_ci_high, significant; differences against the first scenario);
    `scenarios`: the compared scenarios in order (first is the reference); `results`: their
    RunResults when at hand, for KPIs over days and journey maps. A traced example shows the
    same customer on the same day in the first and the last scenario whose change shows that
    day (common random numbers).
    `chart`: comparison.png as `write_comparison` wrote it into `folder` (else drawn and
    written here). `moving`: the scenarios whose difference in contribution is still moving
    (study.compare.moving: their bottom line says how, and that its figures are
    provisional); `warnings`: the command's warnings, shown under the bottom line.
    """
    folder = Path(folder)
    names = [s.name for s in scenarios]
    if chart is None:
        chart = comparison_png(comparison)
        write_bytes(folder / "comparison.png", chart)
    lines = bottom_line(comparison, moving)
    verdicts = "".join(f'<p class="verdict">{escape(line)}</p>' for line in lines)
    notes = warning_notes(warnings) + _lifetime_note(comparison, scenarios)
    # the console's line under the header: whose history every scenario starts from, and
    # which settings only that history reads (the Scenarios table still lists them)
    history = ""
    if text := compare_history_text(scenarios):
        history = "".join(map(paragraph, history_sentences(text, scenarios[0].seed, "comparison")))
    sections = [
        section("Bottom line", history + verdicts + notes, id="bottom-line"),
        section("Scenarios", settings_table(scenarios), id="scenario"),
        section(
            "KPIs",
            paragraph(
                f"Mean with 95% CI per scenario; differences from {names[0]} are paired over "
                f"replications that share random numbers; * marks a difference whose CI "
                "excludes 0, ~ one that does but lies within the smallest difference that "
                f"matters (negligible: {negligible_text(comparison)}). Blue: better, red: "
                "worse; the parts of the "
                "contribution (gross margin, wages, outage, recovery and fixed cost) and the "
                "customer base's lifetime margin are not judged, as money counts once, as "
                "contribution, nor is the one-off investment, which the payback weighs; shares "
                "differ in percentage points (pts)."
            ),
            _return_rate_note(scenarios),
            comparison_table(comparison, names),
            paragraph(unset) if (unset := unset_costs_text(scenarios)) else "",
            paragraph(method) if (method := payback_method(comparison)) else "",
        ),
        section(
            "Differences",
            image(
                chart,
                "Paired differences",
                caption="Blue: better, red: worse, grey: no clear difference or a negligible one "
                "(its CI within the shaded band of what is too small to matter); hatched: a "
                "verdict that a clear change in visits per day may explain (a shorter wait "
                "with fewer shoppers, a longer one with more), as the bottom line says.",
            ),
            id="differences",
        ),
    ]
    if results:
        over_days = plots.png(plots.kpis_over_days(results))
        write_bytes(folder / "kpis_over_days.png", over_days)
        sections.append(section("KPIs over days", image(over_days, "KPIs over days")))
        maps = []
        for result in results:
            data = plots.png(
                plots.journey_map(result.touchpoints, f"Journey map: {result.scenario.name}")
            )
            maps.append(image(data, f"Journey map of {result.scenario.name}"))
        sections.append(section("Journey maps", *maps, id="journey-map"))
    # One re-run of each scenario for the paired example (the first and the last whose change
    # shows that day) and the replay, of the first measured day a scheduled outage or departure
    # sets them apart, else the first.
    day, other = first_changed_day(scenarios), paired_with_first(scenarios)
    replayed = scenarios if with_replay else [scenarios[0], scenarios[other]]
    runs = {result.scenario.name: result for result in results}
    customers = (
        [customers_of(runs[s.name].visits, day) for s in replayed]
        if all(s.name in runs for s in replayed)
        else None
    )
    traced = replays(replayed, day, customers=customers)
    sections.extend(paired_examples(traced[0], traced[other if with_replay else 1]))
    if with_replay:
        sections.append(report_section(traced, folder))
    path = folder / "report.html"
    write_text(path, page(f"journeysim: {' vs '.join(names)}", "Scenario comparison", sections))
    return path


def comparison_table(comparison: pd.DataFrame, names: Sequence[str]) -> str:
    """Metrics as rows: each scenario's mean [CI], then each difference from the first (money
    per day also per year; payback in words)."""
    rows, keys, marks = [], [], []
    for metric in dict.fromkeys(comparison["metric"]):
        mine = comparison[comparison["metric"] == metric].set_index("scenario").reindex(names)
        row = [label(metric)]
        row += [interval(metric, r["mean"], r["ci_low"], r["ci_high"]) for _, r in mine.iterrows()]
        mark = [""] * len(row)
        for name in names[1:]:
            r = mine.loc[name]
            cell = signed_interval(metric, r["diff"], r["diff_ci_low"], r["diff_ci_high"])
            if metric == "payback_days" or r["verdict"] == "not_compared":
                cell = difference_text(metric, r).strip()
            else:
                cell += clear_mark(r).rstrip()  # after the CI, as in the console
                if pd.notna(r["diff_per_year"]):
                    cell += f"; {signed_number(r['diff_per_year'], 0)} a year"
            row.append(cell)
            mark.append(r["verdict"] if r["verdict"] in ("better", "worse") else "")
        rows.append(row)
        keys.append(metric)
        marks.append(mark)
    header = ["metric", *names, *(f"{name} - {names[0]}" for name in names[1:])]
    return table(header, rows, id="kpi-table", row_keys=keys, marked=marks)


def paired_examples(a: Replay, b: Replay) -> list[str]:
    """The same customer on the replayed day in two scenarios' replays (`replays` runs them
    from the first's history, as compare does): the pair that tells the change (telling_pair:
    moved the way the day's shared customers moved on average, its feelings differing where
    theirs do; where `b` handles complaints otherwise, one whose visit there the store
    answered), not chance running against it or beside it (or a note that no customer
    visited in both). Only visits that are the customer's same visit in both are paired: a
    visit's draws of chance (its wallet, list, patience) follow the customer's visits, so
    another visit draws others."""
    day, first, last = a.day, a.scenario, b.scenario
    key = ["customer_id", "day", "trip"]
    pairs = _visits_by_trip(a).merge(_visits_by_trip(b), on=key, suffixes=("_a", "_b"))
    pairs = pairs.query("day == @day")
    if pairs.empty:
        why = (
            f"No customer who shopped on {day_label(day)}, the replayed day, in "
            f"{first.name} also made the same visit of theirs that day in {last.name} "
            f"(replication 0), so no pair of visits is traced."
        )
        return [section("The same customer in both", paragraph(why), id="example-a")]
    change = pairs["remembered_b"] - pairs["remembered_a"]
    chosen, kinds = telling_pair(pairs, a, b, answered_first(pairs, first, last))
    pair = pairs.loc[chosen]
    whys = {
        "a": _why_chosen(change, change[chosen], last.name, kinds),
        "b": _why_list(pair, first.name),
    }
    hours = _hours(first)
    # One scale for both queue charts, which the reader compares.
    queue_top = max(plots.queue_peak(rep.samples, rep.day, hours) for rep in (a, b))
    return [
        example_section(
            rep,
            int(pair[f"visit_id_{side}"]),
            f"The same customer in {rep.scenario.name}",
            hours,
            id=f"example-{side}",
            why=whys[side],
            queue_top=queue_top,
        )
        for rep, side in ((a, "a"), (b, "b"))
    ]


def _visits_by_trip(rep: Replay) -> pd.DataFrame:
    """`by_trip` of the replay's visits, with the columns the pairing reads."""
    columns = [
        "customer_id",
        "day",
        "trip",
        "visit_id",
        "remembered",
        "planned_items",
        "recovery_quality",
    ]
    return by_trip(rep.replication.visits)[columns]


def _why_list(pair: pd.Series, first: str) -> str:
    """Why the paired customer's shopping list differs from the one in `first`, if it does."""
    here, there = int(pair["planned_items_b"]), int(pair["planned_items_a"])
    if here == there:
        return ""
    return (
        f" They plan {plural(here, 'item')} here, {there} in {first}: the part of their "
        "shopping a customer does in a store follows the loyalty built over earlier visits, "
        "which differs between the stores."
    )


def _why_chosen(change: pd.Series, chosen: float, last: str, kinds: str) -> str:
    """Why the paired example is the customer whose remembered score changed by `chosen`, of
    the day's shared customers' `change`s (the last scenario's less the first's): the kinds
    of touchpoint whose feelings differ most on average, `kinds` (telling_pair), differ for
    this one too, or, without them, it moved furthest."""
    n, mean = len(change), float(change.mean())
    if n == 1:
        return ""
    both = "made the same visit of theirs that day in both scenarios (the same draws of chance)"
    if not change.any():
        return f" The {n:,} customers who {both} remember it the same."
    said = (
        f" The {n:,} customers who {both} remember it "
        f"{abs(mean):.3f} {'worse' if mean < 0 else 'better'} on average in {last} "
        "(remembered score, about -1 to 1)"
    )
    if not kinds:
        return f"{said}; this one moved furthest that way, by {chosen:+.2f}."
    way = 1.0 if mean > 0 else -1.0
    moved = [int((way * side * change >= NOTICED).sum()) for side in (1.0, -1.0)]
    words = ("better", "worse") if mean > 0 else ("worse", "better")
    return (
        f"{said}, their feelings differing most at {kinds}: {_share(moved[0], n)} remember it "
        f"at least {NOTICED} {words[0]}, {_share(moved[1], n)} at least {NOTICED} "
        f"{words[1]}, the rest about the same. This one, whose remembered score moved by "
        f"{chosen:+.2f}, shows the change most clearly, not a typical visit: its feelings differ "
        "where theirs do on average, not where chance took its visit elsewhere."
    )


def _share(count: int, of: int) -> str:
    return f"{count:,} ({count / of:.0%})"


def sweep_report(
    runs: pd.DataFrame,
    parameters: Sequence[str],
    folder: Path,
    scenario: Scenario | None = None,
    kpis: Sequence[str] = (),
    warnings: Sequence[str] = (),
    design: str | None = None,
    indices: pd.DataFrame | None = None,
    samples: int = 0,
    failed: pd.DataFrame | None = None,
) -> Path:
    """Write `folder`/report.html for a sweep.

    `runs`: runs.csv (one row per run: the `parameters` columns, replication, and a column per
    KPI); `scenario`: the base scenario, for its settings and a traced example; `kpis`: those
    plotted against the parameters (`sweep` gives its headline, contribution among them, so
    that no chart of revenue stands without the bottom line; the table shows every KPI and
    money figure in `runs`);
    `warnings`: why some points show "-" (study/sweep.py `short_run_warnings`), above the table;
    `design`: the design's kind (grid, lhs, sobol), else told from the runs; `indices`: a
    Sobol' design's sobol_indices.csv, whose `kpis` rows the report shows with the warning
    when its `samples` base samples are too few to pin them down; `failed`: the runs that
    failed (runs.csv's rows: point, the `parameters` columns, replication). A point whose runs
    all failed is crossed on the charts and "0 of 2" in the table; one where some did, whose
    means are of the rest, ringed and "1 of 2".
    """
    folder = Path(folder)
    failed = runs.iloc[:0] if failed is None else failed
    lost = failed[~failed["point"].isin(runs["point"])].drop_duplicates("point")
    partial = set(failed["point"]) & set(runs["point"])
    shown = [k for k in (*KPIS, *MONEY_LABELS) if k in runs]
    sections = []
    if scenario is not None:
        sections.append(_base_scenario(scenario, runs, parameters))
    sections.append(
        section(
            "KPIs per point",
            paragraph(
                "Mean and 95% CI over the replications at each point of the design; where some "
                'failed ("1 of 2" runs), over the rest, which may be the luckier ones.'
            ),
            warning_notes(warnings),
            sweep_table(runs, list(parameters), shown, failed),
        )
    )
    figures = []
    unknown = [label(k) for k in kpis if k in runs and runs[k].isna().all()]
    if unknown:
        figures.append(paragraph(f"Not drawn, n/a at every point: {', '.join(unknown)}."))
    for kpi in (k for k in kpis if k in runs and runs[k].notna().any()):
        charts = chart_files(kpi, parameters)
        for parameter, chart in zip(parameters, charts):
            others = [p for p in parameters if p != parameter]
            drawn = sweep_line(runs, parameter, kpi, others, design, lost, partial)
            data = plots.png(drawn)
            write_bytes(folder / chart, data)
            figures.append(image(data, f"{label(kpi)} against {parameter}"))
        if len(parameters) >= 2:
            drawn = sweep_heatmap(runs, *parameters[:2], kpi, design, lost, partial)
            data = plots.png(drawn)
            write_bytes(folder / charts[-1], data)
            figures.append(image(data, f"{label(kpi)} by {parameters[0]} and {parameters[1]}"))
    sections.append(section("KPIs against the parameters", *figures, id="plots"))
    if indices is not None:
        sections.append(_sobol_section(indices, kpis, samples))
    if scenario is not None:
        sections.append(_base_example(scenario))
    name = scenario.name if scenario is not None else "sweep"
    path = folder / "report.html"
    write_text(
        path, page(f"journeysim sweep: {name}", f"Varied: {', '.join(parameters)}", sections)
    )
    return path


def _base_scenario(scenario: Scenario, runs: pd.DataFrame, parameters: Sequence[str]) -> str:
    """The base scenario's settings, with the replications a point that the sweep's table
    holds ("4", or "2 to 4" where points differ), and why when they are not the scenario's: a
    sweep run again keeps the runs already done, also those of an earlier, larger --reps."""
    counts = runs.groupby(list(parameters), dropna=False).size()
    low, high = int(counts.min()), int(counts.max())
    held = str(low) if low == high else f"{low} to {high}"
    asked = scenario.replications
    notes = []
    if "replications" not in parameters and (low, high) != (asked, asked):
        why = (
            "a sweep run again keeps the runs already done, and an earlier run of it asked for more"
            if high > asked
            else "the others failed (runs.csv has their errors; the same command retries them)"
        )
        notes.append(
            paragraph(
                f"Replications: {held} a point, the runs the KPI table holds, where this sweep "
                f"asked for {asked}: {why}."
            )
        )
    return section("Base scenario", settings_table([scenario], held), *notes, id="scenario")


def _sobol_section(indices: pd.DataFrame, kpis: Sequence[str], samples: int) -> str:
    """The Sobol' indices of `kpis` with their 95% half-widths, as the console prints them,
    and the warning when `samples` base samples cannot pin them down."""
    shown = indices[indices["metric"].isin(kpis)]
    rows = [
        [
            label(r.metric),
            r.parameter,
            *map(index_text, (r.S1, r.S1_conf, r.ST, r.ST_conf, r.noise_share)),
        ]
        for r in shown.itertuples()
    ]
    header = ["metric", "parameter", "S1", "S1 95% +-", "ST", "ST 95% +-", "noise share"]
    return section(
        "Sobol' indices",
        paragraph(
            "First-order (S1) and total (ST) indices of the per-point means, with their 95% "
            "confidence half-widths, and the share of those means' variance that is the runs' "
            "own randomness, which the indices count as the parameters' effect (noise share; "
            "none with one run a point); every index is in sobol_indices.csv."
        ),
        warning_notes(sobol_warnings(indices, samples)),
        table(header, rows, id="sobol-table"),
        id="sobol",
    )


def _base_example(scenario: Scenario) -> str:
    """A traced visit of the base scenario's first measured day (replication 0), run on
    through the return window as in run and compare reports, or a plain note that there is
    none to trace: no visit that day, or a base that cannot run (it need not be a point of
    the sweep, whose runs the report shows all the same)."""
    heading = "A traced visit (base scenario)"
    day = scenario.horizon.warmup_days
    try:
        (rep,) = replays([scenario], day)
    except ReplicationFailed as failed:
        why = f"The base scenario could not be run to trace a visit of {day_label(day)}: {failed}."
        return section(heading, paragraph(why), id="example")
    visits = rep.replication.visits
    try:  # of the replayed day only: the replay runs on, and may meet an outage, later
        visit_id = example_visit(visits[visits["day"] == day], day)
    except LookupError:
        why = (
            f"Replication 0 of the base scenario had no visit on {day_label(day)}, the first "
            f"measured day, so no visit is traced."
        )
        return section(heading, paragraph(why), id="example")
    return example_section(rep, visit_id, heading, _hours(scenario))


def _return_rate_note(scenarios: Sequence[Scenario]) -> str:
    """A warning paragraph where the horizon is too short for the return rate, or where the
    scenarios count a return within different windows, else nothing."""
    return warning_notes([*return_rate_warnings(scenarios), window_warning(scenarios)])


def _lifetime_note(table: pd.DataFrame, scenarios: Sequence[Scenario]) -> str:
    """A warning paragraph where the run was too short for customer lifetimes, else nothing."""
    return warning_notes([lifetime_warning(table, one_off(scenarios))])


def sweep_table(
    runs: pd.DataFrame, parameters: list[str], kpis: Sequence[str], failed: pd.DataFrame
) -> str:
    """One row per point, by its number (as in the console and points.csv) and values: its
    runs (where any run of the sweep failed, how many of the point's finished: "1 of 2", whose
    means are of the rest) and every KPI's mean [95% CI] over them, "-" where none finished."""
    points = pd.concat([runs, failed])[["point", *parameters]].drop_duplicates("point")
    counts = runs_per_point(runs, failed)
    rows = []
    for point, *values in points.sort_values("point").itertuples(index=False):
        group = runs[runs["point"] == point]
        row = [str(point), *map(setting_text, values), counts[point]]
        for kpi in kpis:
            mean, low, high, _ = mean_ci(group[kpi].to_numpy(), metric=kpi)
            row.append(interval(kpi, mean, low, high) if len(group) else "-")
        rows.append(row)
    header = ["point", *parameters, "runs", *(label(k) for k in kpis)]
    return table(header, rows, id="kpi-table")


def animations(folder: Path) -> list[Path]:
    """The animations in `folder` (where `journeysim animate` writes them), newest first."""
    return sorted(folder.glob("*.gif"), key=lambda p: p.stat().st_mtime, reverse=True)


def floor_section(scenario: Scenario, gifs: Sequence[Path], replayed: int | None = None) -> str:
    """The first of `gifs` that was drawn from `scenario`'s settings and replication 0 (the one
    the report traces and replays), or a note naming those drawn from others. Its caption
    says the day and hours it shows (as its comment records them), whether that is a warm-up
    day, and the `replayed` day the report's replay shows when that is another."""
    stamp = setup_stamp(scenario, 0)
    comments = {gif: (_comment(gif) or "").split("; ", 1) for gif in gifs}
    drawn = next((gif for gif in gifs if comments[gif][0] == stamp), None)
    if drawn is None:
        names = ", ".join(gif.name for gif in gifs)
        why = (
            f"{names} beside these results {'was' if len(gifs) == 1 else 'were'} drawn from "
            "other settings than this run's, from another replication than its replay's (0) "
            "or from another store's history, so not shown: journeysim animate with the run's "
            "scenario and --set options, without --replication and --history-of, draws this "
            "store's floor."
        )
        return section("The store floor", paragraph(why), id="animation")
    return section(
        "The store floor",
        image(
            drawn.read_bytes(),
            "Animated store floor",
            f"{drawn.name}, {_shown_day(comments[drawn][1:], scenario, replayed)}replication "
            "0: shoppers coloured by mood, queues, carts and terminals.",
            "image/gif",
        ),
        id="animation",
    )


def _shown_day(when: Sequence[str], scenario: Scenario, replayed: int | None) -> str:
    """ "day 3 (Thu), 16:30-18:30, a warm-up day (the replay above shows day 14 (Mon)), " of an
    animation whose comment ends with `when` (["day 3 (Thu), 16:30-18:30"]; none in one drawn
    before animations recorded their day)."""
    match = re.match(r"day (\d+) ", when[0]) if when else None
    if match is None:
        return ""
    day = int(match[1])
    warm_up = ", a warm-up day" if day < scenario.horizon.warmup_days else ""
    other = (
        f" (the replay above shows {day_label(replayed)})"
        if replayed is not None and replayed != day
        else ""
    )
    return f"{when[0]}{warm_up}{other}, "


def _comment(gif: Path) -> str | None:
    """A GIF's comment (`setup_stamp` for an animation), None for a file that is no GIF."""
    try:
        with Image.open(gif) as picture:
            comment = picture.info.get("comment", b"")
    except OSError:
        return None
    return comment.decode("utf-8", "replace") if isinstance(comment, bytes) else str(comment)
