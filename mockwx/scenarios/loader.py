"""Finding and reading scenario files: files or folders, YAML parsed safely, every problem named."""

from __future__ import annotations

from pathlib import Path

import yaml

from .model import Scenario, ScenarioError, parse_scenario

SUFFIXES = (".yaml", ".yml")


def scenario_files(paths: list[str | Path]) -> list[Path]:
    """The scenario files under ``paths`` (folders searched recursively), in a stable order."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioError(f"{path}: no such file or folder")
    if not found:
        raise ScenarioError(f"no scenario files (*.yaml) in {', '.join(map(str, paths))}")
    return found


def load_scenario(path: Path) -> Scenario:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot read it: {exc}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise ScenarioError(f"{where}: not valid YAML: {getattr(exc, 'problem', exc)}") from None
    return parse_scenario(data, path)
