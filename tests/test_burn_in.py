"""The store's history (burn-in): what it keeps, that it is shared, kept on disk and
reproducible, and that dated events are left to the run."""

from __future__ import annotations

import gc
import math
import multiprocessing
import os
import pickle
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from journeysim.loyalty.base import MIN_LEAVERS
from journeysim.loyalty.history import History
from journeysim.scenario import load_scenario
from journeysim.scenario.loader import apply_overrides
from journeysim.simulation import burn_in, replication
from journeysim.simulation.replication import Simulation, past, simulate

SCENARIOS = Path(__file__).parent.parent / "scenarios"
# A small store with a short history: enough to test the mechanics quickly.
SMALL = ["arrivals.base_customers=300", "horizon.burn_in_days=28", "horizon.days=7"]


@pytest.fixture(autouse=True)
def own_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("JOURNEYSIM_CACHE", str(tmp_path / "cache"))
    burn_in._kept.cache_clear()


def test_a_run_starts_from_the_customers_its_history_left(tmp_path):
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    history = past(scenario)
    assert history is not None and len(history.customers) > 0
    rep = simulate(scenario, 0)
    founders = rep.customers[rep.customers["joined_day"] < 0]
    # The history's customers, in order, with their days counted before day 0.
    assert len(founders) == len(history.customers)
    assert founders["customer_id"].tolist() == list(range(len(history.customers)))
    # They have lived: the history differs from the uniform start.
    assert {c.strength for c in history.customers} != {scenario.loyalty.initial_strength}
    # The staff are the people the customers know, post by post.
    assert len(history.staff) == 2 * sum(
        scenario.posts_per_shift(role) for role in scenario.staff.roles
    )


