"""Watching the store: a SimPy process that samples its live state, and traced replays of a day.

The monitor only reads the world (queues, zone occupancy, carts, terminals); it never changes
it, so a watched run gives the same numbers as an unwatched one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from journeysim.scenario.schema import Scenario
from journeysim.simulation.replication import Replication, Simulation, past


class Monitor:
    """Samples queue length, open lanes, zone occupancy and dirt, carts, terminals and who
    staffs each staffed till every `every` minutes from `start` to `end` (simulation
    minutes), each once everything else of that moment has happened (a shopper served at the
    very minute is at the till, not in the queue, as the replay draws them). Attach before
    `Simulation.run()`."""

    def __init__(
        self, sim: Simulation, every: float = 1.0, start: float = 0.0, end: float = math.inf
    ) -> None:
        checkout = sim.store.checkout
        self.sim = sim
        self.lines = checkout.lane_lines + ([checkout.self_line] if checkout.self_line else [])
        self.rows: list[tuple] = []
        sim.env.process(self._watch(every, start, end))

    def _watch(self, every: float, start: float, end: float):
        env = self.sim.env
        store = self.sim.store
        terminals = store.checkout.terminals
        lanes = [till.index for till in store.checkout.tills if till.staffed]
        yield env.timeout(max(start - env.now, 0.0))
        while env.now < end:
            while env.peek() == env.now:  # sample after all else of this moment, as drawn
                yield env.timeout(0.0)
            cashiers = (store.cashier_at(lane, env.now) for lane in lanes)
            self.rows.append(
                (
                    env.now,
                    store.checkout.queue_length(),
                    store.checkout.open_lanes(),
                    store.carts.level,
                    *(zone.occupancy for zone in store.zones),
                    *(zone.dirt for zone in store.zones),
                    *(line.waiting() for line in self.lines),
                    *(terminal.up for terminal in terminals),
                    *(-1 if member is None else member.id for member in cashiers),
                )
            )
            yield env.timeout(every)

    def table(self) -> pd.DataFrame:
        """One row per sample: time (simulation minutes), queue (shoppers waiting at all
        lines), lanes (staffed lanes open), carts (in the pool), `zone:<name>` occupancy,
        `dirt:<name>` floor dirt (0..1), `line:<i>` waiting, `terminal:<i>` up (bool),
        `cashier:<i>` staff id at staffed till i (-1: closed)."""
        store = self.sim.store
        columns = [
            "time",
            "queue",
            "lanes",
            "carts",
            *(f"zone:{zone.name}" for zone in store.zones),
            *(f"dirt:{zone.name}" for zone in store.zones),
            *(f"line:{i}" for i in range(len(self.lines))),
            *(f"terminal:{i}" for i in range(len(store.checkout.terminals))),
            *(f"cashier:{till.index}" for till in store.checkout.tills if till.staffed),
        ]
        return pd.DataFrame(self.rows, columns=columns)

    def line_tills(self) -> list[tuple[int, ...]]:
        """Till indices served by each line (staffed lanes first, self-checkouts last)."""
        return [tuple(till.index for till in line.tills) for line in self.lines]


@dataclass
class Replay:
    """A traced re-run of one replication through the end of `day`, watched on that day."""

    scenario: Scenario  # the scenario as given (full horizon)
    day: int
    number: int  # which replication
    replication: Replication  # traces for every visit up to the end of `day` (or `through`)
    samples: pd.DataFrame  # Monitor.table() for the whole of `day`
    line_tills: list[tuple[int, ...]]
    staffed: list[bool]  # per till: a staffed lane (True) or a self-checkout
    staff: dict[int, str]  # staff id -> name, leavers and newcomers included
    reference: Scenario | None = None  # whose history the run starts from (None: its own)

    def shoppers_between(self, start_min: float, end_min: float) -> int:
        """Shoppers of `day` in the store at some time from `start_min` to `end_min`
        (minutes of the day)."""
        visits = self.replication.visits
        today = visits[visits["day"] == self.day]
        arrived, left = today["arrival_min"], today["arrival_min"] + today["duration_min"]
        return int(((arrived <= end_min) & (left >= start_min)).sum())


def replay(
    scenario: Scenario,
    day: int,
    replication: int = 0,
    every: float = 1.0,
    through: int | None = None,
    reference: Scenario | None = None,
    customers: frozenset[int] | None = None,
) -> Replay:
    """Re-run `replication` with tracing up to the end of `day` (or of the later day
    `through`, capped at the horizon, to see who comes back), sampling `day`. Like
    `simulate`, the run starts from the burn-in of `reference` (default: the scenario).

    Nothing before a day depends on the horizon's length, so visits (and their ids) are the
    same as in the full run; only the warm-up split of the journey map differs. `customers`:
    those of `day` in the full run, whose visits alone are traced (a fraction of the memory
    every visit's steps take over weeks); should a visit of `day` be left untraced (they were
    another run's), the day is re-run tracing every visit.
    """
    if not 0 <= day < scenario.total_days:
        raise ValueError(f"day must be between 0 and {scenario.total_days - 1}, not {day}")
    last = min(max(day, through if through is not None else day), scenario.total_days - 1)
    horizon = scenario.horizon
    warmup = min(horizon.warmup_days, day)
    short = scenario.model_copy(
        update={
            "horizon": horizon.model_copy(update={"warmup_days": warmup, "days": last + 1 - warmup})
        }
    )
    sim = Simulation(
        short, replication, trace=True, past=past(scenario, reference), traced=customers
    )
    monitor = Monitor(sim, every, start=day * 1440.0, end=(day + 1) * 1440.0)
    result = sim.run()
    if (
        customers is not None
        and not result.visits.loc[result.visits["day"] == day, "visit_id"].isin(result.traces).all()
    ):
        return replay(scenario, day, replication, every, through, reference)
    return Replay(
        scenario=scenario,
        day=day,
        number=replication,
        replication=result,
        samples=monitor.table(),
        line_tills=monitor.line_tills(),
        staffed=[till.staffed for till in sim.store.checkout.tills],
        staff={member.id: member.name for member in sim.store.roster.members},
        reference=reference,
    )


def down_intervals(terminal_log: pd.DataFrame, until: float = math.inf) -> pd.DataFrame:
    """Periods each terminal was down: columns terminal, start, end (minutes), cause.
    A terminal still down at the end of the log is down until `until`."""
    rows = []
    for terminal, log in terminal_log.sort_values("time", kind="stable").groupby("terminal"):
        start, cause = None, ""
        for time, state in zip(log["time"], log["state"]):
            if state.startswith("down") and start is None:
                start, cause = time, state.partition(":")[2]
            elif state == "up" and start is not None:
                rows.append((terminal, start, time, cause))
                start = None
        if start is not None:
            rows.append((terminal, start, until, cause))
    return pd.DataFrame(rows, columns=["terminal", "start", "end", "cause"])
