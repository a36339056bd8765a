"""Sweeps: every point of a design times every replication, one tidy row per run appended to
`<out>/sweep-<name>/runs.csv` as soon as it finishes; run again, a sweep skips what is done.

A run that raises, or whose worker dies, gets a row with status `failed` and its error, and
the sweep goes on; such runs are not done, so the sweep run again retries them.

The folder also holds the resolved base scenario (scenario.yaml), the design (design.yaml,
points.csv), per-point means (summary.csv), runs.parquet where pyarrow is installed, for
Sobol' designs sobol_indices.csv, and manifest.json: the latest command that made it, every
command that added to it or read it (`invocations`, with the runs each added), and the
finished runs it holds; runs.lock is held by the sweep writing to it.
"""

from __future__ import annotations

import contextlib
import json
from collections import Counter
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from journeysim.caller import warn_at_caller
from journeysim.files import folder_name, parquet_available, write_table, write_text
from journeysim.journey.records import categorical
from journeysim.manifest import INVOCATION, MANIFEST, earlier_invocations, manifest
from journeysim.scenario.loader import (
    apply_overrides,
    changed_keys,
    resolved_yaml,
    value_at,
    yaml_data,
)
from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import base_history, history_only
from journeysim.simulation.executors import Executor, LocalPool
from journeysim.simulation.failures import ReplicationFailed, TaskFailed, failure_reason
from journeysim.simulation.kpis import part_week_warning, return_rate_warning
from journeysim.simulation.lifetime import not_identified, without_lifetime
from journeysim.simulation.measure import METRICS, measure
from journeysim.simulation.progress import progress_bar
from journeysim.simulation.replication import past
from journeysim.study.designs import (
    JOURNEYSIM,
    JOURNEYSIM_CODE,
    MAX_RUNS,
    RUN_KEYS,
    Design,
    DesignError,
    Vary,
    check_whole_ends,
    different,
    make_design,
    whole_number_keys,
    yaml_text,
)
from journeysim.study.runs_file import RunKey, RunsFile
from journeysim.study.sensitivity import SobolWarning, sobol_indices, sobol_warnings
from journeysim.study.sources import given_by, resolve_scenario, run_overrides
from journeysim.study.sweep_spec import SweepSpec
from journeysim.version import source_digest

CHUNK = 10_000  # runs handed to the executor at once (their scenarios are held in memory)
# The scenario's run options, by the name a changed one is reported under (as `optimise` does);
# `replications` may change: a sweep can be extended with more.
RUN_OPTIONS = {"horizon.days": "days", "seed": "seed"}
# What a sweep folder holds from before its first run, to recognise it on resume.
CLAIMED = ("design.yaml", "points.csv", "scenario.yaml")
# What it writes once the runs are done (runs.parquet where pyarrow is installed,
# sobol_indices.csv for a Sobol' design); `journeysim sweep` then writes report.html and its
# charts (`chart_files`) unless --no-report.
FINISHED = ("runs.parquet", "summary.csv", "sobol_indices.csv")


@dataclass
class SweepPlan:
    """A sweep's design and base scenario, every point validated, ready to run. The points'
    scenarios are built when run (a large design's would not fit in memory)."""

    name: str
    design: Design
    base: Scenario
    replications: list[int]  # per point
    values: list[list[Any]]  # per point, the resolved value of each varied key

    @property
    def columns(self) -> list[str]:
        return ["point", *self.design.keys, "replication", *METRICS, "status", "error", "reason"]

    @property
    def runs(self) -> int:
        return sum(self.replications)

    def point(self, index: int) -> Scenario:
        """The scenario of one point: the base with the point's values."""
        return apply_overrides(self.base, self.design.overrides(index))

    def points_table(self) -> pd.DataFrame:
        """points.csv: point, then the value of each varied key."""
        rows = [[point, *values] for point, values in enumerate(self.values)]
        return pd.DataFrame(rows, columns=["point", *self.design.keys])


RUN_STATUSES = ("ok", "failed")  # runs' status, the categories of runs.parquet's


class ShortRunWarning(UserWarning):
    """Runs too short for some KPIs (the return rate, the customers' lifetime)."""


class KeptRunsWarning(UserWarning):
    """An earlier run of the sweep left more replications a point than this one asks for."""


class FailedRunsWarning(UserWarning):
    """Some runs of the sweep failed; runs.csv says why, and the same sweep retries them."""


