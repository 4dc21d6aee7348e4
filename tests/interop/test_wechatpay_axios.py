"""wechatpay-axios-plugin 0.9.6 (npm), unchanged except its baseURL, against the running mock: API v3 from
Node. Pay, query, close (the plugin verifies the signed, empty 204), refund and its query all pass the
plugin's own response verifier (signature, serial, +-300 s timestamp), in certificate mode and in
public-key mode; the notifications verify and decrypt with the plugin's Rsa, Formatter and AesGcm.
"""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from mockwx.config import DEMO_APPID, DEMO_MCH_ID
from mockwx.testing.client import MockClient

from . import node_sdk

SCRIPT = "wechatpay_v3.js"


@pytest.fixture(scope="module")
def modules():
    return node_sdk.install()


class Axios:
    """One configured plugin client: each call is one `node` process."""

    def __init__(self, modules, mock_url: str, mode: str, keys: dict[str, Any]) -> None:
        self.modules, self.mock_url, self.mode, self.keys = modules, mock_url, mode, {**keys, "mchid": DEMO_MCH_ID}

    async def __call__(self, op: str, **args: Any) -> dict[str, Any]:
        payload = {"op": op, "mock_url": self.mock_url, "mode": self.mode, "keys": self.keys, "args": args}
        return await asyncio.to_thread(node_sdk.run, self.modules, SCRIPT, payload)


@pytest.fixture(params=["certificate", "public_key"])
async def axios(request, modules, mock, client: MockClient) -> Axios:
    keys = await client.control("GET", f"/tenants/{DEMO_MCH_ID}/keys")
    return Axios(modules, mock.url, request.param, keys)


def order_body(number: str, openid: str, notify_url: str, total: int = 100) -> dict[str, Any]:
    return {
        "appid": DEMO_APPID,
        "mchid": DEMO_MCH_ID,
        "description": "mockwx 咖啡",
        "out_trade_no": number,
        "notify_url": notify_url,
        "amount": {"total": total, "currency": "CNY"},
        "payer": {"openid": openid},
    }


async def test_pay_query_notify_refund_close(axios, client, receiver):
    openid = (await client.login("alice"))["openid"]
    placed = await axios("pay", body=order_body("AX0000000001", openid, receiver.url))
    assert placed["status"] == 200 and placed["data"]["prepay_id"].startswith("wx"), placed
    queried = await axios("query", mchid=DEMO_MCH_ID, out_trade_no="AX0000000001")
    assert queried["status"] == 200 and queried["data"]["trade_state"] == "NOTPAY", queried

    params = (await axios("pay_sign", appid=DEMO_APPID, prepay_id=placed["data"]["prepay_id"]))["data"]
    assert (await client.pay(params))["errMsg"] == "requestPayment:ok"  # the mock checked the plugin's paySign
    await client.wait(status="acked", out_trade_no="AX0000000001")
    (note,) = receiver.received
    read = await axios("notification", headers=note.headers, body=note.body.decode())
    assert read["data"]["verified"] is True and read["data"]["event_type"] == "TRANSACTION.SUCCESS"
    resource = read["data"]["resource"]
    assert (resource["out_trade_no"], resource["amount"]["total"], resource["trade_state"]) == (
        "AX0000000001",
        100,
        "SUCCESS",
    )

    refund = {
        "out_trade_no": "AX0000000001",
        "out_refund_no": "AXR000000001",
        "notify_url": receiver.url,
        "amount": {"refund": 30, "total": 100, "currency": "CNY"},
    }
    accepted = await axios("refund", body=refund)
    assert accepted["status"] == 200 and accepted["data"]["status"] == "PROCESSING", accepted
    await client.advance(60)
    await client.wait(status="acked", out_trade_no="AX0000000001", kind="refund")
    read = await axios("notification", headers=receiver.received[-1].headers, body=receiver.received[-1].body.decode())
    assert read["data"]["verified"] is True and read["data"]["event_type"] == "REFUND.SUCCESS"
    assert read["data"]["resource"]["amount"]["refund"] == 30
    settled = await axios("query_refund", out_refund_no="AXR000000001")
    assert settled["status"] == 200 and settled["data"]["status"] == "SUCCESS", settled

    await axios("pay", body=order_body("AX0000000002", openid, receiver.url))
    closed = await axios("close", mchid=DEMO_MCH_ID, out_trade_no="AX0000000002")
    assert (closed["status"], closed["data"]) == (204, None), closed  # verified over "ts\nnonce\n\n"
    assert (await client.order("AX0000000002"))["trade_state"] == "CLOSED"
    assert await client.problems() == []


async def test_the_plugin_really_verifies(axios, client):
    """A WECHATPAY/SIGNTEST/ probe on every answer: the plugin refuses the answer it cannot verify."""
    openid = (await client.login("alice"))["openid"]
    await client.control("PATCH", "/settings", {"v3": {"signtest": 1.0}})
    answer = await axios("pay", body=order_body("AX0000000003", openid, "http://127.0.0.1:9/notify"))
    assert "error" in answer and "verif" in answer["error"]["message"].lower(), answer
    await client.control("PATCH", "/settings", {"v3": {"signtest": 0.0}})
    answer = await axios("query", mchid=DEMO_MCH_ID, out_trade_no="AX0000000003")
    assert answer["status"] == 200  # the order was made; only the probed answer was refused


async def test_errors_come_back_as_wechat_wrote_them(axios):
    answer = await axios("query", mchid=DEMO_MCH_ID, out_trade_no="AX0000000404")
    assert answer["error"]["status"] == 404 and answer["error"]["data"]["code"] == "ORDER_NOT_EXIST", answer
