"""Conservation: every shopper who enters leaves with one record, and everything they took
(carts, zone places, tills) is back when the store is empty; money and items add up."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from journeysim.scenario import load_scenario
from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import Replication, Simulation

BASELINE = Path(__file__).parent.parent / "scenarios" / "baseline.yaml"
SHORT = ["horizon.days=2", "horizon.warmup_days=0"]
RESPONSES = [
    "bought_elsewhere",
    "switched_brand",
    "switched_size",
    "delayed",
    "skipped",
    "found_by_staff",
]
LOST = ["bought_elsewhere", "delayed", "skipped"]


def simulate_store(scenario: Scenario) -> tuple[Simulation, Replication, int]:
    """Run one replication; return the simulation (to inspect the store afterwards), its
    tables and the fewest carts seen in the pool (sampled every minute)."""
    sim = Simulation(scenario, 0)
    lowest = [scenario.carts.pool]

    def watch_carts():
        while True:
            lowest[0] = min(lowest[0], sim.store.carts.level)
            yield sim.env.timeout(1.0)

    sim.env.process(watch_carts())
    rep = sim.run()
    return sim, rep, lowest[0]


def assert_conserved(scenario: Scenario, sim: Simulation, rep: Replication) -> None:
    """Everyone out with exactly one record, the store's shared state back to empty, and
    items and money consistent with the scenario's prices."""
    visits = rep.visits
    assert rep.entered == len(visits)
    if scenario.arrivals.mode == "customer_base":  # open-mode shoppers are not in the base
        assert rep.customers["visits"].sum() == len(visits)
    assert visits["visit_id"].is_unique

    store = sim.store
    assert store.carts.level == scenario.carts.pool, "carts missing from the pool"
    assert [zone.occupancy for zone in store.zones] == [0] * len(store.zones)
    checkout = store.checkout
    lines = checkout.lane_lines + ([checkout.self_line] if checkout.self_line else [])
    for line in lines:
        assert line.waiting() == 0, "shoppers left in a checkout queue"
        assert len(line.free.items) == line.size, "a till still held"

    hours = scenario.hours
    assert visits["arrival_min"].between(hours.open_min, hours.close_min, inclusive="left").all()
    assert (visits["duration_min"] >= 0).all()

    abandoned = visits["abandoned"] != ""
    assert set(visits["abandoned"]) <= {"", "balk", "renege", "payment"}
    assert (visits["revenue"] >= 0).all()
    assert (visits.loc[abandoned, ["items", "revenue"]] == 0).all().all()
    price = visits["segment"].map({name: s.item_price for name, s in scenario.segments.items()})
    assert np.allclose(visits["revenue"], visits["items"] * price)
    assert np.allclose(visits["lost_revenue"], visits[LOST].sum(axis=1) * price)

    # Items: the basket bought is what was planned, less items lost to gaps, scaled by mood
    # (valence is clamped to [-1, 1]), so it never exceeds planned * (1 + mood_basket_effect).
    most = np.round(visits["planned_items"] * (1.0 + scenario.psyche.mood_basket_effect))
    assert (visits["items"] >= 0).all() and (visits["items"] <= most).all()
    # The zones together look for every planned item (their shares add up to 1), and every
    # shelf gap ends in exactly one response; gaps come from lookups.
    assert (visits["lookups"] == visits["planned_items"]).all()
    assert (visits[RESPONSES].sum(axis=1) == visits["gaps"]).all()
    assert (visits["gaps"] <= visits["lookups"]).all()

    # A recorded wait means the shopper reached a till; reneging and balking record none.
    waited = visits["checkout_wait_min"].notna()
    assert (visits.loc[waited, "checkout_wait_min"] >= 0).all()
    assert (visits.loc[waited, "till"] >= 0).all()
    assert not waited[visits["abandoned"].isin(["balk", "renege"])].any()


