"""Money of one replication from the scenario's `costs`: gross margin, running costs and the value
of the customer base; and the payback period of one scenario against another.

Amounts are in the scenario's currency (PLN) per measured day (warm-up days excluded, like KPIs).
"""

from __future__ import annotations

import math

import pandas as pd

from journeysim.scenario.schema import Scenario, StaffRole

MONEY = (
    "gross_margin_per_day",
    "wages_per_day",
    "outage_cost_per_day",
    "cost_per_day",
    "profit_per_day",
    "customer_value",
    "investment",
)


def staff_hours_per_day(scenario: Scenario) -> dict[StaffRole, float]:
    """Paid hours per role and day. As in world/staff.py every post is filled on both shifts,
    which split the opening hours at midday, so a post costs the opening hours each day;
    cashiers hold one post per staffed lane (`checkout.cashiers`)."""
    open_hours = (scenario.hours.close_min - scenario.hours.open_min) / 60.0
    return {role: scenario.posts_per_shift(role) * open_hours for role in scenario.staff.roles}


def wages_per_day(scenario: Scenario) -> float:
    wage = scenario.costs.wage_per_hour
    return sum(wage.get(role, 0.0) * hours for role, hours in staff_hours_per_day(scenario).items())


def outages(terminal_log: pd.DataFrame, warmup_days: int) -> int:
    """Terminals going down (random failure or scheduled outage) after the warm-up."""
    measured = terminal_log["time"] >= warmup_days * 1440.0
    return int(terminal_log["state"][measured].str.startswith("down").sum())


def lifetime_days(
    return_rate: float, visits_per_day: float, active_customers: float, annual_discount: float
) -> float:
    """Expected discounted remaining lifetime of a customer, in days.

    A customer visits every T = active_customers / visits_per_day days and comes back after a
    visit with probability p = return_rate, so they are still a customer after t days with
    probability p^(t/T). Discounting continuously at d = ln(1 + annual_discount) / 365 a day:
    L = integral of p^(t/T) e^(-d t) dt over t >= 0 = 1 / (d - ln(p) / T).
    (The continuous-time form of Gupta & Lehmann 2003, CLV = m r / (1 + i - r).)
    """
    if not (visits_per_day > 0 and active_customers > 0 and 0 <= return_rate <= 1):
        return math.nan
    daily_discount = math.log1p(annual_discount) / 365.0
    churn = -math.log(return_rate) if return_rate > 0 else math.inf
    rate = daily_discount + churn * visits_per_day / active_customers
    return 1.0 / rate if rate > 0 else math.inf


def replication_money(
    scenario: Scenario, kpis: dict[str, float], terminal_log: pd.DataFrame
) -> dict[str, float]:
    """The MONEY columns of one replication.

    customer_value, the lifetime value of the customer base, is the margin the base earns a day
    (margin x revenue_per_day, i.e. margin per customer-day x active customers) times a
    customer's expected discounted remaining lifetime (`lifetime_days`).
    """
    costs = scenario.costs
    gross_margin = costs.margin * kpis["revenue_per_day"]
    wages = wages_per_day(scenario)
    outage_cost = (
        costs.per_outage * outages(terminal_log, scenario.horizon.warmup_days)
    ) / scenario.horizon.days
    lifetime = lifetime_days(
        kpis["return_rate"], kpis["visits_per_day"], kpis["active_customers"], costs.annual_discount
    )
    return {
        "gross_margin_per_day": gross_margin,
        "wages_per_day": wages,
        "outage_cost_per_day": outage_cost,
        "cost_per_day": wages + outage_cost,
        "profit_per_day": gross_margin - wages - outage_cost,
        "customer_value": gross_margin * lifetime,
        "investment": costs.investment,
    }


def payback_days(investment: float, profit_per_day: float) -> float:
    """Days until the extra daily profit repays the extra one-off investment: inf when it never
    does (extra profit not positive), 0 when nothing extra is invested and no profit is lost,
    NaN when less is invested but profit is lost (nothing to pay back)."""
    if math.isnan(investment) or math.isnan(profit_per_day):
        return math.nan
    if investment > 0:
        return investment / profit_per_day if profit_per_day > 0 else math.inf
    if profit_per_day >= 0:
        return 0.0
    return math.inf if investment == 0 else math.nan


def payback_interval(
    investment: float, profit: float, profit_low: float, profit_high: float
) -> tuple[float, float, float]:
    """(payback, low, high): payback falls as profit rises, so the profit CI maps endpoint to
    endpoint."""
    return (
        payback_days(investment, profit),
        payback_days(investment, profit_high),
        payback_days(investment, profit_low),
    )
