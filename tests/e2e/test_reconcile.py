"""Reconciliation: a lost notification does not lose the sale (the order query), an unpaid order past its
expiry is closed at WeChat, and neither is done on anything but a verified WeChat answer (v2 and v3)."""

from __future__ import annotations

import asyncio

import pytest

from mockwx.wire import HMAC_SHA256, MD5

from .conftest import notifications, pay


async def lost_notification_order(shop, client, token) -> str:
    """An order paid in WeChat whose notification never arrives."""
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.fault(api="notify", deliver=False, match={"out_trade_no": number})
    await pay(client, params)
    (note,) = await notifications(client, number)
    assert note["status"] == "suppressed" and note["attempts"] == []
    return number


@pytest.mark.parametrize(("api", "sign_type"), [("v2", MD5), ("v2", HMAC_SHA256), ("v3", MD5), ("v3-certificate", MD5)])
async def test_lost_notification_is_found_by_orderquery_on_read(shop, client, token, sign_type, dialect):
    number = await lost_notification_order(shop, client, token)
    view = await shop.get(token, number)
    assert view["status"] == "PENDING"  # not yet due: reconcile_after is 60 s
    assert await client.requests(api=dialect.query) == []
    await client.advance(60)
    view = await shop.get(token, number)
    assert view["status"] == "PAID" and view["transaction_id"] == (await client.order(number))["transaction_id"]
    assert [(e["source"], e["amount_fen"]) for e in view["ledger"]] == [("orderquery", 6800)]
    (query,) = await client.requests(api=dialect.query)
    if dialect.name == "v2":  # asked, and its answer verified, with the order's sign_type
        assert query["fields"]["sign_type"] == sign_type
    await shop.get(token, number)
    assert len(await client.requests(api=dialect.query)) == 1  # a PAID order is never queried again


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_ops_reconcile_sweeps_due_orders(shop, client, token, dialect):
    lost = await lost_notification_order(shop, client, token)
    unpaid = (await shop.order(token, "coffee"))["out_trade_no"]
    status, summary = await shop.ops("/ops/reconcile")
    assert status == 200 and summary["checked"] == 0  # nothing is due yet
    await client.advance(60)
    fresh = (await shop.order(token, "bagel"))["out_trade_no"]  # too young to reconcile
    status, summary = await shop.ops("/ops/reconcile")
    assert status == 200 and summary["checked"] == 2 and summary["errors"] == []
    assert (summary["paid"], summary["unchanged"], summary["closed"]) == ([lost], [unpaid], [])
    assert (await shop.get(token, lost))["ledger"][0]["source"] == "orderquery"
    assert (await shop.get(token, unpaid))["status"] == "PENDING"
    assert (await shop.get(token, fresh))["status"] == "PENDING"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_late_notification_after_reconciliation_adds_nothing(shop, client, token, dialect):
    number = await lost_notification_order(shop, client, token)
    await client.advance(60)
    await shop.ops("/ops/reconcile")
    (note,) = await client.notifications(out_trade_no=number)
    resent = await client.control("POST", f"/notifications/{note['id']}/resend")
    assert resent["attempt"]["verdict"] == "acked"  # a valid repeat is acknowledged...
    view = await shop.get(token, number)
    assert view["status"] == "PAID" and len(view["ledger"]) == 1  # ...and fulfils nothing twice


@pytest.mark.parametrize(("api", "sign_type"), [("v2", MD5), ("v2", HMAC_SHA256), ("v3", MD5), ("v3-certificate", MD5)])
async def test_unpaid_order_expires_and_is_closed(shop, client, token, sign_type, dialect):
    params = await shop.order(token)
    number = params["out_trade_no"]
    await client.advance(899)
    status, summary = await shop.ops("/ops/reconcile")
    assert summary["unchanged"] == [number]  # due for a query, not yet expired: left alone
    await client.advance(1)
    status, summary = await shop.ops("/ops/reconcile")
    assert status == 200 and summary["closed"] == [number]
    view = await shop.get(token, number)
    assert view["status"] == "CLOSED" and view["closed_at"] and view["ledger"] == []
    assert (await client.order(number))["trade_state"] == "CLOSED"  # closed at WeChat too
    assert [c["outcome"] for c in await client.requests(api=dialect.close)] == [dialect.outcomes["closed"]]
    refused = await client.pay(params)  # the user can no longer pay it
    assert refused["errMsg"].startswith("requestPayment:fail")
    status, body = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert (status, body["code"]) == (409, "ORDER_CLOSED")


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_expired_order_is_closed_on_read(shop, client, token, dialect):
    number = (await shop.order(token))["out_trade_no"]
    await client.advance(900)
    status, body = await shop.call("POST", f"/api/orders/{number}/pay", token=token)
    assert (status, body["code"]) == (409, "ORDER_EXPIRED")
    assert (await shop.get(token, number))["status"] == "CLOSED"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_closeorder_saying_orderpaid_is_not_proof_of_payment(shop, client, token, dialect):
    number = (await shop.order(token))["out_trade_no"]
    await client.fault(api=dialect.close, **dialect.fault("paid"), times=1)
    await client.advance(900)
    status, summary = await shop.ops("/ops/reconcile")
    assert summary["errors"][0]["out_trade_no"] == number and dialect.code("paid") in summary["errors"][0]["error"]
    view = await shop.get(token, number)  # queried again: NOTPAY, so not paid; closed this time
    assert (view["status"], view["ledger"]) == ("CLOSED", [])
    outcomes = [c["outcome"] for c in await client.requests(api=dialect.close)]
    assert outcomes == [dialect.outcomes["paid"], dialect.outcomes["closed"]]


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_wechat_down_during_reconciliation_changes_nothing(shop, client, token, dialect):
    number = await lost_notification_order(shop, client, token)
    await client.fault(api=dialect.query, drop=True)
    await client.advance(60)
    view = await shop.get(token, number)
    assert view["status"] == "PENDING" and "WeChat could not be asked" in view["reconcile_note"]
    await client.control("DELETE", "/faults")
    assert (await shop.get(token, number))["status"] == "PAID"


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_background_sweeper(make_shop, client, dialect):
    shop = await make_shop(sweep_interval=0.05)
    token = await shop.login(client)
    number = await lost_notification_order(shop, client, token)
    await client.advance(60)
    rows = []
    for _ in range(200):  # the sweeper runs on wall time; nothing calls the merchant meanwhile
        rows = shop.rows("SELECT status FROM orders WHERE out_trade_no = ?", number)
        if rows == [("PAID",)]:
            break
        await asyncio.sleep(0.02)
    assert rows == [("PAID",)]
    assert shop.rows("SELECT source FROM ledger") == [("orderquery",)]


@pytest.mark.parametrize("api", ["v2", "v3"])
async def test_reading_a_pending_order_asks_wechat_at_most_once_per_reconcile_after(shop, client, token, dialect):
    number = (await shop.order(token))["out_trade_no"]
    await client.advance(60)
    for _ in range(3):
        assert (await shop.get(token, number))["status"] == "PENDING"
    assert len(await client.requests(api=dialect.query)) == 1  # WeChat said NOTPAY: not asked again so soon
    await client.advance(59)
    await shop.get(token, number)
    assert len(await client.requests(api=dialect.query)) == 1
    await client.advance(1)
    await shop.get(token, number)
    assert len(await client.requests(api=dialect.query)) == 2
