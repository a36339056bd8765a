"""Which pair of visits a compare report tells: the change, not chance."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pandas as pd

from journeysim.journey.shopper import Step
from journeysim.report.telling_pair import answered_first, telling_pair
from journeysim.scenario import load_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def replay_of(felt: dict[int, dict[str, float]]) -> SimpleNamespace:
    """A stand-in for a Replay whose visits (by id) felt these feelings by kind."""
    traces = {
        visit: [Step(0.0, "here", kind, "", 0.0, 0.0, value, 0.0, 0.0) for kind, value in kinds]
        for visit, kinds in ((v, felt[v].items()) for v in felt)
    }
    return SimpleNamespace(replication=SimpleNamespace(traces=traces))


def test_the_told_pair_differs_where_the_scenarios_do_not_where_chance_did():
    """Six customers: five meet a worn cart in the what-if (-0.5 each, one -0.1); one met no
    worn cart but queued longer by chance there and moved furthest (-0.9). The report told
    that one ("moved furthest"), showing a queue the worn carts did not cause."""
    cart = [0.0, -0.5, -0.1, -0.5, -0.5, -0.5]
    wait = [-0.9, 0.0, 0.0, 0.0, 0.0, 0.0]
    a = replay_of({i: {"cart": 0.2, "checkout_wait": 0.1} for i in range(6)})
    b = replay_of(
        {
            10 + i: {"cart": 0.2 + c, "checkout_wait": 0.1 + w}
            for i, (c, w) in enumerate(zip(cart, wait))
        }
    )
    pairs = pd.DataFrame(
        {
            "visit_id_a": range(6),
            "visit_id_b": range(10, 16),
            "remembered_a": 0.3,
            "remembered_b": [0.3 + c + w for c, w in zip(cart, wait)],
        },
        index=[f"customer {i}" for i in range(6)],
    )
    chosen, kinds = telling_pair(pairs, a, b)
    assert chosen == "customer 1" and kinds == "cart"  # the first that moved by the average
    # Where the feelings do not differ at all, the furthest is told, naming no kind.
    same = replay_of({i: {"cart": 0.2} for i in range(6)})
    same_b = replay_of({10 + i: {"cart": 0.2} for i in range(6)})
    assert telling_pair(pairs, same, same_b) == ("customer 0", "")


def test_a_recovery_change_tells_a_pair_the_store_answered():
    """Three customers remember the what-if better: one because they did not complain there
    (customer 0, furthest), two because the store answered them (customer 2 by less than the
    average). Where the what-if handles complaints otherwise the told pair is one the store
    answered there that moved by the average; else the furthest; and an answered pair is not
    told where none moved by the average."""
    a = replay_of({0: {"after_visit": -0.3}, 1: {"after_visit": -0.2}, 2: {"after_visit": -0.2}})
    b = replay_of({10: {}, 11: {"after_visit": 0.0}, 12: {"after_visit": -0.1}})
    pairs = pd.DataFrame(
        {
            "visit_id_a": range(3),
            "visit_id_b": range(10, 13),
            "remembered_a": -0.5,
            "remembered_b": [-0.2, -0.3, -0.4],
            "recovery_quality_b": [float("nan"), 0.9, 0.4],
        },
        index=[f"customer {i}" for i in range(3)],
    )
    baseline, recovery, carts = (
        load_scenario(SCENARIOS / f"{name}.yaml")
        for name in ("baseline", "service_recovery", "worn_carts")
    )
    preferred = answered_first(pairs, baseline, recovery)
    assert preferred.tolist() == [False, True, True]
    assert telling_pair(pairs, a, b, preferred) == ("customer 1", "after visit")
    assert answered_first(pairs, baseline, carts).all()
    assert telling_pair(pairs, a, b) == ("customer 0", "after visit")
    against = pairs.assign(remembered_b=[-0.3, -0.55, -0.55])
    assert telling_pair(against, a, b, preferred)[0] == "customer 0"
