"""Payment stories as data: YAML scenarios, their loader and their runner."""

from .loader import load_scenario, scenario_files
from .model import Scenario, ScenarioError, Step, parse_duration
from .runner import Runner, ScenarioResult, StepResult

__all__ = [
    "Runner",
    "Scenario",
    "ScenarioError",
    "ScenarioResult",
    "Step",
    "StepResult",
    "load_scenario",
    "parse_duration",
    "scenario_files",
]
