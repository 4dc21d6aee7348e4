"""API v3 JSON bodies as WeChat writes them: compact, UTF-8, Chinese unescaped (protocol/v3.md 6.1, 7.1)."""

from __future__ import annotations

import json


def compact_json(value: object) -> bytes:
    """``value`` as compact UTF-8 JSON, key order kept, non-ASCII written as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_json_object(body: bytes | str) -> dict[str, object]:
    """A JSON object from a body; ValueError that says what arrived otherwise."""
    try:
        value = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"the body is not UTF-8 JSON ({exc})") from None
    if not isinstance(value, dict):
        raise ValueError(f"the body is a JSON {type(value).__name__}; expected an object")
    return value
