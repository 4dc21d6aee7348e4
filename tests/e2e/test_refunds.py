"""Refunds: requested by the operator (v2 /secapi/pay/refund, v3 /v3/refund/domestic/refunds), settled by
the refund notification (decrypted and checked), once; partial refunds never exceed what was paid
(protocol/v2.md 6.3, 6.5; v3.md 8)."""

from __future__ import annotations

import pytest

from mockwx.wire import HMAC_SHA256, MD5, parse_xml

from .conftest import notifications, pay, verdicts

SETTLE = 60  # the mock settles a refund after refund.settle_delay seconds, then notifies


async def paid_order(shop, client, token, product_id="beans") -> str:
    params = await shop.order(token, product_id)
    await pay(client, params)
    await client.wait(out_trade_no=params["out_trade_no"], status="acked")
    return params["out_trade_no"]


async def refund(shop, number, **body):
    return await shop.ops(f"/api/orders/{number}/refund", body)


@pytest.mark.parametrize(("api", "sign_type"), [("v2", MD5), ("v2", HMAC_SHA256), ("v3", MD5)])
async def test_partial_then_full_refund_with_notifications(shop, client, token, sign_type, dialect):
    number = await paid_order(shop, client, token)  # 6800 fen
    status, body = await refund(shop, number, amount_fen=2000, reason="one bag was damaged")
    assert status == 202 and body["refund"]["status"] == "PROCESSING" and body["refund"]["refund_id"]
    first = body["refund"]["out_refund_no"]
    (call,) = await client.requests(api=dialect.refund)
    assert call["fields"]["notify_url"] == shop.url + "/wxpay/refund-notify"
    if dialect.name == "v3":
        assert call["fields"]["amount"] == {"refund": 2000, "total": 6800, "currency": "CNY"}
        assert call["fields"]["reason"] == "one bag was damaged" and "mchid" not in call["fields"]
    else:
        assert (call["fields"]["total_fee"], call["fields"]["refund_fee"]) == ("6800", "2000")
        assert call["fields"].get("sign_type", MD5) == sign_type
    view = await shop.get(token, number)
    assert (view["status"], view["refunded_fen"]) == ("PAID", 0)  # accepted is not refunded yet

    await client.advance(SETTLE)
    (note,) = await client.notifications(out_refund_no=first)
    assert note["kind"] == "refund" and verdicts(note) == ["acked"]
    view = await shop.get(token, number)
    assert (view["status"], view["refunded_fen"]) == ("PARTIALLY_REFUNDED", 2000)
    assert [(r["out_refund_no"], r["status"], r["amount_fen"]) for r in view["refunds"]] == [(first, "SUCCESS", 2000)]

    status, body = await refund(shop, number)  # the rest
    assert status == 202 and body["refund"]["amount_fen"] == 4800
    await client.advance(SETTLE)
    view = await shop.get(token, number)
    assert (view["status"], view["refunded_fen"]) == ("REFUNDED", 6800)
    assert [r["status"] for r in view["refunds"]] == ["SUCCESS", "SUCCESS"]
    assert len(view["ledger"]) == 1  # the payment ledger is append-only: refunds live beside it
    assert (await client.order(number))["refunded_fee"] == 6800

    status, body = await refund(shop, number, amount_fen=1)
    assert (status, body["code"]) == (409, "NOTHING_TO_REFUND")


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_refund_more_than_refundable_is_refused_before_wechat(shop, client, token, dialect):
    number = await paid_order(shop, client, token)
    assert (await refund(shop, number, amount_fen=5000))[0] == 202
    status, body = await refund(shop, number, amount_fen=1801)  # 1800 left, counting the one in flight
    assert (status, body["code"], body["refundable_fen"]) == (409, "REFUND_TOO_LARGE", 1800)
    assert len(await client.requests(api=dialect.refund)) == 1


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_duplicate_refund_notifications_apply_once(shop, client, token, dialect):
    number = await paid_order(shop, client, token)
    await client.fault(api="refund_notify", duplicates=9, concurrent=True)
    status, body = await refund(shop, number, amount_fen=1000)
    await client.advance(SETTLE)
    notes = await client.notifications(out_refund_no=body["refund"]["out_refund_no"])
    assert len(notes) == 10 and all(verdicts(n) == ["acked"] for n in notes)
    view = await shop.get(token, number)
    assert (view["status"], view["refunded_fen"]) == ("PARTIALLY_REFUNDED", 1000)  # not 10 x 1000


