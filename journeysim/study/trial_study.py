"""A search over scenario variants with Optuna, kept in an SQLite file in the study folder so
that a study killed at any moment (even `kill -9`) resumes where it stopped.

Each trial is the base scenario with the trial's `--set` overrides, run for the base's
replications with its seed (common random numbers across trials, so two trials differ by their
decisions, not by their luck), from the base's history (a decision taken today, in the store as
it is) or, with `own_history`, from the trial's own (parameters that made the store what it
is, as a calibration fits). The metrics of every replication are stored
with the trial as soon as it has run, before Optuna is told its values.

Resuming: one process at a time holds the folder's lock, so a trial found RUNNING when the
study opens belongs to a process that died. It is marked failed and queued again with the same
parameters (and the results it had stored, if any, which are then reused rather than run
again); only COMPLETE trials count. A trial killed while it drew its parameters (each is
stored as it is drawn) is first given the rest, which the sampler draws again as it drew them
(see below) in a copy of the study without it, so that it runs as it would have. A trial
interrupted by Ctrl-C (which Optuna marks failed) is queued again at once, the same way; a
Ctrl-C while Optuna records a trial waits until it is recorded (`HeldInterrupts`). Optuna's
heartbeat is not needed for this: it serves several live workers that cannot know of each
other, and would leave a killed trial RUNNING for its grace period. A trial whose parameters
equal those of a complete trial reuses that trial's results too: with common random numbers
they would be identical.

A trial's number, as tables and reports show it, is its position among the complete trials
(in the order they were asked), not Optuna's: a killed trial keeps its Optuna number as a
failed one and runs again under the next, so a resumed study numbers its trials as the
uninterrupted one does. The replications of the final selection (`optimise`) are kept with
the study too, each as it finishes, so that a resumed selection runs only what is missing.

A trial whose simulation fails (a replication raises, or its worker dies: a plan the store
cannot run, such as one till for a day's traffic) is kept failed with the reason, and the search
goes on: it counts against the trials asked for, a resumed study does not run it again, and a
later trial with the same parameters fails with the same reason without running (with common
random numbers it would fail the same way).

The sampler is made afresh for each trial, seeded from the study's seed and the number of
trials finished so far (complete or failed), so the search is a function of the stored trials:
a resumed study continues as the uninterrupted one would have.
"""

from __future__ import annotations

import errno
import functools
import json
import math
import signal
import sqlite3
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import optuna
import pandas as pd
import sqlalchemy.exc
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial, TrialState

from journeysim.caller import warn_at_caller
from journeysim.files import exclusive, write_error
from journeysim.scenario.loader import changed_keys
from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import ShortHistoryWarning, histories_too_short, too_short
from journeysim.simulation.executors import Executor, run_replications
from journeysim.simulation.failures import ReplicationFailed
from journeysim.simulation.measure import METRICS, measure, why_undefined
from journeysim.simulation.replication import past
from journeysim.simulation.summary import mean_ci
from journeysim.study.designs import JOURNEYSIM, JOURNEYSIM_CODE, DesignError, different
from journeysim.version import source_digest

STORAGE = "study.db"
LOCK = "study.lock"  # held by the process running the study
# How long a write to study.db waits for another program reading it (a dashboard, a database
# browser) before it gives up; SQLite's driver waits 5 s unless told.
LOCK_WAIT_S = 60
# What SQLite says when the study database or its folder can no longer be written mid-study.
UNWRITABLE = ("readonly database", "unable to open database file", "disk I/O error")
RESULTS = "replications"  # trial user attribute: the metrics of every replication
SAME_AS = "same_as"  # trial user attribute: the complete trial whose results it reuses
FAILED = "failed"  # trial user attribute: why its simulation failed, in one line
SHORT_HISTORY = "short_history"  # trial user attribute: it started from a history too short
DESIGN = "design"  # study user attribute: what the study searches, to recognise it on resume
BASELINE = "baseline"  # study user attribute: the metrics of every replication of the base
SCENARIO = "scenario"  # design key: the base scenario (a JSON dump), run options and all
# The run options a scenario holds, by key: the name a changed one is reported under.
RUN_OPTIONS = {"replications": "replications", "seed": "seed", "horizon.days": "days"}
SELECTED = "select"  # study user attributes select/SCENARIO/REPLICATION: the selection's runs
# The tables of an Optuna study database (RDBStorage, Optuna 5): a study.db with any other
# table belongs to another program.
OPTUNA_TABLES = frozenset(
    {
        "alembic_version",
        "studies",
        "study_directions",
        "study_system_attributes",
        "study_user_attributes",
        "trial_heartbeats",
        "trial_intermediate_values",
        "trial_params",
        "trial_system_attributes",
        "trial_user_attributes",
        "trial_values",
        "trials",
        "version_info",
    }
)

