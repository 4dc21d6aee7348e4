"""The merchant in API v3 believes nothing it has not verified: an answer altered on the way, a
WECHATPAY/SIGNTEST/ probe, certificates that do not decrypt with its APIv3 key, a notification
without a valid signature; and its own mistakes (a wrong private key) come back as clear errors
(protocol/v3.md 1.4, 2.2-2.5, 3, 7.2-7.3)."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from aiohttp import web

from mockwx.config import DEMO_MCH_ID
from mockwx.wire.v3 import new_private_key, private_key_pem

from .conftest import notifications, pay, verdicts
from .proxy import Proxy


@pytest.fixture
def api() -> str:
    """Every merchant here speaks v3 (with the WeChat Pay public key unless a test says otherwise)."""
    return "v3"


Rewrite = Callable[[str, bytes], bytes]
PASSED_ON = ("Authorization", "Content-Type", "Accept", "User-Agent", "Wechatpay-Serial")


class RawInterceptor(Proxy):
    """A man in the middle between the merchant and the mock's v3 API: it may rewrite answer bodies,
    and passes every Wechatpay-* header on unchanged."""

    def __init__(self, upstream: str, rewrite: Rewrite) -> None:
        super().__init__(upstream)
        self.rewrite = rewrite

    async def forward(self, request: web.Request) -> web.Response:
        headers = {k: v for k, v in request.headers.items() if k in PASSED_ON}
        body = await request.read()
        async with self._http.request(
            request.method, self.upstream + request.path_qs, data=body or None, headers=headers
        ) as response:
            raw = await response.read()
            kept = {k: v for k, v in response.headers.items() if k.startswith(("Wechatpay-", "Request-ID"))}
            status = response.status
        return web.Response(status=status, body=self.rewrite(request.path, raw), headers=kept)


def paid_on_query(path: str, raw: bytes) -> bytes:
    """A v3 query answer altered to claim a payment that never happened (the signature left as it was)."""
    if "/out-trade-no/" in path and raw:
        data = json.loads(raw)
        data.update(trade_state="SUCCESS", transaction_id="4200000000000000000000000001")
        return json.dumps(data, separators=(",", ":")).encode()
    return raw


async def test_an_altered_answer_is_refused_and_builds_nothing(make_shop, mock, client):
    def altered(path: str, raw: bytes) -> bytes:
        return raw.replace(b'"prepay_id":"wx', b'"prepay_id":"wy') if path.endswith("/jsapi") else raw

    async with RawInterceptor(mock.url, altered) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"]) == (502, "WECHAT_UNVERIFIED") and "bad_signature" in body["error"]
    assert shop.rows("SELECT status, prepay_id FROM orders") == [("PENDING", None)]


async def test_a_forged_query_answer_does_not_mark_paid(make_shop, mock, client):
    async with RawInterceptor(mock.url, paid_on_query) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        params = await shop.order(token)
        number = params["out_trade_no"]
        await client.advance(60)  # due for reconciliation; no payment happened
        view = await shop.get(token, number)
    assert view["status"] == "PENDING" and view["ledger"] == []
    assert "failed verification" in view["reconcile_note"]


async def test_the_transparent_proxy_changes_nothing(make_shop, mock, client):
    async with RawInterceptor(mock.url, lambda path, raw: raw) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        params = await shop.order(token)
        await pay(client, params)
        await client.wait(out_trade_no=params["out_trade_no"], status="acked")
        assert (await shop.get(token, params["out_trade_no"]))["status"] == "PAID"


async def test_a_signtest_probe_on_an_answer_is_a_verification_failure(shop, client, token):
    await client.control("PATCH", "/settings", {"v3": {"signtest": 1.0}})
    status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"]) == (502, "WECHAT_UNVERIFIED") and "probe" in body["error"]
    await client.control("PATCH", "/settings", {"v3": {"signtest": 0.0}})
    number = shop.rows("SELECT out_trade_no FROM orders")[0][0]
    status, params = await shop.call("POST", f"/api/orders/{number}/pay", token=token)  # re-entry, identical body
    assert status == 200 and params["signType"] == "RSA"


async def test_a_probed_notification_is_refused_then_accepted_when_sent_again(shop, client, token):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.control("PATCH", "/settings", {"v3": {"signtest": 1.0}})
    await pay(client, params)
    await client.wait(out_trade_no=number, attempts=1)
    (note,) = await notifications(client, number)
    assert verdicts(note) == ["http_error"] and note["attempts"][0]["status"] == 401
    assert (await shop.get(token, number))["ledger"] == []
    await client.control("PATCH", "/settings", {"v3": {"signtest": 0.0}})
    await client.advance(15)  # WeChat's first retry, correctly signed
    (note,) = await notifications(client, number)
    assert verdicts(note) == ["http_error", "acked"]
    view = await shop.get(token, number)
    assert view["status"] == "PAID" and [e["source"] for e in view["ledger"]] == ["notify"]


@pytest.mark.parametrize("api", ["v3-certificate"])
async def test_certificates_that_do_not_decrypt_are_a_clear_502(make_shop, client):
    shop = await make_shop(api_v3_key="0" * 32)
    token = await shop.login(client)
    status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"]) == (502, "WECHAT_UNVERIFIED") and "APIv3 key" in body["error"]


async def test_a_wrong_private_key_is_a_clear_502_and_the_mock_diagnoses_it(make_shop, client, tmp_path):
    wrong = tmp_path / "wrong_key.pem"
    wrong.write_text(private_key_pem(new_private_key()))
    shop = await make_shop(private_key_file=str(wrong))
    token = await shop.login(client)
    status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"]) == (502, "WECHAT_REFUSED") and "SIGN_ERROR" in body["error"]
    (problem,) = await client.problems()
    assert problem["api"] == "v3/jsapi" and problem["problem"] == "SIGN_ERROR"


@pytest.mark.parametrize(
    ("headers", "body", "status"),
    [
        ({}, b'{"id":"x"}', 401),
        (
            {"Wechatpay-Serial": "PUB_KEY_ID_0100100001002026112700000000000001", "Wechatpay-Signature": "AAAA"},
            b"",
            401,
        ),
        ({}, b"not json", 401),
    ],
    ids=["no-headers", "bad-signature", "not-json"],
)
async def test_garbage_notifications_are_refused_with_a_4xx(shop, headers, body, status):
    async with shop.http.post(shop.url + "/wxpay/notify", data=body, headers=headers) as response:
        assert response.status == status
        assert (await response.json())["code"] == "FAIL"
    assert shop.rows("SELECT COUNT(*) FROM ledger") == [(0,)]


async def test_the_keys_the_merchant_was_given_are_the_mocks(shop, client):
    keys = await client.control("GET", f"/tenants/{DEMO_MCH_ID}/keys")
    assert shop.config.merchant_serial == keys["merchant_serial"]
    assert shop.config.wechatpay_public_key_id == keys["public_key_id"]
