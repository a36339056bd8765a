"""Touchpoint kinds as small integers, their places in `TOUCHPOINT_KINDS`: a visit's
expectations, weights and tallies are lists indexed by kind, quicker to read at every
touchpoint than dictionaries keyed by name."""

from __future__ import annotations

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


def by_kind(levels: dict[str, float], default: float = 0.0) -> list[float]:
    """A mapping of kind names as a list indexed by kind (`default` where it names none)."""
    return [levels.get(kind, default) for kind in TOUCHPOINT_KINDS]


def by_name(levels: list[float]) -> dict[str, float]:
    """A list indexed by kind as a mapping of kind names."""
    return dict(zip(TOUCHPOINT_KINDS, levels))
