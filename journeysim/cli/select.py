"""The `select` command."""

from __future__ import annotations

import argparse
import math
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from journeysim.cli.options import (
    LazyChoices,
    add_force_option,
    add_run_options,
    check_two_or_more,
    execute,
    executor_record,
    expected,
    replacing_results,
    scenario_from_args,
)
from journeysim.errors import InputError, Option
from journeysim.files import folder_name
from journeysim.manifest import write_manifest

if TYPE_CHECKING:
    from journeysim.study.selection import Constraint

METRICS = LazyChoices("journeysim.simulation.measure", "METRICS")


def register(subparsers: argparse._SubParsersAction) -> None:
    select = subparsers.add_parser(
        "select",
        help="pick the best scenario with a stated confidence (ranking and selection)",
        description="Run the scenarios with common random numbers and select the best by the "
        "mean of KPI, among those meeting every --constraint, with the fully sequential "
        "procedure of Kim & Nelson (2001): after --reps first-stage replications each (at least "
        "5; a scenario's own fewer are raised to 5), it adds "
        "replications only to the scenarios still in contention. Prints the selection with its "
        "guarantee and the subset that could be the best; files go to DIR/select-<names>/.",
    )
    select.add_argument(
        "scenarios", nargs="+", type=Path, metavar="SCENARIO.yaml", help="at least two"
    )
    select.add_argument(
        "--objective",
        required=True,
        choices=METRICS,
        metavar="KPI",
        help="the KPI or money metric to select on, one of %(choices)s",
    )
    way = select.add_mutually_exclusive_group()
    way.add_argument(
        "--minimise",
        dest="maximise",
        action="store_false",
        default=None,
        help="lower is better (default: the KPI's own better way, e.g. lower for waits)",
    )
    way.add_argument(
        "--maximise", dest="maximise", action="store_true", default=None, help="higher is better"
    )
    select.add_argument(
        "--constraint",
        action="append",
        default=[],
        type=_constraint,
        metavar="KPI>=VALUE",
        help="a scenario must meet it on average: KPI>=VALUE or KPI<=VALUE, optionally "
        "+-TOLERANCE (default 1%% of VALUE, at least the KPI's resolution) within which either "
        "answer is fine (repeatable)",
    )
    select.add_argument(
        "--indifference",
        type=_positive,
        metavar="DELTA",
        help="differences of the objective smaller than DELTA do not matter (default: 1%% of "
        "the first scenario's first-stage mean, at least the KPI's resolution, such as 1 NPS "
        "point); shares as fractions, e.g. 0.005",
    )
    select.add_argument(
        "--confidence",
        type=_confidence,
        default=0.95,
        metavar="P",
        help="the probability of a correct selection (default 0.95)",
    )
    add_run_options(select)
    add_force_option(select)
    select.add_argument("--no-report", action="store_true", help="skip report.html")
    select.set_defaults(handler=_select)


def _select(args: argparse.Namespace) -> int:
    from journeysim.report.history_text import compare_history_text
    from journeysim.report.selection import (
        guarantee,
        procedures,
        screening_note,
        selection_files,
        selection_text,
        subset_text,
        write_selection,
    )
    from journeysim.study.compare import common_random_numbers
    from journeysim.study.selection import (
        check_first_stage,
        check_indifference,
        check_selection,
        select_scenarios,
        warn_of_investments,
    )

    check_two_or_more(args.scenarios)
    check_first_stage(args.reps, Option("--reps"))
    check_indifference(args.objective, args.indifference, Option("--indifference"))
    scenarios = [scenario_from_args(path, args) for path in args.scenarios]
    names = [s.name for s in common_random_numbers(scenarios)]
    check_selection(scenarios, args.objective, args.constraint, args.confidence)
    warn_of_investments(scenarios, args.objective)
    folder = args.out / folder_name("-".join(["select", *names]))
    with replacing_results(args, folder, selection_files(names)) as staging:
        try:
            result = execute(
                args,
                None,
                "select",
                lambda executor, done: select_scenarios(
                    scenarios,
                    args.objective,
                    maximise=args.maximise,
                    constraints=args.constraint,
                    indifference=args.indifference,
                    confidence=args.confidence,
                    executor=executor,
                    on_done=done,
                    on_bound=lambda first_stage, most, delta: _bound_note(
                        args, first_stage, most, delta
                    ),
                ),
                unit="replication",
            )
        except InputError:
            raise  # bad input: exit code 2 (main)
        except ValueError as error:
            raise SystemExit(f"journeysim select: {error}") from None
        write_selection(result, staging)
        write_manifest(
            staging, result.scenarios[0].seed, args.overrides, executor=executor_record(args)
        )
        if not args.no_report:
            from journeysim.report.selection import select_report  # matplotlib only when needed

            select_report(result, staging, warnings=args.warned)
    first = result.scenarios[0]
    print(
        f"select on {args.objective}: {' vs '.join(result.names)}, first stage "
        f"{result.first_stage} replications, seed {first.seed} (common random numbers)"
    )
    if history := compare_history_text(result.scenarios):
        print(history)  # as compare says it: every scenario starts from the first's history
    print()
    print(guarantee(result))
    print(subset_text(result))
    print()
    print(selection_text(result))
    if note := screening_note(result):
        print(note)
    print(f"\n{procedures(result)}")
    print(f"\nResults in {folder}{os.sep}")
    return 0


def _bound_note(args: argparse.Namespace, first_stage: int, most: int, indifference: float) -> None:
    """When the first stage leaves the selection open, on stderr (above the progress bar): how
    many replications a scenario may still need, and what shortens that."""
    from tqdm import tqdm

    from journeysim.report.selection import indifference_text

    if most <= first_stage:
        return
    default = " (by default 1% of the first scenario's mean, at least the KPI's resolution)"
    given = "" if args.indifference else default
    tqdm.write(
        f"journeysim: select: {first_stage} replications do not decide yet; a scenario may need "
        f"up to {most:,} at indifference {indifference_text(args.objective, indifference)}"
        f"{given}; a larger --indifference or a lower --confidence ends sooner",
        file=sys.stderr,
    )


def _constraint(text: str) -> Constraint:
    from journeysim.study.selection import parse_constraint

    try:
        return parse_constraint(text, baseline=False)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _positive(text: str) -> float:
    """--indifference: a finite number above 0."""
    value = _number(text)
    if not 0 < value < math.inf:
        raise argparse.ArgumentTypeError(expected("a finite number above 0", text))
    return value


def _confidence(text: str) -> float:
    """--confidence: a probability from 0.5 up to (not including) 1."""
    value = _number(text)
    if not 0.5 <= value < 1.0:
        raise argparse.ArgumentTypeError(
            expected("a probability of at least 0.5 and below 1", text)
        )
    return value


def _number(text: str) -> float:
    """`text` as a number; NaN when it is none (which every range refuses)."""
    try:
        return float(text)
    except ValueError:
        return math.nan
