"""Every path nobody mocks: a 501 "not mocked" answer in the dialect the path most likely speaks,
listing what is mocked per dialect (from the catalogue)."""

from __future__ import annotations

from aiohttp import web

from .. import catalogue
from ..escape import printable
from . import render
from .keys import ENTRY
from .v2.answers import xml

ROOT_HINT = (
    "this is mockwx, a local WeChat sandbox: a browser opening / gets the dashboard (/__mock__/ui/), the control"
    " API is /__mock__, and the WeChat APIs it answers are listed under mocked"
)


def mocked() -> dict[str, list[str]]:
    """Every mocked path, per dialect ("login", "pay_v2", ...)."""
    return {
        dialect if dialect == "login" else f"pay_{dialect}": catalogue.mocked_paths(dialect)
        for dialect in catalogue.DIALECTS
    }


async def not_mocked(request: web.Request) -> web.StreamResponse:
    entry = request[ENTRY]
    entry.api = "not_mocked"
    entry.outcome = "501"
    path = request.path
    if path.startswith("/__mock__"):
        return render.json_body(
            {"error": f"no control endpoint {request.method} {path}", "hint": "GET /__mock__ lists the control API"},
            status=404,
        )
    dialect = catalogue.dialect_of_path(path)
    if dialect == "v2":
        hint = "Pay v2 paths mocked: " + ", ".join(catalogue.mocked_paths("v2"))
        answer = {"return_code": "FAIL", "return_msg": f"NOT MOCKED: {printable(path)}"}  # XML has no control chars
        return xml(answer, hint=hint, status=501)
    message = f"mockwx does not mock {request.method} {path}"
    listing = {"mocked": {**mocked(), "control": "/__mock__"}, "dialects": catalogue.DIALECTS}
    hint = ROOT_HINT if path == "/" else "see the README's table of what is mocked"
    if dialect == "v3":
        return render.json_body({"code": "NOT_MOCKED", "message": message, **listing, "hint": hint}, status=501)
    return render.json_body({"errcode": 501, "errmsg": message, **listing, "hint": hint}, status=501)


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", r"/{tail:[\s\S]*}", not_mocked)  # [\s\S]: a path may hold a newline (%0A)
