"""The `calibrate` command."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from journeysim.cli.options import (
    add_run_options,
    execute,
    executor_record,
    name_text,
    pending_trials,
    whole_number,
    writable_folder,
)
from journeysim.errors import Option
from journeysim.limits import MAX_TRIALS, MIN_CALIBRATION_TRIALS
from journeysim.words import plural


def register(subparsers: argparse._SubParsersAction) -> None:
    calibrate = subparsers.add_parser(
        "calibrate",
        help="fit free parameters to observed KPIs; keep every set consistent with them",
        description="Search free scenario keys (--free) for the values whose simulated KPIs "
        "meet observed targets (--target, --targets targets.yaml), with Optuna over "
        "--reps replications per trial (common random numbers). Writes calibrated.yaml (the "
        "best fit), fit.csv, trials.csv, parameter_sets.csv (every trial within tolerance of "
        "every target, for run/compare --parameter-sets) and report.html to "
        "DIR/calibrate-<name>/; the same command run again resumes the study. Give a "
        "scenario, or a calibration file (YAML with scenario, free, targets, trials, ...).",
    )
    calibrate.add_argument(
        "scenario",
        type=Path,
        metavar="SCENARIO.yaml|CALIBRATION.yaml",
        help="scenario or calibration file",
    )
    calibrate.add_argument(
        "--target",
        action="append",
        default=[],
        metavar="KPI=VALUE[+-TOL]",
        help="an observed KPI of the summary and its tolerance (default 5%% of VALUE); repeatable",
    )
    calibrate.add_argument(
        "--targets",
        type=Path,
        metavar="FILE",
        help="a YAML file with a `targets` mapping, such as fit-receipts' targets.yaml",
    )
    calibrate.add_argument(
        "--free",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH",
        help="a scenario key to fit and its range (or KEY=A,B,C choices); repeatable",
    )
    calibrate.add_argument(
        "--trials",
        type=whole_number(MIN_CALIBRATION_TRIALS, MAX_TRIALS),
        metavar="N",
        help=f"complete trials (default 40, at most {MAX_TRIALS:,})",
    )
    calibrate.add_argument(
        "--sampler",
        metavar="tpe|random",
        help="tpe (default: finds the fit in fewer trials) or random (uniform over the ranges: "
        "the kept set is then an ABC rejection sample)",
    )
    calibrate.add_argument(
        "--name", type=name_text, help="folder name calibrate-NAME (default: scenario, keys)"
    )
    calibrate.add_argument("--no-report", action="store_true", help="skip report.html")
    add_run_options(calibrate)
    calibrate.set_defaults(handler=_calibrate)


def _calibrate(args: argparse.Namespace) -> int:
    from journeysim.report.calibrate import (
        answer,
        calibrate_report,
        fit_text,
        plot_files,
        write_plots,
    )
    from journeysim.study.calibrate import Calibration, plan_calibration
    from journeysim.study.calibrate_spec import (
        CalibrateSpec,
        parse_targets,
        read_calibration_file,
        read_targets_file,
    )
    from journeysim.study.decisions import parse_decision

    spec = read_calibration_file(args.scenario) or CalibrateSpec(args.scenario)
    if args.targets:
        spec = spec.updated(targets=read_targets_file(args.targets))
    spec = spec.updated(
        free=tuple(parse_decision(text, Option("--free")) for text in args.free),
        targets=parse_targets(args.target),
        overrides=tuple(args.overrides),
        trials=args.trials,
        sampler=args.sampler,
        name=args.name,
        reps=args.reps,
        days=args.days,
        seed=args.seed,
    )
    calibration = Calibration(plan_calibration(spec), args.out)
    plan = calibration.plan
    files = [*calibration.files(not args.no_report), *plot_files(plan)]
    writable_folder(calibration.folder, files)
    pending = pending_trials(calibration, spec.overrides, executor_record(args))
    print(
        f"{plan.name}: {plural(plan.trials, 'trial')} ({plan.trials - pending} already done), "
        f"{plan.sampler} sampler, {plural(plan.base.replications, 'replication')} each, seed "
        f"{plan.base.seed} (common random numbers); targets {plan.targets_text}"
    )
    if pending:  # an earlier end's report and charts, of fewer trials than trials.csv will hold
        for name in ("report.html", *plot_files(plan)):
            (calibration.folder / name).unlink(missing_ok=True)
    start = time.perf_counter()
    result = execute(args, pending * plan.base.replications, plan.name, calibration.run)
    plots = write_plots(result)
    if not args.no_report:
        calibrate_report(result, plots, args.warned)
    print(f"\n{fit_text(result)}\n")
    print(answer(result))
    for warning in result.warnings:  # (on stderr, as every command's warnings)
        print(f"journeysim: warning: {warning}", file=sys.stderr)
    print(f"\ncalibrated.yaml: journeysim run {result.folder / 'calibrated.yaml'}")
    if len(result.kept) >= 2:
        # calibrated.yaml carries the --set overrides the sets were found with, the command the
        # calibration's days, reps and seed; each set then replaces its fitted values.
        search = plan.search.spec
        given = (("days", search.days), ("reps", search.reps), ("seed", search.seed))
        runs = "".join(f" --{option} {value}" for option, value in given if value is not None)
        print(
            f"parameter sets: journeysim run {result.folder / 'calibrated.yaml'} "
            f"--parameter-sets {result.folder / 'parameter_sets.csv'}{runs}"
        )
    print(f"\n{time.perf_counter() - start:.0f} s. Results in {result.folder}{os.sep}")
    return 0
