"""Bad and hostile input over a real socket: WeChat's FAIL answers, fast, and the server keeps
serving with nothing lost (protocol/v2.md 2.2, 3.3)."""

from __future__ import annotations

import asyncio
import contextlib
import time

import aiohttp
import pytest

from mockwx.testing.server import MockServer
from mockwx.wire import parse_xml

from ..wire.test_xml import BILLION_LAUGHS, PARAMETER_ENTITY, XXE


async def post(client, body: bytes, path: str = "/pay/unifiedorder", **kw):
    async with client.session.post(f"{client.url}{path}", data=body, **kw) as response:
        return response.status, await response.read(), response.headers


def fail(msg: str) -> dict[str, str]:
    return {"return_code": "FAIL", "return_msg": msg}


@pytest.mark.parametrize(
    ("body", "msg"),
    [
        (b"", "post数据为空"),
        (b"<xml><body>a & b</body></xml>", "XML格式错误"),
        (b"<xml><body>half", "XML格式错误"),
        (b'{"json": true}', "XML格式错误"),
        ("<xml><body>腾讯</body></xml>".encode("gbk"), "编码格式错误"),
        (BILLION_LAUGHS, "XML格式错误"),
        (XXE, "XML格式错误"),
        (PARAMETER_ENTITY, "XML格式错误"),
        (b"<xml>" + b"<a>" * 50_000 + b"</a>" * 50_000 + b"</xml>", "XML格式错误"),
    ],
    ids=["empty", "unescaped-amp", "truncated", "json", "gbk", "billion-laughs", "xxe", "param-entity", "deep"],
)
async def test_bad_bodies_get_wechat_fail_answers(client, body, msg):
    started = time.perf_counter()
    status, raw, headers = await post(client, body)
    assert status == 200 and parse_xml(raw) == fail(msg)
    assert headers["X-Mockwx-Hint"]
    assert time.perf_counter() - started < 1.0


async def test_ten_megabyte_body_is_refused_and_the_server_keeps_serving(client):
    order = await client.unifiedorder("H20261127000001", 1)
    big = b"<xml><body>" + b"A" * (10 * 1024 * 1024) + b"</body></xml>"
    started = time.perf_counter()
    status, raw, _ = await post(client, big)
    assert time.perf_counter() - started < 2.0
    assert status == 200 and parse_xml(raw) == fail("XML格式错误")
    query = await client.v2("/pay/orderquery", {"out_trade_no": "H20261127000001"})
    assert query["trade_state"] == "NOTPAY"  # nothing stored was lost
    assert (await client.unifiedorder("H20261127000001", 1))["prepay_id"] == order["prepay_id"]


async def test_hostile_bodies_in_parallel_do_not_stop_honest_requests(client):
    hostile = [post(client, b) for b in (BILLION_LAUGHS, XXE, b"<xml>" * 10_000, b"\xff\xfe" * 1000)] * 5
    honest = [client.unifiedorder(f"H2026112700010{i}", 1) for i in range(5)]
    results = await asyncio.gather(*hostile, *honest)
    assert all(r[0] == 200 for r in results[: len(hostile)])
    assert all(r["result_code"] == "SUCCESS" for r in results[len(hostile) :])


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
async def test_non_post_is_require_post_method(client, method):
    async with client.session.request(method, f"{client.url}/pay/orderquery") as response:
        assert response.status == 200
        assert parse_xml(await response.read()) == fail("请使用post方法")


async def test_any_content_type_or_none_is_accepted(client):
    order = await client.unifiedorder("H20261127000002", 1)
    assert order["result_code"] == "SUCCESS"  # aiohttp sends application/octet-stream here
    for content_type in ("text/xml; charset=utf-8", "application/x-www-form-urlencoded", "text/plain"):
        answer = await client.v2("/pay/orderquery", {"out_trade_no": "H20261127000002"})
        assert answer["result_code"] == "SUCCESS", content_type


async def test_unmocked_paths_get_501_naming_what_is(client):
    status, raw, headers = await post(client, b"<xml/>", "/mmpaymkttransfers/promotion/transfers")
    assert status == 501 and parse_xml(raw)["return_msg"].startswith("NOT MOCKED")
    assert "/pay/unifiedorder" in headers["X-Mockwx-Hint"]
    async with client.session.get(f"{client.url}/v3/marketing/favor/stocks") as response:
        body = await response.json()
        assert response.status == 501 and body["code"] == "NOT_MOCKED"
        assert "/pay/unifiedorder" in body["mocked"]["pay_v2"]
        assert "/v3/pay/transactions/jsapi" in body["mocked"]["pay_v3"]
    async with client.session.get(f"{client.url}/cgi-bin/message/custom/send") as response:
        assert response.status == 501 and (await response.json())["errcode"] == 501


@pytest.mark.parametrize("tail", ["%1F", "%0A", "a%0Ab", "%7F"])
async def test_unmocked_paths_with_control_characters_still_answer_in_dialect(client, tail):
    """Found by the fuzz suite: the path went raw into the XML answer, and a newline escaped the catch-all."""
    status, raw, _ = await post(client, b"<xml/>", f"/pay/{tail}")
    assert status == 501 and parse_xml(raw)["return_code"] == "FAIL"
    async with client.session.get(f"{client.url}/{tail}") as response:
        assert response.status == 501 and (await response.json())["errcode"] == 501


