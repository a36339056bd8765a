"""Number helpers for the hot path."""

from __future__ import annotations

import math


def rounded(x: float) -> int:
    """`round(x)` for a finite float: the nearest int, halves to even. (Compiled code calls
    the builtin through Python's generic call; this compiles to a few native operations.)"""
    low = math.floor(x)
    rest = x - low  # exact: low and x are within 1 of each other
    if rest > 0.5 or (rest == 0.5 and low % 2 == 1):
        return low + 1
    return low
