"""What each metric can be, and a confidence interval cut to it.

A Student-t interval is symmetric about the mean, so with few replications or a mean near a
bound it can run past what the metric can be (a negative wait, an NPS above 100); every level
interval (summary.csv, compare, sweep, select, optimise, calibrate, the charts, parameter-set
bands) is cut here so that all of them agree. Differences between scenarios are not levels:
they are cut only at the widths of the range, never at the range itself.
"""

from __future__ import annotations

import math

import numpy as np

from journeysim.simulation.hourly import is_hourly
from journeysim.simulation.kpis import SHARES

# What each metric can be (None: no bound on that side); a metric not listed is unbounded
# (contribution_per_day: a loss is possible). Money that is a sum of amounts the schema keeps
# non-negative (wages, costs, margin x revenue, lifetime x margin) cannot fall below 0.
RANGES: dict[str, tuple[float | None, float | None]] = {
    "nps": (-100.0, 100.0),
    "return_rate": (0.0, 1.0),
    "share_of_wallet": (0.0, 1.0),
    "abandonment_rate": (0.0, 1.0),
    "csat": (1.0, 5.0),
    "ces": (1.0, 7.0),
    "rating": (1.0, 5.0),
    "mean_checkout_wait_min": (0.0, None),
    "revenue_per_day": (0.0, None),
    "visits_per_day": (0.0, None),
    "new_customers_per_day": (0.0, None),
    "active_customers": (0.0, None),
    "complaints_per_day": (0.0, None),
    "gross_margin_per_day": (0.0, None),
    "wages_per_day": (0.0, None),
    "fixed_cost_per_day": (0.0, None),
    "outage_cost_per_day": (0.0, None),
    "recovery_cost_per_day": (0.0, None),
    "cost_per_day": (0.0, None),
    "lifetime_days": (0.0, None),
    "customer_value": (0.0, None),
    "investment": (0.0, None),
}


# The smallest difference of each metric worth telling apart: calibrate's least tolerance of a
# target and select's least default indifference, so that a target or mean of 0 has one. A
# metric not listed: one of its units (visit, receipt, customer, day, PLN).
RESOLUTION: dict[str, float] = {
    "return_rate": 0.005,  # half a percentage point
    "share_of_wallet": 0.005,
    "abandonment_rate": 0.005,
    "nps": 1.0,  # a point
    "csat": 0.05,  # a twentieth of a point of the scale
    "ces": 0.05,
    "rating": 0.05,
    "mean_checkout_wait_min": 0.1,  # six seconds
}


def resolution(metric: str) -> float:
    """The smallest difference of `metric` worth telling apart (RESOLUTION, else 1 unit)."""
    return RESOLUTION.get(metric, 1.0)


def metric_range(metric: str | None, difference: bool = False) -> tuple[float, float]:
    """What a metric (or a difference of two) can be; -inf/inf where unbounded."""
    low, high = RANGES.get(metric, (None, None)) if metric else (None, None)
    if metric and is_hourly(metric):  # receipts per opening hour: counts
        low = 0.0
    low, high = -np.inf if low is None else low, np.inf if high is None else high
    return (low - high, high - low) if difference else (low, high)


def out_of_range(
    metric: str, value: float, difference: bool = False, shown: bool = False
) -> str | None:
    """What a bound or target `value` of `metric` (or of a difference of two) should have been,
    if it is one the metric cannot reach; None if it can (a range's end included). `shown`:
    say the value got, where no hint names it already (for a value not in the text named)."""
    low, high = metric_range(metric, difference)
    if low <= value <= high:
        return None
    share = metric in SHARES
    what = "a difference" if difference else "a share" if share else "a value"
    span = f"of at least {low:g}" if math.isinf(high) else f"from {low:g} to {high:g}"
    if share and low <= value / 100 <= high:  # a percentage, or percentage points
        hint = f" ({value:g}{' points' if difference else '%'} is {value / 100:g})"
    elif difference:
        hint = f" ({metric} spans {' to '.join(f'{end:g}' for end in metric_range(metric))})"
    else:
        hint = f" (got {value:g})" if shown else ""
    return f"expected {what} {span}{hint}"


# The widest tolerance or indifference of a metric without an upper bound (money, minutes,
# counts), whose range has no width: a billion of its units tells no two stores apart.
MAX_UNBOUNDED_WIDTH = 1e9


def too_wide(metric: str, tolerance: float, what: str = "a tolerance") -> str | None:
    """What a tolerance (or indifference) of `metric` should have been, if it is as wide as
    the metric's range (or MAX_UNBOUNDED_WIDTH, where the range has no end), within which it
    tells no two values apart; None if it is narrower."""
    low, high = metric_range(metric)
    width = high - low
    if tolerance < min(width, MAX_UNBOUNDED_WIDTH):
        return None
    if math.isinf(width):
        return (
            f"expected {what} below {MAX_UNBOUNDED_WIDTH:,.0f}, the most a KPI without an upper "
            f"bound tells apart (got {tolerance:g})"
        )
    return (
        f"expected {what} below {width:g}, the width of {metric}'s range {low:g} to "
        f"{high:g} (got {tolerance:g})"
    )


def cut(low: float, high: float, bounds: tuple[float, float]) -> tuple[float, float]:
    """The interval [low, high] cut to `bounds` (a NaN end stays NaN)."""
    return float(np.clip(low, *bounds)), float(np.clip(high, *bounds))
