"""Loyalty mechanisms: asymmetric relationship updates, adapting expectations (the "standards
promise"), hedonic adaptation and service recovery, checked on the model's own objects and runs."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from journeysim.journey.checkout import appraise_wait
from journeysim.journey.shopper import Shopper
from journeysim.loyalty.relationship import (
    likelihood_to_recommend,
    store_choice,
    updated_strength,
)
from journeysim.psyche.kinds import CASHIER
from journeysim.scenario import Scenario, load_scenario
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.replication import Simulation
from journeysim.simulation.runner import run_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def shopper_for(sim: Simulation, customer) -> Shopper:
    return Shopper(
        customer,
        sim.env.now,
        sim.appraisal,
        sim.adaptation,
        sim.moods,
        sim.journey_map,
        tracing=False,
    )


def test_bad_visits_move_the_relationship_faster_than_good_ones() -> None:
    loyalty = Scenario().loyalty
    gain = updated_strength(0.5, 0.4, loyalty) - 0.5
    loss = 0.5 - updated_strength(0.5, -0.4, loyalty)
    assert loss > 2 * gain > 0


def test_the_logistic_curves_end_at_zero_where_their_exponent_leaves_the_float_range() -> None:
    """The schema lets the slopes reach 1,000: e^-x of the curves then passes e^709.8, the
    largest float, and is taken as the curve's limit, 0 (it was an OverflowError)."""
    loyalty = Scenario(loyalty={"wallet_slope": 1000, "ltr_slope": 1000, "ltr_center": 1}).loyalty
    assert store_choice(0.0, 1.0, loyalty) == 0.0  # x = -1,000
    assert likelihood_to_recommend(0.0, 0.0, loyalty) == 0
    # (a visit remembered as far below -1 as a long one with psyche.duration_weight can be)
    assert likelihood_to_recommend(0.5, -10.0, Scenario(loyalty={"ltr_memory": 100}).loyalty) == 0
    # Short of that the curve is as it always was: 1 / (1 + e^690) at x = -690.
    assert store_choice(0.31, 1.0, loyalty) == 1.0 / (1.0 + math.exp(690.0)) > 0.0
    # and a store choice near 1 and an answer of 10 at the other end.
    assert store_choice(1.0, 0.0, loyalty) == 1.0
    assert likelihood_to_recommend(1.0, 0.0, Scenario(loyalty={"ltr_slope": 1000}).loyalty) == 10


def test_a_customer_used_to_fast_checkout_is_hurt_more_by_the_same_slow_one() -> None:
    sim = Simulation(Scenario())
    regular, newcomer = sim.base.join(0, 0.5), sim.base.join(0, 0.5)
    for customer in (regular, newcomer):  # alike in all but their history
        customer.disposition = 0.0
        customer.segment = regular.segment
        customer.expectations = [0.0] * len(customer.expectations)
    for _ in range(20):  # twenty visits with no wait at all
        appraise_wait(sim.store, shopper_for(sim, regular), 0.0, "walks straight to a till")
    slow = 6.0
    hurt_regular = appraise_wait(sim.store, shopper_for(sim, regular), slow, "waits")
    hurt_newcomer = appraise_wait(sim.store, shopper_for(sim, newcomer), slow, "waits")
    assert hurt_regular < hurt_newcomer < 0.0


def steady_feeling(quality: float, touches: int = 60) -> list[float]:
    """What a customer who expects the market standard feels at each of many cashier contacts
    of the same quality."""
    sim = Simulation(Scenario())
    customer = sim.base.join(0, 0.5)
    customer.disposition = 0.0
    customer.expectations = list(sim.adaptation.standard)
    return [
        shopper_for(sim, customer).touch(0.0, CASHIER, quality, 0.0, "a cashier")
        for _ in range(touches)
    ]


def test_steady_good_service_adds_less_and_less_but_stays_felt() -> None:
    standard = Scenario().psyche.market_standard["cashier"]
    felt = steady_feeling(standard + 0.3)
    assert felt[0] > 0.1
    # Used to it, but still good against the market: the expectation settles halfway between
    # (market_anchor 0.5), so v(0.15) / v(0.3) = 0.5 ** 0.88 = 0.54 of the first feeling stays.
    assert felt[-1] == pytest.approx(0.5**0.88 * felt[0], rel=1e-6)
    assert felt[-1] == pytest.approx(felt[-2], rel=1e-6)  # settled


def test_a_steady_bad_level_keeps_costing_more_than_an_equal_good_one_adds() -> None:
    """Expectations fall slower than they rise and losses loom larger (Frederick & Loewenstein
    1999; Tversky & Kahneman 1992): a permanent step down stays felt more than a step up."""
    standard = Scenario().psyche.market_standard["cashier"]
    good, bad = steady_feeling(standard + 0.3), steady_feeling(standard - 0.3)
    assert -bad[-1] > 2.0 * good[-1] > 0.0


