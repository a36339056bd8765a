"""The unit of work of `compare` and `sweep`: one replication reduced to its KPIs and money, so
that only a small dict travels back from a worker, never the visit tables."""

from __future__ import annotations

from journeysim.experiment.kpis import KPIS, replication_kpis
from journeysim.experiment.money import MONEY, replication_money
from journeysim.experiment.replication import simulate
from journeysim.scenario.schema import Scenario

METRICS = KPIS + MONEY


def measure(scenario: Scenario, replication: int) -> dict[str, float]:
    """KPIs and money of one replication, keyed by METRICS."""
    rep = simulate(scenario, replication)
    kpis = {name: float(value) for name, value in replication_kpis(rep, scenario).items()}
    return {**kpis, **replication_money(scenario, kpis, rep.terminal_log)}
