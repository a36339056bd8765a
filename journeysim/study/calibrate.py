"""Calibration: the values of free behavioural parameters that make the simulated KPIs meet
observed targets, and the set of all values consistent with them.

It runs on the search core of `optimise` (study.trial_study: Optuna in SQLite, resumable after
kill -9, every trial the base scenario with the trial's values over the base's replications
with common random numbers). Unlike a decision, the parameters made the store what it is: every
trial lives its own history (burn-in) with them, as every parameter set does in
study.uncertainty. A trial's distance is the root mean square over the targets of
|simulated mean - observed| / tolerance, which Optuna minimises (TPE by default; a random
sampler on request; every combination when the free parameters are few and discrete).

What is kept is history matching's non-implausible set (Craig, Goldstein, Seheult & Smith
1997; Vernon, Goldstein & Bower 2010): every trial whose simulated mean of every target is
within that target's tolerance (implausibility max |simulated - observed| / tolerance <= 1).
With `sampler: random` the trials are drawn uniformly over the ranges, and the kept set is
then the ABC rejection sample (Pritchard et al. 1999) with a uniform prior and a box kernel
of the tolerances; TPE finds the set with fewer trials but samples it unevenly.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pandas as pd

from journeysim.files import folder_name, write_table, write_text
from journeysim.scenario.loader import yaml_data
from journeysim.scenario.schema import Scenario
from journeysim.simulation.executors import Executor, LocalPool
from journeysim.simulation.hourly import hour_start, hourly_names, is_hourly, measured_days
from journeysim.simulation.measure import METRICS, measure, measure_hourly
from journeysim.simulation.summary import mean_ci
from journeysim.study.calibrate_checks import (
    calibration_warnings,
    precision_warning,
    sensitivity,
)
from journeysim.study.calibrate_spec import CalibrateSpec, Target
from journeysim.study.decisions import Decision, check_names, space_size
from journeysim.study.designs import DesignError
from journeysim.study.optimise import (
    SEARCH_FILES,
    OptimisePlan,
    best_yaml,
    checked_base,
    failures_text,
    make_sampler,
    run_trials,
)
from journeysim.study.optimise_spec import OptimiseSpec
from journeysim.study.parameter_sets import LABEL, write_parameter_sets
from journeysim.study.sources import given_by
from journeysim.study.trial_study import TrialStudy, check_defined, trials_table


@dataclass
class CalibrationPlan:
    """A validated calibration: the spec, and the search over the free parameters."""

    spec: CalibrateSpec
    search: OptimisePlan

    @property
    def name(self) -> str:
        return self.search.name

    @property
    def base(self) -> Scenario:
        return self.search.base

    @property
    def free(self) -> tuple[Decision, ...]:
        return self.spec.free

    @property
    def targets(self) -> tuple[Target, ...]:
        return self.spec.targets

    @property
    def hourly(self) -> bool:
        """Whether a target counts receipts in an opening hour (simulation.hourly)."""
        return any(is_hourly(t.metric) for t in self.targets)

    @property
    def targets_text(self) -> str:
        """The KPI targets as texts, the hourly ones counted."""
        texts = [t.text for t in self.targets if not is_hourly(t.metric)]
        hourly = [t.metric.split("_")[1] for t in self.targets if is_hourly(t.metric)]
        if hourly:
            counts = ", ".join(f"{hourly.count(k)} {k}" for k in dict.fromkeys(hourly))
            texts.append(f"receipts per opening hour ({counts}; in fit.csv)")
        return ", ".join(texts)

    @property
    def metrics(self) -> list[str]:
        """The metrics every trial records: the summary's, and the hourly receipts targeted."""
        return [*METRICS, *(t.metric for t in self.targets if is_hourly(t.metric))]

    @property
    def sampler(self) -> str:
        return self.search.sampler

    @property
    def trials(self) -> int:
        return self.search.trials

    def design(self) -> dict[str, Any]:
        """What the study fits, stored with it: the targets to the last digit (their text
        rounds the tolerance to three figures), and the sampler asked for, not the one in use,
        since more trials (the count may grow on resume) can make the space small enough to
        try every combination."""
        return self.search.design() | {
            "targets": [[t.metric, t.value, t.tolerance] for t in self.targets],
            "sampler": self.spec.sampler,
        }

    def distance(self, means: dict[str, float]) -> float:
        """Root mean square of each target's distance in tolerances."""
        return root_mean_square([t.off(means[t.metric]) for t in self.targets])


def root_mean_square(values: Sequence[float]) -> float:
    """sqrt(mean(values^2)), through math.hypot, which scales before squaring: distances of
    10^300 tolerances (a tolerance of 1e-300) stay finite and ordered, where their squares
    would overflow to inf and leave the fitted trial to chance."""
    return math.hypot(*values) / math.sqrt(len(values))


