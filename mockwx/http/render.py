"""One place that turns answers and errors into HTTP responses, per dialect: Pay v2 XML, the
login API's JSON, and the control API's JSON. mockwx's own explanation of an error travels in
the ``X-Mockwx-Hint`` header, so bodies stay exactly WeChat's.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..domain.errors import ControlError, LoginFail, ReturnFail
from ..escape import printable
from ..wire import render_xml

HINT_HEADER = "X-Mockwx-Hint"
XML_TYPE = "text/xml"
JSON_TYPE = "application/json"
MAX_HINT = 1000


def _headers(hint: str) -> dict[str, str]:
    """The hint as a header value: printable ASCII only, whatever the request carried."""
    return {HINT_HEADER: printable(hint)[:MAX_HINT]} if hint else {}


def xml(fields: Mapping[str, Any], *, hint: str = "", status: int = 200) -> web.Response:
    return web.Response(
        body=render_xml(fields), status=status, content_type=XML_TYPE, charset="utf-8", headers=_headers(hint)
    )


def return_fail(error: ReturnFail) -> web.Response:
    """return_code=FAIL: two fields (and downloadbill's error_code), no sign."""
    return xml({"return_code": "FAIL", "return_msg": error.return_msg, **error.extra}, hint=error.hint)


def login_error(error: LoginFail, rid: str) -> web.Response:
    body = {"errcode": error.errcode, "errmsg": f"{error.errmsg}, rid: {rid}"}
    return json_body(body, hint=error.hint)


def json_body(data: Any, *, status: int = 200, hint: str = "") -> web.Response:
    text = json.dumps(data, ensure_ascii=False, default=str)
    try:
        body = text.encode("utf-8")
    except UnicodeEncodeError:  # text that is not Unicode (a lone surrogate) still renders, escaped
        body = json.dumps(data, default=str).encode("ascii")
    return web.Response(body=body, status=status, content_type=JSON_TYPE, charset="utf-8", headers=_headers(hint))


def control_error(error: ControlError) -> web.Response:
    return json_body(error.to_json(), status=error.status)
