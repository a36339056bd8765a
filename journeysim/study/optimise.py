"""Optimisation: the decisions that give the best mean of one KPI (or the Pareto front of two)
subject to constraints on means, searched with Optuna and confirmed by ranking and selection.

The search (study.trial_study) runs each trial with common random numbers and judges it on its
95% CI: a constraint counts as possibly met while its CI reaches the feasible side of the bound
(the value Optuna sees is the favourable end minus the bound), so a plan is ruled out only when
its whole CI misses. A constraint relative to the baseline (`nps>=baseline-3`) is judged the
same way on the mean paired difference from the baseline, the input scenario with its `set`
and no decisions, run once with the trials' replications, seed and history and kept in the
study (Optuna's SQLite file): with common random numbers the luck that a trial and the
baseline share cancels in their difference. At the end, the best `candidates` trials not
ruled out go through `select` (Kim & Nelson's KN with the feasibility check of Batur & Kim, relative
constraints on the paired differences again), reusing their replications as the first stage,
so the reported optimum carries select's guarantee. When select finds every candidate
infeasible, the next `candidates` trials not ruled out join them and select runs again on them
all, until it selects one or no trial is left: a plan whose CI meets every bound stays in
consideration however many cheaper plans only might. Select's replications are kept in the study
as they finish: a study interrupted during select resumes it without running them again (and a
select run again on more candidates reads those it ran).

Samplers: Optuna's BruteForceSampler when every decision is discrete and the whole space fits
in the trial budget (every combination is tried once); else TPE for one objective and NSGA-II
for two, both seeded (the scenario's seed). Constraints reach them with `Trial.set_constraint`,
the successor of `constraints_func` in Optuna 5.
"""

from __future__ import annotations

import functools
import math
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
import yaml

from journeysim.caller import warn_at_caller
from journeysim.files import folder_name, write_table, write_text
from journeysim.manifest import MANIFEST
from journeysim.scenario.loader import Override
from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import base_history, history_only
from journeysim.simulation.executors import Executor, LocalPool
from journeysim.simulation.failures import ReplicationFailed
from journeysim.simulation.summary import mean_ci
from journeysim.study.decisions import Decision, check_names, space_size, typed
from journeysim.study.designs import DesignError
from journeysim.study.optimise_spec import Objective, OptimiseSpec
from journeysim.study.selection import (
    PARTS,
    Constraint,
    SelectResult,
    TooFine,
    check_horizon,
    ci_of,
    relative_constraints,
    select_scenarios,
)
from journeysim.study.sources import given_by, resolve_scenario, run_overrides
from journeysim.study.trial_study import (
    LOCK,
    Rows,
    TrialStudy,
    check_defined,
    failed_table,
    replications,
    trials_table,
)


@dataclass
class OptimisePlan:
    """A validated optimisation, ready to run."""

    spec: OptimiseSpec
    name: str
    base: Scenario
    sampler: str  # brute-force, tpe or nsga-ii
    trials: int  # complete trials to reach

    @property
    def decisions(self) -> tuple[Decision, ...]:
        return self.spec.decisions

    @property
    def objectives(self) -> tuple[Objective, ...]:
        return self.spec.objectives

    @property
    def constraints(self) -> tuple[Constraint, ...]:
        return self.spec.constraints

    @property
    def relative(self) -> tuple[Constraint, ...]:
        """One constraint relative to the baseline per KPI."""
        return relative_constraints(self.constraints)

    def overrides(self, params: dict[str, Any]) -> list[Override]:
        """A trial's `--set` overrides: the spec's, then each decision's (labelled with who
        gave them, for errors)."""
        chosen = [o for d in self.decisions for o in d.labelled(params[d.name])]
        return [*self.spec.overrides, *chosen]

    def scenario(self, params: dict[str, Any]) -> Scenario:
        """The scenario of a trial (the base's seed, replications and days)."""
        spec = self.spec
        runs = run_overrides(spec.reps, spec.days, spec.seed, spec.origins)
        return resolve_scenario(spec.scenario, [*self.overrides(params), *runs])

    def design(self) -> dict[str, Any]:
        """What the study searches, stored with it (the trial count may grow on resume)."""
        return {
            "decisions": [d.describe() for d in self.decisions],
            "objectives": [o.text for o in self.objectives],
            "constraints": [c.text for c in self.constraints],
            "scenario": self.base.model_dump(mode="json"),
        }


