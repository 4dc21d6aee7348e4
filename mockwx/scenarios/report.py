"""Reports of a scenario run: a line per step as it happens, a summary, JUnit XML and JSON."""

from __future__ import annotations

import dataclasses
import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TextIO

from .model import Scenario
from .runner import ScenarioResult, StepResult

MARKS = {"passed": "ok  ", "failed": "FAIL", "error": "ERR ", "skipped": "skip"}


class ConsoleReport:
    """The runner's listener: prints progress to ``out`` (quiet: failing steps only)."""

    def __init__(self, out: TextIO = sys.stdout, verbose: bool = True, api: str = "v2") -> None:
        self.out = out
        self.verbose = verbose
        self.api = api  # the runner's dialect; a scenario may pin its own
        self._header = ""  # a scenario's title, printed before its first line

    def __call__(self, kind: str, item: object) -> None:
        if kind == "scenario" and isinstance(item, Scenario):
            self._header = f"{item.path}{self._tag(item.api or self.api)}: {item.name}"
            if self.verbose:
                self._emit()
        elif kind == "step" and isinstance(item, StepResult):
            if self.verbose or item.status != "passed":
                self._emit(f"  {MARKS[item.status]} {item.number:>2} {item.title:<50} {item.seconds * 1000:7.1f} ms")
            for line in ([item.message] if item.status != "passed" else []) + item.diff:
                self._emit(f"         {line}")
        elif kind == "done" and isinstance(item, ScenarioResult):
            if not item.steps and item.status != "passed":
                self._header = ""
                self._print(f"{item.path}: {MARKS[item.status]} {item.message}")
            elif item.status != "passed" and item.failure is None:
                self._emit(f"  {MARKS[item.status]} {item.message}")
                for line in item.diff:
                    self._emit(f"         {line}")
            self._header = ""

    def summary(self, results: list[ScenarioResult], seconds: float) -> None:
        passed = sum(r.passed for r in results)
        failed = [r for r in results if not r.passed]
        self._print("")
        for r in failed:
            self._print(f"{MARKS[r.status]} {r.path}{self._tag(r.api)}: {r.name}: {r.message}")
        verdict = "PASSED" if not failed else "FAILED"
        self._print(f"{verdict}: {passed} passed, {len(failed)} failed, {len(results)} scenarios in {seconds:.2f} s")
        pinned = [r for r in results if r.api and r.api != self.api]
        if pinned:  # "--api v3" must not read as a v3 run of scenarios that ran in v2
            names = ", ".join(f"{Path(r.path).name} ({r.api})" for r in pinned)
            self._print(
                f"  {len(results) - len(pinned)} ran in API {self.api}; {len(pinned)} pin another API in their"
                f" setup.api and ran in it: {names}"
            )

    def _tag(self, api: str) -> str:
        """How a scenario's line names the API it ran in: [v3], or [v2: setup.api] when it pins v2 in a v3 run."""
        if api == "v3":
            return " [v3]"
        return f" [{api}: setup.api]" if api and api != self.api else ""

    def _emit(self, line: str | None = None) -> None:
        if self._header:
            self._print(self._header)
            self._header = ""
        if line is not None:
            self._print(line)

    def _print(self, line: str) -> None:
        print(line, file=self.out, flush=True)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _xml_text(text: str) -> str:
    """Text XML 1.0 can carry: a merchant's reply may hold control characters."""
    return _NOT_XML.sub("\ufffd", text)


def write_junit(results: list[ScenarioResult], path: str | Path, seconds: float) -> None:
    """JUnit XML, as CI systems read it: one testcase per scenario."""
    suite = ET.Element(
        "testsuite",
        name="mockwx scenarios",
        tests=str(len(results)),
        failures=str(sum(r.status == "failed" for r in results)),
        errors=str(sum(r.status == "error" for r in results)),
        time=f"{seconds:.3f}",
    )
    for r in results:
        case = ET.SubElement(
            suite,
            "testcase",
            classname=Path(r.path).stem,
            name=_xml_text(r.name),
            file=r.path,
            time=f"{r.seconds:.3f}",
        )
        if not r.passed:
            tag = "failure" if r.status == "failed" else "error"
            body = "\n".join([r.message, *r.diff])
            ET.SubElement(case, tag, message=_xml_text(r.message)).text = _xml_text(body)
        steps = "\n".join(f"{MARKS[s.status]} {s.number} {s.title} ({s.seconds * 1000:.1f} ms)" for s in r.steps)
        ET.SubElement(case, "system-out").text = _xml_text(steps)
    root = ET.Element("testsuites")
    root.append(suite)
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def write_json(results: list[ScenarioResult], path: str | Path, seconds: float) -> None:
    data = {
        "passed": sum(r.passed for r in results),
        "failed": sum(not r.passed for r in results),
        "seconds": round(seconds, 3),
        "scenarios": [dataclasses.asdict(r) for r in results],
    }
    Path(path).write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
