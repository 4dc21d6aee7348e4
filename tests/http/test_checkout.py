"""The user pays (POST /__mock__/pay): wx.requestPayment's checks and outcomes (protocol/v2.md 4),
and paying NATIVE, MWEB and APP orders."""

from __future__ import annotations

import pytest

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.wire import HMAC_SHA256, new_nonce, pay_sign, sign


async def new_order(client, number, total_fee=100, **kw):
    answer = await client.unifiedorder(number, total_fee, **kw)
    assert answer["result_code"] == "SUCCESS", answer
    return answer


async def test_pay_ok_settles_the_order(client):
    order = await new_order(client, "P20261127000001", 100)
    paid = await client.pay(client.payment_params(order["prepay_id"]))
    assert paid["errMsg"] == "requestPayment:ok" and paid["trade_state"] == "SUCCESS"
    view = await client.order("P20261127000001")
    assert view["trade_state"] == "SUCCESS" and len(view["transaction_id"]) == 28
    assert view["cash_fee"] == 100 and view["bank_type"] and view["time_end"]
    assert view["payer_openid"] == view["openid"]


async def test_cancel_then_pay(client):
    order = await new_order(client, "P20261127000002")
    params = client.payment_params(order["prepay_id"])
    cancelled = await client.pay(params, outcome="cancel")
    assert cancelled["errMsg"] == "requestPayment:fail cancel" and cancelled["trade_state"] == "NOTPAY"
    failed = await client.pay(params, outcome="fail", reason="余额不足")
    assert failed["errMsg"] == "requestPayment:fail 余额不足"
    assert (await client.pay(params))["errMsg"] == "requestPayment:ok"
    view = await client.order("P20261127000002")
    assert [p["outcome"] for p in view["payments"]] == ["cancel", "fail", "ok"]
    assert len(view["notifications"]) == 1  # only the payment notifies


async def test_hmac_pay_sign(client):
    order = await new_order(client, "P20261127000003", sign_type=HMAC_SHA256)
    paid = await client.pay(client.payment_params(order["prepay_id"], HMAC_SHA256))
    assert paid["errMsg"] == "requestPayment:ok"


async def test_bad_pay_sign_is_refused_and_diagnosed(client):
    order = await new_order(client, "P20261127000004")
    params = client.payment_params(order["prepay_id"], key="a1b2c3d4e5f60718293a4b5c6d7e8f90")  # the AppSecret
    refused = await client.pay(params)
    assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败" and refused["err_desc"] == "支付验证签名失败"
    assert refused["mockwx"]["diagnosis"]["mistakes"] == ["appsecret_as_key"]
    problem = (await client.problems())[-1]
    assert problem["api"] == "pay" and problem["problem"] == "PAYSIGN"
    assert (await client.order("P20261127000004"))["trade_state"] == "NOTPAY"


async def test_pay_sign_with_lowercase_names_is_diagnosed(client):
    order = await new_order(client, "P20261127000005")
    ts, nonce, package = "1700000000", new_nonce(), f"prepay_id={order['prepay_id']}"
    wrong = sign(
        {"appid": DEMO_APPID, "timestamp": ts, "noncestr": nonce, "package": package, "signtype": "MD5"}, DEMO_API_KEY
    )
    refused = await client.pay(
        {"timeStamp": ts, "nonceStr": nonce, "package": package, "signType": "MD5", "paySign": wrong}
    )
    assert refused["mockwx"]["diagnosis"]["mistakes"] == ["lowercase_names"]


async def test_timestamp_must_be_a_string(client):
    order = await new_order(client, "P20261127000006")
    params = client.payment_params(order["prepay_id"])
    refused = await client.pay({**params, "timeStamp": 1700000000})
    assert refused["errMsg"] == (
        "requestPayment:fail parameter error: parameter.timeStamp should be String instead of Number;"
    )


@pytest.mark.parametrize("package", ["wx2017033010242291fcfe0db70013231072", "prepay_id=wx_not_issued_by_the_mock"])
async def test_bad_package(client, package):
    params = {"timeStamp": "1", "nonceStr": "n", "package": package, "signType": "MD5", "paySign": "X"}
    refused = await client.pay(params)
    assert refused["errMsg"] == "requestPayment:fail 调用支付JSAPI缺少参数: total_fee"


