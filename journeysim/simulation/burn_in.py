"""The store's history before day 0: a burn-in whose end state every run starts from.

A run does not start from a customer base that was born yesterday. The store is simulated for
`horizon.burn_in_days` first, as the scenario describes it but without its dated events
(scheduled outages and departures are the story told from day 0 on); the customers still
shopping at the end, with their relationship, expectations and rapport, and the store's rating
are its `History`. A comparison or a sweep starts every scenario from the history of the first
(the reference): each what-if then changes the same "store as it is today", which also keeps
common random numbers aligned. A history depends only on the reference scenario, its seed and
the model's code, so it is computed once and kept on disk (`JOURNEYSIM_CACHE`, default
~/.cache/journeysim), up to `JOURNEYSIM_CACHE_MB` megabytes (default 1024): past that the
histories least recently used are deleted, to be lived again if needed.
"""

from __future__ import annotations

import gc
import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from functools import lru_cache
from pathlib import Path

from journeysim.caller import warn_at_caller
from journeysim.files import exclusive, home_expanded, no_file
from journeysim.loyalty.base import MIN_LEAVERS, enough_leavers
from journeysim.loyalty.history import History
from journeysim.machine import MachineWarning
from journeysim.scenario.schema import Scenario
from journeysim.simulation.failures import ReplicationFailed
from journeysim.version import source_digest
from journeysim.words import plural

# The burn-in draws from its own seed sequences, apart from every replication's.
BURN_IN_REPLICATION = 2**31 - 1
CACHE_MB = 1024  # the cache's size when JOURNEYSIM_CACHE_MB does not set it
STALE_WRITE_S = 3600.0  # a history's temporary file this old was left by a killed write


# Settings that only the history reads (the customers it starts with, their first strength, its
# length): a run from another scenario's history, as a compared what-if, a sweep's point or an
# optimisation's trial is, does not see its own.
HISTORY_ONLY = ("arrivals.base_customers", "loyalty.initial_strength", "horizon.burn_in_days")
# The dated events a history leaves out, as it sets them: they are the story told from day 0.
WITHOUT_DATED_EVENTS = {
    ("payment", "outages"): [],
    ("staff", "turnover"): [],
    ("staff", "turnover_per_year"): 0.0,
}


def history_only(keys: Iterable[str], base: Scenario) -> list[str]:
    """Those of `keys` that runs from `base`'s history ignore. Without a history, only its
    length: the others then set the customers of day 0."""
    only = HISTORY_ONLY if history_source(base) else ("horizon.burn_in_days",)
    return [key for key in keys if key in only]


def base_history(base: Scenario) -> str:
    """The base scenario's history in words, saying why there is none when there is none."""
    if history_source(base):
        return "the base scenario's history"
    why = "horizon.burn_in_days 0" if base.horizon.burn_in_days == 0 else "open arrivals"
    return f"the base scenario's history (none: {why})"


def burn_in_scenario(scenario: Scenario) -> Scenario | None:
    """The scenario the burn-in simulates, or None when there is no burn-in."""
    horizon = scenario.horizon
    if horizon.burn_in_days == 0 or scenario.arrivals.mode != "customer_base":
        return None
    data = scenario.model_dump()
    data.update(name="burn-in", description="", replications=1)
    data["horizon"].update(days=horizon.burn_in_days, warmup_days=0, burn_in_days=0)
    for (section, key), none in WITHOUT_DATED_EVENTS.items():
        data[section][key] = none
    return Scenario.model_validate(data)


def dated_events(scenario: Scenario) -> list[str]:
    """The keys of `scenario`'s dated events, which its history lives without."""
    data = scenario.model_dump()
    return [
        f"{section}.{key}"
        for (section, key), none in WITHOUT_DATED_EVENTS.items()
        if data[section][key] != none
    ]