VARIANTS = {
    "baseline": [],
    "terminals_down": [
        "payment.outages=[{day: 0, start: '09:00', duration_min: 360, terminals: all, "
        "every_day: true}]",
        "payment.random_failures=false",
    ],
    "tiny_cart_pool": ["carts.pool=3"],
    "one_cashier": [
        "checkout.cashiers=1",
        "checkout.self_checkouts=0",
        "checkout.balking=true",
        "checkout.reneging=true",
    ],
    # Lanes closing every other hour with shoppers in them, and stockers called to the tills.
    "lanes_come_and_go": [
        f"checkout.lanes.weekday={[1, 3] * 8}",
        "checkout.policy.active=true",
        "checkout.policy.max_lanes=3",
    ],
    "snake_lanes_come_and_go": [
        f"checkout.lanes.weekday={[1, 3] * 8}",
        "checkout.single_queue=true",
        "checkout.policy.active=true",
        "checkout.policy.open_above=2",
    ],
}


@pytest.mark.parametrize("variant", VARIANTS)
def test_everything_comes_back(variant):
    scenario = load_scenario(BASELINE, SHORT + VARIANTS[variant])
    sim, rep, lowest_carts = simulate_store(scenario)
    assert_conserved(scenario, sim, rep)
    visits = rep.visits
    # The stress must have happened for the variant to test anything.
    if variant == "terminals_down":
        assert visits["met_outage"].any() and (visits["abandoned"] == "payment").any()
        assert all(terminal.up for terminal in sim.store.checkout.terminals)
    elif variant == "tiny_cart_pool":
        assert lowest_carts == 0
    elif variant == "one_cashier":
        assert {"balk", "renege"} <= set(visits["abandoned"])
    elif variant.endswith("lanes_come_and_go"):
        log = rep.lanes_log
        closing = scenario.hours.close_min
        assert ((log["event"] == "closed") & (log["time"] % 1440 < closing)).any()
        assert (log["reason"] == "policy").any()
        assert not any(crew.away for crew in sim.store.crews.values())
        assert all(not till.server_role for till in sim.store.checkout.tills)


@st.composite
def stressed_scenarios(draw) -> Scenario:
    """Short scenarios over lanes (planned by the hour or not, with the policy or not), queues,
    carts, outages, failures and traffic. Balking or
    reneging stays on so queues drain by midnight (see test_overloaded_queue_drains)."""
    cashiers = draw(st.integers(0, 3))
    self_checkouts = draw(st.integers(0 if cashiers else 1, 2))
    planned = cashiers > 0 and draw(st.booleans())
    plan = (
        draw(st.lists(st.integers(0 if self_checkouts else 1, cashiers), min_size=16, max_size=16))
        if planned
        else []
    )
    balking = draw(st.booleans())
    start = draw(st.integers(6, 20))
    overrides = [
        *SHORT,
        f"arrivals.mode={draw(st.sampled_from(['open', 'customer_base']))}",
        f"arrivals.rate_per_hour={draw(st.integers(20, 240))}",
        f"checkout.cashiers={cashiers}",
        f"checkout.self_checkouts={self_checkouts}",
        f"checkout.lanes.weekday={plan}",
        f"checkout.policy.active={cashiers > 0 and draw(st.booleans())}",
        f"checkout.policy.from_role={draw(st.sampled_from(['stocker', 'cleaner', 'manager']))}",
        f"checkout.single_queue={draw(st.booleans())}",
        f"checkout.balking={balking}",
        f"checkout.reneging={draw(st.booleans()) if balking else True}",
        f"carts.pool={draw(st.integers(0, 12))}",
        f"payment.random_failures={draw(st.booleans())}",
        f"payment.terminal_mtbf_hours={draw(st.sampled_from([2, 400]))}",
        f"payment.outages=[{{day: 0, start: '{start}:00', "
        f"duration_min: {draw(st.integers(10, 300))}, terminals: all, every_day: true}}]",
        f"seed={draw(st.integers(0, 2**32 - 1))}",
    ]
    return load_scenario(BASELINE, overrides)


@settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(scenario=stressed_scenarios())
def test_conservation_holds_under_stress(scenario):
    sim, rep, _ = simulate_store(scenario)
    assert_conserved(scenario, sim, rep)


def test_overloaded_queue_drains():
    # One cashier for a whole store, nobody balks or reneges: the queue at closing time is
    # hours long and still there at midnight of the last day.
    overrides = [
        "checkout.cashiers=1",
        "checkout.self_checkouts=0",
        "checkout.balking=false",
        "checkout.reneging=false",
    ]
    scenario = load_scenario(BASELINE, SHORT + overrides)
    sim, rep, _ = simulate_store(scenario)
    assert_conserved(scenario, sim, rep)
