"""A comparison in the terminal (scenarios side by side, differences with CIs) and on disk
(comparison.csv, replications.csv, each resolved scenario, comparison.png)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from journeysim.files import scenario_files, write_bytes, write_table
from journeysim.report.compare_plot import comparison_png
from journeysim.report.console import LABELS, item_name, render, unit
from journeysim.report.outputs import write_scenarios
from journeysim.simulation.kpis import SHARES
from journeysim.study.compare import (
    DILUTED,
    PROVISIONAL,
    CompareResult,
    significant,
    table_floors,
)
from journeysim.words import amount, places_shown, signed_number, unsigned_zero

_FORMAT = re.compile(r"\{:\+?(,?)\.(\d)([f%])\}")


def comparison_files(names: Iterable[str]) -> frozenset[str]:
    """Every file `compare` may write into its folder, for scenarios of these names: a new
    comparison replaces them all (any other file there is kept)."""
    made = ("comparison.csv", "replications.csv", "comparison.png", "kpis_over_days.png")
    shown = ("report.html", "replay.html", "manifest.json")
    return frozenset({*made, *shown, *scenario_files(list(names))})


def write_comparison(result: CompareResult, folder: Path) -> list[Path]:
    """Write the comparison's files into `folder`; return their paths."""
    folder = Path(folder)
    files = [folder / "comparison.csv", folder / "replications.csv", folder / "comparison.png"]
    write_table(files[0], result.table)
    write_table(files[1], result.replications)
    write_bytes(files[2], comparison_png(result.table))
    return files + write_scenarios(result.scenarios, folder)


def comparison_text(table: pd.DataFrame) -> str:
    """Each scenario's mean side by side, then each difference from the first with its 95% CI
    (`*` marks differences whose CI excludes 0, `~` those clear but negligible) and, for money
    per day, per year (not for a single outage: study.compare.single_outages). The payback row
    gives the days only; `payback_lines` says what each change is worth."""
    names = list(dict.fromkeys(table["scenario"]))
    yearly = [
        n for n in names[1:] if table.loc[table["scenario"] == n, "diff_per_year"].notna().any()
    ]
    rows = []
    for metric in dict.fromkeys(table["metric"]):
        mine = table[table["metric"] == metric].set_index("scenario").reindex(names)
        row = [LABELS.get(metric, (metric,))[0]]
        row += [metric_text(metric, mine.at[name, "mean"]) for name in names]
        for name in names[1:]:
            row.append(difference_text(metric, mine.loc[name], note=False))
        row += [_per_year(mine.at[name, "diff_per_year"]) for name in yearly]
        rows.append(row)
    header = ["metric", *names]
    header += [f"{name} - {names[0]} [95% CI]" for name in names[1:]]
    header += [f"{name} - {names[0]} a year" for name in yearly]
    return render(rows, header)


def difference_text(metric: str, row: pd.Series, note: bool = True) -> str:
    """A row's difference with its 95% CI and `*` when significant; for payback, its `note`
    (or, without it, the days) with the payback interval where there is one, before the note's
    "(provisional)" or "(diluted: ...)"; "not compared" where the scenarios measure the metric
    differently (`without_unlike_windows`)."""
    if row["verdict"] == "not_compared":
        return "not compared  "
    low, high = (
        signed(metric, row[key], like=row["diff"]) for key in ("diff_ci_low", "diff_ci_high")
    )
    interval = f"[{low}, {high}]"
    if metric == "payback_days":
        # The interval where one end is a day: "never [1,634, never]" where the band's upper
        # edge reaches the investment and the mean does not.
        shown = math.isfinite(row["diff"]) or math.isfinite(row["diff_ci_low"])
        if not note:
            days = metric_text(metric, row["diff"])  # never (inf), or - without a payback
            return f"{days} {interval}  " if shown else f"{days}  "
        text = row["note"] if isinstance(row["note"], str) else "-"
        if not shown:
            return f"{text}  "
        ends = [text.find(mark) for mark in (PROVISIONAL, DILUTED) if mark in text]
        end = min(ends, default=len(text))
        return f"{text[:end]} {interval}{text[end:]}  "
    return f"{signed(metric, row['diff'])} {interval}{clear_mark(row)}"


def clear_mark(row: pd.Series) -> str:
    """ " *" after a difference whose CI excludes 0, " ~" where it is clear but negligible
    (its verdict: study.compare.verdict), else two spaces."""
    if not significant(row["significant"]):
        return "  "
    return " ~" if row["verdict"] == "negligible" else " *"


def clear_marks(table: pd.DataFrame) -> str:
    """What `*` and `~` mark, with the smallest difference that matters by metric (the table's
    negligible_within: `negligible_text`)."""
    return (
        "* the 95% CI of the paired difference excludes 0; ~ it does, but lies within the "
        f"smallest difference that matters (negligible: {negligible_text(table)})"
    )


def negligible_text(table: pd.DataFrame) -> str:
    """The floors of a comparison table (its negligible_within above 0) in words, in the
    table's order: "return rate 0.1 pts, NPS 1 point, ..., checkout wait 0.05 min"."""
    floors = table_floors(table)
    texts = []
    for metric, size in floors[floors > 0].items():
        shown = amount(f"{100.0 * size:g}", "pts") if metric in SHARES else None
        texts.append(f"{item_name(metric)} {shown or amount(f'{size:g}', unit(metric))}")
    return ", ".join(texts) or "none"


def payback_lines(table: pd.DataFrame) -> list[str]:
    """What each scenario's change is worth against the first, in words (its payback note,
    which ends "(provisional)" where the difference is still moving); none for a scenario
    whose change is unknown (one replication: the note is "-")."""
    names = list(dict.fromkeys(table["scenario"]))
    rows = table[table["metric"] == "payback_days"].set_index("scenario")
    return [
        f"In money, {name} against {names[0]}: {rows.at[name, 'note']}"
        for name in names[1:]
        if name in rows.index
        and isinstance(rows.at[name, "note"], str)
        and rows.at[name, "note"] != "-"
    ]


