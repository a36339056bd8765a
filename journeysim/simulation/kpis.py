"""Key performance indicators of one replication, computed after the warm-up."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from journeysim.scenario.schema import Scenario
from journeysim.simulation.lifetime import lifetime_warning
from journeysim.simulation.replication import Replication
from journeysim.words import amount, plural

HIGHER, LOWER = 1, -1
# Every KPI with the way that is better for the store and its customers.
BETTER = {
    "return_rate": HIGHER,
    "share_of_wallet": HIGHER,
    "nps": HIGHER,
    "csat": HIGHER,
    "ces": LOWER,  # Customer Effort Score, 1 very easy .. 7 very hard
    "abandonment_rate": LOWER,
    "mean_checkout_wait_min": LOWER,
    "revenue_per_day": HIGHER,
    "visits_per_day": HIGHER,
    "new_customers_per_day": HIGHER,
    "active_customers": HIGHER,
    "complaints_per_day": LOWER,
    "rating": HIGHER,
}
KPIS = tuple(BETTER)
# The smallest difference in a KPI that matters to a store, in the KPI's unit: a difference
# whose 95% CI excludes 0 but lies within this either side is clear, but negligible. Scores take
# half a percent of their scale (NPS -100..100, CSAT and stars 1-5, CES 1-7), shares a tenth of a
# percentage point, the wait 3 seconds. Counts and money have none: a clear difference in them
# is read at its size, which the table and its yearly figure give.
MATERIAL = {
    "return_rate": 0.001,
    "share_of_wallet": 0.001,
    "nps": 1.0,
    "csat": 0.02,
    "ces": 0.03,
    "abandonment_rate": 0.001,
    "mean_checkout_wait_min": 0.05,
    "rating": 0.02,
}
# KPIs that are fractions 0..1: their differences read in percentage points.
SHARES = frozenset({"return_rate", "share_of_wallet", "abandonment_rate"})
# What more shoppers make worse and fewer better, whatever the store does: queues and what
# follows them, and complaints counted a day.
CROWDED = ("ces", "abandonment_rate", "mean_checkout_wait_min", "complaints_per_day")
# KPIs that count a return within loyalty.return_window_days: scenarios with other windows
# measure them on other yardsticks, so a comparison leaves their differences out.
WINDOWED = ("return_rate", "active_customers")
WEEK_DAYS = 7  # the return rate of fewer measured days leaves some weekdays out


def horizon_too_short(scenario: Scenario, metrics: Iterable[str], days_by: str = "") -> str | None:
    """Why a KPI of `metrics` can have no value on `scenario`'s horizon, else None: a visit's
    return is known only once its window has passed within the horizon (see `returned`), so
    return_rate needs horizon.days longer than loyalty.return_window_days. `days_by` names
    who set horizon.days (e.g. `study.yaml: days`), if not the scenario."""
    window, days = scenario.loyalty.return_window_days, scenario.horizon.days
    if "return_rate" in metrics and days <= window:
        expected = (
            f"expected more than loyalty.return_window_days ({window:g}) to measure return_rate"
        )
        if days_by:
            return f"{days_by}: {expected} (got {days})"
        return f"horizon.days is {days}: {expected} (set horizon.days or --days)"
    return None


def return_rate_warning(scenario: Scenario) -> str | None:
    """Why `scenario`'s return rate will be n/a (`horizon_too_short`), as the one-line warning
    `run` and `compare` print beside the lifetime's, else None."""
    if horizon_too_short(scenario, ["return_rate"]) is None:
        return None
    window, days = scenario.loyalty.return_window_days, scenario.horizon.days
    are = "is" if days == 1 else "are"
    return (
        f"return rate is n/a: no visit can be seen to return, since the "
        f"{plural(days, 'measured day')} (horizon.days) {are} not longer than "
        f"loyalty.return_window_days ({window:g}); run more than {amount(f'{window:g}', 'days')} "
        "(horizon.days or --days) or shorten loyalty.return_window_days"
    )


def part_week_warning(scenario: Scenario) -> str | None:
    """Why `scenario`'s return rate rests on less than a week of visits, else None: only the
    visits of the first horizon.days - loyalty.return_window_days measured days have their
    window end within the run (`returned`), and fewer than 7 leave some weekdays out (with
    --days 15 and the window of 14, one day's visits alone)."""
    window, days = scenario.loyalty.return_window_days, scenario.horizon.days
    counted = days - window
    if not 0 < counted < WEEK_DAYS:
        return None
    first = "measured day" if counted == 1 else f"{counted:g} measured days"
    return (
        f"return rate counts the visits of the first {first} only, whose return window "
        f"(loyalty.return_window_days, {window:g}) ends within the run: less than a week, so "
        "not every weekday is in it; run "
        f"{amount(f'{window + WEEK_DAYS:g}', 'days')} or more (horizon.days or --days)"
    )


