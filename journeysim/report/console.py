"""Plain-text tables for the terminal."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from journeysim.simulation.journey_map import touched
from journeysim.words import figure, listed

if TYPE_CHECKING:
    from journeysim.scenario.schema import Scenario

KPI_LABELS = {
    "return_rate": ("Return rate", "{:.1%}"),
    "share_of_wallet": ("Share of wallet", "{:.1%}"),
    "nps": ("NPS", "{:+.1f}"),
    "csat": ("CSAT (1-5)", "{:.2f}"),
    "ces": ("CES (1-7, 1 easiest)", "{:.2f}"),
    "abandonment_rate": ("Abandonment", "{:.2%}"),
    "mean_checkout_wait_min": ("Checkout wait (min)", "{:,.2f}"),
    "revenue_per_day": ("Revenue per day (PLN)", "{:,.0f}"),
    "visits_per_day": ("Visits per day", "{:,.0f}"),
    "new_customers_per_day": ("New customers per day", "{:,.1f}"),
    "active_customers": ("Active customers", "{:,.0f}"),
    "complaints_per_day": ("Complaints per day", "{:,.2f}"),
    "rating": ("Online rating (stars)", "{:.2f}"),
}
MONEY_LABELS = {
    "gross_margin_per_day": ("Gross margin per day (PLN)", "{:,.0f}"),
    "wages_per_day": ("Wages per day (PLN)", "{:,.0f}"),
    "outage_cost_per_day": ("Outage cost per day (PLN)", "{:,.0f}"),
    "recovery_cost_per_day": ("Recovery cost per day (PLN)", "{:,.0f}"),
    "fixed_cost_per_day": ("Fixed cost per day (PLN)", "{:,.0f}"),
    "cost_per_day": ("Cost per day (PLN)", "{:,.0f}"),
    "contribution_per_day": ("Contribution per day (PLN)", "{:,.0f}"),
    "lifetime_days": ("Customer lifetime (discounted days)", "{:,.0f}"),
    "customer_value": ("Customer base lifetime margin, before costs (PLN)", "{:,.0f}"),
    "investment": ("One-off investment (PLN)", "{:,.0f}"),
    "payback_days": ("Payback (days)", "{:,.0f}"),
}
LABELS = {**KPI_LABELS, **MONEY_LABELS}
# Money a scenario may leave at 0 (the money table's investment, outage, recovery and fixed cost).
UNSET_COSTS = ("investment", "per_outage", "per_complaint", "per_follow_up", "fixed_per_day")


def fmt(metric: str, value: float) -> str:
    """A KPI or money value in its unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return LABELS.get(metric, (metric, "{:.3g}"))[1].format(value)


def label(metric: str) -> str:
    return LABELS.get(metric, (metric, ""))[0]


def item_name(metric: str) -> str:
    """The metric's label in a sentence: "return rate", "NPS", "visits per day", "wages" (the
    unit, and money's "per day", left to the sentence)."""
    label = LABELS.get(metric, (metric,))[0]
    name = re.sub(r" \(.*\)$", "", label)
    if "(PLN)" in label and metric.endswith("_per_day"):
        name = name.removesuffix(" per day")
    return in_a_sentence(name)


def in_a_sentence(name: str) -> str:
    """A label inside a sentence: lower case but for an acronym ("NPS")."""
    return name if name.split()[0].isupper() else name[0].lower() + name[1:]


def index_text(value: float) -> str:
    """A Sobol' index or half-width to three places, "-" where there is none (a metric that
    does not vary or that some point cannot measure)."""
    return "-" if math.isnan(value) else f"{value:.3f}"


def unit(metric: str) -> str:
    """The unit a KPI's label names (PLN, min, stars, ...), money per day as "PLN a day"; NPS
    in points; "" for a scale such as CSAT's (1-5) or a count."""
    if metric == "nps":
        return "points"
    named = re.search(r"\(([A-Za-z][^)]*)\)$", label(metric))
    if not named:
        return ""
    return f"{named[1]} a day" if named[1] == "PLN" and metric.endswith("_per_day") else named[1]


def setting_text(value: object) -> str:
    """A scenario setting's value as shown: a float to 4 significant digits (`figure`:
    12,346, not 1.235e+04)."""
    return figure(float(value), 4) if isinstance(value, (float, np.floating)) else str(value)


