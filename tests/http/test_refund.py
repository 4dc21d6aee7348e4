"""Refunds, refund query and the refund notification (protocol/v2.md 6.3-6.5)."""

from __future__ import annotations

from wechatpy.pay import WeChatPay

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.wire import decrypt_req_info, parse_xml

from ..support import Reply


async def paid(client, number, total_fee=100):
    order = await client.unifiedorder(number, total_fee)
    await client.pay(client.payment_params(order["prepay_id"]))
    return order


def refund(client, number, out_refund_no, refund_fee, total_fee=100, **kw):
    return client.refund(number, out_refund_no, refund_fee, total_fee, **kw)


async def test_full_refund_settles_and_notifies(client, receiver):
    await paid(client, "R20261127000001")
    accepted = await refund(client, "R20261127000001", "RF1", 100, notify_url=receiver.url)
    assert accepted["result_code"] == "SUCCESS" and accepted["refund_fee"] == "100"
    assert len(accepted["refund_id"]) == 29 and accepted["out_refund_no"] == "RF1" and accepted["sign"]
    view = await client.order("R20261127000001")
    assert view["trade_state"] == "REFUND" and view["refunds"][0]["refund_status"] == "PROCESSING"
    query = await client.v2("/pay/orderquery", {"out_trade_no": "R20261127000001"})
    assert (query["trade_state"], query["trade_state_desc"]) == ("REFUND", "订单发生过退款，退款详情请查询退款单")
    await client.advance(60)  # refund.settle_delay
    view = await client.order("R20261127000001")
    assert view["refunds"][0]["refund_status"] == "SUCCESS"
    assert len(receiver.received) == 1
    outer = parse_xml(receiver.received[0].body)
    assert set(outer) == {"return_code", "appid", "mch_id", "nonce_str", "req_info"}  # no sign
    plain = decrypt_req_info(outer["req_info"], DEMO_API_KEY)
    assert plain.startswith(b"<root>")
    pay = WeChatPay(appid=DEMO_APPID, api_key=DEMO_API_KEY, mch_id=DEMO_MCH_ID)
    result = pay.parse_refund_notify_result(receiver.received[0].body)
    assert result["refund_status"] == "SUCCESS"
    assert result["out_refund_no"] == "RF1" and result["refund_fee"] == 100
    assert len(result["success_time"]) == 19  # yyyy-MM-dd HH:mm:ss


async def test_partial_refunds_and_refundquery(client):
    await paid(client, "R20261127000002")
    for n, fee in enumerate((30, 20, 50)):
        assert (await refund(client, "R20261127000002", f"RP{n}", fee))["result_code"] == "SUCCESS"
    query = await client.v2("/pay/refundquery", {"out_trade_no": "R20261127000002"})
    assert query["refund_count"] == "3"
    assert [query[f"refund_fee_{n}"] for n in range(3)] == ["30", "20", "50"]
    assert query["refund_status_0"] == "PROCESSING" and "refund_success_time_0" not in query
    await client.advance(60)
    one = await client.v2("/pay/refundquery", {"out_refund_no": "RP1"})
    assert (one["refund_count"], one["out_refund_no_0"], one["refund_status_0"]) == ("1", "RP1", "SUCCESS")
    assert one["refund_recv_accout_0"] and len(one["refund_success_time_0"]) == 19
    by_id = await client.v2("/pay/refundquery", {"refund_id": one["refund_id_0"]})
    assert by_id["out_refund_no_0"] == "RP1"
    over = await refund(client, "R20261127000002", "RP9", 1)
    assert (over["err_code"], over["err_code_des"]) == ("ERROR", "订单已全额退款")


async def test_same_out_refund_no_is_idempotent(client):
    await paid(client, "R20261127000003")
    first = await refund(client, "R20261127000003", "RI1", 40)
    again = await refund(client, "R20261127000003", "RI1", 40)
    assert again["refund_id"] == first["refund_id"]
    assert (await client.order("R20261127000003"))["refunded_fee"] == 40


