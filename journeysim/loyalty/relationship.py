"""Relationship strength and the three loyalty behaviours that follow from it:
return (visit frequency here), share of wallet and advocacy (likelihood to recommend)."""

from __future__ import annotations

import math

from journeysim.scenario.schema import Loyalty, Segment

# Below this, e^-x overflows a float (its largest is about e^709.8), and the logistic curve is
# 0 to within 1e-304: taken as 0, as every choice and answer drawn from it would be.
_LOGISTIC_FLOOR = -700.0


def logistic(x: float, top: float = 1.0) -> float:
    """top / (1 + e^-x); 0 at or below _LOGISTIC_FLOOR, where e^-x would overflow. The schema
    lets loyalty.wallet_slope reach 1,000, so x reaches -1,000 where competitor_pull is well
    above the strength (and likelihood_to_recommend's logit further still)."""
    return top / (1.0 + math.exp(-x)) if x > _LOGISTIC_FLOOR else 0.0


def visit_outcome(remembered: float, effort: float, loyalty: Loyalty) -> float:
    """What a visit does to the relationship: remembered feeling plus the quiet value of an
    ordinary visit, minus excess effort, which weighs more than delight adds (Dixon et al. 2013)."""
    excess = effort - loyalty.expected_effort
    if excess <= 0.0:
        excess = 0.0
    return remembered + loyalty.routine_value - loyalty.effort_weight * excess / (excess + 3.0)


def updated_strength(strength: float, outcome: float, loyalty: Loyalty) -> float:
    """Asymmetric update: bad outcomes erode strength faster than good ones build it."""
    if outcome >= 0.0:
        return strength + loyalty.gain_rate * (outcome if outcome < 1.0 else 1.0) * (1.0 - strength)
    return strength + loyalty.loss_rate * (outcome if outcome > -1.0 else -1.0) * strength


def store_choice(strength: float, competitor_pull: float, loyalty: Loyalty) -> float:
    """Chance that a category shopping trip comes here rather than to the competitor."""
    return logistic(loyalty.wallet_slope * (strength - competitor_pull))


def basket_share(strength: float, loyalty: Loyalty) -> float:
    """Part of the shopping list bought here on a visit (the rest is picked up elsewhere)."""
    return loyalty.basket_floor + (1.0 - loyalty.basket_floor) * strength


def share_of_wallet(strength: float, competitor_pull: float, loyalty: Loyalty) -> float:
    """Expected part of the customer's category spend that stays here: trips times basket."""
    return store_choice(strength, competitor_pull, loyalty) * basket_share(strength, loyalty)


def daily_trips(strength: float, segment: Segment, loyalty: Loyalty) -> float:
    """Category trips a day that come here: one every `visit_interval_days`, here by choice."""
    return trips_here(store_choice(strength, segment.competitor_pull, loyalty), segment)


def trips_here(choice: float, segment: Segment) -> float:
    """`daily_trips` at a store choice already worked out."""
    return choice / segment.visit_interval_days


def return_chance(strength: float, segment: Segment, loyalty: Loyalty) -> float:
    """Chance of at least one visit within the return window."""
    return chance_of_return(daily_trips(strength, segment, loyalty), loyalty)


def chance_of_return(daily: float, loyalty: Loyalty) -> float:
    """Chance of at least one visit within the return window at `daily` trips here a day."""
    return 1.0 - (1.0 - (daily if daily < 1.0 else 1.0)) ** loyalty.return_window_days


def likelihood_to_recommend(strength: float, remembered: float, loyalty: Loyalty) -> int:
    """Answer 0..10 to 'How likely are you to recommend us?' (Reichheld 2003)."""
    logit = loyalty.ltr_slope * (strength - loyalty.ltr_center) + loyalty.ltr_memory * remembered
    answer = int(logistic(logit, 11.0))  # never below 0
    return answer if answer < 10 else 10


def satisfaction(remembered: float, ces: float, quality: float, loyalty: Loyalty) -> float:
    """CSAT 1..5: mostly the remembered (dis)confirmation (Oliver 1980), less effort, and the
    level of perceived quality itself, the strongest driver in the ACSI (Fornell et al. 1996)."""
    score = (
        3.6 + loyalty.csat_scale * remembered - 0.15 * (ces - 1.0) + loyalty.csat_quality * quality
    )
    score = score if score > 1.0 else 1.0
    return score if score < 5.0 else 5.0
