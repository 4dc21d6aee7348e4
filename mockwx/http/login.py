"""api.weixin.qq.com, mini-program login (protocol/v2.md 1): query parameters in, JSON out, and
errors as ``{"errcode": N, "errmsg": "..., rid: ..."}``. Parameters are checked here in the order
WeChat is believed to check them (README fidelity notes); the rules live in services/login.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..domain.commands import Code2Session, FetchToken
from ..domain.errors import DomainError
from ..wire.errors import LOGIN_ERRCODES
from . import render
from .endpoint import Call, Failure
from .faults import Injected, apply_fault

_SECRET_SHOWN = 4
_MISSING = {
    "appid": (41002, "the mini program's appid"),
    "secret": (41004, "the AppSecret"),
    "js_code": (41008, "the code from wx.login"),
}


class LoginFail(Exception):
    """``{"errcode": N, "errmsg": "..., rid: ..."}`` from api.weixin.qq.com."""

    def __init__(self, errcode: int, *, hint: str = "") -> None:
        self.errcode = errcode
        self.errmsg = LOGIN_ERRCODES[errcode]
        self.hint = hint
        super().__init__(f"{errcode}: {self.errmsg}")

    def details(self) -> dict[str, Any]:
        out: dict[str, Any] = {"errcode": self.errcode, "errmsg": self.errmsg}
        if self.hint:
            out["hint"] = self.hint
        return out


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


def _require(params: Mapping[str, str], *names: str) -> None:
    for name in names:
        if not params.get(name):
            errcode, what = _MISSING[name]
            raise LoginFail(errcode, hint=f"the {name} query parameter ({what}) is missing")


async def _arrived(call: Call) -> dict[str, str]:
    """The query parameters, journaled (secret shortened), and the fault rule that matches them."""
    backend = call.backend
    params = _params(call.request)
    call.entry.fields = _journal_fields(params)
    match = dict(params)
    code = backend.state.codes.get(params.get("js_code", ""))
    if code is not None:
        match["user"] = code.user
    await apply_fault(call.request, backend.faults.take(call.endpoint.api, match))
    return params


def _ok(call: Call, answer: dict[str, Any]) -> web.Response:
    call.entry.outcome = "ok"
    return render.json_body(answer)


async def code2session(call: Call) -> web.StreamResponse:
    """GET /sns/jscode2session (v2.md 1.1-1.3)."""
    params = await _arrived(call)
    _require(params, "appid", "secret", "js_code")
    grant_type = params.get("grant_type", "authorization_code")
    if grant_type != "authorization_code":
        raise LoginFail(40002, hint=f"grant_type is {grant_type!r}; code2session takes authorization_code")
    account = call.backend.login.code2session(Code2Session(params["appid"], params["secret"], params["js_code"]))
    answer = {"session_key": account.session_key, "openid": account.openid}
    if account.unionid:
        answer["unionid"] = account.unionid
    return _ok(call, answer)


async def token(call: Call) -> web.StreamResponse:
    """GET /cgi-bin/token (v2.md 1.5): a new token that replaces the previous one."""
    params = await _arrived(call)
    grant_type = params.get("grant_type", "")
    if grant_type != "client_credential":
        raise LoginFail(40002, hint=f"grant_type is {grant_type!r}; /cgi-bin/token takes client_credential")
    _require(params, "appid", "secret")
    issued = call.backend.login.access_token(FetchToken(params["appid"], params["secret"]))
    return _ok(call, {"access_token": issued.token, "expires_in": call.backend.settings.login.token_ttl})


HANDLERS = {"code2session": code2session, "token": token}


def error_answer(error: LoginFail, rid: str) -> web.Response:
    return render.json_body({"errcode": error.errcode, "errmsg": f"{error.errmsg}, rid: {rid}"}, hint=error.hint)


class LoginDialect:
    """How api.weixin.qq.com answers errors: HTTP 200 with errcode and errmsg."""

    name = "login"

    def failure(self, call: Call, error: Exception) -> Failure | None:
        if isinstance(error, DomainError):
            if error.rule.login is None:
                return None
            error = LoginFail(error.rule.login, hint=error.explanation)
        elif isinstance(error, Injected) and error.fault.errcode is not None:
            error = LoginFail(error.fault.errcode, hint=error.why)
        if isinstance(error, LoginFail):
            return Failure(
                error_answer(error, call.backend.ids.request_id()), f"errcode {error.errcode}", error.details()
            )
        return None

    def internal(self, call: Call, error: Exception) -> Failure:
        fail = LoginFail(-1, hint=f"mockwx internal error: {error!r}")
        return Failure(
            error_answer(fail, call.backend.ids.request_id()),
            f"errcode {fail.errcode}",
            {"kind": "INTERNAL", "detail": f"{error!r}"},
        )


DIALECT = LoginDialect()
