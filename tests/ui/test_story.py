"""An order's story built from what a real mock on loopback saw: the login that led to it, the calls,
every notification attempt with its gap, the refund and its notification, and nothing of other orders."""

from __future__ import annotations

from mockwx.config import DEMO_SECRET
from mockwx.ui.story import CLIENT, MERCHANT, WECHAT, build_story

from ..support import Reply


async def _paid_order(client, receiver, number: str, replies: list[Reply]) -> dict:
    login = await client.login("alice")
    await client.code2session(login["code"])
    receiver.plan = list(replies)
    order = await client.unifiedorder(number, 100, notify_url=receiver.url, openid=login["openid"])
    await client.pay(client.payment_params(order["prepay_id"]))
    return order


def _story(mock, number: str):
    return build_story(mock.backend, mock.backend.checkout.order_numbered(number))


async def test_a_payment_with_retries_tells_the_whole_story(client, mock, receiver):
    await _paid_order(client, receiver, "S20261127000001", [Reply(status=500), Reply(body=b"FAIL")])
    await client.unifiedorder("S20261127000099", 1)  # another order: not in this story
    for seconds in (0, 15, 15):
        await client.advance(seconds)
    await client.v2("/pay/orderquery", {"out_trade_no": "S20261127000001"})
    story = _story(mock, "S20261127000001")
    calls = [(m.label, m.source, m.target) for m in story.messages if m.kind == "call"]
    assert calls == [
        ("wx.login", CLIENT, WECHAT),
        ("code2session", MERCHANT, WECHAT),
        ("unifiedorder", MERCHANT, WECHAT),
        ("wx.requestPayment", CLIENT, WECHAT),
        ("story.notify", WECHAT, MERCHANT),
        ("story.notify", WECHAT, MERCHANT),
        ("story.notify", WECHAT, MERCHANT),
        ("orderquery", MERCHANT, WECHAT),
    ]
    assert len(story.arrows()) == 16  # each call and its answer
    attempts = [m for m in story.messages if m.label == "story.notify"]
    assert [m.gap for m in attempts] == [0.0, 15.0, 15.0]
    verdicts = [m.verdict for m in story.messages if m.kind == "reply" and m.verdict]
    assert verdicts == ["http_error", "rejected", "acked"]
    replies = {m.ref: m.detail for m in story.messages if m.kind == "reply"}
    pay_entry = next(m.ref for m in story.messages if m.label == "wx.requestPayment")
    assert replies[pay_entry] == "requestPayment:ok"
    assert all(m.ref for m in story.arrows())  # every arrow opens its raw message
    assert story.order["trade_state"] == "SUCCESS"


async def test_a_problem_call_and_a_pending_retry_show(client, mock, receiver):
    await _paid_order(client, receiver, "S20261127000002", [Reply(status=503)] * 20)
    await client.v2("/pay/closeorder", {"out_trade_no": "S20261127000002"}, key=DEMO_SECRET)
    await client.advance(0)
    story = _story(mock, "S20261127000002")
    close = [m for m in story.messages if m.api == "closeorder"]
    assert [m.kind for m in close] == ["call", "reply"] and close[1].tone == "problem"
    assert close[1].detail == "FAIL 签名错误"
    (pending,) = [m for m in story.messages if m.label == "story.next"]
    assert pending.kind == "note" and pending.detail == "15s"


async def test_refund_and_its_notification_join_the_story(client, mock, receiver):
    await _paid_order(client, receiver, "S20261127000003", [])
    await client.advance(0)
    await client.refund("S20261127000003", "R1", 40, notify_url=receiver.url)
    await client.advance(60)
    story = _story(mock, "S20261127000003")
    labels = [m.label for m in story.messages]
    assert labels.index("refund") < labels.index("story.refund_notify") < labels.index("story.refund_settled") or (
        labels.index("refund") < labels.index("story.refund_settled") < labels.index("story.refund_notify")
    )
    assert any(m.kind == "reply" and m.verdict == "acked" and m.api == "refund_notify" for m in story.messages)


async def test_a_lost_notification_and_a_forgotten_journal_still_tell_the_story(client, mock, receiver):
    await client.fault(api="notify", deliver=False)
    await _paid_order(client, receiver, "S20261127000004", [])
    mock.backend.journal.clear()  # the journal is bounded: the state must carry the story
    story = _story(mock, "S20261127000004")
    labels = [(m.label, m.detail) for m in story.messages]
    assert ("unifiedorder", "story.from_state") in labels and ("wx.requestPayment", "story.from_state") in labels
    assert any(m.label == "story.lost" and m.tone == "problem" for m in story.messages)


