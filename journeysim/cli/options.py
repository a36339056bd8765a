"""Options and execution shared by the commands: `--set`, the run options of run, compare,
sweep and select, and running work on the chosen executor with a progress bar."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import permutations
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from journeysim.clock import end_clock, minutes_of_day
from journeysim.errors import InputError
from journeysim.files import (
    NOT_REGULAR,
    exclusive,
    folder_lock,
    home_expanded,
    name_problem,
    name_too_long,
    recover_folder,
    replaced_folder,
    unwritable,
)
from journeysim.limits import (
    MAX_DAYS,
    MAX_REPLICATIONS,
    MAX_SEED,
    WORKERS_PER_CORE,
    most_workers,
)
from journeysim.manifest import MANIFEST, ManifestUnreadable, overrides_of, write_manifest
from journeysim.words import capped

if TYPE_CHECKING:
    from journeysim.scenario.schema import Scenario
    from journeysim.simulation.executors import Executor
    from journeysim.study.calibrate import Calibration
    from journeysim.study.optimise import Optimisation


class LazyChoices:
    """The choices of an option, read from `module.name` when first needed (parsing that
    option or printing its command's help), so registering a command loads no heavy module."""

    def __init__(self, module: str, name: str) -> None:
        self.module, self.name = module, name

    def _values(self) -> tuple[str, ...]:
        return tuple(getattr(importlib.import_module(self.module), self.name))

    def __contains__(self, value: object) -> bool:
        return value in self._values()

    def __iter__(self) -> Iterator[str]:
        return iter(self._values())

    def __len__(self) -> int:
        return len(self._values())


def expected(what: str, given: object, key: str = "") -> str:
    """The one form of an option value refused: `[KEY: ]expected WHAT (got 'GIVEN')`, GIVEN
    as typed and KEY the scenario key that the option sets, where that helps."""
    where = f"{key}: " if key else ""
    return f"{where}expected {what} (got {str(given)!r})"


def whole_number(minimum: int, maximum: int | None = None, key: str = "") -> Callable[[str], int]:
    """An argparse type: a whole number of at least `minimum` (and at most `maximum`); errors
    name the scenario `key` the option sets, if any."""
    span = f"of at least {minimum:,}" if maximum is None else f"from {minimum:,} to {maximum:,}"

    def parse(text: str) -> int:
        value = _integer(text)
        if value is None or value < minimum or (maximum is not None and value > maximum):
            raise argparse.ArgumentTypeError(expected(f"a whole number {span}", text, key))
        return value

    return parse


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


REPS = whole_number(1, MAX_REPLICATIONS, "replications")
DAYS = whole_number(1, MAX_DAYS, "horizon.days")
SEED = whole_number(0, MAX_SEED)
# The last replication of the longest run.
LAST_REPLICATION = MAX_REPLICATIONS - 1


def output_path(text: str) -> Path:
    """An argparse type: the path of an --out, not empty (which would be the current folder),
    a leading ~ taken as the home folder, as the shell takes it but in `--out=~/results`."""
    if not text:
        raise argparse.ArgumentTypeError(expected("a path", text))
    try:
        return home_expanded(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"no home folder for the ~ of {text!r}: {error}") from None


def gif_path(text: str) -> Path:
    """An argparse type: a GIF's path (`output_path`), its name ending in .gif."""
    path = output_path(text)
    if path.suffix.lower() != ".gif":
        raise argparse.ArgumentTypeError(expected("a file name ending in .gif", text))
    return path


def scheduler_address(text: str) -> str:
    """An argparse type: a Dask scheduler address, [tcp://]HOST:PORT."""
    from journeysim.simulation.dask_executor import checked_address

    try:
        return checked_address(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_set_option(parser: argparse.ArgumentParser) -> None:
    """The repeatable `--set KEY=VALUE` scenario override, for every command that loads one."""
    parser.add_argument(
        "--set",
        dest="overrides",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a scenario value, VALUE in YAML, e.g. checkout.cashiers=3 or "
        "zones.1.walk_min=3 (repeatable)",
    )


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """Options shared by run, compare and sweep."""
    parser.add_argument(
        "--reps",
        type=REPS,
        metavar="N",
        help="replications (default: the scenario's `replications`)",
    )
    add_days_option(parser)
    parser.add_argument(
        "--seed",
        type=SEED,
        metavar="S",
        help="root seed; the same seed gives identical numbers (default: `seed`)",
    )
    add_set_option(parser)
    parser.add_argument(
        "--out",
        type=output_path,
        metavar="DIR",
        default=Path("results"),
        help="folder for result folders (default: results)",
    )
    parser.add_argument(
        "--workers",
        type=whole_number(1, most_workers(os.cpu_count())),
        metavar="N",
        default=os.cpu_count(),
        help=f"worker processes for replications, at most {WORKERS_PER_CORE} per core "
        "(default: all cores)",
    )
    parser.add_argument(
        "--scheduler",
        type=scheduler_address,
        metavar="ADDRESS",
        help="run on an existing Dask cluster at ADDRESS instead of local "
        "processes (needs `pip install journeysim[dask]`)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")


def add_days_option(parser: argparse.ArgumentParser) -> None:
    """`--days N`, the simulated days after warm-up."""
    parser.add_argument(
        "--days",
        type=DAYS,
        metavar="N",
        help="simulated days after warm-up (default: `horizon.days`)",
    )


def add_parameter_sets_option(parser: argparse.ArgumentParser) -> None:
    """`--parameter-sets FILE` of run and compare."""
    parser.add_argument(
        "--parameter-sets",
        type=Path,
        metavar="FILE",
        help="CSV of kept parameter sets (one column per scenario key, one row per set): run "
        "every set, and report each KPI with a 95%% band covering both the simulation's noise "
        "and the parameters' uncertainty, and the parameters' share of it (docs/calibration.md)",
    )


class UsageError(Exception):
    """A command line that cannot be run as given, found after parsing it: said in one line as
    argparse says its usage errors, `journeysim COMMAND: error: [argument OPTION: ]MESSAGE`,
    exit code 2."""

    def __init__(self, message: str, option: str = "") -> None:
        super().__init__(message)
        self.option = option

    def line(self, command: str) -> str:
        """The line said for `command`."""
        return usage_line(command, f"argument {self.option}: {self}" if self.option else str(self))


def usage_line(command: str, message: str) -> str:
    """A usage error of `command`, as argparse says it."""
    return f"journeysim {command}: error: {message}"


def problem_lines(command: str, error: InputError, others: str = "journeysim: ") -> str:
    """The problems of `error`, one line each: an option's as a usage error of `command`
    (`journeysim run: error: argument --reps: ...`), any other, a file's, after `others`."""
    return "\n".join(
        usage_line(command, f"argument {line}") if option else others + line
        for line, option in error.problems
    )


def add_force_option(parser: argparse.ArgumentParser) -> None:
    """`--force` of the commands that write a results folder (see `replacing_results`)."""
    parser.add_argument(
        "--force",
        action="store_true",
        help="overwrite a results folder made with other --set overrides, or whose "
        "manifest.json cannot be read",
    )


@contextmanager
def replacing_results(
    args: argparse.Namespace, folder: Path, made: Collection[str]
) -> Iterator[Path]:
    """Own the results `folder` (`--out/<name>`) of run, compare or select for the block:
    refuse it, before anything runs, when another process is writing it, when it cannot be
    written, or when it holds results made with other --set overrides or a manifest that
    cannot be read (unless --force); yield a fresh folder to write the new results into, which
    replaces `folder` when the block ends without error (see `replaced_folder`: a kill or
    Ctrl-C keeps the old results whole). Files of the old folder whose names are not in `made`
    (every file the command may write there) are kept."""
    writable_folder(folder, [MANIFEST])
    if reason := unwritable(folder.parent, [folder_lock(folder).name]):
        raise UsageError(f"cannot write {folder}{os.sep}: {reason}", "--out")
    busy = UsageError(
        f"another journeysim process is writing {folder}{os.sep}; wait for it to finish, or "
        "give another --out"
    )
    with exclusive(folder_lock(folder), busy):
        recover_folder(folder)  # the old results back first if a killed run moved them aside
        _check_overrides(args, folder, made)
        with replaced_folder(folder, lambda name: name not in made) as staging:
            yield staging


def _check_overrides(args: argparse.Namespace, folder: Path, made: Collection[str]) -> None:
    """Refuse a folder made with other --set overrides, or whose manifest cannot be read,
    unless --force; a folder without any of the files the command makes (`made`) holds no
    results of it (e.g. only an animation) and is not refused."""
    if not any((folder / name).exists() for name in made):
        return
    try:
        made_with = overrides_of(folder)
    except ManifestUnreadable as error:
        if not args.force:
            raise UsageError(
                f"{error}; give --force to overwrite the folder's results, or delete the "
                "manifest, or give another --out"
            ) from None
        made_with = None
    if made_with is not None and not same_overrides(made_with, args.overrides) and not args.force:
        raise UsageError(
            f"{folder} holds results made with {_overrides_shown(made_with)}; give another --out "
            "for this run, or --force to overwrite them"
        )


def _overrides_shown(made_with: Sequence[str]) -> str:
    """The --set overrides a folder was `made_with`, as a refusal quotes them (`capped`)."""
    shown = [f"--set {o}" for o in made_with]
    return capped(shown, "override", " ") or "no --set overrides"


def readable_manifest(folder: Path) -> None:
    """Refuse, before anything is written, a results `folder` that sweep, optimise or calibrate
    adds to (they resume; they have no --force) whose manifest.json cannot be read: writing
    over it would lose what made the folder."""
    try:
        overrides_of(folder)
    except ManifestUnreadable as error:
        raise UsageError(f"{error}; delete the manifest, or give another --out") from None


def same_overrides(made_with: Sequence[str], given: Sequence[str]) -> bool:
    """Whether `given` --set overrides are those a folder was `made_with`, in any order where
    each sets a key of its own (where two set one key, or a key and one inside it, the last
    wins, so there the order matters)."""
    if list(made_with) == list(given):
        return True
    keys = [text.partition("=")[0].strip() + "." for text in given]
    apart = not any(a.startswith(b) for a, b in permutations(keys, 2))
    return apart and sorted(made_with) == sorted(given)


def writable_folder(folder: Path, files: Sequence[str] = (), option: str = "--out") -> None:
    """Refuse, before anything runs, a results `folder` (given by `option`) that cannot be made
    or written, or in which one of `files` is a folder."""
    reason = unwritable(folder, files)
    if reason:
        raise UsageError(f"cannot write {folder}{os.sep}: {reason}", option)


def writable_file(path: Path, option: str = "--out") -> None:
    """Refuse, before anything runs, a file `path` (given by `option`) that cannot be written:
    a name too long, a folder, a device or pipe (which the written file would replace), or in
    a folder that cannot be made or written."""
    reason = _file_problem(path)
    if reason:
        raise UsageError(f"cannot write {path}: {reason}", option)


def _file_problem(path: Path) -> str | None:
    too_long = name_too_long(path.parts)  # before asking the file system, which would raise
    if too_long:
        return too_long
    if path.is_dir():
        return "it is a folder; expected a file"
    if path.exists() and not path.is_file():
        return f"it is {NOT_REGULAR}; expected a file"
    return unwritable(path.parent)


class WritingInterrupted(KeyboardInterrupt):
    """A Ctrl-C while the results in `folder` were being written."""

    def __init__(self, folder: Path) -> None:
        super().__init__(folder)
        self.folder = folder


@contextmanager
def writing(folder: Path) -> Iterator[None]:
    """Results being written to `folder`: a Ctrl-C now says that it may be incomplete."""
    try:
        yield
    except KeyboardInterrupt:
        raise WritingInterrupted(folder) from None


def scenario_from_args(path: Path, args: argparse.Namespace) -> Scenario:
    """Load a scenario and apply --set, then --reps, --days and --seed."""
    from journeysim.scenario.loader import load_scenario  # the schema: not for --help
    from journeysim.study.sources import run_overrides

    options = run_overrides(args.reps, args.days, args.seed)
    return load_scenario(path, [*args.overrides, *options])


T = TypeVar("T")


def pending_trials(
    search: Optimisation | Calibration,
    overrides: Sequence[str | tuple[str, str]],
    executor: Mapping[str, Any],
) -> int:
    """The trials `search` has still to run, its manifest written: for a new study before
    Optuna creates it (so that a stop meanwhile leaves one), for a resumed one once it is
    opened and found to be this study (so that a study refused cannot overwrite it); a folder
    whose manifest cannot be read is refused first (`readable_manifest`). The manifest
    records the `executor` (`executor_record`)."""
    readable_manifest(search.folder)
    seed = search.plan.base.seed
    resumed = search.study.started
    if not resumed:
        search.folder.mkdir(parents=True, exist_ok=True)
        write_manifest(search.folder, seed, overrides, executor=executor)
    pending = search.pending()
    if resumed:
        write_manifest(search.folder, seed, overrides, executor=executor)
    return pending


def executor_record(args: argparse.Namespace) -> dict[str, Any]:
    """How the executor of --workers/--scheduler runs the replications, as manifest.json
    records it."""
    from journeysim.simulation.executors import make_executor

    return make_executor(args.workers, args.scheduler).record()


def execute(
    args: argparse.Namespace,
    total: int | None,
    what: str,
    work: Callable[[Executor, Callable[[], None]], T],
    unit: str = "run",
) -> T:
    """work(executor, on_done) on the executor of --workers/--scheduler, with a progress bar of
    `total` runs or other units (None: unknown, then a count) unless --quiet; a missing Dask or
    an unreachable scheduler ends the command."""
    from journeysim.simulation.executors import make_executor
    from journeysim.simulation.progress import progress_bar

    try:
        executor = make_executor(args.workers, args.scheduler)
        with progress_bar(total, what, args.quiet, unit) as bar:
            return work(executor, bar.update)
    except (ImportError, ConnectionError) as error:
        raise SystemExit(f"journeysim: {error}") from None


def name_text(text: str) -> str:
    """A --name (an argparse type; see `name_problem`)."""
    if problem := name_problem(text):
        raise argparse.ArgumentTypeError(problem)
    return text


def clock_time(text: str) -> float:
    """HH:MM from 00:00 to 24:00 as minutes of the day (an argparse type)."""
    value = minutes_of_day(text)
    if value is None:
        raise argparse.ArgumentTypeError(expected("a time HH:MM from 00:00 to 24:00", text))
    return float(value)


def add_day_options(parser: argparse.ArgumentParser) -> None:
    """`--day N` and the `--from`/`--to` window of that day (see `clock_window`)."""
    parser.add_argument(
        "--day",
        type=whole_number(0),
        required=True,
        metavar="N",
        help="day to show (0 = first simulated day, warm-up included, as in payment.outages)",
    )
    parser.add_argument("--from", dest="start", type=clock_time, metavar="HH:MM", help="start time")
    parser.add_argument("--to", dest="end", type=clock_time, metavar="HH:MM", help="end time")


def check_two_or_more(scenarios: Sequence[Path]) -> None:
    """Refuse fewer than two scenario files (compare and select weigh one against another)."""
    if len(scenarios) < 2:
        raise UsageError(expected("two or more scenario files", scenarios[0]), "SCENARIO.yaml")


def check_day(day: int, days: int) -> None:
    """Refuse a `--day` past the last of `days` simulated days."""
    if day >= days:
        raise UsageError(
            expected(f"a whole number from 0 to {days - 1}, the last day simulated", day), "--day"
        )


def add_replication_options(parser: argparse.ArgumentParser) -> None:
    """Which replication of which seed, with `--set` overrides (trace, animate, replay)."""
    parser.add_argument(
        "--replication",
        type=whole_number(0, LAST_REPLICATION),
        default=0,
        metavar="R",
        help=f"replication, from 0 to {LAST_REPLICATION} (default: 0)",
    )
    parser.add_argument("--seed", type=SEED, metavar="S", help="root seed (default: `seed`)")
    add_set_option(parser)
    parser.set_defaults(reps=None)


def warn_if_nobody(shoppers: int, scenario: Scenario, args: argparse.Namespace) -> None:
    """A warning on stderr when the shown window of a day has no shopper in the store: a
    window chosen with --from or --to may miss the opening hours; the whole day's is empty
    because nobody came."""
    if shoppers:
        return
    if args.start is not None or args.end is not None:
        hours = scenario.hours
        print(
            f"journeysim: warning: no shopper is in the store in this window; the store is open "
            f"{hours.open} to {hours.close} (hours.open, hours.close): choose --from and --to "
            "within them",
            file=sys.stderr,
        )
        return
    arrivals = scenario.arrivals
    nobody = arrivals.mode == "customer_base" and not (
        arrivals.base_customers or arrivals.new_per_day
    )
    why = ": it has no customers (arrivals.base_customers and new_per_day are 0)"
    print(
        f"journeysim: warning: no shopper came to the store on day {args.day}"
        f"{why if nobody else ''}",
        file=sys.stderr,
    )


def clock_window(args: argparse.Namespace, default: tuple[float, float]) -> tuple[float, float]:
    """The `--from`/`--to` window of a day, each end defaulting to `default`'s; a UsageError
    naming the end given when the window ends before it starts."""
    start = args.start if args.start is not None else default[0]
    end = args.end if args.end is not None else default[1]
    if end > start:
        return start, end
    if args.end is None:
        before = f"a time before {end_clock(end)}, where the window ends without --to"
        raise UsageError(expected(before, end_clock(start)), "--from")
    if args.start is None:
        later = f"a time later than {end_clock(start)}, where the window starts without --from"
    else:
        later = f"a time later than --from {end_clock(start)}"
    raise UsageError(expected(later, end_clock(end)), "--to")
