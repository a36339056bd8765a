"""Scenario sections of the people: arrivals, shopper segments and staff."""

from __future__ import annotations

from typing import Literal

from journeysim.limits import MAX_DAYS
from journeysim.scenario.fields import (
    MAX_CUSTOMERS,
    MAX_ITEM_PRICE,
    MAX_ITEMS,
    MAX_NEW_PER_DAY,
    MAX_RATE_PER_HOUR,
    MAX_STAFF,
    MAX_STEP_MIN,
    Multiplier,
    NonNegativeFloat,
    NonNegativeInt,
    PositiveFloat,
    Probability,
    Quality,
    Section,
    StaffRole,
    TouchpointKind,
    field,
)


class Arrivals(Section):
    mode: Literal["customer_base", "open"] = field(
        "customer_base",
        "customer_base: persistent customers decide daily to visit; "
        "open: Poisson one-off shoppers.",
    )
    rate_per_hour: PositiveFloat = field(
        60.0,
        "Open mode: Poisson arrival rate per hour (constant over opening hours).",
        le=MAX_RATE_PER_HOUR,
    )
    base_customers: NonNegativeInt = field(
        2500,
        "Customers in the store's base when its history (the burn-in) starts.",
        le=MAX_CUSTOMERS,
    )
    new_per_day: NonNegativeFloat = field(
        8.0,
        "New customers per day trying the store, before word of mouth and rating.",
        le=MAX_NEW_PER_DAY,
    )
    rating_effect: NonNegativeFloat = field(
        0.6,
        "Relative change in new customers per rating star away from the initial rating.",
        le=10.0,
    )


class Segment(Section):
    share: NonNegativeFloat = field(
        0.25, "Relative share of the customer base and of newcomers.", le=1000.0
    )
    visit_interval_days: PositiveFloat = field(
        4.0, "Mean days between category shopping trips (to any store).", le=365.0
    )
    basket_items: PositiveFloat = field(14.0, "Mean items planned per visit.", le=float(MAX_ITEMS))
    item_price: PositiveFloat = field(9.0, "Mean price per item (PLN).", le=MAX_ITEM_PRICE)
    patience_min: PositiveFloat = field(
        8.0, "Mean perceived queue wait tolerated before reneging.", le=MAX_STEP_MIN
    )
    cash_share: Probability | None = field(
        None, "Share of this segment's visits with cash on hand (default: payment.cash_share)."
    )
    competitor_pull: Probability = field(
        0.35, "Attractiveness of the nearest competitor (relationship units, 0..1)."
    )
    attrition_per_year: Probability = field(
        0.12,
        "Share of these customers who stop shopping here within a year for reasons of their "
        "own (moving, life changes), whatever the store does.",
    )
    sensitivity: dict[TouchpointKind, Multiplier] = field(
        dict, "Multiplier of felt emotion per touchpoint kind (1 when missing)."
    )


def _default_segments() -> dict[str, Segment]:
    return {
        "time_pressed": Segment(
            share=0.25,
            attrition_per_year=0.15,
            visit_interval_days=3.0,
            basket_items=8.0,
            patience_min=5.0,
            cash_share=0.62,
            competitor_pull=0.40,
            sensitivity={"checkout_wait": 1.6, "crowding": 1.3, "payment": 1.4, "ambience": 0.6},
        ),
        "bargain_hunter": Segment(
            share=0.25,
            attrition_per_year=0.12,
            visit_interval_days=4.0,
            basket_items=16.0,
            item_price=7.0,
            patience_min=10.0,
            cash_share=0.75,
            competitor_pull=0.45,
            sensitivity={"shelf": 1.5, "ambience": 0.6, "staff": 0.8},
        ),
        "family": Segment(
            share=0.25,
            attrition_per_year=0.08,
            visit_interval_days=5.0,
            basket_items=26.0,
            patience_min=7.0,
            competitor_pull=0.35,
            sensitivity={"cart": 1.5, "floor": 1.3, "crowding": 1.2, "shelf": 1.2},
        ),
        "loyal_regular": Segment(
            share=0.25,
            attrition_per_year=0.06,
            visit_interval_days=2.5,
            basket_items=10.0,
            patience_min=9.0,
            competitor_pull=0.25,
            sensitivity={"cashier": 1.6, "staff": 1.4, "checkout_wait": 0.9},
        ),
    }


class StaffRoleSettings(Section):
    count: NonNegativeInt = field(
        1,
        "Staff of this role on each of two shifts (cashiers: one per staffed lane, as "
        "checkout.cashiers says; another count is refused, unless a later file or --set "
        "changes checkout.cashiers).",
        le=MAX_STAFF,
    )
    friendliness: Quality = field(0.4, "Mean friendliness (-1 .. 1).")
    competence: Quality = field(0.4, "Mean competence (-1 .. 1).")
    spread: NonNegativeFloat = field(
        0.2, "Standard deviation of friendliness and competence.", le=2.0
    )


def _default_roles() -> dict[StaffRole, StaffRoleSettings]:
    return {
        "cashier": StaffRoleSettings(count=3, friendliness=0.45, competence=0.5),
        "stocker": StaffRoleSettings(count=2, friendliness=0.2, competence=0.4),
        "floor_assistant": StaffRoleSettings(count=1, friendliness=0.5, competence=0.5),
        "cleaner": StaffRoleSettings(count=1, friendliness=0.3, competence=0.4),
        "security": StaffRoleSettings(count=1, friendliness=-0.1, competence=0.3),
        "manager": StaffRoleSettings(count=1, friendliness=0.3, competence=0.6),
    }


class Turnover(Section):
    role: StaffRole = field("cashier", "Role of the staff member who leaves.")
    index: NonNegativeInt = field(
        0,
        "Which post of the role: morning shift first (0..count-1), then evening.",
        le=2 * MAX_STAFF - 1,
    )
    day: NonNegativeInt = field(
        0,
        "Day the member leaves and a newcomer takes the post (one departure per post and day).",
        le=2 * MAX_DAYS,
    )


class Staff(Section):
    roles: dict[StaffRole, StaffRoleSettings] = field(
        _default_roles, "Staff per role with friendliness and competence."
    )
    encounter_prob: Probability = field(
        0.25, "Chance per zone to meet a floor staff member (stocker, assistant, security...)."
    )
    rapport_gain: Probability = field(
        0.15, "Growth of customer-staff familiarity per contact (towards 1)."
    )
    rapport_decay_per_day: Probability = field(0.01, "Daily fading of familiarity without contact.")
    rapport_lift: NonNegativeFloat = field(
        0.5, 'Quality added to a staff touchpoint by full familiarity ("the usual?").', le=2.0
    )
    turnover_per_year: NonNegativeFloat = field(
        0.0, "Random departures per staff member per year (newcomer replaces).", le=52.0
    )
    turnover: list[Turnover] = field(
        list, "Scheduled departures, at most one per post and day.", max_length=1000
    )
    turnover_trust_cost: NonNegativeFloat = field(
        0.08,
        "Relationship strength lost by a customer when a familiar staff member leaves.",
        le=1.0,
    )
    newcomer_competence_gap: NonNegativeFloat = field(
        0.3, "Competence a newcomer lacks at first; learned over newcomer_learning_days.", le=2.0
    )
    newcomer_learning_days: PositiveFloat = field(
        30.0, "Days for a newcomer to learn the job.", le=float(MAX_DAYS)
    )
    standardisation: Probability = field(
        0.3, "Process standardisation: damps both rapport effects and turnover losses."
    )