def test_a_lived_history_leaves_no_simulation_behind():
    """The burn-in's simulation lies in reference cycles that the run after it, which pauses
    the cyclic collector, carried to its end: a million visits' run from a history just lived
    peaked at 1,035 MiB, against 874 MiB from one read from disk. It is collected once lived
    (here with the collector off, as in that run)."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)

    def simulations() -> int:
        return sum(isinstance(thing, Simulation) for thing in gc.get_objects())

    gc.collect()
    gc.disable()
    try:
        held = Simulation(scenario, 0)  # the collector sees them (as Python or compiled)
        assert simulations() == 1
        del held
        past(scenario)
        assert simulations() == 0
    finally:
        gc.enable()


def test_the_customers_older_than_the_history_are_the_tail_a_steady_inflow_leaves():
    # Renewal theory, on a history with a known answer: 50 customers join a day for 400 days
    # and stay an exponential time at 0.004 a day. A store always run so holds, beyond 400
    # days of tenure, 50 e^(-0.004 x 400) / 0.004 = 2,524 customers, at tenures 400 plus an
    # exponential time at that hazard (mean 250 days). 0.1: about 2.3 SE of the tail's count,
    # from the ~1,240 customers of the oldest quarter and the ~1,400 leavers the hazard is
    # estimated from (a tail reckoned from the quarter's survivors per day averaged over the
    # quarter is a fifth too large: 3,008).
    days, per_day, hazard = 400, 50, 0.004
    scenario = load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, "arrivals.base_customers=0"])
    base = Simulation(scenario, 0).base
    rng = np.random.default_rng(7)
    for day in range(1, days):
        for stay in rng.exponential(1.0 / hazard, per_day):
            customer = base.join(day, 0.5)
            if day + stay < days:
                customer.leave(int(day + stay), "switched")
    states, leavers = base.steady_state(days, rng)
    assert leavers >= MIN_LEAVERS
    tenures = np.array([-state.joined_day for state in states])
    tail = tenures[tenures >= days] - days
    expected = per_day * math.exp(-hazard * days) / hazard
    assert len(tail) == pytest.approx(expected, rel=0.1)
    assert tail.mean() + 0.5 == pytest.approx(1.0 / hazard, rel=0.1)  # days cut to whole ones


def test_a_history_too_short_to_show_the_hazard_of_leaving_keeps_its_founders():
    # 300 founders, then 10 newcomers a day for 56 days, of whom 3 leave after 39 days: the
    # hazard at long tenure rested on those 3 (3 over 3,510 customer-days) and the tail of
    # older tenures came to about 12,000 customers, 14 times the store; with no leaver at all
    # (a 28-day history) the founders were dropped, leaving the newcomers alone. Below
    # MIN_LEAVERS leavers every active customer is kept as they are, founders at tenure 56.
    days, leavers = 56, 3
    assert leavers < MIN_LEAVERS
    scenario = load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, "arrivals.base_customers=0"])
    base = Simulation(scenario, 0).base
    founders = [base.join(0, 0.5) for _ in range(300)]
    newcomers = [base.join(day, 0.5) for day in range(1, days) for _ in range(10)]
    for customer in newcomers[:leavers]:
        customer.leave(40, "switched")
    states, counted = base.steady_state(days, np.random.default_rng(7))
    assert counted == leavers
    assert len(states) == len(founders) + len(newcomers) - leavers
    assert sorted(-state.joined_day for state in states)[-300:] == [days] * 300


def test_enough_leavers_and_no_survivor_of_the_oldest_quarter_leave_no_tail_and_no_founder():
    # 300 founders; 400 newcomers join on day 150 (after the first quarter of 400 days), and
    # MIN_LEAVERS of them leave on day 399, after staying half the history. No customer of the
    # oldest quarter is active, so the survivors at long tenure, and the tail, are none: the
    # base is the active newcomers (founders are never kept once the hazard is known, which
    # is also when burn_in.settled stays silent).
    days = 400
    scenario = load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, "arrivals.base_customers=0"])
    base = Simulation(scenario, 0).base
    for _ in range(300):
        base.join(0, 0.5)
    newcomers = [base.join(150, 0.5) for _ in range(400)]
    for customer in newcomers[:MIN_LEAVERS]:
        customer.leave(399, "switched")
    rng = np.random.default_rng(7)
    states, leavers = base.steady_state(days, rng)
    assert leavers == MIN_LEAVERS
    assert sorted(-state.joined_day for state in states) == [days - 150] * (400 - MIN_LEAVERS)
    assert burn_in.settled(History(states, (), (), leavers))


def test_a_history_too_short_for_a_steady_base_says_so_and_a_long_one_does_not():
    # SMALL's 28 days see a customer or two at most leave after staying 14 days.
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    with pytest.warns(burn_in.ShortHistoryWarning) as caught:
        short = past(scenario)
    assert short.long_tenure_leavers < MIN_LEAVERS
    left = f"{short.long_tenure_leavers} customer" + ("" if short.long_tenure_leavers == 1 else "s")
    assert str(caught[0].message).startswith(
        f"baseline: its 28 days of history (horizon.burn_in_days) saw {left} leave after staying "
        f"at least half of those days, fewer than the {MIN_LEAVERS} needed"
    )
    enough = History(short.customers, (), (), MIN_LEAVERS)
    nobody = History((), (), (), 0)  # a store without customers: no base to settle
    for i, history in enumerate([enough, nobody]):
        other = load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, f"arrivals.base_customers={i}"])
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            lived = burn_in.history(other, None, lambda scenario, replication, h=history: h)
        assert lived == history


def test_the_run_keeps_the_historys_staff_and_a_trained_role_moves_its_people():
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    history = past(scenario)
    same = Simulation(scenario, 0, past=history).store.roster
    other = Simulation(scenario, 1, past=history).store.roster
    assert [m.friendliness for m in same.members] == [m.friendliness for m in other.members]
    trained = apply_overrides(scenario, ["staff.roles.cashier.friendliness=0.75"])
    moved = Simulation(trained, 0, past=history).store.roster
    for key, member in same.posts.items():
        shift = moved.posts[key].friendliness - member.friendliness
        expected = 0.3 if key[0] == "cashier" else 0.0
        assert (
            shift == pytest.approx(expected, abs=1e-12) or abs(moved.posts[key].friendliness) == 1
        )


def test_the_history_is_kept_on_disk_and_read_back(tmp_path):
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    first = past(scenario)
    files = list((tmp_path / "cache").glob("history-*.pickle"))
    assert len(files) == 1
    burn_in._kept.cache_clear()
    assert past(scenario) == first  # read from the file, equal to the one lived


def test_dated_events_are_left_to_the_run_so_what_ifs_share_todays_store():
    longer = [*SMALL, "horizon.days=28"]  # the departure on day 28 falls within the run
    base = load_scenario(SCENARIOS / "baseline.yaml", longer)
    outage = load_scenario(SCENARIOS / "terminal_outage.yaml", longer)
    turnover = load_scenario(SCENARIOS / "staff_turnover.yaml", longer)
    assert burn_in.burn_in_scenario(outage) == burn_in.burn_in_scenario(base)
    assert burn_in.burn_in_scenario(turnover) == burn_in.burn_in_scenario(base)


def test_a_what_if_starts_from_the_references_history():
    base = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    dirty = load_scenario(SCENARIOS / "dirty_floor.yaml", SMALL)
    assert past(dirty, base) == past(base) != past(dirty)


def test_no_history_without_burn_in_or_in_open_mode():
    base = load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, "horizon.burn_in_days=0"])
    assert past(base) is None
    mmc = load_scenario(SCENARIOS / "validation" / "mmc.yaml")
    assert past(mmc) is None


def test_burn_in_must_be_whole_weeks():
    with pytest.raises(Exception, match="burn_in_days"):
        load_scenario(SCENARIOS / "baseline.yaml", ["horizon.burn_in_days=30"])


@pytest.mark.parametrize(
    "kept",
    [
        pickle.dumps({"customers": ()}),  # a pickle, but not of a history (the audit's case)
        pickle.dumps(("customers", "staff", "reviews")),
        b"not a pickle at all",
        pickle.dumps(History((), (), (), 0))[:-3],  # torn
    ],
    ids=["dict", "tuple", "bytes", "torn"],
)
def test_a_cache_entry_that_is_not_a_history_is_lived_again_and_replaced(tmp_path, kept):
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    first = past(scenario)
    (path,) = (tmp_path / "cache").glob("history-*.pickle")
    path.write_bytes(kept)
    burn_in._kept.cache_clear()
    assert past(scenario) == first  # a miss: lived again, the same history
    with path.open("rb") as handle:
        assert pickle.load(handle) == first  # and kept in place of the foreign entry


def test_a_cache_that_cannot_be_written_warns_and_the_run_goes_on(tmp_path):
    cache = tmp_path / "cache"
    cache.write_text("a file where the cache folder should be")
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    with pytest.warns(burn_in.CacheWarning, match=f"cannot keep the history in {cache} \\(it is"):
        lived = past(scenario)
    assert lived.customers  # the run has its history all the same
    assert list(tmp_path.iterdir()) == [cache]  # and no temporary file is left


def test_a_cache_whose_name_is_too_long_warns_and_the_run_goes_on(tmp_path, monkeypatch):
    """Its warning looked the folder up again and failed as writing it had: the run stopped
    with "journeysim: DIR: File name too long" (exit 1) after living the history."""
    cache = tmp_path / ("x" * 300)
    monkeypatch.setenv("JOURNEYSIM_CACHE", str(cache))
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    said = f"cannot keep the history in {cache} \\(File name too long\\)"
    with pytest.warns(burn_in.CacheWarning, match=said):
        assert past(scenario).customers


def test_without_a_home_folder_the_history_is_not_kept_in_one_named_tilde(tmp_path, monkeypatch):
    """With HOME unset and a user the password database does not know (a container run with
    --user 12345), '~' stayed as it was: the cache was a folder named '~' in the current one."""

    def unknown(uid: int):
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    for name in ("JOURNEYSIM_CACHE", "XDG_CACHE_HOME", "HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr("pwd.getpwuid", unknown)
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    said = "cannot keep the history in ~/.cache/journeysim \\(HOME is not set, and the user"
    with pytest.warns(burn_in.CacheWarning, match=said):
        assert past(scenario).customers
    assert list(tmp_path.iterdir()) == []


def test_a_cache_given_with_the_tilde_of_no_home_folder_is_not_kept(tmp_path, monkeypatch):
    """JOURNEYSIM_CACHE=~nobody/cache (a misspelt user) ended the run in Path.expanduser's
    traceback ('RuntimeError: Could not determine home directory.')."""
    monkeypatch.setenv("JOURNEYSIM_CACHE", "~journeysim-no-such-user/cache")
    monkeypatch.chdir(tmp_path)
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    said = r"^cannot keep the history in ~journeysim-no-such-user/cache \(there is no user "
    with pytest.warns(burn_in.CacheWarning, match=said + r"journeysim-no-such-user\)"):
        assert past(scenario).customers
    assert list(tmp_path.iterdir()) == []


def test_a_cache_given_with_a_tilde_is_kept_in_the_home_folder(tmp_path, monkeypatch):
    """JOURNEYSIM_CACHE=~/cache from a file the shell never read (a job script's environment)
    kept the histories in a folder named '~' in the current one."""
    monkeypatch.setenv("JOURNEYSIM_CACHE", "~/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    past(load_scenario(SCENARIOS / "baseline.yaml", SMALL))
    assert list((tmp_path / "home" / "cache").glob("history-*.pickle"))
    assert list((tmp_path / "here").iterdir()) == []


def _live(scenario) -> Path:
    """Live the scenario's history; the cache file it was kept in."""
    cache = Path(os.environ["JOURNEYSIM_CACHE"])
    before = set(cache.glob("history-*.pickle"))
    past(scenario)
    (path,) = set(cache.glob("history-*.pickle")) - before
    return path


def test_the_cache_keeps_to_its_size_deleting_the_histories_least_recently_used(
    tmp_path, monkeypatch
):
    first_store = load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, "seed=1"])
    first = _live(first_store)
    second = _live(load_scenario(SCENARIOS / "baseline.yaml", [*SMALL, "seed=2"]))
    os.utime(first, (1e9, 1e9))  # lived long ago ...
    os.utime(second, (1.5e9, 1.5e9))
    burn_in._kept.cache_clear()
    history = past(first_store)  # ... but read now
    assert first.stat().st_mtime > second.stat().st_mtime
    # A third history as large as the first, in a cache one byte too small for all three:
    # the history least recently used goes, and only that one.
    sizes = first.stat().st_size, second.stat().st_size
    monkeypatch.setenv("JOURNEYSIM_CACHE_MB", str((2 * sizes[0] + sizes[1] - 1) / 1e6))
    third = tmp_path / "cache" / "history-third.pickle"
    burn_in._store(third, history)
    assert sorted((tmp_path / "cache").glob("history-*")) == sorted(
        [first, first.with_suffix(".lock"), third]
    )