async def test_fault_delay_and_drop(client):
    await client.fault(api="orderquery", delay=0.2, times=1)
    started = time.perf_counter()
    await client.v2("/pay/orderquery", {"out_trade_no": "X0000001"})
    assert time.perf_counter() - started >= 0.2
    await client.fault(api="orderquery", drop=True, times=1)
    with pytest.raises(aiohttp.ClientError):
        await client.v2("/pay/orderquery", {"out_trade_no": "X0000001"})
    answer = await client.v2("/pay/orderquery", {"out_trade_no": "X0000001"})
    assert answer["err_code"] == "ORDERNOTEXIST"  # the server is fine


async def test_fault_business_error_is_signed_and_return_fail_is_not(client):
    await client.fault(api="unifiedorder", err_code="SYSTEMERROR", times=1)
    failed = await client.unifiedorder("H20261127000003", 1)
    assert (failed["result_code"], failed["err_code"], failed["sign"] != "") == ("FAIL", "SYSTEMERROR", True)
    retried = await client.unifiedorder("H20261127000003", 1)  # identical parameters
    assert retried["result_code"] == "SUCCESS"
    await client.fault(api="orderquery", return_msg="系统繁忙", times=1)
    assert await client.v2("/pay/orderquery", {"out_trade_no": "H20261127000003"}) == fail("系统繁忙")


async def test_fault_matches_amounts_by_pattern(client):
    await client.fault(api="unifiedorder", err_code="NOTENOUGH", match={"total_fee": "re:9\\d\\d"})
    assert (await client.unifiedorder("H20261127000004", 950))["err_code"] == "NOTENOUGH"
    assert (await client.unifiedorder("H20261127000005", 1050))["result_code"] == "SUCCESS"


async def test_connections_that_never_finish_a_request_are_closed(config):
    """Issue 8, finding 10: idle sockets and slow headers held a file descriptor each, forever."""
    config.settings.idle_timeout = 0.3
    async with MockServer(config) as mock:
        idle = [await asyncio.open_connection("127.0.0.1", mock.port) for _ in range(50)]
        slow_reader, slow = await asyncio.open_connection("127.0.0.1", mock.port)
        slow.write(b"POST /pay/orderquery HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # headers that never end
        kept_reader, kept = await asyncio.open_connection("127.0.0.1", mock.port)  # keep-alive after one answer
        kept.write(b"GET /__mock__/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        assert b"200 OK" in await kept_reader.readuntil(b"\r\n\r\n")
        for reader, _ in [*idle, (slow_reader, slow), (kept_reader, kept)]:
            await asyncio.wait_for(reader.read(), 5)  # EOF: the mock closed it
        async with aiohttp.ClientSession() as http, http.get(f"{mock.url}/__mock__/health") as response:
            assert response.status == 200
        for _, writer in [*idle, (slow_reader, slow), (kept_reader, kept)]:
            writer.close()


@pytest.mark.parametrize(
    ("target", "status"),
    [
        ("/pay/unifiedorder", 408),  # Pay v2's body
        ("/v3/pay/transactions/jsapi", 408),  # API v3's
        ("/cgi-bin/stable_token", 408),  # the login API's JSON
        ("/__mock__/login", 408),  # the control API's JSON
        ("/__mock__/reset", 200),  # a call that never reads its body: answered, its body not waited for
    ],
)
async def test_a_body_that_trickles_in_is_given_up_on_within_idle_timeout(config, target, status):
    """Review M3: a POST announcing 100,000 bytes and sending one a tenth of a second stayed open for ever."""
    config.settings.idle_timeout = 0.5
    async with MockServer(config) as mock:
        reader, writer = await asyncio.open_connection("127.0.0.1", mock.port)
        writer.write(
            f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            "Content-Length: 100000\r\n\r\n".encode()
        )

        async def trickle() -> None:
            with contextlib.suppress(ConnectionError):
                while True:
                    writer.write(b" ")
                    await writer.drain()
                    await asyncio.sleep(0.1)

        started = time.perf_counter()
        trickling = asyncio.ensure_future(trickle())
        try:
            answer = await asyncio.wait_for(reader.read(), 10)  # to EOF: answered, then closed
        finally:
            trickling.cancel()
            writer.close()
        assert answer.startswith(f"HTTP/1.1 {status}".encode()), answer[:200]
        assert time.perf_counter() - started < 4
        if status == 408:
            assert b"idle_timeout" in answer
        async with aiohttp.ClientSession() as http, http.get(f"{mock.url}/__mock__/health") as response:
            assert response.status == 200


@pytest.mark.parametrize("target", ["/pay/unifiedorder", "/v3/pay/transactions/jsapi", "/__mock__/login"])
async def test_a_client_hanging_up_mid_body_is_its_hang_up_in_one_line_not_a_mockwx_bug(mock, client, caplog, target):
    """Review, issue 8 minor: it was journaled INTERNAL ("please report it") with two tracebacks in the log."""
    reader, writer = await asyncio.open_connection("127.0.0.1", mock.port)
    writer.write(
        f"POST {target} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
        'Content-Length: 1000\r\n\r\n{"user"'.encode()
    )
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.close()
    for _ in range(100):
        entries = [e for e in await client.requests() if e["path"] == target]
        if entries:
            break
        await asyncio.sleep(0.02)
    [entry] = entries
    assert entry["error"]["kind"] == "CLIENT" and "hung up" in entry["error"]["hint"] and not entry.get("problem")
    said = [r for r in caplog.records if target in r.getMessage() or r.exc_info]
    assert len(said) == 1 and not said[0].exc_info and "cut off" in said[0].getMessage()
