"""The history a run or a comparison starts from, in a line: a what-if run alone lives a
history of its own, while compare starts every scenario from the first one's, so the same
file can give a settled store in one and a store changing from day 0 in the other."""

from __future__ import annotations

from collections.abc import Sequence

from journeysim.loyalty.history import History
from journeysim.scenario.loader import value_at
from journeysim.scenario.schema import Scenario
from journeysim.simulation.burn_in import HISTORY_ONLY, dated_events, history_source, settled


def run_history_text(scenario: Scenario, history: History | None) -> str:
    """'history: N days of this store before day 0, ...' of the `history` the scenario starts
    from (`past(scenario)`), naming the dated events it lived without, or "" without one."""
    if history is None:
        return ""
    how = "as if it had always been so" if settled(history) else "too short to have settled"
    dated = dated_events(scenario)
    store = "this store"
    if dated:
        store += f" without its dated events ({', '.join(dated)}: they begin on their days)"
    return f"history: {scenario.horizon.burn_in_days} days of {store} before day 0, {how}"


def compare_history_text(scenarios: Sequence[Scenario]) -> str:
    """'history: A's N days before day 0 for every scenario, ...' with those that cannot take
    it over (other segments), or "" when the first has no history."""
    first = scenarios[0]
    if history_source(first) is None:
        return ""
    own = [s.name for s in scenarios[1:] if history_source(s, first) is not first]
    text = (
        f"history: {first.name}'s {first.horizon.burn_in_days} days before day 0 for every "
        "scenario, each changing it from day 0"
    )
    if own:
        text += f" (but {', '.join(own)}: other segments, so a history of its own)"
    unseen = [
        f"{s.name}'s {key}"
        for s in scenarios[1:]
        if s.name not in own
        for key in HISTORY_ONLY  # `first` has a history: every one of them is read only there
        if value_at(s, key) != value_at(first, key)
    ]
    if unseen:
        they = "it changes" if len(unseen) == 1 else "they change"
        text += f"; only the history reads {', '.join(unseen)}, so {they} nothing"
    return text


def history_sentences(line: str, seed: int, what: str) -> list[str]:
    """A report's sentences for the console's history `line` of `what` (a run, a comparison, a
    selection) from the history of `seed`: the line, and what its 95% intervals do not measure
    and how to quote its figures."""
    return [
        f"{line[0].upper()}{line[1:]}.",
        f"The 95% intervals measure the replications' futures from this one history (seed "
        f"{seed}), not how far another history would put the store, which can move a figure "
        f"by more than its interval: to quote one, repeat the {what} with two or three seeds "
        "(--seed) and give their spread as well.",
    ]