def plan_optimisation(spec: OptimiseSpec) -> OptimisePlan:
    """Check the spec, and every decision's bounds or choices on the base scenario, before
    anything runs."""
    spec.check()
    check_names(spec.decisions, given_by(spec.origins, "decide"))
    metrics = [o.metric for o in spec.objectives] + [c.metric for c in spec.constraints]
    base, spec = checked_base(spec, "optimise", "for CIs and select", metrics)
    for decision in spec.decisions:
        if ignored := history_only(decision.keys, base):
            by = decision.where or decision.name
            raise DesignError(
                f"{by}: only the store's history before day 0 reads {ignored[0]}, and every "
                f"trial, a decision taken in the store as it is, starts from "
                f"{base_history(base)}, so it would change nothing; calibrate fits such "
                "settings, each trial with a history of its own",
                by,
            )
    size = space_size(spec.decisions)
    trials = spec.trials
    if size <= trials:
        sampler, trials = "brute-force", int(size)
    else:
        sampler = "tpe" if len(spec.objectives) == 1 else "nsga-ii"
    keys = [d.name for d in spec.decisions]
    name = spec.name or "-".join([base.name, *keys])
    return OptimisePlan(spec, name, base, sampler, trials)


def checked_base(
    spec: OptimiseSpec, command: str, why: str, metrics: Sequence[str] = ()
) -> tuple[Scenario, OptimiseSpec]:
    """The base scenario of a search, checked to have 2 or more replications, to accept
    every decision's bounds or choices and, there, to have a horizon long enough to measure
    `metrics`, before anything runs; and the spec with its decisions `typed` on it."""
    runs = run_overrides(spec.reps, spec.days, spec.seed, spec.origins)
    base = resolve_scenario(spec.scenario, [*spec.overrides, *runs])
    if base.replications < 2:
        needs = f"{command} needs at least 2 replications per trial, {why}"
        if spec.reps is None:  # the scenario's own count
            raise DesignError(f"{needs} (--reps; got {base.replications})")
        by = given_by(spec.origins, "reps")
        raise DesignError(f"{by}: {needs} (got {spec.reps})", by)
    days_by = "" if spec.days is None else given_by(spec.origins, "days")
    check_horizon(base, metrics, days_by=days_by)
    spec = replace(spec, decisions=typed(spec.decisions, base))
    for decision in spec.decisions:
        for value in decision.extremes():
            scenario = resolve_scenario(
                spec.scenario, [*spec.overrides, *decision.labelled(value), *runs]
            )
            check_horizon(scenario, metrics, f" with {decision.name}={value}")
    return base, spec


def make_sampler(kind: str, seed: int, complete: int) -> optuna.samplers.BaseSampler:
    """The sampler for the trial after `complete` complete ones, seeded from both."""
    seed = (seed * 1_000_003 + complete) % 2**32
    if kind == "brute-force":
        with warnings.catch_warnings():  # experimental since Optuna 3.1, and still stable
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            return optuna.samplers.BruteForceSampler(seed=seed)
    if kind == "nsga-ii":
        return optuna.samplers.NSGAIISampler(seed=seed)
    if kind == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


# What every search writes in its folder, whatever else it writes: `run_trials` the trials and
# the failed ones, the command its manifest, the study its lock.
SEARCH_FILES = (MANIFEST, LOCK, "trials.csv", "failed.csv")


def run_trials(
    study: TrialStudy,
    trials: int,
    executor: Executor,
    on_done: Callable[[], None] | None,
    write_trials: Callable[[TrialStudy], pd.DataFrame],
) -> tuple[pd.DataFrame, dict[int, Rows], dict[int, dict[str, Any]], pd.DataFrame]:
    """Run the trials still to run, `write_trials` after each (trials.csv); return the final
    table, every complete trial's replications and parameters by trial number, and the trials
    whose simulation failed (failed.csv; if every trial failed, ReplicationFailed says why the
    first did)."""
    with study.opened() as opened:
        opened.run(
            trials,
            executor,
            on_done,
            after_trial=lambda: write_trials(opened),
        )
        if (finished := opened.finished()) > trials:
            warn_at_caller(
                f"{study.folder}: an earlier run of this study finished more trials than this "
                f"one asks for ({finished}, against {trials}); the results use them all",
                KeptTrialsWarning,
            )
        table = write_trials(opened)
        done = opened.complete()
        rows = {n: replications(t) for n, t in enumerate(done)}
        params = {n: dict(t.params) for n, t in enumerate(done)}
        failed = failed_table(opened.failed(), list(study.distributions))
        write_table(study.folder / "failed.csv", failed)
    if not done:
        raise ReplicationFailed(f"every trial failed, the first, {first_failure(failed)}")
    return table, rows, params, failed


