"""Scenario sections of the mind and the money: psyche, loyalty, after the visit, word of
mouth and costs."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, field_validator, model_validator

from journeysim.scenario.fields import (
    MAX_OUTAGE_MIN,
    NonNegativeFloat,
    PositiveFloat,
    Probability,
    Quality,
    Section,
    StaffRole,
    TouchpointKind,
    field,
)

# What a typical mid-size supermarket delivers at each touchpoint kind (mean perceived quality
# of the shipped baseline store, rounded): the market standard customers compare with.
MARKET_STANDARD: dict[str, float] = {
    "entrance": 0.15,
    "ambience": 0.25,
    "crowding": 0.1,
    "cart": 0.05,
    "floor": 0.15,
    "shelf": 0.05,
    "staff": 0.2,
    "checkout_wait": 0.2,
    "cashier": 0.35,
    "self_checkout": 0.05,
    "payment": 0.2,
    "exit": 0.1,
    "after_visit": 0.2,
}


class Psyche(Section):
    # Tversky & Kahneman 1992, J. Risk and Uncertainty 5:297-323.
    curvature: Annotated[float, Field(gt=0.0, le=1.0)] = field(
        0.88, "Prospect-theory curvature a of v(x) = x^a."
    )
    loss_aversion: PositiveFloat = field(2.25, "Prospect-theory loss aversion lambda.", le=100.0)
    felt_scale: PositiveFloat = field(
        0.4, "Valence moved by one unit of prospect-theory value at a touchpoint.", le=100.0
    )
    mood_half_life_min: PositiveFloat = field(
        6.0, "Minutes for emotion to decay halfway back to the baseline mood.", le=1440.0
    )
    baseline_mood: Quality = field(0.15, "Mean baseline mood (valence) shoppers arrive with.")
    baseline_mood_sd: NonNegativeFloat = field(0.15, "Spread of shoppers' baseline mood.", le=2.0)
    mood_half_life_days: PositiveFloat = field(
        60.0,
        "Days in which a customer's baseline mood forgets half its distance from the mean: "
        "moods change with life, they are not a fixed trait.",
        le=36500.0,
    )
    disposition_sd: NonNegativeFloat = field(
        0.15, "Spread of shoppers' disposition: how rosy they see and expect everything.", le=2.0
    )
    memory_noise: NonNegativeFloat = field(
        0.05, "Spread of misremembering around the peak-end score.", le=2.0
    )
    # Kahneman et al. 1993; Redelmeier & Kahneman 1996.
    peak_weight: NonNegativeFloat = field(
        0.5, "Weight of the most intense moment in memory.", le=100.0
    )
    end_weight: NonNegativeFloat = field(0.5, "Weight of the final moment in memory.", le=100.0)
    # At most 0.3: ln(D / 30) runs from -3.4 (a minute) to 2.1 (four hours), so the duration
    # term moves a remembered visit by at most about 1, the width of the valence's own half
    # (at 100 a short visit was remembered at +90).
    duration_weight: NonNegativeFloat = field(
        0.0, "Weight of visit length in memory (duration neglect: near 0).", le=0.3
    )
    # Frederick & Loewenstein 1999 (hedonic adaptation, asymmetric); Helson 1964 (adaptation
    # level); seed 004: "expectations keep rising".
    expectation_rise: Probability = field(
        0.25, "Step by which an expectation rises toward a better target (per touchpoint)."
    )
    expectation_fall: Probability = field(
        0.01, "Step by which an expectation falls toward a worse target: slower than it rises."
    )
    market_anchor: Probability = field(
        0.5,
        "Weight of the market standard in the target expectations adapt to (the rest is what "
        "this store delivered): customers compare with what they get elsewhere.",
    )
    market_standard: dict[TouchpointKind, Quality] = field(
        lambda: dict(MARKET_STANDARD),
        "Quality a customer gets elsewhere, per touchpoint kind: newcomers expect it, and "
        "expectations stay anchored to it (defaults: what a typical store delivers).",
    )

    @field_validator("market_standard")
    @classmethod
    def _every_kind(cls, standard: dict[str, float]) -> dict[str, float]:
        """Kinds a scenario leaves out keep their default standard."""
        return {**MARKET_STANDARD, **standard}

    mood_basket_effect: NonNegativeFloat = field(
        0.25, "Relative basket change per unit of valence (impulse buys or fewer items).", le=10.0
    )
    mood_patience_effect: NonNegativeFloat = field(
        0.5, "Relative patience change per unit of valence.", le=10.0
    )

    @model_validator(mode="after")
    def _memory_weighed(self) -> Psyche:
        """The remembered visit is the peak and the end weighed by their shares of
        peak_weight + end_weight: with both 0 it is undefined."""
        if self.peak_weight + self.end_weight <= 0:
            raise ValueError(
                "peak_weight, end_weight: expected at least one above 0, as the remembered "
                "visit weighs its peak and its end by them (got 0 and 0)"
            )
        return self


class Loyalty(Section):
    return_window_days: PositiveFloat = field(
        14.0,
        "A visit counts as returned when the customer visits again within this window.",
        le=365.0,
    )
    gain_rate: Probability = field(0.10, "Step toward the visit's outcome when it is better.")
    loss_rate: Probability = field(0.30, "Step toward the visit's outcome when it is worse.")
    effort_weight: NonNegativeFloat = field(
        1.5, "Weight of excess effort against remembered emotion in a visit's outcome.", le=100.0
    )
    expected_effort: NonNegativeFloat = field(
        1.0, "Effort units a customer takes for granted on a visit.", le=100.0
    )
    initial_strength: Probability = field(0.5, "Relationship strength of the starting base (0..1).")
    newcomer_strength: Probability = field(0.45, "Relationship strength of a newcomer (0..1).")
    basket_floor: Probability = field(
        0.6, "Part of the shopping list bought here by a customer with no attachment at all."
    )
    wallet_slope: PositiveFloat = field(
        4.5,
        "Steepness of share of wallet in relationship strength minus competitor pull.",
        le=1000.0,
    )
    defect_threshold: Quality = field(
        0.2, "Relationship strength below which a customer may switch to a competitor."
    )
    defect_prob: Probability = field(0.5, "Chance to switch after a visit below the threshold.")
    routine_value: Quality = field(
        0.27, "Outcome of an uneventful visit that met expectations (the store's convenience)."
    )
    csat_scale: PositiveFloat = field(2.5, "CSAT points per unit of remembered score.", le=100.0)
    # Fornell et al. 1996 (ACSI): perceived quality is the strongest driver of satisfaction.
    csat_quality: NonNegativeFloat = field(
        1.5,
        "CSAT points per unit of the visit's mean perceived quality (its level itself).",
        le=100.0,
    )
    ltr_center: Quality = field(0.2, "Relationship strength at which recommending is a toss-up.")
    ltr_slope: PositiveFloat = field(
        7.0, "Steepness of likelihood to recommend in strength.", le=1000.0
    )
    ltr_memory: NonNegativeFloat = field(
        3.0, "Weight of the last visit's remembered score in likelihood to recommend.", le=100.0
    )


class AfterVisit(Section):
    complaint_threshold: Quality = field(
        -0.4, "Remembered score below which a customer considers complaining."
    )
    complaint_base: Probability = field(0.01, "Complaint chance of a dissatisfying visit.")
    complaint_peak_slope: NonNegativeFloat = field(
        0.05, "Added complaint chance per unit of negative peak (the worst moment).", le=10.0
    )
    recovery_quality: Quality = field(
        0.3, "Quality of the store's service recovery (-1 dismissive .. 1 excellent)."
    )
    recovery_delay_min: NonNegativeFloat = field(
        30.0,
        "Minutes from the end of the visit to the store's answer to a complaint.",
        le=MAX_OUTAGE_MIN,
    )
    recovery_wait_cost: NonNegativeFloat = field(
        0.1, "Quality an answer to a complaint or a follow-up loses per day of waiting.", le=2.0
    )
    recovery_closure: Probability = field(
        1.0, "How far an excellent recovery settles the failure (its peak and the end it left)."
    )
    repeat_failure_discount: NonNegativeFloat = field(
        2.0, "Recovery quality is divided by 1 + this x earlier failures.", le=100.0
    )
    follow_up_prob: Probability = field(0.0, "Chance the store follows up after a bad visit.")
    follow_up_quality: Quality = field(0.3, "Felt quality of a follow-up contact.")
    review_prob: Probability = field(0.03, "Chance a customer posts a review after a visit.")
    negative_review_boost: NonNegativeFloat = field(
        2.0, "Review chance multiplier after a bad visit.", le=100.0
    )
    initial_rating: Annotated[float, Field(ge=1.0, le=5.0)] = field(
        4.0, "Store rating (stars) at the start."
    )
    rating_memory: Annotated[int, Field(ge=1)] = field(
        200, "Reviews the displayed rating averages over (most recent).", le=100_000
    )


class WordOfMouth(Section):
    # TARP / American Express: bad experiences told to about 16 people, good ones to 9.
    promoter_reach: NonNegativeFloat = field(
        9.0, "People a promoter tells about the store.", le=1000.0
    )
    detractor_reach: NonNegativeFloat = field(16.0, "People a detractor tells.", le=1000.0)
    tell_prob: Probability = field(0.05, "Chance a visit leads the customer to tell friends.")
    conversion: Probability = field(0.03, "Chance a friend told by a promoter tries the store.")
    deterrence: Probability = field(
        0.01, "Chance a friend told by a detractor stops a planned first visit."
    )


class Costs(Section):
    wage_per_hour: dict[StaffRole, Annotated[float, Field(ge=0.0, le=10_000.0)]] = field(
        lambda: {
            "cashier": 32.0,
            "stocker": 30.0,
            "floor_assistant": 31.0,
            "cleaner": 28.0,
            "security": 30.0,
            "manager": 55.0,
        },
        "Hourly wage per role (PLN).",
    )
    investment: NonNegativeFloat = field(0.0, "One-off investment of the scenario (PLN).", le=1e12)
    per_outage: NonNegativeFloat = field(
        0.0,
        "Cost each time a terminal goes down, in an outage or a failure (PLN): an outage of 5 "
        "terminals costs 5 times this.",
        le=1e9,
    )
    per_complaint: NonNegativeFloat = field(
        0.0,
        "Cost of answering a complaint (PLN): refunds, replacements, goodwill, staff time.",
        le=1e9,
    )
    per_follow_up: NonNegativeFloat = field(
        0.0,
        "Cost of a follow-up call after a visit remembered badly, unasked (PLN).",
        le=1e9,
    )
    fixed_per_day: NonNegativeFloat = field(
        0.0,
        "Other running costs per day (PLN): rent, energy, ...; subtracted from the contribution.",
        le=1e9,
    )
    margin: Probability = field(0.22, "Gross margin on revenue.")
    annual_discount: Probability = field(0.08, "Discount rate for customer lifetime value.")
