"""The Python API: everything the command line does, returning pandas tables, for notebooks.

Scenarios are given as a file path or a `Scenario`; `overrides` are `--set` texts
(`"checkout.cashiers=4"`; one text alone stands for a list of one, as in every list of texts
below); `reps`, `days` and `seed` are `--reps`, `--days` and `--seed`.
`workers` (default: all cores) or `scheduler` (a Dask scheduler address) choose where the
replications run; the numbers do not depend on it.

Bad input of any kind (arguments, scenario files, `overrides`, study files) raises
`journeysim.InputError`, a ValueError, before anything runs: one line per problem naming the
argument, file or key and what was expected (ScenarioError is a kind of it; an argument of
the wrong type raises InputTypeError, also a TypeError).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd

from journeysim import arguments
from journeysim.caller import warn_at_caller
from journeysim.errors import InputError
from journeysim.manifest import api_call, write_manifest
from journeysim.scenario.loader import Override
from journeysim.scenario.schema import Scenario
from journeysim.simulation.executors import Executor, make_executor
from journeysim.simulation.kpis import MATERIAL, short_horizon_warnings
from journeysim.simulation.progress import progress_bar
from journeysim.simulation.runner import RunResult, run_scenario
from journeysim.simulation.warmup_check import warmup_warnings
from journeysim.study.calibrate import (
    Calibration,
    CalibrationResult,
    CalibrationWarning,
    plan_calibration,
)
from journeysim.study.calibrate_spec import (
    CalibrateSpec,
    parse_targets,
    read_calibration_file,
    read_targets_file,
    targets_from_yaml,
)
from journeysim.study.compare import (
    CompareResult,
    compare_scenarios,
    cost_warnings,
    growth_warnings,
    horizon_warnings,
    late_change_warnings,
    negligible_floors,
)
from journeysim.study.decisions import decision_from_yaml, parse_decision
from journeysim.study.designs import Vary, parse_vary, vary_from_yaml
from journeysim.study.optimise import Optimisation, OptimiseResult, plan_optimisation
from journeysim.study.optimise_spec import OptimiseSpec, objective, read_optimise_file
from journeysim.study.parameter_sets import read_parameter_sets
from journeysim.study.selection import (
    SelectResult,
    check_first_stage,
    parse_constraint,
    select_scenarios,
    warn_of_investments,
)
from journeysim.study.sources import ScenarioSource, resolve_scenario
from journeysim.study.sweep import FailedRunsWarning, Sweep, failed_runs_text, plan_sweep
from journeysim.study.sweep_spec import SweepSpec, read_sweep_file
from journeysim.study.uncertainty import UncertaintyResult, run_parameter_sets

T = TypeVar("T")


def run(
    scenario: ScenarioSource,
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    parameter_sets: str | os.PathLike[str] | None = None,
) -> RunResult | UncertaintyResult:
    """Run all replications of a scenario; like `journeysim run` without writing files.
    `summary` and `replications` hold the KPIs and the money (contribution_per_day,
    customer_value, ...; see docs/experiments.md). With `parameter_sets` (a file as for
    `--parameter-sets`) the replications run for every set and the result is an
    UncertaintyResult: `table` has each metric's 95% band and the parameters' share of it.

    >>> import journeysim
    >>> result = journeysim.run("scenarios/baseline.yaml", reps=2, days=7)
    >>> result.summary.columns.tolist()
    ['metric', 'mean', 'ci_low', 'ci_high', 'n']
    >>> {"csat", "contribution_per_day", "customer_value"} <= set(result.summary["metric"])
    True
    >>> result.replications["replication"].tolist()
    [0, 1]
    >>> {"visit_id", "csat", "replication"} <= set(result.visits.columns)
    True
    """
    executor = _executor(workers, scheduler)
    quiet = not arguments.flag(progress, "progress")
    counts = _counts(reps=reps, days=days, seed=seed)
    given = arguments.overrides(overrides)
    resolved = resolve_scenario(arguments.source(scenario), given, **counts, origins=_named(counts))
    if parameter_sets is not None:
        return _with_sets([resolved], parameter_sets, given, executor, quiet)
    with progress_bar(resolved.replications, resolved.name, quiet) as bar:
        result = run_scenario(resolved, executor, bar.update)
    for text in warmup_warnings(result.warmup, resolved.name):
        warn_at_caller(text, UserWarning)
    _warn_short_run(result.summary, [resolved])
    return result


def compare(
    *scenarios: ScenarioSource,
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    parameter_sets: str | os.PathLike[str] | None = None,
    negligible: Mapping[str, float] | None = None,
) -> CompareResult | UncertaintyResult:
    """Compare scenarios against the first with common random numbers: every scenario runs with
    the first one's seed and replication count; `overrides` apply to all. Like
    `journeysim compare` without writing files. With `parameter_sets`, every scenario runs
    with every set and the result is an UncertaintyResult (bands of each difference too).
    `negligible` is `--negligible`: the smallest difference that matters by metric, in the unit
    the tables print (`{"nps": 2}`), in place of the defaults (kpis.MATERIAL).

    >>> import journeysim
    >>> result = journeysim.compare(
    ...     "scenarios/baseline.yaml", "scenarios/terminal_outage.yaml", reps=3, days=7
    ... )
    >>> result.names
    ['baseline', 'terminal_outage']
    >>> result.table.columns[:6].tolist()
    ['scenario', 'metric', 'mean', 'ci_low', 'ci_high', 'n']
    >>> row = result.difference("terminal_outage", "csat")  # diff, diff_ci_low, significant...
    >>> bool(row["diff_ci_low"] <= row["diff"] <= row["diff_ci_high"])
    True
    """
    executor = _executor(workers, scheduler)
    quiet = not arguments.flag(progress, "progress")
    given = arguments.overrides(overrides)
    floors = negligible_floors(negligible)
    sources = arguments.sources(scenarios, "compare")
    counts = _counts(reps=reps, days=days, seed=seed)
    resolved = [resolve_scenario(s, given, **counts, origins=_named(counts)) for s in sources]
    if parameter_sets is not None:
        return _with_sets(resolved, parameter_sets, given, executor, quiet, floors)
    total = len(resolved) * resolved[0].replications
    with progress_bar(total, "compare", quiet) as bar:
        result = compare_scenarios(resolved, executor, bar.update, floors)
    _warn_short_run(result.table, result.scenarios)
    for text in (
        horizon_warnings(result.scenarios)
        + cost_warnings(result.scenarios)
        + late_change_warnings(result.scenarios)
        + growth_warnings(result.moving, result.scenarios)
    ):
        warn_at_caller(text, UserWarning)
    return result


def _warn_short_run(table: pd.DataFrame, scenarios: Sequence[Scenario]) -> None:
    """A UserWarning where the run was too short for customers' returns or their lifetimes."""
    for text in short_horizon_warnings(scenarios, table):
        warn_at_caller(text, UserWarning)


