"""After the visit: memory, satisfaction, relationship, complaints and recovery, reviews,
and word of mouth. Turns a finished `Shopper` into the row of a `VisitRecord`."""

from __future__ import annotations

import math
from collections import deque
from typing import Final

from journeysim.journey.records import Row
from journeysim.journey.shopper import Shopper
from journeysim.loyalty import relationship as rel
from journeysim.psyche import kinds as kind
from journeysim.psyche.memory import effort_score, settled_share
from journeysim.scenario.plain import Settings
from journeysim.scenario.schema import Scenario
from journeysim.words import figure
from journeysim.world.distributions import standard_normal
from journeysim.world.numbers import rounded

# Which of the visit's uniforms kept for after it (world/uniforms.py, AFTER_VISIT) each decision
# takes: the same for the visit in every compared store.
_MISREMEMBERING: Final = 0  # and 1: a normal, by Box-Muller
_SWITCH: Final = 2
_COMPLAINT: Final = 3
_FOLLOW_UP: Final = 4
_REVIEW: Final = 5
_TELL: Final = 6
_REACH: Final = 7


class Aftercare:
    """The store's life after each visit: its rating, complaints and the talk among friends."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.settings = Settings(scenario)  # quicker to read at every visit
        after = scenario.after_visit
        self.reviews: deque[int] = deque(
            [round(after.initial_rating)] * after.rating_memory, maxlen=after.rating_memory
        )
        self._review_sum = sum(self.reviews)
        self.rating = after.initial_rating
        self.referrals = 0.0  # expected newcomers brought by promoters, not yet arrived
        self.deterred = 0.0  # expected newcomers put off by detractors
        self.visits = 0
        psyche = scenario.psyche
        self._memory_noise = psyche.memory_noise
        self._peak_weight = psyche.peak_weight
        self._end_weight = psyche.end_weight
        self._peak_end_weight = psyche.peak_weight + psyche.end_weight
        self._duration_weight = psyche.duration_weight
        self._perceived_wait_factor = scenario.checkout.perceived_wait_factor

    def restore(self, reviews: tuple[int, ...]) -> None:
        """Start from the store's recent reviews (its past, see simulation/burn_in.py)."""
        if reviews:
            self.reviews.extend(reviews)
            self._review_sum = sum(self.reviews)
            self.rating = self._review_sum / len(self.reviews)

    def conclude(self, shopper: Shopper, now: float) -> Row:
        """Everything the visit leaves behind, applied to the customer and the store: a
        `VisitRecord`'s fields in order."""
        loyalty = self.settings.loyalty
        customer = shopper.customer
        segment = customer.segment
        emotion = shopper.emotion
        duration = now - shopper.start
        shopper.place = "after the visit"
        misremembering = self._memory_noise * standard_normal(
            shopper.after(_MISREMEMBERING), shopper.after(_MISREMEMBERING + 1)
        )
        peak = emotion.peak()
        end_of_visit = emotion.valence  # before the store calls back, if it does
        # The peak-end rule of psyche/memory.py (remembered_score), inlined: its weights and its
        # duration term stay the same for every memory of this visit.
        peak_w, end_w, weights = self._peak_weight, self._end_weight, self._peak_end_weight
        lasting = self._duration_weight * math.log((duration if duration > 1.0 else 1.0) / 30.0)
        remembered = felt_visit = misremembering + (
            (peak_w * peak + end_w * end_of_visit) / weights - lasting
        )
        ces = effort_score(shopper.effort, loyalty.expected_effort)
        prior_failures = customer.failures
        complained, recovery = False, math.nan
        if remembered < self.settings.after_visit.complaint_threshold:
            complained, recovery = self._complaint(shopper, peak)
        answer = recovery  # the store's answer after the visit, as felt; NaN without one
        if not complained and remembered < -0.2:
            answer = self._follow_up(shopper)
        trusted = remembered
        called_back = not math.isnan(answer)
        if called_back:
            # An answer that settles the matter softens the memory of the failure itself, and
            # its warmth lifts satisfaction; trust is only restored as far as the failure is
            # settled, the answer's warmth adds none (no paradox on loyalty, de Matos 2007).
            settled = peak_w * peak * (1.0 - self._closure(answer))
            remembered = misremembering + ((settled + end_w * emotion.valence) / weights - lasting)
            trusted = misremembering + ((settled + end_w * end_of_visit) / weights - lasting)
        end = emotion.valence
        effort = shopper.effort  # a complaint's call adds some
        touchpoints = emotion.moves  # each touchpoint moved the emotion once
        n = touchpoints if touchpoints > 1 else 1
        expectation = shopper.expectation_sum / n
        quality = shopper.quality_sum / n
        csat = rel.satisfaction(remembered, ces, quality, loyalty)
        before = customer.strength
        after = rel.updated_strength(before, rel.visit_outcome(trusted, effort, loyalty), loyalty)
        if shopper.met_outage or remembered < -0.3:
            customer.failures += 1
        customer.strength = after
        switched = after < loyalty.defect_threshold and shopper.after(_SWITCH) < loyalty.defect_prob
        if switched:
            customer.leave(shopper.day, "switched")
        choice = rel.store_choice(after, segment.competitor_pull, loyalty)
        sow = choice * rel.basket_share(after, loyalty)  # share_of_wallet, choice worked out once
        # The trips here a day at the new strength, as `CustomerBase.visitors` would work them out.
        customer.trips_here = daily = rel.trips_here(choice, segment)
        customer.trips_strength = after
        # Advocacy rests on the visit itself: a recovery does not make a promoter (de Matos 2007).
        ltr = rel.likelihood_to_recommend(after, felt_visit, loyalty)
        stars = self._review(shopper, csat)
        told_positive, told_negative = self._word_of_mouth(shopper, ltr)
        # The visit's own CSAT: that of what was felt, unless the store called back.
        own_csat = rel.satisfaction(felt_visit, ces, quality, loyalty) if called_back else csat
        price = segment.item_price
        items = 0 if shopper.abandoned else shopper.items
        r = shopper.responses
        customer.visits += 1
        customer.last_visit_day = shopper.day
        self.visits += 1
        return (  # a plain tuple in the order of VisitRecord's fields: the quickest way
            self.visits,  # visit_id
            customer.id,  # customer_id
            customer.segment_name,  # segment
            customer.visits == 1,  # new_customer
            shopper.day,  # day
            shopper.start % 1440,  # arrival_min
            duration,  # duration_min
            touchpoints,  # touchpoints
            peak,  # peak
            end,  # end
            emotion.mean(),  # mean_valence
            remembered,  # remembered
            effort,  # effort
            ces,  # ces
            csat,  # csat
            ltr,  # ltr
            expectation,  # expectation
            shopper.disconfirmation_sum / n,  # disconfirmation
            quality,  # quality
            before,  # strength_before
            after,  # strength_after
            rel.chance_of_return(daily, loyalty),  # return_chance
            sow,  # share_of_wallet
            shopper.planned_items,  # planned_items
            items,  # items
            items * price,  # revenue
            shopper.lost_items * price,  # lost_revenue
            shopper.lookups,  # lookups
            shopper.gaps,  # gaps
            r[0],  # bought_elsewhere
            r[1],  # switched_brand
            r[2],  # switched_size
            r[3],  # delayed
            r[4],  # skipped
            r[5],  # found_by_staff
            shopper.abandoned,  # abandoned
            shopper.checkout_wait,  # checkout_wait_min
            shopper.queue_time,  # queue_time_min
            shopper.queue_time * self._perceived_wait_factor,  # perceived_wait_min
            shopper.served_at % 1440,  # service_start_min
            shopper.scan_min,  # service_min
            shopper.queue_seen,  # queue_seen
            shopper.lanes_open,  # lanes_open
            shopper.line,  # line
            shopper.till,  # till
            shopper.cashier_id,  # cashier_id
            shopper.familiarity,  # cashier_familiarity
            shopper.asked_staff,  # asked_staff
            shopper.has_cash,  # has_cash
            shopper.payment,  # payment
            shopper.met_outage,  # met_outage
            own_csat <= 2.0,  # dissatisfied
            complained,  # complained
            prior_failures,  # prior_failures
            answer,  # recovery_quality: a complaint's recovery or a follow-up
            shopper.asked_staff or shopper.met_outage or complained,  # service_interaction
            stars,  # review_stars
            told_positive,  # told_positive
            told_negative,  # told_negative
            switched,  # switched_store
        )

    def _complaint(self, shopper: Shopper, peak: float) -> tuple[bool, float]:
        """A dissatisfied customer (one who remembers the visit below the complaint threshold)
        may complain, which brings the visit's end back; the store's answer settles part of the
        failure and becomes the visit's new end. A customer who failed before trusts an answer
        less (no paradox after a second failure), and a late one is worth less."""
        after = self.settings.after_visit
        chance = after.complaint_base + after.complaint_peak_slope * (-peak if peak < 0.0 else 0.0)
        if shopper.after(_COMPLAINT) >= chance:
            return False, math.nan
        quality = after.recovery_quality
        if quality > 0.0:
            quality /= 1.0 + after.repeat_failure_discount * shopper.customer.failures
        quality = self._after_waiting(quality)
        self._answer(
            shopper,
            quality,
            1.0,
            "complains; {} min later the store's recovery is {}{}",
            _quality_words(quality),
        )
        return True, quality

    def _follow_up(self, shopper: Shopper) -> float:
        """After a bad visit (remembered below -0.2) the store may call unasked, which brings the
        visit's end back: an answer that settles the failure as a complaint's does. Returns the
        call's quality as felt, NaN when the store does not call."""
        after = self.settings.after_visit
        if shopper.after(_FOLLOW_UP) >= after.follow_up_prob:
            return math.nan
        quality = self._after_waiting(after.follow_up_quality)
        self._answer(shopper, quality, 0.0, "{} min later the store calls to follow up{}")
        return quality

    def _after_waiting(self, quality: float) -> float:
        """The quality of an answer as felt after `recovery_delay_min` of waiting for it."""
        after = self.settings.after_visit
        late = quality - after.recovery_wait_cost * after.recovery_delay_min / 1440.0
        return late if late > -1.0 else -1.0

    def _answer(
        self, shopper: Shopper, quality: float, effort: float, what: str, *words: str
    ) -> None:
        """The store's answer (of `quality` as felt) after the visit: it settles part of the
        failure the visit ended on and is felt on that end, with no time passing. `what` is the
        trace's template for the delay, `words` and what the answer settled."""
        closure = self._closure(quality)
        shopper.emotion.settle(closure)
        delay = figure(self.settings.after_visit.recovery_delay_min)
        settling = f", settling {closure:.0%} of the failure" if closure > 0.0 else ""
        shopper.touch(
            shopper.emotion.last_t, kind.AFTER_VISIT, quality, effort, what, delay, *words, settling
        )

    def _closure(self, recovery: float) -> float:
        return settled_share(recovery, self.settings.after_visit.recovery_closure)

    def _review(self, shopper: Shopper, csat: float) -> int:
        """Maybe post a review (bad visits more often); the rating averages recent reviews."""
        after = self.settings.after_visit
        chance = after.review_prob * (after.negative_review_boost if csat <= 2.0 else 1.0)
        if shopper.after(_REVIEW) >= chance:
            return 0
        stars = min(5, max(1, rounded(csat)))
        self._review_sum += stars - self.reviews[0]
        self.reviews.append(stars)
        self.rating = self._review_sum / len(self.reviews)
        return stars

    def _word_of_mouth(self, shopper: Shopper, ltr: int) -> tuple[int, int]:
        """Promoters tell friends who may come; detractors tell more, who stay away."""
        wom = self.settings.word_of_mouth
        if shopper.after(_TELL) >= wom.tell_prob or 7 <= ltr <= 8:
            return 0, 0
        if ltr >= 9:
            told = rounded(wom.promoter_reach * (0.5 + shopper.after(_REACH)))
            self.referrals += told * wom.conversion
            return told, 0
        told = rounded(wom.detractor_reach * (0.5 + shopper.after(_REACH)))
        self.deterred += told * wom.deterrence
        return 0, told


def _quality_words(quality: float) -> str:
    if quality >= 0.6:
        return "excellent"
    if quality >= 0.2:
        return "decent"
    return "poor" if quality >= -0.2 else "dismissive"
