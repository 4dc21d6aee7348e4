"""The dashboard's routes over real sockets: where browsers land, the live stream (batched, one
wake-up per stream whatever the API's pace, closed on stop), and bad input answered without a 500."""

from __future__ import annotations

import asyncio
import json
import re
import time

import aiohttp
import pytest

from mockwx.config import DEMO_SECRET
from mockwx.http.ui import SITE
from mockwx.testing.server import MockServer
from mockwx.ui.live import Change, Hub


async def test_browsers_land_on_the_dashboard_and_api_clients_get_the_501(mock):
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{mock.url}/", headers={"Accept": "text/html"}, allow_redirects=False) as answer:
            assert answer.status == 302 and answer.headers["Location"] == "/__mock__/ui/"
        async with http.get(f"{mock.url}/") as answer:
            assert answer.status == 501 and (await answer.json())["errcode"] == 501
        async with http.get(f"{mock.url}/__mock__/ui/") as answer:
            assert answer.status == 200 and "default-src 'self'" in answer.headers["Content-Security-Policy"]
            assert "http://" not in (await answer.text()).replace(mock.url, "")  # nothing loaded from elsewhere


BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


async def test_the_root_tells_a_browser_and_an_api_client_apart(mock):
    async with aiohttp.ClientSession() as http:
        for method in ("GET", "HEAD"):  # what Chrome and Firefox send, and curl -I with the same header
            async with http.request(
                method, f"{mock.url}/", headers={"Accept": BROWSER_ACCEPT}, allow_redirects=False
            ) as answer:
                assert (answer.status, answer.headers["Location"]) == (302, "/__mock__/ui/")
        async with http.get(f"{mock.url}/", headers={"Accept": "*/*"}) as answer:  # curl, an SDK
            body = await answer.json()
            assert answer.status == 501 and body["errcode"] == 501 and body["errmsg"] == "mockwx does not mock GET /"
            assert "dashboard (/__mock__/ui/)" in body["hint"] and "/sns/jscode2session" in body["mocked"]["login"]
        async with http.post(f"{mock.url}/", json={}) as answer:  # a client's POST
            assert answer.status == 501 and (await answer.json())["errmsg"] == "mockwx does not mock POST /"
        async with http.post(f"{mock.url}/", data=b"<xml/>") as answer:  # / is the dashboard's door: JSON only
            assert answer.status == 415
            assert "control calls that change the mock take JSON" in (await answer.json())["error"]
        async with http.get(f"{mock.url}/pay/micropay") as answer:  # Pay paths stay XML, as WeChat answers them
            assert answer.status == 501 and (await answer.text()).startswith("<xml>")


async def _events(response: aiohttp.ClientResponse, count: int, timeout: float = 5) -> list[dict]:
    found: list[dict] = []
    async with asyncio.timeout(timeout):
        async for line in response.content:
            if line.startswith(b"data: "):
                found.append(json.loads(line[6:]))
                if len(found) == count:
                    return found
    return found


async def test_the_stream_says_what_changed_in_batches(mock, client):
    async with aiohttp.ClientSession() as http, http.get(f"{mock.url}/__mock__/ui/stream") as stream:
        assert stream.headers["Content-Type"] == "text/event-stream"
        (hello,) = await _events(stream, 1)
        assert hello["entry"] == 0 and hello["clock"]["kind"] == "virtual"
        await client.unifiedorder("U20261127000001", 1)  # a login and an order: two entries, one burst
        (change,) = await _events(stream, 1)
        assert change["entry"] == 2 and change["orders"] == ["U20261127000001"] and change["problems"] == 0


