"""Finding and reading scenario files: files or folders (or the bundled library, shipped in the
package), YAML parsed safely, every problem named."""

from __future__ import annotations

from pathlib import Path

import yaml

from .model import Scenario, ScenarioError, parse_scenario

SUFFIXES = (".yaml", ".yml")
LIBRARY = Path(__file__).resolve().parent / "library"  # the bundled scenario library (package data)
LIBRARY_NAMES = ("scenarios", "library")  # what a missing folder may be called to mean the library


def bundled(raw: str | Path) -> Path | None:
    """The library file or folder a path that does not exist here names: ``scenarios/`` (or nothing)
    is the whole library, ``06_forged_signature`` or ``scenarios/06_forged_signature.yaml`` one story."""
    name = Path(raw).name
    if name in LIBRARY_NAMES:
        return _shown(LIBRARY)
    candidates = [LIBRARY / name] + [LIBRARY / f"{name}{suffix}" for suffix in SUFFIXES]
    return next((_shown(c) for c in candidates if c.is_file()), None)


def _shown(path: Path) -> Path:
    """``path`` as reports print it: relative to where mockwx runs when it lies below (a checkout)."""
    try:
        return path.relative_to(Path.cwd())
    except ValueError:
        return path


def library_listing() -> str:
    return ", ".join(p.stem for p in sorted(LIBRARY.glob("*.yaml")))


def scenario_files(paths: list[str | Path]) -> list[Path]:
    """The scenario files under ``paths`` (folders searched recursively), in a stable order; no paths,
    or a name the bundled library has (when no such file or folder exists here), is the library."""
    found: list[Path] = []
    for raw in paths or [_shown(LIBRARY)]:
        path = Path(raw)
        if not path.exists():
            path = bundled(raw) or path
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise ScenarioError(
                f"{path}: no such file or folder, nor a story of the bundled library ({library_listing()})"
            )
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
