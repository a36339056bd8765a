"""English for counts."""

from __future__ import annotations

from journeysim.words import plural


def test_a_count_is_singular_for_one_and_groups_its_thousands() -> None:
    """fit-receipts writes "4,898 receipts" and "1 receipt" with it."""
    assert plural(1, "receipt") == "1 receipt"
    assert plural(0, "weekend day") == "0 weekend days"
    assert plural(4898, "receipt") == "4,898 receipts"
