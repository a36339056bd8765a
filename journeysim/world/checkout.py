"""Checkout: staffed lanes and self-checkouts, each with a payment terminal, and their queues."""

from __future__ import annotations

from collections.abc import Callable
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
    counts from 0, people number the till `index + 1` (`terminal_name`). A staffed lane is
    open while someone staffs it: a cashier of the plan (`server_role` "cashier", post
    `index`) or a colleague the policy called from the floor (their role and post); a
    closing lane takes no one new and closes when its last shopper is served."""

    index: int
    staffed: bool
    terminal: Terminal
    open: bool = False  # taking shoppers (self-checkouts always)
    closing: bool = False
    server_role: str = ""  # who staffs the lane: "" while closed
    server_post: int = -1  # the server's post of that role on the shift


class Line:
    """A queue in front of one or more tills; a till is held from start of service to the end.

    The free tills are a SimPy Store, worked with fewer and cheaper events than its own get
    and put, in the same order: a shopper who finds a till free and nobody waiting takes it
    directly (a get would succeed at once, and nothing would wait for its event); a release
    puts the till back and hands it at once to the first shopper waiting, whose get then
    succeeds at the same time.

    Staffed tills open and close during the day: `size` counts the open ones (taking
    shoppers), `active` those open or still serving before they close; `on_closed` hears of
    each till that closes after serving its last shopper.
    """

    __slots__ = ("env", "index", "where", "free", "size", "active", "tills", "on_closed")

    def __init__(self, env: simpy.Environment, index: int, where: str, tills: list[Till]) -> None:
        """`index` numbers the store's lines, staffed lanes first and self-checkouts last;
        `where` names the line in a story ("at lane 2")."""
        self.env = env
        self.index = index
        self.where = where
        self.free = simpy.Store(env, capacity=len(tills))
        self.free.items = [till for till in tills if till.open]
        self.size = self.active = len(self.free.items)
        self.tills = tills
        self.on_closed: Callable[[Till], None] | None = None

    def load(self) -> float:
        """Shoppers waiting or in service per open till."""
        return (len(self.free.get_queue) + self.active - len(self.free.items)) / self.size

    def waiting(self) -> int:
        return len(self.free.get_queue)

    def has_free_till(self) -> bool:
        """Whether a shopper joining now would be served at once."""
        return bool(self.free.items) and not self.free.get_queue

    def free_till(self) -> Till | None:
        """A till taken at once when one is free and nobody is waiting, else None."""
        return self.free.items.pop(0) if self.has_free_till() else None

    def join(self) -> simpy.resources.store.StoreGet:
        """Event that yields a free till when this shopper's turn comes (queue behind the
        shoppers waiting; see `free_till` first)."""
        return self.free.get()

    def release(self, till: Till) -> None:
        """The till is free again; the first shopper waiting gets it (as free.put(till) does,
        without the put's own event). A closing till closes instead, unless it is the last one
        left for shoppers waiting."""
        if till.closing and (self.size > 0 or not self.free.get_queue):
            self._closed(till)
            return
        free = self.free
        free.items.append(till)
        if free.get_queue:
            free._trigger_get(None)  # the Store's own hand-over to a waiting get

    def open_till(self, till: Till) -> None:
        """Staff a closed till, or keep a closing one open."""
        till.open = True
        self.size += 1
        if till.closing:
            till.closing = False
            return
        self.active += 1
        self.release(till)

    def close_till(self, till: Till) -> bool:
        """Take no new shoppers at the till; True when it closed at once (nobody at it)."""
        till.open = False
        till.closing = True
        self.size -= 1
        if till in self.free.items and (self.size > 0 or not self.free.get_queue):
            self.free.items.remove(till)
            self._closed(till)
            return True
        return False

    def _closed(self, till: Till) -> None:
        till.closing = False
        self.active -= 1
        if self.on_closed is not None:
            self.on_closed(till)


class Checkout:
    """All lines: one per staffed lane (or one shared snake queue) and one for self-checkouts.
    Staffed lanes start closed (world/lanes.py opens them); self-checkouts are always open."""

    def __init__(
        self, env: simpy.Environment, lanes: int, self_checkouts: int, single_queue: bool
    ) -> None:
        self.tills = [
            Till(i, i < lanes, Terminal(env, terminal_name(i)), open=i >= lanes)
            for i in range(lanes + self_checkouts)
        ]
        staffed, unstaffed = self.tills[:lanes], self.tills[lanes:]
        if single_queue:
            self.lane_lines = [Line(env, 0, "in the shared line", staffed)] if staffed else []
        else:
            self.lane_lines = [Line(env, i, f"at lane {i + 1}", [t]) for i, t in enumerate(staffed)]
        n = len(self.lane_lines)
        self.self_line = Line(env, n, "at the self-checkouts", unstaffed) if unstaffed else None
        # The line each staffed lane's till belongs to.
        self.line_of = [self.lane_lines[0 if single_queue else i] for i in range(lanes)]

    @property
    def terminals(self) -> list[Terminal]:
        return [till.terminal for till in self.tills]

    def queue_length(self) -> int:
        lines = self.lane_lines + ([self.self_line] if self.self_line else [])
        return sum(line.waiting() for line in lines)

    def open_lanes(self) -> int:
        """Staffed lanes taking shoppers now."""
        return sum(line.size for line in self.lane_lines)
