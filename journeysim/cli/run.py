"""The `run` command."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import NamedTuple

from journeysim.cli.options import (
    UsageError,
    add_force_option,
    add_parameter_sets_option,
    add_run_options,
    execute,
    executor_record,
    expected,
    replacing_results,
    scenario_from_args,
)
from journeysim.errors import InputError, Option, closest, given_twice
from journeysim.files import folder_name
from journeysim.manifest import command_line
from journeysim.words import plural


class Precision(NamedTuple):
    """A --precision: METRIC=HALFWIDTH, and the text as typed."""

    metric: str
    halfwidth: float
    text: str


def _precision(text: str) -> Precision:
    """`METRIC=HALFWIDTH` of --precision: a KPI or a money metric that varies between
    replications (not the fixed cost or the investment, which the scenario sets)."""
    from journeysim.simulation.measure import METRICS
    from journeysim.simulation.money import SET

    measured = [metric for metric in METRICS if metric not in SET]
    metric, equals, value = text.partition("=")
    if not (metric and equals):
        raise argparse.ArgumentTypeError(expected("METRIC=HALFWIDTH, e.g. nps=0.5", text))
    if metric not in measured:
        meant = closest(metric, measured)
        hint = f"; did you mean '{meant}={value}'?" if meant else ""
        raise argparse.ArgumentTypeError(
            expected(f"a METRIC of {', '.join(measured)}", metric) + hint
        )
    try:
        target = float(value)
    except ValueError:
        target = math.nan
    if not 0 < target < math.inf:
        raise argparse.ArgumentTypeError(expected("a finite HALFWIDTH above 0", value, metric))
    return Precision(metric, target, text)


def register(subparsers: argparse._SubParsersAction) -> None:
    run = subparsers.add_parser(
        "run",
        help="run a scenario and print its KPIs and money with 95%% confidence intervals",
        description="Run all replications of a scenario, print the KPI and money tables and the "
        "journey map, and write every table to DIR/<scenario>/.",
    )
    run.add_argument("scenario", type=Path, metavar="SCENARIO.yaml", help="scenario file")
    add_run_options(run)
    add_force_option(run)
    add_parameter_sets_option(run)
    run.add_argument(
        "--precision",
        action="append",
        default=[],
        type=_precision,
        metavar="METRIC=HALFWIDTH",
        help="report whether the 95%% CI half-width of a KPI or money METRIC reaches HALFWIDTH "
        "and how many replications would, e.g. return_rate=0.005 or contribution_per_day=50 "
        "(repeatable)",
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


def _run(args: argparse.Namespace) -> int:
    from journeysim.report.console import (
        journey_map_table,
        kpi_table,
        money_table,
        unset_costs_text,
    )
    from journeysim.report.history_text import run_history_text
    from journeysim.report.outputs import RUN_FILES, write_run
    from journeysim.report.uncertainty import uncertainty_files
    from journeysim.simulation.kpis import short_horizon_warnings
    from journeysim.simulation.precision import precision_notes
    from journeysim.simulation.replication import past
    from journeysim.simulation.runner import run_scenario
    from journeysim.simulation.warmup_check import warmup_warnings

    given = ((precision.metric, precision.text) for precision in args.precision)
    option = Option("--precision")
    if twice := given_twice(option, given, "one half-width per metric"):
        raise InputError(twice, option)
    if args.parameter_sets and args.precision:
        raise UsageError(
            "not with --parameter-sets: its band covers the parameters' uncertainty too, which "
            "more replications do not narrow",
            "--precision",
        )
    scenario = scenario_from_args(args.scenario, args)
    # run and run --parameter-sets share the folder: either replaces the other's files
    made = RUN_FILES | uncertainty_files([scenario.name])
    if args.parameter_sets:
        from journeysim.cli.parameter_sets import run_with_parameter_sets

        return run_with_parameter_sets(args, [scenario], scenario.name, made)
    folder = args.out / folder_name(scenario.name)
    with replacing_results(args, folder, made) as staging:
        result = execute(
            args,
            scenario.replications,
            scenario.name,
            lambda executor, done: run_scenario(scenario, executor, on_done=done),
        )
        write_run(result, staging, args.overrides, command_line(), executor_record(args))
        warmup = warmup_warnings(result.warmup, str(args.scenario))
        if not args.no_report:
            from journeysim.report.html import animations, run_report  # matplotlib when needed

            gifs = animations(folder)  # `animate` wrote them beside the results, not to staging
            warned = [*args.warned, *warmup]
            run_report(result, staging, gifs, with_replay=not args.no_replay, warnings=warned)
    print(
        f"{scenario.name}: {plural(scenario.replications, 'replication')} x "
        f"{plural(scenario.horizon.days, 'day')} (after "
        f"{plural(scenario.horizon.warmup_days, 'warm-up day')}), seed {scenario.seed}"
    )
    if history := run_history_text(scenario, past(scenario)):
        print(history)
    print()
    print(kpi_table(result.summary))
    print("\nMoney (PLN per measured day; customer value from simulated survival)\n")
    print(money_table(result.summary))
    if unset := unset_costs_text([scenario]):
        print(unset)
    visits = int(result.touchpoints["visits"].iloc[0])
    print(f"\nJourney map (feeling per visit over {visits:,} measured visits, worst first)\n")
    print(journey_map_table(result.touchpoints))
    if args.precision:
        print("\nPrecision\n")
        halfwidths = {p.metric: p.halfwidth for p in args.precision}
        print("\n".join(precision_notes(result.replications, halfwidths)))
    print(f"\nResults in {folder}{os.sep}")
    short = short_horizon_warnings([scenario], result.summary)
    if warnings := warmup + [f"{args.scenario}: {text}" for text in short]:
        sys.stdout.flush()
        print("\n".join(f"journeysim: warning: {text}" for text in warnings), file=sys.stderr)
    return 0
