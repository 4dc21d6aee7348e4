"""What a scenario runs against: a fresh mock (in-process, virtual clock) or a running one reached
by URL, the merchant under test (the built-in reference merchant started for the run, or a URL),
and the values earlier steps saved.
"""

from __future__ import annotations

import socket
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from ..config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from ..testing.client import MockClient
from ..testing.server import MockServer, mock_config
from .model import Scenario

DEFAULT_OPERATOR_TOKEN = "mockwx-scenario-operator"


class MockClock:
    """The mock's time for a merchant in this process: the mock's own clock when in-process,
    else the last time the mock reported (refreshed after every step)."""

    def __init__(self, server: MockServer | None) -> None:
        self._server = server
        self.cached = 0.0

    def now(self) -> float:
        if self._server is not None and self._server.backend is not None:
            return self._server.backend.clock.now()
        return self.cached or time.time()


@dataclass
class World:
    scenario: Scenario
    mock: MockClient
    mock_url: str
    merchant_url: str
    operator_token: str
    session: aiohttp.ClientSession
    clock: MockClock
    api: str = "v2"  # the dialect the built-in merchant and the wechat steps speak
    saved: dict[str, Any] = field(default_factory=dict)
    last_user: str = ""
    first_entry: int = 0  # journal ids above this belong to this scenario
    problems_checked_to: int = 0  # problems up to this journal id were looked at by an expect step
    _server: MockServer | None = None
    _merchant_runner: web.AppRunner | None = None
    _merchant_app: Any = None  # a factory for the built-in merchant's app, kept to restart it
    _merchant_port: int = 0
    _tmp: tempfile.TemporaryDirectory[str] | None = None

    def context(self) -> dict[str, Any]:
        """What ``${...}`` can refer to."""
        return {
            **self.saved,
            "mock": {"url": self.mock_url},
            "merchant": {"url": self.merchant_url},
            "api": self.api,
            "tenant": {"appid": DEMO_APPID, "secret": DEMO_SECRET, "mch_id": DEMO_MCH_ID, "api_key": DEMO_API_KEY},
        }

    async def stop_merchant(self) -> None:
        """Take the built-in merchant off the network (its database stays): it is down."""
        if self._merchant_app is None:
            raise RuntimeError("merchant_down needs the built-in merchant (the runner cannot stop a merchant by URL)")
        if self._merchant_runner is not None:
            await self._merchant_runner.cleanup()
            self._merchant_runner = None

    async def start_merchant(self) -> None:
        """Bring the built-in merchant back on the same port, with the same database."""
        if self._merchant_app is None:
            raise RuntimeError("merchant_up needs the built-in merchant")
        if self._merchant_runner is None:
            self._merchant_runner = await _serve(self._merchant_app(), port=self._merchant_port)

    async def refresh_clock(self) -> None:
        self.clock.cached = (await self.mock.clock())["now"]

    async def close(self) -> None:
        if self._merchant_runner is not None:
            await self._merchant_runner.cleanup()
        await self.session.close()
        await self.mock.close()
        if self._server is not None:
            await self._server.stop()
        if self._tmp is not None:
            self._tmp.cleanup()


async def open_world(
    scenario: Scenario, *, mock_url: str | None, merchant_url: str | None, mock_port: int, api: str = "v2"
) -> World:
    """Start (or reset) the mock, apply the scenario's setup, start the merchant under test."""
    server = None
    if mock_url is None:
        server = await MockServer(mock_config(clock=scenario.clock), port=mock_port).start()
        mock_url = server.url
    client = MockClient(mock_url)
    world = World(
        scenario=scenario,
        mock=client,
        mock_url=mock_url,
        merchant_url="",
        operator_token=scenario.operator_token or DEFAULT_OPERATOR_TOKEN,
        session=aiohttp.ClientSession(),
        clock=MockClock(server),
        api=api,
        _server=server,
    )
    try:
        if server is None:
            await client.reset()
            clock = await client.clock()
            if clock["kind"] != scenario.clock:
                raise RuntimeError(
                    f"the scenario wants a {scenario.clock} clock but the mock at {mock_url} runs a {clock['kind']}"
                    f" one; start it with --clock {scenario.clock}"
                )
        if scenario.tenants:
            await client.control("POST", "/tenants", scenario.tenants)
        if scenario.settings:
            await client.control("PATCH", "/settings", scenario.settings)
        for rule in scenario.rules:
            await client.fault(**rule)
        journal = await client.requests(limit="1")
        world.first_entry = world.problems_checked_to = journal[-1]["id"] if journal else 0
        await world.refresh_clock()
        if merchant_url:  # the command line's --merchant wins over the file
            world.merchant_url = merchant_url.rstrip("/")
        elif isinstance(scenario.merchant, str) and scenario.merchant != "builtin":
            world.merchant_url = scenario.merchant.rstrip("/")
        else:
            overrides = scenario.merchant["builtin"] if isinstance(scenario.merchant, dict) else {}
            world.merchant_url = await _start_builtin(world, overrides)
    except BaseException:
        await world.close()
        raise
    return world


async def _start_builtin(world: World, overrides: dict[str, Any]) -> str:
    """The reference merchant, in this process, wired to the mock and sharing its clock."""
    from mockwx.merchant import create_app, demo_config  # the system under test, not a mockwx dependency

    world._tmp = tempfile.TemporaryDirectory(prefix="mockwx-scenario-")
    with socket.socket() as probe:  # a free port, known before the merchant's config needs its URL
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    public_url = f"http://127.0.0.1:{port}"
    db_path = str(Path(world._tmp.name) / "merchant.sqlite3")
    settings: dict[str, Any] = {"operator_token": world.operator_token}
    if world.api == "v3":  # the demo tenant's v3 key files, written by the mock, as an SDK's config names them
        from mockwx.merchant.config_v3 import settings_from_folder

        folder = str(Path(world._tmp.name) / "keys")
        await world.mock.control("POST", f"/tenants/{DEMO_MCH_ID}/keys", {"folder": folder})
        settings.update(settings_from_folder(folder))
    try:
        config = demo_config(world.mock_url, public_url, db_path, **{**settings, **overrides})
    except (TypeError, ValueError) as exc:
        raise ValueError(f"setup.merchant.builtin: {exc}") from None
    world._merchant_app = lambda: create_app(config, clock=world.clock.now)
    world._merchant_port = port
    world._merchant_runner = await _serve(world._merchant_app(), port=port)
    return public_url


async def _serve(app: web.Application, *, port: int) -> web.AppRunner:
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, reuse_address=True).start()
    return runner