async def test_a_burst_wakes_a_stream_once_and_its_message_names_every_order(mock, client):
    hub = mock_site(mock).hub
    async with aiohttp.ClientSession() as http, http.get(f"{mock.url}/__mock__/ui/stream") as stream:
        await _events(stream, 1)
        assert len(hub) == 1
        (subscriber,) = hub._subscribers
        started = time.process_time()
        for n in range(10_000):  # what the API path does per call while a page streams: a flag, at most one put
            hub.publish(Change(n))
        assert time.process_time() - started < 2 and subscriber.queue.qsize() == 1
        openid = (await client.login("bob"))["openid"]
        for n in range(3):
            await client.unifiedorder(f"U2026112700010{n}", 1, openid=openid)
        (change,) = await _events(stream, 1)
        assert change["orders"] == ["U20261127000100", "U20261127000101", "U20261127000102"]
    hub.publish(Change(0))  # the page is gone: the next message it is sent finds out, and lets go
    async with asyncio.timeout(5):
        while len(hub):
            await asyncio.sleep(0.05)


def mock_site(mock):  # the running app (MockServer keeps its runner private)
    return mock._runner.app[SITE]


async def test_open_streams_do_not_hold_the_mock_up_when_it_stops():
    server = await MockServer().start()
    async with aiohttp.ClientSession() as http, http.get(f"{server.url}/__mock__/ui/stream") as stream:
        await _events(stream, 1)
        started = time.perf_counter()
        await server.stop()
        assert time.perf_counter() - started < 3


def test_the_hub_holds_one_wake_up_per_stream():
    async def run():
        hub = Hub()
        first, second = hub.subscribe(), hub.subscribe()
        for n in range(100):
            hub.publish(Change(n))
        assert first.queue.qsize() == second.queue.qsize() == 1 and (await first.queue.get()).seq == 0
        hub.publish(Change(100))
        assert first.queue.empty()  # woken and not done yet: nothing more to hand over
        first.taken()
        hub.publish(Change(101))
        assert (await first.queue.get()).seq == 101
        hub.close()
        assert await second.queue.get() is None and second.closed and len(hub) == 0

    asyncio.run(run())


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "text"),
    [
        ("GET", "/__mock__/ui/journal/abc", None, 404, "no longer in the journal"),
        ("GET", "/__mock__/ui/journal/99999999999999999999", None, 404, "no longer"),
        ("GET", "/__mock__/ui/problems/7", None, 404, "no longer in the journal"),
        ("GET", "/__mock__/ui/entries/-1", None, 404, "no longer"),
        ("GET", "/__mock__/ui/journal/rows?after=x&api=%00", None, 200, ""),
        ("GET", "/__mock__/ui/orders/%3Cscript%3E", None, 404, "No order &lt;script&gt;"),
        ("GET", "/__mock__/ui/orders/NOPE/story.svg", None, 404, "No order NOPE"),
        ("GET", "/__mock__/ui/playground?entry=zz&mode=nope", None, 200, "Signature playground"),
        ("GET", "/__mock__/ui/keys/999/apiclient_key.pem", None, 404, "Merchant 999 has no file apiclient_key.pem"),
        ("GET", "/__mock__/ui/keys/10000100/ids.txt", None, 404, "has no file ids.txt"),
        ("GET", "/__mock__/ui/keys/10000100/%2E%2E%2Fstate.sqlite3", None, 404, "has no file ../state.sqlite3"),
        ("POST", "/__mock__/ui/playground", b"not json", 400, "not valid JSON"),
        ("POST", "/__mock__/ui/playground", b"[1]", 400, "JSON object"),
        ("POST", "/__mock__/ui/playground", b'{"text": "a=1", "key": ""}', 400, "give the key"),
        (
            "POST",
            "/__mock__/ui/playground",
            b'{"text": "a=1", "key": "k", "mode": "v4"}',
            400,
            "v2, paysign, v3, v3paysign",
        ),
        ("POST", "/__mock__/ui/playground", b'{"text": "a=1", "key": "k", "mode": "v3"}', 400, "paste the merchant's"),
        ("POST", "/__mock__/ui/playground", json.dumps({"text": "a" * 70000, "key": "k"}).encode(), 400, "at most"),
    ],
)
async def test_bad_input_gets_an_answer_that_says_why(mock, method, path, body, status, text):
    async with aiohttp.ClientSession() as http:
        headers = {"Content-Type": "application/json"} if body is not None else {}  # the guard wants JSON writes
        async with http.request(method, f"{mock.url}{path}", data=body, headers=headers) as answer:
            assert answer.status == status
            assert text in await answer.text()