def runs_per_point(runs: pd.DataFrame, failed: pd.DataFrame) -> dict[int, str]:
    """A sweep's runs of each point, finished (`runs`) and `failed`, as its tables give them:
    "2", or, where any run of the sweep failed, how many of the point's finished: "1 of 2"."""
    finished = runs.groupby("point").size()
    lost = failed.groupby("point").size()
    points = finished.index.union(lost.index)
    finished, lost = (counts.reindex(points, fill_value=0) for counts in (finished, lost))
    if lost.sum() == 0:
        return {int(p): str(n) for p, n in finished.items()}
    return {int(p): f"{n} of {n + lost[p]}" for p, n in finished.items()}


def render(rows: list[list[str]], header: list[str]) -> str:
    """Columns aligned: first left, the rest right."""
    table = [header, *rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    lines = []
    for n, row in enumerate(table):
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        lines.append("  ".join(cells))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


KPI_HEADER = ["KPI", "mean", "95% CI", "n"]
MONEY_HEADER = ["money", "mean", "95% CI", "n"]


def kpi_rows(summary: pd.DataFrame, labels: dict = KPI_LABELS) -> list[list[str]]:
    """summary.csv (metric, mean, ci_low, ci_high, n) as formatted rows, one per metric of
    `labels` (default: the KPIs; MONEY_LABELS for money)."""
    summary = summary[summary["metric"].isin(labels)]
    return [
        [
            label(r.metric),
            fmt(r.metric, r.mean),
            f"[{fmt(r.metric, r.ci_low)}, {fmt(r.metric, r.ci_high)}]",
            str(r.n),
        ]
        for r in summary.itertuples()
    ]


def kpi_table(summary: pd.DataFrame) -> str:
    """The KPI table with 95% confidence intervals."""
    return render(kpi_rows(summary), KPI_HEADER)


def money_table(summary: pd.DataFrame) -> str:
    """The money metrics with 95% confidence intervals."""
    return render(kpi_rows(summary, MONEY_LABELS), MONEY_HEADER)


JOURNEY_MAP_HEADER = ["touchpoint", "positive", "negative", "net", "effort share"]


def journey_map_rows(touchpoints: pd.DataFrame) -> list[list[str]]:
    """RunResult.touchpoints (the journey map per measured visit, worst net first) as
    formatted rows, one per kind of touchpoint the visits met, named in words as the chart
    names them ("checkout wait"; touchpoints.csv keeps the kind, checkout_wait)."""
    return [
        [
            r.touchpoint.replace("_", " "),
            _feeling(r.positive),
            _feeling(r.negative),
            _feeling(r.net),
            f"{r.effort_share:.0%}",
        ]
        for r in touched(touchpoints).itertuples()
    ]


def _feeling(value: float) -> str:
    """A feeling with its sign, and none where it rounds to zero (a negative column's -0.0004
    read "-0.000", an untouched one "+0.000")."""
    text = f"{value:+.3f}"
    return "0.000" if float(text) == 0.0 else text


def journey_map_table(touchpoints: pd.DataFrame) -> str:
    """Feeling per measured visit and share of effort by touchpoint kind, worst net first."""
    return render(journey_map_rows(touchpoints), JOURNEY_MAP_HEADER)


def unset_costs_text(scenarios: Sequence[Scenario]) -> str:
    """The costs left at 0 because a scenario does not set them (so that a 0 is not read as
    "the outage cost nothing", nor a new till as free), or "": those no scenario sets, then
    those only some set, with the scenarios that leave them at 0 ("in baseline only: ...")."""
    unset_in: dict[str, list[str]] = {}
    for key in UNSET_COSTS:
        names = [s.name for s in scenarios if getattr(s.costs, key) == 0]
        if names:
            unset_in[key] = names
    everywhere = [key for key, names in unset_in.items() if len(names) == len(scenarios)]
    parts = [listed([f"costs.{key}" for key in everywhere])] if everywhere else []
    if "per_outage" in everywhere:
        parts[0] += " (lost sales are in the gross margin)"
    by_names: dict[tuple[str, ...], list[str]] = {}
    for key, names in unset_in.items():
        if key not in everywhere:
            by_names.setdefault(tuple(names), []).append(f"costs.{key}")
    parts += [f"in {listed(names)} only: {listed(keys)}" for names, keys in by_names.items()]
    return "Costs at 0 (unset or set to 0): " + "; ".join(parts) if parts else ""
