"""Receipts per opening hour of a replication, as a till would count them: visits that bought
something, by the time scanning ended (the receipt's time), per weekday and per weekend day
measured. Only a calibration to hourly receipts asks for them, so they are not among the
summary's METRICS; their names are `receipts_weekday_hHHMM` / `receipts_weekend_hHHMM`, the
clock time the opening hour starts."""

from __future__ import annotations

import re

import numpy as np

from journeysim.loyalty.base import is_weekend
from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import Replication

KINDS = ("weekday", "weekend")
PATTERN = re.compile(r"^receipts_(weekday|weekend)_h(\d\d)(\d\d)$")


def hourly_name(kind: str, minute: int) -> str:
    """The metric of the opening hour that starts `minute` minutes after midnight."""
    return f"receipts_{kind}_h{minute // 60:02d}{minute % 60:02d}"


def is_hourly(metric: str) -> bool:
    return PATTERN.match(metric) is not None


def hour_start(metric: str) -> int:
    """The minute after midnight the hourly `metric` names (`hourly_name`'s inverse)."""
    match = PATTERN.match(metric)
    if match is None:
        raise ValueError(f"not an hourly metric: {metric!r}")
    return int(match[2]) * 60 + int(match[3])


def hourly_names(scenario: Scenario) -> list[str]:
    """Every hourly metric of the scenario's opening hours."""
    starts = [scenario.hours.open_min + 60 * i for i in range(scenario.opening_hours)]
    return [hourly_name(kind, start) for kind in KINDS for start in starts]


def measured_days(scenario: Scenario, kind: str) -> int:
    """How many weekdays or weekend days (`kind`) the run measures, after its warm-up."""
    warmup = scenario.horizon.warmup_days
    days = range(warmup, warmup + scenario.horizon.days)
    return sum(is_weekend(day) == (kind == "weekend") for day in days)


def hourly_receipts(rep: Replication, scenario: Scenario) -> dict[str, float]:
    """Mean receipts per opening hour on a measured weekday and weekend day (NaN for a kind
    the horizon has no day of)."""
    warmup, hours = scenario.horizon.warmup_days, scenario.opening_hours
    visits = rep.visits
    bought = visits[(visits["day"] >= warmup) & (visits["items"] > 0) & (visits["abandoned"] == "")]
    minute = (bought["service_start_min"] + bought["service_min"]).to_numpy(dtype=float)
    hour = np.clip((minute - scenario.hours.open_min) // 60, 0, hours - 1).astype(int)
    weekend = bought["day"].map(is_weekend).to_numpy(dtype=bool)
    result = {}
    for kind, flag in zip(KINDS, (False, True)):
        count = measured_days(scenario, kind)
        per_hour = np.bincount(hour[weekend == flag], minlength=hours) / count if count else None
        for i in range(hours):
            name = hourly_name(kind, scenario.hours.open_min + 60 * i)
            result[name] = float(per_hour[i]) if per_hour is not None else float("nan")
    return result
