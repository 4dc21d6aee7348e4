"""A man in the middle for the e2e tests: a loopback server between the merchant and the mock that
forwards each call and may rewrite the answer (subclasses say how)."""

from __future__ import annotations

from aiohttp import ClientSession, web

from .conftest import listening_socket


class Proxy:
    """Listens on a loopback port of its own; ``forward`` handles every request."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self._sock = listening_socket()
        self.url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        self._runner: web.AppRunner | None = None
        self._http = ClientSession()

    async def forward(self, request: web.Request) -> web.Response:
        raise NotImplementedError

    async def __aenter__(self) -> Proxy:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self.forward)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.SockSite(self._runner, self._sock).start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()
        await self._http.close()
