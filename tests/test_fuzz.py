"""Fuzzing the scenario schema: mutated copies of a small baseline, with values at and beyond
the schema's bounds, infinities, NaN, huge and negative numbers and wrong types. Each is either
refused with a ScenarioError or simulated for a day without an exception (a run whose shoppers
never leave ends with the watchdog's Overrun, which names the keys to check).

Hypothesis runs derandomised (the same examples every time) under the `ci` profile; set
HYPOTHESIS_PROFILE=dev for a longer, random search.
"""

from __future__ import annotations

import copy
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from journeysim.scenario import ScenarioError, load_scenario, scenario_json_schema
from journeysim.simulation.measure import measure
from journeysim.simulation.overrun import Overrun

settings.register_profile(
    "ci",
    derandomize=True,
    max_examples=60,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=300, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parents[1]
# A day of a small store from an empty history: quick to simulate whatever the mutation.
SHORT = {
    ("horizon", "days"): 1,
    ("horizon", "warmup_days"): 0,
    ("horizon", "burn_in_days"): 0,
    ("replications",): 1,
}
SMALL_TRAFFIC = {
    ("arrivals", "base_customers"): 300,
    ("arrivals", "rate_per_hour"): 30.0,
    ("arrivals", "new_per_day"): 5.0,
}
BASE = load_scenario(ROOT / "scenarios" / "baseline.yaml").model_dump(mode="json")
SCHEMA = scenario_json_schema()

Path_ = tuple[str | int, ...]


def key_paths(node: Any, path: Path_ = ()) -> list[Path_]:
    """Every key path: sections, lists and their items, mapping entries and single values."""
    if isinstance(node, dict):
        children = node.items()
    elif isinstance(node, list):
        children = enumerate(node)
    else:
        return [path]
    inner = [p for key, value in children for p in key_paths(value, (*path, key))]
    return [path, *inner] if path else inner


def schema_at(path: Path_) -> dict[str, Any]:
    """The JSON Schema of the value at `path` ({} where it cannot be followed)."""
    node = SCHEMA
    for part in path:
        node = resolve(node)
        options = [resolve(o) for o in node.get("anyOf", [node])]
        for option in options:
            if isinstance(part, int) and "items" in option:
                node = option["items"]
                break
            if part in option.get("properties", {}):
                node = option["properties"][part]
                break
            if isinstance(option.get("additionalProperties"), dict):
                node = option["additionalProperties"]
                break
        else:
            return {}
    return resolve(node)


def resolve(node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        node = SCHEMA["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def edges(node: dict[str, Any]) -> list[Any]:
    """Values at and just beyond the schema's bounds of a number (none for other values)."""
    numeric = [o for o in node.get("anyOf", [node]) if o.get("type") in ("number", "integer")]
    if not numeric:
        return []
    found = []
    for key in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        if key in numeric[0]:
            bound = numeric[0][key]
            found += [bound, bound * 2 + 1, bound - 1]
    return found


PATHS = key_paths(BASE)
EXTREMES = st.sampled_from(
    [math.inf, -math.inf, math.nan, 1e300, -1e300, 0, -1, 10**12, 2**64, "x", None, [], {}, True]
)
ANY_VALUE = st.one_of(
    EXTREMES,
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.text(max_size=4),
)


@st.composite
def mutation(draw) -> tuple[Path_, Any]:
    path = draw(st.sampled_from(PATHS))
    bounds = edges(schema_at(path))
    at_bounds = bounds and draw(st.integers(0, 2)) > 0  # two in three: the schema's own edges
    value = draw(st.sampled_from(bounds) if at_bounds else ANY_VALUE)
    return path, value


def put(data: dict[str, Any], path: Path_, value: Any) -> None:
    """Set the value at `path`, where earlier mutations left a place for it."""
    node: Any = data
    for part in path[:-1]:
        if not has(node, part):
            return
        node = node[part]
    if isinstance(node, dict) or has(node, path[-1]):
        node[path[-1]] = value


def has(node: Any, part: str | int) -> bool:
    return (isinstance(node, dict) and part in node) or (
        isinstance(node, list) and isinstance(part, int) and part < len(node)
    )


@given(st.lists(mutation(), min_size=1, max_size=3))
def test_every_mutated_scenario_is_refused_or_runs(mutations) -> None:
    data = copy.deepcopy(BASE)
    for path, value in [*SMALL_TRAFFIC.items(), *mutations]:
        put(data, path, value)
    for path, value in SHORT.items():
        put(data, path, value)
    for path, value in SMALL_TRAFFIC.items():  # traffic stays small, if valid
        old = data.get("arrivals", {}).get(path[1]) if isinstance(data["arrivals"], dict) else None
        if isinstance(old, (int, float)) and not isinstance(old, bool) and old > value:
            put(data, path, value)
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "fuzz.yaml"
        file.write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            scenario = load_scenario(file)
        except ScenarioError as error:
            assert str(error).startswith(str(file)), error
            event("refused")
            return
    try:
        metrics = measure(scenario, 0)
    except Overrun as error:
        assert "check " in str(error)
        event("overrun")
        return
    event("simulated")
    assert set(metrics) >= {"return_rate", "csat", "revenue_per_day"}


def test_the_mutations_reach_both_outcomes() -> None:
    """The search is not vacuous: the baseline mutations include accepted and refused ones."""
    data = copy.deepcopy(BASE)
    put(data, ("checkout", "cashiers"), 201)
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "fuzz.yaml"
        file.write_text(yaml.safe_dump(data), encoding="utf-8")
        try:
            load_scenario(file)
        except ScenarioError:
            pass
        else:
            raise AssertionError("201 cashier lanes accepted")
    assert edges(schema_at(("checkout", "cashiers"))) == [0, 1, -1, 200, 401, 199]
    assert edges(schema_at(("zones", 1, "walk_min")))[:1] == [0]
    assert len(PATHS) > 200
