"""`journeysim.load_scenario`: the scenario loader as the Python API offers it, apart from
journeysim.api so that loading a scenario imports neither pandas nor SciPy."""

from __future__ import annotations

import os

from journeysim import arguments
from journeysim.scenario.loader import load_scenario as load
from journeysim.scenario.schema import Scenario


def load_scenario(path: str | os.PathLike[str], overrides: object = ()) -> Scenario:
    """A scenario file with its extends chain and `KEY.PATH=VALUE` overrides (see
    `journeysim.scenario.load_scenario`); an override's error names it `overrides[i]`, as the
    API's other functions do. Raises ScenarioError (InputTypeError for a `path` or `overrides`
    of the wrong type)."""
    return load(path, arguments.overrides(overrides))
