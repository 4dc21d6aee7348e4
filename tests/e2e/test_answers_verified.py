"""WeChat's answers are verified before they are believed: an answer altered on the way (its sign no
longer matches) or signed for another merchant is refused, and nothing is built on it."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from aiohttp import web

from mockwx.wire import parse_xml, render_xml, with_sign

from .conftest import pay
from .proxy import Proxy

Rewrite = Callable[[str, dict[str, str]], dict[str, str]]


class Interceptor(Proxy):
    """A man in the middle between the merchant and the mock's Pay API: it rewrites answers."""

    def __init__(self, upstream: str, rewrite: Rewrite) -> None:
        super().__init__(upstream)
        self.rewrite = rewrite

    async def forward(self, request: web.Request) -> web.Response:
        async with self._http.post(self.upstream + request.path, data=await request.read()) as response:
            answer = parse_xml(await response.read())
        return web.Response(body=render_xml(self.rewrite(request.path, answer)), content_type="text/xml")


def altered_prepay_id(path: str, answer: dict[str, str]) -> dict[str, str]:
    if "prepay_id" in answer:
        return {**answer, "prepay_id": answer["prepay_id"][:-4] + "beef"}  # sign left as it was
    return answer


def other_merchant(key: str) -> Rewrite:
    def rewrite(path: str, answer: dict[str, str]) -> dict[str, str]:
        if answer.get("return_code") != "SUCCESS":
            return answer
        return with_sign({**answer, "mch_id": "1900000109"}, key, answer.get("sign_type") or "MD5")  # validly re-signed

    return rewrite


def paid_on_query(path: str, answer: dict[str, str]) -> dict[str, str]:
    """An orderquery answer altered to claim a payment that never happened."""
    if path == "/pay/orderquery":
        return {**answer, "trade_state": "SUCCESS", "transaction_id": "4200000000000000000000000001"}
    return answer


@pytest.mark.parametrize("rewrite_name", ["altered", "other_merchant"])
async def test_unverifiable_unifiedorder_answer_is_refused(make_shop, mock, client, rewrite_name):
    rewrite = altered_prepay_id if rewrite_name == "altered" else other_merchant(client.api_key)
    async with Interceptor(mock.url, rewrite) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"]) == (502, "WECHAT_UNVERIFIED")
    assert shop.rows("SELECT status, prepay_id FROM orders") == [("PENDING", None)]  # kept, but nothing built on it


async def test_forged_orderquery_does_not_mark_paid(make_shop, mock, client):
    async with Interceptor(mock.url, paid_on_query) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        number = (await shop.order(token))["out_trade_no"]
        await client.advance(60)
        view = await shop.get(token, number)
    assert view["status"] == "PENDING" and view["ledger"] == []
    assert "WeChat could not be asked" in view["reconcile_note"]


async def test_verified_orderquery_with_another_amount_does_not_mark_paid(make_shop, mock, client):
    """A validly signed answer must still agree on the amount before the ledger takes it."""

    def cheaper(path: str, answer: dict[str, str]) -> dict[str, str]:
        if path == "/pay/orderquery" and answer.get("trade_state") == "SUCCESS":
            return with_sign({**answer, "total_fee": "1", "cash_fee": "1"}, client.api_key)
        return answer

    async with Interceptor(mock.url, cheaper) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        params = await shop.order(token)
        number = params["out_trade_no"]
        await client.fault(api="notify", deliver=False, match={"out_trade_no": number})
        await pay(client, params)
        await client.advance(60)
        view = await shop.get(token, number)
    assert view["status"] == "PENDING" and view["ledger"] == []
    assert "total_fee '1' but the order is 6800 fen" in view["reconcile_note"]


async def test_order_closed_at_wechat_is_closed_here(shop, client, token):
    """orderquery saying CLOSED (someone closed it at WeChat) closes the order here as well."""
    number = (await shop.order(token, "coffee"))["out_trade_no"]
    await client.v2("/pay/closeorder", {"out_trade_no": number})
    await client.advance(60)
    view = await shop.get(token, number)
    assert view["status"] == "CLOSED" and view["ledger"] == []


async def test_wrong_api_key_is_a_clear_502(make_shop, client):
    shop = await make_shop(api_key="0" * 32)
    token = await shop.login(client)
    status, body = await shop.call("POST", "/api/orders", token=token, json={"product_id": "beans", "quantity": 1})
    assert (status, body["code"]) == (502, "WECHAT_REFUSED") and "签名错误" in body["error"]
    (problem,) = await client.problems()  # the mock saw the bad signature too
    assert problem["api"] == "unifiedorder"


async def test_pay_after_verified_answer_still_works_through_the_proxy(make_shop, mock, client):
    """The interceptor itself is transparent when it changes nothing."""
    async with Interceptor(mock.url, lambda path, answer: answer) as proxy:
        shop = await make_shop(pay_base_url=proxy.url)
        token = await shop.login(client)
        params = await shop.order(token)
        await pay(client, params)
        await client.wait(out_trade_no=params["out_trade_no"], status="acked")
        assert (await shop.get(token, params["out_trade_no"]))["status"] == "PAID"
