"""The payment notification: fulfilled exactly once under concurrent duplicates, refused (FAIL, nothing
changed, logged) when forged, tampered, unknown or meant for another merchant, and paid on a later
retry when the merchant was down for the first attempts (protocol/v2.md 5; v3.md 7 for the v3 runs)."""

from __future__ import annotations

import logging

import pytest

from mockwx.testing.client import MockClient
from mockwx.wire import HMAC_SHA256, MD5, parse_xml, render_xml, with_sign

from .conftest import notifications, pay, verdicts

OTHER_MCH_ID = "1900000109"
OTHER_KEY = "8934e7d15453e97507ef794cf7b0519d"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_fifty_concurrent_duplicates_make_one_ledger_entry(shop, client, token, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.fault(api="notify", duplicates=49, concurrent=True, match={"out_trade_no": number})
    await pay(client, params)
    notes = await notifications(client, number)
    assert len(notes) == 50 and len({n["body"] for n in notes}) == 1  # the very same notification, 50 times
    assert all(verdicts(n) == ["acked"] for n in notes)  # every copy answered SUCCESS, repeats too
    view = await shop.get(token, number)
    assert view["status"] == "PAID" and len(view["ledger"]) == 1
    assert shop.rows("SELECT COUNT(*) FROM ledger") == [(1,)]


@pytest.mark.parametrize("api", ["v2", "v3"])
@pytest.mark.parametrize("variant", ["forged", "tampered_amount", "wrong_appid", "wrong_mch_id", "unknown_order"])
async def test_broken_notification_is_refused_and_changes_nothing(shop, client, token, variant, caplog, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.fault(api="notify", deliver=False, variants=[variant], match={"out_trade_no": number})
    caplog.set_level(logging.WARNING, "merchant.notify")
    await pay(client, params)
    notes = await notifications(client, number)
    broken = next(n for n in notes if n["label"] == variant)
    genuine = next(n for n in notes if n["label"] == "")
    assert verdicts(broken) == [dialect.outcomes["refused"]] and "FAIL" in broken["attempts"][0]["excerpt"]
    assert genuine["status"] == "suppressed"  # only the broken copy arrived
    view = await shop.get(token, number)
    assert (view["status"], view["ledger"], view["transaction_id"]) == ("PENDING", [], None)
    assert any("payment notification" in r.getMessage() and "refused" in r.getMessage() for r in caplog.records)

    resent = await client.control("POST", f"/notifications/{genuine['id']}/resend")
    assert resent["attempt"]["verdict"] == "acked"  # the genuine one still works afterwards
    view = await shop.get(token, number)
    assert view["status"] == "PAID" and len(view["ledger"]) == 1


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_each_refusal_says_why(shop, client, token, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    variants = ["forged", "tampered_amount", "wrong_appid", "wrong_mch_id", "unknown_order"]
    await client.fault(api="notify", deliver=False, variants=variants, match={"out_trade_no": number})
    await pay(client, params)
    reasons = {}
    for note in await notifications(client, number):
        if note["label"]:
            reasons[note["label"]] = dialect.reason(note["attempts"][0]["excerpt"])
    assert reasons == {
        "forged": "signature does not verify",
        "tampered_amount": "amount.total does not match the order"
        if dialect.name == "v3"
        else "total_fee does not match the order",
        "wrong_appid": "not for this merchant",
        "wrong_mch_id": "not for this merchant",
        "unknown_order": "unknown out_trade_no",
    }


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_tampered_copy_after_payment_changes_nothing(shop, client, token, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await pay(client, params)
    await client.wait(out_trade_no=number, status="acked")
    before = await shop.get(token, number)
    await client.control("POST", "/notify", {"out_trade_no": number, "variant": "tampered_amount", "copies": 3})
    await client.control("POST", "/notify", {"out_trade_no": number, "variant": "duplicate", "copies": 3})
    notes = await notifications(client, number)
    assert sorted(verdicts(n)[0] for n in notes if n["label"] == "tampered_amount") == [dialect.outcomes["refused"]] * 3
    assert sorted(verdicts(n)[0] for n in notes if n["label"] == "duplicate") == ["acked"] * 3
    assert await shop.get(token, number) == before


async def test_replay_for_another_merchant_is_refused(shop, client, mock, token):
    """Another merchant's genuine notification, for an order numbered like ours, sent to our URL."""
    await client.control(
        "POST", "/tenants", {"merchants": [{"mch_id": OTHER_MCH_ID, "api_key": OTHER_KEY, "appids": [client.appid]}]}
    )
    params = await shop.order(token)
    number = params["out_trade_no"]
    async with MockClient(mock.url, mch_id=OTHER_MCH_ID, api_key=OTHER_KEY) as other:
        placed = await other.unifiedorder(number, params["amount_fen"], notify_url=shop.url + "/wxpay/notify")
        assert placed["result_code"] == "SUCCESS"
        await pay(other, other.payment_params(placed["prepay_id"]))
    replay = await client.wait(out_trade_no=number, mch_id=OTHER_MCH_ID, attempts=1)
    assert (
        replay["attempts"][0]["verdict"] == "rejected" and "not for this merchant" in replay["attempts"][0]["excerpt"]
    )
    view = await shop.get(token, number)
    assert (view["status"], view["ledger"]) == ("PENDING", [])


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_merchant_down_for_the_first_attempts_is_paid_on_a_later_retry(shop, client, token, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await shop.stop()
    await pay(client, params)
    await client.wait(out_trade_no=number, attempts=1)
    await client.advance(15)
    (note,) = await client.notifications(out_trade_no=number)
    assert verdicts(note) == ["connection_error", "connection_error"] and note["status"] == "pending"

    await shop.start()  # back up: same port, same database
    await client.advance(15)  # the third attempt, 30 s after the first
    (note,) = await client.notifications(out_trade_no=number)
    assert verdicts(note) == ["connection_error", "connection_error", "acked"]
    view = await shop.get(token, number)  # the session survived the restart too
    assert view["status"] == "PAID" and [e["source"] for e in view["ledger"]] == ["notify"]


@pytest.mark.parametrize("sign_type_field", [False, True])
async def test_hmac_notification_with_or_without_sign_type(make_shop, client, mock, sign_type_field):
    """Real WeChat omits <sign_type> on HMAC notifications: the order's sign_type is used to verify."""
    mock.backend.settings.notify.sign_type_field = sign_type_field
    shop = await make_shop(sign_type=HMAC_SHA256)
    token = await shop.login(client)
    params = await shop.order(token)
    number = params["out_trade_no"]
    await pay(client, params)
    note = await client.wait(out_trade_no=number, status="acked")
    assert ("<sign_type>" in note["body"]) is sign_type_field
    assert (await shop.get(token, number))["status"] == "PAID"


async def test_notification_signed_with_the_other_algorithm_is_refused(make_shop, client):
    """An MD5 order whose notification claims HMAC-SHA256 must verify as HMAC; a wrong claim fails."""
    shop = await make_shop(sign_type=MD5)
    token = await shop.login(client)
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.fault(api="notify", deliver=False, match={"out_trade_no": number})
    await pay(client, params)
    (note,) = await notifications(client, number)
    fields = parse_xml(note["body"].encode())
    relabelled = {**fields, "sign_type": HMAC_SHA256}  # MD5 sign, HMAC label
    status, reply = await shop.notify(render_xml(relabelled))
    assert status == 200 and parse_xml(reply.encode())["return_code"] == "FAIL"
    resigned = with_sign(
        {k: v for k, v in fields.items() if k != "sign"} | {"sign_type": HMAC_SHA256}, client.api_key, HMAC_SHA256
    )
    status, reply = await shop.notify(render_xml(resigned))  # genuinely HMAC-signed with our key: accepted
    assert parse_xml(reply.encode()) == {"return_code": "SUCCESS", "return_msg": "OK"}
    assert (await shop.get(token, number))["status"] == "PAID"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"SUCCESS",
        b"<xml><return_code>SUCCESS</return_code>",
        b'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><xml><a>&xxe;</a></xml>',
        b"<xml><return_code>FAIL</return_code><return_msg>x</return_msg></xml>",
        b"<xml><return_code>SUCCESS</return_code><out_trade_no>M1&lt;</out_trade_no></xml>",
        b"<xml>" + b"<a>x</a>" * 10000 + b"</xml>",
    ],
    ids=["empty", "plain-text", "truncated", "xxe", "return-fail", "bad-number", "too-large"],
)
async def test_garbage_is_answered_fail(shop, body):
    status, reply = await shop.notify(body)
    assert status == 200 and parse_xml(reply.encode())["return_code"] == "FAIL"
    assert shop.rows("SELECT COUNT(*) FROM ledger") == [(0,)]
