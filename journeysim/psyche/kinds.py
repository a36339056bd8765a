"""Touchpoint kinds as small integers, their places in `TOUCHPOINT_KINDS`, and expectation
slots: a visit's expectations, weights and tallies are lists indexed by slot, quicker to read at
every touchpoint than dictionaries keyed by name.

A customer expects each kind of touchpoint once, except the kinds felt zone by zone
(`IN_STORE`): the fresh counter is expected to smell of bread and the aisles are not, so each
zone has its own expectation of them. With one expectation of ambience for the whole store, a
better zone would raise what the others are held to, and under loss aversion the store would
lose more in the plain zones than it gains in the better one. The first zone's slots are the
kinds' own; every further zone adds one slot per in-store kind.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from journeysim.scenario.schema import TOUCHPOINT_KINDS

ENTRANCE: Final = 0
AMBIENCE: Final = 1
CROWDING: Final = 2
CART: Final = 3
FLOOR: Final = 4
SHELF: Final = 5
STAFF: Final = 6
CHECKOUT_WAIT: Final = 7
CASHIER: Final = 8
SELF_CHECKOUT: Final = 9
PAYMENT: Final = 10
EXIT: Final = 11
AFTER_VISIT: Final = 12

KINDS: Final = len(TOUCHPOINT_KINDS)
IN_STORE: Final = (AMBIENCE, CROWDING, FLOOR, SHELF)  # expected zone by zone


def slot_kinds(zones: int) -> list[int]:
    """The kind of each expectation slot of a store with `zones` zones."""
    return [*range(KINDS), *(IN_STORE * max(zones - 1, 0))]


def zone_slots(zone: int) -> tuple[int, ...]:
    """The slots of zone number `zone`'s expectations of the `IN_STORE` kinds, in their order."""
    if zone == 0:
        return IN_STORE
    first = KINDS + (zone - 1) * len(IN_STORE)
    return tuple(range(first, first + len(IN_STORE)))


def slot_names(zone_names: Sequence[str]) -> list[str]:
    """The name of each expectation slot: the kind's, with its zone for in-store kinds
    ("ambience@fresh")."""
    names = [TOUCHPOINT_KINDS[kind] for kind in slot_kinds(len(zone_names))]
    for zone, zone_name in enumerate(zone_names):
        for kind, slot in zip(IN_STORE, zone_slots(zone)):
            names[slot] = f"{TOUCHPOINT_KINDS[kind]}@{zone_name}"
    return names


def by_kind(levels: dict[str, float], default: float = 0.0) -> list[float]:
    """A mapping of kind names as a list indexed by kind (`default` where it names none)."""
    return [levels.get(kind, default) for kind in TOUCHPOINT_KINDS]
