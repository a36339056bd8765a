"""The shopper on one visit: emotion, effort, basket and the record of every touchpoint."""

from __future__ import annotations

import math
from dataclasses import dataclass

from journeysim.journey.records import TouchTally
from journeysim.loyalty.customer import Customer
from journeysim.psyche.appraisal import Appraisal
from journeysim.psyche.emotion import Emotion, Moods
from journeysim.psyche.expectations import Adaptation
from journeysim.scenario.schema import TOUCHPOINT_KINDS
from journeysim.world.distributions import standard_normal
from journeysim.world.uniforms import AFTER_VISIT


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
    """A customer during one visit. Its random numbers are the visit's own (see
    world/uniforms.py), so that scenarios compared with the same seed give each visit the same
    draws (common random numbers): `draw()` returns the next one."""

    __slots__ = (
        "customer",
        "day",
        "start",
        "emotion",
        "effort",
        "disposition",
        "expectations",
        "weights",
        "curvature",
        "loss_aversion",
        "adaptation",
        "journey_map",
        "steps",
        "_block",
        "_next",
        "planned_items",
        "walk_scale",
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
        "quality_sum",
        "disconfirmation_sum",
        "service_time",
        "self_service_time",
        "served_at",
        "scan_min",
        "patience",
        "place",
        "line",
        "queue_seen",
        "lanes_open",
    )

    def __init__(
        self,
        customer: Customer,
        now: float,
        appraisal: Appraisal,
        adaptation: Adaptation,
        moods: Moods,
        journey_map: list[TouchTally],
        tracing: bool,
    ) -> None:
        self.customer = customer
        self.day = int(now // 1440)
        self.start = now
        self._block: list[float] = customer.first_block()
        self._next = AFTER_VISIT  # index of the next draw (the first are kept for after the visit)
        mood = customer.mood_today(
            self.day,
            moods.mean,
            moods.sd,
            moods.keep_per_day,
            standard_normal(self.draw(), self.draw()),
        )
        self.emotion = Emotion(mood, now, moods.half_life_min)
        self.effort = 0.0
        # What `touch` needs at every touchpoint, looked up once per visit.
        self.disposition = customer.disposition
        # Read at every touchpoint: fresh numbers side by side in memory, which the customer
        # keeps, where the last visit's lie scattered and cold (a cache miss at each touchpoint).
        self.expectations = customer.expectations = [e + 0.0 for e in customer.expectations]
        self.weights = appraisal.weights(customer.segment.sensitivity)
        self.curvature = appraisal.curvature
        self.loss_aversion = appraisal.loss_aversion
        self.adaptation = adaptation
        self.journey_map = journey_map
        self.steps: list[Step] | None = [] if tracing else None
        # Set by plan_basket at the start of the visit.
        self.items = self.planned_items = 0
        self.walk_scale = 1.0  # walking time factor of the basket's size
        self.patience = self.service_time = self.self_service_time = 0.0
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
        self.served_at = self.scan_min = math.nan  # start and length of scanning at a till
        self.expectation_sum = self.disconfirmation_sum = self.quality_sum = 0.0
        self.place = "entrance"
        self.line = -1  # the checkout line chosen (Line.index)
        self.queue_seen = -1  # shoppers waiting in the chosen line on reaching the checkout
        self.lanes_open = -1  # staffed lanes open then

    def touch(
        self, now: float, slot: int, quality: float, effort: float, what: str, *details: object
    ) -> float:
        """Appraise a touchpoint against the expectation in `slot` (its kind, or its kind in
        a zone: psyche/kinds.py), move emotion, adapt the expectation, add effort; return felt.

        The appraisal is `psyche.appraisal.value` times the segment's weight, the emotion moves
        as `Emotion.feel` moves it, and the new expectation is `Adaptation.adapted`'s, written
        out here because this runs at every touchpoint (tests/test_fast_paths.py holds them
        equal). `what` is a str.format template filled with `details` only when tracing."""
        disposition = self.disposition
        quality += disposition
        expectations = self.expectations
        e = expectations[slot]
        x = quality - e
        if x >= 0.0:
            felt = math.pow(x, self.curvature) * self.weights[slot]
        else:
            felt = -self.loss_aversion * math.pow(-x, self.curvature) * self.weights[slot]
        emotion = self.emotion
        valence = emotion.valence
        dt = now - emotion.last_t
        if dt > 0.0:
            emotion.area += dt * valence
            baseline = emotion.baseline
            valence = baseline + (valence - baseline) * math.exp(-dt * emotion.decay_per_min)
        valence += felt
        valence = -1.0 if valence < -1.0 else (1.0 if valence > 1.0 else valence)
        strongest = emotion.strongest
        if (valence if valence >= 0.0 else -valence) > (
            strongest if strongest >= 0.0 else -strongest
        ):
            emotion.strongest = valence
        emotion.valence = valence
        emotion.last_t = now
        emotion.moves += 1
        self.effort += effort
        adaptation = self.adaptation
        target = quality + adaptation.anchor * (adaptation.standard[slot] + disposition - quality)
        step = adaptation.rise if target > e else adaptation.fall
        expectations[slot] = e + step * (target - e)
        self.expectation_sum += e
        self.quality_sum += quality
        self.disconfirmation_sum += x
        tally = self.journey_map[slot]
        if felt >= 0.0:
            tally.positive += felt
        else:
            tally.negative += felt
        tally.effort += effort
        tally.count += 1
        if self.steps is not None:
            self.steps.append(
                Step(
                    now,
                    self.place,
                    TOUCHPOINT_KINDS[adaptation.kinds[slot]],
                    what.format(*details),
                    quality,
                    e,
                    felt,
                    effort,
                    valence,
                )
            )
        return felt

    def draw(self) -> float:
        """The next uniform of this visit's block (which grows by the visit's further uniforms
        when it has used them all)."""
        i = self._next
        block = self._block
        if i == len(block):
            block += self.customer.further_uniforms(i)
        self._next = i + 1
        return block[i]

    def after(self, slot: int) -> float:
        """The uniform of the decision `slot` after the visit (0..AFTER_VISIT - 1): the same
        for the visit whatever it drew before."""
        return self._block[slot]

    @property
    def touchpoints(self) -> int:
        """Touchpoints so far (each moved the emotion once)."""
        return self.emotion.moves

    @property
    def valence(self) -> float:
        return self.emotion.valence
