"""journeysim: simulate the retail customer journey and its effect on loyalty.

The Python API does all the command line does and returns pandas tables: `load_scenario`,
`run`, `compare`, `select`, `sweep`, `optimise` and `calibrate` (see journeysim.api,
docs/experiments.md and docs/calibration.md). Bad input raises `InputError` (a ValueError).

The names below load on first use, so that `import journeysim` (and the command line) stays
quick: pandas, SciPy and the simulation load only when something runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from journeysim.compiled import is_the_command, warn_if_stale
from journeysim.version import VERSION

if TYPE_CHECKING:
    from journeysim.api import calibrate, compare, optimise, run, select, sweep
    from journeysim.errors import InputError, InputTypeError
    from journeysim.loading import load_scenario
    from journeysim.scenario import Scenario, ScenarioError
    from journeysim.simulation.runner import RunResult, run_scenario
    from journeysim.study.calibrate import CalibrationWarning
    from journeysim.study.compare import CompareResult
    from journeysim.study.optimise import FailedTrialsWarning
    from journeysim.study.selection import SelectResult
    from journeysim.study.sweep import FailedRunsWarning

# Public name -> the module that defines it.
_HOMES = {
    "calibrate": "journeysim.api",
    "CalibrationWarning": "journeysim.study.calibrate",
    "CompareResult": "journeysim.study.compare",
    "FailedRunsWarning": "journeysim.study.sweep",
    "FailedTrialsWarning": "journeysim.study.optimise",
    "InputError": "journeysim.errors",
    "InputTypeError": "journeysim.errors",
    "RunResult": "journeysim.simulation.runner",
    "Scenario": "journeysim.scenario",
    "ScenarioError": "journeysim.scenario",
    "SelectResult": "journeysim.study.selection",
    "compare": "journeysim.api",
    "load_scenario": "journeysim.loading",
    "optimise": "journeysim.api",
    "run": "journeysim.api",
    "run_scenario": "journeysim.simulation.runner",
    "select": "journeysim.api",
    "sweep": "journeysim.api",
}

__all__ = [
    "CalibrationWarning",
    "CompareResult",
    "FailedRunsWarning",
    "FailedTrialsWarning",
    "InputError",
    "InputTypeError",
    "RunResult",
    "Scenario",
    "ScenarioError",
    "SelectResult",
    "calibrate",
    "compare",
    "load_scenario",
    "optimise",
    "run",
    "run_scenario",
    "select",
    "sweep",
]
__version__ = VERSION


def __getattr__(name: str) -> Any:
    """Load a public name from its module on first use (PEP 562)."""
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'journeysim' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOMES])


if not is_the_command():  # the command warns once its display of warnings is in place
    warn_if_stale()
