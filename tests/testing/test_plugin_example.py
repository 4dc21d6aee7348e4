"""The README's async example, run as it is written: an aiohttp merchant (the reference one) in the
test's loop, driven through the amockwx fixture."""

import aiohttp
import pytest
from aiohttp import web

from mockwx.merchant import create_app, demo_config


@pytest.fixture
async def shop(amockwx, unused_tcp_port):
    url = f"http://127.0.0.1:{unused_tcp_port}"
    # your merchant, pointed at the mock; sharing the mock's clock keeps its expiry times in step
    app = create_app(demo_config(amockwx.url, public_url=url), clock=amockwx.backend.clock.now)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    yield url
    await runner.cleanup()


async def test_paid_once_even_if_notified_twice(amockwx, shop):
    await amockwx.fault(api="notify", duplicates=1, concurrent=True)
    async with aiohttp.ClientSession(shop) as http:
        code = (await amockwx.login("alice"))["code"]
        token = (await (await http.post("/api/login", json={"code": code})).json())["token"]
        auth = {"Authorization": f"Bearer {token}"}
        order = await (
            await http.post("/api/orders", json={"product_id": "coffee", "quantity": 1}, headers=auth)
        ).json()
        assert (await amockwx.pay(order))["errMsg"] == "requestPayment:ok"
        await amockwx.advance(0)  # both copies are delivered at once
        await amockwx.assert_notified(order["out_trade_no"])
        view = await (await http.get(f"/api/orders/{order['out_trade_no']}", headers=auth)).json()
    assert view["status"] == "PAID" and len(view["ledger"]) == 1
