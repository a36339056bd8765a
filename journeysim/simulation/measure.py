"""The unit of work of `compare` and `sweep`: one replication reduced to its KPIs and money, so
that only a small dict travels back from a worker, never the visit tables."""

from __future__ import annotations

from journeysim.scenario.schema import Scenario
from journeysim.simulation import kpis, money
from journeysim.simulation.hourly import hourly_receipts
from journeysim.simulation.kpis import KPIS, replication_kpis
from journeysim.simulation.lifetime import NO_LIFETIME_WHY
from journeysim.simulation.money import (
    MONEY,
    contribution_periods,
    lifetime_middle,
    replication_money,
)
from journeysim.simulation.replication import Replication, simulate

METRICS = KPIS + MONEY
# The keys of `measure_halves`: METRICS, what tells a difference still moving, and what the
# payback counts from the change's first day.
HALVES_METRICS = [*METRICS, *money.PERIODS, money.LIFETIME_MIDDLE]
# Which way is better for every metric: kpis.HIGHER (+1) or kpis.LOWER (-1).
BETTER = kpis.BETTER | money.BETTER
# Why a metric can be undefined (NaN) in a replication (simulation/lifetime.py, kpis.py).
_UNDEFINED = {
    "lifetime_days": NO_LIFETIME_WHY,
    "customer_value": NO_LIFETIME_WHY,
    "return_rate": "no visit's return window (loyalty.return_window_days) ended within the run",
}


def why_undefined(metric: str) -> str:
    """Why `metric` can have no value in a replication, in words for an error message."""
    return _UNDEFINED.get(metric, "no visits to average over")


def replication_metrics(rep: Replication, scenario: Scenario) -> dict[str, float]:
    """KPIs and money of a replication, keyed by METRICS."""
    kpis = {name: float(value) for name, value in replication_kpis(rep, scenario).items()}
    return {**kpis, **replication_money(scenario, rep)}


def measure(
    scenario: Scenario, replication: int, reference: Scenario | None = None
) -> dict[str, float]:
    """KPIs and money of one replication started from the burn-in of `reference` (default:
    the scenario's own), keyed by METRICS."""
    return replication_metrics(simulate(scenario, replication, reference=reference), scenario)


def measure_hourly(
    scenario: Scenario, replication: int, reference: Scenario | None = None
) -> dict[str, float]:
    """As `measure`, and the replication's receipts per opening hour (simulation.hourly)."""
    rep = simulate(scenario, replication, reference=reference)
    return {**replication_metrics(rep, scenario), **hourly_receipts(rep, scenario)}


def measure_halves(
    scenario: Scenario, replication: int, reference: Scenario | None = None
) -> dict[str, float]:
    """As `measure`, and the contribution per day of the warm-up and of each half of the
    measured days (money.PERIODS) and the lifetime as it stood mid-way (money.LIFETIME_MIDDLE),
    which tell a difference still moving at the end of the run and the payback from the
    change's first day."""
    rep = simulate(scenario, replication, reference=reference)
    return {
        **replication_metrics(rep, scenario),
        **contribution_periods(rep, scenario),
        **lifetime_middle(rep, scenario),
    }