@pytest.mark.parametrize(
    ("api", "variant", "reason"),
    [
        ("v2", "forged", "req_info does not decrypt with our API key"),
        ("v2", "tampered_amount", "amounts do not match the refund"),
        ("v2", "unknown_order", "unknown out_refund_no"),
        ("v2", "wrong_appid", "not for this merchant"),
        ("v2", "wrong_mch_id", "not for this merchant"),
        ("v3", "forged", "signature does not verify"),  # v3 refund notifications carry no appid to get wrong
        ("v3", "tampered_amount", "amounts do not match the refund"),
        ("v3", "unknown_order", "unknown out_refund_no"),
        ("v3", "wrong_mch_id", "not for this merchant"),
    ],
)
async def test_broken_refund_notification_is_refused(shop, client, token, variant, reason, dialect):
    number = await paid_order(shop, client, token)
    await client.fault(api="refund_notify", deliver=False, variants=[variant])
    status, body = await refund(shop, number, amount_fen=1000)
    out_refund_no = body["refund"]["out_refund_no"]
    await client.advance(SETTLE)
    notes = await client.notifications(out_refund_no=out_refund_no)
    broken = next(n for n in notes if n["label"] == variant)
    assert verdicts(broken) == [dialect.outcomes["refused"]]
    assert dialect.reason(broken["attempts"][0]["excerpt"]) == reason
    view = await shop.get(token, number)
    assert (view["status"], view["refunded_fen"], view["refunds"][0]["status"]) == ("PAID", 0, "PROCESSING")

    genuine = next(n for n in notes if n["label"] == "")
    resent = await client.control("POST", f"/notifications/{genuine['id']}/resend")
    assert resent["attempt"]["verdict"] == "acked"
    view = await shop.get(token, number)
    assert (view["refunded_fen"], view["refunds"][0]["status"]) == (1000, "SUCCESS")


async def test_refund_notification_for_another_merchant_is_refused(shop, client, token):
    number = await paid_order(shop, client, token)
    status, body = await refund(shop, number, amount_fen=1000)
    await client.advance(SETTLE)
    (note,) = await notifications(client, number, kind="refund")
    outer = parse_xml(note["body"].encode())
    status, reply = await shop.notify(note["body"].replace(outer["mch_id"], "1900000109"), "/wxpay/refund-notify")
    assert parse_xml(reply.encode()) == {"return_code": "FAIL", "return_msg": "not for this merchant"}


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_refund_systemerror_is_retried_with_the_same_out_refund_no(shop, client, token, dialect):
    number = await paid_order(shop, client, token)
    await client.fault(api=dialect.refund, **dialect.fault("busy"), times=1)
    status, body = await refund(shop, number, amount_fen=800)
    assert status == 202
    first, second = await client.requests(api=dialect.refund)
    assert first["fields"] == second["fields"] and first["fields"]["out_refund_no"] == body["refund"]["out_refund_no"]
    assert [first["outcome"], second["outcome"]] == [dialect.outcomes["busy"], dialect.outcomes["ok"]]


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_uncertain_refund_is_retried_by_out_refund_no(shop, client, token, dialect):
    number = await paid_order(shop, client, token)
    await client.fault(api=dialect.refund, drop=True, times=4)  # no answer at all, four times
    status, body = await refund(shop, number, amount_fen=800)
    assert (status, body["code"]) == (502, "REFUND_UNCERTAIN")
    out_refund_no = body["out_refund_no"]
    assert out_refund_no in body["error"]
    status, body = await refund(shop, number, amount_fen=800, out_refund_no=out_refund_no)  # the same refund again
    assert status == 202 and body["refund"]["out_refund_no"] == out_refund_no
    status, body = await refund(shop, number, amount_fen=900, out_refund_no=out_refund_no)
    assert (status, body["code"]) == (409, "REFUND_NO_REUSED")
    await client.advance(SETTLE)
    view = await shop.get(token, number)
    assert view["refunded_fen"] == 800 and len(view["refunds"]) == 1


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_refund_needs_the_operator_and_a_paid_order(shop, client, token, dialect):
    unpaid = (await shop.order(token))["out_trade_no"]
    status, body = await shop.call("POST", f"/api/orders/{unpaid}/refund", json={})
    assert (status, body["code"]) == (401, "NO_TOKEN")
    status, body = await shop.call("POST", f"/api/orders/{unpaid}/refund", token=token, json={})  # a user's token
    assert (status, body["code"]) == (403, "NOT_OPERATOR")
    status, body = await refund(shop, unpaid)
    assert (status, body["code"]) == (409, "NOT_PAID")
    status, body = await refund(shop, "M00000000000000000000000")
    assert (status, body["code"]) == (404, "NO_SUCH_ORDER")
    number = await paid_order(shop, client, token)
    for bad in ({"amount_fen": 0}, {"amount_fen": "100"}, {"amount_fen": True}, {"reason": "x" * 81}, {"reason": 5}):
        status, body = await refund(shop, number, **bad)
        assert status == 400, (bad, body)
    assert await client.requests(api=dialect.refund) == []


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_wechat_refusing_a_refund_releases_the_amount(shop, client, token, dialect):
    number = await paid_order(shop, client, token)
    await client.fault(api=dialect.refund, **dialect.fault("not_enough"), times=1)
    status, body = await refund(shop, number)
    assert (status, body["code"], body["wechat_err_code"]) == (502, "REFUND_REFUSED", dialect.code("not_enough"))
    view = await shop.get(token, number)
    assert view["refunds"][0]["status"] == "FAILED"
    status, body = await refund(shop, number)  # the full amount is refundable again
    assert status == 202 and body["refund"]["amount_fen"] == 6800
