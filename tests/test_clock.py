"""The cheap wake-ups and walks shoppers use (world/clock.py) behave as SimPy's own timeouts
and processes (a walk waits the minutes it yields as a timeout would): same times, same order
at equal times, values and errors passed the same way; and `Clock.run` runs the environment as
`env.run` does."""

from __future__ import annotations

import pytest
import simpy

from journeysim.world.clock import Clock, Walk


def trip(env: simpy.Environment, log: list, name: str, pause, gaps: list[float]):
    """A process that logs (time, name, step) after each pause."""
    for step, gap in enumerate(gaps):
        yield pause(gap)
        log.append((env.now, name, step))


def run_trips(cheap: bool) -> list:
    env = simpy.Environment()
    clock = Clock(env)
    log: list = []
    pause = float if cheap else env.timeout
    plans = {"a": [1.0, 0.0, 2.5, 0.5], "b": [1.0, 1.0, 1.0, 1.0], "c": [0.0, 3.0, 0.0, 0.5]}
    for name, gaps in plans.items():
        if cheap:
            clock.at(0.0, Walk(clock, trip(env, log, name, pause, gaps)).resume)
        else:
            env.process(trip(env, log, name, pause, gaps))
    clock.run() if cheap else env.run()
    return log


def test_walks_on_wakes_keep_simpy_times_and_order():
    """Ties (several shoppers at one time) resolve first come, first served in both."""
    simpy_log, cheap_log = run_trips(cheap=False), run_trips(cheap=True)
    assert cheap_log == simpy_log
    assert len(cheap_log) == 12
    assert cheap_log[-1][0] == pytest.approx(4.0)


def test_a_walk_gets_event_values_and_mixes_with_simpy_events():
    env = simpy.Environment()
    clock = Clock(env)
    store = simpy.Store(env)
    got: list = []

    def taker():
        item = yield store.get()
        got.append((env.now, item))
        done = env.timeout(0.0)
        yield 1.0
        got.append((env.now, (yield done)))  # already processed: goes on at once
        result = yield env.timeout(2.0, value="late") | env.timeout(5.0)
        got.append((env.now, list(result.values())))

    def giver():
        yield env.timeout(3.0)
        yield store.put("till 2")

    clock.at(0.0, Walk(clock, taker()).resume)
    env.process(giver())
    clock.run()
    assert got == [(3.0, "till 2"), (4.0, None), (6.0, ["late"])]


def test_errors_in_a_walk_surface_from_run():
    env = simpy.Environment()
    clock = Clock(env)

    def broken():
        yield 1.0
        raise ValueError("shopper fell over")

    clock.at(0.0, Walk(clock, broken()).resume)
    with pytest.raises(ValueError, match="fell over"):
        clock.run()
    assert env.now == 1.0


def test_first_of_a_get_and_a_deadline_gives_up_as_a_condition_would():
    """Three walks queue for items at 0 with patience 2: the first item comes at 1, the next
    at 3. The first walk gets one; the others give up at 2 and leave the queue, so the item
    at 3 stays in the store; the deadline of the served walk passes without effect."""
    env = simpy.Environment()
    clock = Clock(env)
    store = simpy.Store(env)
    got: list = []

    def patient(name: str):
        item = yield clock.first(store.get(), 2.0)
        got.append((env.now, name, item))
        yield 5.0
        got.append((env.now, name, "later"))

    def giver():
        yield env.timeout(1.0)
        yield store.put("first")
        yield env.timeout(2.0)
        yield store.put("second")

    for name in "abc":
        clock.at(0.0, Walk(clock, patient(name)).resume)
    env.process(giver())
    clock.run()
    assert got[:3] == [(1.0, "a", "first"), (2.0, "b", None), (2.0, "c", None)]
    assert sorted(got[3:]) == [(6.0, "a", "later"), (7.0, "b", "later"), (7.0, "c", "later")]
    assert store.items == ["second"] and not store.get_queue


def test_clock_run_stops_at_its_event_and_raises_its_failure_as_env_run_does():
    """Until an event: the same time and the same events processed as env.run(until=...);
    a failed event's own exception raised; an event already processed returns at once; no
    events left before it comes is SimPy's RuntimeError."""

    def world(env: simpy.Environment, log: list) -> simpy.Event:
        def ticker():
            for _ in range(10):
                yield env.timeout(1.0)
                log.append(env.now)

        env.process(ticker())
        return env.timeout(3.5)

    ends = []
    for use_clock in (False, True):
        env, log = simpy.Environment(), []
        until = world(env, log)
        Clock(env).run(until) if use_clock else env.run(until=until)
        ends.append((env.now, log, len(env._queue)))
    assert ends[0] == ends[1] == (3.5, [1.0, 2.0, 3.0], 2)

    env = simpy.Environment()
    clock = Clock(env)
    overrun = ValueError("still busy")

    def days():
        yield env.timeout(2.0)
        raise overrun

    with pytest.raises(ValueError) as raised:
        clock.run(env.process(days()))
    assert raised.value is overrun and clock.now() == env.now == 2.0

    done = env.timeout(0.0)
    clock.run(done)
    clock.run(done)  # processed already: nothing to do
    assert env.now == 2.0
    with pytest.raises(RuntimeError, match="No scheduled events left"):
        clock.run(env.event())
