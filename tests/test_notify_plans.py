"""Notification plans and user outcomes from fault rules, and notifications sent on demand."""

from __future__ import annotations

import pytest

from mockwx.config import DEMO_API_KEY
from mockwx.wire import parse_xml, verify

from .support import Reply


async def pay(client, receiver, number, total_fee=100):
    order = await client.unifiedorder(number, total_fee, notify_url=receiver.url)
    return await client.pay(client.payment_params(order["prepay_id"]))


async def test_suppressed_notification_is_recorded_but_never_sent(client, receiver):
    await client.fault(api="notify", deliver=False, match={"out_trade_no": "PL0000001"})
    await pay(client, receiver, "PL0000001")
    await client.advance(24 * 3600 + 240)
    notes = await client.notifications(out_trade_no="PL0000001")
    assert [n["status"] for n in notes] == ["suppressed"] and receiver.received == []


async def test_delayed_notification(client, receiver):
    await client.fault(api="notify", delay=3600)
    await pay(client, receiver, "PL0000002")
    await client.advance(3599)
    assert receiver.received == []
    await client.advance(1)
    assert len(receiver.received) == 1


async def test_duplicates_spaced_and_concurrent(client, receiver):
    await client.fault(api="notify", duplicates=2, times=1)
    await pay(client, receiver, "PL0000003")
    await client.advance(0)
    assert len(receiver.received) == 1
    await client.advance(2)
    assert len(receiver.received) == 3
    await client.fault(api="notify", duplicates=4, concurrent=True, times=1)
    await pay(client, receiver, "PL0000004")
    await client.advance(0)
    bodies = [r.body for r in receiver.received[3:]]
    assert len(bodies) == 5 and len(set(bodies)) == 1  # the same notification, five times at once
    labels = sorted(n["label"] for n in await client.notifications(out_trade_no="PL0000004"))
    assert labels == ["", "duplicate", "duplicate", "duplicate", "duplicate"]


async def test_variants_arrive_first_and_are_broken_as_described(client, receiver):
    await client.fault(api="notify", variants=["forged", "tampered_amount", "wrong_appid"])
    await pay(client, receiver, "PL0000005", 1000)
    await client.advance(0)
    assert len(receiver.received) == 4
    by_label = {n["label"]: n for n in await client.notifications(out_trade_no="PL0000005")}
    forged = parse_xml(by_label["forged"]["body"].encode())
    assert not verify(forged, DEMO_API_KEY)
    tampered = parse_xml(by_label["tampered_amount"]["body"].encode())
    assert verify(tampered, DEMO_API_KEY) and tampered["total_fee"] == "10"
    wrong = parse_xml(by_label["wrong_appid"]["body"].encode())
    assert verify(wrong, DEMO_API_KEY) and wrong["appid"] != "wxd930ea5d5a258f4f"
    assert by_label["forged"]["delays"] == []  # an attacker sends once
    genuine = parse_xml(by_label[""]["body"].encode())
    assert verify(genuine, DEMO_API_KEY) and genuine["total_fee"] == "1000"


async def test_custom_retry_schedule_and_lenient_ack(client, receiver):
    receiver.default = Reply(body=b"success")
    await client.fault(api="notify", retry_delays=[5, 5], times=1)
    await pay(client, receiver, "PL0000006")
    await client.advance(100)
    note = (await client.notifications(out_trade_no="PL0000006"))[0]
    assert len(note["attempts"]) == 3 and note["status"] == "given_up"  # plain text is not an ack
    await client.fault(api="notify", ack="lenient", times=1)
    await pay(client, receiver, "PL0000007")
    await client.advance(0)
    assert (await client.notifications(out_trade_no="PL0000007"))[0]["status"] == "acked"


async def test_pay_rule_decides_the_outcome(client, receiver):
    await client.fault(api="pay", outcome="fail", reason="余额不足", match={"total_fee": "re:4\\d\\d"})
    order = await client.unifiedorder("PL0000008", 450)
    answer = await client.pay(client.payment_params(order["prepay_id"]))
    assert answer["errMsg"] == "requestPayment:fail 余额不足" and answer["trade_state"] == "NOTPAY"
    assert (await pay(client, receiver, "PL0000009", 100))["errMsg"] == "requestPayment:ok"


async def test_refund_notify_plan(client, receiver):
    await client.fault(api="refund_notify", duplicates=1, concurrent=True)
    await pay(client, receiver, "PL0000010")
    await client.refund("PL0000010", "PLR1", 100, notify_url=receiver.url)
    await client.advance(60)
    notes = await client.notifications(kind="refund")
    assert sorted(n["label"] for n in notes) == ["", "duplicate"]


async def test_send_on_demand(client, receiver):
    await pay(client, receiver, "PL0000011")
    sent = await client.control("POST", "/notify", {"out_trade_no": "PL0000011", "variant": "forged", "copies": 3})
    assert [n["label"] for n in sent["notifications"]] == ["forged"] * 3
    raw = await client.control("POST", "/notify", {"url": receiver.url, "body": "<xml><a>1</a></xml>"})
    assert raw["notifications"][0]["kind"] == "raw"
    await client.advance(0)
    assert receiver.received[-1].body == b"<xml><a>1</a></xml>"
    assert len(receiver.received) == 5


@pytest.mark.parametrize(
    ("body", "status", "needle"),
    [
        ({"out_trade_no": "NOPE"}, 404, "no order"),
        ({"variant": "weird", "out_trade_no": "X"}, 400, "variant"),
        ({"copies": 0, "out_trade_no": "X"}, 400, "copies"),
        ({"body": 5}, 400, "raw notification"),
        ({}, 400, "which paid order"),
    ],
)
async def test_send_on_demand_errors(client, body, status, needle):
    async with client.session.post(f"{client.url}/__mock__/notify", json=body) as response:
        assert response.status == status and needle in (await response.json())["error"]


async def test_unpaid_order_has_no_notification_to_send(client):
    await client.unifiedorder("PL0000012", 1)
    async with client.session.post(f"{client.url}/__mock__/notify", json={"out_trade_no": "PL0000012"}) as response:
        assert response.status == 409


@pytest.mark.parametrize(
    "spec",
    [
        {"api": "notify", "variants": ["nope"]},
        {"api": "notify", "duplicates": -1},
        {"api": "notify", "retry_delays": [1, "x"]},
        {"api": "notify", "ack": "maybe"},
        {"api": "notify", "err_code": "SYSTEMERROR"},
        {"api": "pay", "outcome": "later"},
        {"api": "pay"},
    ],
)
async def test_bad_plans_are_400(client, spec):
    async with client.session.post(f"{client.url}/__mock__/faults", json=spec) as response:
        assert response.status == 400


@pytest.mark.parametrize(("variant", "field"), [("wrong_appid", "appid"), ("wrong_mch_id", "mch_id")])
async def test_refund_notification_variants_change_the_outer_fields(client, receiver, variant, field):
    await pay(client, receiver, "PL0000020")
    await client.refund("PL0000020", "PLR20", 100, notify_url=receiver.url)
    sent = await client.control(
        "POST", "/notify", {"out_trade_no": "PL0000020", "out_refund_no": "PLR20", "variant": variant}
    )
    outer = parse_xml(sent["notifications"][0]["body"].encode())
    genuine = {"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100"}
    assert outer[field] != genuine[field] and outer["req_info"]
