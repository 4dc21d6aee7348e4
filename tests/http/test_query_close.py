"""orderquery and closeorder (protocol/v2.md 6.1, 6.2), and the sandbox flow (2.3)."""

from __future__ import annotations

from mockwx.config import DEMO_API_KEY
from mockwx.wire import new_nonce, parse_xml, render_xml, with_sign


async def test_orderquery_notpay_then_success(client):
    order = await client.unifiedorder("Q20261127000001", 250, attach="table 7")
    query = await client.v2("/pay/orderquery", {"out_trade_no": "Q20261127000001"})
    assert (query["trade_state"], query["trade_state_desc"]) == ("NOTPAY", "订单未支付")
    assert query["attach"] == "table 7" and query["total_fee"] == "250"
    paid = await client.pay(client.payment_params(order["prepay_id"]))
    query = await client.v2("/pay/orderquery", {"out_trade_no": "Q20261127000001"})
    assert (query["trade_state"], query["trade_state_desc"]) == ("SUCCESS", "支付成功")
    assert query["transaction_id"] == paid["transaction_id"] and len(query["transaction_id"]) == 28
    assert query["cash_fee"] == "250" and len(query["time_end"]) == 14 and query["bank_type"]
    by_transaction = await client.v2("/pay/orderquery", {"transaction_id": paid["transaction_id"]})
    assert by_transaction["out_trade_no"] == "Q20261127000001"


async def test_orderquery_unknown(client):
    answer = await client.v2("/pay/orderquery", {"out_trade_no": "NOPE000001"})
    assert (answer["result_code"], answer["err_code"], answer["err_code_des"]) == (
        "FAIL",
        "ORDERNOTEXIST",
        "order not exist",
    )


async def test_orderquery_needs_a_number(client):
    answer = await client.v2("/pay/orderquery", {})
    assert answer == {"return_code": "FAIL", "return_msg": "缺少参数"}


async def test_orders_are_per_merchant(client):
    await client.control(
        "POST",
        "/tenants",
        {"merchants": [{"mch_id": "1900000200", "api_key": "k" * 32, "appids": ["wxd930ea5d5a258f4f"]}]},
    )
    await client.unifiedorder("Q20261127000002", 1)
    other = await client.v2(
        "/pay/orderquery", {"out_trade_no": "Q20261127000002", "mch_id": "1900000200"}, key="k" * 32
    )
    assert other["err_code"] == "ORDERNOTEXIST"


async def test_closeorder(client):
    await client.unifiedorder("Q20261127000003", 1)
    closed = await client.v2("/pay/closeorder", {"out_trade_no": "Q20261127000003"})
    assert closed["result_code"] == "SUCCESS" and closed["appid"] and closed["sign"]
    query = await client.v2("/pay/orderquery", {"out_trade_no": "Q20261127000003"})
    assert (query["trade_state"], query["trade_state_desc"]) == ("CLOSED", "订单已关闭")
    again = await client.v2("/pay/closeorder", {"out_trade_no": "Q20261127000003"})
    assert again["err_code"] == "ORDERCLOSED"


async def test_closeorder_of_paid_and_unknown_orders(client):
    order = await client.unifiedorder("Q20261127000004", 1)
    await client.pay(client.payment_params(order["prepay_id"]))
    paid = await client.v2("/pay/closeorder", {"out_trade_no": "Q20261127000004"})
    assert (paid["err_code"], paid["err_code_des"]) == ("ORDERPAID", "订单已支付")
    unknown = await client.v2("/pay/closeorder", {"out_trade_no": "NOPE000002"})
    assert unknown["err_code"] == "ORDERNOTEXIST"


async def test_five_minute_close_rule_is_a_switch(mock, client):
    mock.backend.settings.pay.close_min_age = 300
    await client.unifiedorder("Q20261127000005", 1)
    early = await client.v2("/pay/closeorder", {"out_trade_no": "Q20261127000005"})
    assert early["err_code"] == "TRADE_STATE_ERROR"
    await client.advance(300)
    assert (await client.v2("/pay/closeorder", {"out_trade_no": "Q20261127000005"}))["result_code"] == "SUCCESS"


