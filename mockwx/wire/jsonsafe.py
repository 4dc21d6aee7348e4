"""JSON from the wire, guarded: what a hostile body holds (nesting a parser recurses into, NaN and
Infinity, numbers of thousands of digits, lone surrogates) refused with a reason, so that nothing
downstream (the schema checks, the journal, the state file, a page's JSON.parse) ever meets it.

RFC 8259 is the reference: JSON text is UTF-8 and has no NaN or Infinity. The depth and number
limits are mockwx's: WeChat's bodies nest at most four levels and carry integers of at most 19 digits.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 32
"""Containers nested deeper than this are refused (RecursionError starts near 1000)."""
MAX_NUMBER_CHARS = 64
"""A number written with more characters is refused (int() of 4300 digits raises; 64 is ample)."""

SYNTAX, ENCODING, DEPTH, CONSTANT, NUMBER, SURROGATE = "syntax", "encoding", "depth", "constant", "number", "surrogate"


_TYPES: dict[type, str] = {
    dict: "object",
    list: "array",
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


def json_type(value: Any) -> str:
    """JSON's name for what ``json.loads`` returned (object, array, string...), for messages that speak JSON."""
    return _TYPES.get(type(value), type(value).__name__)


class JsonRefused(ValueError):
    """A body :func:`load_json` will not take; ``kind`` says why (syntax, encoding, depth, constant,
    number, surrogate) and the message says what arrived."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


def load_json(raw: bytes | str, *, max_depth: int = MAX_DEPTH, max_number_chars: int = MAX_NUMBER_CHARS) -> Any:
    """The value of a JSON text, or :class:`JsonRefused`."""
    if isinstance(raw, bytes):
        try:
            raw = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise JsonRefused(ENCODING, f"the body is not UTF-8 ({exc.reason} at byte {exc.start})") from None

    def number(text: str, kind: type) -> Any:
        if len(text) > max_number_chars:
            raise JsonRefused(
                NUMBER, f"a number of {len(text)} digits; JSON numbers here have at most {max_number_chars} characters"
            )
        value = kind(text)
        if kind is float and not math.isfinite(value):
            raise JsonRefused(NUMBER, f"{text} is not a finite number")
        return value

    def constant(name: str) -> Any:
        raise JsonRefused(CONSTANT, f"{name} is not a JSON number (Python writes it; JSON has no NaN or Infinity)")

    try:
        value = json.loads(
            raw,
            parse_int=lambda text: number(text, int),
            parse_float=lambda text: number(text, float),
            parse_constant=constant,
        )
    except RecursionError:
        raise JsonRefused(DEPTH, f"the JSON is nested too deeply (at most {max_depth} levels)") from None
    except json.JSONDecodeError as exc:
        raise JsonRefused(SYNTAX, f"not JSON: {exc}") from None
    _walk(value, max_depth)
    return value


def _walk(value: Any, max_depth: int) -> None:
    """JsonRefused when containers nest deeper than ``max_depth`` or a text holds a lone surrogate
    (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if not item.isascii():
                _unicode(item)
            continue
        if isinstance(item, dict):
            children: Any = [*item.keys(), *item.values()]
        elif isinstance(item, list):
            children = item
        else:
            continue
        if children and depth > max_depth:
            raise JsonRefused(DEPTH, f"the JSON is nested too deeply (at most {max_depth} levels)")
        stack.extend((child, depth + 1) for child in children)


def _unicode(text: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise JsonRefused(
            SURROGATE, "a string holds a lone surrogate (\\ud800-\\udfff): send valid Unicode text"
        ) from None
