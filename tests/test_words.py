"""English for counts."""

from __future__ import annotations

from journeysim.words import amount, figure, plural, with_article


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


def test_a_figure_has_three_significant_digits_and_no_exponent_in_practice() -> None:
    """select's refusal read "abandonment_rate<=0.001+-1e-05" and an indifference
    "1.25e+04 PLN"; calibrate's checks "2.02e+03"."""
    cases = {
        1e-05: "0.00001",
        0.0385: "0.0385",
        0.5: "0.5",
        41.83: "41.8",
        99.96: "100",
        2020.4: "2,020",
        -12_500.0: "-12,500",
        0.0: "0",
        1e-300: "1e-300",  # past MAX_PLACES decimals
    }
    assert {value: figure(value) for value in cases} == cases
    assert figure(0.904, 2) == "0.9" and figure(12.4, 2) == "12"
    assert figure(1234.5, 6) == "1,234.5"  # a tick's figure (plots.tick_text)