Rows = list[dict[str, float]]
# What a trial's replications score: the objective values, and constraint values (<= 0 met).
Scorer = Callable[[Rows], tuple[list[float], dict[str, float]]]


class HeldInterrupts:
    """Ctrl-C while a trial simulates stops it at once (Optuna marks it failed and it is queued
    again). Anywhere else the Ctrl-C is held and raised as soon as the trial is stored: in
    Optuna's bookkeeping an interruption leaves it half-done (it then fails with an
    UnboundLocalError or AssertionError of its own), and a write to the study database cut
    short can leave it locked, so that the next write waits for it in vain. A Ctrl-C
    raised while simulating is held too until the simulation ends: where Python drops an
    exception raised by a signal handler (in a hook running as the trial forks its workers, or
    a garbage collector's callback), it is raised once the trial is stored, not lost, and not
    reported as ignored."""

    def __init__(self) -> None:
        self.simulating_now = False
        self.held = False

    @contextmanager
    def installed(self) -> Iterator[None]:
        """Handle SIGINT so while inside (only in the main thread, and only where Python's own
        handler is in place or SIGINT is ignored, as in a shell's background job: it then stays
        ignored, and only the SIGTERM that the command line passes on as SIGINT is held)."""
        mine = threading.current_thread() is threading.main_thread()
        ctrl_c = signal.getsignal(signal.SIGINT)
        if not mine or ctrl_c not in (signal.default_int_handler, signal.SIG_IGN):
            yield
            return
        ignored = ctrl_c == signal.SIG_IGN
        signal.signal(signal.SIGINT, self._terminated if ignored else self._interrupted)
        reported = sys.unraisablehook
        sys.unraisablehook = functools.partial(self._dropped, reported)
        try:
            yield
        finally:
            signal.signal(signal.SIGINT, ctrl_c)
            sys.unraisablehook = reported

    def _interrupted(self, signum: int, frame: object) -> None:
        self.held = True
        if self.simulating_now:
            raise KeyboardInterrupt

    def _terminated(self, signum: int, frame: object) -> None:
        """With Ctrl-C ignored: a SIGTERM passed on (`signum`) acts as Ctrl-C, Ctrl-C not."""
        if signum == signal.SIGTERM:
            self._interrupted(signum, frame)

    def _dropped(self, reported: Callable[[Any], None], unraisable: Any) -> None:
        """Keep quiet about a held Ctrl-C that Python dropped; report anything else."""
        if not (self.held and unraisable.exc_type is KeyboardInterrupt):
            reported(unraisable)

    def check(self) -> None:
        """Raise a held Ctrl-C now."""
        if self.held:
            self.held = False
            raise KeyboardInterrupt

    @contextmanager
    def simulating(self) -> Iterator[None]:
        """A trial's simulation, where Ctrl-C acts at once."""
        self.simulating_now = True
        try:
            self.check()
            yield
        except KeyboardInterrupt:
            self.held = False  # it stops the trial as it is
            raise
        finally:
            self.simulating_now = False


