"""What the store's past hands to a run: its customers' state and its reviews (plain named
tuples, so that a history pickles to the disk cache, compiled or not)."""

from __future__ import annotations

from typing import NamedTuple


class CustomerState(NamedTuple):
    """A customer as the past left them; days count from the run's day 0 (so they are < 0)."""

    segment_name: str
    strength: float
    expectations: dict[str, float]  # by slot name ("cashier", "ambience@fresh")
    preferred_minute: float
    baseline_mood: float
    disposition: float
    joined_day: int
    attrition_day: int
    rapport: dict[int, float]
    rapport_day: dict[int, int]
    failures: int
    visits: int
    last_visit_day: int


class StaffState(NamedTuple):
    """Who holds a post: (role, shift, place), the person's id, and how the person differs from
    the role's level (a what-if that trains a role moves its people by as much)."""

    role: str
    shift: int
    place: int  # the post's number within its role and shift
    friendliness: float  # the person's friendliness minus the role's
    competence: float
    id: int  # the person's staff id, which customers' rapport names


class History(NamedTuple):
    """The store as its past leaves it: the customers still shopping here, its staff (the
    same people the customers know), the recent reviews, and the customers who left after
    staying half the history (too few of them, and the customers are kept as they are:
    `CustomerBase.steady_state`)."""

    customers: tuple[CustomerState, ...]
    staff: tuple[StaffState, ...]
    reviews: tuple[int, ...]
    long_tenure_leavers: int
