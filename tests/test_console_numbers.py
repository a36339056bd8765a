"""The console writes every count and amount of a big store with thousands separators."""

from __future__ import annotations

import pytest

from journeysim.report.console import fmt


@pytest.mark.parametrize(
    ("metric", "value", "text"),
    [
        ("visits_per_day", 31909.0, "31,909"),
        ("new_customers_per_day", 31909.0, "31,909.0"),
        ("complaints_per_day", 1931.5, "1,931.50"),
        ("mean_checkout_wait_min", 1234.5, "1,234.50"),
    ],
)
def test_large_values_are_grouped_like_the_visits(metric: str, value: float, text: str) -> None:
    """An open store of 2,000 shoppers an hour printed "Visits per day 31,909" above "New
    customers per day 31909.0" and "Complaints per day 1931.50"."""
    assert fmt(metric, value) == text
