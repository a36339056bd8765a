"""What receipts say that only a calibration can match: KPIs of the run summary (return rate,
visits and revenue per day) with the 95% confidence half-width of the observation as their
tolerance, receipts per hour, and the time between a card holder's visits."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from journeysim.simulation.kpis import returned
from journeysim.study.receipts import Receipts

Z95 = float(stats.norm.ppf(0.975))


def calendar(receipts: Receipts) -> pd.DataFrame:
    """Per receipt: `day` (days since the first receipt's date), `minute` of the day,
    `weekend` (Saturday or Sunday) and `date`."""
    time = receipts.table["timestamp"]
    date = time.dt.normalize()
    return pd.DataFrame(
        {
            "date": date,
            "day": (date - date.iloc[0]).dt.days,
            "minute": (time - date).dt.total_seconds() / 60.0,
            "weekend": time.dt.dayofweek >= 5,
        }
    )


def daily(receipts: Receipts) -> pd.DataFrame:
    """Per date with receipts: `receipts`, `revenue` and `weekend`."""
    days = calendar(receipts)
    table = pd.DataFrame(
        {"date": days["date"], "weekend": days["weekend"], "amount": receipts.table["amount"]}
    )
    grouped = table.groupby("date")
    return pd.DataFrame(
        {
            "receipts": grouped.size(),
            "revenue": grouped["amount"].sum(),
            "weekend": grouped["weekend"].first(),
        }
    )


def weekly_mean(values: pd.Series, weekend: pd.Series) -> tuple[float, float]:
    """The mean per day of a week (5 weekdays, 2 weekend days) of per-day values and its 95%
    half-width (normal; NaN with fewer than two days of a kind)."""
    parts = []
    for flag, weight in ((False, 5 / 7), (True, 2 / 7)):
        mine = values[weekend == flag]
        if mine.empty:
            return float(values.mean()), np.nan
        se2 = mine.var(ddof=1) / len(mine) if len(mine) > 1 else np.nan
        parts.append((weight * mine.mean(), weight**2 * se2))
    mean = sum(p[0] for p in parts)
    return float(mean), float(Z95 * np.sqrt(sum(p[1] for p in parts)))


def return_rate(receipts: Receipts, window_days: float) -> tuple[float, float, int]:
    """Share of card visits followed by another visit of the same card within the window (the
    KPI `return_rate`; visits whose window runs past the last receipt's day are left out), its
    95% half-width clustered by customer (a ratio estimator over customers) and the visits used."""
    cards = receipts.table["customer_id"].notna()
    days = calendar(receipts)[cards]
    visits = pd.DataFrame(
        {
            "customer_id": pd.factorize(receipts.table.loc[cards, "customer_id"])[0],
            "day": days["day"].to_numpy(),
            "arrival_min": days["minute"].to_numpy(),
        }
    )
    horizon = (int(calendar(receipts)["day"].max()) + 1) * 1440.0
    back = returned(visits, window_days, horizon)
    known = back.notna()
    n = int(known.sum())
    if n == 0:
        return np.nan, np.nan, 0
    rate = float(back[known].mean())
    per_customer = pd.DataFrame({"c": visits["customer_id"][known], "y": back[known]})
    totals = per_customer.groupby("c")["y"].agg(["sum", "count"])
    clusters = len(totals)
    if clusters < 2:
        return rate, np.nan, n
    residual = totals["sum"] - rate * totals["count"]
    se = np.sqrt(clusters / (clusters - 1) * (residual**2).sum()) / n
    return rate, float(Z95 * se), n


def inter_visit_days(receipts: Receipts) -> dict[str, float]:
    """Days between consecutive receipts of the same card: count, customers, mean and quartiles."""
    cards = receipts.table[receipts.table["customer_id"].notna()]
    ordered = cards.sort_values(["customer_id", "timestamp"])
    gaps = ordered.groupby("customer_id")["timestamp"].diff().dt.total_seconds() / 86400.0
    gaps = gaps.dropna()
    if gaps.empty:
        return {"gaps": 0}
    q1, median, q3 = np.percentile(gaps, [25, 50, 75])
    return {
        "gaps": int(len(gaps)),
        "customers": int(ordered["customer_id"].nunique()),
        "mean": round(float(gaps.mean()), 2),
        "q1": round(float(q1), 2),
        "median": round(float(median), 2),
        "q3": round(float(q3), 2),
    }


def hourly_receipts(receipts: Receipts, open_min: int, hours: int) -> dict[str, list[float]]:
    """Mean receipts per opening hour (by receipt time) on a weekday and on a weekend day, and
    as `weekday_tolerance` / `weekend_tolerance` their 95% half-widths over the dates (the
    variance across dates, at least that of a Poisson count of one receipt; left out for a kind
    of day seen on one date only, whose spread across dates is unknown)."""
    days = calendar(receipts)
    hour = np.clip(np.floor((days["minute"] - open_min) / 60.0), 0, hours - 1).astype(int)
    result = {}
    for name, flag in (("weekday", False), ("weekend", True)):
        mine = days["weekend"] == flag
        dates = days.loc[mine, "date"].nunique()
        if dates:
            per_date = pd.crosstab(days.loc[mine, "date"], hour[mine])
            counts = per_date.reindex(columns=range(hours), fill_value=0).to_numpy(dtype=float)
            result[name] = [round(float(c), 2) for c in counts.mean(axis=0)]
            if dates > 1:
                variance = np.fmax(counts.var(axis=0, ddof=1), 1.0)
                half = Z95 * np.sqrt(variance / dates)
                result[f"{name}_tolerance"] = [float(f"{h:.3g}") for h in half]
    return result
