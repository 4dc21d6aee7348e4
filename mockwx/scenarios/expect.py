"""References between steps (``${order.out_trade_no}``) and expectations: a subset match that
reports every difference with its path."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_REF = re.compile(r"\$\{([^}]+)\}")


class StepFailure(AssertionError):
    """A step did not do what the scenario expected; ``diff`` lists the differences."""

    def __init__(self, message: str, diff: list[str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.diff = diff or []


def lookup(path: str, context: Mapping[str, Any]) -> Any:
    value: Any = context
    walked = []
    for part in path.strip().split("."):
        walked.append(part)
        if isinstance(value, Mapping) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isascii() and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            known = ", ".join(sorted(value)) if isinstance(value, Mapping) else type(value).__name__
            raise StepFailure(f"${{{path}}}: nothing called {'.'.join(walked)!r} (known here: {known})")
    return value


def resolve(value: Any, context: Mapping[str, Any]) -> Any:
    """``value`` with every ``${name.path}`` replaced; a whole-string reference keeps its type."""
    if isinstance(value, str):
        whole = _REF.fullmatch(value)
        if whole:
            return lookup(whole.group(1), context)
        return _REF.sub(lambda m: _text(lookup(m.group(1), context)), value)
    if isinstance(value, Mapping):
        return {k: resolve(v, context) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, context) for v in value]
    return value


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _same(expected: Any, actual: Any) -> bool:
    if expected == actual:
        return True
    # WeChat's XML answers are text: 100 in a scenario matches "100" in an answer
    if isinstance(expected, (int, float)) and not isinstance(expected, bool) and isinstance(actual, str):
        return str(expected) == actual
    if isinstance(actual, (int, float)) and not isinstance(actual, bool) and isinstance(expected, str):
        return expected == str(actual)
    return False


def mismatches(expected: Any, actual: Any, path: str = "") -> list[str]:
    """Every place where ``actual`` differs from ``expected`` (mappings: only the keys expected)."""
    here = path or "(the answer)"
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return [f"{here}: expected a mapping, got {_show(actual)}"]
        out = []
        for key, want in expected.items():
            sub = f"{path}.{key}" if path else str(key)
            if key not in actual:
                out.append(f"{sub}: expected {_show(want)}, but it is missing")
            else:
                out += mismatches(want, actual[key], sub)
        return out
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return [f"{here}: expected a list, got {_show(actual)}"]
        if len(expected) != len(actual):
            return [f"{here}: expected {len(expected)} items {_show(expected)}, got {len(actual)}: {_show(actual)}"]
        out = []
        for n, (want, got) in enumerate(zip(expected, actual, strict=True)):
            out += mismatches(want, got, f"{path}[{n}]")
        return out
    if not _same(expected, actual):
        return [f"{here}: expected {_show(expected)}, got {_show(actual)}"]
    return []


def _show(value: Any, limit: int = 300) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check(expected: Any, actual: Any, what: str) -> None:
    diff = mismatches(expected, actual)
    if diff:
        raise StepFailure(f"{what} is not as expected", diff)