class TrialStudy:
    """An Optuna study in `folder`/study.db over `distributions` (parameter name -> Optuna
    distribution), whose trials run `scenario_of(params)` from the history of `base` (of their
    own with `own_history`), each replication run by `measure` (a top-level function, for the
    workers), and are scored by `score`; `sampler(n)` makes the sampler for the trial after n
    finished ones. Use as a context manager: it holds the folder's lock while open."""

    def __init__(
        self,
        folder: Path,
        directions: Sequence[str],
        design: Mapping[str, Any],
        distributions: Mapping[str, BaseDistribution],
        base: Scenario,
        scenario_of: Callable[[dict[str, Any]], Scenario],
        score: Scorer,
        sampler: Callable[[int], optuna.samplers.BaseSampler],
        own_history: bool = False,
        measure: Callable[..., dict[str, float]] = measure,
    ) -> None:
        self.folder = Path(folder)
        self.directions = list(directions)
        # with the sources that ran it: trials of a changed model are not mixed with the old's
        self.design = json.loads(json.dumps({**design, JOURNEYSIM: source_digest()}))
        self.distributions = dict(distributions)
        self.base = base
        self.scenario_of = scenario_of
        self.score = score
        self.sampler = sampler  # sampler(n): the sampler of the trial after n finished ones
        self.own_history = own_history
        self.measure = measure
        self.study: optuna.Study | None = None
        self.storage: optuna.storages.RDBStorage | None = None
        self.interrupts = HeldInterrupts()

    @property
    def started(self) -> bool:
        """Whether the folder holds a study already (which `opened` checks is this one)."""
        return (self.folder / STORAGE).exists()

    @contextmanager
    def opened(self) -> Iterator[TrialStudy]:
        """Lock the folder, open (or create) the study, check it is this one, recover trials
        left running by a killed process."""
        self.folder.mkdir(parents=True, exist_ok=True)
        busy = DesignError(f"{self.folder}: another process is running this study")
        with exclusive(self.folder / LOCK, busy, "w"):
            # Failed trials, and Ctrl-C, are journeysim's to report (in one line): Optuna's own
            # warnings about them, with tracebacks, are not shown.
            optuna.logging.set_verbosity(optuna.logging.ERROR)
            path = self.folder / STORAGE
            _check_storage(path)
            try:
                storage = self.storage = _storage(path)
                try:
                    self.study = _study(storage, path, self.directions)
                    self._claim()
                    self._recover()
                    yield self
                finally:
                    storage.engine.dispose()
                    self.study = self.storage = None
            except Exception as error:  # Optuna may raise an error of its own in its place
                if _sqlite_said(error, "locked"):
                    raise _locked_out(path) from None
                if _sqlite_said(error, "full"):
                    raise _disk_full(path) from None
                if why := _sqlite_said(error, *UNWRITABLE):
                    raise _unwritable(path, why) from None
                raise

    def _claim(self) -> None:
        stored = self.study.user_attrs.get(DESIGN)
        if stored is None:
            self.study.set_user_attr(DESIGN, self.design)
        elif stored != self.design:
            differs, count = _differences(stored, self.design)
            if not differs:  # the stored design has keys that this one has not
                differs, count = ["design"], 1
            # A plural name (decisions, replications, days) or several take "differ".
            verb = "differs" if len(differs) == 1 and not differs[0].endswith("s") else "differ"
            raise different(self.folder, "study", "trials", differs, count, verb)

    def _recover(self) -> None:
        """Queue every RUNNING trial again with its parameters and stored results, then mark
        it failed (in this order, so that a kill in between loses nothing); one whose
        simulation had failed is only marked failed."""
        for trial in self.study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
            if FAILED in trial.user_attrs:
                self.study.tell(trial.number, state=TrialState.FAIL)
            else:
                self._retry(trial)

    def _retry(self, trial: FrozenTrial) -> None:
        """Queue `trial` again with its parameters and stored results, then mark it failed if
        it is still running (failed trials count for no sampler but the brute-force one's
        record of points tried, which the queued trial then runs). A running trial killed
        before it drew all its parameters is given the rest first (`_all_params`): queued with
        some, it would draw the rest with a sampler in another state than it had then, and a
        failed trial with some would leave the brute-force sampler a branch it cannot read."""
        params = self._all_params(trial)
        if trial.state == TrialState.RUNNING:
            study_id = self.storage.get_study_id_from_name(self.study.study_name)
            trial_id = self.storage.get_trial_id_from_study_id_trial_number(study_id, trial.number)
            for name, distribution in self.distributions.items():  # in the order drawn
                if name not in trial.params:
                    internal = distribution.to_internal_repr(params[name])
                    self.storage.set_trial_param(trial_id, name, internal, distribution)
        self.study.enqueue_trial(params, user_attrs={**trial.user_attrs, "retry_of": trial.number})
        if trial.state == TrialState.RUNNING:
            self.study.tell(trial.number, state=TrialState.FAIL)

    def _all_params(self, trial: FrozenTrial) -> dict[str, Any]:
        """Every parameter of `trial`: those it has, and those it had still to draw when it was
        stopped: a queued trial's are those of the trial it runs again, a sampled one's are
        drawn again as the sampler drew them (`_drawn`)."""
        if trial.params.keys() >= self.distributions.keys():
            return trial.params
        again = trial.user_attrs.get("retry_of")
        if again is not None:
            queued = self.study.get_trials(deepcopy=False)[again]
            return {**self._all_params(queued), **trial.params}
        return {**self._drawn(trial), **trial.params}

    def _drawn(self, stopped: FrozenTrial) -> dict[str, Any]:
        """The parameters the sampler drew for `stopped`, a trial stopped while it drew them:
        drawn again by the same sampler (it is made afresh for every trial, from the number of
        finished ones) from the same finished trials, in a copy of the study kept in memory,
        without `stopped`, which in the study would be in the sampler's way (the brute-force
        sampler reads every trial, failed or running)."""
        copy = optuna.create_study(
            directions=self.directions, sampler=self.sampler(self.finished())
        )
        trials = self.study.get_trials(deepcopy=False)
        copy.add_trials(t for t in trials if t.state.is_finished() and t.number != stopped.number)
        trial = copy.ask()
        return {name: suggest(trial, name, d) for name, d in self.distributions.items()}

    def complete(self) -> list[FrozenTrial]:
        """The COMPLETE trials, in trial order: trial n is the n-th (from 0)."""
        return self.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))

    def failed(self) -> list[FrozenTrial]:
        """The trials whose simulation failed (FAILED says why), in the order they ran."""
        trials = self.study.get_trials(deepcopy=False, states=(TrialState.FAIL,))
        return [trial for trial in trials if FAILED in trial.user_attrs]

    def finished(self) -> int:
        """Trials that count against the trials asked for: the complete and the failed."""
        return len(self.complete()) + len(self.failed())

    def run(
        self,
        total: int,
        executor: Executor,
        on_done: Callable[[], None] | None = None,
        after_trial: Callable[[], None] | None = None,
    ) -> None:
        """Run trials until `total` have finished (complete or failed); `on_done()` follows
        every replication, `after_trial()` every trial."""
        with self.interrupts.installed():
            try:
                while self.finished() < total:
                    self.interrupts.check()
                    self._run_trial(executor, on_done)
                    if after_trial:
                        after_trial()
                self.interrupts.check()
            finally:
                short = sum(SHORT_HISTORY in t.user_attrs for t in self.complete())
                if short:  # the study's, whichever run of it ran them: one warning for all
                    warn_at_caller(ShortHistoryWarning(histories_too_short(short, "trial")))

    def _run_trial(self, executor: Executor, on_done: Callable[[], None] | None) -> None:
        self.study.sampler = self.sampler(self.finished())
        ran: list[int] = []  # the number of the trial run (a queued one may come before others)

        def objective(trial: optuna.Trial) -> list[float]:
            ran.append(trial.number)
            return self._evaluate(trial, executor, on_done)

        try:
            self.study.optimize(
                objective,
                n_trials=1,
                catch=(ReplicationFailed,),  # kept failed (FAILED says why): the search goes on
            )
        except (KeyboardInterrupt, ConnectionError, ImportError):  # stopped, or by Dask's cluster
            for trial in self._trials(ran):
                interrupted = trial.state in (TrialState.RUNNING, TrialState.FAIL)
                if interrupted and FAILED not in trial.user_attrs:
                    self._retry(trial)
            raise
        for trial in self._trials(ran):
            if trial.state != TrialState.COMPLETE and FAILED not in trial.user_attrs:
                raise DesignError(
                    f"trial {len(self.complete())} failed: Optuna refused its objective values"
                )

    def _trials(self, numbers: Sequence[int]) -> list[FrozenTrial]:
        """The trials of these numbers, as they are now."""
        return [t for t in self.study.get_trials(deepcopy=False) if t.number in numbers]

    def _evaluate(
        self, trial: optuna.Trial, executor: Executor, on_done: Callable[[], None] | None
    ) -> list[float]:
        params = {name: suggest(trial, name, d) for name, d in self.distributions.items()}
        rows = trial.user_attrs.get(RESULTS)
        if rows is None:
            done = self.complete()
            same = next((n for n, t in enumerate(done) if t.params == params), None)
            if same is not None:
                rows = done[same].user_attrs[RESULTS]
                trial.set_user_attr(SAME_AS, same)
            else:
                rows = self._simulate(trial, params, executor, on_done)
            trial.set_user_attr(RESULTS, rows)
        values, constraints = self.score(rows)
        for name, value in constraints.items():
            trial.set_constraint(name, value)
        return values

    def baseline(self, executor: Executor, on_done: Callable[[], None] | None = None) -> Rows:
        """The metrics of every replication of the base scenario itself (no decisions), with
        the trials' seed and history (common random numbers): run once, then kept with the
        study, so that a resumed study reads them."""
        rows = self.study.user_attrs.get(BASELINE)
        if rows is None:
            rows, _ = self._replicate(self.base, self.base, executor, on_done, warn=True)
            self.study.set_user_attr(BASELINE, rows)
        return rows

    def baseline_pending(self) -> bool:
        """Whether the base's replications are still to run."""
        return BASELINE not in self.study.user_attrs

    def selected(self) -> dict[tuple[str, int], dict[str, float]]:
        """The metrics of the replications the final selection has run, by scenario name and
        replication."""
        runs = {}
        for key, metrics in self.study.user_attrs.items():
            kind, _, rest = key.partition("/")
            if kind == SELECTED:
                name, _, replication = rest.rpartition("/")
                runs[(name, int(replication))] = metrics
        return runs

    def keep_selected(self, name: str, replication: int, metrics: dict[str, float]) -> None:
        """Keep one replication the final selection has run (see `selected`)."""
        self.study.set_user_attr(f"{SELECTED}/{name}/{replication}", metrics)

    def _simulate(
        self,
        trial: optuna.Trial,
        params: dict[str, Any],
        executor: Executor,
        on_done: Callable[[], None] | None,
    ) -> Rows:
        """The trial's replications; if they fail (or failed before with these parameters),
        keep why with the trial and raise ReplicationFailed, which Optuna records as a failed
        trial. Only the replications run where Ctrl-C acts at once: never a read or write of
        the study, which one cut short leaves holding its lock (the next write then waited
        for it the 60 s of LOCK_WAIT_S, and the study stopped as "locked by another program")."""
        why = next((t.user_attrs[FAILED] for t in self.failed() if t.params == params), None)
        if why is None:
            scenario = self.scenario_of(params)
            reference = scenario if self.own_history else self.base
            try:
                with self.interrupts.simulating():
                    rows, short = self._replicate(scenario, reference, executor, on_done)
            except ReplicationFailed as failed:
                why = str(failed)
            else:
                if short:  # once run: an interrupted trial ran nothing
                    trial.set_user_attr(SHORT_HISTORY, True)
                return rows
        trial.set_user_attr(FAILED, why)
        raise ReplicationFailed(why)

    def _replicate(
        self,
        scenario: Scenario,
        reference: Scenario,
        executor: Executor,
        on_done: Callable[[], None] | None,
        warn: bool = False,
    ) -> tuple[Rows, bool]:
        """The metrics of the base's replications of `scenario` from `reference`'s history,
        and whether that history is too short (a trial's is noted, for `run` to warn of once
        for the study; with `warn`, as for the base itself, it is warned of here)."""
        history = past(scenario, reference, warn=warn)  # lived once here, read by workers
        tasks = [(scenario, r, reference) for r in range(self.base.replications)]
        rows: Rows = [{}] * len(tasks)
        for index, metrics in run_replications(executor, self.measure, tasks):
            rows[index] = metrics
            if on_done:
                on_done()
        return rows, too_short(history)


