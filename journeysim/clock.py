"""Times of day written HH:MM, read without the scenario schema (the command line loads it
only where it is used)."""

from __future__ import annotations

import re

_HH_MM = re.compile(r"(\d{1,2}):([0-5]\d)")


def minutes_of_day(text: str) -> int | None:
    """HH:MM from 00:00 to 24:00 as minutes after midnight; None for anything else."""
    match = _HH_MM.fullmatch(text.strip())
    minutes = int(match[1]) * 60 + int(match[2]) if match else None
    return minutes if minutes is not None and minutes <= 1440 else None
