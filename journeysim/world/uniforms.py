"""The uniforms of the visits: a counter-based stream, addressed by customer, visit and place
in the visit, so that compared scenarios give each visit of each customer the same numbers
(common random numbers) however their other draws differ, and a whole day's visits are drawn
in a few numpy calls instead of one generator per customer.

The stream is SplitMix64 (Steele, Lea & Flood 2014, the generator of Java's
`SplittableRandom`): its output function mixes a 64-bit counter into a number that passes
BigCrush. A visit's own sequence starts at the mix of (key, customer, visit) and steps by
SplitMix64's odd constant, as `SplittableRandom.split` makes a new one. Numpy's generators
offer no vectorised counter-based draw (one `Philox` object per visit costs more than the
visit's draws); the arithmetic is a few lines of unsigned 64-bit numpy.
"""

from __future__ import annotations

from typing import Final

import numpy as np

BLOCK: Final = 52  # uniforms dealt to a visit at first (a baseline visit uses 37; 0.1% use more)
# The first uniforms of a visit, one for each decision after it (loyalty/aftercare.py), so that
# compared scenarios give each of those decisions the same number however many the visit drew.
AFTER_VISIT: Final = 8
_GAMMA: Final = np.uint64(0x9E3779B97F4A7C15)  # SplitMix64's step: 2**64 over the golden ratio
_M1: Final = np.uint64(0xBF58476D1CE4E5B9)
_M2: Final = np.uint64(0x94D049BB133111EB)
_VISIT_BITS: Final = np.uint64(24)  # a customer's visits in one run: fewer than 2**24
_TO_UNIT: Final = 2.0**-53


class VisitUniforms:
    """Uniforms on [0, 1) of every visit in one replication, from a 64-bit `key`."""

    __slots__ = ("_key",)

    def __init__(self, key: int) -> None:
        self._key = np.uint64(key)

    def blocks(self, customers: list[int], visits: list[int], start: int = 0) -> list[list[float]]:
        """The uniforms `start` to `start + BLOCK - 1` of visit `visits[i]` (counted from 0)
        of customer `customers[i]`, for each i."""
        ids = np.array(customers, dtype=np.uint64)
        counters = (ids << _VISIT_BITS) | np.array(visits, dtype=np.uint64)
        seeds = _mixed(self._key + (counters + np.uint64(1)) * _GAMMA)
        steps = np.arange(start + 1, start + BLOCK + 1, dtype=np.uint64) * _GAMMA
        bits = _mixed(seeds[:, np.newaxis] + steps) >> np.uint64(11)
        return (bits * _TO_UNIT).tolist()


def _mixed(z: np.ndarray) -> np.ndarray:
    """SplitMix64's output function (Stafford's mix 13) of each element (in place)."""
    z ^= z >> np.uint64(30)
    z *= _M1
    z ^= z >> np.uint64(27)
    z *= _M2
    z ^= z >> np.uint64(31)
    return z