def _differences(stored: Mapping[str, Any], design: Mapping[str, Any]) -> tuple[list[str], int]:
    """The keys of `design` whose value `stored` does not hold, sorted (the sources' digest
    named JOURNEYSIM_CODE); for a changed scenario, what changed in it (`changed_keys`:
    replications, seed and days by name, then the keys); and how many differ in all (each
    changed key of the scenario one)."""
    differs, count = [], 0
    for key in sorted(design):
        if stored.get(key) == design[key]:
            continue
        if key == SCENARIO and isinstance(stored.get(key), dict):
            keys, changed = changed_keys(stored[key], design[key], RUN_OPTIONS)
            differs += keys
            count += changed
        else:
            differs.append(JOURNEYSIM_CODE if key == JOURNEYSIM else key)
            count += 1
    return differs, count


def _check_storage(path: Path) -> None:
    """Refuse, before Optuna opens it, a study file that SQLite cannot read or this process
    cannot write, or a SQLite database holding tables that are not Optuna's (another
    program's: Optuna would add its own tables to it). A missing or empty file is Optuna's to
    make the study in."""
    if not path.exists() and not path.is_symlink():
        return
    try:
        # Read-write, not read-only: a process killed while it wrote left a journal that this
        # first reader must roll back (read-only, SQLite refuses: "attempt to write a readonly
        # database"), as SQLite does for whoever opens it first; it creates no file.
        uri = f"{path.resolve().as_uri()}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, timeout=LOCK_WAIT_S)) as db:
            rows = db.execute(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')"
            ).fetchall()
    except sqlite3.Error as error:
        if _sqlite_said(error, "locked"):
            raise _locked_out(path) from None
        raise DesignError(_unreadable(path, str(error).splitlines()[0])) from None
    if error := write_error(path):  # SQLite would refuse only at its first write, mid-study
        raise DesignError(
            f"{path}: expected a study database this process may write to ("
            f"{error.strerror or error}): give it write permission, or choose another folder"
        )
    foreign = sorted(name for (name,) in rows if name not in OPTUNA_TABLES)
    foreign = [name for name in foreign if not name.startswith("sqlite_")]  # SQLite's own
    if foreign:
        shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
        raise DesignError(
            f"{path}: expected the study's SQLite database (it holds tables that are not "
            f"Optuna's: {shown}): move it elsewhere, or choose another folder or name"
        )


