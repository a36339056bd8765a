"""English for counts in what journeysim prints."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    """`1 item`, `2 items`, `1,500 items`."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def amount(number: str, unit: str) -> str:
    """A `number` as shown with its `unit`, singular for exactly one: `1 point`, `0.5 points`,
    `-1 star`, `3 PLN`, `2 min`; a scale with no unit stays bare."""
    if number.lstrip("+-") == "1" and unit.endswith("s"):
        unit = unit.removesuffix("s")
    return f"{number} {unit}".rstrip()


def with_article(words: str) -> str:
    """`words` after "a", or "an" before a vowel: `a family shopper`, `an elderly shopper`."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"
