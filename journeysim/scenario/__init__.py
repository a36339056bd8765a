"""Scenarios: the schema, loading with `extends` and `--set` overrides, and clear errors."""

from journeysim.scenario.errors import ScenarioError
from journeysim.scenario.loader import (
    apply_overrides,
    load_scenario,
    resolved_yaml,
    scenario_json_schema,
)
from journeysim.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "apply_overrides",
    "load_scenario",
    "resolved_yaml",
    "scenario_json_schema",
]
