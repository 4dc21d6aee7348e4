"""The happy path and the ordering rules: login -> products -> order -> pay -> notify -> PAID, the
catalogue price, the second signature, the order retried and re-entered with identical parameters;
in Pay v2 and, where the story is the same, in API v3 (public key and platform certificates)."""

from __future__ import annotations

import pytest
import wechatpayv3.utils
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.wire import HMAC_SHA256, MD5
from mockwx.wire.v3 import parse_rfc3339

from .conftest import V3_CERTIFICATE, notifications, pay, verdicts

NONCE_AND_SIGN = ("nonce_str", "sign")


def business(entry):
    """A unifiedorder request's fields without what may differ between identical submissions."""
    return {k: v for k, v in entry["fields"].items() if k not in NONCE_AND_SIGN}


def v3_pay_sign_verifies(params, certificate_pem):
    """wechatpayv3's own verifier over the four paySign lines (its three-line helper, the last line joined)."""
    key = wechatpayv3.utils.load_certificate(certificate_pem).public_key()
    body = f"{params['nonceStr']}\n{params['package']}"
    return wechatpayv3.utils.rsa_verify(DEMO_APPID, params["timeStamp"], body, params["paySign"], key)


@pytest.mark.parametrize(("api", "sign_type"), [("v2", MD5), ("v2", HMAC_SHA256), ("v3", MD5), ("v3-certificate", MD5)])
async def test_login_products_order_pay_notify_paid(shop, client, api, sign_type, dialect):
    code = (await client.login("alice"))["code"]
    status, session = await shop.call("POST", "/api/login", json={"code": code})
    assert status == 200 and set(session) == {"token", "expires_in", "expires_at"}  # no openid, no session_key
    token = session["token"]
    status, catalogue = await shop.call("GET", "/api/products")
    assert status == 200 and [p["id"] for p in catalogue["products"]] == ["coffee", "bagel", "beans"]
    beans = catalogue["products"][2]

    params = await shop.order(token, "beans", 2)
    assert set(params) == {"timeStamp", "nonceStr", "package", "signType", "paySign", "out_trade_no", "amount_fen"}
    assert params["package"].startswith("prepay_id=")
    assert params["amount_fen"] == 2 * beans["price_fen"]
    # the second signature, checked by an independent SDK (appId is signed, not passed)
    if dialect.name == "v3":
        keys = await client.control("GET", f"/tenants/{DEMO_MCH_ID}/keys")
        assert params["signType"] == "RSA" and v3_pay_sign_verifies(params, keys["merchant_certificate"])
    else:
        signed = {k: params[k] for k in ("timeStamp", "nonceStr", "package", "signType")} | {"appId": DEMO_APPID}
        sign = (calculate_signature_hmac if sign_type == HMAC_SHA256 else calculate_signature)(signed, DEMO_API_KEY)
        assert params["signType"] == sign_type and params["paySign"] == sign
    number = params["out_trade_no"]
    assert len(number) <= 32 and number.startswith("M")
    view = await shop.get(token, number)
    assert (view["status"], view["ledger"], view["amount_fen"]) == ("PENDING", [], 2 * beans["price_fen"])

    await pay(client, params)
    notification = await client.wait(out_trade_no=number, status="acked")
    assert verdicts(notification) == ["acked"]
    view = await shop.get(token, number)
    assert view["status"] == "PAID" and view["transaction_id"]
    assert [(e["source"], e["amount_fen"], e["transaction_id"]) for e in view["ledger"]] == [
        ("notify", 2 * beans["price_fen"], view["transaction_id"])
    ]
    wechat = await client.order(number)
    assert wechat["trade_state"] == "SUCCESS" and wechat["total_fee"] == 2 * beans["price_fen"]
    assert wechat["openid"] == (await client.login("alice"))["openid"]
    assert wechat["sign_type"] == sign_type if dialect.name == "v2" else wechat["dialect"] == "v3"
    apis = {e["api"] for e in await client.requests()}
    assert dialect.place in apis and ("v3/certificates" in apis) == (api == V3_CERTIFICATE)
    assert await client.problems() == []  # the mock saw no protocol mistake from the merchant


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_client_sent_price_is_ignored(shop, client, token, dialect):
    params = await shop.order(token, "coffee", 1, money=1, total_fee=1, price=1, price_fen=1, amount_fen=1)
    assert params["amount_fen"] == 1800
    assert (await client.order(params["out_trade_no"]))["total_fee"] == 1800  # what WeChat was asked to charge
    await pay(client, params)
    await client.wait(out_trade_no=params["out_trade_no"], status="acked")
    view = await shop.get(token, params["out_trade_no"])
    assert view["status"] == "PAID" and view["ledger"][0]["amount_fen"] == 1800


async def test_unifiedorder_request_is_what_wechat_expects(shop, client, token):
    params = await shop.order(token, "bagel", 3)
    (entry,) = await client.requests(api="unifiedorder")
    fields = entry["fields"]
    assert fields["total_fee"] == "3600" and fields["trade_type"] == "JSAPI" and fields["body"] == "Sesame bagel x3"
    assert fields["openid"] == (await client.login("alice"))["openid"]
    assert fields["notify_url"] == shop.url + "/wxpay/notify" and fields["out_trade_no"] == params["out_trade_no"]
    clock = await client.clock()
    from mockwx.wire import parse_compact

    assert parse_compact(fields["time_expire"]) - clock["now"] == pytest.approx(900, abs=1)  # Beijing time


