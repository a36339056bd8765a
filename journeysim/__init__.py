"""journeysim: simulate the retail customer journey and its effect on loyalty.

The Python API does all the command line does and returns pandas tables: `load_scenario`,
`run`, `compare`, `select`, `sweep`, `optimise` and `calibrate` (see journeysim.api,
docs/experiments.md and docs/calibration.md).
"""

from journeysim.api import calibrate, compare, optimise, run, select, sweep
from journeysim.compiled import warn_if_stale
from journeysim.scenario import Scenario, ScenarioError, load_scenario
from journeysim.simulation.runner import RunResult, run_scenario
from journeysim.study.compare import CompareResult
from journeysim.study.selection import SelectResult

__all__ = [
    "CompareResult",
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
__version__ = "0.1.0"

warn_if_stale()
