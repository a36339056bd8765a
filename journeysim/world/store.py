"""The store: zones, carts, checkout, staff and the processes that keep them changing."""

from __future__ import annotations

from itertools import accumulate
from typing import cast

import numpy as np
import simpy

from journeysim.loyalty.history import StaffState
from journeysim.scenario.plain import Settings
from journeysim.scenario.schema import Scenario, StaffRole
from journeysim.world import terminals as term
from journeysim.world.checkout import Checkout
from journeysim.world.clock import Clock
from journeysim.world.crews import Crew
from journeysim.world.distributions import Duration
from journeysim.world.lanes import LaneBoard
from journeysim.world.staff import FLOOR_ROLES, HELPFUL_ROLES, Roster, StaffMember
from journeysim.world.zones import ZoneState, cleaning_rounds, restocking, spills


class CartPool:
    """Carts at the entrance. Nobody queues for one (a shopper who finds none carries a
    basket), so the pool is a count."""

    __slots__ = ("level",)

    def __init__(self, pool: int) -> None:
        self.level = pool

    def take(self) -> None:
        """One cart (the pool must not be empty)."""
        self.level -= 1

    def give_back(self) -> None:
        self.level += 1


class Store:
    """Shared SimPy state of one store over the simulated days."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        streams: dict[str, np.random.Generator],
        staff: tuple[StaffState, ...] = (),
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.settings = Settings(scenario)  # the sections visits read, quicker to read
        self.encounter_prob = scenario.staff.encounter_prob  # read in every zone of a visit
        hours = scenario.hours
        self.open_min, self.close_min = hours.open_min, hours.close_min
        self.midday = (self.open_min + self.close_min) / 2.0
        shares_before = accumulate((zone.item_share for zone in scenario.zones), initial=0.0)
        self.zones = [
            ZoneState(zone, scenario.floor, index, before)
            for index, (zone, before) in enumerate(zip(scenario.zones, shares_before))
        ]
        self.clock = Clock(env)  # cheap timeouts for the visits
        self.carts = CartPool(scenario.carts.pool)
        checkout = scenario.checkout
        self.checkout = Checkout(
            env, checkout.cashiers, checkout.self_checkouts, checkout.single_queue
        )
        self.service_time = Duration(checkout.service_time)
        self.self_service_time = Duration(checkout.self_service_time)
        self.roster = Roster.hire_all(scenario, streams["staff"], staff)
        policy = checkout.policy
        self.crews: dict[str, Crew] = {
            role: Crew(env, self.roster.headcount(role), policy.active and role == policy.from_role)
            for role in FLOOR_ROLES
        }
        self.lanes = LaneBoard(env, scenario, self.checkout, self.crews, self._staff_id)
        self._helpers = sum(self.roster.headcount(role) for role in HELPFUL_ROLES)
        self._floor_size = sum(self.roster.headcount(role) for role in FLOOR_ROLES)
        self.restocks: list[float] = []  # times of the stockers' refill rounds
        self._restock_rounds = scenario.shelves.restock_rounds_per_stocker * self.roster.headcount(
            "stocker"
        )
        self._restock_interval = (self.close_min - self.open_min) / (self._restock_rounds + 1.0)
        self._stockout_prob = scenario.shelves.stockout_prob
        self._on_shift: dict[tuple[tuple[str, ...], int], list[StaffMember]] = {}
        for crew in self.crews.values():
            crew.on_change = self._on_shift.clear  # who is on the floor changed
        self._start_processes(streams)

    def _start_processes(self, streams: dict[str, np.random.Generator]) -> None:
        env, scenario = self.env, self.scenario
        days = scenario.total_days
        payment = scenario.payment
        if payment.random_failures:
            for terminal in self.checkout.terminals:
                env.process(term.random_failures(terminal, payment, streams["failures"]))
        for outage in payment.outages:
            env.process(term.scheduled_outage(env, self.checkout.terminals, outage, days))
        cleaners = self.roster.headcount("cleaner")
        env.process(
            cleaning_rounds(
                self.crews["cleaner"],
                self.zones,
                scenario.floor,
                self.open_min,
                self.close_min,
                cleaners,
            )
        )
        env.process(spills(env, self.zones, scenario.floor, streams["floor"]))
        env.process(
            restocking(
                self.crews["stocker"],
                self.zones,
                self.open_min,
                self.close_min,
                self._restock_rounds,
                self._restock_interval,
                self.restocks,
            )
        )

    def shift(self, now: float) -> int:
        """0 for the morning shift, 1 for the evening shift."""
        return 0 if now % 1440 < self.midday else 1

    def cashier_at(self, lane: int, now: float) -> StaffMember | None:
        """Who staffs staffed lane `lane` now: its cashier, a colleague called from the
        floor, or no one (closed)."""
        till = self.checkout.tills[lane]
        if not till.server_role:
            return None
        role = cast(StaffRole, till.server_role)
        return self.roster.on_shift(role, self.shift(now), till.server_post)

    def _staff_id(self, role: str, post: int, now: float) -> int:
        member = self.roster.on_shift(cast(StaffRole, role), self.shift(now), post)
        return -1 if member is None else member.id

    def floor_staff(self, now: float, roles: tuple[str, ...] = HELPFUL_ROLES) -> list[StaffMember]:
        """Staff of the given roles on shift now and on the floor (not called to a till)."""
        key = (roles, self.shift(now))
        staff = self._on_shift.get(key)
        if staff is None:
            crews = self.crews
            staff = self._on_shift[key] = [
                member
                for (role, shift, index), member in self.roster.posts.items()
                if shift == key[1]
                and role in roles
                and not (role in crews and index in crews[role].away)
            ]
        return staff

    def helper_share(self, now: float) -> float:
        """Share of the stockers, floor assistants and managers on shift who are on the floor
        (1 unless some are at a till)."""
        if self.lanes.crew is None or not self._helpers:
            return 1.0
        return len(self.floor_staff(now)) / self._helpers

    def floor_share(self, now: float) -> float:
        """Share of the floor staff on shift who are on the floor (1 unless some are at a
        till)."""
        if self.lanes.crew is None or not self._floor_size:
            return 1.0
        return len(self.floor_staff(now, FLOOR_ROLES)) / self._floor_size

    def replace_staff(
        self, role: StaffRole, post: int, day: int
    ) -> tuple[StaffMember, StaffMember]:
        """Turnover: the member at `post` (morning posts first) leaves; a newcomer starts."""
        self._on_shift.clear()
        return self.roster.replace(role, post, day)

    def gap_probability(self, zone: ZoneState, now: float) -> float:
        """Chance that an item looked for is off the shelf: low after a refill, rising after."""
        age = (now - zone.last_restock) / self._restock_interval
        return min(self._stockout_prob * (0.5 + age), 0.95)
