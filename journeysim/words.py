"""English for counts in what journeysim prints."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """`1 item`, `2 items`, `1,500 items`."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"