@pytest.mark.parametrize("api", ["v3"])
async def test_v3_order_request_is_what_wechat_expects(shop, client, token):
    params = await shop.order(token, "bagel", 3)
    (entry,) = await client.requests(api="v3/jsapi")
    body = entry["fields"]
    assert body["amount"] == {"total": 3600, "currency": "CNY"} and body["description"] == "Sesame bagel x3"
    assert body["payer"] == {"openid": (await client.login("alice"))["openid"]}
    assert (body["appid"], body["mchid"]) == (DEMO_APPID, DEMO_MCH_ID)
    assert body["notify_url"] == shop.url + "/wxpay/notify" and body["out_trade_no"] == params["out_trade_no"]
    clock = await client.clock()
    assert body["time_expire"].endswith("+08:00")  # RFC 3339, Beijing time
    assert parse_rfc3339(body["time_expire"]) - clock["now"] == pytest.approx(900, abs=1)
    assert await client.problems() == []


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_systemerror_is_retried_with_identical_parameters(shop, client, token, dialect):
    await client.fault(api=dialect.place, **dialect.fault("busy"), times=2)
    params = await shop.order(token)
    calls = await client.requests(api=dialect.place)
    busy, ok = dialect.outcomes["busy"], dialect.outcomes["ok"]
    assert [c["outcome"] for c in calls] == [busy, busy, ok]
    assert calls[0]["fields"] == calls[1]["fields"] == calls[2]["fields"]  # the very same signed body
    await pay(client, params)
    await client.wait(out_trade_no=params["out_trade_no"], status="acked")
    assert (await shop.get(token, params["out_trade_no"]))["status"] == "PAID"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_systemerror_every_time_is_a_502_and_the_order_can_be_paid_later(shop, client, token, dialect):
    await client.fault(api=dialect.place, **dialect.fault("busy"), times=4)  # 1 try + 3 retries
    status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"], body["wechat_err_code"]) == (502, "WECHAT_BUSY", dialect.code("busy"))
    assert "POST /api/orders/" in body["error"]
    number = body["error"].split("POST /api/orders/")[1].split("/pay")[0]
    assert (await shop.get(token, number))["status"] == "PENDING"
    status, params = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert status == 200 and params["out_trade_no"] == number
    calls = await client.requests(api=dialect.place)
    assert len(calls) == 5 and all(business(c) == business(calls[0]) for c in calls)
    await pay(client, params)
    await client.wait(out_trade_no=number, status="acked")
    assert (await shop.get(token, number))["status"] == "PAID"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_business_error_is_a_clear_502_and_the_order_failed(shop, client, token, dialect):
    await client.fault(api=dialect.place, **dialect.fault("no_auth"))
    status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"], body["wechat_err_code"]) == (502, "WECHAT_ORDER_FAILED", dialect.code("no_auth"))
    assert body["wechat_err_code_des"]
    assert shop.rows("SELECT status, failure FROM orders")[0][0] == "FAILED"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_live_prepay_id_is_reused(shop, client, token, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.advance(600)
    status, again = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert status == 200 and again["package"] == params["package"]
    assert again["paySign"] != params["paySign"]  # fresh timeStamp and nonceStr, freshly signed
    assert len(await client.requests(api=dialect.place)) == 1  # no second order
    await pay(client, again)
    await client.wait(out_trade_no=number, status="acked")
    status, body = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert (status, body["code"]) == (409, "ALREADY_PAID")


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_expired_prepay_id_is_renewed_by_reentry_with_identical_parameters(make_shop, client, dialect):
    shop = await make_shop(order_ttl=3 * 3600)
    token = await shop.login(client)
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.advance(7200)
    old = await client.pay(params)
    assert old["errMsg"].startswith("requestPayment:fail")  # WeChat refuses a prepay_id older than 2 hours
    token = await shop.login(client)  # the session expired meanwhile as well
    status, again = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert status == 200 and again["package"] != params["package"]
    first, second = await client.requests(api=dialect.place)
    assert business(first) == business(second)  # re-entry: identical, or WeChat refuses it (201 商户订单号重复)
    assert second["outcome"] == dialect.outcomes["ok"]
    await pay(client, again)
    await client.wait(out_trade_no=number, status="acked")
    assert (await shop.get(token, number))["status"] == "PAID"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_user_cancels_then_pays_later(shop, client, token, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    cancelled = await pay(client, params, outcome="cancel")
    assert cancelled["errMsg"] == "requestPayment:fail cancel"
    assert (await notifications(client, number)) == []
    assert (await shop.get(token, number))["status"] == "PENDING"
    status, again = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert status == 200
    await pay(client, again)
    await client.wait(out_trade_no=number, status="acked")
    assert (await shop.get(token, number))["status"] == "PAID"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_prepay_id_close_to_its_end_is_renewed_not_extended(make_shop, client, dialect):
    """Inside the last five minutes the merchant re-enters; WeChat may hand back the same prepay_id,
    whose end does not move, so once it has passed the next call gets a new one."""
    shop = await make_shop(order_ttl=3 * 3600, session_ttl=4 * 3600)
    token = await shop.login(client)
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.advance(7200 - 200)
    status, near = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert status == 200 and near["package"] == params["package"]  # the same, still alive at WeChat
    assert len(await client.requests(api=dialect.place)) == 2
    await client.advance(200)
    status, fresh = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert status == 200 and fresh["package"] != params["package"]
    assert len(await client.requests(api=dialect.place)) == 3
    await pay(client, fresh)
    await client.wait(out_trade_no=number, status="acked")
    assert (await shop.get(token, number))["status"] == "PAID"
