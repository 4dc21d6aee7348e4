"""What the dashboard's page tests share: driving the threaded mock's API as a merchant would (from
the test's thread, over real sockets), and a notify receiver on the mock's loop."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer

from ..support import Receiver, Reply

T = TypeVar("T")


def api(mock: MockServer, fn: Callable[[MockClient], Awaitable[T]]) -> T:
    """Run ``fn(client)`` against the mock (its loop, a client of its own)."""

    async def run() -> T:
        async with MockClient(mock.url) as client:
            return await fn(client)

    return mock.run(run())


@contextmanager
def receiver(mock: MockServer, *replies: Reply) -> Iterator[Receiver]:
    """A merchant notify endpoint on loopback answering ``replies`` in turn, then acknowledging."""
    merchant = Receiver()
    merchant.plan = list(replies)
    mock.run(merchant.__aenter__())
    try:
        yield merchant
    finally:
        mock.run(merchant.__aexit__(None, None, None))


def pay_order(mock: MockServer, number: str, notify_url: str, total_fee: int = 1) -> dict[str, Any]:
    """wx.login, code2session, unifiedorder and wx.requestPayment, as a mini program and its backend do."""

    async def run(client: MockClient) -> dict[str, Any]:
        login = await client.login("alice")
        await client.code2session(login["code"])
        order = await client.unifiedorder(number, total_fee, notify_url=notify_url, openid=login["openid"])
        paid = await client.pay(client.payment_params(order["prepay_id"]))
        assert paid["errMsg"] == "requestPayment:ok", paid
        return order

    return api(mock, run)
