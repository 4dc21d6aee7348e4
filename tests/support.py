"""Test helpers: a programmable notify receiver standing in for a merchant backend."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiohttp import web

from mockwx.config import Config
from mockwx.testing.server import mock_config

ACK = b"<xml><return_code><![CDATA[SUCCESS]]></return_code><return_msg><![CDATA[OK]]></return_msg></xml>"
NACK = b"<xml><return_code><![CDATA[FAIL]]></return_code><return_msg><![CDATA[busy]]></return_msg></xml>"


@dataclass
class Reply:
    status: int = 200
    body: bytes = ACK
    delay: float = 0.0
    gate: asyncio.Event | None = None  # hold the answer until the test opens the gate
    pause: float = 0.0  # write the body in two TCP chunks with this pause between them
    chunked: bool = False  # with pause: chunked transfer encoding instead of a Content-Length


@dataclass
class Received:
    path: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Receiver:
    """Records every POST; answers with ``plan`` (a list consumed in order, then ``default``)."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.plan: list[Reply] = []
        self.default = Reply()
        self.on_request: Callable[[Received], None] | None = None
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/notify"

    def url_for(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        got = Received(request.path, await request.read(), dict(request.headers))
        self.received.append(got)
        reply = self.plan.pop(0) if self.plan else self.default
        if reply.delay:
            await asyncio.sleep(reply.delay)
        if reply.gate is not None:
            await reply.gate.wait()
        if reply.pause:
            return await self._in_two_chunks(request, reply)
        return web.Response(status=reply.status, body=reply.body, content_type="text/xml")

    @staticmethod
    async def _in_two_chunks(request: web.Request, reply: Reply) -> web.StreamResponse:
        response = web.StreamResponse(status=reply.status, headers={"Content-Type": "text/xml"})
        if reply.chunked:
            response.enable_chunked_encoding()
        else:
            response.content_length = len(reply.body)
        await response.prepare(request)
        half = len(reply.body) // 2
        await response.write(reply.body[:half])
        await asyncio.sleep(reply.pause)
        await response.write(reply.body[half:])
        await response.write_eof()
        return response

    async def __aenter__(self) -> Receiver:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()


def network_config(folder: Path, *, proxy: bool = False, **settings: Any) -> Config:
    """A test config with HTTPS on a free port (and the proxy, which needs it), the local CA in ``folder``."""
    config = mock_config(**settings)
    config.settings.tls.port = 0
    config.settings.proxy.port = 0 if proxy else None
    config.settings.tls.folder = str(folder)
    return config
