"""Run a scenario's replications on an executor and gather tidy tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from journeysim.experiment.executors import Executor, LocalPool
from journeysim.experiment.kpis import KPIS, replication_kpis
from journeysim.experiment.replication import Replication, simulate
from journeysim.experiment.summary import summarize
from journeysim.scenario.schema import Scenario


@dataclass
class RunResult:
    """Everything one scenario run produced, as pandas tables (replication in every table)."""

    scenario: Scenario
    summary: pd.DataFrame
    replications: pd.DataFrame
    visits: pd.DataFrame
    days: pd.DataFrame
    customers: pd.DataFrame
    touchpoints: pd.DataFrame
    terminal_log: pd.DataFrame
    turnover_log: pd.DataFrame


def replicate(scenario: Scenario, replication: int) -> tuple[dict[str, float], Replication]:
    """One replication and its KPIs (the unit of work an executor runs)."""
    rep = simulate(scenario, replication)
    return replication_kpis(rep, scenario), rep


def run_scenario(
    scenario: Scenario, executor: Executor | None = None, on_done: Callable[[], None] | None = None
) -> RunResult:
    """All replications of the scenario; identical numbers whichever executor runs them."""
    executor = executor or LocalPool()
    tasks = [(scenario, r) for r in range(scenario.replications)]
    done: dict[int, tuple[dict[str, float], Replication]] = {}
    for index, result in executor.run(replicate, tasks):
        done[index] = result
        if on_done:
            on_done()
    order = sorted(done)
    kpi_rows = pd.DataFrame([{"replication": r, **done[r][0]} for r in order])

    def stacked(table: str) -> pd.DataFrame:
        frames = [getattr(done[r][1], table).assign(replication=r) for r in order]
        return pd.concat(frames, ignore_index=True)

    touchpoints = (
        stacked("touchpoints")
        .groupby("touchpoint", sort=False)[["positive", "negative", "effort", "count"]]
        .sum()
        .reset_index()
    )
    total_effort = touchpoints["effort"].sum()
    touchpoints["effort_share"] = touchpoints["effort"] / total_effort if total_effort else 0.0
    touchpoints["net"] = touchpoints["positive"] + touchpoints["negative"]
    return RunResult(
        scenario=scenario,
        summary=summarize(kpi_rows, KPIS),
        replications=kpi_rows,
        visits=stacked("visits"),
        days=stacked("days"),
        customers=stacked("customers"),
        touchpoints=touchpoints,
        terminal_log=stacked("terminal_log"),
        turnover_log=stacked("turnover_log"),
    )
