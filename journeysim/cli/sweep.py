"""The `sweep` command."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

from journeysim.cli.options import (
    LazyChoices,
    add_run_options,
    execute,
    executor_record,
    name_text,
    readable_manifest,
    whole_number,
    writable_folder,
)
from journeysim.words import plural

if TYPE_CHECKING:
    import pandas as pd

    from journeysim.study.sweep import Sweep

KINDS = LazyChoices("journeysim.study.designs", "KINDS")

HEADLINE = ("return_rate", "nps", "csat", "revenue_per_day", "contribution_per_day")
SHOWN_POINTS = 20


def register(subparsers: argparse._SubParsersAction) -> None:
    sweep = subparsers.add_parser(
        "sweep",
        help="vary scenario parameters over a grid, Latin hypercube or Sobol' design",
        description="Run every point of a design for every replication and append one row per "
        "finished run to DIR/sweep-<name>/runs.csv. The same command run again skips the runs "
        "already there. Give a scenario with --vary, or a sweep file (YAML with scenario, vary "
        "and optionally name, design, samples, set, reps, days, seed); options override it.",
    )
    sweep.add_argument(
        "scenario", type=Path, metavar="SCENARIO.yaml|SWEEP.yaml", help="scenario or sweep file"
    )
    sweep.add_argument(
        "--vary",
        action="append",
        default=[],
        metavar="KEY=V1,V2,...|KEY=LOW:HIGH",
        help="a scenario key and its values (grid) or range (lhs, sobol); repeatable",
    )
    sweep.add_argument(
        "--design", choices=KINDS, metavar="KIND", help="%(choices)s (default: grid)"
    )
    sweep.add_argument(
        "--samples",
        type=whole_number(1),
        metavar="N",
        help="lhs: N points; sobol: N base samples (a power of 2), N x (parameters + 2) points "
        "(a sweep has at most 1,000,000 runs: points x replications)",
    )
    sweep.add_argument(
        "--name", type=name_text, help="folder name sweep-NAME (default: scenario and keys)"
    )
    sweep.add_argument(
        "--no-report",
        action="store_true",
        help="skip report.html (it re-runs a day of the base scenario with tracing)",
    )
    add_run_options(sweep)
    sweep.set_defaults(handler=_sweep)


def _sweep(args: argparse.Namespace) -> int:
    import pandas as pd

    from journeysim.report.console import index_text, render
    from journeysim.study.designs import parse_vary
    from journeysim.study.sweep import Sweep, failed_runs_text, plan_sweep
    from journeysim.study.sweep_spec import SweepSpec, read_sweep_file

    spec = read_sweep_file(args.scenario) or SweepSpec(args.scenario, ())
    spec = spec.updated(
        vary=tuple(parse_vary(text) for text in args.vary),
        overrides=tuple(args.overrides),
        design=args.design,
        samples=args.samples,
        name=args.name,
        reps=args.reps,
        days=args.days,
        seed=args.seed,
    )
    sweep = Sweep(plan_sweep(spec, args.quiet), args.out)
    writable_folder(sweep.folder, sweep.files(None if args.no_report else HEADLINE))
    readable_manifest(sweep.folder)  # before `held`, which writes runs.csv's header
    plan = sweep.plan
    total = plan.runs
    with sweep.held():  # a second sweep into the folder is refused until the report is written
        pending = len(sweep.pending())
        # also if interrupted; a file's `set` too
        sweep.write_manifest(spec.overrides, executor=executor_record(args))
        print(
            f"{plan.name}: {plan.design.kind} design, {plural(len(plan.values), 'point')}, "
            f"{plural(total, 'run')} ({total - pending} already done)"
        )
        runs = execute(args, pending, plan.name, sweep.run)
        failures = failed_runs_text(runs)
        failed = runs[runs["status"] == "failed"]
        runs = runs[runs["status"] == "ok"]
        indices = None  # a Sobol' design's, once every run has finished
        if plan.design.kind == "sobol" and failed.empty:
            indices = pd.read_csv(sweep.folder / "sobol_indices.csv")
        if not args.no_report and len(runs):
            _report(sweep, runs, failed, indices)
    print(f"\n{_point_table(plan.points_table(), runs, failed)}")
    if len(plan.values) > 1:
        most = int(runs.groupby("point").size().max()) if len(runs) else 0  # earlier runs too
        print(_means_only(report=not args.no_report, runs=most))
    if indices is not None:
        shown = indices[indices["metric"].isin(HEADLINE)]
        rows = [[metric, key, *map(index_text, values)] for metric, key, *values in shown.values]
        print(
            "\nSobol' indices (first-order S1, total ST, with 95% confidence half-widths; "
            "noise_share: the runs' own randomness's share of the variance)\n"
        )
        print(render(rows, list(shown.columns)))
    print(f"\nResults in {sweep.folder}{os.sep}")
    if failures is None:
        return 0
    print(f"journeysim sweep: {failures}", file=sys.stderr)
    return 1


def _report(
    sweep: Sweep, runs: pd.DataFrame, failed: pd.DataFrame, indices: pd.DataFrame | None
) -> None:
    """Write report.html and its charts into the sweep's folder: its finished `runs`, the
    `failed` ones, and a Sobol' design's `indices`."""
    from journeysim.report.html import sweep_report  # matplotlib loads only when needed
    from journeysim.study.sweep import short_run_warnings

    plan = sweep.plan
    sweep_report(
        runs,
        list(plan.design.keys),
        sweep.folder,
        plan.base,
        kpis=HEADLINE,
        warnings=short_run_warnings(plan, runs),
        design=plan.design.kind,
        indices=indices,
        samples=plan.design.base_samples,
        failed=failed,
    )


def _means_only(report: bool, runs: int) -> str:
    """What the point table does not say: how sure its means are, which a difference between
    two points needs before it is quoted (with at most one run a point nothing says it)."""
    if runs <= 1:
        where = "one run a point, so no CI: --reps 2 or more gives them"
    else:
        where = "their 95% CIs: report.html" if report else "every run: runs.csv"
    note = (
        f"Means only, not how sure they are ({where}). To quote a difference between two "
        "points, compare them (journeysim compare) for its paired 95% CI."
    )
    return "\n" + textwrap.fill(note, width=100)


def _point_table(points: pd.DataFrame, runs: pd.DataFrame, failed: pd.DataFrame) -> str:
    """Mean headline KPIs per point (the first SHOWN_POINTS points); where runs failed, how
    many of each point's finished ("1 of 2": its means are of those)."""
    from journeysim.report.comparison import LABELS, metric_text
    from journeysim.report.console import render, runs_per_point, setting_text

    means = runs.groupby("point")[list(HEADLINE)].mean().reindex(points["point"])
    means = means.head(SHOWN_POINTS)  # a point whose runs all failed shows "-"
    counts = runs_per_point(runs, failed)
    rows = []
    for (point, *values), (_, mean) in zip(points.itertuples(index=False), means.iterrows()):
        row = [str(point), *map(setting_text, values)]
        row += [counts.get(point, "0 of 0")] if len(failed) else []
        rows.append(row + [metric_text(metric, mean[metric]) for metric in HEADLINE])
    more = len(points) - len(rows)
    header = [*map(str, points.columns), *(["runs"] if len(failed) else [])]
    text = render(rows, [*header, *(LABELS[m][0] for m in HEADLINE)])
    return text + (f"\n... {more} more points in summary.csv" if more > 0 else "")
