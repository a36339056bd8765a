"""Plain-text tables for the terminal."""

from __future__ import annotations

import math

import pandas as pd

KPI_LABELS = {
    "return_rate": ("Return rate", "{:.1%}"),
    "share_of_wallet": ("Share of wallet", "{:.1%}"),
    "nps": ("NPS", "{:+.1f}"),
    "csat": ("CSAT (1-5)", "{:.2f}"),
    "ces": ("CES (1-7)", "{:.2f}"),
    "abandonment_rate": ("Abandonment", "{:.2%}"),
    "mean_checkout_wait_min": ("Checkout wait (min)", "{:.2f}"),
    "revenue_per_day": ("Revenue per day (PLN)", "{:,.0f}"),
    "visits_per_day": ("Visits per day", "{:,.0f}"),
    "new_customers_per_day": ("New customers per day", "{:.1f}"),
    "active_customers": ("Active customers", "{:,.0f}"),
    "complaints_per_day": ("Complaints per day", "{:.2f}"),
    "rating": ("Online rating (stars)", "{:.2f}"),
}


def fmt(metric: str, value: float) -> str:
    """A KPI value in its unit."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return KPI_LABELS.get(metric, (metric, "{:.3g}"))[1].format(value)


def label(metric: str) -> str:
    return KPI_LABELS.get(metric, (metric, ""))[0]


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


def kpi_rows(summary: pd.DataFrame) -> list[list[str]]:
    """summary.csv (metric, mean, ci_low, ci_high, n) as formatted rows, one per KPI."""
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


def journey_map_table(touchpoints: pd.DataFrame) -> str:
    """Feeling and effort per touchpoint kind, worst net feeling first."""
    table = touchpoints[touchpoints["count"] > 0].sort_values("net")
    visits = max(table["count"].max(), 1)
    rows = [
        [
            r.touchpoint,
            f"{r.positive / visits:+.3f}",
            f"{r.negative / visits:+.3f}",
            f"{r.net / visits:+.3f}",
            f"{r.effort_share:.0%}",
        ]
        for r in table.itertuples()
    ]
    return render(rows, ["touchpoint", "positive", "negative", "net", "effort share"])
