"""The phone: the page that runs a mini program in the browser (``/__mock__/ui/phone``), the mini
program's files (``/__mock__/wx/app/...``) and the endpoints its ``wx`` object (wx.js) calls under
``/__mock__/wx/`` for what only WeChat knows: the session, the scopes, open data, the phone number,
the cashier, and wx.request, sent from here as the WeChat client sends it (no CORS, a domain list).

Protocol: protocol/miniprogram-client.md (the client side), v2.md 1.4 and 4. Handlers parse, call a
service, render; wx.login and the payment itself go through ``/__mock__/login`` and ``/__mock__/pay``.
"""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import aiohttp
import yaml
from aiohttp import web
from jinja2 import Environment, FileSystemLoader

from .. import __version__
from ..domain.scopes import SCOPES
from ..notify.allowlist import Allowlist
from ..streams import read_to_end
from . import client, render
from .control import _handler as control_call
from .control import read_json
from .errors import ControlError
from .keys import BACKEND, ENTRY

UI = Path(__file__).resolve().parent.parent / "ui"
STATIC = UI / "static" / "phone"
DEMO_SHOP = STATIC / "shop"
LANGS = ("en", "zh")
LANG_COOKIE = "mockwx_lang"  # the dashboard's language switch remembers the choice in this cookie
SDK_VERSION = "3.3.4"  # the base library the phone plays (>= 2.21.2: the phone button's code; >= 2.24.0: errno)
MAX_APP_FILE = 2 * 1024 * 1024
MAX_MODULES = 500
MAX_PROXY_BODY = 1024 * 1024
REQUEST_TIMEOUT = 60.0  # wx.request's default and maximum (miniprogram-client.md 7.1)
PAGE_HEADERS = {
    # no CDN, no inline script: wx.js and the mini program are this mock's files; WXSS arrives as <style>
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass(slots=True)
class PhoneSetup:
    """What the phone runs: a mini program (the demo shop, a folder or a URL), its backend and extConfig."""

    miniprogram: str = ""  # a folder or an http(s) base URL; empty: the built-in demo shop
    backend: str = ""  # the mini program's server, given to it as extConfig.backend
    ext: dict[str, Any] = field(default_factory=dict)  # what wx.getExtConfigSync() returns
    request_domains: list[str] = field(default_factory=lambda: ["127.0.0.0/8", "::1/128", "localhost"])

    def folder(self) -> Path | None:
        if not self.miniprogram:
            return DEMO_SHOP
        return None if self.is_url() else Path(self.miniprogram).expanduser().resolve()

    def is_url(self) -> bool:
        return self.miniprogram.startswith(("http://", "https://"))

    def allowlist(self) -> Allowlist:
        """WeChat's "request domain list": loopback, and the backend's host."""
        extra = [urlsplit(self.backend).hostname or ""] if self.backend else []
        return Allowlist([*self.request_domains, *filter(None, extra)])


def phone_problem(miniprogram: str, backend: str) -> str:
    """What is wrong with a mini program and backend given on the command line, or ''."""
    if backend and not backend.startswith(("http://", "https://")):
        return f"--backend must be an http(s) URL, got {backend!r}"
    if not miniprogram or miniprogram.startswith(("http://", "https://")):
        return ""
    folder = Path(miniprogram).expanduser()
    if not (folder / "app.json").is_file():
        return f"--miniprogram {miniprogram}: no app.json there (a mini program folder holds app.json, app.js, pages/)"
    return ""


PHONE = web.AppKey("phone", PhoneSetup)
PAGES = web.AppKey("phone_pages", Environment)
FETCH = web.AppKey("phone_fetch", aiohttp.ClientSession)


def setup(app: web.Application) -> PhoneSetup:
    """The phone's setup of a mock app (the CLI points it at a mini program and a backend before start)."""
    return app[PHONE]


# -- the page --------------------------------------------------------------------------------------


def _texts() -> dict[str, dict[str, str]]:
    """The phone's words (the dashboard's table format: key -> {en, zh})."""
    data = yaml.safe_load((UI / "texts" / "phone.yaml").read_text(encoding="utf-8"))
    return {str(k): {lang: str(v[lang]) for lang in LANGS} for k, v in data.items()}


def _lang(request: web.Request) -> str:
    for chosen in (request.query.get("lang", ""), request.cookies.get(LANG_COOKIE, "")):
        if chosen in LANGS:
            return chosen
    accept = request.headers.get("Accept-Language", "").lower()
    first = accept.split(",")[0].strip()
    return "zh" if first.startswith("zh") else "en"


async def phone_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    phone = request.app[PHONE]
    lang = _lang(request)
    texts = _texts()
    appid = request.query.get("appid") or next(iter(backend.state.apps), "")
    app = backend.state.apps.get(appid)
    html = (
        request.app[PAGES]
        .get_template("phone/phone.html")
        .render(
            lang=lang,
            t=lambda key: texts.get(key, {}).get(lang, f"[{key}]"),
            js_texts={k[len("js.") :]: v[lang] for k, v in texts.items() if k.startswith("js.")},
            static=lambda path: f"/__mock__/ui/static/phone/{path}?v={__version__}",
            boot={
                "appid": appid,
                "appName": app.name if app else "",
                "apps": sorted(backend.state.apps),
                "backend": request.query.get("backend") or phone.backend,
                "ext": phone.ext,
                "source": phone.miniprogram or "demo shop",
                "sdkVersion": SDK_VERSION,
                "lang": lang,
                "scopes": [{"name": s.name, "asks": s.asks, "label": s.label, "mode": s.mode} for s in SCOPES],
                "users": _users(backend, appid),
            },
            other_lang="zh" if lang == "en" else "en",
        )
    )
    response = web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)
    if request.query.get("lang") in LANGS:
        response.set_cookie(LANG_COOKIE, lang, max_age=365 * 24 * 3600, path="/", samesite="Lax", httponly=True)
    return response


