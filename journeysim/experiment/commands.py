"""The `run` command, and the options and execution that `run`, `compare` and `sweep` share."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from journeysim.experiment.executors import Executor, make_executor
from journeysim.experiment.kpis import KPIS
from journeysim.experiment.precision import precision_notes
from journeysim.experiment.progress import progress_bar
from journeysim.experiment.runner import run_scenario
from journeysim.experiment.warmup_check import warmup_warnings
from journeysim.report.console import journey_map_table, kpi_table, money_table
from journeysim.report.files import folder_name
from journeysim.report.outputs import write_run
from journeysim.scenario.commands import add_set_option
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
    add_set_option(parser)
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


T = TypeVar("T")


def execute(
    args: argparse.Namespace,
    total: int,
    what: str,
    work: Callable[[Executor, Callable[[], None]], T],
) -> T:
    """work(executor, on_done) on the executor of --workers/--scheduler, with a progress bar of
    `total` runs unless --quiet; a missing Dask or an unreachable scheduler ends the command."""
    try:
        executor = make_executor(args.workers, args.scheduler)
        with progress_bar(total, what, args.quiet) as bar:
            return work(executor, bar.update)
    except (ImportError, ConnectionError) as error:
        raise SystemExit(f"journeysim: {error}") from None


def _precision(text: str) -> tuple[str, float]:
    """`KPI=HALFWIDTH` of --precision."""
    metric, _, value = text.partition("=")
    try:
        target = float(value)
    except ValueError:
        target = 0.0
    if metric not in KPIS or not target > 0:
        raise argparse.ArgumentTypeError(
            f"expected KPI=HALFWIDTH with a KPI of {', '.join(KPIS)} and HALFWIDTH > 0 "
            f"(got {text!r})"
        )
    return metric, target


def register(subparsers: argparse._SubParsersAction) -> None:
    from journeysim.experiment import compare_command, sweep_command

    run = subparsers.add_parser(
        "run",
        help="run a scenario and print its KPIs and money with 95%% confidence intervals",
        description="Run all replications of a scenario, print the KPI and money tables and the "
        "journey map, and write every table to DIR/<scenario>/.",
    )
    run.add_argument("scenario", type=Path, metavar="SCENARIO.yaml", help="scenario file")
    add_run_options(run)
    run.add_argument(
        "--precision",
        action="append",
        default=[],
        type=_precision,
        metavar="KPI=HALFWIDTH",
        help="report whether the 95%% CI half-width of KPI reaches HALFWIDTH and how many "
        "replications would, e.g. return_rate=0.005 (repeatable)",
    )
    run.add_argument(
        "--no-report",
        action="store_true",
        help="skip report.html (it re-runs replication 0 with tracing for its example visit)",
    )
    run.add_argument(
        "--no-replay",
        action="store_true",
        help="leave the replay of the traced day (replay.html) out of the report",
    )
    run.set_defaults(handler=_run)
    compare_command.register(subparsers)
    sweep_command.register(subparsers)


def _run(args: argparse.Namespace) -> int:
    scenario = scenario_from_args(args.scenario, args)
    result = execute(
        args,
        scenario.replications,
        scenario.name,
        lambda executor, done: run_scenario(scenario, executor, on_done=done),
    )
    folder = args.out / folder_name(scenario.name)
    write_run(result, folder)
    if not args.no_report:
        from journeysim.report.html import run_report  # matplotlib loads only when needed

        run_report(result, folder, with_replay=not args.no_replay)
    print(
        f"\n{scenario.name}: {scenario.replications} replications x {scenario.horizon.days} "
        f"days (after {scenario.horizon.warmup_days} warm-up days), seed {scenario.seed}\n"
    )
    print(kpi_table(result.summary))
    print("\nMoney (PLN per measured day; customer value from simulated survival)\n")
    print(money_table(result.summary))
    visits = int(result.touchpoints["visits"].iloc[0])
    print(f"\nJourney map (feeling per visit over {visits:,} measured visits, worst first)\n")
    print(journey_map_table(result.touchpoints))
    if args.precision:
        print("\nPrecision\n")
        print("\n".join(precision_notes(result.summary, dict(args.precision))))
    print(f"\nResults in {folder}{os.sep}", file=sys.stdout)
    warnings = warmup_warnings(result.warmup, str(args.scenario))
    if warnings:
        sys.stdout.flush()
        print("\n".join(warnings), file=sys.stderr)
    return 0