async def test_a_v3_payment_tells_its_story_in_v3_names(client, mock, receiver):
    from mockwx.config import DEMO_APPID, DEMO_MCH_ID

    login = await client.login("alice")
    await client.code2session(login["code"])
    body = {
        "appid": DEMO_APPID,
        "mchid": DEMO_MCH_ID,
        "description": "mockwx 咖啡",
        "out_trade_no": "S3V20261127001",
        "notify_url": receiver.url,
        "amount": {"total": 250, "currency": "CNY"},
        "payer": {"openid": login["openid"]},
    }
    placed = await client.v3("POST", "/v3/pay/transactions/jsapi", body)
    await client.pay(await client.v3_pay_params(placed.json["prepay_id"]))
    await client.advance(0)
    await client.v3("GET", f"/v3/pay/transactions/out-trade-no/S3V20261127001?mchid={DEMO_MCH_ID}")
    story = _story(mock, "S3V20261127001")
    calls = [(m.label, m.detail) for m in story.messages if m.kind == "call"]
    assert calls == [
        ("wx.login", ""),
        ("code2session", ""),
        ("v3/jsapi", "¥2.50"),
        ("wx.requestPayment", "RSA"),
        ("story.notify", "#1"),
        ("v3/query", ""),
    ]
    (query_answer,) = [m for m in story.messages if m.kind == "reply" and m.api == "v3/query"]
    assert query_answer.detail.endswith("SUCCESS")
    assert all(m.ref for m in story.arrows())
    answers = {m.api: m.tone for m in story.messages if m.kind == "reply" and m.api.startswith("v3/")}
    assert answers == {"v3/jsapi": "ok", "v3/query": "ok"}  # a 200 is WeChat saying yes, not a failure (item 6)


async def test_a_v3_refund_and_its_query_join_the_story(client, mock, receiver):
    """A v3 refund body names no mchid and its query only the out_refund_no: both are still the order's
    (issue 9 review, item 7)."""
    from mockwx.config import DEMO_APPID, DEMO_MCH_ID

    openid = (await client.login("alice"))["openid"]
    body = {
        "appid": DEMO_APPID,
        "mchid": DEMO_MCH_ID,
        "description": "mockwx 咖啡",
        "out_trade_no": "S3V20261127002",
        "notify_url": receiver.url,
        "amount": {"total": 250, "currency": "CNY"},
        "payer": {"openid": openid},
    }
    placed = await client.v3("POST", "/v3/pay/transactions/jsapi", body)
    await client.pay(await client.v3_pay_params(placed.json["prepay_id"]))
    refund = {
        "out_trade_no": "S3V20261127002",
        "out_refund_no": "S3VR1",
        "amount": {"refund": 50, "total": 250, "currency": "CNY"},
    }
    assert (await client.v3("POST", "/v3/refund/domestic/refunds", refund)).status == 200
    assert (await client.v3("GET", "/v3/refund/domestic/refunds/S3VR1")).status == 200
    other = {**body, "out_trade_no": "S3V20261127003"}  # another order of the same merchant: not in this story
    await client.v3("POST", "/v3/pay/transactions/jsapi", other)
    await client.v3("POST", "/v3/pay/transactions/out-trade-no/S3V20261127003/close", {"mchid": DEMO_MCH_ID})
    story = _story(mock, "S3V20261127002")
    calls = [(m.label, m.detail) for m in story.messages if m.kind == "call" and m.label.startswith("v3/")]
    assert calls == [("v3/jsapi", "¥2.50"), ("v3/refund", "S3VR1 ¥0.50"), ("v3/refund_query", "")]
    replies = {m.api: (m.tone, m.detail) for m in story.messages if m.kind == "reply" and m.api.startswith("v3/")}
    assert replies["v3/refund"] == ("ok", "200 PROCESSING") and replies["v3/refund_query"] == ("ok", "200 PROCESSING")
    closed = _story(mock, "S3V20261127003")
    (close_answer,) = [m for m in closed.messages if m.kind == "reply" and m.api == "v3/close"]
    assert (close_answer.tone, close_answer.detail) == ("ok", "204")


async def test_the_phone_s_refused_pay_sign_is_drawn_and_an_opened_sheet_is_not_drawn_twice(client, mock):
    """A bad paySign refused by the phone's cashier is what a lesson wants to see in the diagram (it was
    missing: only /pay counted); a sheet that opened is drawn once, by the payment that follows it."""
    order = await client.unifiedorder("S20261127000010", 100)
    params = client.payment_params(order["prepay_id"])
    await client.control("POST", "/wx/cashier", {**params, "paySign": params["paySign"].lower()})
    await client.control("POST", "/wx/cashier", params)  # the sheet opens
    await client.pay(params)
    story = _story(mock, "S20261127000010")
    pays = [m for m in story.messages if m.label == "wx.requestPayment"]
    assert [(m.kind, m.source, m.target) for m in pays] == [("call", CLIENT, WECHAT), ("call", CLIENT, WECHAT)]
    refused, paid = (next(r for r in story.messages if r.kind == "reply" and r.ref == m.ref) for m in pays)
    assert refused.tone == "problem" and "支付验证签名失败" in refused.detail, refused
    assert paid.detail == "requestPayment:ok"