def _users(backend: Any, appid: str) -> list[str]:
    known = [a.user for a in backend.state.accounts.values() if a.appid == appid]
    return ["alice", "bob", *sorted(u for u in set(known) if u not in ("alice", "bob"))]


# -- the mini program's files ---------------------------------------------------------------------


async def app_file(request: web.Request) -> web.StreamResponse:
    """A file of the mini program the phone runs: from its folder, or fetched from its base URL.

    A ``.js`` file is served wrapped as a CommonJS module (``__wxDefine(path, function (require,
    module, exports) {...})``): each file has its own scope, as in WeChat, and may ``require`` others.
    """
    phone = request.app[PHONE]
    path = request.match_info["path"]
    if not path or ".." in path.split("/") or path.startswith("/") or "\\" in path:
        return web.Response(status=404, text=f"no file {path!r} in the mini program")
    folder = phone.folder()
    if folder is not None:
        try:
            target = (folder / path).resolve()
            found = folder in target.parents and target.is_file() and target.stat().st_size <= MAX_APP_FILE
            body = target.read_bytes() if found else b""
        except (OSError, ValueError):  # a NUL byte, a name too long, a file that vanished
            found = False
        if not found:
            return web.Response(status=404, text=f"no file {path!r} in the mini program folder {folder}")
    else:
        fetched = await _fetched(request, urljoin(phone.miniprogram.rstrip("/") + "/", path))
        if isinstance(fetched, web.Response):
            return fetched
        body = fetched
    if path.endswith(".js"):
        body = b"__wxDefine(%s, function (require, module, exports) {\n%s\n});\n" % (json.dumps(path).encode(), body)
    kind = mimetypes.guess_type(path)[0] or "text/plain"
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    return web.Response(body=body, content_type=kind, charset="utf-8", headers=headers)


async def _fetched(request: web.Request, url: str) -> bytes | web.Response:
    """A file of a mini program given by URL, or the answer that says why it is not there."""
    try:
        async with request.app[FETCH].get(url, timeout=aiohttp.ClientTimeout(total=10)) as answer:
            body = await read_to_end(answer.content, MAX_APP_FILE + 1)
            status = answer.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return web.Response(status=502, text=f"the mini program at {url} could not be fetched: {exc}")
    if status != 200 or len(body) > MAX_APP_FILE:
        return web.Response(status=404, text=f"{url} answered {status}")
    return body


async def app_modules(request: web.Request) -> web.StreamResponse:
    """The mini program's .js files, so the phone can load every module ``require`` may ask for.

    Only a folder can be listed; for a mini program at a URL the phone loads app.js and the pages.
    """
    folder = request.app[PHONE].folder()
    found: list[str] = []
    if folder is not None and folder.is_dir():
        for file in sorted(folder.rglob("*.js")):
            relative = file.relative_to(folder).as_posix()
            if not any(part.startswith(".") or part == "node_modules" for part in relative.split("/")):
                found.append(relative)
            if len(found) >= MAX_MODULES:
                break
    return render.json_body({"modules": found})


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
    refusal = request.app[PHONE].allowlist().refusal(url)
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
    app[PAGES] = Environment(loader=FileSystemLoader(UI / "templates"), autoescape=True, trim_blocks=True)

    async def fetcher(app: web.Application) -> Any:
        app[FETCH] = aiohttp.ClientSession(trust_env=False, auto_decompress=True)
        yield
        await app[FETCH].close()

    app.cleanup_ctx.append(fetcher)
    app.router.add_get("/__mock__/ui/phone", phone_page)
    app.router.add_get("/__mock__/wx/modules", app_modules)
    app.router.add_get("/__mock__/wx/app/{path:.*}", app_file)
    app.router.add_static("/__mock__/ui/static/phone/", STATIC, append_version=False)
    for method, path, fn in ROUTES:
        app.router.add_route(method, path, control_call(fn))
