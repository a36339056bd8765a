"""Run a scenario's replications on an executor and gather tidy tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from journeysim.scenario.schema import Scenario
from journeysim.simulation.executors import Executor, LocalPool, run_replications
from journeysim.simulation.footprint import warn_if_too_big
from journeysim.simulation.journey_map import journey_map
from journeysim.simulation.measure import METRICS, replication_metrics
from journeysim.simulation.replication import Replication, past, simulate
from journeysim.simulation.summary import summarize
from journeysim.simulation.warmup_check import daily_runs, warmup_table


@dataclass(eq=False)  # == of its tables has no truth value
class RunResult:
    """Everything one scenario run produced, as pandas tables (replication in every table but
    `touchpoints`, the journey map per measured visit over all replications)."""

    scenario: Scenario
    summary: pd.DataFrame
    replications: pd.DataFrame
    visits: pd.DataFrame
    days: pd.DataFrame
    customers: pd.DataFrame
    touchpoints: pd.DataFrame
    terminal_log: pd.DataFrame
    turnover_log: pd.DataFrame
    lanes_log: pd.DataFrame

    @cached_property
    def daily(self) -> dict[str, pd.DataFrame]:
        """Per daily KPI, replications x days of the whole run (see warmup_check.daily_runs):
        read from the visits once, for the warm-up check and the chart of KPIs over days."""
        return daily_runs(self.scenario, self.visits, self.days)

    @cached_property
    def warmup(self) -> pd.DataFrame:
        """The warm-up check: MSER-5 per daily KPI series (see warmup_check.warmup_table)."""
        return warmup_table(self.scenario, self.daily, self.days)


def replicate(
    scenario: Scenario, replication: int, reference: Scenario | None = None
) -> tuple[dict[str, float], Replication]:
    """One replication with its KPIs and money (the unit of work an executor runs), started
    from the history of `reference` (default: the scenario's own)."""
    rep = simulate(scenario, replication, reference=reference)
    return replication_metrics(rep, scenario), rep


def run_scenario(
    scenario: Scenario,
    executor: Executor | None = None,
    on_done: Callable[[], None] | None = None,
    reference: Scenario | None = None,
) -> RunResult:
    """All replications of the scenario, started from the history of `reference` (default: the
    scenario's own; a what-if of the store as it is today, as compare runs it); identical
    numbers whichever executor runs them."""
    executor = executor or LocalPool()
    past(scenario, reference)  # the burn-in, lived once here and then read by every worker
    tasks = [(scenario, r, reference) for r in range(scenario.replications)]
    done: dict[int, tuple[dict[str, float], Replication]] = {}
    for index, result in run_replications(executor, replicate, tasks):
        if not done:
            warn_if_too_big(scenario, len(result[1].visits))
        done[index] = result
        if on_done:
            on_done()
    order = sorted(done)
    kpi_rows = pd.DataFrame([{"replication": r, **done[r][0]} for r in order])

    def stacked(table: str) -> pd.DataFrame:
        """The replications' `table` one below the other, stacked a column at a time, each
        replication's column let go once it is stacked (else a long run's visits are held
        twice at once: the replications' tables and the stacked table)."""
        frames = []
        for r in order:
            frames.append(getattr(done[r][1], table))
            frames[-1]["replication"] = r  # in place: no copy
            setattr(done[r][1], table, pd.DataFrame())
        # An empty log (no outage in that replication) has no rows to give: leave it out (an
        # all-empty table keeps the first replication's, typed as data.md lists them).
        kept = [f for f in frames if len(f)] or frames[:1]
        del frames
        if len(kept) == 1:  # one replication's table as it is: no copy of it (concat copies)
            kept[0].index = pd.RangeIndex(len(kept[0]))
            return kept[0]
        columns = {}
        for name in list(kept[0].columns):
            columns[name] = pd.concat([f[name] for f in kept], ignore_index=True)
            for f in kept:
                del f[name]
        return pd.DataFrame(columns, copy=False)

    visits = stacked("visits")
    tallies = (
        stacked("touchpoints")
        .groupby("touchpoint", sort=False)[["positive", "negative", "effort", "count"]]
        .sum()
        .reset_index()
    )
    return RunResult(
        scenario=scenario,
        summary=summarize(kpi_rows, METRICS),
        replications=kpi_rows,
        visits=visits,
        days=stacked("days"),
        customers=stacked("customers"),
        touchpoints=journey_map(tallies, int((~visits["warmup"]).sum())),
        terminal_log=stacked("terminal_log"),
        turnover_log=stacked("turnover_log"),
        lanes_log=stacked("lanes_log"),
    )
