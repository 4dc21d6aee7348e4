"""Running scenarios: each in a fresh world, step by step, with a result per step."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ..testing.client import MockRefused
from .expect import StepFailure
from .loader import load_scenario, scenario_files
from .model import Scenario, ScenarioError, Step
from .steps import run_step
from .world import World, open_world


@dataclass(slots=True)
class StepResult:
    number: int
    title: str
    status: str  # passed, failed, error, skipped
    seconds: float = 0.0
    message: str = ""
    diff: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ScenarioResult:
    path: str
    name: str
    status: str  # passed, failed, error
    seconds: float = 0.0
    api: str = ""  # the dialect it ran in
    steps: list[StepResult] = field(default_factory=list)
    message: str = ""
    diff: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    @property
    def failure(self) -> StepResult | None:
        return next((s for s in self.steps if s.status in ("failed", "error")), None)


Listener = Callable[[str, object], None]  # ("scenario", Scenario) / ("step", StepResult) / ("done", ScenarioResult)


def _quiet(kind: str, item: object) -> None:
    pass


class Runner:
    """Runs scenarios against a fresh in-process mock (or ``mock_url``) and the built-in merchant
    (or ``merchant_url``), speaking ``api`` (v2 or v3) unless a scenario's setup pins one."""

    def __init__(
        self,
        *,
        mock_url: str | None = None,
        merchant_url: str | None = None,
        mock_port: int = 0,
        api: str = "v2",
        listener: Listener = _quiet,
    ) -> None:
        self.mock_url = mock_url
        self.merchant_url = merchant_url
        self.mock_port = mock_port
        self.api = api
        self.listener = listener

    async def run_paths(self, paths: list[str | Path]) -> list[ScenarioResult]:
        """Every scenario under ``paths``; a file that does not load is an error result, the rest still run."""
        results = []
        for path in scenario_files(paths):
            try:
                scenario = load_scenario(path)
            except ScenarioError as exc:
                result = ScenarioResult(path=str(path), name=path.stem, status="error", message=str(exc))
                self.listener("done", result)
                results.append(result)
                continue
            results.append(await self.run(scenario))
        return results

    async def run(self, scenario: Scenario) -> ScenarioResult:
        self.listener("scenario", scenario)
        api = scenario.api or self.api
        result = ScenarioResult(path=str(scenario.path), name=scenario.name, status="passed", api=api)
        started = time.perf_counter()
        try:
            world = await open_world(
                scenario,
                mock_url=self.mock_url,
                merchant_url=self.merchant_url,
                mock_port=self.mock_port,
                api=scenario.api or self.api,
            )
        except Exception as exc:  # setup failed: say why, run nothing
            result.status, result.message = "error", f"setup failed: {type(exc).__name__}: {exc}"
            result.seconds = time.perf_counter() - started
            self.listener("done", result)
            return result
        try:
            await self._steps(world, scenario, result)
            if result.status == "passed":
                await self._unexpected_problems(world, result)
        finally:
            await world.close()
        result.seconds = time.perf_counter() - started
        self.listener("done", result)
        return result

    async def _steps(self, world: World, scenario: Scenario, result: ScenarioResult) -> None:
        for step in scenario.steps:
            if result.status != "passed":
                result.steps.append(StepResult(step.number, step.title, "skipped"))
                continue
            outcome = await self._step(world, step)
            result.steps.append(outcome)
            self.listener("step", outcome)
            if outcome.status != "passed":
                result.status = outcome.status
                result.message = f"step {step.number} ({step.title}): {outcome.message}"
                result.diff = outcome.diff

    async def _step(self, world: World, step: Step) -> StepResult:
        started = time.perf_counter()
        outcome = StepResult(step.number, step.title, "passed")
        try:
            await run_step(world, step)
            await world.refresh_clock()
        except StepFailure as failure:
            outcome.status, outcome.message, outcome.diff = "failed", failure.message, failure.diff
        except MockRefused as refused:  # the mock refused what the step asked: the story went wrong
            outcome.status, outcome.message = "failed", str(refused)
        except Exception as exc:  # a broken call, not a broken expectation
            outcome.status, outcome.message = "error", f"{type(exc).__name__}: {exc}"
        outcome.seconds = time.perf_counter() - started
        return outcome

    async def _unexpected_problems(self, world: World, result: ScenarioResult) -> None:
        """Protocol problems no expect step looked at fail the scenario, with the mock's diagnosis."""
        problems = await world.mock.requests(problems=True, since=str(world.problems_checked_to), limit="0")
        if problems:
            result.status = "failed"
            result.message = f"{len(problems)} protocol problem(s) the scenario did not expect"
            result.diff = [
                f"{p['method']} {p['path']}: {p['outcome']} ({p['problem']}): {p['error'].get('hint', '')}"
                for p in problems
            ]
