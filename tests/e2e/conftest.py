"""End-to-end fixtures: the mock and the reference merchant on real loopback sockets, wired to each other.

The merchant's clock is the mock's virtual clock, so ``await client.advance(s)`` moves time for
both: notification retries, session and order expiry, reconciliation. ``client`` (the mock's
control client) and ``mock`` come from tests/conftest.py.
"""

from __future__ import annotations

import json as jsonlib
import socket
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from mockwx.config import DEMO_MCH_ID
from mockwx.merchant import MerchantConfig, create_app, demo_config
from mockwx.merchant.config_v3 import settings_from_folder
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer
from mockwx.wire import MD5, parse_xml

OPERATOR = "operator-token-for-the-e2e-tests"


def listening_socket(port: int = 0) -> socket.socket:
    """A bound, listening loopback socket: the port is known before the app exists, and stays ours."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(128)
    sock.setblocking(False)
    return sock


class Shop:
    """The reference merchant on 127.0.0.1, and a JSON client for its API."""

    def __init__(self, mock: MockServer, db_path: Path, **settings: Any) -> None:
        self.mock = mock
        self._sock = listening_socket()
        self.port = self._sock.getsockname()[1]
        self.db_path = db_path
        self.settings = {"operator_token": OPERATOR, "retry_backoff": 0, **settings}
        self.config: MerchantConfig = demo_config(mock.url, self.url, str(db_path), **self.settings)
        self.app: web.Application | None = None
        self._runner: web.AppRunner | None = None
        self.http = aiohttp.ClientSession()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> Shop:
        """Start (or start again, on the same port and database: a restart)."""
        assert self.mock.backend is not None
        sock = self._sock or listening_socket(self.port)
        self._sock = None
        self.app = create_app(self.config, clock=self.mock.backend.clock.now)
        self._runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=0.1)
        await self._runner.setup()
        await web.SockSite(self._runner, sock).start()
        return self

    async def stop(self) -> None:
        """Take the merchant down: its port refuses connections until ``start``."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def close(self) -> None:
        await self.stop()
        await self.http.close()
        if self._sock is not None:
            self._sock.close()

    # -- calling the merchant ---------------------------------------------------------------------

    async def call(
        self,
        method: str,
        path: str,
        *,
        token: str | None = None,
        json: Any = None,
        data: bytes | str | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, Any]:
        """(status, parsed JSON body) of one call."""
        headers = dict(headers or {})
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        async with self.http.request(method, self.url + path, json=json, data=data, headers=headers) as response:
            text = await response.text()
            assert response.content_type == "application/json", f"{method} {path}: not JSON: {text[:200]}"
            return response.status, jsonlib.loads(text) if text else None

    async def login(self, client: MockClient, user: str = "alice") -> str:
        """wx.login in the mock, then POST /api/login: the merchant's token for ``user``."""
        code = (await client.login(user))["code"]
        status, body = await self.call("POST", "/api/login", json={"code": code})
        assert status == 200, body
        return body["token"]

    async def order(self, token: str, product_id: str = "beans", quantity: int = 1, **extra: Any) -> dict[str, Any]:
        """POST /api/orders; the wx.requestPayment parameters (plus out_trade_no)."""
        status, body = await self.call(
            "POST", "/api/orders", token=token, json={"product_id": product_id, "quantity": quantity, **extra}
        )
        assert status == 201, body
        return body

    async def get(self, token: str, out_trade_no: str) -> dict[str, Any]:
        status, body = await self.call("GET", f"/api/orders/{out_trade_no}", token=token)
        assert status == 200, body
        return body

    async def ops(self, path: str, json: Any = None) -> tuple[int, Any]:
        return await self.call("POST", path, token=OPERATOR, json=json)

    async def notify(self, body: bytes | str, path: str = "/wxpay/notify") -> tuple[int, str]:
        """POST a raw notification body, as WeChat would; (status, reply text)."""
        async with self.http.post(self.url + path, data=body, headers={"Content-Type": "text/xml"}) as response:
            return response.status, await response.text()

    def rows(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        """Read the merchant's database directly (a second connection, as another process would)."""
        conn = sqlite3.connect(self.db_path)
        try:
            return conn.execute(sql, params).fetchall()
        finally:
            conn.close()


ShopFactory = Callable[..., Awaitable[Shop]]


@dataclass(frozen=True, slots=True)
class Dialect:
    """What a test needs to know of the merchant's API version: the journal's api names and fault specs."""

    name: str
    place: str
    query: str
    close: str
    refund: str
    faults: dict[str, dict[str, Any]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)  # the journal's outcome of a success, of "busy"

    def fault(self, what: str) -> dict[str, Any]:
        """The fault rule fields that make WeChat answer ``what`` (busy, no_auth, paid) in this dialect."""
        return self.faults[what]

    def reason(self, excerpt: str) -> str:
        """The merchant's reason in a refusal it answered (v2 return_msg, v3 message)."""
        if self.name == "v3":
            return jsonlib.loads(excerpt)["message"]
        return parse_xml(excerpt.encode())["return_msg"]

    def code(self, what: str) -> str:
        """WeChat's code for ``what`` in this dialect (SYSTEMERROR / SYSTEM_ERROR ...)."""
        return self.faults[what].get("code") or self.faults[what]["err_code"]


DIALECTS = {
    "v2": Dialect(
        "v2",
        "unifiedorder",
        "orderquery",
        "closeorder",
        "refund",
        {
            "busy": {"err_code": "SYSTEMERROR"},
            "no_auth": {"err_code": "NOAUTH"},
            "paid": {"err_code": "ORDERPAID"},
            "not_enough": {"err_code": "NOTENOUGH"},
        },
        {"ok": "SUCCESS", "busy": "SYSTEMERROR", "refused": "rejected", "closed": "SUCCESS", "paid": "ORDERPAID"},
    ),
    "v3": Dialect(
        "v3",
        "v3/jsapi",
        "v3/query",
        "v3/close",
        "v3/refund",
        {
            "busy": {"code": "SYSTEM_ERROR"},
            "no_auth": {"code": "NO_AUTH"},
            "paid": {"code": "ORDER_PAID", "status": 400, "message": "订单已支付"},
            "not_enough": {"code": "NOT_ENOUGH"},
        },
        {"ok": "200", "busy": "500 SYSTEM_ERROR", "refused": "http_error", "closed": "204", "paid": "400 ORDER_PAID"},
    ),
}
V3_CERTIFICATE = "v3-certificate"  # v3, verifying with platform certificates instead of the public key


@pytest.fixture
def sign_type() -> str:
    """The merchant's sign_type; tests parametrize it to run a flow with HMAC-SHA256 too."""
    return MD5


@pytest.fixture
def api() -> str:
    """The merchant's API: v2, v3 (WeChat Pay public key) or v3-certificate; flows parametrize it."""
    return "v2"


@pytest.fixture
def dialect(api: str) -> Dialect:
    return DIALECTS[api[:2]]


async def v3_settings(mock: MockServer, folder: Path, api: str) -> dict[str, Any]:
    """The demo tenant's v3 key files, written by the mock, as merchant settings."""
    async with MockClient(mock.url) as client:
        await client.control("POST", f"/tenants/{DEMO_MCH_ID}/keys", {"folder": str(folder)})
    return settings_from_folder(folder, public_key=api != V3_CERTIFICATE)


@pytest.fixture
async def make_shop(mock: MockServer, tmp_path: Path, sign_type: str, api: str) -> AsyncIterator[ShopFactory]:
    """Build and start merchants wired to the mock; settings override the demo config's fields."""
    shops: list[Shop] = []

    async def make(start: bool = True, **settings: Any) -> Shop:
        settings.setdefault("sign_type", sign_type)
        if api != "v2" and "api" not in settings:
            settings = {**await v3_settings(mock, tmp_path / "keys", api), **settings}
        shop = Shop(mock, tmp_path / f"merchant{len(shops)}.sqlite3", **settings)
        shops.append(shop)
        return await shop.start() if start else shop

    yield make
    for shop in shops:
        await shop.close()


@pytest.fixture
async def shop(make_shop: ShopFactory) -> Shop:
    """The reference merchant with default settings (order_ttl 900 s, reconcile_after 60 s)."""
    return await make_shop()


@pytest.fixture
async def token(shop: Shop, client: MockClient) -> str:
    """alice, logged in to the merchant."""
    return await shop.login(client, "alice")


async def pay(client: MockClient, params: dict[str, Any], outcome: str = "ok") -> dict[str, Any]:
    """The user pays in the mini program with the parameters the merchant returned."""
    answer = await client.pay(params, outcome=outcome)
    if outcome == "ok":
        assert answer["errMsg"] == "requestPayment:ok", answer
    return answer


async def notifications(client: MockClient, out_trade_no: str, **query: str) -> list[dict[str, Any]]:
    """Every notification the mock made for an order, after running what is due now."""
    await client.advance(0)
    return await client.notifications(out_trade_no=out_trade_no, **query)


def verdicts(notification: dict[str, Any]) -> list[str]:
    return [a["verdict"] for a in notification["attempts"]]
