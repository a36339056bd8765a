"""Customers' rapport with staff survives a what-if that changes the posts: the people the
store's past hands over keep their ids (which the customers' rapport names) at the same posts,
whatever posts the what-if adds or removes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from journeysim.scenario import load_scenario
from journeysim.simulation.replication import past
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
