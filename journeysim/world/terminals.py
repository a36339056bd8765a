"""Payment terminals: random failures (MTBF/MTTR) and outages scheduled by the scenario."""

from __future__ import annotations

import numpy as np
import simpy

from journeysim.scenario.schema import Outage, Payment


class Terminal:
    """A card terminal; down while any failure or outage holds it."""

    __slots__ = ("env", "name", "holds", "repaired", "log")

    def __init__(self, env: simpy.Environment, name: str) -> None:
        self.env = env
        self.name = name
        self.holds = 0
        self.repaired = env.event()
        self.log: list[tuple[float, str, str]] = []  # (time, terminal, "down"/"up")

    @property
    def up(self) -> bool:
        return self.holds == 0

    def hold(self, minutes: float, cause: str):
        """Process: keep the terminal down for `minutes`."""
        self.holds += 1
        if self.holds == 1:
            self.log.append((self.env.now, self.name, f"down:{cause}"))
        yield self.env.timeout(minutes)
        self.holds -= 1
        if self.holds == 0:
            self.log.append((self.env.now, self.name, "up"))
            self.repaired.succeed()
            self.repaired = self.env.event()


def random_failures(terminal: Terminal, payment: Payment, rng: np.random.Generator):
    """Process: exponential times between failures and to repair, around the clock."""
    env = terminal.env
    while True:
        yield env.timeout(rng.exponential(payment.terminal_mtbf_hours * 60.0))
        yield env.process(terminal.hold(rng.exponential(payment.terminal_mttr_min), "failure"))


def scheduled_outage(env: simpy.Environment, terminals: list[Terminal], outage: Outage, days: int):
    """Process: take the outage's terminals down at its start, on each of its days."""
    start = outage.start_min
    chosen = terminals if outage.terminals == "all" else [terminals[i] for i in outage.terminals]
    for day in outage.days_in(days):
        yield env.timeout(max(day * 1440 + start - env.now, 0.0))
        for terminal in chosen:
            env.process(terminal.hold(outage.duration_min, "outage"))