def first_failure(failed: pd.DataFrame) -> str:
    """The first failed trial's settings (4 figures, as the tables give them) and error
    (failed.csv's first row)."""
    *values, error = failed.iloc[0]
    settings = ", ".join(
        f"{name}={value:.4g}" if isinstance(value, float) else f"{name}={value}"
        for name, value in zip(failed.columns, values)
    )
    return f"{settings}: {error}"


def failures_text(failed: pd.DataFrame, complete: int) -> str | None:
    """A warning that trials failed and are left out, or None when none did."""
    if failed.empty:
        return None
    which = (
        "is left out (failed.csv):" if len(failed) == 1 else "are left out (failed.csv), the first,"
    )
    return (
        f"{len(failed)} of {len(failed) + complete} trials failed and {which} "
        f"{first_failure(failed)}"
    )


class FailedTrialsWarning(UserWarning):
    """Some trials' simulations failed; the study went on without them."""


class KeptTrialsWarning(UserWarning):
    """An earlier run of the study finished more trials than this one asks for."""


@dataclass(eq=False)  # == of its tables has no truth value
class OptimiseResult:
    """`trials` is trials.csv: per complete trial its decisions, replications, every metric's
    mean and 95% CI, `feasible` (True: every constraint's CI is on its feasible side; False:
    some CI is wholly on the wrong side; NA: undecided) and, for two objectives, `pareto`.
    `selection` is the select run on the best candidates (None when fewer than two),
    `candidates` their trial numbers, best first (more than `--candidates` when select found the
    first ones all infeasible and the next joined them), `best` the chosen trial's number (None
    with two objectives or when none is feasible); `params` holds
    every complete trial's decisions. With constraints relative to the baseline, `baseline` holds
    its replications and trials.csv each such KPI's mean paired difference and 95% CI
    (`KPI_vs_baseline_mean`, `_ci_low`, `_ci_high`)."""

    plan: OptimisePlan
    folder: Path
    trials: pd.DataFrame
    failed: pd.DataFrame
    selection: SelectResult | None
    best: int | None
    candidates: list[int]
    params: dict[int, dict[str, Any]]
    baseline: Rows | None = None

    @property
    def best_params(self) -> dict[str, Any] | None:
        return None if self.best is None else self.params[self.best]


