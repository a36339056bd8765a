"""The `run` command, and the options that `run`, `compare` and `sweep` share."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from journeysim.experiment.executors import make_executor
from journeysim.experiment.progress import progress_bar
from journeysim.experiment.runner import run_scenario
from journeysim.report.console import journey_map_table, kpi_table
from journeysim.report.outputs import write_run
from journeysim.scenario.loader import load_scenario
from journeysim.scenario.schema import Scenario


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by run, compare and sweep."""
    parser.add_argument(
        "--reps",
        type=int,
        metavar="N",
        help="replications (default: the scenario's `replications`)",
    )
    parser.add_argument(
        "--days",
        type=int,
        metavar="N",
        help="simulated days after warm-up (default: `horizon.days`)",
    )
    parser.add_argument(
        "--seed",
        type=int,
        metavar="S",
        help="root seed; the same seed gives identical numbers (default: `seed`)",
    )
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, VALUE in YAML, e.g. checkout.cashiers=3 (repeatable)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        default=Path("results"),
        help="folder for result folders (default: results)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        metavar="N",
        default=os.cpu_count(),
        help="worker processes for replications (default: all cores)",
    )
    parser.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on an existing Dask cluster at ADDRESS instead of local "
        "processes (needs `pip install journeysim[dask]`)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def scenario_from_args(path: Path, args: argparse.Namespace) -> Scenario:
    """Load a scenario and apply --set, then --reps, --days and --seed."""
    overrides = list(args.overrides)
    for option, key in (("reps", "replications"), ("days", "horizon.days"), ("seed", "seed")):
        value = getattr(args, option)
        if value is not None:
            overrides.append(f"{key}={value}")
    return load_scenario(path, overrides)


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run a scenario and print its KPIs with 95%% confidence intervals",
        description="Run all replications of a scenario, print the KPI table and the journey "
        "map, and write every table to DIR/<scenario>/.",
    )
    run.add_argument("scenario", type=Path, metavar="SCENARIO.yaml", help="scenario file")
    add_run_options(run)
    run.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args.scenario, args)
    executor = make_executor(args.workers, args.scheduler)
    with progress_bar(scenario.replications, f"{scenario.name}", args.quiet) as bar:
        result = run_scenario(scenario, executor, on_done=bar.update)
    folder = args.out / scenario.name
    write_run(result, folder)
    print(
        f"\n{scenario.name}: {scenario.replications} replications x {scenario.horizon.days} "
        f"days (after {scenario.horizon.warmup_days} warm-up days), seed {scenario.seed}\n"
    )
    print(kpi_table(result.summary))
    print("\nJourney map (feeling per visit by touchpoint kind, worst first)\n")
    print(journey_map_table(result.touchpoints))
    print(f"\nResults in {folder}{os.sep}", file=sys.stdout)
    return 0