def failed_runs_text(runs: pd.DataFrame) -> str | None:
    """How many of runs.csv's `runs` failed, and the first one's reason (None when none
    did): a point some of whose runs failed shows the means of the rest."""
    failed = runs[runs["status"] == "failed"]
    if failed.empty:
        return None
    first = failed.iloc[0]
    partial = failed["point"].isin(runs.loc[runs["status"] == "ok", "point"]).any()
    return (
        f"{len(failed)} of {len(runs)} runs failed (status and error in runs.csv; the same "
        f"command retries them), e.g. point {first['point']}, replication "
        f"{first['replication']}: {first['reason']}"
        + (
            "; a point some of whose runs failed shows the means of the rest (its runs, "
            '"1 of 2"), which may be the luckier ones'
            if partial
            else ""
        )
    )


def short_run_warnings(plan: SweepPlan, runs: pd.DataFrame) -> list[str]:
    """Why some of the finished `runs` have no return rate (points whose measured days are not
    longer than their return window), or one of less than a week of visits
    (`part_week_warning`), or no lifetime (too few departures), as warnings ("every point run"
    where some point has no finished run)."""
    texts = []
    every_point = (
        "every point" if runs["point"].nunique() == len(plan.values) else "every point run"
    )
    returns = runs.groupby("point")["return_rate"].count()
    unseen = returns.index[returns == 0]
    for point in unseen:
        if text := return_rate_warning(plan.point(int(point))):
            where = f"{len(unseen)} of {len(returns)} points"
            where = every_point if len(unseen) == len(returns) else where
            texts.append(f"{where} (e.g. point {point}): {text}")
            break
    # Every point measures the base's days and window unless the design varies them.
    varied = {"horizon.days", "loyalty.return_window_days"} & set(plan.design.keys)
    seen = returns.index[returns > 0]
    part = {
        point: text
        for point in (seen if varied else seen[:1])
        if (text := part_week_warning(plan.point(int(point))))
    }
    if part:
        many = varied and len(part) < len(returns)
        where = f"{len(part)} of {len(returns)} points" if many else every_point
        point, text = next(iter(part.items()))
        texts.append(f"{where} (e.g. point {point}): {text}")
    points, every = without_lifetime(runs["lifetime_days"], runs["point"])
    if points and plan.base.arrivals.mode != "open":  # one-off shoppers have no lifetime
        total = runs["point"].nunique()
        where = every_point if len(points) == total else f"{len(points)} of {total} points"
        texts.append(not_identified(f"{where} (e.g. point {min(points)})", every))
    return texts


def plan_sweep(spec: SweepSpec, quiet: bool = True) -> SweepPlan:
    """Check the design's size, build it and validate every point's scenario before anything
    runs (with a progress bar unless quiet, shown when that takes more than two seconds)."""
    overrides = [*spec.overrides, *run_overrides(spec.reps, spec.days, spec.seed, spec.origins)]
    base = resolve_scenario(spec.scenario, overrides)
    for vary in spec.vary:
        if vary.key == "seed":
            raise DesignError(
                f"{vary.origin}: seed is the same at every point (set by --seed, for common "
                "random numbers), not a value to vary",
                vary.origin,
            )
        given = {"replications": spec.reps, "horizon.days": spec.days}.get(vary.key)
        if given is not None:  # the option would be silently ignored at every point
            name = RUN_KEYS[vary.key].removeprefix("--")
            by = given_by(spec.origins, name).rpartition(": ")[2]  # --reps, or a file's reps
            raise DesignError(
                f"{vary.origin}: varied, and also set for every point by {by} ({given}); "
                "give one or the other",
                vary.origin,
            )
        if history_only([vary.key], base):
            raise DesignError(
                f"{vary.origin}: only the store's history before day 0 reads it, and every "
                f"point starts from {base_history(base)}, so it would change nothing; give it "
                "with --set for the whole sweep, or run each value on its own (journeysim run "
                "--set)",
                vary.origin,
            )
    integers = whole_number_keys(base, [v.key for v in spec.vary])
    _check_bounds(base, spec.vary, integers)
    design = make_design(
        spec.vary, spec.design, spec.samples, base.seed, integers, base.replications, spec.origins
    )
    kind = [] if design.kind == "grid" else [design.kind]
    name = spec.name or "-".join([base.name, *design.keys, *kind])
    plan = SweepPlan(name, design, base, [], [])
    with progress_bar(len(design.points), "checking the points", quiet, "point") as bar:
        for index in range(len(design.points)):
            point = plan.point(index)
            plan.replications.append(point.replications)
            plan.values.append([_shown(value_at(point, key)) for key in design.keys])
            bar.update()
    if plan.runs > MAX_RUNS:  # a varied `replications` gives points more than the base's
        raise DesignError(
            f"the sweep would have {len(design.points):,} points and {plan.runs:,} runs in all; "
            f"the limit is {MAX_RUNS:,} runs (give fewer values or replications)"
        )
    return plan


