"""A customer: who they are, what they expect, whom they know and how attached they are."""

from __future__ import annotations

import math

from journeysim.scenario.schema import Segment
from journeysim.world.uniforms import VisitUniforms


class Customer:
    """A shopper with memory across visits; one-off shoppers in `open` mode are customers too.
    (A plain class, not a dataclass: compiled, a dataclass's generated `__init__` stays Python,
    and `open` mode makes a customer for every visit.)"""

    __slots__ = (
        "id",
        "segment_name",
        "segment",
        "uniforms",
        "strength",
        "expectations",
        "preferred_minute",
        "baseline_mood",
        "disposition",
        "joined_day",
        "attrition_day",
        "rapport",
        "rapport_day",
        "failures",
        "visits",
        "last_visit_day",
        "active",
        "left_day",
        "left_reason",
        "trips_here",
        "trips_strength",
        "trips",
        "dealt",
    )

    def __init__(
        self,
        id: int,
        segment_name: str,
        segment: Segment,
        uniforms: VisitUniforms,
        strength: float,
        expectations: list[float],
        preferred_minute: float,
        baseline_mood: float,
        disposition: float,
        joined_day: int,
        attrition_day: int,
        rapport: dict[int, float] | None = None,
        rapport_day: dict[int, int] | None = None,
        failures: int = 0,
        visits: int = 0,
        last_visit_day: int = -1,
    ) -> None:
        self.id = id
        self.segment_name = segment_name
        self.segment = segment
        self.uniforms = uniforms  # of every visit (this customer's are theirs alone)
        self.strength = strength  # relationship strength 0..1
        self.expectations = expectations  # by expectation slot (psyche/kinds.py)
        self.preferred_minute = preferred_minute  # usual time of day for shopping
        self.baseline_mood = baseline_mood
        self.disposition = disposition  # added to every quality perceived and to expectations
        self.joined_day = joined_day
        self.attrition_day = attrition_day  # the day life takes them elsewhere (moving, ...)
        self.rapport: dict[int, float] = {} if rapport is None else rapport  # staff -> 0..1
        self.rapport_day: dict[int, int] = {} if rapport_day is None else rapport_day
        self.failures = failures  # service failures remembered (for recovery)
        self.visits = visits
        self.last_visit_day = last_visit_day
        self.active = True  # False once gone: switched to a competitor or moved away
        self.left_day = -1  # the day the customer stopped shopping here (-1: still a customer)
        self.left_reason = ""  # "switched" (the store's doing) or "attrition" (life: moving, ...)
        self.trips_here = 0.0  # category trips a day that come here, at trips_strength
        self.trips_strength = -1.0  # (-1: not yet worked out)
        self.trips = 0  # visits begun in this run (the next draws the uniforms of this number)
        self.dealt: list[float] | None = None  # the next visit's first uniforms, if dealt

    def first_block(self) -> list[float]:
        """The first `BLOCK` uniforms of a new visit (dealt with the day's, see
        `CustomerBase.deal`, or drawn now)."""
        trip = self.trips
        self.trips = trip + 1
        block = self.dealt
        if block is None:
            return self.uniforms.blocks([self.id], [trip])[0]
        self.dealt = None
        return block

    def further_uniforms(self, start: int) -> list[float]:
        """The current visit's `BLOCK` uniforms from number `start` on (few visits need them)."""
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