async def test_closed_paid_and_expired_orders_cannot_be_paid(client):
    closed = await new_order(client, "P20261127000007")
    await client.v2("/pay/closeorder", {"out_trade_no": "P20261127000007"})
    assert (await client.pay(client.payment_params(closed["prepay_id"])))["err_desc"] == "该订单已关闭"
    paid = await new_order(client, "P20261127000008")
    await client.pay(client.payment_params(paid["prepay_id"]))
    assert (await client.pay(client.payment_params(paid["prepay_id"])))["err_desc"] == "该订单已支付"
    stale = await new_order(client, "P20261127000009")
    await client.advance(7200)  # the prepay_id lives two hours
    assert (await client.pay(client.payment_params(stale["prepay_id"])))["err_desc"] == "该订单已过期，请重新下单"
    renewed = await new_order(client, "P20261127000009")  # re-entry gives a new prepay_id
    assert (await client.pay(client.payment_params(renewed["prepay_id"])))["errMsg"] == "requestPayment:ok"
    refused = await client.pay(client.payment_params(stale["prepay_id"]))  # replaced by the renewed one
    assert refused["err_desc"] == "该订单已过期，请重新下单"


async def test_native_order_paid_by_scanning_the_code_url(client):
    order = await new_order(client, "P20261127000010", trade_type="NATIVE", product_id="SKU1")
    paid = await client.pay(code_url=order["code_url"], user="dave")
    assert paid["errMsg"] == "requestPayment:ok"
    view = await client.order("P20261127000010")
    assert view["payer_openid"] == (await client.login("dave"))["openid"]
    assert view["payments"][0]["channel"] == "scan"


async def test_mweb_order_paid_by_its_url(client):
    order = await new_order(client, "P20261127000011", trade_type="MWEB", scene_info='{"h5_info":{"type":"Wap"}}')
    assert (await client.pay(mweb_url=order["mweb_url"]))["trade_state"] == "SUCCESS"


async def test_app_order_paid_with_the_app_sdk_fields(client):
    order = await new_order(client, "P20261127000012", trade_type="APP")
    req = {
        "appid": DEMO_APPID,
        "partnerid": DEMO_MCH_ID,
        "prepayid": order["prepay_id"],
        "package": "Sign=WXPay",
        "noncestr": new_nonce(),
        "timestamp": "1700000000",
    }
    refused = await client.pay({**req, "sign": "WRONG"})
    assert refused["err_desc"] == "支付验证签名失败"
    paid = await client.pay({**req, "sign": sign(req, DEMO_API_KEY)})
    assert paid["trade_state"] == "SUCCESS"


async def test_pay_by_out_trade_no(client):
    await new_order(client, "P20261127000013")
    assert (await client.pay(out_trade_no="P20261127000013"))["trade_state"] == "SUCCESS"


async def test_pay_sign_is_checked_with_the_paying_mini_programs_appid(client):
    order = await new_order(client, "P20261127000020")
    ts, nonce, package = "1700000000", new_nonce(), f"prepay_id={order['prepay_id']}"
    other_app = "wx0000000000000000"  # an official account's appid, say
    signed_for_other = pay_sign(other_app, ts, nonce, package, "MD5", DEMO_API_KEY)
    params = {
        "appId": other_app,
        "timeStamp": ts,
        "nonceStr": nonce,
        "package": package,
        "signType": "MD5",
        "paySign": signed_for_other,
    }
    refused = await client.pay(params)
    assert refused["err_desc"] == "支付验证签名失败"
    assert refused["mockwx"]["diagnosis"]["mistakes"] == ["wrong_appid"]


@pytest.mark.parametrize("app_id", [123, ["wx"], {"a": 1}, None])
async def test_non_string_app_id_is_a_parameter_error(client, app_id):
    order = await new_order(client, "P20261127000021")
    refused = await client.pay({**client.payment_params(order["prepay_id"]), "appId": app_id})
    assert refused["errMsg"].startswith("requestPayment:fail parameter error: parameter.appId should be String")


async def test_app_payreq_must_match_the_order(client):
    order = await new_order(client, "P20261127000022", trade_type="APP")
    req = {
        "appid": DEMO_APPID,
        "partnerid": "1900000109",
        "prepayid": order["prepay_id"],
        "package": "Sign=WXPay",
        "noncestr": new_nonce(),
        "timestamp": "1700000000",
    }
    refused = await client.pay({**req, "sign": sign(req, DEMO_API_KEY)})
    assert refused["err_desc"] == "支付验证签名失败" and "partnerid" in refused["mockwx"]["hint"]
    jsapi = await new_order(client, "P20261127000023")
    req = {**req, "partnerid": DEMO_MCH_ID, "prepayid": jsapi["prepay_id"]}
    refused = await client.pay({**req, "sign": sign(req, DEMO_API_KEY)})
    assert "a JSAPI order" in refused["mockwx"]["hint"]
