"""The door of the control API (``/__mock__``) and of the dashboard (``/__mock__/ui``, ``/``): the Host
check against DNS rebinding (403), the access token when one is required (401), and JSON only for
writes (415), so no web page can drive the mock with a simple form or ``text/plain`` POST.

The WeChat-facing API (/pay, /secapi, /sns, /cgi-bin, ...) impersonates WeChat and is never guarded.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable

from aiohttp import web

from . import render
from .keys import ACCESS

CONTROL_PREFIX = "/__mock__"
UI_PATH = "/__mock__/ui"
LOGIN_PATH = "/__mock__/ui/login"
CA_PATH = "/__mock__/tls/ca.pem"  # the local CA's certificate: public, and needed before anything else works
OPEN_PATHS = frozenset({"/__mock__/health", LOGIN_PATH, CA_PATH})  # answered without the token
TOKEN_HEADER = "X-Mockwx-Token"
TOKEN_COOKIE = "mockwx_token"
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def guarded(path: str) -> bool:
    return path == "/" or path.startswith(CONTROL_PREFIX)


@web.middleware
async def guard_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if not guarded(request.path):
        return await handler(request)
    access = request.app[ACCESS]
    if not access.host_allowed(request.headers.get("Host")):
        return _refused(
            403,
            f"the control API does not answer to the Host {request.headers['Host']!r} (a guard against DNS rebinding)",
            "use http://127.0.0.1, http://localhost or the mock's IP address; to reach it by another name, start it"
            " with --allow-host NAME (or security.allowed_hosts in the config file)",
        )
    if access.token and request.path not in OPEN_PATHS and not _has_token(request, access.token):
        return _refused(
            401,
            "this mock listens beyond loopback, so its control API needs the access token"
            if access.exposed
            else "this mock was started with an access token: the control API needs it",
            f"send 'Authorization: Bearer <token>' or '{TOKEN_HEADER}: <token>'; the token was printed when the mock"
            " started (set it with --token, MOCKWX_TOKEN or security.token)",
            {"WWW-Authenticate": 'Bearer realm="mockwx"'},
        )
    if request.method in WRITES and request.body_exists and not _is_json(request.content_type):
        return _refused(
            415,
            f"control calls take JSON: the body was sent as {request.content_type!r}",
            "send the header 'Content-Type: application/json' (curl: -H 'Content-Type: application/json' or --json)",
        )
    return await handler(request)


def _has_token(request: web.Request, token: str) -> bool:
    authorization = request.headers.get("Authorization", "")
    scheme, _, credentials = authorization.partition(" ")
    offered = [
        credentials.strip() if scheme.lower() == "bearer" else "",
        request.headers.get(TOKEN_HEADER, ""),
        request.cookies.get(TOKEN_COOKIE, ""),
    ]
    return any(o and _same(o, token) for o in offered)


def _same(offered: str, token: str) -> bool:
    """Constant-time comparison; header text may hold undecodable bytes (kept as surrogates)."""
    return hmac.compare_digest(offered.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


def _is_json(content_type: str) -> bool:
    return content_type == "application/json" or (
        content_type.startswith("application/") and content_type.endswith("+json")
    )


def _refused(status: int, error: str, hint: str, headers: dict[str, str] | None = None) -> web.Response:
    response = render.json_body({"error": error, "hint": hint}, status=status)
    response.headers.update(headers or {})
    return response


async def login(request: web.Request) -> web.StreamResponse:
    """``GET /__mock__/ui/login?token=...``: the link printed at start sets a cookie and opens the dashboard."""
    access = request.app[ACCESS]
    offered = request.query.get("token", "")
    if access.token and not (offered and _same(offered, access.token)):
        return _refused(401, "this login link does not carry the mock's access token", "open the link printed at start")
    response = web.Response(status=303, headers={"Location": UI_PATH})  # the token leaves the address bar
    if access.token:
        response.set_cookie(TOKEN_COOKIE, access.token, httponly=True, samesite="Strict", path="/")
    return response


def add_routes(app: web.Application) -> None:
    app.router.add_get(LOGIN_PATH, login)