def test_storing_a_history_clears_what_killed_writes_left_but_not_a_write_under_way(tmp_path):
    history = past(load_scenario(SCENARIOS / "baseline.yaml", SMALL))
    cache = tmp_path / "cache"
    killed, writing = cache / "tmpkilled.tmp", cache / "tmpwriting.tmp"
    killed.write_bytes(b"torn")
    writing.write_bytes(b"half")
    stale = time.time() - burn_in.STALE_WRITE_S - 60.0
    os.utime(killed, (stale, stale))
    burn_in._store(cache / "history-other.pickle", history)
    assert not killed.exists() and writing.exists()


def test_a_cache_size_that_is_not_a_number_is_warned_about_and_the_default_kept(monkeypatch):
    monkeypatch.setenv("JOURNEYSIM_CACHE_MB", "lots")
    scenario = load_scenario(SCENARIOS / "baseline.yaml", SMALL)
    with pytest.warns(burn_in.CacheWarning, match="JOURNEYSIM_CACHE_MB: expected a size in "):
        path = _live(scenario)
    assert path.exists()


def _logged_life(scenario, number: int) -> History:
    """The burn-in's life, noted in LIVED_LOG, slow enough that a second process asks for the
    same history while it is lived."""
    with open(os.environ["LIVED_LOG"], "a", encoding="utf-8") as log:
        log.write(f"{os.getpid()}\n")
    time.sleep(1.0)
    return replication._lived(scenario, number)


def _history_bytes(burn_in_json: str) -> bytes:
    return pickle.dumps(burn_in._kept(burn_in_json, _logged_life))


def test_processes_needing_the_same_history_at_once_live_it_once(tmp_path, monkeypatch):
    # Workers handed the same new scenario at once: one lives its history, the other waits for
    # it and reads it (each living it too doubled the work of a parallel run on a new machine).
    monkeypatch.setenv("LIVED_LOG", str(tmp_path / "lived.log"))
    scenario = burn_in.burn_in_scenario(load_scenario(SCENARIOS / "baseline.yaml", SMALL))
    text = scenario.model_dump_json()
    fork = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(2, mp_context=fork) as pool:
        first, second = pool.map(_history_bytes, [text, text])
    assert len((tmp_path / "lived.log").read_text().splitlines()) == 1
    assert first == second
