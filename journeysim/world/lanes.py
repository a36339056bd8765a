"""Staffed lanes over the day. The lane plan opens and closes them by the opening hour; the
policy ("one in front") calls a colleague of a floor role to open one more lane when the
queue grows and sends them back after quiet minutes. A closing lane takes no one new and
closes once the shoppers already in it are served. Every opening and closing is logged."""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

import simpy

from journeysim.loyalty.base import is_weekend
from journeysim.scenario.schema import Scenario
from journeysim.world.checkout import Checkout, Line, Till
from journeysim.world.crews import Crew

CASHIER: Final = "cashier"
PLAN: Final = "plan"
POLICY: Final = "policy"

# (time, lane index, "opened" or "closed", PLAN or POLICY, role, staff id)
LaneEntry = tuple[float, int, str, str, str, int]


class LaneBoard:
    """Who staffs which lane, from the plan and the policy; `log` records every change.

    `staff_id(role, post, now)` names the staff member holding a post now. Lanes open at the
    day's opening and close once the doors have closed and the last shopper has paid.
    """

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        checkout: Checkout,
        crews: dict[str, Crew],
        staff_id: Callable[[str, int, float], int],
    ) -> None:
        self.env = env
        self.scenario = scenario
        self.tills = [till for till in checkout.tills if till.staffed]
        self.line_of = checkout.line_of
        self.lane_lines = checkout.lane_lines
        self.single_queue = scenario.checkout.single_queue
        self.staff_id = staff_id
        self.log: list[LaneEntry] = []
        self.shopping = 0  # shoppers in the store who have not finished at the checkout
        self._emptied: simpy.Event | None = None
        self.closed_for_night = False
        policy = scenario.checkout.policy
        self.open_above = policy.open_above
        self.quiet_min = policy.quiet_min
        self.walk_min = policy.walk_min
        self.max_lanes = len(self.tills) if policy.max_lanes is None else policy.max_lanes
        self.role: str = policy.from_role
        called = policy.active and bool(self.tills)
        self.crew: Crew | None = crews.get(policy.from_role) if called else None
        self.calling = 0  # colleagues walking to a till
        self._called = [0] * len(self.tills)  # times each lane was opened by the policy
        for line in checkout.lane_lines:
            line.on_closed = self._closed
        if self.tills:
            env.process(self._days())

    # -- the day and the plan ---------------------------------------------------------------

    def _days(self):
        """Process: each day open the plan's lanes at opening, follow the plan hour by hour,
        and close every lane once the doors are shut and nobody is left to pay."""
        env, s = self.env, self.scenario
        open_min, close_min = s.hours.open_min, s.hours.close_min
        around_the_clock = open_min == 0 and close_min == 1440
        day = 0
        while True:
            start = day * 1440
            plan = s.lanes_per_hour(is_weekend(day))
            for hour, lanes in enumerate(plan):
                yield env.timeout(max(start + open_min + 60 * hour - env.now, 0.0))
                self.closed_for_night = False
                self.set_plan(lanes)
            yield env.timeout(max(start + close_min - env.now, 0.0))
            if not around_the_clock:
                yield self._empty()
                self.closed_for_night = True
                for till in self.tills:
                    if till.open:
                        self._close(till)
            day += 1

    def set_plan(self, target: int) -> None:
        """Have `target` lanes staffed by cashiers: reopen closing ones, open closed ones,
        take over lanes a called colleague staffs; or close the highest-numbered."""
        planned = [till for till in self.tills if till.open and till.server_role == CASHIER]
        for till in reversed(planned[target:]):
            self._close(till)
        missing = target - len(planned)
        for wanted in (self._reopenable, self._closed_lane, self._called_lane):
            while missing > 0:
                lane = wanted()
                if lane is None:
                    break
                self._staff(lane)
                missing -= 1

    def _reopenable(self) -> Till | None:
        return next((t for t in self.tills if t.closing and t.server_role == CASHIER), None)

    def _closed_lane(self) -> Till | None:
        return next((t for t in self.tills if not t.server_role), None)

    def _called_lane(self) -> Till | None:
        return next(
            (t for t in reversed(self.tills) if t.server_role and t.server_role != CASHIER), None
        )

    def _staff(self, till: Till) -> None:
        """A cashier staffs the lane: a closing one stays open (it never closed: nothing to
        log), a closed one opens, or a called colleague hands over and goes back."""
        if till.server_role == CASHIER:
            self.line_of[till.index].open_till(till)
            return
        if till.server_role:
            self._entry(till, "closed", POLICY)
            self.env.process(self._walk_back(till.server_post))
        till.server_role, till.server_post = CASHIER, till.index
        if not till.open:
            self.line_of[till.index].open_till(till)
        self._entry(till, "opened", PLAN)

    def _close(self, till: Till) -> None:
        """The lane takes no one new; it closes when its last shopper is served."""
        self.line_of[till.index].close_till(till)

    def _closed(self, till: Till) -> None:
        """A lane's last shopper is served: the one who staffed it leaves the till."""
        called = till.server_role != CASHIER
        self._entry(till, "closed", POLICY if called else PLAN)
        if called:
            self.env.process(self._walk_back(till.server_post))
        till.server_role, till.server_post = "", -1

    def _entry(self, till: Till, event: str, reason: str) -> None:
        now = self.env.now
        self.log.append(
            (
                now,
                till.index,
                event,
                reason,
                till.server_role,
                self.staff_id(till.server_role, till.server_post, now),
            )
        )

    # -- shoppers in the store ---------------------------------------------------------------

    def shopper_in(self) -> None:
        self.shopping += 1

    def shopper_done(self) -> None:
        """A shopper has finished at the checkout (or skipped it)."""
        self.shopping -= 1
        if self.shopping == 0 and self._emptied is not None:
            event, self._emptied = self._emptied, None
            event.succeed()

    def _empty(self) -> simpy.Event:
        """Event: nobody is left in the store who may still need a till."""
        event = self.env.event()
        if self.shopping == 0:
            event.succeed()
        else:
            self._emptied = event
        return event

    # -- the policy ---------------------------------------------------------------------------

    def queue_grew(self, line: Line) -> None:
        """A shopper joined a staffed lane's queue: call a colleague when the queue is too
        long (the shortest open lane's, or the snake's) and a lane may still open."""
        crew = self.crew
        if crew is None or self.calling or self.closed_for_night:
            return
        if self.single_queue:
            waiting = line.waiting()
        else:
            waiting = min((other.waiting() for other in self.lane_lines if other.size), default=0)
        if waiting <= self.open_above:
            return
        open_lanes = sum(1 for till in self.tills if till.open)
        if open_lanes >= self.max_lanes or self._closed_lane() is None:
            return
        posts = crew.on_floor()
        if posts:
            self.env.process(self._call(crew, posts[0]))

    def _call(self, crew: Crew, post: int):
        """Process: the colleague leaves the floor, walks to the lowest closed lane and opens
        it (or walks back when the plan has staffed every lane meanwhile)."""
        self.calling += 1
        crew.leave(post)
        yield self.env.timeout(self.walk_min)
        self.calling -= 1
        till = self._closed_lane()
        open_lanes = sum(1 for t in self.tills if t.open)
        if till is None or open_lanes >= self.max_lanes or self.closed_for_night:
            yield from self._walk_back(post)
            return
        till.server_role, till.server_post = self.role, post
        self.line_of[till.index].open_till(till)
        self._entry(till, "opened", POLICY)
        self._called[till.index] += 1
        self.env.process(self._watch(till, self._called[till.index]))

    def _watch(self, till: Till, call: int):
        """Process: close a lane the policy opened (its `call`-th opening) after `quiet_min`
        minutes in a row with nobody waiting in its queue (checked each minute)."""
        line = self.line_of[till.index]
        quiet = 0
        while True:
            yield self.env.timeout(1.0)
            if not till.open or till.server_role == CASHIER or self._called[till.index] != call:
                return  # closed for the night, or taken over by the plan
            quiet = quiet + 1 if line.waiting() == 0 else 0
            if quiet >= self.quiet_min:
                self._close(till)
                return

    def _walk_back(self, post: int):
        """Process: the colleague walks back to the floor."""
        yield self.env.timeout(self.walk_min)
        if self.crew is not None:
            self.crew.back(post)
