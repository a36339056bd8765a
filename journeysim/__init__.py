"""journeysim: simulate the retail customer journey and its effect on loyalty."""

from journeysim.experiment.runner import RunResult, run_scenario
from journeysim.scenario import ScenarioError, load_scenario

__all__ = ["RunResult", "ScenarioError", "load_scenario", "run_scenario"]
__version__ = "0.1.0"
