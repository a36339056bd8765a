"""English for counts in what journeysim prints, and signed numbers that never read as a
false zero."""

from __future__ import annotations

import math
from collections.abc import Sequence

MAX_PLACES = 9  # decimals of a number that would otherwise read as zero
SHOWN_CHARS = 200  # of a list a refusal quotes (a folder's --set overrides), the most it shows


def plural(count: int, word: str) -> str:
    """`1 item`, `2 items`, `1,500 items`."""
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def capped(items: Sequence[str], word: str, separator: str = ", ", count: int | None = None) -> str:
    """`items` joined by `separator`, as a refusal quotes them: at most SHOWN_CHARS characters,
    then "..." and how many `word`s there are (`count`, where an item stands for several, as
    "2 more scenario keys" does; else one an item)."""
    shown = separator.join(items)
    if len(shown) <= SHOWN_CHARS:
        return shown
    count = len(items) if count is None else count
    return f"{shown[: SHOWN_CHARS - 3]}... ({plural(count, word)} in all)"


def listed(words: Sequence[str]) -> str:
    """`a`, `a and b`, `a, b and c`."""
    *first, last = words
    return f"{', '.join(first)} and {last}" if first else last


def amount(number: str, unit: str) -> str:
    """A `number` as shown with its `unit`, singular for exactly one: `1 point`, `0.5 points`,
    `-1 star`, `3 PLN`, `2 min`; a scale with no unit stays bare."""
    if number.lstrip("+-") == "1" and unit.endswith("s"):
        unit = unit.removesuffix("s")
    return f"{number} {unit}".rstrip()


def with_article(words: str) -> str:
    """`words` after "a", or "an" before a vowel: `a family shopper`, `an elderly shopper`."""
    return f"{'an' if words[:1].lower() in 'aeiou' else 'a'} {words}"


def figure(value: float, digits: int = 3) -> str:
    """`value` to `digits` significant figures, thousands separated: whole from
    10 ** (digits - 1) on, else trailing zeros dropped: "12,500", "2,020", "41.8", "0.0385",
    "0.00001" (where `:g` wrote 1.25e+04 and 1e-05), "1,234.5" to 6 figures; in exponent form
    only beyond MAX_PLACES decimals ("1e-300")."""
    if value == 0.0 or not math.isfinite(value):
        return f"{value:g}"
    if abs(value) >= 10.0 ** (digits - 1):
        return f"{value:,.0f}"
    places = digits - 1 - math.floor(math.log10(abs(value)))
    if places > MAX_PLACES:
        return f"{value:.{digits}g}"
    return f"{value:,.{places}f}".rstrip("0").rstrip(".")


def places_shown(value: float, places: int) -> int:
    """`places` decimals, or as many more as a value that would read as zero in them needs
    to show its first digit: a CI bound of +0.00003 is not +0.00, which would contradict the
    `*` of an interval that excludes 0. A value whose first digit lies past MAX_PLACES is
    the rounding of a zero (a mean of paired differences that cancel, 1.5e-16), which more
    decimals would not show either: it keeps `places` (+0.000, not +0.000000000)."""
    if value == 0.0 or abs(value) >= 0.5 * 10.0**-places:
        return places
    needed = -math.floor(math.log10(abs(value)))
    return needed if needed <= MAX_PLACES else places


def signed_number(value: float, places: int) -> str:
    """`value` signed, with thousands separated, to `places` decimals or as many more as its
    first digit needs (`places_shown`): "-1,105", "-0.3", never "-0"."""
    shown = places_shown(value, places)
    return f"{unsigned_zero(value, shown):+,.{shown}f}"


def unsigned_zero(value: float, places: int) -> float:
    """`value`, or +0.0 where it reads as zero in `places` decimals (-0.0, -1e-17), so that
    a zero is written +0, never -0."""
    return 0.0 if round(value, places) == 0.0 else value
