"""Times of day written HH:MM, read and written without the scenario schema (the command line
loads it only where it is used); the schema's times follow the same pattern."""

from __future__ import annotations

import math
import re

CLOCK_PATTERN = r"^(([01]?\d|2[0-3]):[0-5]\d|24:00)$"  # HH:MM from 00:00 to 24:00


def minutes_of_day(text: str) -> int | None:
    """HH:MM from 00:00 to 24:00 (CLOCK_PATTERN) as minutes after midnight; None for anything
    else."""
    text = text.strip()
    if not re.fullmatch(CLOCK_PATTERN, text):
        return None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def clock(minutes: float) -> str:
    """HH:MM of a simulation time (minutes since day 0 midnight, or minutes of a day)."""
    minute = int(minutes % 1440)
    return f"{minute // 60:02d}:{minute % 60:02d}"


def minutes_between(start: float, end: float) -> int:
    """Whole minutes between the clocks `clock` shows for `start` and `end` (cut to the minute),
    so that a told span adds up with them: 15:24:50 to 15:33:10 is 9, not 8."""
    return math.floor(end) - math.floor(start)


def end_clock(minutes: float) -> str:
    """`clock` of the end of a range or window: the midnight that ends a day reads 24:00."""
    return "24:00" if minutes > 0 and minutes % 1440 == 0 else clock(minutes)