def history_source(scenario: Scenario, reference: Scenario | None = None) -> Scenario | None:
    """The scenario whose burn-in `scenario` starts from: `reference` (default: itself), or
    the scenario itself when the reference has other segments, which cannot hand their
    customers over; None without a history."""
    if reference is None or set(reference.segments) != set(scenario.segments):
        reference = scenario
    if burn_in_scenario(reference) is None or scenario.horizon.burn_in_days == 0:
        return None
    return reference


def history(
    scenario: Scenario,
    reference: Scenario | None,
    live: Callable[[Scenario, int], History],
    warn: bool = True,
) -> History | None:
    """The history `scenario` starts from (the burn-in of `history_source`), lived by
    `live(burn_in_scenario, replication)` unless kept from before; a warning (if `warn`) when
    it has not `settled`."""
    source = history_source(scenario, reference)
    if source is None:
        return None
    try:
        kept = _kept(burn_in_scenario(source).model_dump_json(), live)
    except ReplicationFailed as failed:  # told of the scenario lived, named "burn-in"
        raise type(failed)(failed.reason, source.name, None) from None
    if warn and not settled(kept):
        warn_at_caller(ShortHistoryWarning(short_history(source, kept)))
    return kept


def settled(history: History) -> bool:
    """Whether `history` leaves a steady customer base: enough customers left after a long stay
    to reckon the older tenures from (`CustomerBase.steady_state`), or it has no customer."""
    return not history.customers or enough_leavers(history.long_tenure_leavers)


def too_short(history: History | None) -> bool:
    """Whether a run starts from a history (`past`'s, None without one) that has not
    `settled`."""
    return history is not None and not settled(history)


class ShortHistoryWarning(UserWarning):
    """A history too short for a steady customer base at day 0."""


def histories_too_short(count: int, runs: str) -> str:
    """`short_history` for `count` `runs` (trials of a study, parameter sets), told once for
    all of them."""
    return (
        f"{plural(count, runs)} started from a history too short for a steady "
        f"customer base: fewer than {MIN_LEAVERS} customers left after staying at least half of "
        "its days (horizon.burn_in_days), too few to tell how long older customers stay; their "
        "day 0 starts from the history's customers as they are, and the base settles during "
        "the run (a longer history, or more customers through arrivals.base_customers, gives "
        "a steady start)"
    )


def short_history(source: Scenario, kept: History) -> str:
    """Why `source`'s history leaves its customers as they are, and what to change."""
    return (
        f"{source.name}: its {source.horizon.burn_in_days} days of history "
        f"(horizon.burn_in_days) saw {plural(kept.long_tenure_leavers, 'customer')} leave "
        f"after staying at least half of those days, fewer than the {MIN_LEAVERS} needed to "
        "tell how long "
        "older customers stay; day 0 starts from the history's customers as they are, and the "
        "base settles during the run (a longer history, or more customers through "
        "arrivals.base_customers, gives a steady start)"
    )


@lru_cache(maxsize=8)
def _kept(burn_in_json: str, live: Callable[[Scenario, int], History]) -> History:
    key = hashlib.sha256(f"{source_digest()}\n{burn_in_json}".encode()).hexdigest()[:32]
    folder = _cache_dir()
    try:
        path = home_expanded(folder) / f"history-{key}.pickle"
    except ValueError as no_home:
        _cannot_keep(folder, str(no_home))
        return _lived(burn_in_json, live)
    kept = _read(path)
    if kept is not None:
        return kept
    with _living(path):
        kept = _read(path)  # lived meanwhile by the process that held the lock
        if kept is not None:
            return kept
        result = _lived(burn_in_json, live)
        _store(path, result)
        return result


def _lived(burn_in_json: str, live: Callable[[Scenario, int], History]) -> History:
    """The history `live` lives for the burn-in scenario `burn_in_json`."""
    result = live(Scenario.model_validate_json(burn_in_json), BURN_IN_REPLICATION)
    # The lived simulation lies in reference cycles; the run that follows pauses the cyclic
    # collector, and would carry it to its end (200 MB under a million visits' run).
    gc.collect()
    return result


