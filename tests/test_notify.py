"""Payment notifications on the virtual clock: the retry schedule, acknowledgement rules,
timeouts, concurrency, the allowlist, resend and long-poll (protocol/v2.md 5)."""

from __future__ import annotations

import asyncio

import pytest
from wechatpy.pay import WeChatPay
from wechatpy.pay.utils import calculate_signature_hmac

from mockwx.config import DEMO_API_KEY, DEMO_APPID, DEMO_MCH_ID
from mockwx.notify.schedule import RETRY_DELAYS, offsets
from mockwx.testing.server import mock_config
from mockwx.wire import HMAC_SHA256, parse_xml

from .support import ACK, NACK, Reply

DOCUMENTED = {
    "appid",
    "attach",
    "bank_type",
    "cash_fee",
    "device_info",
    "fee_type",
    "is_subscribe",
    "mch_id",
    "nonce_str",
    "openid",
    "out_trade_no",
    "result_code",
    "return_code",
    "sign",
    "sign_type",
    "time_end",
    "total_fee",
    "trade_type",
    "transaction_id",
}


async def paid_order(client, receiver, number, total_fee=100, **kw):
    order = await client.unifiedorder(number, total_fee, notify_url=receiver.url, **kw)
    sign_type = kw.get("sign_type", "MD5")
    paid = await client.pay(client.payment_params(order["prepay_id"], sign_type))
    assert paid["errMsg"] == "requestPayment:ok"
    return paid


def attempt_offsets(notification):
    first = notification["attempts"][0]["at"]
    return [round(a["at"] - first) for a in notification["attempts"]]


def test_schedule_table_is_wechats():
    assert list(RETRY_DELAYS) == [15, 15, 30, 180, 600, 1200, 1800, 1800, 1800, 3600, 10800, 10800, 10800, 21600, 21600]
    assert offsets()[-1] == 24 * 3600 + 4 * 60 and len(offsets()) == 16


async def test_notification_is_signed_documented_and_verified_by_wechatpy(client, receiver):
    await paid_order(client, receiver, "N20261127000001", 100, attach="A&B")
    await client.advance(0)
    assert len(receiver.received) == 1
    body = receiver.received[0].body
    fields = parse_xml(body)
    assert set(fields) <= DOCUMENTED
    assert "sign_type" not in fields  # MD5 notifications carry none
    pay = WeChatPay(appid=DEMO_APPID, api_key=DEMO_API_KEY, mch_id=DEMO_MCH_ID)
    parsed = pay.parse_payment_result(body)  # raises InvalidSignatureException if the sign is wrong
    assert parsed["out_trade_no"] == "N20261127000001" and parsed["total_fee"] == 100
    assert parsed["attach"] == "A&B" and parsed["result_code"] == "SUCCESS"
    assert b"<total_fee>100</total_fee>" in body and b"<![CDATA[SUCCESS]]>" in body


async def test_acked_notification(client, receiver):
    await paid_order(client, receiver, "N20261127000002")
    notification = await client.wait(out_trade_no="N20261127000002", status="acked")
    attempt = notification["attempts"][0]
    assert attempt["verdict"] == "acked" and attempt["status"] == 200 and attempt["url"] == receiver.url
    assert "SUCCESS" in attempt["excerpt"] and attempt["latency_ms"] >= 0
    assert notification["next_at"] is None


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
async def test_an_ack_in_two_tcp_chunks_is_read_to_its_end(client, receiver, chunked):
    receiver.default = Reply(pause=0.1, chunked=chunked)  # issue 8, finding 7: it used to be judged "rejected"
    await paid_order(client, receiver, "N20261127000009")
    notification = await client.wait(out_trade_no="N20261127000009", status="acked", attempts=1)
    assert [a["verdict"] for a in notification["attempts"]] == ["acked"]