class Optimisation:
    """A planned optimisation and its study folder `out`/optimise-<name>/."""

    def __init__(self, plan: OptimisePlan, out: Path | str = "results") -> None:
        self.plan = plan
        self.folder = Path(out) / folder_name(f"optimise-{plan.name}")
        directions = ["maximize" if o.maximise else "minimize" for o in plan.objectives]
        self.study = TrialStudy(
            self.folder,
            directions,
            plan.design(),
            {d.name: d.distribution() for d in plan.decisions},
            plan.base,
            plan.scenario,
            self.score,
            functools.partial(make_sampler, plan.sampler, plan.base.seed),
        )
        self.baseline: Rows | None = None  # read (or run) by `run` when a constraint needs it

    def files(self, report: bool) -> list[str]:
        """Every file the study writes in its folder but its charts (report.optimise's
        `plot_files`), to check before any trial; report.html too with `report`, and the pareto/
        folder of the front's scenarios with two objectives."""
        front = ["pareto/"] if len(self.plan.objectives) == 2 else []
        return [*SEARCH_FILES, "best.yaml", *front, *(["report.html"] if report else [])]

    def score(self, rows: list[dict[str, float]]) -> tuple[list[float], dict[str, float]]:
        """Objective means, and per constraint its CI's favourable end minus the bound
        (<= 0: the CI reaches the feasible side); a trial in which one has no value is refused."""
        table = pd.DataFrame(rows)
        values = [float(table[o.metric].mean()) for o in self.plan.objectives]
        judged = {c: self._judged(c, table) for c in self.plan.constraints}
        named = [
            (f"objective {o.metric}", o.metric, v) for o, v in zip(self.plan.objectives, values)
        ]
        named += [
            (f"{c.metric} of constraint {c.text}", c.metric, j.mean()) for c, j in judged.items()
        ]
        check_defined(named)
        return values, {c.text: _reach(c, j) for c, j in judged.items()}

    def _judged(self, constraint: Constraint, table: pd.DataFrame) -> pd.Series:
        """What a constraint judges of a trial's replications: the metric, or its paired
        differences from the baseline's (replication r of both shares its random numbers)."""
        values = table[constraint.metric]
        if constraint.relative:
            assert self.baseline is not None, "run reads the baseline before any trial"
            values = values - pd.DataFrame(self.baseline)[constraint.metric]
        return values

    def pending(self) -> int:
        """Trials still to run."""
        with self.study.opened() as study:
            return max(0, self.plan.trials - study.finished())

    def pending_replications(self) -> int:
        """Replications still to run before select: the trials', and the baseline's once when a
        constraint is relative to it."""
        with self.study.opened() as study:
            trials = max(0, self.plan.trials - study.finished())
            baseline = bool(self.plan.relative) and study.baseline_pending()
        return (trials + baseline) * self.plan.base.replications

    def run(
        self, executor: Executor | None = None, on_done: Callable[[], None] | None = None
    ) -> OptimiseResult:
        """Run the trials still to run, then select among the best candidates; write
        trials.csv (after every trial) and best.yaml (and pareto/), which a study with trials to
        run removes first: stopped on the way, it leaves no answer of fewer trials."""
        executor = executor or LocalPool()
        plan = self.plan
        if self.pending():  # an earlier end's answer, of fewer trials than trials.csv will hold
            (self.folder / "best.yaml").unlink(missing_ok=True)
            for old in (self.folder / "pareto").glob("trial-*.yaml"):
                old.unlink()
        if plan.relative:
            with self.study.opened() as study:
                self.baseline = study.baseline(executor, on_done)
        table, rows, params, failed = run_trials(
            self.study,
            plan.trials,
            executor,
            on_done,
            self._write_trials,
        )
        if text := failures_text(failed, len(table)):  # before select, which may stop the command
            warn_at_caller(FailedTrialsWarning(text))
        candidates, selection, best = self._choose(table, params, rows, executor, on_done)
        result = OptimiseResult(
            self.plan,
            self.folder,
            table,
            failed,
            selection,
            best,
            candidates,
            params,
            self.baseline,
        )
        if best is not None:
            text = best_yaml(self.plan, params[best], self.folder, "best")
            write_text(self.folder / "best.yaml", text)
        else:
            (self.folder / "best.yaml").unlink(missing_ok=True)
        for old in (self.folder / "pareto").glob("trial-*.yaml"):
            old.unlink()
        if "pareto" in table:
            for number in table.loc[table["pareto"], "trial"]:
                name = f"trial-{number}"
                text = best_yaml(self.plan, params[number], self.folder / "pareto", name)
                write_text(self.folder / "pareto" / f"{name}.yaml", text)
        return result

    def _write_trials(self, study: TrialStudy) -> pd.DataFrame:
        trials = study.complete()
        table = trials_table(trials, [d.name for d in self.plan.decisions])
        for constraint in self.plan.relative:
            cis = [
                mean_ci(self._judged(constraint, pd.DataFrame(replications(t))).to_numpy(float))
                for t in trials
            ]
            for k, part in enumerate(PARTS):
                table[f"{constraint.column}_{part}"] = [ci[k] for ci in cis]
        feasible = [self._feasible(row) for _, row in table.iterrows()]
        table["feasible"] = pd.array(feasible, dtype="boolean")
        if len(self.plan.objectives) == 2:  # Optuna's front, of the trials not ruled out
            front = {trial.number for trial in study.study.best_trials}
            table["pareto"] = [trial.number in front for trial in trials]
        write_table(self.folder / "trials.csv", table)
        return table

    def _feasible(self, row: pd.Series) -> bool | None:
        """Whether a trial meets every constraint: True when each CI is on its feasible side,
        False when one is wholly on the wrong side, None (undecided) otherwise."""
        verdicts: list[bool | None] = []
        for c in self.plan.constraints:
            mean, low, high = ci_of(row, c.column)
            low, high = (mean, mean) if math.isnan(low) else (low, high)
            good, bad = (low, high) if c.sense > 0 else (high, low)  # good: the far end
            verdicts.append(True if c.met(good) else (None if c.met(bad) else False))
        if False in verdicts:
            return False
        return None if None in verdicts else True

    def _ranked(self, table: pd.DataFrame) -> list[int]:
        """The trials not ruled out (one per distinct plan), best first; none for two
        objectives (their front is the answer)."""
        if len(self.plan.objectives) != 1:
            return []
        objective = self.plan.objectives[0]
        kept = table[~ruled_out(table)]
        kept = kept.sort_values(
            [f"{objective.metric}_mean", "trial"], ascending=[not objective.maximise, True]
        )
        kept = kept.drop_duplicates([d.name for d in self.plan.decisions])
        return [int(t) for t in kept["trial"]]

    def _choose(
        self,
        table: pd.DataFrame,
        params: dict[int, dict[str, Any]],
        rows: dict[int, list[dict[str, float]]],
        executor: Executor,
        on_done: Callable[[], None] | None,
    ) -> tuple[list[int], SelectResult | None, int | None]:
        """The candidates, select's result among them (None when fewer than two) and the trial
        chosen (None when none is feasible). The best `candidates` trials not ruled out go
        through select; when it finds every one infeasible, the next as many join them and
        select runs again on them all (reading the replications it ran), until it selects one
        or no trial is left. A lone candidate is chosen without select."""
        ranked = self._ranked(table)
        count = self.plan.spec.candidates
        while True:
            candidates = ranked[:count]
            if len(candidates) < 2:
                return candidates, None, (candidates[0] if candidates else None)
            selection = self._select(candidates, params, rows, executor, on_done)
            if selection.selected is not None:
                return candidates, selection, int(selection.selected.removeprefix("trial-"))
            if count >= len(ranked):  # every plan not ruled out found infeasible
                return candidates, selection, None
            count += self.plan.spec.candidates

    def _select(
        self,
        candidates: list[int],
        params: dict[int, dict[str, Any]],
        rows: dict[int, list[dict[str, float]]],
        executor: Executor,
        on_done: Callable[[], None] | None,
    ) -> SelectResult:
        scenarios = [
            self.plan.scenario(params[t]).model_copy(update={"name": f"trial-{t}"})
            for t in candidates
        ]
        objective = self.plan.objectives[0]
        with self.study.opened() as study:  # every replication kept as it finishes
            try:
                return select_scenarios(
                    scenarios,
                    objective.metric,
                    maximise=objective.maximise,
                    constraints=self.plan.constraints,
                    executor=executor,
                    on_done=on_done,
                    reference=self.plan.base,
                    known=[rows[t] for t in candidates],
                    baseline=self.plan.base,
                    baseline_known=self.baseline or (),
                    done=study.selected(),
                    keep=study.keep_selected,
                )
            except TooFine as refused:
                raise TooFine(
                    f"{refused}; the trials are kept: with a coarser tolerance the same study "
                    "runs only the selection"
                ) from None