PAYBACK_METHOD = (
    "A payback counts the days from the change on day 0 until its extra contribution, added up "
    "day by day at the warm-up's rate and then at each half of the measured days', has repaid "
    "the extra investment: as the gain grows or shrinks, it is not the investment over the mean "
    "gain a day."
)


def payback_method(table: pd.DataFrame) -> str:
    """`PAYBACK_METHOD` where the table gives a payback in days (one may be finite, or its
    interval's lower end), else ""."""
    rows = table[table["metric"] == "payback_days"]
    shown = np.isfinite(rows["diff"]).any() or np.isfinite(rows["diff_ci_low"]).any()
    return PAYBACK_METHOD if shown else ""


def _per_year(value: float) -> str:
    return "" if value is None or math.isnan(value) else signed_number(value, 0)


def narrowing_note(table: pd.DataFrame, metric: str = "return_rate") -> str:
    """How much narrower the paired CI of a difference is than the unpaired (Welch) one, the
    widths in the metric's unit (a share's in percentage points, as the table writes it); where
    it is wider, why: the paired interval's n - 1 degrees of freedom against the unpaired's up to
    2n - 2, when their t-quantiles' ratio accounts for it, else a change that decorrelates the
    pair (its effect varies from replication to replication more than they differ)."""
    from scipy import stats  # only compare prints it

    lines = []
    for r in table[(table["metric"] == metric) & table["diff"].notna()].itertuples():
        paired = r.diff_ci_high - r.diff_ci_low
        unpaired = r.unpaired_ci_high - r.unpaired_ci_low
        if paired > unpaired:
            wider, n = paired / unpaired, int(r.n)
            if wider <= stats.t.ppf(0.975, n - 1) / stats.t.ppf(0.975, 2 * n - 2):
                why = (
                    f" with common random numbers: at {n} replications the paired interval, on "
                    f"{n - 1} degree{'s' * (n > 2)} of freedom against up to {2 * n - 2}, loses "
                    "more than the pairing saves; more replications (--reps) show its gain)"
                )
            else:
                why = ": the change's effect varies between replications more than they do)"
            ratio = f"{wider:.1f}x wider{why}"
        else:
            narrower = f"{unpaired / paired:.1f}x narrower" if paired > 0 else "exact"
            ratio = f"{narrower} with common random numbers)"
        lines.append(
            f"{LABELS[metric][0]}, {r.scenario}: paired 95% CI width "
            f"{magnitude(metric, paired)}, unpaired {magnitude(metric, unpaired)} ({ratio}"
        )
    return "\n".join(lines)


def metric_text(metric: str, value: float) -> str:
    """A KPI or money value in its unit; inf (payback) as never."""
    if value is None or math.isnan(value):
        return "-"
    if math.isinf(value):
        return "never"
    return LABELS.get(metric, (metric, _plain(value)))[1].format(value)


def _plain(value: float, sign: str = "") -> str:
    """The format of a value without a label of its own (receipts per hour): whole numbers
    from 1,000 (10,640, not 1.064e+04), else 3 significant digits."""
    return f"{{:{sign},.0f}}" if abs(value) >= 1000 else f"{{:{sign}.3g}}"


def magnitude(metric: str, value: float) -> str:
    """A tolerance or half-width: a difference's text without its sign."""
    return signed(metric, abs(value)).lstrip("+")


def signed(metric: str, value: float, like: float | None = None) -> str:
    """A difference with its sign and, below 1,000, one more decimal than the metric's own
    format (a whole number of more digits needs none: -827,977, not -827,977.3); a
    difference of shares in percentage points. The bounds of an interval are written `like`
    its difference."""
    if value is None or math.isnan(value) or math.isinf(value):
        return metric_text(metric, value)
    if metric == "payback_days":
        return metric_text(metric, value)
    value += 0.0  # -0.0 reads +0.0
    if metric in SHARES:
        return f"{signed_number(100.0 * value, 2)} pts"
    own = LABELS.get(metric, (metric, ""))[1]
    match = _FORMAT.fullmatch(own)
    if match is None:
        return _plain(value, "+").format(value)
    size = abs(value if like is None or not math.isfinite(like) else like)
    places = int(match[2]) + (1 if size < 1000 else 0)
    shown = 100.0 * value if match[3] == "%" else value
    places = places_shown(shown, places)
    if unsigned_zero(shown, places) == 0.0:
        value = 0.0  # a zero's rounding reads +0, not -0
    return f"{{:+{match[1]}.{places}{match[3]}}}".format(value)


def signed_interval(metric: str, difference: float, low: float, high: float, unit: str = "") -> str:
    """ "difference [low, high]", each `signed` like the difference, with the `unit` after the
    difference if given ("-0.028 min [-0.044, -0.011]")."""
    shown, low_text, high_text = (
        signed(metric, v, like=difference) for v in (difference, low, high)
    )
    return f"{f'{shown} {unit}'.rstrip()} [{low_text}, {high_text}]"


def ci_text(metric: str, mean: float, low: float, high: float, difference: bool = False) -> str:
    """A mean and its 95% CI, "mean [low, high]", in the metric's unit (`metric_text`) or,
    for a `difference`, signed (`signed`); "-" where there is no mean."""
    if mean is None or math.isnan(mean):
        return "-"
    if difference:
        return signed_interval(metric, mean, low, high)
    return f"{metric_text(metric, mean)} [{metric_text(metric, low)}, {metric_text(metric, high)}]"