async def test_two_orders_with_one_number_ask_which(mock, client):
    await client.unifiedorder("U20261127000002", 1)
    await client.unifiedorder("U20261127000002", 1, path="/sandboxnew/pay/unifiedorder", key=await _sandbox_key(client))
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{mock.url}/__mock__/ui/orders/U20261127000002") as answer:
            assert answer.status == 300 and "2 orders are numbered U20261127000002" in await answer.text()
        async with http.get(f"{mock.url}/__mock__/ui/orders/U20261127000002?env=sandbox") as answer:
            assert answer.status == 200 and "sandbox" in await answer.text()


async def _sandbox_key(client) -> str:
    answer = await client.v2("/sandboxnew/pay/getsignkey", {})
    return answer["sandbox_signkey"]


async def test_the_playground_json_endpoint(mock):
    form = {
        "text": "appid=wxd930ea5d5a258f4f\nmch_id=10000100\ndevice_info=1000\nbody=test\nnonce_str=ibuaiVcKdpRxkhJA"
    }
    async with aiohttp.ClientSession() as http:
        async with http.post(
            f"{mock.url}/__mock__/ui/playground", json={**form, "key": "192006250b4c09247ec02edce69f6a2d"}
        ) as answer:
            data = await answer.json()
    assert data["sign"] == "9A0A8659F005D6984697E2CA0A9CF3B7" and data["matches"] is None
    assert data["string"].endswith("&key=1920************************6a2d") and "<ol" in data["html"]


async def test_v3_calls_read_right_on_the_dashboard(mock, client):
    """A v3 200 is a success row, not "a business failure" (issue 9 review, item 6); a v3 problem's page
    shows the signature received and opens the playground in its API v3 mode (items 9, issue 11 item 3)."""
    from mockwx.config import DEMO_MCH_ID
    from mockwx.wire.v3 import build_authorization, load_private_key

    keys = await client.v3_keys()
    ok = await client.v3("GET", "/v3/certificates")
    await client.v3("GET", f"/v3/pay/transactions/out-trade-no/NOSUCHORDER1?mchid={DEMO_MCH_ID}")
    header = build_authorization(
        "GET",
        "/v3/certificates?algorithm_type=RSA",  # signed one URL, sent another
        b"",
        mchid=DEMO_MCH_ID,
        serial_no=keys["merchant_serial"],
        private_key=load_private_key(keys["merchant_private_key"]),
        timestamp=int(time.time()),
    )
    signature = header.split('signature="')[1].split('"')[0]
    async with client.session.get(f"{mock.url}/v3/certificates", headers={"Authorization": header}) as refused:
        page = refused.headers["X-Mockwx-Problem"]
    async with client.session.get(f"{mock.url}/__mock__/ui/journal/rows") as answer:
        rows = await answer.text()
    assert ok.status == 200
    tones = re.findall(r'data-api="(v3/[a-z_]+)" data-order="[^"]*" data-tone="(\w+)"', rows)  # newest first
    assert tones == [("v3/certificates", "problem"), ("v3/query", "fail"), ("v3/certificates", "ok")]
    async with client.session.get(page) as answer:
        html = await answer.text()
    assert answer.status == 200 and signature in html
    link = re.search(r'href="(/__mock__/ui/playground\?entry=\d+)"', html)
    assert link, "a v3 problem's page opens the playground"
    async with client.session.get(f"{mock.url}{link.group(1)}") as answer:
        playground = await answer.text()
    assert answer.status == 200 and 'id="play-mode-value" value="v3"' in playground
    assert "/v3/certificates" in playground  # the call prefilled, to be signed again step by step
    v2 = await client.v2("/pay/orderquery", {"out_trade_no": "nope"}, key=DEMO_SECRET)  # a bad v2 sign: playground
    async with client.session.get(f"{mock.url}/__mock__/ui/problems/{(await client.problems())[-1]['id']}") as answer:
        assert v2["return_code"] == "FAIL" and "playground?entry=" in await answer.text()
