"""The independent SDK: wechatpy 1.8.18, unchanged, driving the mock (sdk-behaviour.md).

wechatpy is synchronous (requests), so the mock runs on its own thread here.
"""

from __future__ import annotations

import pytest
from wechatpy import WeChatClient
from wechatpy.exceptions import WeChatClientException, WeChatPayException
from wechatpy.pay import WeChatPay

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID, DEMO_SECRET
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer


@pytest.fixture
def server():
    with MockServer.threaded() as mock:
        yield mock


@pytest.fixture
def control(server):
    client = MockClient(server.url)
    yield lambda coro_fn: server.run(coro_fn(client))
    server.run(client.close())


def wechat_pay(server, sandbox=False) -> WeChatPay:
    pay = WeChatPay(appid=DEMO_APPID, api_key=DEMO_API_KEY, mch_id=DEMO_MCH_ID, sandbox=sandbox)
    pay.API_BASE_URL = server.url + "/"
    return pay


def wxa(server) -> WeChatClient:
    client = WeChatClient(DEMO_APPID, DEMO_SECRET, access_token="anything")
    client.wxa.API_BASE_URL = server.url + "/"
    return client


def create_order(pay: WeChatPay, openid: str, number: str, total_fee: int = 1, **extra) -> dict:
    """A JSAPI order placed by wechatpy, as a merchant's code would place it."""
    return pay.order.create(
        trade_type="JSAPI",
        body="wechatpy test",
        total_fee=total_fee,
        notify_url="http://127.0.0.1:9/notify",
        client_ip="127.0.0.1",
        user_id=openid,
        out_trade_no=number,
        **extra,
    )


def test_code_to_session(server, control):
    login = control(lambda c: c.login("alice"))
    session = wxa(server).wxa.code_to_session(login["code"])
    assert session["openid"] == login["openid"] and len(session["session_key"]) == 24
    with pytest.raises(WeChatClientException) as caught:
        wxa(server).wxa.code_to_session(login["code"])
    assert caught.value.errcode == 40163


def test_unifiedorder_orderquery_closeorder(server, control):
    openid = control(lambda c: c.login("alice"))["openid"]
    pay = wechat_pay(server)
    created = create_order(pay, openid, "W20261127000001")
    assert created["prepay_id"].startswith("wx")
    assert pay.order.query(out_trade_no="W20261127000001")["trade_state"] == "NOTPAY"
    pay.order.close("W20261127000001")
    assert pay.order.query(out_trade_no="W20261127000001")["trade_state"] == "CLOSED"
    with pytest.raises(WeChatPayException) as caught:
        pay.order.close("W20261127000001")
    assert caught.value.errcode == "ORDERCLOSED"


def test_hmac_order_refuses_wechatpys_md5_pay_sign(server, control):
    openid = control(lambda c: c.login("bob"))["openid"]
    pay = wechat_pay(server)
    created = create_order(pay, openid, "W20261127000002", 2, sign_type="HMAC-SHA256")
    params = pay.jsapi.get_jsapi_params(created["prepay_id"])  # MD5 paySign, computed by wechatpy
    refused = control(lambda c: c.pay(params))  # the client wants the order's algorithm (protocol/v2.md 4)
    assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败"
    assert refused["mockwx"]["diagnosis"]["mistakes"] == ["paysign_sign_type_mismatch"]
    assert pay.order.query(out_trade_no="W20261127000002")["trade_state"] == "NOTPAY"


def test_wrong_key_is_signature_error(server, control):
    pay = WeChatPay(appid=DEMO_APPID, api_key=DEMO_SECRET, mch_id=DEMO_MCH_ID)  # the AppSecret, a classic
    pay.API_BASE_URL = server.url + "/"
    with pytest.raises(WeChatPayException) as caught:
        pay.order.query(out_trade_no="W1")
    assert caught.value.return_code == "FAIL" and caught.value.return_msg == "签名错误"
    problems = control(lambda c: c.problems())
    assert problems[-1]["error"]["diagnosis"]["mistakes"] == ["appsecret_as_key"]


def test_sandbox_flow(server, control):
    openid = control(lambda c: c.login("carol"))["openid"]
    pay = wechat_pay(server, sandbox=True)
    created = create_order(pay, openid, "W20261127000003", 101)  # the sandbox's 1.01 CNY acceptance case
    assert created["result_code"] == "SUCCESS"
    assert pay.order.query(out_trade_no="W20261127000003")["trade_state"] == "NOTPAY"
    journal = control(lambda c: c.requests())
    assert [e["api"] for e in journal if e["api"] != "pay"][-3:] == [
        "getsignkey",
        "sandbox/unifiedorder",
        "sandbox/orderquery",
    ]
    assert pay.sandbox_api_key != DEMO_API_KEY
