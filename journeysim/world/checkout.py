"""Checkout: staffed lanes and self-checkouts, each with a payment terminal, and their queues."""

from __future__ import annotations

from dataclasses import dataclass

import simpy

from journeysim.world.terminals import Terminal


def terminal_name(index: int) -> str:
    """How people call the terminal of till `index`: numbered from 1, staffed lanes first, then
    self-checkouts, so lane k pays at terminal k (scenario files count the same tills from 0)."""
    return f"terminal {index + 1}"


@dataclass(slots=True, eq=False)
class Till:
    """One place to pay: a staffed lane (with a cashier post) or a self-checkout; `index`
    counts from 0, people number the till `index + 1` (`terminal_name`)."""

    index: int
    staffed: bool
    terminal: Terminal


class Line:
    """A queue in front of one or more tills; a till is held from start of service to the end.

    The free tills are a SimPy Store, worked with fewer and cheaper events than its own get
    and put, in the same order: a shopper who finds a till free and nobody waiting takes it
    directly (a get would succeed at once, and nothing would wait for its event); a release
    puts the till back and hands it at once to the first shopper waiting, whose get then
    succeeds at the same time.
    """

    __slots__ = ("env", "free", "size", "tills")

    def __init__(self, env: simpy.Environment, tills: list[Till]) -> None:
        self.env = env
        self.free = simpy.Store(env, capacity=len(tills))
        self.free.items = list(tills)
        self.size = len(tills)
        self.tills = tills

    def load(self) -> float:
        """Shoppers waiting or in service per till."""
        return (len(self.free.get_queue) + self.size - len(self.free.items)) / self.size

    def waiting(self) -> int:
        return len(self.free.get_queue)

    def free_till(self) -> Till | None:
        """A till taken at once when one is free and nobody is waiting, else None."""
        free = self.free
        if free.items and not free.get_queue:
            return free.items.pop(0)
        return None

    def join(self) -> simpy.resources.store.StoreGet:
        """Event that yields a free till when this shopper's turn comes (queue behind the
        shoppers waiting; see `free_till` first)."""
        return self.free.get()

    def release(self, till: Till) -> None:
        """The till is free again; the first shopper waiting gets it (as free.put(till) does,
        without the put's own event)."""
        free = self.free
        free.items.append(till)
        if free.get_queue:
            free._trigger_get(None)  # the Store's own hand-over to a waiting get


class Checkout:
    """All lines: one per staffed lane (or one shared snake queue) and one for self-checkouts."""

    def __init__(
        self, env: simpy.Environment, lanes: int, self_checkouts: int, single_queue: bool
    ) -> None:
        self.tills = [
            Till(i, i < lanes, Terminal(env, terminal_name(i)))
            for i in range(lanes + self_checkouts)
        ]
        staffed, unstaffed = self.tills[:lanes], self.tills[lanes:]
        if single_queue:
            self.lane_lines = [Line(env, staffed)] if staffed else []
        else:
            self.lane_lines = [Line(env, [till]) for till in staffed]
        self.self_line = Line(env, unstaffed) if unstaffed else None

    @property
    def terminals(self) -> list[Terminal]:
        return [till.terminal for till in self.tills]

    def queue_length(self) -> int:
        lines = self.lane_lines + ([self.self_line] if self.self_line else [])
        return sum(line.waiting() for line in lines)