def return_rate_warnings(scenarios: Sequence[Scenario]) -> list[str]:
    """`return_rate_warning` (or `part_week_warning`) of each of `scenarios` (compared
    together), each text once; when the scenarios do not all share a warning, each is prefixed
    with its scenario's name."""
    texts = [return_rate_warning(s) or part_week_warning(s) for s in scenarios]
    if len(set(texts)) > 1:
        texts = [f"{s.name}: {text}" if text else None for s, text in zip(scenarios, texts)]
    return [text for text in dict.fromkeys(texts) if text]


def window_warning(scenarios: Sequence[Scenario]) -> str | None:
    """Why the `WINDOWED` KPIs of `scenarios` compared together are not compared (their return
    windows differ), else None."""
    windows = [s.loyalty.return_window_days for s in scenarios]
    if len(set(windows)) < 2:
        return None
    each = ", ".join(f"{s.name} {window:g}" for s, window in zip(scenarios, windows))
    return (
        "return rate and active customers are not compared: the scenarios count a return within "
        f"different windows (loyalty.return_window_days: {each} days)"
    )


def one_off(scenarios: Iterable[Scenario]) -> list[str]:
    """The names of `scenarios` whose shoppers come once (arrivals.mode open)."""
    return [s.name for s in scenarios if s.arrivals.mode == "open"]


def short_horizon_warnings(scenarios: Sequence[Scenario], table: pd.DataFrame) -> list[str]:
    """What `scenarios`, run together into `table` (summary.csv or comparison.csv), were too
    short to measure: the return rate (`return_rate_warnings`) and the customers' lifetime
    (`lifetime_warning`); and what they measure too differently to compare (`window_warning`);
    each text once."""
    lifetime = lifetime_warning(table, one_off(scenarios))
    texts = [*return_rate_warnings(scenarios), lifetime, window_warning(scenarios)]
    return [text for text in dict.fromkeys(texts) if text]


def returned(visits: pd.DataFrame, window_days: float, horizon_min: float) -> pd.Series:
    """Per visit: 1.0 if the same customer visits again within the window, 0.0 if not,
    NaN when the window runs past the end of the horizon (censored). Visits of several
    replications (a column `replication`) are those of different customers."""
    time = (visits["day"] * 1440.0 + visits["arrival_min"]).to_numpy()
    keys = [time, visits["customer_id"].to_numpy()]
    if "replication" in visits:
        keys.append(visits["replication"].to_numpy())
    order = np.lexsort(keys)
    sorted_time = time[order]
    same = np.ones(max(len(order) - 1, 0), dtype=bool)
    for key in keys[1:]:
        ordered = key[order]
        same &= ordered[1:] == ordered[:-1]
    next_time = np.full(len(order), np.inf)
    next_time[:-1][same] = sorted_time[1:][same]
    window = window_days * 1440.0
    result = np.where(next_time - sorted_time <= window, 1.0, 0.0)
    result[sorted_time + window > horizon_min] = np.nan
    out = np.empty(len(order))
    out[order] = result
    return pd.Series(out, index=visits.index)


def net_promoter_score(ltr: pd.Series) -> float:
    """% promoters (9-10) minus % detractors (0-6) (Reichheld 2003)."""
    if ltr.empty:
        return math.nan
    return 100.0 * ((ltr >= 9).mean() - (ltr <= 6).mean())


def replication_kpis(rep: Replication, scenario: Scenario) -> dict[str, float]:
    """All KPIs of a replication over the days after warm-up."""
    warmup = scenario.horizon.warmup_days
    days = scenario.horizon.days
    all_visits = rep.visits
    back = returned(all_visits, scenario.loyalty.return_window_days, scenario.total_days * 1440.0)
    measured = all_visits["day"] >= warmup
    read = [  # only the columns read (not a copy of the whole table)
        "share_of_wallet",
        "ltr",
        "csat",
        "ces",
        "abandoned",
        "checkout_wait_min",
        "revenue",
        "complained",
    ]
    visits = all_visits.loc[measured, read]
    day_table = rep.days[rep.days["day"] >= warmup]
    waits = visits["checkout_wait_min"].dropna()
    return {
        "return_rate": float(back[measured].mean()),
        "share_of_wallet": float(visits["share_of_wallet"].mean()),
        "nps": net_promoter_score(visits["ltr"]),
        "csat": float(visits["csat"].mean()),
        "ces": float(visits["ces"].mean()),
        "abandonment_rate": float((visits["abandoned"] != "").mean()),
        "mean_checkout_wait_min": float(waits.mean()) if len(waits) else math.nan,
        "revenue_per_day": float(visits["revenue"].sum()) / days,
        "visits_per_day": len(visits) / days,
        "new_customers_per_day": float(day_table["new_customers"].mean()),
        "active_customers": float(day_table["active_customers"].mean()),
        "complaints_per_day": float(visits["complained"].sum()) / days,
        "rating": final_rating(day_table, all_visits),
    }


def final_rating(day_table: pd.DataFrame, visits: pd.DataFrame) -> float:
    """The online rating at the end of the measured days (`day_table`); NaN when the store had
    no visit (warm-up included): no review earned it, it would read after_visit.initial_rating."""
    if day_table.empty or visits.empty:
        return math.nan
    return float(day_table["rating"].iloc[-1])