async def test_refund_errors(client):
    await paid(client, "R20261127000004")
    await refund(client, "R20261127000004", "RE1", 40)
    mismatch = await refund(client, "R20261127000004", "RE1", 41)
    assert (mismatch["err_code"], mismatch["err_code_des"]) == (
        "REFUND_FEE_MISMATCH",
        "订单金额或退款金额与之前请求不一致，请核实后再试",
    )
    wrong_total = await refund(client, "R20261127000004", "RE2", 10, total_fee=99)
    assert wrong_total["err_code"] == "REFUND_FEE_MISMATCH"
    too_much = await refund(client, "R20261127000004", "RE3", 61)
    assert (too_much["err_code"], too_much["err_code_des"]) == ("INVALID_REQUEST", "refund_fee大于可退金额")
    over_total = await refund(client, "R20261127000004", "RE4", 101)
    assert over_total == {"return_code": "FAIL", "return_msg": "invalid refund_fee"}
    over_int = await refund(client, "R20261127000004", "RE4", 2147483648, total_fee=2147483648)
    assert over_int == {"return_code": "FAIL", "return_msg": "invalid total_fee"}  # issue 8, finding 8
    over_int = await refund(client, "R20261127000004", "RE4", 2147483648)
    assert over_int == {"return_code": "FAIL", "return_msg": "invalid refund_fee"}
    await client.unifiedorder("R20261127000005", 100)
    unpaid = await refund(client, "R20261127000005", "RE5", 10)
    assert (unpaid["err_code"], unpaid["err_code_des"]) == ("ORDERNOTEXIST", "订单不存在")
    missing = await client.v2("/pay/refundquery", {"out_refund_no": "NOPE"})
    assert (missing["err_code"], missing["err_code_des"]) == ("REFUNDNOTEXIST", "not exist")
    nothing = await client.v2("/secapi/pay/refund", {"out_refund_no": "X", "total_fee": 1, "refund_fee": 1})
    assert nothing == {"return_code": "FAIL", "return_msg": "缺少参数"}


async def test_at_most_fifty_partial_refunds(client):
    await paid(client, "R20261127000006", 1000)
    for n in range(50):
        assert (await refund(client, "R20261127000006", f"R50x{n}", 1, total_fee=1000))["result_code"] == "SUCCESS"
    fifty_first = await refund(client, "R20261127000006", "R50x50", 1, total_fee=1000)
    assert fifty_first["err_code"] == "ERROR"
    page = await client.v2("/pay/refundquery", {"out_trade_no": "R20261127000006", "offset": "40"})
    assert page["refund_count"] == "10" and page["total_refund_count"] == "50"
    assert page["out_refund_no_0"] == "R50x40"


async def test_refund_notification_retries_like_payment(client, receiver):
    receiver.plan = [Reply(status=503)]
    await paid(client, "R20261127000007")
    await refund(client, "R20261127000007", "RN1", 100, notify_url=receiver.url)
    await client.advance(60 + 15)
    notes = await client.notifications(out_refund_no="RN1")
    assert notes[0]["kind"] == "refund" and [a["verdict"] for a in notes[0]["attempts"]] == ["http_error", "acked"]


async def test_merchant_level_refund_notify_url(client, receiver):
    await client.control(
        "POST",
        "/tenants",
        {
            "merchants": [
                {
                    "mch_id": "10000100",
                    "api_key": DEMO_API_KEY,
                    "appids": [DEMO_APPID],
                    "refund_notify_url": receiver.url,
                }
            ]
        },
    )
    await paid(client, "R20261127000008")
    await refund(client, "R20261127000008", "RM1", 100)
    await client.advance(60)
    assert len(receiver.received) == 1


async def test_sandbox_refund_paths(client):
    from .test_query_close import getsignkey

    key = (await getsignkey(client))["sandbox_signkey"]
    created = await client.unifiedorder("RS0000001", 100, path="/sandboxnew/pay/unifiedorder", key=key)
    await client.pay(client.payment_params(created["prepay_id"], key=key))
    fields = {"out_trade_no": "RS0000001", "out_refund_no": "RS1", "total_fee": 100, "refund_fee": 10}
    for path in ("/sandboxnew/pay/refund", "/sandboxnew/secapi/pay/refund"):
        assert (await client.v2(path, fields, key=key))["result_code"] == "SUCCESS"
