"""The customer base's daily decisions, worked out over arrays it keeps in step with its
customers, checked against the rule applied customer by customer."""

from __future__ import annotations

import numpy as np

from journeysim.loyalty.base import NEVER, CustomerBase, is_weekend
from journeysim.loyalty.relationship import store_choice
from journeysim.scenario import Scenario
from journeysim.simulation.replication import Simulation


def by_the_rule(base: CustomerBase, day: int, seed: int) -> tuple[list, list]:
    """Today's visits and leavers, each customer decided alone from their own fields."""
    s = base.scenario
    factor = 7.0 * (s.hours.weekend_factor if is_weekend(day) else 1.0)
    factor /= 5.0 + 2.0 * s.hours.weekend_factor
    draws = np.random.default_rng(seed).random((len(base.customers), 2))
    visits, leavers = [], []
    for c, (u_visit, u_time) in zip(base.customers, draws.tolist()):
        if not c.active:
            continue
        if day >= c.attrition_day:
            leavers.append(c)
            continue
        pull, interval = c.segment.competitor_pull, c.segment.visit_interval_days
        trips = store_choice(c.strength, pull, s.loyalty) / interval
        if u_visit < min(trips * factor, 1.0):
            minute = c.preferred_minute + 120.0 * (u_time - 0.5)
            minute = min(max(minute, s.hours.open_min), s.hours.close_min - 1.0)
            visits.append((minute, c))
    return visits, leavers


def test_daily_visits_and_active_count_follow_every_change_told_to_the_base() -> None:
    scenario = Scenario(segments={"busy": {"attrition_per_year": 0.9, "visit_interval_days": 2}})
    base = Simulation(scenario).base
    for _ in range(400):
        base.join(0, 0.5)
    changes = np.random.default_rng(7)
    for day in range(1, 40):
        # Strengths move, visits happen and some switch away, as visits and departures do.
        for i in changes.choice(len(base.customers), 30, replace=False).tolist():
            customer = base.customers[i]
            if customer.active:
                customer.strength = float(changes.random())
                customer.last_visit_day = day - 1
                if changes.random() < 0.1:
                    customer.leave(day - 1, "switched")
                base.changed(customer)
        expected, leavers = by_the_rule(base, day, seed=day)
        assert base.visitors(day, np.random.default_rng(day)) == expected
        assert all(not c.active and c.left_reason == "attrition" for c in leavers)
        window = scenario.loyalty.return_window_days
        active = [c for c in base.customers if c.active and 0 <= day - c.last_visit_day < window]
        assert base.active_within(day, window) == len(active)
    assert 0 < sum(c.left_reason == "attrition" for c in base.customers) < 400
    assert 0 < sum(c.left_reason == "switched" for c in base.customers) < 400


def test_a_tiny_attrition_leaves_the_customer_never() -> None:
    """An attrition_per_year of 5e-324 (a daily hazard of 0) died of a ZeroDivisionError, one
    of 1e-20 of an OverflowError when its day, past 2**63, reached the base's arrays."""
    for attrition in (5e-324, 1e-20):
        segments = {"rare": {"attrition_per_year": attrition}}
        scenario = Scenario(segments=segments, arrivals={"base_customers": 50})
        scenario.horizon.days, scenario.horizon.warmup_days = 1, 0
        simulation = Simulation(scenario)
        simulation.run()
        assert {c.attrition_day for c in simulation.base.customers} == {NEVER}