@contextmanager
def _living(path: Path) -> Iterator[None]:
    """While one process lives the history kept at `path`, others that need it wait for it
    rather than live it too (workers handed the same scenario at once); without a writable
    cache each lives its own."""
    with ExitStack() as stack:
        with suppress(OSError):
            stack.enter_context(exclusive(path.with_suffix(".lock"), None))
        yield


def _read(path: Path) -> History | None:
    """The history kept at `path`; None for a miss: no file, or one that cannot be read as a
    history (torn, from another version, or not written by journeysim), then lived again."""
    try:
        with path.open("rb") as f:
            kept = pickle.load(f)
    except Exception:  # unpickling foreign bytes can raise almost anything
        return None
    if (
        isinstance(kept, History)
        and all(isinstance(part, tuple) for part in kept[:3])
        and isinstance(kept.long_tenure_leavers, int)
    ):
        with suppress(OSError):
            os.utime(path)  # used now: the last to be pruned
        return kept
    return None


class CacheWarning(MachineWarning):
    """The history cannot be kept: every run lives it again."""


def _store(path: Path, result: History) -> None:
    """Write atomically; a cache that cannot be written only costs time, and a warning says so."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(result, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(tmp, path)
        _prune(path.parent, keep=path)
    except OSError as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        # (no_file: is_file() would raise again for a name too long to look up)
        why = "it is a file" if no_file(path.parent) is None else error.strerror or str(error)
        _cannot_keep(path.parent, why)


def _prune(folder: Path, keep: Path) -> None:
    """Delete the histories least recently used until the cache is within its size, and the
    temporary files that killed writes left (a write takes seconds, not STALE_WRITE_S)."""
    for tmp in folder.glob("*.tmp"):
        with suppress(OSError):
            if time.time() - tmp.stat().st_mtime > STALE_WRITE_S:
                tmp.unlink()
    histories = []
    for path in folder.glob("history-*.pickle"):
        with suppress(OSError):
            status = path.stat()
            histories.append((status.st_mtime, status.st_size, path))
    excess = sum(size for _, size, _ in histories) - _cache_limit()
    for _, size, path in sorted(histories):
        if excess <= 0:
            return
        if path != keep:
            with suppress(OSError):
                path.unlink()
                excess -= size
                path.with_suffix(".lock").unlink(missing_ok=True)


def _cache_limit() -> float:
    """The cache's size in bytes: JOURNEYSIM_CACHE_MB megabytes, or CACHE_MB."""
    given = os.environ.get("JOURNEYSIM_CACHE_MB", "").strip()
    try:
        megabytes = float(given) if given else CACHE_MB
    except ValueError:
        megabytes = -1.0
    if not megabytes >= 0.0:  # also NaN
        warn_at_caller(
            CacheWarning(
                f"JOURNEYSIM_CACHE_MB: expected a size in megabytes, got {given!r}; "
                f"keeping {CACHE_MB}"
            )
        )
        megabytes = CACHE_MB
    return megabytes * 1e6


def _cannot_keep(folder: Path | str, why: str) -> None:
    """Warn that histories cannot be kept in `folder`, and `why`."""
    warn_at_caller(
        CacheWarning(
            f"cannot keep the history in {folder} ({why}): every run lives it again; set "
            "JOURNEYSIM_CACHE to a folder you can write"
        )
    )


def _cache_dir() -> str:
    """JOURNEYSIM_CACHE, else journeysim/ in XDG_CACHE_HOME or ~/.cache, as given (a leading ~,
    a home folder, is for `home_expanded`)."""
    cache = os.environ.get("XDG_CACHE_HOME") or "~/.cache"
    return os.environ.get("JOURNEYSIM_CACHE") or os.path.join(cache, "journeysim")
