"""Every magic amount does what the README's table says, and ordinary amounts are untouched."""

from __future__ import annotations

from mockwx.magic import MAGIC_AMOUNTS
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config

from .support import Reply


async def order_and_pay(client, receiver, number, fee):
    order = await client.unifiedorder(number, fee, notify_url=receiver.url)
    if order["result_code"] != "SUCCESS":
        return order, None
    return order, await client.pay(client.payment_params(order["prepay_id"]))


def test_table_is_in_one_unusual_block():
    fees = [fee for fee, _, _ in MAGIC_AMOUNTS]
    assert fees == sorted(fees) and all(999900 < f < 1000000 for f in fees)


async def test_user_outcomes(client, receiver):
    _, cancelled = await order_and_pay(client, receiver, "MA0000001", 999901)
    assert cancelled["errMsg"] == "requestPayment:fail cancel"
    _, failed = await order_and_pay(client, receiver, "MA0000002", 999902)
    assert failed["errMsg"] == "requestPayment:fail 余额不足"


async def test_unifiedorder_outcomes(client, receiver):
    first, _ = await order_and_pay(client, receiver, "MA0000003", 999903)
    assert first["err_code"] == "SYSTEMERROR"
    retried, paid = await order_and_pay(client, receiver, "MA0000003", 999903)
    assert retried["result_code"] == "SUCCESS" and paid["errMsg"] == "requestPayment:ok"
    other, _ = await order_and_pay(client, receiver, "MA0000013", 999903)
    assert other["err_code"] == "SYSTEMERROR"  # once per out_trade_no
    notenough, _ = await order_and_pay(client, receiver, "MA0000004", 999904)
    assert notenough["err_code"] == "NOTENOUGH"


async def test_notification_outcomes(client, receiver):
    await order_and_pay(client, receiver, "MA0000005", 999905)
    await client.advance(2)
    assert len(await client.notifications(out_trade_no="MA0000005")) == 2
    await order_and_pay(client, receiver, "MA0000006", 999906)
    await client.advance(0)
    assert len(await client.notifications(out_trade_no="MA0000006")) == 5
    await order_and_pay(client, receiver, "MA0000007", 999907)
    await order_and_pay(client, receiver, "MA0000008", 999908)
    await order_and_pay(client, receiver, "MA0000009", 999909)
    await order_and_pay(client, receiver, "MA0000010", 999910)
    await order_and_pay(client, receiver, "MA0000011", 999911)
    await client.advance(24 * 3600 + 240)
    late = (await client.notifications(out_trade_no="MA0000007"))[0]
    assert late["status"] == "given_up" and len(late["attempts"]) == 16
    assert {a["verdict"] for a in late["attempts"]} == {"timeout"}
    assert (await client.notifications(out_trade_no="MA0000008"))[0]["status"] == "suppressed"
    delayed = (await client.notifications(out_trade_no="MA0000009"))[0]
    assert round(delayed["attempts"][0]["at"] - delayed["created_at"]) == 3600
    labels = {n["label"] for n in await client.notifications(out_trade_no="MA0000010")}
    assert labels == {"", "forged"}
    labels = {n["label"] for n in await client.notifications(out_trade_no="MA0000011")}
    assert labels == {"", "tampered_amount"}


async def test_lost_refund_notification(client, receiver):
    await order_and_pay(client, receiver, "MA0000012", 999912)
    await client.refund("MA0000012", "MAR1", 1, 999912, notify_url=receiver.url)
    await client.advance(60)
    assert (await client.notifications(kind="refund"))[0]["status"] == "suppressed"


async def test_ordinary_amounts_behave_normally(client, receiver):
    receiver.default = Reply()
    for n, fee in enumerate((1, 101, 9999, 99990, 999900, 999913, 1000000)):
        _, paid = await order_and_pay(client, receiver, f"MO00000{n}", fee)
        assert paid["errMsg"] == "requestPayment:ok"
    await client.advance(0)
    notes = await client.notifications()
    assert len(notes) == 7 and all(n["status"] == "acked" and n["label"] == "" for n in notes)


async def test_turned_off(receiver):
    async with MockServer(mock_config(magic_amounts=False)) as mock, MockClient(mock.url) as client:
        assert (await client.control("GET", "/faults"))["faults"] == []
        _, paid = await order_and_pay(client, receiver, "MA0000099", 999901)
        assert paid["errMsg"] == "requestPayment:ok"


# -- the same amounts on API v3 orders -------------------------------------------------------------


async def v3_order(client, receiver, number, fee, api="jsapi"):
    """A v3 order (JSAPI for alice unless told otherwise); (answer, wx.requestPayment parameters or None)."""
    body = {
        "appid": client.appid,
        "mchid": client.mch_id,
        "description": "magic",
        "out_trade_no": number,
        "notify_url": receiver.url,
        "amount": {"total": fee},
    }
    if api == "jsapi":
        body["payer"] = {"openid": (await client.login("alice"))["openid"]}
    sent = await client.v3("POST", f"/v3/pay/transactions/{api}", body)
    answer = {"status": sent.status, **sent.json}
    if sent.status != 200 or api != "jsapi":
        return answer, None
    return answer, await client.v3_pay_params(answer["prepay_id"])


async def test_v3_place_outcomes(client, receiver):
    first, _ = await v3_order(client, receiver, "MV0000003", 999903)
    assert (first["status"], first["code"]) == (500, "SYSTEM_ERROR")
    retried, params = await v3_order(client, receiver, "MV0000003", 999903)
    assert retried["status"] == 200 and (await client.pay(params))["errMsg"] == "requestPayment:ok"
    native, _ = await v3_order(client, receiver, "MV0000013", 999903, api="native")
    assert (native["status"], native["code"]) == (500, "SYSTEM_ERROR")  # every v3 place API, once per order
    native, _ = await v3_order(client, receiver, "MV0000013", 999903, api="native")
    assert native["status"] == 200 and native["code_url"]
    notenough, _ = await v3_order(client, receiver, "MV0000004", 999904)
    assert (notenough["status"], notenough["code"]) == (403, "NOT_ENOUGH")
    assert notenough["message"] == "基本账户余额不足，请充值后重新发起"


async def test_v3_orders_get_the_pay_and_notification_outcomes(client, receiver):
    receiver.default = Reply(status=204, body=b"")
    outcomes = {}
    for fee in (999901, 999902, 999905, 999908, 999910, 999911):
        _, params = await v3_order(client, receiver, f"MV{fee}", fee)
        outcomes[fee] = (await client.pay(params))["errMsg"]
    assert outcomes[999901] == "requestPayment:fail cancel"
    assert outcomes[999902] == "requestPayment:fail 余额不足"
    await client.advance(2)
    assert len(await client.notifications(out_trade_no="MV999905")) == 2
    assert (await client.notifications(out_trade_no="MV999908"))[0]["status"] == "suppressed"
    assert {n["label"] for n in await client.notifications(out_trade_no="MV999910")} == {"", "forged"}
    tampered = {n["label"]: n for n in await client.notifications(out_trade_no="MV999911")}
    assert set(tampered) == {"", "tampered_amount"} and tampered[""]["dialect"] == "v3"