def _with_sets(
    scenarios: list[Scenario],
    path: str | os.PathLike[str],
    overrides: Sequence[Override],
    executor: Executor,
    quiet: bool,
    floors: Mapping[str, float] = MATERIAL,
) -> UncertaintyResult:
    """Every scenario over every parameter set of the file, which `overrides` must leave to it;
    a difference within `floors` is negligible."""
    sets = read_parameter_sets(arguments.path(path, "parameter_sets"))
    sets.check_overrides(overrides)
    total = len(scenarios) * len(sets) * scenarios[0].replications
    with progress_bar(total, "parameter sets", quiet) as bar:
        result = run_parameter_sets(scenarios, sets, executor, bar.update, floors)
    for text in result.warnings:
        warn_at_caller(text, UserWarning)
    return result


def select(
    *scenarios: ScenarioSource,
    objective: str,
    minimise: bool | None = None,
    constraints: Sequence[str] = (),
    indifference: float | None = None,
    confidence: float = 0.95,
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> SelectResult:
    """Select the best scenario by the mean of `objective` with probability at least
    `confidence`, among those meeting `constraints` ("KPI>=VALUE", "KPI<=VALUE[+-TOL]"); like
    `journeysim select` without writing files. `reps` is the first stage (at least 5; a
    scenario's own fewer `replications` are raised to 5); `minimise` defaults to the
    objective's own better way. `table` is selection.csv, `selected` the winner.

    >>> import journeysim
    >>> mmc = "scenarios/validation/mmc.yaml"
    >>> result = journeysim.select(
    ...     mmc, mmc, objective="mean_checkout_wait_min", indifference=0.2, reps=5, days=2,
    ...     overrides=["arrivals.rate_per_hour=20"],
    ... )
    >>> result.selected, result.table["replications"].tolist()
    ('mmc', [5, 5])
    """
    executor = _executor(workers, scheduler)
    quiet = not arguments.flag(progress, "progress")
    given = arguments.overrides(overrides)
    sources = arguments.sources(scenarios, "select")
    objective = arguments.required_text(objective, "objective", "contribution_per_day")
    minimise = arguments.flag(minimise, "minimise")
    rules = _parsed(parse_constraint, constraints, "constraints", "nps>=30")
    indifference = arguments.number(indifference, "indifference", 0.0)
    confidence = arguments.number(confidence, "confidence", 0.5, 1.0)
    counts = _counts(reps=reps, days=days, seed=seed)
    check_first_stage(counts["reps"], "reps")
    resolved = [resolve_scenario(s, given, **counts, origins=_named(counts)) for s in sources]
    warn_of_investments(resolved, objective)
    with progress_bar(None, "select", quiet, "replication") as bar:
        return select_scenarios(
            resolved,
            objective,
            maximise=None if minimise is None else not minimise,
            constraints=rules,
            indifference=indifference,
            confidence=0.95 if confidence is None else confidence,
            executor=executor,
            on_done=bar.update,
        )


def sweep(
    scenario: ScenarioSource,
    vary: Sequence[str] | Mapping[str, Any] = (),
    design: str | None = None,
    samples: int | None = None,
    name: str | None = None,
    out: str | os.PathLike[str] = "results",
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Sweep parameters; like `journeysim sweep`: runs.csv (returned as a table: point, the
    varied keys, replication, every KPI and money metric) and the other files go to
    `out/sweep-<name>/`, and a sweep run again skips the runs already there.

    `scenario` is a scenario or a sweep file. `vary` holds `--vary` texts ("KEY=V1,V2" for a
    grid, "KEY=LOW:HIGH" for lhs and sobol designs) or a mapping as in a sweep file
    ({KEY: [values]} or {KEY: {"low": L, "high": H}}). For Sobol' designs the indices are in
    `out/sweep-<name>/sobol_indices.csv`. A sweep has at most 1,000,000 runs (points x
    replications); a larger design is refused before it is built.

    >>> import tempfile, journeysim
    >>> out = tempfile.mkdtemp()
    >>> runs = journeysim.sweep(
    ...     "scenarios/baseline.yaml", vary=["checkout.cashiers=2,3"], out=out,
    ...     reps=2, days=7,
    ... )
    >>> runs[["point", "checkout.cashiers", "replication"]].values.tolist()
    [[0, 2, 0], [0, 2, 1], [1, 3, 0], [1, 3, 1]]
    >>> runs.equals(journeysim.sweep(
    ...     "scenarios/baseline.yaml", vary=["checkout.cashiers=2,3"], out=out,
    ...     reps=2, days=7,
    ... ))  # nothing left to run: the same table
    True
    """
    executor = _executor(workers, scheduler)
    quiet = not arguments.flag(progress, "progress")
    folder = arguments.out_folder(out)
    counts = _counts(samples=samples, reps=reps, days=days, seed=seed)
    spec = _sweep_spec(scenario).updated(
        vary=_varies(vary),
        overrides=tuple(arguments.overrides(overrides)),
        design=arguments.text(design, "design"),
        name=arguments.name(name),
        **counts,
    )
    given = {**counts, "design": design, "vary": "vary"}
    unset = {"design": "design", "samples": "samples"}  # named as arguments where missing
    spec = replace(spec, origins={**unset, **spec.origins, **_named(given)})
    runner = Sweep(plan_sweep(spec, quiet), folder)
    arguments.out_folder(out, runner.folder, runner.files())  # it writes no report.html
    call = api_call(
        "sweep", scenario, vary=vary, design=design, samples=samples, name=name, out=out,
        reps=reps, days=days, seed=seed, overrides=overrides or None,
    )  # fmt: skip
    with runner.held():  # a second sweep into the folder is refused before it writes
        pending = len(runner.pending())
        # before the runs, so that an interrupted sweep's folder has it too
        runner.write_manifest(spec.overrides, call, executor.record())
        with progress_bar(pending, runner.plan.name, quiet) as bar:
            runs = runner.run(executor, bar.update)
    if failures := failed_runs_text(runs):
        warn_at_caller(FailedRunsWarning(failures))
    return runs


def optimise(
    scenario: ScenarioSource,
    decide: Sequence[str] | Mapping[str, Any] = (),
    minimise: str | Sequence[str] = (),
    maximise: str | Sequence[str] = (),
    subject_to: Sequence[str] = (),
    trials: int | None = None,
    candidates: int | None = None,
    name: str | None = None,
    out: str | os.PathLike[str] = "results",
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> OptimiseResult:
    """Search the decisions for the best mean of one KPI (or the Pareto front of two) subject
    to constraints; like `journeysim optimise`: the study (study.db, resumed when run again),
    trials.csv and best.yaml go to `out/optimise-<name>/`. `scenario` is a scenario or an
    optimise file; `decide` holds `--decide` texts ("KEY=LOW:HIGH", "KEY=A,B,C") or a mapping
    as in an optimise file. `result.trials` is trials.csv, `result.best_params` the plan
    chosen (by select among the best `candidates`), `result.selection` that selection.

    >>> import tempfile, journeysim
    >>> result = journeysim.optimise(
    ...     "scenarios/validation/mmc.yaml", decide=["checkout.cashiers=1:3"],
    ...     minimise="wages_per_day", subject_to=["mean_checkout_wait_min<=1.0+-0.2"],
    ...     out=tempfile.mkdtemp(), reps=5, days=1, overrides=["horizon.warmup_days=0"],
    ... )
    >>> result.plan.sampler, len(result.trials), result.best_params
    ('brute-force', 3, {'checkout.cashiers': 2})
    """
    executor = _executor(workers, scheduler)
    quiet = not arguments.flag(progress, "progress")
    folder = arguments.out_folder(out)
    spec = _optimise_spec(scenario)
    counts = _counts(trials=trials, candidates=candidates, reps=reps, days=days, seed=seed)
    decide = arguments.texts_or_mapping(decide, "decide", "checkout.cashiers=2:6")
    if isinstance(decide, Mapping):
        decisions = tuple(decision_from_yaml(str(k), v, None) for k, v in decide.items())
    else:
        decisions = tuple(parse_decision(text, "decide:") for text in decide)
    objectives = [
        objective(metric, way == "maximise", way)
        for way, given in (("minimise", minimise), ("maximise", maximise))
        for metric in arguments.texts(given, way, "wages_per_day")
    ]
    spec = spec.updated(
        decisions=decisions,
        objectives=tuple(objectives),
        constraints=tuple(
            _parsed(parse_constraint, subject_to, "subject_to", "mean_checkout_wait_min<=2")
        ),
        overrides=tuple(arguments.overrides(overrides)),
        name=arguments.name(name),
        **counts,
    )
    named = {"decide": "decide", **spec.origins, **_named(counts)}  # as arguments, not options
    spec = replace(spec, origins=named)
    runner = Optimisation(plan_optimisation(spec), folder)
    arguments.out_folder(out, runner.folder, runner.files(report=False))
    total = runner.pending_replications()
    call = api_call(
        "optimise", scenario, decide=decide or None, minimise=minimise or None,
        maximise=maximise or None, subject_to=subject_to or None, trials=trials,
        candidates=candidates, name=name, out=out, reps=reps, days=days, seed=seed,
        overrides=overrides or None,
    )  # fmt: skip
    # written before the runs, so that a stopped study's folder keeps it
    write_manifest(runner.folder, runner.plan.base.seed, spec.overrides, call, executor.record())
    with progress_bar(total, runner.plan.name, quiet) as bar:
        return runner.run(executor, bar.update)


def calibrate(
    scenario: ScenarioSource,
    targets: Sequence[str] | Mapping[str, Any] | str | os.PathLike[str] = (),
    free: Sequence[str] | Mapping[str, Any] = (),
    trials: int | None = None,
    sampler: str | None = None,
    name: str | None = None,
    out: str | os.PathLike[str] = "results",
    reps: int | None = None,
    days: int | None = None,
    seed: int | None = None,
    overrides: Sequence[str] = (),
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Fit the free parameters to observed targets; like `journeysim calibrate`: the study
    (study.db, resumed when run again), trials.csv, fit.csv, calibrated.yaml and (with two or
    more trials within tolerance of every target) parameter_sets.csv go to
    `out/calibrate-<name>/`. `scenario` is a scenario or a calibration file; `targets` holds
    `--target` texts ("nps=36+-4"; one text alone is one target), a mapping as in a
    calibration file, or the path of a targets file (fit-receipts' targets.yaml); `free`
    holds `--free` texts ("loyalty.ltr_center=0.2:0.4") or a mapping. `result.best_params`
    are the fitted values, `result.fit` is fit.csv, `result.kept` the kept sets and
    `result.warnings` what the targets cannot tell, each also warned of as a
    CalibrationWarning.
    """
    executor = _executor(workers, scheduler)
    quiet = not arguments.flag(progress, "progress")
    folder = arguments.out_folder(out)
    spec = _calibrate_spec(scenario)
    counts = _counts(trials=trials, reps=reps, days=days, seed=seed)
    free = arguments.texts_or_mapping(free, "free", "loyalty.ltr_center=0.2:0.4")
    if isinstance(free, Mapping):
        decisions = tuple(decision_from_yaml(str(k), v, None, "free") for k, v in free.items())
    else:
        decisions = tuple(parse_decision(text, "free:") for text in free)
    if isinstance(targets, os.PathLike) or (isinstance(targets, str) and "=" not in targets):
        aims = read_targets_file(Path(targets))
    elif isinstance(targets, Mapping):
        aims = targets_from_yaml(arguments.plain(targets), None)
    else:
        aims = parse_targets(arguments.texts(targets, "targets", "nps=36+-4"), "targets:")
    spec = spec.updated(
        free=decisions,
        targets=aims,
        overrides=tuple(arguments.overrides(overrides)),
        sampler=arguments.text(sampler, "sampler"),
        name=arguments.name(name),
        **counts,
    )
    named = {"target": "targets", "free": "free", **spec.origins}  # as arguments, not options
    spec = replace(spec, origins={**named, **_named({**counts, "sampler": sampler})})
    runner = Calibration(plan_calibration(spec), folder)
    arguments.out_folder(out, runner.folder, runner.files(report=False))
    total = runner.pending() * runner.plan.base.replications
    call = api_call(
        "calibrate", scenario, targets=targets or None, free=free or None, trials=trials,
        sampler=sampler, name=name, out=out, reps=reps, days=days, seed=seed,
        overrides=overrides or None,
    )  # fmt: skip
    # written before the runs, so that a stopped study's folder keeps it
    write_manifest(runner.folder, runner.plan.base.seed, spec.overrides, call, executor.record())
    with progress_bar(total, runner.plan.name, quiet) as bar:
        result = runner.run(executor, bar.update)
    for text in result.warnings:
        warn_at_caller(CalibrationWarning(text))
    return result


def _calibrate_spec(scenario: ScenarioSource) -> CalibrateSpec:
    arguments.source(scenario)
    if not isinstance(scenario, Scenario) and (spec := read_calibration_file(Path(scenario))):
        return spec
    return CalibrateSpec(scenario)


def _optimise_spec(scenario: ScenarioSource) -> OptimiseSpec:
    arguments.source(scenario)
    if not isinstance(scenario, Scenario) and (spec := read_optimise_file(Path(scenario))):
        return spec
    return OptimiseSpec(scenario)


def _sweep_spec(scenario: ScenarioSource) -> SweepSpec:
    arguments.source(scenario)
    if not isinstance(scenario, Scenario) and (spec := read_sweep_file(Path(scenario))):
        return spec
    return SweepSpec(scenario, ())


def _varies(vary: Sequence[str] | Mapping[str, Any]) -> tuple[Vary, ...]:
    vary = arguments.texts_or_mapping(vary, "vary", "checkout.cashiers=2,3")
    if isinstance(vary, Mapping):
        return tuple(vary_from_yaml(str(k), v, None) for k, v in vary.items())
    return tuple(parse_vary(text, "vary:") for text in vary)


LEAST = {"reps": 1, "days": 1, "seed": 0, "samples": 1, "trials": 1, "candidates": 1}


def _counts(**given: object) -> dict[str, Any]:
    """The whole-number arguments (reps, days, seed, samples, trials, candidates) checked
    against their least values; errors found later name them
    as arguments through `_named`."""
    return {name: arguments.whole_number(value, name, LEAST[name]) for name, value in given.items()}


def _named(given: Mapping[str, object]) -> dict[str, str]:
    """The `given` arguments (those not None) as origins naming the argument (`reps: ...`),
    not the option (`--reps: ...`)."""
    return {name: name for name, value in given.items() if value is not None}


def _executor(workers: object, scheduler: object) -> Executor:
    """The executor of the `workers` and `scheduler` arguments, checked."""
    return make_executor(
        arguments.whole_number(workers, "workers", 1), arguments.text(scheduler, "scheduler")
    )


def _parsed(parse: Callable[[str], T], texts: object, name: str, example: str) -> list[T]:
    """Each text of the argument `name` parsed; a problem names the argument."""
    given = arguments.texts(texts, name, example)
    try:
        return [parse(text) for text in given]
    except InputError as error:
        raise type(error)(f"{name}: {error}") from None