async def test_fails_three_times_then_acks_four_attempts_on_schedule(client, receiver):
    receiver.plan = [Reply(body=NACK), Reply(status=500), Reply(body=b"success")]
    await paid_order(client, receiver, "N20261127000003")
    await client.advance(24 * 3600 + 240)
    notification = (await client.notifications(out_trade_no="N20261127000003"))[0]
    assert [a["verdict"] for a in notification["attempts"]] == ["rejected", "http_error", "rejected", "acked"]
    assert attempt_offsets(notification) == [0, 15, 30, 60]
    assert notification["status"] == "acked" and len(receiver.received) == 4


async def test_never_acknowledged_sixteen_attempts_then_given_up(client, receiver):
    receiver.default = Reply(body=NACK)
    await paid_order(client, receiver, "N20261127000004")
    await client.advance(24 * 3600 + 240)
    notification = (await client.notifications(out_trade_no="N20261127000004"))[0]
    assert len(notification["attempts"]) == 16 and notification["status"] == "given_up"
    assert attempt_offsets(notification) == offsets()
    assert len(receiver.received) == 16


async def test_advance_is_stepwise(client, receiver):
    receiver.default = Reply(body=NACK)
    await paid_order(client, receiver, "N20261127000005")
    await client.advance(0)
    assert len(receiver.received) == 1
    await client.advance(14)
    assert len(receiver.received) == 1
    await client.advance(1)
    assert len(receiver.received) == 2
    clock = await client.clock()
    assert clock["pending_jobs"] == 1


@pytest.fixture
def config():
    cfg = mock_config()
    cfg.settings.notify.timeout = 0.2
    return cfg


async def test_slow_merchant_times_out_and_holds_nothing_else_up(client, receiver):
    receiver.plan = [Reply(delay=1.0)]  # answers after the 0.2 s timeout
    await paid_order(client, receiver, "N20261127000006")
    await paid_order(client, receiver, "N20261127000007")
    fast = await client.wait(out_trade_no="N20261127000007", status="acked", timeout=0.9)
    assert fast["attempts"][0]["verdict"] == "acked"
    slow = await client.wait(out_trade_no="N20261127000006", attempts=1, timeout=2)
    assert slow["attempts"][0]["verdict"] == "timeout" and slow["status"] == "pending"


async def test_connection_refused_is_a_failed_attempt(client):
    order = await client.unifiedorder("N20261127000008", 1, notify_url="http://127.0.0.1:9/notify")
    await client.pay(client.payment_params(order["prepay_id"]))
    notification = await client.wait(out_trade_no="N20261127000008", attempts=1)
    assert notification["attempts"][0]["verdict"] == "connection_error"
    assert notification["status"] == "pending" and notification["next_at"]


async def test_concurrent_orders_are_each_notified_once(client, receiver):
    numbers = [f"N2026112710{i:04d}" for i in range(40)]
    await asyncio.gather(*(paid_order(client, receiver, n) for n in numbers))
    await client.advance(0)
    notified = sorted(parse_xml(r.body)["out_trade_no"] for r in receiver.received)
    assert notified == sorted(numbers)


async def test_hmac_order_notifies_with_hmac_and_no_sign_type_by_default(client, receiver):
    await paid_order(client, receiver, "N20261127000009", sign_type=HMAC_SHA256)
    await client.advance(0)
    fields = parse_xml(receiver.received[0].body)
    assert "sign_type" not in fields and len(fields["sign"]) == 64
    unsigned = {k: v for k, v in fields.items() if k != "sign"}
    assert fields["sign"] == calculate_signature_hmac(unsigned, DEMO_API_KEY)


async def test_hmac_sign_type_field_is_a_switch(mock, client, receiver):
    mock.backend.settings.notify.sign_type_field = True
    await paid_order(client, receiver, "N20261127000010", sign_type=HMAC_SHA256)
    await client.advance(0)
    fields = parse_xml(receiver.received[0].body)
    assert fields["sign_type"] == HMAC_SHA256
    unsigned = {k: v for k, v in fields.items() if k != "sign"}
    assert fields["sign"] == calculate_signature_hmac(unsigned, DEMO_API_KEY)


