"""Customers' rapport with staff survives a what-if that changes the posts: the people the
store's past hands over keep their ids (which the customers' rapport names) at the same posts,
whatever posts the what-if adds or removes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from journeysim.scenario import load_scenario
from journeysim.simulation.replication import past, simulate
from journeysim.world.staff import Roster

BASELINE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"
SMALL = ["arrivals.base_customers=300", "horizon.burn_in_days=91"]


@pytest.mark.parametrize(
    "change", ["checkout.cashiers=4", "checkout.cashiers=2", "staff.roles.stocker.count=5"]
)
def test_a_what_if_keeps_each_known_person_at_their_post(change: str) -> None:
    base = load_scenario(BASELINE, SMALL)
    what_if = load_scenario(BASELINE, [*SMALL, change])
    history = past(what_if, base)
    assert history is not None

    roster = Roster.hire_all(what_if, np.random.default_rng(0), history.staff)
    held = {(s.role, s.shift, s.place): s.id for s in history.staff}
    for post, member in roster.posts.items():
        if post in held:
            assert member.id == held[post]  # the same person the customers know
        else:
            assert member.id > max(held.values())  # a newcomer nobody knows yet
    ids = [member.id for member in roster.posts.values()]
    assert len(set(ids)) == len(ids)
    known = {staff for customer in history.customers for staff in customer.rapport}
    newcomers = {m.id for post, m in roster.posts.items() if post not in held}
    assert known and not known & newcomers


def test_a_leaving_cashier_counts_and_hurts_only_customers_still_here() -> None:
    """Turnover counted customers who had left among a leaver's regulars and lowered their
    strength after they had gone (audit 26). Here everyone leaves at a rate of half a year
    so that many have gone by the departure on day 120."""
    leaving = [
        f"segments.{name}.attrition_per_year=0.5" for name in load_scenario(BASELINE).segments
    ]
    scenario = load_scenario(
        BASELINE,
        [
            *SMALL,
            *leaving,
            "horizon.warmup_days=0",
            "horizon.days=121",
            "staff.rapport_gain=0.5",
            "staff.turnover=[{role: cashier, index: 0, day: 120}]",
        ],
    )
    result = simulate(scenario, 0, reference=scenario)
    (event,) = result.turnover_log.to_dict("records")
    customers = result.customers.set_index("customer_id")
    gone_before = customers.index[customers["left_day"].between(0, 119)]
    assert len(gone_before) > 50 and len(event["regulars"]) > 10
    assert not set(gone_before) & set(event["regulars"] + event["others"])
    kept = simulate(
        scenario.model_copy(update={"staff": scenario.staff.model_copy(update={"turnover": []})}),
        0,
        reference=scenario,
    ).customers.set_index("customer_id")
    strength = customers.loc[gone_before, "strength"]
    assert strength.equals(kept.loc[gone_before, "strength"])
