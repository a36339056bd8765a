"""Money of one replication from the scenario's `costs`: gross margin, running costs, contribution
and the value of the customer base (the payback of one scenario against another:
simulation/payback.py).

Amounts are in the scenario's currency (PLN) per measured day (warm-up days excluded, like KPIs).
"""

from __future__ import annotations

import math

import pandas as pd

from journeysim.scenario.schema import Scenario, StaffRole
from journeysim.simulation.kpis import HIGHER, LOWER
from journeysim.simulation.lifetime import base_lifetime_days
from journeysim.simulation.replication import Replication

# Every money metric with the way that is better (an investment is money spent).
BETTER = {
    "gross_margin_per_day": HIGHER,
    "wages_per_day": LOWER,
    "outage_cost_per_day": LOWER,
    "recovery_cost_per_day": LOWER,
    "fixed_cost_per_day": LOWER,
    "cost_per_day": LOWER,
    "contribution_per_day": HIGHER,
    "lifetime_days": HIGHER,
    "customer_value": HIGHER,
    "investment": LOWER,
}
MONEY = tuple(BETTER)
# What contribution is made of: contribution = gross margin - cost, cost = wages + outage cost +
# recovery cost + fixed cost.
CONTRIBUTION_PARTS = (
    "gross_margin_per_day",
    "wages_per_day",
    "outage_cost_per_day",
    "recovery_cost_per_day",
    "fixed_cost_per_day",
    "cost_per_day",
)
# Money the bottom line judges neither better nor worse: the contribution's parts (money counts
# once, as contribution), the customer base's lifetime margin (that gross margin over the
# customers' lifetime, before costs: its loyalty part is judged as lifetime_days) and the
# one-off investment, which the user sets and the payback weighs.
NOT_JUDGED = (*CONTRIBUTION_PARTS, "customer_value", "investment")
# Money the scenario sets, the same in every replication: a difference with nothing to test.
SET = ("fixed_cost_per_day", "investment")
# Money flows per measured day; compare also shows their differences per year.
PER_DAY = tuple(metric for metric in MONEY if metric.endswith("_per_day"))
DAYS_PER_YEAR = 365.0


