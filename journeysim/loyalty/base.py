"""The customer base: who exists, who decides to visit today, and who is new."""

from __future__ import annotations

import bisect
import math
from collections.abc import Callable
from typing import Final

import numpy as np

from journeysim.loyalty.customer import Customer
from journeysim.loyalty.history import CustomerState
from journeysim.loyalty.relationship import daily_trips
from journeysim.psyche.expectations import Adaptation
from journeysim.scenario.plain import plain
from journeysim.scenario.schema import Scenario, Segment
from journeysim.world.uniforms import VisitUniforms

NEVER: Final = 2**62  # an attrition day beyond any horizon
# Leavers the hazard of leaving at long tenure must rest on for the tail of older tenures to be
# reckoned from it: its relative standard error, and the tail's, is then at most 1/sqrt(100).
MIN_LEAVERS: Final = 100


def enough_leavers(leavers: int) -> bool:
    """Whether `leavers`, the customers of a history who left after staying half of it, are
    enough to reckon the tail of older tenures from (`CustomerBase.steady_state`, which keeps
    the founders as they are without them, and `burn_in.settled`, which then warns)."""
    return leavers >= MIN_LEAVERS


class CustomerBase:
    """All customers ever seen, with the daily visit decision of each. Code that changes a
    customer's strength, last visit or standing outside the base tells it with `changed`."""

    def __init__(
        self,
        scenario: Scenario,
        segment_rng: np.random.Generator,
        customer_rng: Callable[[int], np.random.Generator],
        uniforms: VisitUniforms,
        adaptation: Adaptation,
    ) -> None:
        self.scenario = scenario
        self.customers: list[Customer] = []
        self._segment_rng = segment_rng
        self._customer_rng = customer_rng  # a newcomer's draws as they join
        self._uniforms = uniforms
        self._adaptation = adaptation
        names = list(scenario.segments)
        # Plain copies of the segments: customers read them at every visit.
        self._segments = {name: plain(segment) for name, segment in scenario.segments.items()}
        self._loyalty = plain(scenario.loyalty)
        shares = np.array([scenario.segments[n].share for n in names], dtype=float)
        self._segment_names = names
        self._segment_cdf = (np.cumsum(shares) / shares.sum())[:-1].tolist()
        hours = scenario.hours
        self._open, self._close = hours.open_min, hours.close_min
        self._hour_cdf = {
            weekend: _choice_cdf(hours.weekend_profile if weekend else hours.weekday_profile)
            for weekend in (False, True)
        }
        # What the daily visit decision reads, by customer id, as arrays (one pass over the base
        # in numpy instead of Python). Kept in step by `changed`: trips here a day (0 once gone),
        # attrition day (NEVER once gone), last visit day, usual minute, still a customer.
        self._trips = np.zeros(0)
        self._attrition = np.zeros(0, dtype=np.int64)
        self._last_visit = np.zeros(0, dtype=np.int64)
        self._preferred = np.zeros(0)
        self._active = np.zeros(0, dtype=bool)
        self._changed: list[Customer] = []  # customers whose array entries are out of date

    def join(self, day: int, strength: float) -> Customer:
        """A customer starts shopping here, expecting what they get elsewhere, and will leave
        for reasons of their own after an exponential time (their segment's attrition)."""
        rng = self._customer_rng(len(self.customers))
        u_segment = self._segment_rng.random()
        normals = (rng.standard_normal(), rng.standard_normal())
        customer = self._customer(len(self.customers), u_segment, normals, day, strength)
        customer.preferred_minute = self.time_of_day(rng, day)
        customer.attrition_day = self._attrition_day(customer.segment, day, rng)
        self._add(customer)
        return customer

    def restore(self, past: tuple[CustomerState, ...]) -> None:
        """Start from the customers the store's past left, each with a stream of their own."""
        for state in past:
            customer_id = len(self.customers)
            self._add(
                Customer(
                    id=customer_id,
                    segment_name=state.segment_name,
                    segment=self._segments[state.segment_name],
                    uniforms=self._uniforms,
                    strength=state.strength,
                    expectations=self._adaptation.restored(state.expectations, state.disposition),
                    preferred_minute=state.preferred_minute,
                    baseline_mood=state.baseline_mood,
                    disposition=state.disposition,
                    joined_day=state.joined_day,
                    attrition_day=state.attrition_day,
                    rapport=dict(state.rapport),
                    rapport_day=dict(state.rapport_day),
                    failures=state.failures,
                    visits=state.visits,
                    last_visit_day=state.last_visit_day,
                )
            )

    def _add(self, customer: Customer) -> None:
        """A customer joins the base (their id is their place in it)."""
        i = len(self.customers)
        self.customers.append(customer)
        if i == len(self._trips):  # full: room for as many again
            size = max(2 * i, 1024)
            self._trips = _grown(self._trips, size)
            self._attrition = _grown(self._attrition, size)
            self._last_visit = _grown(self._last_visit, size)
            self._preferred = _grown(self._preferred, size)
            self._active = _grown(self._active, size)
        self._preferred[i] = customer.preferred_minute
        self._changed.append(customer)

    def changed(self, customer: Customer) -> None:
        """Tell the base that a customer's strength, last visit or standing changed (a visit
        ended, a staff member they knew left): their next daily decisions read it."""
        self._changed.append(customer)

    def _update(self) -> None:
        """The arrays' entries of the changed customers, from the customers themselves (a
        customer changed twice gets the same entries twice)."""
        changed = self._changed
        if not changed:
            return
        loyalty = self._loyalty
        for customer in changed:
            strength = customer.strength
            if customer.active and strength != customer.trips_strength:  # strength moved
                customer.trips_here = daily_trips(strength, customer.segment, loyalty)
                customer.trips_strength = strength
        ids = [c.id for c in changed]
        self._active[ids] = [c.active for c in changed]
        self._last_visit[ids] = [c.last_visit_day for c in changed]
        self._trips[ids] = [c.trips_here if c.active else 0.0 for c in changed]
        self._attrition[ids] = [c.attrition_day if c.active else NEVER for c in changed]
        self._changed = []

    def steady_state(
        self, today: int, rng: np.random.Generator
    ) -> tuple[tuple[CustomerState, ...], int]:
        """The base a store that has always been open holds, from `today` days of history, and
        the leavers its hazard of leaving at long tenure rests on.

        Customers who joined during the history stand for their own tenures. The founders all
        joined on its first day and have not yet been sorted the way older customers would have
        been, so they are left out; in their place comes the tail of tenures longer than the
        history that a steady inflow leaves (renewal theory: the survivors per joining day at
        the history's length, over the hazard of leaving seen at long tenure), each a copy of a
        customer of the oldest quarter of observed tenures who joined an exponential time at
        that hazard before the history began (at a constant hazard the tenures beyond it are
        the history's length plus such a time). A history too short to show that hazard (fewer
        than MIN_LEAVERS leavers, where three gave a tail of 10,000) keeps its founders as they
        are instead: the base then settles over the run, as without a burn-in
        (`burn_in.settled` warns of it). With enough leavers but no customer of the oldest
        quarter still active, the tail is empty.
        """
        natural = [c for c in self.customers if c.joined_day > 0]
        half, quarter = today // 2, max(today // 4, 1)
        exposure, leavers = 0, 0
        for c in natural:  # the hazard of leaving once a customer has stayed half the history
            end = today if c.active else c.left_day
            if end > c.joined_day + half:
                exposure += end - c.joined_day - half
                leavers += 0 if c.active else 1
        oldest = [c for c in natural if c.active and c.joined_day <= quarter]
        if not enough_leavers(leavers):
            kept = (c for c in self.customers if c.active)
            states = [self._state(c, today, c.joined_day - today, c.attrition_day) for c in kept]
            return tuple(states), leavers
        states = [
            self._state(c, today, c.joined_day - today, c.attrition_day)
            for c in natural
            if c.active
        ]
        hazard = leavers / exposure
        # Survivors per joining day fall as e^(-hazard tenure): with s of them at tenure
        # `today`, the oldest quarter holds s (e^(hazard quarter) - 1) / hazard, the tail
        # s / hazard.
        tail = len(oldest) / math.expm1(hazard * quarter)
        for i in rng.integers(len(oldest), size=round(tail)).tolist():
            model = oldest[i]
            joined = -today - int(rng.exponential(1.0 / hazard))
            attrition_day = self._attrition_day(model.segment, today, rng)
            states.append(self._state(model, today, joined, attrition_day))
        return tuple(states), leavers

    def _state(self, c: Customer, today: int, joined: int, attrition_day: int) -> CustomerState:
        """A customer's state with days counted from `today` as day 0."""
        return CustomerState(
            segment_name=c.segment_name,
            strength=c.strength,
            expectations=self._adaptation.named(c.expectations),
            preferred_minute=c.preferred_minute,
            baseline_mood=c.baseline_mood,
            disposition=c.disposition,
            joined_day=joined,
            attrition_day=attrition_day - today if attrition_day < NEVER else NEVER,
            rapport=dict(c.rapport),
            rapport_day={staff: day - today for staff, day in c.rapport_day.items()},
            failures=c.failures,
            visits=c.visits,
            last_visit_day=c.last_visit_day - today,
        )

    @staticmethod
    def _attrition_day(segment: Segment, day: int, rng: np.random.Generator) -> int:
        """The day life takes a customer elsewhere: an exponential time at the segment's
        constant daily hazard h, with 1 - exp(-365 h) = attrition_per_year; NEVER for a time
        beyond it (an attrition_per_year of 1e-20 or 5e-324, whose h is tiny or 0)."""
        attrition = segment.attrition_per_year
        if attrition <= 0.0:
            return NEVER
        hazard = -math.log1p(-min(attrition, 1.0 - 1e-12)) / 365.0
        wait = rng.exponential(1.0 / hazard if hazard > 0.0 else math.inf)
        return day + int(wait) if wait < NEVER - day else NEVER

    def one_offs(self, first_id: int, day: int, rng: np.random.Generator, n: int) -> list[Customer]:
        """`n` `open`-mode shoppers: newcomers who never come back, kept out of the customer
        base; their segments and traits come from `rng` (the shared visit stream, a day's draws
        at once)."""
        strength = self.scenario.loyalty.newcomer_strength
        u_segments = rng.random(n).tolist()
        normals = rng.standard_normal((n, 2)).tolist()
        return [
            self._customer(first_id + i, u_segments[i], (z[0], z[1]), day, strength)
            for i, z in enumerate(normals)
        ]

    def deal(self, customers: list[Customer]) -> None:
        """Draw the first uniforms of the next visit of each of `customers` at once."""
        if customers:
            blocks = self._uniforms.blocks([c.id for c in customers], [c.trips for c in customers])
            for customer, block in zip(customers, blocks):
                customer.dealt = block

    def _customer(
        self,
        customer_id: int,
        u_segment: float,
        normals: tuple[float, float],
        day: int,
        strength: float,
    ) -> Customer:
        """A newcomer of the segment `u_segment` picks, with disposition and baseline mood
        from two standard `normals`."""
        psyche = self.scenario.psyche
        name = self._segment_names[bisect.bisect(self._segment_cdf, u_segment)]
        # Normal draws as numpy.random.Generator.normal makes them (mu + sd * z), but quicker.
        disposition = psyche.disposition_sd * normals[0]
        return Customer(
            id=customer_id,
            segment_name=name,
            segment=self._segments[name],
            uniforms=self._uniforms,
            strength=strength,
            expectations=self._adaptation.first(disposition),
            preferred_minute=0.0,
            baseline_mood=psyche.baseline_mood + psyche.baseline_mood_sd * normals[1],
            disposition=disposition,
            joined_day=day,
            attrition_day=NEVER,
        )

    def time_of_day(self, rng: np.random.Generator, day: int) -> float:
        """A minute of the day drawn from the day's hourly arrival profile."""
        # The hour as rng.choice(hours, p=profile share) draws it, with the CDF worked out once.
        hour = bisect.bisect_right(self._hour_cdf[is_weekend(day)], rng.random())
        minute = self._open + 60.0 * (hour + rng.random())
        return min(minute, self._close - 1.0)

    def visitors(self, day: int, rng: np.random.Generator) -> list[tuple[float, Customer]]:
        """Today's visits of existing customers: a category trip every so many days, here with
        the chance of choosing this store over the competitor, at about their usual time
        (within an hour either side, inside opening hours)."""
        s = self.scenario
        customers = self.customers
        n = len(customers)
        weekly = 5.0 + 2.0 * s.hours.weekend_factor
        day_factor = 7.0 * (s.hours.weekend_factor if is_weekend(day) else 1.0) / weekly
        draws = rng.random((n, 2))
        self._update()
        for i in np.flatnonzero(self._attrition[:n] <= day).tolist():
            customers[i].leave(day, "attrition")
            self._changed.append(customers[i])
        self._update()
        # A visit when the uniform falls below the day's trips here (uniforms are below 1, so
        # more than one trip a day is a visit too).
        chosen = np.flatnonzero(draws[:, 0] < self._trips[:n] * day_factor)
        near = self._preferred[chosen] + 120.0 * (draws[chosen, 1] - 0.5)
        opening = float(self._open)
        minutes = [
            m if m >= opening else opening for m in np.minimum(near, self._close - 1.0).tolist()
        ]
        return list(zip(minutes, [customers[i] for i in chosen.tolist()]))

    def active_within(self, day: int, window: float) -> int:
        """Customers still shopping here who visited in the last `window` days."""
        self._update()
        n = len(self.customers)
        since = day - self._last_visit[:n]
        return int(np.count_nonzero(self._active[:n] & (since >= 0) & (since < window)))


def is_weekend(day: int) -> bool:
    """Day 0 is a Monday."""
    return day % 7 >= 5


def _choice_cdf(profile: list[float]) -> list[float]:
    """The CDF `Generator.choice(len(profile), p=shares)` searches (side "right") with one
    uniform, computed as it does; bisect_right on it draws the same index from the same
    uniform without the per-call overhead of `choice`."""
    weights = np.asarray(profile, dtype=float)
    cdf = (weights / weights.sum()).cumsum()
    cdf /= cdf[-1]
    return cdf.tolist()


def _grown(values: np.ndarray, size: int) -> np.ndarray:
    """`values` followed by zeros up to `size` entries."""
    grown = np.zeros(size, dtype=values.dtype)
    grown[: len(values)] = values
    return grown


def poisson_times(
    rng: np.random.Generator, rate_per_min: float, start: float, end: float
) -> list[float]:
    """Arrival times of a Poisson process on [start, end)."""
    n = int(rng.poisson(rate_per_min * (end - start)))
    return sorted((start + (end - start) * rng.random(n)).tolist()) if n else []