def plan_calibration(spec: CalibrateSpec) -> CalibrationPlan:
    """Check the spec, and every free parameter's bounds on the base scenario, before
    anything runs."""
    spec.check()
    check_names(spec.free, given_by(spec.origins, "free"), "free parameter", "fit")
    search = OptimiseSpec(
        spec.scenario,
        decisions=spec.free,
        trials=spec.trials,
        name=spec.name,
        overrides=spec.overrides,
        reps=spec.reps,
        days=spec.days,
        seed=spec.seed,
        origins=spec.origins,
    )
    base, search = checked_base(
        search, "calibrate", "for the CI of each target", [t.metric for t in spec.targets]
    )
    spec = replace(spec, free=search.decisions)
    hours = set(hourly_names(base))
    for t in spec.targets:
        if is_hourly(t.metric) and t.metric not in hours:
            where = t.where or f"target {t.metric}"
            raise DesignError(
                f"{where}: expected an opening hour of {base.name}, from {base.hours.open} to "
                f"{base.hours.close} (got {_hour_of(t.metric)})",
                t.where,
            )
        kind = t.metric.split("_")[1] if is_hourly(t.metric) else None
        if kind and not measured_days(base, kind):
            first, where = base.horizon.warmup_days, t.where or f"target {t.metric}"
            day = "weekday" if kind == "weekday" else "weekend day"
            raise DesignError(
                f"{where}: the run measures days {first} to {first + base.horizon.days - 1} "
                f"(day 0 is a Monday), none a {day}; {_more_days(spec.origins)}",
                t.where,
            )
    size = space_size(spec.free)
    sampler, trials = ("brute-force", int(size)) if size <= spec.trials else (spec.sampler, None)
    name = spec.name or "-".join([base.name, *(d.name for d in spec.free)])
    return CalibrationPlan(spec, OptimisePlan(search, name, base, sampler, trials or spec.trials))


def _more_days(origins: dict[str, str]) -> str:
    """How to measure a whole week: where the calibration file set its days, there."""
    if "days" not in origins:
        return "give --days 7 or more"
    file, key = origins["days"].rsplit(": ", 1)
    return f"set {key}: 7 or more in {file} (or give --days 7 or more)"


def _hour_of(metric: str) -> str:
    """The hour an hourly metric counts, e.g. 22:00-23:00 (past midnight: 24:00-25:00...)."""
    start = hour_start(metric)
    return "-".join(f"{m // 60:02d}:{m % 60:02d}" for m in (start, start + 60))


class CalibrationWarning(UserWarning):
    """What a calibration's fit cannot tell (`CalibrationResult.warnings`): a target no trial
    reaches, targets no trial meets at once, trials that failed, ..."""


@dataclass(eq=False)  # == of its tables has no truth value
class CalibrationResult:
    """`trials` is trials.csv (trials_table's columns, then `distance`, `worst`: the largest
    distance of a target in tolerances, and `kept`); `failed` is failed.csv (the trials whose
    simulation failed: their values and `error`); `fit` is fit.csv (per target: observed,
    tolerance, the best trial's simulated mean and 95% CI, tolerances off, within, and the range
    of the kept trials' means); `kept` the kept parameter sets (parameter_sets.csv); `best` the
    trial of least distance; `sensitivity` each target's change over each parameter's range in
    tolerances; `warnings` what the fit cannot tell."""

    plan: CalibrationPlan
    folder: Path
    trials: pd.DataFrame
    failed: pd.DataFrame
    fit: pd.DataFrame
    kept: pd.DataFrame
    best: int
    params: dict[int, dict[str, Any]]
    sensitivity: pd.DataFrame
    warnings: list[str]

    @property
    def best_params(self) -> dict[str, Any]:
        return self.params[self.best]


# What a calibration writes when it ends (its command then report.html and the charts).
FIT_FILES = ("fit.csv", "calibrated.yaml", "parameter_sets.csv", "sensitivity.csv")


