"""api.weixin.qq.com, mini-program login and the user-data APIs (protocol/v2.md 1): query parameters
(or a JSON body, for the newer APIs) in, JSON out, and errors as ``{"errcode": N, "errmsg": "...
rid: ..."}``. Parameters are checked here in the order WeChat is believed to check them (README
fidelity notes); the rules live in services/login.py and services/userdata.py.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ..domain.commands import CheckSession, Code2Session, ExchangePhoneCode, FetchStableToken, FetchToken
from ..domain.errors import DomainError
from ..wire import JsonRefused, load_json
from ..wire.errors import LOGIN_ERRCODES, login_errmsg
from . import bodies, render
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

    def __init__(self, errcode: int, *, hint: str = "", hinted: bool = False) -> None:
        self.errcode = errcode
        self.errmsg = LOGIN_ERRCODES[errcode]
        self.hint = hint
        self.hinted = hinted  # errmsg in the newer APIs' form, with a "hint: [...]" id
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


async def _json_body(call: Call) -> dict[str, Any]:
    """The JSON object body the newer APIs take (47001 when it is not one); only POST (43002)."""
    if call.request.method != "POST":
        raise LoginFail(43002, hint=f"{call.request.path} takes POST with a JSON body, not {call.request.method}")
    try:
        raw = await bodies.read(call.request)
    except web.HTTPRequestEntityTooLarge:  # aiohttp's plain-text 413 is no answer a WeChat SDK can read
        limit = call.backend.settings.max_body_bytes
        raise LoginFail(
            47001, hint=f"the body is over {limit} bytes, the most the mock takes (max_body_bytes)"
        ) from None
    try:
        data = load_json(raw) if raw.strip() else None
    except JsonRefused as refused:  # deep nesting, NaN, huge numbers...: WeChat's "data format error"
        raise LoginFail(47001, hint=f"the body must be a JSON object: {refused}") from None
    if not isinstance(data, dict):
        raise LoginFail(47001, hint=f"the body must be a JSON object, got {raw[:60]!r}")
    return data


async def _arrived(call: Call, body: Mapping[str, Any] | None = None) -> dict[str, str]:
    """The query parameters (and body fields), journaled (secret shortened), and the fault rule that matches."""
    backend = call.backend
    params = _params(call.request)
    for name, value in (body or {}).items():
        params.setdefault(name, value if isinstance(value, str) else json.dumps(value))
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


async def stable_token(call: Call) -> web.StreamResponse:
    """POST /cgi-bin/stable_token (getStableAccessToken): JSON in, the same token while it lives."""
    body = await _json_body(call)
    params = await _arrived(call, body)
    if params.get("grant_type") != "client_credential":
        raise LoginFail(40002, hint=f"grant_type is {params.get('grant_type')!r}; stable_token takes client_credential")
    _require(params, "appid", "secret")
    force = body.get("force_refresh", False)
    if not isinstance(force, bool):
        raise LoginFail(47001, hint=f"force_refresh must be true or false, got {force!r}")
    issued = call.backend.login.stable_token(FetchStableToken(params["appid"], params["secret"], force))
    expires_in = int(issued.expires_at - call.backend.clock.now())
    return _ok(call, {"access_token": issued.token, "expires_in": expires_in})


async def checksession(call: Call) -> web.StreamResponse:
    """GET /wxa/checksession (checkSessionKey): does the signature prove the current session_key?"""
    params = await _arrived(call)
    command = CheckSession(
        access_token=params.get("access_token", ""),
        openid=params.get("openid", ""),
        signature=params.get("signature", ""),
        sig_method=params.get("sig_method", ""),
    )
    call.backend.login.check_session(command)
    return _ok(call, {"errcode": 0, "errmsg": "ok"})


async def getuserphonenumber(call: Call) -> web.StreamResponse:
    """POST /wxa/business/getuserphonenumber?access_token=: the phone number behind the button's code."""
    body = await _json_body(call)
    params = await _arrived(call, body)
    code = body.get("code")
    command = ExchangePhoneCode(access_token=params.get("access_token", ""), code=code if isinstance(code, str) else "")
    phone_info = call.backend.userdata.exchange(command)
    return _ok(call, {"errcode": 0, "errmsg": "ok", "phone_info": phone_info})


HANDLERS = {
    "code2session": code2session,
    "token": token,
    "stable_token": stable_token,
    "checksession": checksession,
    "getuserphonenumber": getuserphonenumber,
}


def error_answer(error: LoginFail, rid: str, hint_id: str = "") -> web.Response:
    errmsg = login_errmsg(error.errcode, rid, hint_id if error.hinted else "")
    return render.json_body({"errcode": error.errcode, "errmsg": errmsg}, hint=error.hint)


class LoginDialect:
    """How api.weixin.qq.com answers errors: HTTP 200 with errcode and errmsg."""

    name = "login"

    def failure(self, call: Call, error: Exception) -> Failure | None:
        if isinstance(error, DomainError):
            if error.rule.login is None:
                return None
            error = LoginFail(error.rule.login, hint=error.explanation, hinted=error.rule.login_hinted)
        elif isinstance(error, Injected) and error.fault.errcode is not None:
            error = LoginFail(error.fault.errcode, hint=error.why)
        if isinstance(error, LoginFail):
            ids = call.backend.ids
            answer = error_answer(error, ids.request_id(), ids.error_hint())
            return Failure(answer, f"errcode {error.errcode}", error.details())
        return None

    def internal(self, call: Call, error: Exception) -> Failure:
        fail = LoginFail(-1, hint=f"mockwx internal error: {error!r}")
        return Failure(
            error_answer(fail, call.backend.ids.request_id()),
            f"errcode {fail.errcode}",
            {"kind": "INTERNAL", "detail": f"{error!r}"},
        )


DIALECT = LoginDialect()
