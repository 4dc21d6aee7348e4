"""A client for a running mock: the control API, and signed Pay v2 / login calls made the way a
merchant backend makes them. Used by mockwx's own tests, the pytest plugin and scenarios.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from ..access import TOKEN_ENV
from ..config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from ..wire import MD5, new_nonce, parse_xml, pay_sign, render_xml, with_sign
from ..wire.v3 import build_authorization, compact_json, load_private_key, request_payment_params


@dataclass(slots=True)
class V3Answer:
    """A v3 answer as received: status, headers, raw body (``json`` parses it)."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


class MockRefused(AssertionError):
    """The mock's control API refused a call (a 4xx); the message carries its explanation."""


class MockClient:
    """Talks to the mock at ``url`` (``http://127.0.0.1:PORT``) over real HTTP."""

    def __init__(
        self,
        url: str,
        *,
        appid: str = DEMO_APPID,
        secret: str = DEMO_SECRET,
        mch_id: str = DEMO_MCH_ID,
        api_key: str = DEMO_API_KEY,
        session: aiohttp.ClientSession | None = None,
        token: str | None = None,
    ) -> None:
        self.url = url.rstrip("/")
        token = os.environ.get(TOKEN_ENV, "") if token is None else token  # a mock beyond loopback needs it
        self._auth = {"Authorization": f"Bearer {token}"} if token else {}
        self.appid, self.secret, self.mch_id, self.api_key = appid, secret, mch_id, api_key
        self._session = session
        self._own_session = session is None
        self._v3: dict[str, Any] | None = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        return self._session

    async def close(self) -> None:
        if self._own_session and self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> MockClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    # -- control API ----------------------------------------------------------------------------

    async def control(
        self,
        method: str,
        path: str,
        json: Any = None,
        *,
        params: dict[str, Any] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> Any:
        query = {k: str(v) for k, v in (params or {}).items()}
        url = f"{self.url}/__mock__{path}"
        headers = self._auth if method in ("GET", "HEAD") else {**self._auth, "Content-Type": "application/json"}
        async with self.session.request(method, url, json=json, params=query, headers=headers) as response:
            data = await response.json(content_type=None)
            if response.status not in ok:
                raise MockRefused(f"{method} /__mock__{path} -> {response.status}: {data}")
            return data

    async def login(self, user: str = "alice", appid: str | None = None) -> dict[str, Any]:
        """What wx.login gives the mini program: ``{"code", "openid", ...}``."""
        return await self.control("POST", "/login", {"appid": appid or self.appid, "user": user})

    async def pay(self, params: dict[str, Any] | None = None, outcome: str = "ok", **extra: Any) -> dict[str, Any]:
        """The user pays: wx.requestPayment parameters, or out_trade_no / code_url / prepay_id."""
        return await self.control("POST", "/pay", {**(params or {}), **extra, "outcome": outcome})

    async def advance(self, seconds: float) -> dict[str, Any]:
        return await self.control("POST", "/clock/advance", {"seconds": seconds})

    async def clock(self) -> dict[str, Any]:
        return await self.control("GET", "/clock")

    async def order(self, out_trade_no: str, **query: str) -> dict[str, Any]:
        return await self.control("GET", f"/orders/{quote(out_trade_no, safe='')}", params=query)

    async def notifications(self, **query: str) -> list[dict[str, Any]]:
        return (await self.control("GET", "/notifications", params=query))["notifications"]

    async def wait(self, timeout: float = 5, **query: Any) -> dict[str, Any]:
        """Long-poll until a notification matches (status=acked, attempts=N, out_trade_no=...)."""
        return (await self.control("GET", "/notifications/wait", params={**query, "timeout": timeout}))["notification"]

    async def requests(self, problems: bool = False, **query: Any) -> list[dict[str, Any]]:
        """Journal entries, oldest first; with ``since`` and ``limit=0``, every page after ``since``."""
        path = "/problems" if problems else "/requests"
        page = await self.control("GET", path, params=query)
        entries = page["requests"]
        while "since" in query and str(query.get("limit")) == "0" and page["more"]:
            page = await self.control("GET", path, params={**query, "since": page["next_since"]})
            entries += page["requests"]
        return entries

    async def problems(self) -> list[dict[str, Any]]:
        return await self.requests(problems=True)

    async def fault(self, **spec: Any) -> dict[str, Any]:
        return await self.control("POST", "/faults", spec)

    async def reset(self) -> dict[str, Any]:
        return await self.control("POST", "/reset")

    # -- what a merchant backend sends ----------------------------------------------------------

    async def v2(
        self, path: str, fields: dict[str, Any], *, sign_type: str = MD5, key: str | None = None, sign: bool = True
    ) -> dict[str, str]:
        """POST a Pay v2 request (appid, mch_id, nonce_str filled in, then signed); the parsed answer."""
        body = {"appid": self.appid, "mch_id": self.mch_id, "nonce_str": new_nonce(), **fields}
        if sign_type != MD5:
            body["sign_type"] = sign_type
        if sign:
            body = with_sign(body, key or self.api_key, sign_type)
        async with self.session.post(f"{self.url}{path}", data=render_xml(body)) as response:
            return parse_xml(await response.read())

    async def unifiedorder(
        self,
        out_trade_no: str,
        total_fee: int = 1,
        *,
        path: str = "/pay/unifiedorder",
        key: str | None = None,
        **fields: Any,
    ) -> dict[str, str]:
        """A JSAPI order for the test user ``alice`` unless told otherwise (``path``: a sandbox one)."""
        if "openid" not in fields and fields.get("trade_type", "JSAPI") == "JSAPI":
            fields["openid"] = (await self.login(fields.pop("user", "alice")))["openid"]
        order = {
            "body": "mockwx test",
            "out_trade_no": out_trade_no,
            "total_fee": total_fee,
            "spbill_create_ip": "127.0.0.1",
            "notify_url": fields.pop("notify_url", "http://127.0.0.1:9/notify"),
            "trade_type": "JSAPI",
            **fields,
        }
        return await self.v2(path, order, sign_type=fields.get("sign_type", MD5), key=key)

    async def refund(
        self, out_trade_no: str, out_refund_no: str, refund_fee: int, total_fee: int = 100, **fields: Any
    ) -> dict[str, str]:
        """secapi/pay/refund, as a merchant sends it."""
        body = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_refund_no,
            "total_fee": total_fee,
            "refund_fee": refund_fee,
            **fields,
        }
        return await self.v2("/secapi/pay/refund", body)

    def payment_params(self, prepay_id: str, sign_type: str = MD5, *, key: str | None = None) -> dict[str, str]:
        """What the merchant hands to wx.requestPayment for ``prepay_id`` (with the second signature)."""
        time_stamp, nonce = "1700000000", new_nonce()
        package = f"prepay_id={prepay_id}"
        return {
            "timeStamp": time_stamp,
            "nonceStr": nonce,
            "package": package,
            "signType": sign_type,
            "paySign": pay_sign(self.appid, time_stamp, nonce, package, sign_type, key or self.api_key),
        }

    # -- API v3, as a merchant's v3 SDK sends it ------------------------------------------------

    async def v3_keys(self) -> dict[str, Any]:
        """The merchant's v3 material (APIv3 key, private key, serials...), fetched once."""
        if self._v3 is None:
            self._v3 = await self.control("GET", f"/tenants/{self.mch_id}/keys")
        return self._v3

    async def v3(
        self,
        method: str,
        target: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        timestamp: int | None = None,
    ) -> V3Answer:
        """A v3 request signed with the merchant's key (``body``: a dict sent as compact JSON, or bytes)."""
        keys = await self.v3_keys()
        raw = body if isinstance(body, bytes) else (b"" if body is None else compact_json(body))
        authorization = build_authorization(
            method,
            target,
            raw,
            mchid=self.mch_id,
            serial_no=keys["merchant_serial"],
            private_key=load_private_key(keys["merchant_private_key"]),
            timestamp=timestamp if timestamp is not None else int(time.time()),
        )
        sent = {"Authorization": authorization, "Content-Type": "application/json", **(headers or {})}
        async with self.session.request(method, f"{self.url}{target}", data=raw, headers=sent) as response:
            return V3Answer(response.status, dict(response.headers), await response.read())

    async def v3_pay_params(self, prepay_id: str, appid: str | None = None) -> dict[str, str]:
        """The wx.requestPayment parameters of a v3 order, paySign made with RSA (protocol/v3.md 5)."""
        keys = await self.v3_keys()
        key = load_private_key(keys["merchant_private_key"])
        return request_payment_params(appid or self.appid, prepay_id, key, time_stamp=int(time.time()))

    async def code2session(self, code: str, **params: str) -> dict[str, Any]:
        query = {"appid": self.appid, "secret": self.secret, "js_code": code, "grant_type": "authorization_code"}
        query.update(params)
        async with self.session.get(f"{self.url}/sns/jscode2session", params=query) as response:
            return await response.json(content_type=None)
