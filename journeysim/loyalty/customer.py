"""A customer: who they are, what they expect, whom they know and how attached they are."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from journeysim.scenario.schema import Segment
from journeysim.world.uniforms import BLOCK, VisitUniforms


@dataclass(slots=True, eq=False)
class Customer:
    """A shopper with memory across visits; one-off shoppers in `open` mode are customers too."""

    id: int
    segment_name: str
    segment: Segment
    uniforms: VisitUniforms  # of every visit (this customer's are theirs alone)
    strength: float  # relationship strength 0..1
    expectations: list[float]  # by touchpoint kind (psyche/kinds.py)
    preferred_minute: float  # usual time of day for shopping
    baseline_mood: float
    disposition: float  # added to every quality the customer perceives and to expectations
    joined_day: int
    attrition_day: int  # the day life takes the customer elsewhere (moving, ...), if still here
    rapport: dict[int, float] = field(default_factory=dict)  # staff id -> familiarity 0..1
    rapport_day: dict[int, int] = field(default_factory=dict)  # staff id -> last contact day
    failures: int = 0  # service failures remembered (for recovery)
    visits: int = 0
    last_visit_day: int = -1
    active: bool = True  # False once gone: switched to a competitor or moved away
    left_day: int = -1  # the day the customer stopped shopping here (-1: still a customer)
    left_reason: str = ""  # "switched" (the store's doing) or "attrition" (life: moving, ...)
    trips_here: float = 0.0  # category trips a day that come here, at strength trips_strength
    trips_strength: float = -1.0  # (-1: not yet worked out)
    trips: int = 0  # visits begun in this run (the next one draws the uniforms of this number)
    dealt: list[float] | None = None  # the next visit's first uniforms, dealt with the day's
    drawn: int = 0  # uniforms the current visit has been given

    def first_block(self) -> list[float]:
        """The first `BLOCK` uniforms of a new visit (dealt with the day's, see
        `CustomerBase.deal`, or drawn now)."""
        trip = self.trips
        self.trips = trip + 1
        self.drawn = BLOCK
        block = self.dealt
        if block is None:
            return self.uniforms.blocks([self.id], [trip])[0]
        self.dealt = None
        return block

    def next_block(self) -> list[float]:
        """The current visit's next `BLOCK` uniforms (few visits need them)."""
        start = self.drawn
        self.drawn = start + BLOCK
        return self.uniforms.blocks([self.id], [self.trips - 1], start)[0]

    def mood_today(
        self, day: int, mean: float, sd: float, keep_per_day: float, normal: float
    ) -> float:
        """The baseline mood the customer brings today. Moods wander around the mean and forget
        their past (an Ornstein-Uhlenbeck process seen at visits, keeping `keep_per_day` of the
        distance a day, with a shock of the standard `normal`), so nobody is gloomy for ever
        and long tenure is not kept only by the cheerful."""
        if self.visits and keep_per_day < 1.0:
            keep = keep_per_day ** (day - self.last_visit_day)
            shock = sd * math.sqrt(1.0 - keep * keep) * normal
            self.baseline_mood = mean + (self.baseline_mood - mean) * keep + shock
        return self.baseline_mood

    def leave(self, day: int, reason: str) -> None:
        """Stop shopping here for good."""
        self.active = False
        self.left_day = day
        self.left_reason = reason
        self.dealt = None  # no more visits

    def familiarity(self, staff_id: int, day: int, decay_per_day: float) -> float:
        """Familiarity with a staff member, faded since the last contact."""
        level = self.rapport.get(staff_id)
        if level is None:
            return 0.0
        return level * (1.0 - decay_per_day) ** (day - self.rapport_day[staff_id])

    def meet(self, staff_id: int, day: int, decay_per_day: float, gain: float) -> float:
        """A contact: familiarity grows toward 1; returns the familiarity felt during it."""
        felt = self.familiarity(staff_id, day, decay_per_day)
        self.rapport[staff_id] = felt + gain * (1.0 - felt)
        self.rapport_day[staff_id] = day
        return felt

    def favourite(self, staff_ids: set[int], day: int, decay_per_day: float) -> tuple[int, float]:
        """The most familiar of the given staff, with the familiarity (-1, 0 when none)."""
        best, level = -1, 0.0
        for staff_id in self.rapport.keys() & staff_ids:
            f = self.familiarity(staff_id, day, decay_per_day)
            if f > level:
                best, level = staff_id, f
        return best, level
