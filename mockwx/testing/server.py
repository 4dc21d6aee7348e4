"""Run the mock in-process on a free loopback port: ``async with MockServer()`` inside an event
loop, or ``with MockServer.threaded()`` for synchronous code (Django, Flask, requests-based
SDKs) with the mock's loop on a background thread.

Defaults suit tests: in memory, virtual clock, the demo tenant.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import Future
from typing import Any, TypeVar

from aiohttp import web

from ..access import Access
from ..backend import Backend
from ..config import Config, Settings
from ..http.app import create_app
from ..http.keys import ACCESS, BACKEND
from ..http.listeners import listen_all
from ..tls import Network

T = TypeVar("T")


def mock_config(**settings: Any) -> Config:
    """A Config for tests: virtual clock, in memory; keyword arguments override Settings fields."""
    base = Settings(clock="virtual", db=None)
    for name, value in settings.items():
        if not hasattr(base, name):
            raise TypeError(f"Settings has no field {name!r}")
        setattr(base, name, value)
    return Config(settings=base)


class MockServer:
    """The mock, listening on 127.0.0.1 (port 0 picks a free one)."""

    def __init__(self, config: Config | None = None, *, host: str = "127.0.0.1", port: int = 0) -> None:
        self.config = config or mock_config()
        self.host = host
        self.port = port
        self.backend: Backend | None = None
        self.access: Access | None = None  # the access rules (the token, when one is required)
        self.network: Network | None = None  # the HTTPS and proxy ports and the local CA (settings tls, proxy)
        self._runner: web.AppRunner | None = None
        self._loop: LoopThread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def https_url(self) -> str:
        """``https://127.0.0.1:PORT`` when the config turned HTTPS on (tls.port, or proxy.port), else ''."""
        return self.network.https_url if self.network else ""

    @property
    def proxy_url(self) -> str:
        """``http://127.0.0.1:PORT`` when the config turned the proxy on (proxy.port), else ''."""
        return self.network.proxy_url if self.network else ""

    async def start(self) -> MockServer:
        app = create_app(self.config, host=self.host)
        self.backend = app[BACKEND]
        self.access = app[ACCESS]
        started = await listen_all(app, self.host, self.port, idle_timeout=self.config.settings.idle_timeout)
        self._runner, self.port, self.network = started.runner, started.port, started.network
        return self

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> MockServer:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    # -- on a background thread ---------------------------------------------------------------

    @classmethod
    def threaded(cls, config: Config | None = None, **kwargs: Any) -> MockServer:
        """A server whose event loop runs on its own thread; use as a (sync) context manager."""
        return cls(config, **kwargs)

    def __enter__(self) -> MockServer:
        self._loop = LoopThread()
        self._loop.run(self.start())
        return self

    def __exit__(self, *exc: object) -> None:
        assert self._loop is not None
        self._loop.run(self.stop())
        self._loop.stop()
        self._loop = None

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30) -> T:
        """Run a coroutine on the server's thread and wait for its result (threaded mode)."""
        assert self._loop is not None, "run() needs the threaded mode: with MockServer.threaded() as mock"
        return self._loop.run(coro, timeout)


class LoopThread:
    """An event loop on a background thread, for driving async code from synchronous code."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name="mockwx-loop", daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 60) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coro, self.loop)
        return future.result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(5)
        self.loop.close()