async def test_expired_order_shows_notpay_by_default_and_cannot_be_paid(mock, client):
    from mockwx.wire import to_compact

    now = mock.backend.clock.now()
    order = await client.unifiedorder("Q20261127000006", 1, time_expire=to_compact(now + 600))
    await client.advance(601)
    query = await client.v2("/pay/orderquery", {"out_trade_no": "Q20261127000006"})
    assert query["trade_state"] == "NOTPAY"
    refused = await client.pay(client.payment_params(order["prepay_id"]))
    assert refused["errMsg"] == "requestPayment:fail 该订单已过期，请重新下单"
    again = await client.unifiedorder("Q20261127000006", 1)
    assert again["err_code"] == "ORDERCLOSED"
    mock.backend.settings.pay.expired_trade_state = "CLOSED"
    query = await client.v2("/pay/orderquery", {"out_trade_no": "Q20261127000006"})
    assert (query["trade_state"], query["trade_state_desc"]) == ("CLOSED", "订单已关闭")


# -- sandbox ----------------------------------------------------------------------------------


async def getsignkey(client, key=DEMO_API_KEY):
    body = with_sign({"mch_id": client.mch_id, "nonce_str": new_nonce()}, key)
    async with client.session.post(f"{client.url}/sandboxnew/pay/getsignkey", data=render_xml(body)) as response:
        return parse_xml(await response.read())


async def test_sandbox_flow(client):
    answer = await getsignkey(client)
    assert (answer["return_code"], answer["return_msg"]) == ("SUCCESS", "ok")
    sandbox_key = answer["sandbox_signkey"]
    assert len(sandbox_key) == 32 and "sign" not in answer
    assert (await getsignkey(client))["sandbox_signkey"] == sandbox_key  # stable
    created = await client.unifiedorder("S20261127000001", 101, path="/sandboxnew/pay/unifiedorder", key=sandbox_key)
    assert created["result_code"] == "SUCCESS"
    # sandbox orders live apart from production ones
    prod = await client.v2("/pay/orderquery", {"out_trade_no": "S20261127000001"})
    assert prod["err_code"] == "ORDERNOTEXIST"
    sandbox = await client.v2("/sandboxnew/pay/orderquery", {"out_trade_no": "S20261127000001"}, key=sandbox_key)
    assert sandbox["trade_state"] == "NOTPAY"


async def test_sandbox_with_the_production_key_is_diagnosed(client):
    await getsignkey(client)
    wrong = await client.v2("/sandboxnew/pay/orderquery", {"out_trade_no": "S1"})  # signed with the production key
    assert wrong == {"return_code": "FAIL", "return_msg": "签名错误"}
    assert (await client.problems())[-1]["error"]["diagnosis"]["mistakes"] == ["production_key_on_sandbox"]


async def test_sandbox_before_getsignkey_says_what_to_do(client):
    answer = await client.v2("/sandboxnew/pay/orderquery", {"out_trade_no": "S1"})
    assert answer["return_msg"] == "签名错误"
    assert "getsignkey" in (await client.problems())[-1]["error"]["hint"]


async def test_getsignkey_needs_the_production_key(client):
    answer = await getsignkey(client, key="0" * 32)
    assert answer == {"return_code": "FAIL", "return_msg": "签名错误"}


async def test_closeorder_names_orders_by_out_trade_no_only(client):
    await client.unifiedorder("Q20261127000030", 1)
    closed = await client.v2("/pay/closeorder", {"out_trade_no": "Q20261127000030", "transaction_id": "123"})
    assert closed["result_code"] == "SUCCESS"


async def test_order_list_filters_on_the_state_orderquery_shows(mock, client):
    from mockwx.wire import to_compact

    mock.backend.settings.pay.expired_trade_state = "CLOSED"
    now = mock.backend.clock.now()
    await client.unifiedorder("Q20261127000031", 1, time_expire=to_compact(now + 600))
    await client.advance(601)
    listed = (await client.control("GET", "/orders?trade_state=CLOSED"))["orders"]
    assert [o["out_trade_no"] for o in listed] == ["Q20261127000031"]
