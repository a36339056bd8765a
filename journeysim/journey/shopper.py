"""The shopper on one visit: emotion, effort, basket and the record of every touchpoint."""

from __future__ import annotations

import math
from dataclasses import dataclass

from journeysim.loyalty.customer import Customer
from journeysim.psyche.appraisal import Appraisal
from journeysim.psyche.emotion import Emotion

DRAWS_PER_VISIT = 64


@dataclass(slots=True, frozen=True)
class Step:
    """One touchpoint as the shopper lived it (kept when tracing)."""

    time: float
    place: str  # zone name, "checkout" or "after the visit"
    kind: str
    what: str
    quality: float
    expectation: float
    felt: float
    effort: float
    valence: float


class Shopper:
    """A customer during one visit. Random numbers come in a fixed block per visit, so that
    scenarios compared with the same seed keep their draws aligned (common random numbers)."""

    __slots__ = (
        "customer",
        "day",
        "start",
        "emotion",
        "effort",
        "appraisal",
        "adapt",
        "sensitivity",
        "journey_map",
        "steps",
        "draws",
        "cursor",
        "planned_items",
        "items",
        "lost_items",
        "has_cash",
        "cart",
        "abandoned",
        "checkout_wait",
        "till",
        "cashier_id",
        "familiarity",
        "lookups",
        "gaps",
        "responses",
        "asked_staff",
        "payment",
        "queue_time",
        "met_outage",
        "expectation_sum",
        "disconfirmation_sum",
        "touchpoints",
        "service_time",
        "self_service_time",
        "patience",
        "place",
    )

    def __init__(
        self,
        customer: Customer,
        now: float,
        appraisal: Appraisal,
        adapt: float,
        half_life: float,
        journey_map: dict[str, list[float]],
        tracing: bool,
    ) -> None:
        self.customer = customer
        self.day = int(now // 1440)
        self.start = now
        self.emotion = Emotion(customer.baseline_mood, now, half_life)
        self.effort = 0.0
        self.appraisal = appraisal
        self.adapt = adapt
        self.sensitivity = customer.segment.sensitivity
        self.journey_map = journey_map
        self.steps: list[Step] | None = [] if tracing else None
        self.draws = customer.rng.random(DRAWS_PER_VISIT).tolist()
        self.cursor = 0
        self.items = self.planned_items = 0
        self.lost_items = 0
        self.has_cash = False
        self.cart = False
        self.abandoned = ""
        self.checkout_wait = math.nan
        self.till = -1
        self.cashier_id = -1
        self.familiarity = 0.0
        self.lookups = self.gaps = 0
        self.responses = [0, 0, 0, 0, 0, 0]  # elsewhere, brand, size, delay, skip, found
        self.asked_staff = self.met_outage = False
        self.payment = ""  # how the shopper paid, or what they did when the card failed
        self.queue_time = math.nan  # minutes in a checkout queue, served or not
        self.expectation_sum = self.disconfirmation_sum = 0.0
        self.touchpoints = 0
        self.place = "entrance"

    def draw(self) -> float:
        """Next uniform of this visit's block (more from the customer's stream if exhausted)."""
        if self.cursor == len(self.draws):
            self.draws.extend(self.customer.rng.random(DRAWS_PER_VISIT).tolist())
        u = self.draws[self.cursor]
        self.cursor += 1
        return u

    def touch(
        self, now: float, kind: str, quality: float, effort: float, what: str, *details: object
    ) -> float:
        """Appraise a touchpoint against expectation, move emotion, add effort; return felt.

        `what` is a str.format template filled with `details` only when tracing (it is hot)."""
        customer = self.customer
        quality += customer.disposition
        expectations = customer.expectations
        e = expectations[kind]
        felt = self.appraisal.felt(quality, e, self.sensitivity.get(kind, 1.0))
        valence = self.emotion.feel(now, felt)
        self.effort += effort
        expectations[kind] = e + self.adapt * (quality - e)
        self.expectation_sum += e
        self.disconfirmation_sum += quality - e
        self.touchpoints += 1
        totals = self.journey_map[kind]
        if felt >= 0.0:
            totals[0] += felt
        else:
            totals[1] += felt
        totals[2] += effort
        totals[3] += 1
        if self.steps is not None:
            self.steps.append(
                Step(
                    now, self.place, kind, what.format(*details), quality, e, felt, effort, valence
                )
            )
        return felt

    @property
    def valence(self) -> float:
        return self.emotion.valence