def strength_change_of_complainers(recovery_quality: float) -> pd.Series:
    """Strength gained by each complaint's visit when every dissatisfied customer complains and
    is answered with `recovery_quality`, from the baseline's history (the store as it is today,
    as compare runs a what-if)."""
    scenario = load_scenario(
        SCENARIOS / "terminal_outage.yaml",
        [
            "replications=2",
            "horizon.days=14",
            "after_visit.complaint_base=1",
            f"after_visit.recovery_quality={recovery_quality}",
        ],
    )
    today = load_scenario(SCENARIOS / "baseline.yaml")
    visits = run_scenario(scenario, LocalPool(2), reference=today).visits
    complained = visits[visits["complained"]]
    return complained["strength_after"] - complained["strength_before"]


def test_a_good_recovery_restores_more_trust_than_a_poor_one() -> None:
    good, poor = strength_change_of_complainers(0.9), strength_change_of_complainers(-0.5)
    assert len(good) > 100 and len(poor) > 100
    assert good.mean() > poor.mean()
    # No paradox: a failure put right still costs trust on average; the recovery settles the
    # failure but its warmth adds nothing (the paired comparison is fact 8 in test_calibration).
    assert good.mean() < 0.0


NOBODY_COMPLAINS = ("after_visit.complaint_base=0", "after_visit.complaint_peak_slope=0")


def first_day(*overrides: str) -> pd.DataFrame:
    """The visits of the baseline's first day (2 replications, from its history) with
    `overrides`, by (replication, customer, visit). The store's answers come after every draw
    of the visit, so the same visits can be compared with and without them."""
    scenario = load_scenario(
        SCENARIOS / "baseline.yaml",
        ["replications=2", "horizon.days=1", "horizon.warmup_days=0", *overrides],
    )
    today = load_scenario(SCENARIOS / "baseline.yaml")
    visits = run_scenario(scenario, LocalPool(2), reference=today).visits
    return visits.set_index(["replication", "customer_id", "visit_id"])


def assert_better_on_the_same_visits(better: pd.Series, worse: pd.Series) -> None:
    better, worse = better.align(worse, join="inner")
    assert len(better) > 100
    assert (better >= worse).all() and better.mean() > worse.mean()


def test_a_quicker_answer_to_a_complaint_satisfies_more_and_a_neutral_one_less_than_none():
    """The answer is felt on the end the complaint brings back, less what the wait cost: the same
    complaints answered within 5 minutes leave more satisfaction than answered a day later
    (Smith, Bolton & Wagner 1999), and an answer of no quality leaves less than no complaint,
    where the visit's decayed mood used to make a later or neutral answer look better."""
    everyone = "after_visit.complaint_base=1"
    decent = "after_visit.recovery_quality=0.3"
    quick = first_day(everyone, decent, "after_visit.recovery_delay_min=5")
    late = first_day(everyone, decent, "after_visit.recovery_delay_min=1440")
    assert_better_on_the_same_visits(quick.loc[quick["complained"], "csat"], late["csat"])
    neutral = first_day(everyone, "after_visit.recovery_quality=0")
    unheard = first_day(*NOBODY_COMPLAINS)
    assert_better_on_the_same_visits(unheard["csat"], neutral.loc[neutral["complained"], "csat"])


def test_a_follow_up_settles_a_bad_visit_for_satisfaction_and_trust():
    """A call the store makes unasked after a bad visit settles the failure as an answer to a
    complaint does: the same visits end more satisfied and with a stronger relationship."""
    called = first_day(*NOBODY_COMPLAINS, "after_visit.follow_up_prob=1")
    alone = first_day(*NOBODY_COMPLAINS)
    bad = alone["remembered"] < -0.2
    for kpi in ("csat", "strength_after"):
        assert_better_on_the_same_visits(called[kpi], alone.loc[bad, kpi])


def test_touchpoint_kind_indices_name_the_schema_kinds() -> None:
    """The kinds' indices (psyche/kinds.py) are their places in the schema's list; each
    expectation slot starts from the market standard of its kind, the in-store kinds once per
    zone; and a customer's expectations survive the history's names (a zone the past did not
    have starts where a newcomer's does)."""
    from journeysim.psyche import kinds
    from journeysim.scenario.schema import TOUCHPOINT_KINDS

    for index, name in enumerate(TOUCHPOINT_KINDS):
        assert getattr(kinds, name.upper()) == index
    sim = Simulation(Scenario())
    adaptation = sim.adaptation
    zones = [zone.name for zone in sim.scenario.zones]
    standard = sim.scenario.psyche.market_standard
    assert len(adaptation.standard) == len(TOUCHPOINT_KINDS) + 4 * (len(zones) - 1)
    named = adaptation.named(adaptation.standard)
    assert named["cashier"] == standard["cashier"]
    for zone in zones:
        assert named[f"ambience@{zone}"] == standard["ambience"]
        assert named[f"shelf@{zone}"] == standard["shelf"]
    for index, zone in enumerate(sim.store.zones):
        assert adaptation.names[zone.floor_slot] == f"floor@{zones[index]}"
    lived = [level + 0.01 * slot for slot, level in enumerate(adaptation.first(0.2))]
    assert adaptation.restored(adaptation.named(lived), 0.2) == lived
    without_fresh = {k: v for k, v in adaptation.named(lived).items() if "@fresh" not in k}
    restored = adaptation.restored(without_fresh, 0.2)
    for slot, name in enumerate(adaptation.names):
        expected = adaptation.first(0.2)[slot] if name.endswith("@fresh") else lived[slot]
        assert restored[slot] == expected