def chart_files(kpi: str, keys: Sequence[str]) -> list[str]:
    """The charts of `kpi` in a sweep's report: one against each varied key of `keys`, then
    with two or more a heatmap over the first two."""
    lines = [f"{kpi}_by_{folder_name(key)}.png" for key in keys]
    return [*lines, f"{kpi}_heatmap.png"] if len(keys) >= 2 else lines


def _check_bounds(base: Scenario, vary: Sequence[Vary], integers: list[str]) -> None:
    """Refuse a range whose own end is not a valid value, naming that end rather than a point
    sampled near it (a scenario that holds at both ends may still fail inside, e.g. together
    with another key: the points are checked as well). A whole-number key's range has whole
    ends: its points are rounded, and one rounded past a fractional end left the range."""
    for v in vary:
        if v.key in integers and v.bounds:
            check_whole_ends(v.key, v.bounds, v.origin)
        for end in v.bounds or ():
            value = int(end) if v.key in integers else end
            apply_overrides(base, [(v.origin, f"{v.key}={yaml_text(value)}")])


def _shown(value: Any) -> Any:
    return yaml_text(value) if isinstance(value, (list, dict)) else value


class Sweep:
    """A planned sweep and its results folder."""

    def __init__(self, plan: SweepPlan, out: Path | str = "results") -> None:
        self.plan = plan
        self.folder = Path(out) / folder_name(f"sweep-{plan.name}")
        runs = self.folder / "runs.csv"
        self.runs = RunsFile(
            runs, plan.columns, plan.values, METRICS, last_from="error", texts=("error", "reason")
        )
        self._made: dict[str, Any] | None = None  # this invocation's manifest (write_manifest)
        self._earlier: list[dict[str, Any]] = []  # the invocations before it
        self._before = 0  # the finished runs the folder held when it began
        self._append: Callable[[Sequence], None] | None = None  # runs.csv's, while `held`

    @contextlib.contextmanager
    def held(self) -> Iterator[None]:
        """Hold runs.csv's lock in the block: a second sweep into the folder is then refused
        before it writes anything (manifest.json included) until the block ends, and `run`
        appends under it."""
        with self.runs.appending() as append:
            self._append = append
            try:
                yield
            finally:
                self._append = None

    @contextlib.contextmanager
    def _appending(self) -> Iterator[Callable[[Sequence], None]]:
        """runs.csv's appender: the one `held` holds, else one holding the lock itself."""
        if self._append is not None:
            yield self._append
        else:
            with self.runs.appending() as append:
                yield append

    def files(self, charted: Sequence[str] | None = None) -> list[str]:
        """Every file the sweep may write in its folder, to check before any run; with the KPIs
        `charted` (None: no report), report.html and its charts too."""
        keys = self.plan.design.keys
        charts = [name for kpi in charted or () for name in chart_files(kpi, keys)]
        report = [] if charted is None else ["report.html", *charts]
        runs = self.runs
        return [MANIFEST, runs.path.name, runs.lock.name, *CLAIMED, *FINISHED, *report]

    def write_manifest(
        self,
        overrides: Sequence[str | tuple[str, str]] = (),
        call: str | None = None,
        executor: Mapping[str, Any] | None = None,
    ) -> None:
        """Write manifest.json before any run (so that an interrupted sweep's folder has it
        too), adding this invocation to those the folder's manifest lists; `run` then notes the
        runs it added. `call` is the Python API call that made the folder, else it is this
        process's command line; `executor` the record of the executor that runs it (see
        journeysim.manifest)."""
        self._made = manifest(self.plan.base.seed, overrides, call, executor)
        self._earlier = [  # a manifest of one command did not count its runs: None
            {**entry, "runs_added": entry.get("runs_added")}
            for entry in earlier_invocations(self.folder)
        ]
        done = self.runs.done()
        self._before = len(done)
        if done and not self._earlier:  # runs from before there was a (readable) manifest
            self._earlier = [dict.fromkeys([*INVOCATION, "runs_added"])]
        self._write_manifest(done, added=None)

    def _note_runs(self) -> None:
        """Rewrite manifest.json (if `write_manifest` wrote it) with the runs this invocation
        added and those the folder holds now."""
        if self._made is not None:
            done = self.runs.done()
            self._write_manifest(done, added=len(done) - self._before)

    def _write_manifest(self, done: Collection[RunKey], added: int | None) -> None:
        """manifest.json: this invocation's manifest, with the finished runs the folder holds
        (`runs`; `replications`: the fewest and most a point) and every invocation, this one
        last with the runs it `added` (None until it ends: a sweep killed outright leaves it
        so)."""
        assert self._made is not None
        held = Counter(point for point, _ in done)
        counts = [held[point] for point in range(len(self.plan.values))]
        this = {key: self._made[key] for key in INVOCATION} | {"runs_added": added}
        data = self._made | {
            "runs": len(done),
            "replications": {"min": min(counts), "max": max(counts)},
            "invocations": [*self._earlier, this],
        }
        write_text(self.folder / MANIFEST, json.dumps(data, indent=2) + "\n")

    def pending(self) -> list[RunKey]:
        """(point, replication) of the runs not yet in runs.csv."""
        self._claim()
        return self._todo()

    def _todo(self, skip: Collection[RunKey] = ()) -> list[RunKey]:
        done = self.runs.done() | set(skip)
        return [
            (p, r)
            for p, replications in enumerate(self.plan.replications)
            for r in range(replications)
            if (p, r) not in done
        ]

    def run(
        self, executor: Executor | None = None, on_done: Callable[[], None] | None = None
    ) -> pd.DataFrame:
        """Run what is pending, then write the finished files; return runs.csv as a table. The
        manifest (if `write_manifest` wrote it) then notes the runs added, also when stopped.
        runs.csv's lock is held until the manifest is written."""
        with self._appending() as append:
            try:
                runs = self._run(append, executor, on_done)
            except BaseException:
                # e.g. an unreadable runs.csv: the error being raised says so
                with contextlib.suppress(Exception):
                    self._note_runs()
                raise
            self._note_runs()
        return runs

    def _run(
        self,
        append: Callable[[Sequence], None],
        executor: Executor | None,
        on_done: Callable[[], None] | None,
    ) -> pd.DataFrame:
        plan, values = self.plan, self.plan.values
        executor = executor or LocalPool()
        self._claim()
        failed: set[RunKey] = set()

        def record(key: RunKey, outcome: dict[str, float] | tuple[str, str]) -> None:
            point, replication = key
            if isinstance(outcome, tuple):
                failed.add(key)
                row = [*([""] * len(METRICS)), "failed", *outcome]
            else:
                row = [*(outcome[m] for m in METRICS), "ok", "", ""]
            append([point, *values[point], replication, *row])
            if on_done:
                on_done()

        todo = self._todo()
        if todo:  # an earlier finish's tables and report, of fewer runs than runs.csv will hold
            for name in (*FINISHED, "report.html"):
                (self.folder / name).unlink(missing_ok=True)
        while todo:
            chunk, todo = todo[:CHUNK], todo[CHUNK:]
            scenarios = {p: plan.point(p) for p in dict.fromkeys(p for p, _ in chunk)}
            for scenario in scenarios.values():
                past(scenario, plan.base)  # lived once here, read by the workers
            tasks = [(scenarios[p], r, plan.base) for p, r in chunk]
            try:
                for index, outcome in executor.run(_measured, tasks):
                    record(chunk[index], outcome)
            except TaskFailed as death:  # a worker died: record its run, go on with the rest
                record(chunk[death.index], (death.reason, death.reason))
                todo = self._todo(failed)
        runs = self.runs.finish()
        if parquet_available():  # status a category there (a dictionary column), as runs.csv's
            status = categorical(runs["status"].tolist(), RUN_STATUSES)
            write_table(self.folder / "runs.parquet", runs.assign(status=status))
        ok = runs[runs["status"] == "ok"]
        means = ok.groupby("point")[list(METRICS)].mean()
        count = ok.groupby("point").size().rename("n")
        summary = plan.points_table().join(count, on="point").join(means, on="point")
        summary["n"] = summary["n"].fillna(0).astype(int)
        write_table(self.folder / "summary.csv", summary)
        extra = summary["n"].to_numpy() > plan.replications
        if extra.any():
            warn_at_caller(
                f"{self.folder}: an earlier run of this sweep left more replications than this "
                f"one asks for (up to {summary['n'].max()} a point, against "
                f"{max(plan.replications)}); summary.csv uses them all (its n column)",
                KeptRunsWarning,
            )
        if plan.design.kind == "sobol" and len(ok) == len(runs):
            indices = sobol_indices(plan.design, runs, METRICS, plan.base.seed)
            write_table(self.folder / "sobol_indices.csv", indices)
            for warning in sobol_warnings(indices, plan.design.base_samples):
                warn_at_caller(SobolWarning(warning))
        elif plan.design.kind == "sobol":  # an earlier run's indices, of fewer runs than these
            (self.folder / "sobol_indices.csv").unlink(missing_ok=True)
        for text in short_run_warnings(plan, ok):
            warn_at_caller(ShortRunWarning(text))
        return runs

    def _claim(self) -> None:
        """Write the design and base scenario, or check that the folder's are the same (the
        replication count may differ: a sweep can be extended with more replications)."""
        plan = self.plan
        design = {"design": plan.design.kind, "parameters": list(plan.design.keys)}
        if plan.design.bounds:
            design["bounds"] = [list(b) for b in plan.design.bounds]
        design[JOURNEYSIM] = source_digest()  # runs of a changed model are not mixed with these
        texts = (
            yaml.safe_dump(design, sort_keys=False),
            plan.points_table().to_csv(index=False, lineterminator="\n"),
            resolved_yaml(plan.base),
        )
        files = dict(zip(CLAIMED, texts, strict=True))
        missing = [name for name in files if not (self.folder / name).exists()]
        if missing and self.runs.done():  # written before the first run: since removed
            raise DesignError(
                f"{self.folder} holds runs but not the {' and '.join(missing)} they were run "
                "with, so a resumed sweep cannot tell that they are its own: remove the folder, "
                "or give the sweep another name"
            )
        differs, count = [], 0
        for name, text in files.items():
            path = self.folder / name
            if path.exists():
                stored = path.read_text("utf-8", errors="replace")
                found, changed = _differences(name, stored, text)
                differs += found
                count += changed
        if differs:
            # A plural name (days, points) or several take "differ".
            verb = "differ" if len(differs) > 1 or differs[0] in ("days", "points") else "differs"
            raise different(self.folder, "sweep", "runs", differs, count, verb)
        for name, text in files.items():
            write_text(self.folder / name, text)


