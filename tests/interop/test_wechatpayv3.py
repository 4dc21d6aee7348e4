"""wechatpayv3 2.0.4, unchanged except its base URL, against the running mock: API v3 end to end.

Both of its verification modes (the WeChat Pay public key, and platform certificates from a folder)
must accept every signed answer of the mock, including the empty 204 of close; its callback parser
must verify and decrypt the mock's notifications.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import json
import time

import pytest
from wechatpayv3 import WeChatPay, WeChatPayType

from mockwx.config import DEMO_APPID, DEMO_MCH_ID
from mockwx.testing.client import MockClient


async def v3_material(client: MockClient) -> dict:
    return await client.control("GET", f"/tenants/{DEMO_MCH_ID}/keys")


def sdk(mock_url: str, keys: dict, notify_url: str, kind: WeChatPayType = WeChatPayType.MINIPROG, **mode) -> WeChatPay:
    pay = WeChatPay(
        kind,
        DEMO_MCH_ID,
        keys["merchant_private_key"],
        keys["merchant_serial"],
        DEMO_APPID,
        keys["api_v3_key"],
        notify_url=notify_url,
        **mode,
    )
    pay._core._gate_way = mock_url  # wechatpayv3 has no base-URL option; this is the documented override
    return pay


@pytest.fixture(params=["public_key", "certificate"])
async def mode(request, client, tmp_path) -> tuple[str, dict, dict]:
    """(mode, the merchant's v3 material, the constructor's arguments for it): both verification modes."""
    keys = await v3_material(client)
    if request.param == "public_key":
        return request.param, keys, {"public_key": keys["public_key"], "public_key_id": keys["public_key_id"]}
    (tmp_path / "platform.pem").write_text(keys["platform_certificate"])  # no download in the constructor
    return request.param, keys, {"cert_dir": str(tmp_path)}


@pytest.fixture
async def wxpay(mode, mock, receiver):
    name, keys, kwargs = mode
    pay = sdk(mock.url, keys, receiver.url, **kwargs)
    pay.mode = name  # type: ignore[attr-defined]
    pay.keys = keys  # type: ignore[attr-defined]
    return pay


async def call(fn, *args, **kwargs):
    """wechatpayv3 is synchronous (requests): run it off the event loop the mock serves on."""
    code, text = await asyncio.to_thread(fn, *args, **kwargs)
    return code, (json.loads(text) if text else None)


async def place(pay: WeChatPay, client: MockClient, number: str, total: int = 100, **extra) -> str:
    openid = (await client.login("alice"))["openid"]
    code, answer = await call(
        pay.pay,
        description="mockwx 咖啡",
        out_trade_no=number,
        amount={"total": total},
        payer={"openid": openid},
        **extra,
    )
    assert code == 200, answer
    return answer["prepay_id"]


def pay_params(pay: WeChatPay, prepay_id: str) -> dict[str, str]:
    """What the merchant backend hands to wx.requestPayment, signed by wechatpayv3's own sign()."""
    timestamp, nonce, package = str(int(time.time())), "5K8264ILTKCH16CQ2502SI8ZNMTM67VS", f"prepay_id={prepay_id}"
    return {
        "appId": DEMO_APPID,
        "timeStamp": timestamp,
        "nonceStr": nonce,
        "package": package,
        "signType": "RSA",
        "paySign": pay.sign([DEMO_APPID, timestamp, nonce, package]),
    }


async def test_pay_query_notify_refund_end_to_end(wxpay, client, receiver):
    prepay_id = await place(wxpay, client, "V3E2E0000001", 100, attach="order 1")
    code, order = await call(wxpay.query, out_trade_no="V3E2E0000001")
    assert code == 200 and order["trade_state"] == "NOTPAY" and order["trade_state_desc"] == "订单未支付"
    paid = await client.pay(pay_params(wxpay, prepay_id))
    assert paid["errMsg"] == "requestPayment:ok"
    await client.wait(status="acked", out_trade_no="V3E2E0000001")
    (notification,) = receiver.received
    result = await asyncio.to_thread(wxpay.callback, notification.headers, notification.body.decode())
    assert result is not None, "wechatpayv3 could not verify or decrypt the notification"
    assert result["event_type"] == "TRANSACTION.SUCCESS" and result["resource_type"] == "encrypt-resource"
    resource = result["resource"]
    assert resource["out_trade_no"] == "V3E2E0000001" and resource["amount"]["total"] == 100
    assert resource["trade_state"] == "SUCCESS" and resource["attach"] == "order 1"
    code, order = await call(wxpay.query, transaction_id=resource["transaction_id"])
    assert code == 200 and order["trade_state"] == "SUCCESS" and order["payer"]["openid"] == resource["payer"]["openid"]
    code, refund = await call(
        wxpay.refund,
        out_refund_no="V3R1",
        amount={"refund": 40, "total": 100, "currency": "CNY"},
        out_trade_no="V3E2E0000001",
    )
    assert code == 200 and refund["status"] == "PROCESSING" and refund["amount"]["refund"] == 40
    await client.advance(60)
    await client.wait(status="acked", out_trade_no="V3E2E0000001", kind="refund")
    refund_note = receiver.received[-1]
    result = await asyncio.to_thread(wxpay.callback, refund_note.headers, refund_note.body.decode())
    assert result is not None and result["event_type"] == "REFUND.SUCCESS"
    assert result["resource"]["refund_status"] == "SUCCESS" and result["resource"]["out_refund_no"] == "V3R1"
    code, refund = await call(wxpay.query_refund, out_refund_no="V3R1")
    assert code == 200 and refund["status"] == "SUCCESS" and "success_time" in refund
    code, order = await call(wxpay.query, out_trade_no="V3E2E0000001")
    assert order["trade_state"] == "REFUND"
    assert await client.problems() == []


