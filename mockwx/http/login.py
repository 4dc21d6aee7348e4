"""api.weixin.qq.com: GET /sns/jscode2session and GET /cgi-bin/token."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiohttp import web

from ..backend import Backend
from ..domain.errors import LoginFail
from ..journal import problem_kind
from ..persist import StorageError
from . import render
from .faults import apply_fault
from .keys import BACKEND, ENTRY

_SECRET_SHOWN = 4


def _params(request: web.Request) -> dict[str, str]:
    params: dict[str, str] = {}
    for name, value in request.query.items():
        params.setdefault(name, value)
    return params


def _journal_fields(params: dict[str, str]) -> dict[str, str]:
    shown = dict(params)
    if shown.get("secret"):
        shown["secret"] = shown["secret"][:_SECRET_SHOWN] + "…"
    return shown


def _endpoint(api: str, service: Callable[[Backend, dict[str, str]], dict[str, Any]]):
    async def handler(request: web.Request) -> web.StreamResponse:
        backend = request.app[BACKEND]
        entry = request[ENTRY]
        entry.api = api
        params = _params(request)
        entry.fields = _journal_fields(params)
        match = dict(params)
        code = backend.state.codes.get(params.get("js_code", ""))
        if code is not None:
            match["user"] = code.user
        try:
            await apply_fault(request, backend.faults.take(api, match))
            answer = service(backend, params)
            try:
                await backend.state.commit()
            except StorageError as exc:
                raise LoginFail(-1, hint=f"mockwx could not store this change and undid it ({exc}); retry") from None
        except LoginFail as error:
            entry.outcome = f"errcode {error.errcode}"
            entry.error = error.details()
            entry.problem = problem_kind(entry.error)
            return render.login_error(error, backend.ids.request_id())
        entry.outcome = "ok"
        return render.json_body(answer)

    return handler


def add_routes(app: web.Application) -> None:
    app.router.add_route("*", "/sns/jscode2session", _endpoint("code2session", lambda b, p: b.login.code2session(p)))
    app.router.add_route("*", "/cgi-bin/token", _endpoint("token", lambda b, p: b.login.access_token(p)))
