"""Result folders: every table of a run plus the resolved scenario it came from."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from journeysim.files import parquet_available, scenario_files, write_table, write_text
from journeysim.manifest import MANIFEST, api_call, write_manifest
from journeysim.scenario.loader import resolved_yaml
from journeysim.scenario.schema import Scenario
from journeysim.simulation.runner import RunResult

# Every file `journeysim run` may write into its folder: a new run replaces them all (any other
# file there, such as an animation's GIF, is kept).
RUN_FILES = frozenset(
    {
        *(f"{name}.{kind}" for name in ("visits", "customers") for kind in ("parquet", "csv")),
        "summary.csv",
        "replications.csv",
        "days.csv",
        "touchpoints.csv",
        "terminal_log.csv",
        "turnover_log.csv",
        "lanes_log.csv",
        "scenario.yaml",
        "manifest.json",
        "report.html",
        "replay.html",
        "kpis_over_days.png",
        "journey_map.png",
    }
)


def write_run(
    result: RunResult,
    folder: Path,
    overrides: Sequence[str] = (),
    call: str | None = None,
    executor: Mapping[str, Any] | None = None,
) -> list[Path]:
    """Write summary, replications, visits, days, customers, the journey map, the logs, the
    resolved scenario and the manifest, which records `call` (by default this call of
    write_run), the `overrides` that made the scenario and, if given, the `executor` that ran
    it (its `record`); return their paths."""
    folder = Path(folder)
    big = "parquet" if parquet_available() else "csv"
    tables = {
        "summary.csv": result.summary,
        "replications.csv": result.replications,
        "days.csv": result.days,
        "touchpoints.csv": result.touchpoints,
        f"visits.{big}": result.visits,
        f"customers.{big}": result.customers,
        "terminal_log.csv": result.terminal_log,
        "turnover_log.csv": result.turnover_log,
        "lanes_log.csv": result.lanes_log,
    }
    paths = []
    for name, table in tables.items():
        write_table(folder / name, table)
        paths.append(folder / name)
    write_text(folder / "scenario.yaml", resolved_yaml(result.scenario))
    paths.append(folder / "scenario.yaml")
    call = call or api_call("report.outputs.write_run", result.scenario, folder)
    write_manifest(folder, result.scenario.seed, overrides, call, executor)
    paths.append(folder / MANIFEST)
    return paths


def write_scenarios(scenarios: Sequence[Scenario], folder: Path) -> list[Path]:
    """Each scenario's resolved YAML in a study's `folder`, named by `scenario_files`; return
    their paths."""
    paths = [Path(folder) / name for name in scenario_files([s.name for s in scenarios])]
    for scenario, path in zip(scenarios, paths):
        write_text(path, resolved_yaml(scenario))
    return paths
