"""One-time dashboard login links (issue 11, Security): a link carries a nonce that opens the dashboard
once, never the access token itself, so a link seen in a shell's history, a screenshot or a browser's
address bar is worth nothing after its first use. The visit sets the token's cookie (HttpOnly,
SameSite=Strict) and leaves for the dashboard; another link is minted with the token.
"""

from __future__ import annotations

import hmac
from collections import deque
from urllib.parse import urlencode

from aiohttp import web

from ..ids import Ids
from . import render
from .guard import LOGIN_PATH, TOKEN_COOKIE, UI_PATH
from .keys import ACCESS

MINT_PATH = "/__mock__/ui/logins"  # behind the guard: minting a link takes the token
MAX_OPEN = 32  # links minted and not used yet; the oldest is forgotten first


class LoginLinks:
    """The nonces of the login links not used yet (at most MAX_OPEN)."""

    def __init__(self) -> None:
        self._open: deque[str] = deque(maxlen=MAX_OPEN)

    def mint(self) -> str:
        """A new link's nonce, good for one visit."""
        nonce = Ids.secret_token()
        self._open.append(nonce)
        return nonce

    def path(self) -> str:
        """The path (and query) of a new one-time link."""
        return f"{LOGIN_PATH}?{urlencode({'once': self.mint()})}"

    def use(self, offered: str) -> bool:
        """Whether ``offered`` is an open nonce; it is spent either way (constant time per nonce)."""
        data = offered.encode("utf-8", "surrogateescape")
        found = next((n for n in list(self._open) if hmac.compare_digest(data, n.encode("ascii"))), None)
        if found is None:
            return False
        self._open.remove(found)
        return True


LINKS = web.AppKey("login_links", LoginLinks)


async def login(request: web.Request) -> web.StreamResponse:
    """``GET /__mock__/ui/login?once=...``: a link's one visit sets the token's cookie and opens the dashboard."""
    access = request.app[ACCESS]
    if access.token and not request.app[LINKS].use(request.query.get("once", "")):
        return render.json_body(
            {
                "error": "this login link was used already (each works once), or is not one the mock made",
                "hint": f"open the newest link printed at start, or mint one: POST {MINT_PATH} with the access token"
                " (Authorization: Bearer <token>)",
            },
            status=401,
        )
    response = web.Response(status=303, headers={"Location": UI_PATH})  # the nonce leaves the address bar
    if access.token:
        response.set_cookie(TOKEN_COOKIE, access.token, httponly=True, samesite="Strict", path="/")
    return response


async def mint(request: web.Request) -> web.StreamResponse:
    """``POST /__mock__/ui/logins``: a new one-time link (the guard has checked the token)."""
    url = f"{render.origin(request)}{request.app[LINKS].path()}"
    return render.json_body({"url": url, "uses": 1}, status=201)


def add_routes(app: web.Application) -> None:
    app[LINKS] = LoginLinks()
    app.router.add_get(LOGIN_PATH, login)
    app.router.add_post(MINT_PATH, mint)
