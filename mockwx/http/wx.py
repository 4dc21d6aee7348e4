"""The phone: the page that runs a mini program in the browser (``/__mock__/ui/phone``) and the
endpoints its ``wx`` object (wx.js) calls under ``/__mock__/wx/`` for what only WeChat knows: the
session, the scopes, open data, the phone number, the cashier, and wx.request, sent from here as the
WeChat client sends it (no CORS, a domain list). The mini program itself: mockwx/http/miniprogram.py.

Protocol: protocol/miniprogram-client.md (the client side), v2.md 1.4 and 4. Handlers parse, call a
service, render; wx.login and the payment itself go through ``/__mock__/login`` and ``/__mock__/pay``.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from ..domain.scopes import SCOPES
from ..streams import read_to_end
from ..ui.templating import UI_ROOT
from . import client, control, render
from .control import read_json
from .errors import ControlError
from .keys import BACKEND, ENTRY
from .miniprogram import FETCH, PHONE, PhoneSetup, app_file, app_modules, host_and_origin, phone_problem
from .ui.pages import lang_of, page

__all__ = ["PHONE", "ROUTES", "PhoneSetup", "add_routes", "phone_problem", "setup"]

SDK_VERSION = "3.3.4"  # the base library the phone plays (>= 2.21.2: the phone button's code; >= 2.24.0: errno)
MAX_PROXY_BODY = 1024 * 1024
REQUEST_TIMEOUT = 60.0  # wx.request's default and maximum (miniprogram-client.md 7.1)


def setup(app: web.Application) -> PhoneSetup:
    """The phone's setup of a mock app (the CLI points it at a mini program and a backend before start)."""
    return app[PHONE]


# -- the page --------------------------------------------------------------------------------------


async def phone_page(request: web.Request) -> web.StreamResponse:
    """The phone, on the dashboard's layout (its nav, language and clock)."""
    backend = request.app[BACKEND]
    phone = request.app[PHONE]
    appid = request.query.get("appid") or next(iter(backend.state.apps), "")
    app = backend.state.apps.get(appid)
    backend_url = request.query.get("backend") or phone.backend
    boot = {
        "appid": appid,
        "appName": app.name if app else "",
        "apps": sorted(backend.state.apps),
        "backend": backend_url,
        "backend_refused": _unreachable(phone, backend_url),
        "ext": phone.ext,
        "source": phone.miniprogram,  # empty: the built-in demo shop
        "sdkVersion": SDK_VERSION,
        "lang": lang_of(request),
        "scopes": [{"name": s.name, "asks": s.asks, "label": s.label, "mode": s.mode} for s in SCOPES],
        "users": _users(backend, appid),
    }
    return page(request, "phone/phone.html", "phone", boot=boot)


def _unreachable(phone: PhoneSetup, backend: str) -> dict[str, str] | None:
    """What the page says when wx.request cannot reach the backend the mini program is given, or None."""
    if not backend or not phone.refusal(backend):
        return None
    host, origin = host_and_origin(backend)
    return {"url": backend, "host": host, "origin": origin, "domains": ", ".join(phone.domains())}


def _users(backend: Any, appid: str) -> list[str]:
    known = [a.user for a in backend.state.accounts.values() if a.appid == appid]
    return ["alice", "bob", *sorted(u for u in set(known) if u not in ("alice", "bob"))]


# -- what the wx object asks the mock ------------------------------------------------------------


def _who(data: Any, backend: Any) -> tuple[str, str]:
    appid = data.get("appid") or next(iter(backend.state.apps), "")
    user = data.get("user")
    if not isinstance(appid, str) or not isinstance(user, str) or not user:
        raise ControlError(400, 'say whose phone this is: {"appid": "wx...", "user": "alice"}')
    return appid, user


async def _call(request: web.Request, api: str, *, body: bool = True) -> tuple[Any, dict[str, Any]]:
    """The backend and the call's fields (the JSON body, or the query for reads), journaled as ``api``."""
    entry = request[ENTRY]
    entry.api = api
    data = await read_json(request) if body else dict(request.query)
    entry.fields = data
    return request.app[BACKEND], data


async def check_session(request: web.Request) -> web.StreamResponse:
    """wx.checkSession."""
    backend, data = await _call(request, "wx.checkSession", body=False)
    appid, user = _who(data, backend)
    return render.json_body({"valid": backend.login.session_valid(appid, user)})


async def expire_session(request: web.Request) -> web.StreamResponse:
    """The session ends (as WeChat ends it after a while): checkSession fails until the next wx.login."""
    backend, data = await _call(request, "wx.session.expire")
    appid, user = _who(data, backend)
    account = backend.login.expire_session(appid, user)
    return render.json_body({"expired": True, "openid": account.openid})


async def get_settings(request: web.Request) -> web.StreamResponse:
    """wx.getSetting: the scopes this user has answered for this app."""
    backend, data = await _call(request, "wx.getSetting", body=False)
    appid, user = _who(data, backend)
    return render.json_body({"authSetting": backend.userdata.auth_setting(appid, user).scopes})


async def decide_scope(request: web.Request) -> web.StreamResponse:
    """The user's answer to the permission dialog, or a switch in the settings page."""
    backend, data = await _call(request, "wx.authorize")
    appid, user = _who(data, backend)
    scope, granted = data.get("scope"), data.get("granted")
    if not isinstance(scope, str) or not isinstance(granted, bool):
        raise ControlError(400, 'expected {"scope": "scope.userLocation", "granted": true | false}')
    return render.json_body({"authSetting": backend.userdata.decide(appid, user, scope, granted).scopes})