def _why(error: sqlalchemy.exc.SQLAlchemyError) -> str:
    """The first line of what the database driver said."""
    return str(getattr(error, "orig", None) or error).splitlines()[0]


def _storage(path: Path) -> optuna.storages.RDBStorage:
    """The study database at `path` (created if missing), whose writes wait LOCK_WAIT_S for
    a reader; DesignError if it is not one."""
    try:
        url = f"sqlite:///{path}"
        return optuna.storages.RDBStorage(
            url, engine_kwargs={"connect_args": {"timeout": LOCK_WAIT_S}}
        )
    except sqlalchemy.exc.SQLAlchemyError as error:
        if _sqlite_said(error, "locked"):
            raise
        raise DesignError(_unreadable(path, _why(error))) from None


def _study(
    storage: optuna.storages.RDBStorage, path: Path, directions: Sequence[str]
) -> optuna.Study:
    """The study in `storage` (created if missing); DesignError if it cannot be read."""
    try:
        return optuna.create_study(
            storage=storage,
            study_name="journeysim",
            directions=directions,
            sampler=optuna.samplers.RandomSampler(),  # replaced for every trial
            load_if_exists=True,
        )
    except sqlalchemy.exc.SQLAlchemyError as error:
        if _sqlite_said(error, "locked"):
            raise
        raise DesignError(_unreadable(path, _why(error))) from None