class Calibration:
    """A planned calibration and its study folder `out`/calibrate-<name>/."""

    def __init__(self, plan: CalibrationPlan, out: Path | str = "results") -> None:
        self.plan = plan
        self.folder = Path(out) / folder_name(f"calibrate-{plan.name}")
        self.study = TrialStudy(
            self.folder,
            ["minimize"],
            plan.design(),
            {d.name: d.distribution() for d in plan.free},
            plan.base,
            plan.search.scenario,
            self.score,
            functools.partial(make_sampler, plan.sampler, plan.base.seed),
            own_history=True,
            measure=measure_hourly if plan.hourly else measure,
        )

    def files(self, report: bool) -> list[str]:
        """Every file the calibration writes in its folder but its charts (report.calibrate's
        `plot_files`), to check before any trial; report.html too with `report`."""
        return [*SEARCH_FILES, *FIT_FILES, *(["report.html"] if report else [])]

    def score(self, rows: list[dict[str, float]]) -> tuple[list[float], dict[str, float]]:
        """The trial's distance from the targets."""
        table = pd.DataFrame(rows)
        means = {t.metric: float(table[t.metric].mean()) for t in self.plan.targets}
        check_defined((f"target {metric}", metric, mean) for metric, mean in means.items())
        return [self.plan.distance(means)], {}

    def pending(self) -> int:
        """Trials still to run."""
        with self.study.opened() as study:
            return max(0, self.plan.trials - study.finished())

    def run(
        self, executor: Executor | None = None, on_done: Callable[[], None] | None = None
    ) -> CalibrationResult:
        """Run the trials still to run (trials.csv rewritten after each); then write fit.csv,
        calibrated.yaml, sensitivity.csv and parameter_sets.csv (when two or more trials are
        kept), which a calibration with trials to run removes first: stopped on the way, it
        leaves no fit of fewer trials."""
        executor = executor or LocalPool()
        plan = self.plan
        if self.pending():  # an earlier end's fit, of fewer trials than trials.csv will hold
            for name in FIT_FILES:
                (self.folder / name).unlink(missing_ok=True)
        table, rows, params, failed = run_trials(
            self.study,
            plan.trials,
            executor,
            on_done,
            self._write_trials,
        )
        best = int(table.sort_values(["distance", "trial"])["trial"].iloc[0])
        fit = self._fit(table, rows[best])
        kept = self._kept(table)
        write_table(self.folder / "fit.csv", fit)
        text = best_yaml(
            self.plan.search, params[best], self.folder, "calibrated", "The values calibrate fit"
        )
        write_text(self.folder / "calibrated.yaml", text)
        sets = self.folder / "parameter_sets.csv"
        if len(kept) >= 2:
            write_parameter_sets(sets, kept)
        else:
            sets.unlink(missing_ok=True)
        effects = sensitivity(table, self.plan.free, self.plan.targets)
        write_table(self.folder / "sensitivity.csv", effects)
        notes = calibration_warnings(table, effects, self.plan.free, self.plan.targets, best)
        if text := precision_warning(fit):
            notes.append(text)
        if text := failures_text(failed, len(table)):
            notes.append(text)
        return CalibrationResult(
            self.plan, self.folder, table, failed, fit, kept, best, params, effects, notes
        )

    def _write_trials(self, study: TrialStudy) -> pd.DataFrame:
        table = trials_table(study.complete(), [d.name for d in self.plan.free], self.plan.metrics)
        offs = pd.DataFrame(
            {
                t.metric: (table[f"{t.metric}_mean"] - t.value).abs() / t.tolerance
                for t in self.plan.targets
            }
        )
        table["distance"] = [root_mean_square(row) for row in offs.to_numpy()]
        table["worst"] = offs.max(axis=1)
        table["kept"] = table["worst"] <= 1.0
        write_table(self.folder / "trials.csv", table)
        return table

    def _fit(self, table: pd.DataFrame, rows: list[dict[str, float]]) -> pd.DataFrame:
        runs = pd.DataFrame(rows)
        kept = table[table["kept"]]
        records = []
        for t in self.plan.targets:
            mean, low, high, _ = mean_ci(runs[t.metric].to_numpy(dtype=float), metric=t.metric)
            means = kept[f"{t.metric}_mean"]
            records.append(
                {
                    "target": t.metric,
                    "observed": t.value,
                    "tolerance": t.tolerance,
                    "simulated_mean": mean,
                    "ci_low": low,
                    "ci_high": high,
                    "tolerances_off": t.off(mean),
                    "within": bool(t.off(mean) <= 1.0),
                    "kept_min": means.min() if len(means) else math.nan,
                    "kept_max": means.max() if len(means) else math.nan,
                }
            )
        return pd.DataFrame(records)

    def _kept(self, table: pd.DataFrame) -> pd.DataFrame:
        """The kept trials as parameter sets: column `set` (the trial), one per scenario key."""
        names = [d.name for d in self.plan.free]
        kept = table[table["kept"]].drop_duplicates(names)
        columns: dict[str, list[Any]] = {LABEL: [f"trial-{t}" for t in kept["trial"]]}
        for decision in self.plan.free:
            values = [_typed(decision, value) for value in kept[decision.name]]
            for key in decision.keys:
                columns[key] = values
        return pd.DataFrame(columns, columns=[LABEL, *(k for d in self.plan.free for k in d.keys)])


def _typed(decision: Decision, value: Any) -> Any:
    """A trial's value as the scenario takes it (a choice is a YAML text)."""
    if decision.choices:
        return yaml_data(str(value))
    return int(value) if decision.integer else float(value)