def ruled_out(trials: pd.DataFrame) -> pd.Series:
    """Whether each trial of trials.csv is ruled out by a constraint: `feasible` False, not
    NA (undecided)."""
    return trials["feasible"].eq(False).fillna(False).astype(bool)


def _reach(constraint: Constraint, values: pd.Series) -> float:
    """The constraint's CI end on the feasible side, minus its bound, signed so that <= 0 means
    the CI reaches the feasible side."""
    mean, low, high, _ = mean_ci(values.to_numpy(dtype=float))
    low, high = (mean, mean) if math.isnan(low) else (low, high)
    return constraint.bound - high if constraint.sense > 0 else low - constraint.bound


def best_yaml(
    plan: OptimisePlan,
    params: dict[str, Any],
    folder: Path,
    suffix: str,
    chose: str = "The plan optimise chose",
) -> str:
    """A scenario for `folder` that extends the optimised one and sets the `--set` overrides
    and the chosen decisions (a key inside a list sets the whole list), named after the study
    (as its folder is, so that two studies' scenarios run into different result folders) and
    `suffix`, its header comment opening with `chose`; the fully resolved scenario when the
    optimised one was given as an object."""
    name = f"{plan.name}-{suffix}"
    chosen = plan.scenario(params)
    data = chosen.model_dump(mode="json") | {"name": name}
    source = plan.spec.scenario
    if isinstance(source, Scenario):
        return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    layer: dict[str, Any] = {}
    for override in plan.overrides(params):
        text = override if isinstance(override, str) else override[1]
        path = _settable(text.partition("=")[0].strip().split("."), data)
        node = layer
        for key in path[:-1]:
            node = node.setdefault(key, {})
        node[path[-1]] = _value(data, path)
    target = os.path.relpath(Path(source).resolve(), folder.resolve())
    what = f"{chose}: {plan.base.name} with " + ", ".join(
        f"{name}={value}" for name, value in params.items()
    )
    body = yaml.safe_dump(
        {"extends": target, "name": name, "description": f"{what}.", **layer},
        sort_keys=False,
        allow_unicode=True,
    )
    return f"# {what}\n{body}"


def _settable(keys: list[str], data: Any) -> list[str]:
    """The key path up to the first list it enters (a scenario file sets lists whole)."""
    path: list[str] = []
    for key in keys:
        path.append(key)
        data = data.get(key) if isinstance(data, dict) else None
        if isinstance(data, list):
            break
    return path


def _value(data: Any, path: list[str]) -> Any:
    for key in path:
        data = data[key]
    return data
