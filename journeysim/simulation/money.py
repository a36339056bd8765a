"""Money of one replication from the scenario's `costs`: gross margin, running costs, contribution
and the value of the customer base; and the payback of one scenario against another.

Amounts are in the scenario's currency (PLN) per measured day (warm-up days excluded, like KPIs).
"""

from __future__ import annotations

import math

import pandas as pd

from journeysim.scenario.schema import Scenario, StaffRole
from journeysim.simulation.kpis import HIGHER, LOWER
from journeysim.simulation.lifetime import base_lifetime_days
from journeysim.simulation.replication import Replication
from journeysim.words import plural

# Every money metric with the way that is better (an investment is money spent).
BETTER = {
    "gross_margin_per_day": HIGHER,
    "wages_per_day": LOWER,
    "outage_cost_per_day": LOWER,
    "fixed_cost_per_day": LOWER,
    "cost_per_day": LOWER,
    "contribution_per_day": HIGHER,
    "lifetime_days": HIGHER,
    "customer_value": HIGHER,
    "investment": LOWER,
}
MONEY = tuple(BETTER)
# What contribution is made of: contribution = gross margin - cost, cost = wages + outage cost +
# fixed cost.
CONTRIBUTION_PARTS = (
    "gross_margin_per_day",
    "wages_per_day",
    "outage_cost_per_day",
    "fixed_cost_per_day",
    "cost_per_day",
)
# Money the bottom line judges neither better nor worse: the contribution's parts (money counts
# once, as contribution), the customer base's lifetime margin (that gross margin over the
# customers' lifetime, before wages: its loyalty part is judged as lifetime_days) and the
# one-off investment, which the user sets and the payback weighs.
NOT_JUDGED = (*CONTRIBUTION_PARTS, "customer_value", "investment")
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
) -> tuple[float, float, float]:
    """Gross margin, wages and outage cost per day of `days` (first, end) of one replication:
    the margin on the revenue of the visits begun on those days, the wages of the hours worked
    on them and the cost of the terminals that went down on them."""
    first, end = days
    length = end - first
    costs = scenario.costs
    day = replication.visits["day"]
    revenue = float(replication.visits["revenue"][(day >= first) & (day < end)].sum())
    return (
        costs.margin * (revenue / length),
        wages_per_day(scenario, replication.lanes_log, days),
        costs.per_outage * outages(replication.terminal_log, first, end) / length,
    )


def contribution_per_day(
    scenario: Scenario, replication: Replication, days: tuple[int, int]
) -> float:
    """Gross margin less wages, outage cost and `costs.fixed_per_day`, per day of `days`."""
    gross_margin, wages, outage_cost = money_per_day(scenario, replication, days)
    return gross_margin - (wages + outage_cost + scenario.costs.fixed_per_day)


HALVES = ("contribution_first_half", "contribution_second_half")  # PLN per day


def contribution_halves(replication: Replication, scenario: Scenario) -> dict[str, float]:
    """The contribution per day over the first half of the measured days (the shorter, when
    they are odd) and over the rest, keyed by HALVES; NaN with fewer than two measured days.
    Their difference tells a result still moving at the end of the run."""
    first_day, end = measured_days(scenario)
    middle = middle_day(scenario)
    if middle == first_day:
        return dict.fromkeys(HALVES, math.nan)
    return {
        HALVES[0]: contribution_per_day(scenario, replication, (first_day, middle)),
        HALVES[1]: contribution_per_day(scenario, replication, (middle, end)),
    }


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

    contribution_per_day is the gross margin less wages, outage costs and `costs.fixed_per_day`.
    customer_value, the lifetime margin of the customer base at the end of the run (its lifetime
    value before wages and other costs), is the margin the base earns a day (margin x
    revenue_per_day) times `lifetime_days`, the mean expected discounted remaining lifetime of
    its customers from their simulated survival (simulation/lifetime.py).
    """
    costs = scenario.costs
    gross_margin, wages, outage_cost = money_per_day(scenario, replication, measured_days(scenario))
    cost = wages + outage_cost + costs.fixed_per_day
    lifetime = base_lifetime_days(replication.customers, scenario.total_days, costs.annual_discount)
    return {
        "gross_margin_per_day": gross_margin,
        "wages_per_day": wages,
        "outage_cost_per_day": outage_cost,
        "fixed_cost_per_day": costs.fixed_per_day,
        "cost_per_day": cost,
        "contribution_per_day": gross_margin - cost,
        "lifetime_days": lifetime,
        "customer_value": gross_margin * lifetime,
        "investment": costs.investment,
    }


def payback_interval(
    investment: float, contribution: float, low: float, high: float
) -> tuple[float, float, float]:
    """(payback, low, high) in days of an extra one-off `investment` repaid by an extra
    `contribution` a day whose 95% CI is [low, high]. Payback falls as the contribution rises,
    so the CI maps endpoint to endpoint; an end at or below 0, or an extra investment that
    earns no more, never pays back (inf). NaN throughout where nothing extra is invested
    (`payback_text` says what the change is worth instead)."""
    if not investment > 0:
        return (math.nan, math.nan, math.nan)

    def days(per_day: float) -> float:
        if math.isnan(per_day):
            return math.nan
        return investment / per_day if per_day > 0 else math.inf

    return days(contribution), days(high), days(low)


def _pays_back(days: float) -> str:
    """ "pays back in 12 days", "in 1 day", or "within a day" (not "in 0 days")."""
    if days < 0.5:
        return "pays back within a day"
    return f"pays back in {plural(round(days), 'day')}"


def payback_text(investment: float, contribution: float, low: float, high: float) -> str:
    """The payback of an extra `investment` (PLN) and an extra `contribution` per day whose 95%
    CI is [low, high], in words: "pays back in N days", "never pays back", or, without extra
    investment, what the change earns or saves a year; a contribution whose CI includes 0 is
    said to be no clear difference, with its interval a year (and a payback or its absence
    only "if the gain (loss) is real")."""
    if math.isnan(investment) or math.isnan(contribution):
        return "-"
    per_year = abs(contribution) * DAYS_PER_YEAR
    clear = not low <= 0.0 <= high  # an unknown CI (one replication) is taken as it comes
    unclear = "no clear difference: {:+,.0f} PLN a year [{:+,.0f}, {:+,.0f}]".format(
        *(DAYS_PER_YEAR * v for v in (contribution, low, high))
    )
    if investment > 0:
        if contribution > 0:
            days = _pays_back(investment / contribution)
            return days if clear else f"{days} if the gain is real ({unclear})"
        if contribution < 0:
            less = f"never pays back (earns {per_year:,.0f} PLN a year less)"
            return less if clear else f"never pays back if the loss is real ({unclear})"
        return "never pays back (earns no more)"
    head = "no extra investment" if investment == 0 else f"{-investment:,.0f} PLN less invested"
    if not clear:
        return f"{head}; earns the same" if contribution == 0 else f"{head}; {unclear}"
    if contribution > 0:
        return f"{head}; earns {per_year:,.0f} PLN a year more"
    return f"{head}; earns {per_year:,.0f} PLN a year less"