async def test_resend_fires_now(client, receiver):
    receiver.default = Reply(body=NACK)
    await paid_order(client, receiver, "N20261127000011")
    await client.advance(24 * 3600 + 240)
    given_up = (await client.notifications(out_trade_no="N20261127000011"))[0]
    assert given_up["status"] == "given_up"
    receiver.default = Reply(body=ACK)
    resent = await client.control("POST", f"/notifications/{given_up['id']}/resend")
    assert resent["attempt"]["verdict"] == "acked" and resent["attempt"]["number"] == 17
    assert resent["notification"]["status"] == "acked"


async def test_wait_times_out_with_408_and_the_current_state(client):
    order = await client.unifiedorder("N20261127000012", 1, notify_url="http://127.0.0.1:9/notify")
    await client.pay(client.payment_params(order["prepay_id"]))
    async with client.session.get(
        f"{client.url}/__mock__/notifications/wait?out_trade_no=N20261127000012&status=acked&timeout=0.2"
    ) as response:
        body = await response.json()
    assert response.status == 408 and "timed out" in body["error"]
    assert body["notifications"][0]["status"] == "pending"


async def test_allowlist_refuses_and_records(client):
    order = await client.unifiedorder("N20261127000013", 1, notify_url="http://203.0.113.7/notify")
    await client.pay(client.payment_params(order["prepay_id"]))
    notification = await client.wait(out_trade_no="N20261127000013", status="refused")
    attempt = notification["attempts"][0]
    assert attempt["verdict"] == "refused" and "allowlist" in attempt["error"] and attempt["status"] is None


async def test_allowlist_can_be_widened(mock, client, receiver):
    mock.backend.settings.notify.allow = ["127.0.0.1/32"]
    url = receiver.url.replace("127.0.0.1", "localhost")
    order = await client.unifiedorder("N20261127000014", 1, notify_url=url)
    await client.pay(client.payment_params(order["prepay_id"]))
    assert (await client.wait(out_trade_no="N20261127000014", status="refused"))["attempts"][0]["verdict"] == "refused"
    mock.backend.settings.notify.allow = ["127.0.0.1/32", "localhost"]
    order = await client.unifiedorder("N20261127000015", 1, notify_url=url)
    await client.pay(client.payment_params(order["prepay_id"]))
    assert (await client.wait(out_trade_no="N20261127000015", status="acked"))["status"] == "acked"


def test_allowlist_rules():
    from mockwx.notify.allowlist import Allowlist

    loopback = Allowlist(["127.0.0.0/8", "::1/128", "localhost"])
    assert not loopback.refusal("http://127.0.0.1:8080/n")
    assert not loopback.refusal("http://[::1]:8080/n")
    assert not loopback.refusal("http://localhost/n")
    assert loopback.refusal("http://10.0.0.1/n") and loopback.refusal("https://merchant.example.com/n")
    assert loopback.refusal("ftp://127.0.0.1/n") and loopback.refusal("not a url")
    wide = Allowlist(["*.example.com", "10.0.0.0/8"])
    assert not wide.refusal("https://pay.example.com/n") and not wide.refusal("http://10.1.2.3/n")
    assert wide.refusal("http://example.org/n")
    assert not Allowlist(["*"]).refusal("https://anything.test/n")


async def test_notifications_never_block_api_requests(client, receiver):
    gate = asyncio.Event()
    receiver.default = Reply(gate=gate)  # the merchant sits on every notification
    await asyncio.gather(*(paid_order(client, receiver, f"N2026112720{i:04d}") for i in range(10)))
    while len(receiver.received) < 10:
        await asyncio.sleep(0.01)
    query = await client.v2("/pay/orderquery", {"out_trade_no": "N20261127200000"})
    assert query["trade_state"] == "SUCCESS"
    pending = await client.notifications(status="pending")
    assert len(pending) == 10 and all(n["attempts"][0]["verdict"] == "in_flight" for n in pending)
    gate.set()
    assert (await client.wait(out_trade_no="N20261127200009", status="acked"))["status"] == "acked"