def _sqlite_said(error: BaseException | None, *words: str) -> str | None:
    """What SQLite said (its first line), if `error` or one it arose from is SQLite's error
    saying one of `words` ("database is locked", "database or disk is full"; a chain may
    loop: an exception re-raised from its own handler is the context of its context)."""
    seen = set()
    while error is not None and id(error) not in seen:
        said = next(iter(str(error).splitlines()), "")
        if isinstance(error, sqlite3.OperationalError) and any(w in said for w in words):
            return said
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def _locked_out(path: Path) -> OSError:
    """One line: another program kept `path` locked; what is kept and what to do."""
    return OSError(
        errno.EBUSY,
        f"locked by another program for over {LOCK_WAIT_S} s (a dashboard or a database browser "
        "reading it?): close it and run the same command again; finished trials are kept",
        str(path),
    )


def _disk_full(path: Path) -> OSError:
    """One line: `path` could not grow; what is kept and what to do."""
    return OSError(
        errno.ENOSPC,
        "database or disk is full: free some space and run the same command again; finished "
        "trials are kept",
        str(path),
    )


def _unwritable(path: Path, why: str) -> OSError:
    """One line: `path` (or its folder) could no longer be written, as SQLite said (`why`);
    what is kept and what to do."""
    return OSError(
        errno.EACCES,
        f"cannot be written ({why}): make it and its folder writable again (their permissions, "
        "or a file system mounted read-only) and run the same command again; finished trials "
        "are kept",
        str(path),
    )


