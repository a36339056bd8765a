"""The history a run or a comparison starts from, in a line: a what-if run alone lives a
history of its own, while compare starts every scenario from the first one's, so the same
file can give a settled store in one and a store changing from day 0 in the other."""

from __future__ import annotations

from collections.abc import Sequence

from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import history_source


def run_history_text(scenario: Scenario) -> str:
    """'from N days of its own history: ...', or "" without a history."""
    if history_source(scenario) is None:
        return ""
    return (
        f"from {scenario.horizon.burn_in_days} days of its own history: the store as if it had "
        "always been so (compare starts every scenario from the first one's history)"
    )


def compare_history_text(scenarios: Sequence[Scenario]) -> str:
    """'every scenario starts from A's N days of history: ...' with those that cannot (other
    segments), or "" when the first has no history."""
    first = scenarios[0]
    if history_source(first) is None:
        return ""
    own = [s.name for s in scenarios[1:] if history_source(s, first) is not first]
    text = (
        f"every scenario starts from {first.name}'s {first.horizon.burn_in_days} days of "
        "history: the store as it is today, changed on day 0 (a what-if run alone lives a "
        "history of its own)"
    )
    if own:
        text += f"; not {', '.join(own)}: other segments, so a history of its own"
    return text
