"""Loyalty mechanisms: asymmetric relationship updates, adapting expectations (the "standards
promise"), hedonic adaptation and service recovery, checked on the model's own objects and runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from journeysim.journey.checkout import appraise_wait
from journeysim.journey.shopper import Shopper
from journeysim.loyalty.relationship import updated_strength
from journeysim.scenario import Scenario, load_scenario
from journeysim.simulation.executors import LocalPool
from journeysim.simulation.replication import Simulation
from journeysim.simulation.runner import run_scenario

SCENARIOS = Path(__file__).parent.parent / "scenarios"


def shopper_for(sim: Simulation, customer) -> Shopper:
    psyche = sim.scenario.psyche
    return Shopper(
        customer,
        sim.env.now,
        sim.appraisal,
        psyche.expectation_adapt,
        psyche.mood_half_life_min,
        sim.journey_map,
        tracing=False,
    )


def test_bad_visits_move_the_relationship_faster_than_good_ones() -> None:
    loyalty = Scenario().loyalty
    gain = updated_strength(0.5, 0.4, loyalty) - 0.5
    loss = 0.5 - updated_strength(0.5, -0.4, loyalty)
    assert loss > 2 * gain > 0


def test_a_customer_used_to_fast_checkout_is_hurt_more_by_the_same_slow_one() -> None:
    sim = Simulation(Scenario())
    regular, newcomer = sim.base.join(0, 0.5), sim.base.join(0, 0.5)
    for customer in (regular, newcomer):  # alike in all but their history
        customer.disposition = 0.0
        customer.segment = regular.segment
        customer.expectations = dict.fromkeys(customer.expectations, 0.0)
    for _ in range(20):  # twenty visits with no wait at all
        appraise_wait(sim.store, shopper_for(sim, regular), 0.0, "walks straight to a till")
    slow = 6.0
    hurt_regular = appraise_wait(sim.store, shopper_for(sim, regular), slow, "waits")
    hurt_newcomer = appraise_wait(sim.store, shopper_for(sim, newcomer), slow, "waits")
    assert hurt_regular < hurt_newcomer < 0.0


def test_steady_good_service_stops_adding_feeling() -> None:
    sim = Simulation(Scenario())
    customer = sim.base.join(0, 0.5)
    customer.disposition = 0.0
    customer.expectations = dict.fromkeys(customer.expectations, 0.0)
    felt = [
        shopper_for(sim, customer).touch(0.0, "cashier", 0.6, 0.0, "a warm welcome")
        for _ in range(30)
    ]
    assert felt[0] > 0.1
    assert felt[-1] < 0.01 * felt[0]


def strength_change_of_complainers(recovery_quality: float) -> pd.Series:
    scenario = load_scenario(
        SCENARIOS / "terminal_outage.yaml",
        [
            "replications=2",
            "horizon.days=14",
            "after_visit.complaint_base=1",
            f"after_visit.recovery_quality={recovery_quality}",
        ],
    )
    visits = run_scenario(scenario, LocalPool(2)).visits
    complained = visits[visits["complained"]]
    return complained["strength_after"] - complained["strength_before"]


def test_a_good_recovery_restores_more_trust_than_a_poor_one() -> None:
    good, poor = strength_change_of_complainers(0.9), strength_change_of_complainers(-0.5)
    assert len(good) > 100 and len(poor) > 100
    assert good.mean() > poor.mean()
    assert (good <= 1e-12).all()  # never beyond the trust held before the failure
