"""Every path nobody mocks: a 501 "not mocked" answer in the caller's dialect, naming what is."""

from __future__ import annotations

from aiohttp import web

from ..escape import printable
from . import render
from .keys import ENTRY
from .pay import mocked_paths

PAY_PREFIXES = (
    "/pay/",
    "/secapi/",
    "/sandboxnew/",
    "/xdc/",
    "/mmpaymkttransfers/",
    "/risk/",
    "/papay/",
    "/mmpaysptrans/",
)
LOGIN_PATHS = ["/sns/jscode2session", "/cgi-bin/token"]


def is_pay_path(path: str) -> bool:
    return path.startswith(PAY_PREFIXES)


async def not_mocked(request: web.Request) -> web.StreamResponse:
    entry = request[ENTRY]
    entry.api = "not_mocked"
    entry.outcome = "501"
    path = request.path
    message = f"mockwx does not mock {request.method} {path}"
    if path.startswith("/__mock__"):
        return render.json_body(
            {"error": f"no control endpoint {request.method} {path}", "hint": "GET /__mock__ lists the control API"},
            status=404,
        )
    if is_pay_path(path):
        hint = "Pay v2 paths mocked: " + ", ".join(mocked_paths())
        answer = {"return_code": "FAIL", "return_msg": f"NOT MOCKED: {printable(path)}"}  # XML has no control chars
        return render.xml(answer, hint=hint, status=501)
    return render.json_body(
        {
            "errcode": 501,
            "errmsg": message,
            "mocked": {"login": LOGIN_PATHS, "pay_v2": mocked_paths(), "control": "/__mock__"},
            "hint": "API v3 (/v3/...) is not mocked yet; see the README's table of what is mocked",
        },
        status=501,
    )


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", r"/{tail:[\s\S]*}", not_mocked)  # [\s\S]: a path may hold a newline (%0A)