def _unreadable(path: Path, why: str) -> str:
    """One line: `path` is no study database, why, and what to do."""
    return (
        f"{path}: expected the study's SQLite database ({why}): remove it (or its folder) to "
        "start the study afresh, or give the study another name"
    )


def suggest(trial: optuna.Trial, name: str, distribution: BaseDistribution) -> Any:
    """The trial's value of one parameter."""
    if isinstance(distribution, CategoricalDistribution):
        return trial.suggest_categorical(name, distribution.choices)
    if isinstance(distribution, IntDistribution):
        return trial.suggest_int(name, distribution.low, distribution.high)
    assert isinstance(distribution, FloatDistribution)
    return trial.suggest_float(name, distribution.low, distribution.high)


def replications(trial: FrozenTrial) -> Rows:
    """The metrics of every replication a trial ran."""
    return trial.user_attrs[RESULTS]


def failed_table(trials: Sequence[FrozenTrial], params: Sequence[str]) -> pd.DataFrame:
    """One row per failed trial (failed.csv): each parameter and the `error` that failed it."""
    rows = [
        [trial.params.get(name) for name in params] + [trial.user_attrs[FAILED]] for trial in trials
    ]
    return pd.DataFrame(rows, columns=[*params, "error"])


def trials_table(
    trials: Sequence[FrozenTrial], params: Sequence[str], metrics: Sequence[str] = METRICS
) -> pd.DataFrame:
    """One row per complete trial (`trials` in trial order): `trial` (its number, from 0), each
    parameter, `replications`, and every metric's mean, ci_low and ci_high (95%) over the
    replications."""
    rows = []
    for number, trial in enumerate(trials):
        row: dict[str, Any] = {"trial": number}
        row |= {name: trial.params.get(name) for name in params}
        runs = pd.DataFrame(replications(trial), columns=list(metrics))
        row["replications"] = len(runs)
        for metric in metrics:
            mean, low, high, _ = mean_ci(runs[metric].to_numpy(dtype=float), metric=metric)
            row |= {f"{metric}_mean": mean, f"{metric}_ci_low": low, f"{metric}_ci_high": high}
        rows.append(row)
    columns = ["trial", *params, "replications"]
    columns += [f"{m}_{part}" for m in metrics for part in ("mean", "ci_low", "ci_high")]
    return pd.DataFrame(rows, columns=columns)


def check_defined(means: Iterable[tuple[str, str, float]]) -> None:
    """Refuse a trial scored on a mean with no value (NaN: the metric is undefined in every
    replication), saying why the metric can have none; `means` holds what names each mean
    (`target nps`), its metric and the mean."""
    for name, metric, mean in means:
        if math.isnan(mean):
            raise DesignError(f"{name} is undefined in the simulated runs: {why_undefined(metric)}")
