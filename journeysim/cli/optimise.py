"""The `optimise` command."""

from __future__ import annotations

import argparse
import os
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
from journeysim.errors import InputError, Option
from journeysim.limits import MAX_TRIALS, MIN_CANDIDATES, MIN_TRIALS
from journeysim.words import plural


class _Objective(argparse.Action):
    """--minimise and --maximise append (KPI, maximise) to one list, in the order given
    (checked with the rest of the input, for a one-line error)."""

    def __call__(self, parser, namespace, value, option_string=None) -> None:
        found = list(getattr(namespace, self.dest) or [])
        found.append((value, option_string == "--maximise"))
        setattr(namespace, self.dest, found)


def register(subparsers: argparse._SubParsersAction) -> None:
    optimise = subparsers.add_parser(
        "optimise",
        help="search the decisions that give the best KPI subject to constraints (Optuna)",
        description="Search scenario keys (--decide) for the best mean of one KPI, or the "
        "Pareto front of two, subject to constraints on means, with Optuna (TPE, NSGA-II, or "
        "every combination when the space is small). Every trial runs --reps replications "
        "with common random numbers; the best candidates then go through select. The study "
        "is kept in DIR/optimise-<name>/study.db: the same command run again resumes it. "
        "Give a scenario with --decide, or an optimise file (YAML with scenario, decide, "
        "minimise/maximise, subject_to, trials, ...); options override it.",
    )
    optimise.add_argument(
        "scenario",
        type=Path,
        metavar="SCENARIO.yaml|OPTIMISE.yaml",
        help="scenario or optimise file",
    )
    optimise.add_argument(
        "--decide",
        action="append",
        default=[],
        metavar="KEY=LOW:HIGH|KEY=A,B,C",
        help="a scenario key and its range (whole numbers when the key's value is one, else "
        "real) or its choices (YAML values); repeatable",
    )
    for way in ("--minimise", "--maximise"):
        optimise.add_argument(
            way,
            dest="objectives",
            action=_Objective,
            metavar="KPI",
            help=f"{way[2:]} the mean of KPI, a KPI or money metric of run's summary (one or "
            "two objectives in all; two give a Pareto front)",
        )
    optimise.add_argument(
        "--subject-to",
        action="append",
        default=[],
        metavar="KPI<=VALUE|KPI>=baseline-DIFF",
        help="a constraint on a mean: KPI>=VALUE or KPI<=VALUE, or on the mean difference "
        "from the baseline (the scenario without decisions, same random numbers): "
        "KPI>=baseline-DIFF or KPI<=baseline+DIFF; optionally +-TOLERANCE for the final "
        "select (default 1%% of VALUE or DIFF, at least the KPI's resolution: a point of NPS, "
        "half a percentage point of a share); repeatable",
    )
    optimise.add_argument(
        "--trials",
        type=whole_number(MIN_TRIALS, MAX_TRIALS),
        metavar="N",
        help=f"complete trials (default 30, at most {MAX_TRIALS:,})",
    )
    optimise.add_argument(
        "--candidates",
        type=whole_number(MIN_CANDIDATES, MAX_TRIALS),
        metavar="K",
        help="best trials that go through select at the end, the next as many joining them "
        "while it finds them all infeasible (default 5)",
    )
    optimise.add_argument(
        "--name", type=name_text, help="folder name optimise-NAME (default: scenario and keys)"
    )
    optimise.add_argument("--no-report", action="store_true", help="skip report.html")
    add_run_options(optimise)
    optimise.set_defaults(handler=_optimise, objectives=None)


def _optimise(args: argparse.Namespace) -> int:
    from journeysim.report.optimise import (
        answer,
        optimise_report,
        plot_files,
        trials_text,
        write_plots,
    )
    from journeysim.study.decisions import parse_decision
    from journeysim.study.designs import DesignError
    from journeysim.study.optimise import Optimisation, plan_optimisation
    from journeysim.study.optimise_spec import OptimiseSpec, objective, read_optimise_file
    from journeysim.study.selection import parse_constraint

    spec = read_optimise_file(args.scenario) or OptimiseSpec(args.scenario)
    try:
        constraints = tuple(parse_constraint(text) for text in args.subject_to)
    except ValueError as error:
        raise DesignError(f"--subject-to: {error}", Option("--subject-to")) from None
    spec = spec.updated(
        decisions=tuple(parse_decision(text) for text in args.decide),
        objectives=tuple(
            objective(kpi, up, Option("--maximise" if up else "--minimise"))
            for kpi, up in args.objectives or ()
        ),
        objectives_by=Option("--minimise or --maximise"),
        constraints=constraints,
        overrides=tuple(args.overrides),
        trials=args.trials,
        candidates=args.candidates,
        name=args.name,
        reps=args.reps,
        days=args.days,
        seed=args.seed,
    )
    optimisation = Optimisation(plan_optimisation(spec), args.out)
    plan = optimisation.plan
    files = [*optimisation.files(not args.no_report), *plot_files(plan)]
    writable_folder(optimisation.folder, files)
    pending = pending_trials(optimisation, spec.overrides, executor_record(args))
    print(
        f"{plan.name}: {plural(plan.trials, 'trial')} ({plan.trials - pending} already done), "
        f"{plan.sampler} sampler, {plural(plan.base.replications, 'replication')} each, seed "
        f"{plan.base.seed} (common random numbers)"
    )
    if pending:  # an earlier end's report and charts, of fewer trials than trials.csv will hold
        for name in ("report.html", *plot_files(plan)):
            (optimisation.folder / name).unlink(missing_ok=True)
    start = time.perf_counter()
    try:
        total = optimisation.pending_replications()
        result = execute(args, total, plan.name, optimisation.run)
    except InputError:
        raise  # bad input: exit code 2 (main)
    except ValueError as error:
        raise SystemExit(f"journeysim optimise: {error}") from None
    plots = write_plots(result)
    if not args.no_report:
        optimise_report(result, plots, args.warned)
    print(f"\n{trials_text(result)}\n")
    print(answer(result))
    if result.best is not None:
        print(f"\nbest.yaml: journeysim run {result.folder / 'best.yaml'}")
    print(f"\n{time.perf_counter() - start:.0f} s. Results in {result.folder}{os.sep}")
    return 0