async def test_merchant_that_never_answers_times_out_sixteen_times(client, receiver):
    await client.control("PATCH", "/settings", {"notify": {"timeout": 0.02}})
    receiver.default = Reply(gate=asyncio.Event())  # holds every answer forever
    await paid_order(client, receiver, "N20261127000016")
    await client.advance(24 * 3600 + 240)
    notification = (await client.notifications(out_trade_no="N20261127000016"))[0]
    assert notification["status"] == "given_up"
    assert [a["verdict"] for a in notification["attempts"]] == ["timeout"] * 16
    assert attempt_offsets(notification) == offsets()


async def test_idle_waiters_cost_a_delivery_nothing(mock, client, receiver, monkeypatch):
    """Issue 8, finding 9: every delivery used to wake every waiter, and each re-scanned every notification."""
    from mockwx import views

    scans = 0
    scan = views.matching_notifications

    def counted(*args, **kwargs):
        nonlocal scans
        scans += 1
        return scan(*args, **kwargs)

    monkeypatch.setattr(views, "matching_notifications", counted)
    idle = [asyncio.ensure_future(client.wait(timeout=30, out_trade_no=f"IDLE{i}")) for i in range(20)]
    everything = asyncio.ensure_future(client.wait(timeout=30, kind="refund", status="acked"))  # matches none
    mine = asyncio.ensure_future(client.wait(timeout=30, out_trade_no="N20261127000030", attempts=2))
    while scans < 22:  # each waiter looks once at what is there when it arrives
        await asyncio.sleep(0.01)
    await paid_order(client, receiver, "N20261127000030")
    sent = await client.control("POST", "/notify", {"out_trade_no": "N20261127000030", "copies": 199})
    await client.advance(0)
    assert sum(len(n.attempts) for n in mock.backend.state.notifications.values()) == 200
    assert scans == 22  # 200 deliveries woke no idle waiter
    assert not any(w.done() for w in [*idle, everything, mine])
    await client.control("POST", f"/notifications/{sent['notifications'][0]['id']}/resend")
    resent = await asyncio.wait_for(mine, 5)
    assert resent["id"] == sent["notifications"][0]["id"] and len(resent["attempts"]) == 2
    for waiter in [*idle, everything]:
        waiter.cancel()
    await asyncio.gather(*idle, everything, return_exceptions=True)


async def test_waiters_naming_no_order_are_not_looked_at_by_a_delivery_they_cannot_want(monkeypatch):
    """Review 8 minor: waiters without out_trade_no/out_refund_no shared one bucket scanned on every delivery."""
    from mockwx.domain.models import Notification
    from mockwx.notify.waiters import Waiters, Wanted

    looked = 0
    matches = Wanted.matches

    def counted(self, notification):
        nonlocal looked
        looked += 1
        return matches(self, notification)

    monkeypatch.setattr(Wanted, "matches", counted)
    waiters = Waiters()
    idle = [
        {"kind": "refund", "status": "acked"},  # another kind
        {"status": "given_up"},  # another status
        {"mch_id": "1900000109", "status": "acked"},  # another merchant
        {"label": "forged"},  # another label
    ]
    pending = [
        asyncio.ensure_future(waiters.wait(Wanted.of(query, waiting=True), 30)) for query in idle for _ in range(250)
    ]
    everything = asyncio.ensure_future(waiters.wait(Wanted.of({"status": "acked"}, waiting=True), 30))
    await asyncio.sleep(0)
    assert len(waiters) == 1001
    paid = Notification("n1", "payment", "sandbox", DEMO_MCH_ID, "N1", "http://x", "", 0.0, [], status="acked")
    for _ in range(100):
        waiters.offer(paid)
    assert looked == 1  # only the waiter for any acked notification, once: it is woken
    assert (await everything).id == "n1"
    waiters.release()
    assert await asyncio.gather(*pending) == [None] * 1000
