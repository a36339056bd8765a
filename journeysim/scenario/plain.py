"""Plain copies of scenario sections for the simulation's hot path.

A pydantic model's attribute is read through its `__getattr__` hook, about four times slower
than a plain object's (and slower still from compiled code); a visit reads some sixty
settings. The copies hold the same values, already validated; they are only read.
"""

from __future__ import annotations

from typing import TypeVar, cast

from pydantic import BaseModel

from journeysim.scenario.schema import (
    AfterVisit,
    Carts,
    Checkout,
    Exit,
    Loyalty,
    Payment,
    Psyche,
    Scenario,
    Shelves,
    Staff,
    WordOfMouth,
)

S = TypeVar("S", bound=BaseModel)
_PLAIN_CLASSES: dict[type, type] = {}


def plain(section: S) -> S:
    """A copy of `section` as a plain object with the same attributes (its methods and nested
    sections stay those of the model)."""
    kind = type(section)
    copy_class = _PLAIN_CLASSES.get(kind)
    if copy_class is None:
        doc = f"Plain copy of a {kind.__name__} section (scenario/plain.py)."
        copy_class = _PLAIN_CLASSES[kind] = type(f"Plain{kind.__name__}", (), {"__doc__": doc})
    copy = copy_class()
    copy.__dict__.update(section.__dict__)
    return cast(S, copy)


class Settings:
    """The sections of a scenario that every visit reads, as plain copies."""

    def __init__(self, scenario: Scenario) -> None:
        self.carts: Carts = plain(scenario.carts)
        self.shelves: Shelves = plain(scenario.shelves)
        self.staff: Staff = plain(scenario.staff)
        self.checkout: Checkout = plain(scenario.checkout)
        self.payment: Payment = plain(scenario.payment)
        self.exit: Exit = plain(scenario.exit)
        self.psyche: Psyche = plain(scenario.psyche)
        self.loyalty: Loyalty = plain(scenario.loyalty)
        self.after_visit: AfterVisit = plain(scenario.after_visit)
        self.word_of_mouth: WordOfMouth = plain(scenario.word_of_mouth)
