"""The `compare` command."""

from __future__ import annotations

import argparse
import math
import os
import sys
import warnings
from pathlib import Path

from journeysim.cli.options import (
    add_force_option,
    add_parameter_sets_option,
    add_run_options,
    check_two_or_more,
    execute,
    executor_record,
    expected,
    replacing_results,
    scenario_from_args,
)
from journeysim.errors import InputError, Option, given_twice
from journeysim.files import folder_name
from journeysim.manifest import write_manifest
from journeysim.words import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    compare = subparsers.add_parser(
        "compare",
        help="compare scenarios with common random numbers: differences with 95%% CIs",
        description="Run every scenario with the first one's seed and replication count, so "
        "their replications share random numbers, and report each scenario's KPIs and money "
        "against the first: paired differences with 95% confidence intervals, * where "
        "significant. Files go to DIR/compare-<names>/.",
    )
    compare.add_argument(
        "scenarios",
        nargs="+",
        type=Path,
        metavar="SCENARIO.yaml",
        help="the first is the reference",
    )
    add_run_options(compare)
    add_force_option(compare)
    add_parameter_sets_option(compare)
    compare.add_argument(
        "--negligible",
        action="append",
        default=[],
        metavar="METRIC=SIZE",
        help="the smallest difference in METRIC that matters, in the unit the table prints "
        "(percentage points for a share), e.g. nps=2 or contribution_per_day=100: a clear "
        "difference within it is negligible, counted neither better nor worse (default: half "
        "a percent of a score's scale, a tenth of a point of a share, 3 s of the wait, none "
        "for counts and money; repeat for several metrics)",
    )
    compare.add_argument(
        "--no-report",
        action="store_true",
        help="skip report.html (it re-runs a day of the first and last scenario with tracing)",
    )
    compare.add_argument(
        "--no-replay",
        action="store_true",
        help="leave the replay of the traced day (replay.html) out of the report",
    )
    compare.set_defaults(handler=_compare)


def _compare(args: argparse.Namespace) -> int:
    from journeysim.report.bottom_line import bottom_line
    from journeysim.report.comparison import (
        clear_marks,
        comparison_files,
        comparison_text,
        narrowing_note,
        payback_lines,
        payback_method,
        write_comparison,
    )
    from journeysim.report.console import unset_costs_text
    from journeysim.report.history_text import compare_history_text
    from journeysim.report.uncertainty import uncertainty_files
    from journeysim.scenario.errors import ScenarioWarning
    from journeysim.simulation.kpis import short_horizon_warnings
    from journeysim.study.compare import (
        common_random_numbers,
        compare_scenarios,
        cost_warnings,
        growth_warnings,
        horizon_warnings,
        late_change_warnings,
        negligible_floors,
    )

    check_two_or_more(args.scenarios)
    floors = negligible_floors(sizes(args.negligible), Option("--negligible"))
    scenarios = [scenario_from_args(path, args) for path in args.scenarios]
    aligned = common_random_numbers(scenarios)
    names = [s.name for s in aligned]
    stem = "-".join(["compare", *names])
    # compare and compare --parameter-sets share the folder: either replaces the other's files
    made = comparison_files(names) | uncertainty_files(names)
    if args.parameter_sets:
        from journeysim.cli.parameter_sets import run_with_parameter_sets

        return run_with_parameter_sets(args, scenarios, stem, made, floors)
    folder = args.out / folder_name(stem)
    with replacing_results(args, folder, made) as staging:
        # The scenarios' own warnings, said before they run: above the bottom line they
        # qualify, not after it (the report lists them under it).
        for text in (
            horizon_warnings(aligned) + cost_warnings(aligned) + late_change_warnings(aligned)
        ):
            warnings.warn(text, ScenarioWarning, stacklevel=1)
        total = len(scenarios) * scenarios[0].replications
        result = execute(
            args,
            total,
            "compare",
            lambda executor, done: compare_scenarios(scenarios, executor, done, floors),
        )
        write_comparison(result, staging)
        write_manifest(
            staging, result.scenarios[0].seed, args.overrides, executor=executor_record(args)
        )
        found = growth_warnings(result.moving, result.scenarios)
        shown = [*args.warned, *found]  # printed as they came, then `found` at the end
        if not args.no_report:
            from journeysim.report.html import compare_report  # matplotlib only when needed

            chart = (staging / "comparison.png").read_bytes()  # as write_comparison drew it
            compare_report(
                result.table,
                result.scenarios,
                staging,
                with_replay=not args.no_replay,
                chart=chart,
                moving=result.moving,
                warnings=shown,
            )
    first = result.scenarios[0]
    print(
        f"{' vs '.join(result.names)}: {plural(first.replications, 'paired replication')}, seed "
        f"{first.seed} (common random numbers)"
    )
    if history := compare_history_text(result.scenarios):
        print(history)
    print()
    print("\n".join(bottom_line(result.table, result.moving)))
    print()
    print(comparison_text(result.table))
    print(f"\n{clear_marks(result.table)}; pts: percentage points")
    if unset := unset_costs_text(result.scenarios):
        print(unset)
    if paybacks := payback_lines(result.table):
        print("\n" + "\n".join(paybacks))
    if method := payback_method(result.table):
        print(method)
    if note := narrowing_note(result.table):  # none when no return rate was measured
        print(f"\n{note}")
    print(f"\nResults in {folder}{os.sep}")
    found = short_horizon_warnings(result.scenarios, result.table) + found
    if found:
        sys.stdout.flush()
        print("\n".join(f"journeysim: warning: {text}" for text in found), file=sys.stderr)
    return 0


def sizes(texts: list[str]) -> dict[str, float]:
    """`--negligible METRIC=SIZE` options as {metric: size}; InputError for one that is not
    METRIC=SIZE with a finite SIZE of 0 or more, said as typed (the metric is checked with the
    API's sizes, by `negligible_floors`), or for a metric given twice."""
    option = Option("--negligible")
    given = {}
    for text in texts:
        metric, equals, size = text.partition("=")
        metric = metric.strip()
        if not (metric and equals):
            problem = expected("METRIC=SIZE, e.g. nps=2", text)
        else:
            try:
                given[metric] = float(size)
            except ValueError:
                given[metric] = math.nan
            if 0 <= given[metric] < math.inf:
                continue
            problem = expected("a finite number of 0 or more", size, metric)
        raise InputError(f"--negligible: {problem}", option)
    metrics = ((text.partition("=")[0].strip(), text) for text in texts)
    if twice := given_twice(option, metrics, "one size per metric"):
        raise InputError(twice, option)
    return given
