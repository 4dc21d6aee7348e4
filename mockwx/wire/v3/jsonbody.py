"""API v3 JSON bodies as WeChat writes them: compact, UTF-8, Chinese unescaped (protocol/v3.md 6.1, 7.1)."""

from __future__ import annotations

import json

from ..jsonsafe import json_type, load_json


def compact_json(value: object) -> bytes:
    """``value`` as compact UTF-8 JSON, key order kept, non-ASCII written as is."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def load_json_object(body: bytes | str) -> dict[str, object]:
    """A JSON object from a body; ValueError (a :class:`~mockwx.wire.jsonsafe.JsonRefused` for what is no
    safe JSON: deep nesting, NaN, Infinity, huge numbers, lone surrogates) that says what arrived otherwise."""
    value = load_json(body)
    if not isinstance(value, dict):
        raise ValueError(f"the body is a JSON {json_type(value)}; expected an object")
    return value