def _measured(
    scenario: Scenario, replication: int, reference: Scenario
) -> dict[str, float] | tuple[str, str]:
    """measure(), or why it failed, so that the sweep records it and goes on: in one line, and
    without the base scenario and the replication that its row names (`reason`)."""
    try:
        return measure(scenario, replication, reference)
    except ReplicationFailed as failed:
        return str(failed), failed.told_after(reference.name, replication)
    except Exception as error:
        reason = failure_reason(error)
        return reason, reason


def _differences(name: str, stored: str, text: str) -> tuple[list[str], int]:
    """What differs between a file of the folder, as `stored` there, and as this sweep would
    write it (`text`): `design` (design.yaml), `points` (points.csv), and for scenario.yaml the
    changed keys (`changed_keys`: days and seed by name, then e.g. a --set override or an edit
    of the scenario file); `replications` may differ. And how many differ in all (each changed
    key of the scenario one)."""
    if stored == text:
        return [], 0
    if name == "points.csv":
        return ["points"], 1
    try:
        old, new = yaml_data(stored), yaml_data(text)
    except yaml.YAMLError:
        old = None
    if name == "design.yaml":  # the design, the sources that ran it, or both
        if not isinstance(old, dict):
            return ["design"], 1
        found = ["design"] * ({**old, JOURNEYSIM: None} != {**new, JOURNEYSIM: None})
        found += [JOURNEYSIM_CODE] * (old.get(JOURNEYSIM) != new.get(JOURNEYSIM))
        return found or ["design"], len(found) or 1
    if not isinstance(old, dict):
        return [name], 1
    return changed_keys(old, new, RUN_OPTIONS, ignored=("replications",))
