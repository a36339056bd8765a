"""What the store's past hands to a run: its customers' state and its reviews (plain named
tuples, so that a history pickles to the disk cache, compiled or not)."""

from __future__ import annotations

from typing import NamedTuple


class CustomerState(NamedTuple):
    """A customer as the past left them; days count from the run's day 0 (so they are < 0)."""

    segment_name: str
    strength: float
    expectations: dict[str, float]
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


class History(NamedTuple):
    """The customers still shopping here at the end of the burn-in, and the recent reviews."""

    customers: tuple[CustomerState, ...]
    reviews: tuple[int, ...]
