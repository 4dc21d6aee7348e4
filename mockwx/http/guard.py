"""The door of the control API (``/__mock__``) and of the dashboard (``/__mock__/ui``, ``/``): the Host
check against DNS rebinding (403), the access token when one is required (401), no writes from
another site's page (403), and JSON only for every write, with a body or without (415): a web page
can send a form, ``text/plain`` or bodiless POST anywhere without asking, but JSON to another
origin only after a CORS preflight, which the mock never grants.

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
OPEN_PATHS = frozenset({"/__mock__/health", LOGIN_PATH, CA_PATH})  # answered without the token (logins.py: login links)
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
            " started (set it with --token, MOCKWX_TOKEN or security.token); a browser opens the dashboard with the"
            " one-time login link printed beside it",
            {"WWW-Authenticate": 'Bearer realm="mockwx"'},
        )
    if request.method in WRITES:
        site = _other_site(request)
        if site:
            return _refused(
                403,
                f"a page on another site ({site}) may not change the mock",
                "drive the mock from its own dashboard, or from code (curl, tests, a backend), which sends no Origin",
            )
        if not _is_json(request.content_type):
            sent = f"as {request.content_type!r}" if "Content-Type" in request.headers else "without a Content-Type"
            return _refused(
                415,
                f"control calls that change the mock take JSON, even with no body: this one came {sent}",
                "send the header 'Content-Type: application/json' (curl: -H 'Content-Type: application/json' or"
                " --json)",
            )
    return await handler(request)


def _other_site(request: web.Request) -> str:
    """The site a browser says a write comes from, when it is not the mock's own page ('' when it is)."""
    origin = request.headers.get("Origin")
    if origin is not None:
        own = (request.headers.get("Host") or "").lower()
        return "" if origin.lower().partition("://")[2] == own else origin
    fetched = request.headers.get("Sec-Fetch-Site", "")
    return fetched if fetched in ("cross-site", "same-site") else ""


def authorised(request: web.Request) -> bool:
    """Whether the caller may see everything: no token is required, or it sent the right one."""
    token = request.app[ACCESS].token
    return not token or _has_token(request, token)


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