async def test_close_answers_a_signed_204_and_closing_again_is_fine(wxpay, client):
    await place(wxpay, client, "V3CLOSE00001")
    assert await call(wxpay.close, out_trade_no="V3CLOSE00001") == (204, None)  # the SDK verified the empty body
    assert await call(wxpay.close, out_trade_no="V3CLOSE00001") == (204, None)
    code, order = await call(wxpay.query, out_trade_no="V3CLOSE00001")
    assert order["trade_state"] == "CLOSED"
    openid = (await client.login("alice"))["openid"]
    code, again = await call(
        wxpay.pay, description="x", out_trade_no="V3CLOSE00001", amount={"total": 1}, payer={"openid": openid}
    )
    assert (code, again["code"]) == (400, "ORDER_CLOSED")


@pytest.mark.parametrize(
    ("kind", "extra", "field"),
    [
        (WeChatPayType.NATIVE, {}, "code_url"),
        (WeChatPayType.APP, {}, "prepay_id"),
        (WeChatPayType.H5, {"scene_info": {"payer_client_ip": "1.2.3.4", "h5_info": {"type": "Wap"}}}, "h5_url"),
        (WeChatPayType.JSAPI, {}, "prepay_id"),  # the payer is added below: an openid minted for it
    ],
)
async def test_every_pay_type(mode, mock, client, receiver, kind, extra, field):
    """Each pay type in both verification modes: the SDK verifies every answer with its own key lookup."""
    _, keys, kwargs = mode
    pay = sdk(mock.url, keys, receiver.url, kind, **kwargs)
    if kind == WeChatPayType.JSAPI:
        extra = {"payer": {"openid": (await client.login("bob"))["openid"]}}
    code, answer = await call(
        pay.pay, description="mockwx", out_trade_no=f"V3TYPE{kind.value}01", amount={"total": 2}, **extra
    )
    assert code == 200 and answer[field], answer
    if kind == WeChatPayType.NATIVE:
        assert answer["code_url"].startswith("weixin://wxpay/bizpayurl?pr=")
    (placed,) = await client.requests(api=f"v3/{kind.name.lower()}")
    assert placed["status"] == 200 and placed["request"]["size"] > 0


async def test_bills_download_with_their_hash(wxpay, client):
    prepay_id = await place(wxpay, client, "V3BILL000001", 123)
    await client.pay(pay_params(wxpay, prepay_id))
    day = time.strftime("%Y-%m-%d", time.gmtime((await client.clock())["now"] + 8 * 3600))
    code, answer = await call(wxpay.trade_bill, bill_date=day)
    assert code == 200 and answer["hash_type"] == "SHA1", answer
    code, raw = await asyncio.to_thread(wxpay.download_bill, answer["download_url"])
    assert code == 200 and hashlib.sha1(raw).hexdigest() == answer["hash_value"]
    text = gzip.decompress(raw).decode("utf-8-sig")
    assert "V3BILL000001" in text and "`1.23" in text
    code, answer = await call(wxpay.fundflow_bill, bill_date=day)
    assert code == 200
    code, raw = await asyncio.to_thread(wxpay.download_bill, answer["download_url"])
    assert "收入" in gzip.decompress(raw).decode("utf-8-sig")


async def test_an_order_placed_in_v2_is_seen_in_v3_and_the_reverse(wxpay, client):
    await client.unifiedorder("V2ANDV30001", 50)
    code, order = await call(wxpay.query, out_trade_no="V2ANDV30001")
    assert code == 200 and order["amount"]["total"] == 50 and order["trade_state"] == "NOTPAY"
    await place(wxpay, client, "V3ANDV20001", 70)
    answer = await client.v2("/pay/orderquery", {"out_trade_no": "V3ANDV20001"})
    assert answer["result_code"] == "SUCCESS" and answer["total_fee"] == "70" and answer["trade_state"] == "NOTPAY"


async def test_a_badly_signed_request_is_a_401_sign_error_with_a_diagnosis(wxpay, client):
    # wechatpayv3 signs out_trade_no raw, but requests sends '|' as %7C: WeChat refuses it, and so does the mock
    code, answer = await call(wxpay.query, out_trade_no="V3|BAD00001")
    assert code == 401 and (answer["code"], answer["message"]) == ("SIGN_ERROR", "签名错误")
    signed = answer["detail"]["sign_information"]  # WeChat's debugging detail, as in a 2025 capture
    assert signed["url"] == "/v3/pay/transactions/out-trade-no/V3%7CBAD00001?mchid=10000100"
    assert signed["truncated_sign_message"].startswith("GET\n/v3/pay/transactions/out-trade-no/V3%7CBAD00001")
    (problem,) = await client.problems()
    assert problem["problem"] == "SIGN_ERROR" and problem["api"] == "v3/query"
    assert problem["error"]["diagnosis"]["mistakes"] == ["v3_url_decoded"]