async def forget_scopes(request: web.Request) -> web.StreamResponse:
    """The user deletes the mini program: every scope decision is forgotten."""
    backend, data = await _call(request, "wx.deleteMiniProgram")
    appid, user = _who(data, backend)
    return render.json_body({"authSetting": backend.userdata.forget(appid, user).scopes})


async def profile(request: web.Request) -> web.StreamResponse:
    """wx.getUserProfile / wx.getUserInfo: userInfo, rawData, signature, encryptedData, iv."""
    backend, data = await _call(request, "wx.getUserProfile")
    appid, user = _who(data, backend)
    api, mode = data.get("api", "getUserProfile"), data.get("mode", "anonymous")
    request[ENTRY].api = f"wx.{api}"
    return render.json_body(backend.userdata.profile(appid, user, api, mode).fields)


async def phone_number(request: web.Request) -> web.StreamResponse:
    """The getPhoneNumber button, allowed: the code (and the older encryptedData and iv)."""
    backend, data = await _call(request, "wx.getPhoneNumber")
    appid, user = _who(data, backend)
    return render.json_body(backend.userdata.phone_button(appid, user).fields)


async def cashier(request: web.Request) -> web.StreamResponse:
    """wx.requestPayment, before the sheet opens: the parameters and paySign checked, what the sheet shows."""
    backend, data = await _call(request, "wx.requestPayment")
    return client.cashier(backend, request[ENTRY], data)


async def proxy_request(request: web.Request) -> web.StreamResponse:
    """wx.request, sent from here as the WeChat client sends it: any HTTP status is a success."""
    backend, data = await _call(request, "wx.request")
    url, method, header, timeout = (
        data.get("url"),
        data.get("method", "GET"),
        data.get("header") or {},
        data.get("timeout"),
    )
    if (
        not isinstance(url, str)
        or not isinstance(method, str)
        or not isinstance(header, dict)
        or not (
            timeout is None or (isinstance(timeout, (int, float)) and not isinstance(timeout, bool) and timeout > 0)
        )
    ):
        raise ControlError(
            400, 'expected {"url": "https://...", "method": "GET", "header": {}, "body": "...", "timeout"?: ms > 0}'
        )
    method = method.upper()
    refusal = request.app[PHONE].refusal(url)
    if refusal:
        request[ENTRY].outcome = "fail url not in domain list"
        return render.json_body({"errMsg": "request:fail url not in domain list", "mockwx": {"hint": refusal}})
    headers = {str(k): str(v) for k, v in header.items() if str(k).lower() != "referer"}
    appid = data.get("appid") or next(iter(backend.state.apps), "")
    headers["Referer"] = f"https://servicewechat.com/{appid}/devtools/page-frame.html"  # fixed by WeChat
    body = data.get("body")
    try:
        async with request.app[FETCH].request(
            method,
            url,
            data=body.encode("utf-8") if isinstance(body, str) else None,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=min(timeout / 1000 if timeout else REQUEST_TIMEOUT, REQUEST_TIMEOUT)),
            allow_redirects=False,
        ) as answer:
            raw = await read_to_end(answer.content, MAX_PROXY_BODY)
            status, answer_headers = answer.status, dict(answer.headers)
    except TimeoutError:
        request[ENTRY].outcome = "fail timeout"
        return render.json_body({"errMsg": "request:fail timeout"})
    except (aiohttp.ClientError, ValueError) as exc:
        request[ENTRY].outcome = "fail"
        return render.json_body({"errMsg": f"request:fail {type(exc).__name__}", "mockwx": {"hint": str(exc)}})
    request[ENTRY].outcome = f"{status}"
    text = raw.decode("utf-8", "replace")
    return render.json_body({"errMsg": "request:ok", "statusCode": status, "header": answer_headers, "data": text})


ROUTES = [
    ("GET", "/__mock__/wx/session", check_session),
    ("POST", "/__mock__/wx/session/expire", expire_session),
    ("GET", "/__mock__/wx/settings", get_settings),
    ("POST", "/__mock__/wx/settings", decide_scope),
    ("POST", "/__mock__/wx/settings/forget", forget_scopes),
    ("POST", "/__mock__/wx/profile", profile),
    ("POST", "/__mock__/wx/phone", phone_number),
    ("POST", "/__mock__/wx/cashier", cashier),
    ("POST", "/__mock__/wx/request", proxy_request),
]


def add_routes(app: web.Application) -> None:
    """The phone's page, files and endpoints (before the 501 fallback, which takes every other path)."""
    app[PHONE] = PhoneSetup()

    async def fetcher(app: web.Application) -> Any:
        app[FETCH] = aiohttp.ClientSession(trust_env=False, auto_decompress=True)
        yield
        await app[FETCH].close()

    app.cleanup_ctx.append(fetcher)
    app.router.add_get(f"{UI_ROOT}/phone", phone_page)  # its scripts and styles: the dashboard's static/phone/
    app.router.add_get("/__mock__/wx/modules", app_modules)
    app.router.add_get("/__mock__/wx/app/{path:.*}", app_file)
    control.add_more_routes(app, ROUTES)