def lane_hours(lanes_log: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    """Hours each lane was staffed between the minutes `start` and `end`, from the lane log
    of one replication (a lane still open at the end of the log counts to `end`): one row per
    lane, reason and role (cashier, or the role of a colleague called from the floor), with its
    `hours`."""
    rows: dict[tuple[int, str, str], float] = {}
    opened: dict[int, tuple[float, str, str]] = {}
    for entry in lanes_log.sort_values("time", kind="stable").itertuples(index=False):
        if entry.event == "opened":
            opened[entry.lane] = (entry.time, entry.reason, entry.role)
            continue
        since, reason, role = opened.pop(entry.lane)
        key = (entry.lane, reason, role)
        rows[key] = rows.get(key, 0.0) + _overlap(since, entry.time, start, end)
    for lane, (since, reason, role) in opened.items():
        key = (lane, reason, role)
        rows[key] = rows.get(key, 0.0) + _overlap(since, end, start, end)
    return pd.DataFrame(
        [(*key, minutes / 60.0) for key, minutes in sorted(rows.items())],
        columns=["lane", "reason", "role", "hours"],
    )


def _overlap(since: float, until: float, start: float, end: float) -> float:
    return max(min(until, end) - max(since, start), 0.0)


def staff_hours_per_day(
    scenario: Scenario, lanes_log: pd.DataFrame, days: tuple[int, int] | None = None
) -> dict[StaffRole, float]:
    """Paid hours per role and day of `days` (first, end; default: the measured days). Floor
    staff hold their posts on both shifts, which split the opening hours at midday, so a post
    costs the opening hours each day (also while its holder is called to a till); cashiers are
    paid for the hours their lanes were actually staffed by the plan, from opening until the
    last shopper has paid."""
    first, end = days or measured_days(scenario)
    open_hours = (scenario.hours.close_min - scenario.hours.open_min) / 60.0
    hours = {role: scenario.posts_per_shift(role) * open_hours for role in scenario.staff.roles}
    staffed = lane_hours(lanes_log, first * 1440.0, end * 1440.0)
    cashier = staffed.loc[staffed["role"] == "cashier", "hours"].sum() / (end - first)
    hours["cashier"] = float(cashier)
    return hours


def measured_days(scenario: Scenario) -> tuple[int, int]:
    """The first measured day and the day after the last."""
    return scenario.horizon.warmup_days, scenario.total_days


def middle_day(scenario: Scenario) -> int:
    """The first day of the second half of the measured days (the longer half, when they are
    odd)."""
    return scenario.horizon.warmup_days + scenario.horizon.days // 2


def wages_per_day(
    scenario: Scenario, lanes_log: pd.DataFrame, days: tuple[int, int] | None = None
) -> float:
    wage = scenario.costs.wage_per_hour
    return sum(
        wage.get(role, 0.0) * hours
        for role, hours in staff_hours_per_day(scenario, lanes_log, days).items()
    )


def outages(terminal_log: pd.DataFrame, first: int, end: int) -> int:
    """Terminals going down (random failure or scheduled outage) from day `first` to before
    day `end`."""
    time = terminal_log["time"]
    within = (time >= first * 1440.0) & (time < end * 1440.0)
    return int(terminal_log["state"][within].str.startswith("down").sum())


def money_per_day(
    scenario: Scenario, replication: Replication, days: tuple[int, int]
) -> tuple[float, float, float, float]:
    """Gross margin, wages, outage cost and recovery cost per day of `days` (first, end) of one
    replication: the margin on the revenue of the visits begun on those days, the wages of the
    hours worked on them, the cost of the terminals that went down on them and that of the
    complaints answered and follow-ups made after their visits."""
    first, end = days
    length = end - first
    costs = scenario.costs
    visits = replication.visits
    within = (visits["day"] >= first) & (visits["day"] < end)
    revenue = float(visits["revenue"][within].sum())
    complained = visits["complained"][within]
    followed_up = visits["recovery_quality"][within].notna() & ~complained
    recovery = costs.per_complaint * complained.sum() + costs.per_follow_up * followed_up.sum()
    return (
        costs.margin * (revenue / length),
        wages_per_day(scenario, replication.lanes_log, days),
        costs.per_outage * outages(replication.terminal_log, first, end) / length,
        float(recovery) / length,
    )


def contribution_per_day(
    scenario: Scenario, replication: Replication, days: tuple[int, int]
) -> float:
    """Gross margin less wages, outage and recovery cost and `costs.fixed_per_day`, per day of
    `days`."""
    gross_margin, *costs = money_per_day(scenario, replication, days)
    return gross_margin - (sum(costs) + scenario.costs.fixed_per_day)


WARMUP = "contribution_warmup"  # PLN per warm-up day
HALVES = ("contribution_first_half", "contribution_second_half")  # PLN per measured day
PERIODS = (WARMUP, *HALVES)


def contribution_periods(replication: Replication, scenario: Scenario) -> dict[str, float]:
    """The contribution per day over the warm-up (NaN without warm-up days), over the first half
    of the measured days (the shorter, when they are odd) and over the rest (NaN with fewer than
    two measured days), keyed by PERIODS. The halves' difference tells a result still moving at
    the end of the run; all three give the payback counted from the change's first day."""
    first_day, end = measured_days(scenario)
    middle = middle_day(scenario)
    periods = dict.fromkeys(PERIODS, math.nan)
    if first_day > 0:
        periods[WARMUP] = contribution_per_day(scenario, replication, (0, first_day))
    if middle > first_day:
        periods[HALVES[0]] = contribution_per_day(scenario, replication, (first_day, middle))
        periods[HALVES[1]] = contribution_per_day(scenario, replication, (middle, end))
    return periods


LIFETIME_MIDDLE = "lifetime_days_middle"  # lifetime_days as the run stood mid-way


def lifetime_middle(replication: Replication, scenario: Scenario) -> dict[str, float]:
    """`lifetime_days` as the run stood at the middle of the measured days (customers who had
    joined by then, those who left later counted as still here), keyed by LIFETIME_MIDDLE;
    NaN with fewer than two measured days. Its change to the end tells a lifetime still moving:
    it rests on the customers seen to leave so far."""
    middle = middle_day(scenario)
    if middle == measured_days(scenario)[0]:
        return {LIFETIME_MIDDLE: math.nan}
    customers = replication.customers
    seen = customers[customers["joined_day"] < middle]
    left = seen["left_day"].where(seen["left_day"] < middle, -1)
    lifetime = base_lifetime_days(
        seen.assign(left_day=left), middle, scenario.costs.annual_discount
    )
    return {LIFETIME_MIDDLE: lifetime}


def replication_money(scenario: Scenario, replication: Replication) -> dict[str, float]:
    """The MONEY columns of one replication, per measured day (`money_per_day`).

    contribution_per_day is the gross margin less wages, outage and recovery costs and
    `costs.fixed_per_day`.
    customer_value, the lifetime margin of the customer base at the end of the run (its lifetime
    value before wages and other costs), is the margin the base earns a day (margin x
    revenue_per_day) times `lifetime_days`, the mean expected discounted remaining lifetime of
    its customers from their simulated survival (simulation/lifetime.py).
    """
    costs = scenario.costs
    gross_margin, wages, outage_cost, recovery_cost = money_per_day(
        scenario, replication, measured_days(scenario)
    )
    cost = wages + outage_cost + recovery_cost + costs.fixed_per_day
    lifetime = base_lifetime_days(replication.customers, scenario.total_days, costs.annual_discount)
    return {
        "gross_margin_per_day": gross_margin,
        "wages_per_day": wages,
        "outage_cost_per_day": outage_cost,
        "recovery_cost_per_day": recovery_cost,
        "fixed_cost_per_day": costs.fixed_per_day,
        "cost_per_day": cost,
        "contribution_per_day": gross_margin - cost,
        "lifetime_days": lifetime,
        "customer_value": gross_margin * lifetime,
        "investment": costs.investment,
    }
