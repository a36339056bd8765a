"""English for counts."""

from __future__ import annotations

from journeysim.words import amount, plural, with_article


def test_a_count_is_singular_for_one_and_groups_its_thousands() -> None:
    """fit-receipts writes "4,898 receipts" and "1 receipt" with it."""
    assert plural(1, "receipt") == "1 receipt"
    assert plural(0, "weekend day") == "0 weekend days"
    assert plural(4898, "receipt") == "4,898 receipts"


def test_an_amount_of_exactly_one_is_singular() -> None:
    """select's guarantee read "beats it by more than 1 points" for NPS's default."""
    assert amount("1", "points") == "1 point" and amount("-1", "stars") == "-1 star"
    assert amount("0.5", "points") == "0.5 points" and amount("10", "points") == "10 points"
    assert amount("1", "PLN") == "1 PLN" and amount("1", "") == "1"


def test_a_word_beginning_with_a_vowel_takes_an() -> None:
    """trace told of "a elderly shopper" for a segment of that name."""
    assert with_article("elderly shopper") == "an elderly shopper"
    assert with_article("Urban shopper") == "an Urban shopper"
    assert with_article("family shopper") == "a family shopper"
