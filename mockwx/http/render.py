"""Responses every dialect builds on: JSON bodies and mockwx's own explanation of an error, which
travels in the ``X-Mockwx-Hint`` header so that bodies stay exactly WeChat's."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ..hint import hint_text
from .errors import ControlError

HINT_HEADER = "X-Mockwx-Hint"
PROBLEM_HEADER = "X-Mockwx-Problem"  # the dashboard page of a recorded problem
PROBLEM_PAGE = "/__mock__/ui/problems/"
XML_TYPE = "text/xml"
JSON_TYPE = "application/json"
MAX_HINT = 1000


def hint_headers(hint: str) -> dict[str, str]:
    """The hint as a header value: printable ASCII only, whatever the request carried."""
    return {HINT_HEADER: hint_text(hint)[:MAX_HINT]} if hint else {}


def origin(request: web.Request) -> str:
    """scheme://host the caller reached the mock at (what a link back to it must use)."""
    return f"{request.scheme}://{request.host}"


def problem_headers(origin: str, entry_id: int) -> dict[str, str]:
    """The header that links an answer to its problem's page (printable ASCII, as the Host header may not be)."""
    url = f"{origin}{PROBLEM_PAGE}{entry_id}"
    return {PROBLEM_HEADER: "".join(c if "!" <= c <= "~" else "%" + format(ord(c) & 0xFF, "02X") for c in url)}


def json_body(data: Any, *, status: int = 200, hint: str = "") -> web.Response:
    text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:  # text that is not Unicode (a lone surrogate) still renders, escaped
        body = json.dumps(data, default=str).encode("ascii")
    return web.Response(body=body, status=status, content_type=JSON_TYPE, charset="utf-8", headers=hint_headers(hint))


def control_error(error: ControlError) -> web.Response:
    return json_body(error.to_json(), status=error.status)
