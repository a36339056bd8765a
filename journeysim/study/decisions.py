"""Decision variables of an optimisation: scenario keys the search may set.

A decision is a range (`KEY=2:6`), of whole numbers where the base scenario's value of its key
is one (checkout.cashiers), else of reals (payment.cash_share=0:1), or a list of choices
(`KEY=a,b,c`, each a YAML value). A named decision may set several keys to the same
value at once, e.g. the lanes of the evening hours of a lane plan.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import optuna

from journeysim.errors import Option, given_with
from journeysim.scenario.loader import Override
from journeysim.scenario.schema import Scenario
from journeysim.study.designs import (
    RANGE,
    RUN_KEYS,
    DesignError,
    check_once,
    check_range,
    check_whole_ends,
    is_number,
    number,
    split_values,
    whole_number_keys,
    yaml_text,
    yaml_texts,
)

EXPECTED_DECISION = "expected LOW:HIGH, {low, high} or a list of values"  # a decision entry


@dataclass(frozen=True)
class Decision:
    """One decision: `name`, the scenario `keys` it sets, and its values: `low`..`high` (whole
    numbers when `integer`, as `typed` sets it) or `choices` (YAML texts); `where` who gave it,
    for errors (an option such as `--decide KEY`, or a file and its key)."""

    name: str
    keys: tuple[str, ...]
    low: float | None = None
    high: float | None = None
    integer: bool = False
    choices: tuple[str, ...] = ()
    where: str = field(default="", compare=False)

    def distribution(self) -> optuna.distributions.BaseDistribution:
        if self.choices:
            return optuna.distributions.CategoricalDistribution(self.choices)
        if self.integer:
            return optuna.distributions.IntDistribution(int(self.low), int(self.high))
        return optuna.distributions.FloatDistribution(self.low, self.high)

    def size(self) -> float:
        """How many values it can take (infinite for a real range)."""
        if self.choices:
            return len(self.choices)
        return self.high - self.low + 1 if self.integer else math.inf

    def extremes(self) -> list[Any]:
        """The values that bound it: low and high, or every choice."""
        return (
            list(self.choices) if self.choices else [self._typed(self.low), self._typed(self.high)]
        )

    def overrides(self, value: Any) -> list[str]:
        """`KEY=VALUE` for each of its keys."""
        text = value if self.choices else yaml_text(self._typed(value))
        return [f"{key}={text}" for key in self.keys]

    def labelled(self, value: Any) -> list[Override]:
        """`overrides(value)` labelled with `where` (errors in them name it), when known."""
        texts = self.overrides(value)
        return [(self.where, text) for text in texts] if self.where else list(texts)

    def describe(self) -> dict[str, Any]:
        """A plain description, stored with the study to recognise it on resume."""
        values: Any = list(self.choices) or [self._typed(self.low), self._typed(self.high)]
        return {"name": self.name, "keys": list(self.keys), "values": values}

    def _typed(self, value: Any) -> Any:
        return int(value) if self.integer else float(value)


def parse_decision(text: str, option: str = Option("--decide")) -> Decision:
    """`KEY=LOW:HIGH` (a range) or `KEY=a,b,c` (choices), given with `option` (named in
    errors)."""
    key, equals, raw = text.partition("=")
    key, where = key.strip(), given_with(option, text)
    if not equals or not key or not raw.strip():
        raise DesignError(f"{where}: expected KEY=LOW:HIGH or KEY=A,B,C", where)
    return _decision(key, (key,), raw, where)


def decision_from_yaml(
    name: str, value: Any, source: str | None, section: str = "decide"
) -> Decision:
    """An optimise file's `decide` entry (a calibration file's `free`: `section`): "LOW:HIGH",
    {low, high}, a list of choices, or {keys: [KEY, ...], and one of values ("LOW:HIGH" or a
    list) or low and high}; errors name `section.NAME` in the `source` file (None: the API's
    mapping of that name)."""
    where = f"{section}.{name}" if source is None else f"{source}: {section}.{name}"
    keys: tuple[str, ...] = (name,)
    if isinstance(value, dict) and "keys" in value:
        keys_given = value["keys"]
        if not isinstance(keys_given, list) or not keys_given:
            raise DesignError(f"{where}.keys: expected a list of scenario keys")
        keys = tuple(str(k) for k in keys_given)
        value = {k: v for k, v in value.items() if k != "keys"}
        value = value["values"] if set(value) == {"values"} else value
    if isinstance(value, dict):
        if set(value) != {"low", "high"}:
            raise DesignError(f"{where}: {EXPECTED_DECISION}")
        low, high = value["low"], value["high"]
        if not (is_number(low) and is_number(high)):
            raise DesignError(f"{where}: expected numbers for low and high")
        return _ranged(name, keys, number(low), number(high), where)
    if isinstance(value, str) and RANGE.match(value):
        return _decision(name, keys, value, where)
    if isinstance(value, list) and value:
        texts = yaml_texts(value, where, EXPECTED_DECISION, " among them")
        return _choices(name, keys, texts, where)
    raise DesignError(f"{where}: {EXPECTED_DECISION}")


def _decision(name: str, keys: tuple[str, ...], raw: str, where: str) -> Decision:
    match = RANGE.match(raw)
    if match:
        return _ranged(name, keys, float(match[1]), float(match[2]), where)
    return _choices(name, keys, split_values(raw), where)


def _ranged(name: str, keys: tuple[str, ...], low: float, high: float, where: str) -> Decision:
    check_range(low, high, where)
    return Decision(name, keys, float(low), float(high), where=where)


def _choices(name: str, keys: tuple[str, ...], values: list[str], where: str) -> Decision:
    if len(set(values)) < 2 or "" in values:
        raise DesignError(
            f"{where}: expected LOW:HIGH of two finite numbers, or at least two different "
            f"choices A,B (got {','.join(values)})",
            where,
        )
    check_once(values, where)
    return Decision(name, keys, choices=tuple(values), where=where)


def typed(decisions: Sequence[Decision], base: Scenario) -> tuple[Decision, ...]:
    """The decisions with each range of whole numbers where a key of it is a whole number in
    `base` (as sweep's ranges; a fractional end refused), else of reals."""
    whole = whole_number_keys(base, [key for d in decisions if not d.choices for key in d.keys])
    result = []
    for decision in decisions:
        key = next((k for k in decision.keys if k in whole), None)
        if key and not decision.choices:
            check_whole_ends(key, (decision.low, decision.high), decision.where or decision.name)
            decision = replace(decision, integer=True)
        result.append(decision)
    return tuple(result)


def space_size(decisions: Sequence[Decision]) -> float:
    """How many combinations the decisions have (infinite with a real range)."""
    return math.prod(d.size() for d in decisions)


def check_names(
    decisions: Sequence[Decision], option: str, noun: str = "decision", verb: str = "choose"
) -> None:
    """Each decision and each key once, and none of the RUN_KEYS (errors name who gave the
    decisions at fault, else `option`; calibrate's are a "free parameter" "to fit")."""
    for decision in decisions:
        for key in set(decision.keys) & set(RUN_KEYS):
            by = decision.where or option
            raise DesignError(
                f"{by}: {key} is the same in every trial (set by {RUN_KEYS[key]}), not a value "
                f"to {verb}",
                by,
            )
    names = [(d.name, d) for d in decisions]
    keys = [(k, d) for d in decisions for k in d.keys]
    for what, items in ((noun, names), ("key", keys)):
        found = [item for item, _ in items]
        twice = sorted({item for item in found if found.count(item) > 1})
        if twice:
            given = list(dict.fromkeys(d.where or option for item, d in items if item == twice[0]))
            raise DesignError(
                f"{' and '.join(given)}: each {what} once (got {', '.join(twice)} twice)", given[0]
            )
