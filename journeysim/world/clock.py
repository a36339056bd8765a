"""Lighter SimPy events for the busiest path, the shoppers' visits.

SimPy's `Timeout` and `Process` cost several Python-level calls and objects per event, more
than the rest of a visit's model. A `Wake` is what SimPy's event loop needs of a timeout (its
callbacks, ok and value), pushed on the environment's queue at the same priority as a
`Timeout`, so the two keep the same order; a `Walk` drives a generator of events like a
`Process` does, without the events a process adds (its start and its end: nobody waits for a
shopper), and waits the minutes it is given as its own wake-up. `Clock.run` runs the
environment as `env.run(until=event)` does, handing each wake-up straight to its walk or
callbacks and every other event to SimPy's `env.step`. All rely on SimPy 4's event queue of
(time, priority, id, event) entries.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from heapq import heappop, heappush
from typing import Any, Final

import simpy
from simpy.core import StopSimulation

NORMAL: Final = 1  # simpy.core.NORMAL: the priority of a Timeout


class Wake:
    """A timeout as the event loop sees it: it only calls its callbacks (so it cannot be part
    of a condition such as `a | b`: use `env.timeout` there)."""

    __slots__ = ("callbacks", "_ok", "_value")

    def __init__(self, callbacks: list[Callable[[Any], None]]) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = callbacks
        self._ok = True
        self._value: object = None


class Clock:
    """Schedules calls on an environment's event queue, and runs it."""

    __slots__ = ("env", "_queue", "_next_id", "_now")

    def __init__(self, env: simpy.Environment) -> None:
        self.env = env
        self._queue: list[Any] = env._queue  # entries (time, priority, id, event)
        self._next_id: Callable[[], int] = env._eid.__next__  # the queue's next event id
        self._now: float = env._now  # env.now, kept by `run`

    def now(self) -> float:
        """The simulated time (`env.now`, read without SimPy's property)."""
        return self._now

    def at(self, time: float, callback: Callable[[Any], None]) -> None:
        """Call `callback` at `time` (at once if that has passed), as a Timeout's would be."""
        wake = Wake([callback])
        heappush(self._queue, (max(time, self._now), NORMAL, self._next_id(), wake))

    def first(self, event: Any, minutes: float) -> FirstOf:
        """What `event | env.timeout(minutes)` gives a waiting walk, with one wake-up: see
        `FirstOf`."""
        first = FirstOf(event)
        self.at(self._now + minutes, first.deadline)
        return first

    def run(self, until: Any = None) -> None:
        """Run the environment until the event `until` has been processed (its failure
        raised), or without one until no event is left, as `env.run` does: a walk's or a
        wake's turn is taken here, in the queue's order, every other event's by `env.step`.
        (Walks and wakes need this run, which keeps the time they read.)"""
        if until is not None:
            if until.callbacks is None:
                return
            until.callbacks.append(StopSimulation.callback)
        env, queue = self.env, self._queue
        try:
            while queue:
                time, _, _, event = queue[0]
                self._now = time
                if isinstance(event, Walk):
                    heappop(queue)
                    env._now = time
                    event._advance(True, None)
                elif isinstance(event, Wake):
                    heappop(queue)
                    env._now = time
                    callbacks = event.callbacks
                    event.callbacks = None
                    if callbacks is not None:
                        for callback in callbacks:
                            callback(event)
                else:
                    env.step()
        except StopSimulation:
            return
        if until is not None:
            raise RuntimeError(
                f'No scheduled events left but "until" event was not triggered: {until}'
            )


class FirstOf:
    """Waits for an event that cannot fail (a SimPy get) until a deadline, then gives up on
    it: its value is the event's when it is triggered by then, else None, the event then
    cancelled. Yield it from a `Walk`, which it resumes as soon as either comes (not an
    event step later, as a condition would)."""

    __slots__ = ("callbacks", "_ok", "_value", "_event")

    def __init__(self, event: Any) -> None:
        self.callbacks: list[Callable[[Any], None]] | None = []
        self._ok = True
        self._value: object = None
        self._event: Any = event  # None once settled
        event.callbacks.append(self._processed)

    def _processed(self, event: Any) -> None:
        if self._event is not None:
            self._settle(event._value)

    def deadline(self, wake: Any) -> None:
        """Give up, unless the event has been triggered (it is then on its way)."""
        event = self._event
        if event is not None and not event.triggered:
            event.cancel()
            self._settle(None)

    def _settle(self, value: object) -> None:
        self._event = None  # (and no cycle left through the event's callbacks)
        self._value = value
        callbacks, self.callbacks = self.callbacks, None
        if callbacks:
            for callback in callbacks:
                callback(self)


class Walk:
    """Runs a generator as a SimPy process does, resumed with each event's value when it is
    processed (or the event's exception thrown in). The generator yields SimPy events, or a
    number of minutes to wait: the walk then waits on the event queue itself, where
    `Clock.run` resumes it (a walk waits for one thing at a time, so it is its own wake-up,
    and waiting costs no new object). Start it by calling `resume` with the event of its
    start. Errors surface from `Clock.run`."""

    __slots__ = ("_steps", "_clock")

    def __init__(self, clock: Clock, steps: Generator[Any, Any, None]) -> None:
        self._steps = steps  # (no bound method of its own kept: that cycle would outlive it)
        self._clock = clock

    def resume(self, event: Any) -> None:
        """Go on from `event` to the next event to wait for (or the end)."""
        if not event._ok:
            event._defused = True  # handled here, as a process handles it
        self._advance(event._ok, event._value)

    def _advance(self, ok: bool, value: Any) -> None:
        steps = self._steps
        while True:
            try:
                if not ok:
                    nxt = steps.throw(value)
                elif value is None:
                    # As send(None), without looking up a method; None when the steps are
                    # over, without raising StopIteration (whose traceback costs more).
                    nxt = next(steps, None)
                    if nxt is None:
                        return
                else:
                    nxt = steps.send(value)
            except StopIteration:
                return
            if isinstance(nxt, float):  # minutes to wait: be woken then
                clock = self._clock
                heappush(clock._queue, (clock._now + nxt, NORMAL, clock._next_id(), self))
                return
            callbacks = nxt.callbacks
            if callbacks is not None:  # not yet processed: wait for it
                callbacks.append(self.resume)
                return
            ok, value = nxt._ok, nxt._value
