"""The unit of work of `compare` and `sweep`: one replication reduced to its KPIs and money, so
that only a small dict travels back from a worker, never the visit tables."""

from __future__ import annotations

from journeysim.scenario.schema import Scenario
from journeysim.simulation import kpis, money
from journeysim.simulation.hourly import hourly_receipts
from journeysim.simulation.kpis import KPIS, replication_kpis
from journeysim.simulation.money import MONEY, replication_money
from journeysim.simulation.replication import Replication, simulate

METRICS = KPIS + MONEY
# Which way is better for every metric: kpis.HIGHER (+1) or kpis.LOWER (-1).
BETTER = kpis.BETTER | money.BETTER


def replication_metrics(rep: Replication, scenario: Scenario) -> dict[str, float]:
    """KPIs and money of a replication, keyed by METRICS."""
    kpis = {name: float(value) for name, value in replication_kpis(rep, scenario).items()}
    return {**kpis, **replication_money(scenario, kpis, rep)}


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
