"""The proxy (issue 13) on loopback: CONNECT to WeChat's hosts reaches the mock's HTTPS side (TLS, SNI and
client certificates as there), absolute-form HTTP reaches the plain side, other hosts are refused or, with
passthrough, tunnelled to a second loopback server; hostile input gets a 4xx and disturbs nothing."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp import web

from mockwx.config import DEMO_MCH_ID
from mockwx.proxy import MAX_HEAD
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer

from .support import network_config

WECHAT = "https://api.mch.weixin.qq.com"


@pytest.fixture
def config(tmp_path):
    return network_config(tmp_path / "tls", proxy=True, idle_timeout=1.0)


@pytest.fixture
async def other_server():
    """A server that is not WeChat: what passthrough tunnels to (as localhost:<port>)."""

    async def hello(request: web.Request) -> web.Response:
        return web.Response(text=f"other server: {request.method} {request.path_qs} Host={request.host}")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", hello)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield runner.addresses[0][1]
    await runner.cleanup()


def secure_session(mock: MockServer, mch_id: str | None = None) -> aiohttp.ClientSession:
    """A client that trusts the local CA, sends every request through the proxy and, given ``mch_id``,
    presents that merchant's certificate."""
    context = mock.network.pki.client_context(mch_id)
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context), proxy=mock.proxy_url)


async def test_connect_to_wechat_reaches_the_mock_over_tls(mock, client):
    async with secure_session(mock) as session:
        proxied = MockClient(WECHAT, session=session)  # control calls too: they answer to WeChat's names
        placed = await proxied.unifiedorder("PX0000000001", 1)
    assert placed["result_code"] == "SUCCESS", placed
    assert (await client.order("PX0000000001"))["trade_state"] == "NOTPAY"  # the same mock, seen directly
    entry = next(e for e in await client.requests() if e["api"] == "unifiedorder")
    assert entry["request"]["start"] == "POST /pay/unifiedorder"


async def test_a_v2_refund_through_the_proxy_presents_the_client_certificate(mock, client):
    placed = await client.unifiedorder("PX0000000002", 100)
    await client.pay(client.payment_params(placed["prepay_id"]))
    await client.control("GET", f"/tenants/{DEMO_MCH_ID}/cert")
    async with secure_session(mock, DEMO_MCH_ID) as session:
        answer = await MockClient(WECHAT, session=session).refund("PX0000000002", "PXRF00000001", 10)
    assert answer["result_code"] == "SUCCESS", answer
    async with secure_session(mock) as session:  # the same call without the certificate
        async with session.post(f"{WECHAT}/secapi/pay/refund", data=b"<xml/>") as response:
            assert response.status == 400 and "No required SSL certificate was sent" in await response.text()


async def test_plain_http_requests_for_wechat_go_to_the_mock(mock, client):
    async with aiohttp.ClientSession() as session:
        url = "http://api.weixin.qq.com/sns/jscode2session?appid=wxd930ea5d5a258f4f&js_code=x"
        async with session.get(url, proxy=mock.proxy_url) as response:
            answer = await response.json(content_type=None)
    assert answer["errcode"] == 41004  # the mock's login API answered (secret missing)
    entry = next(e for e in await client.requests() if e["api"] == "code2session")
    assert entry["path"] == "/sns/jscode2session"


async def test_other_hosts_are_refused_with_a_reason(mock, other_server):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.ClientHttpProxyError) as caught:
            await session.get("https://example.com/", proxy=mock.proxy_url)
        assert caught.value.status == 403
        async with session.get(f"http://localhost:{other_server}/x", proxy=mock.proxy_url) as response:
            text = await response.text()
            assert response.status == 403
    assert "not an open relay" in text and "--proxy-passthrough" in text and "NO_PROXY" in text


async def test_passthrough_tunnels_other_hosts_untouched(tmp_path, other_server):
    config = network_config(tmp_path / "tls", proxy=True)
    config.settings.proxy.passthrough = True
    async with MockServer(config) as mock:
        reader, writer = await asyncio.open_connection("127.0.0.1", mock.network.proxy_port)
        writer.write(f"CONNECT localhost:{other_server} HTTP/1.1\r\nHost: localhost:{other_server}\r\n\r\n".encode())
        assert (await reader.readuntil(b"\r\n\r\n")).startswith(b"HTTP/1.1 200 Connection established")
        writer.write(b"GET /tunnelled?a=1 HTTP/1.1\r\nHost: elsewhere\r\nConnection: close\r\n\r\n")
        tunnelled = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        assert tunnelled.endswith(b"other server: GET /tunnelled?a=1 Host=elsewhere")
        async with aiohttp.ClientSession() as session:
            url = f"http://localhost:{other_server}/forwarded?b=2"
            async with session.post(url, data=b"x", proxy=mock.proxy_url) as response:
                assert await response.text() == f"other server: POST /forwarded?b=2 Host=localhost:{other_server}"


async def exchange(port: int, data: bytes, timeout: float = 5) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(data)
    try:
        return await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()


@pytest.mark.parametrize(
    ("request_bytes", "status", "says"),
    [
        (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 400, b"HTTPS_PROXY=http://... (http://, not https://)"),
        (b"GET\r\n\r\n", 400, b"not an HTTP/1.x request line"),
        (b"GET / HTTP/2.0\r\n\r\n", 400, b"not an HTTP/1.x request line"),
        (b"CONNECT api.mch.weixin.qq.com:80 HTTP/1.1\r\n\r\n", 403, b"on port 443 only"),
        (b"CONNECT api.mch.weixin.qq.com:0 HTTP/1.1\r\n\r\n", 400, b"is not host:port"),
        (b"CONNECT api.mch.weixin.qq.com:99999 HTTP/1.1\r\n\r\n", 400, b"is not host:port"),
        (b"CONNECT api.mch.weixin.qq.com:https HTTP/1.1\r\n\r\n", 400, b"is not host:port"),
        (b"CONNECT user@api.mch.weixin.qq.com:443 HTTP/1.1\r\n\r\n", 400, b"is not host:port"),
        (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", 400, b"not a web server"),
        (b"GET https://api.mch.weixin.qq.com/ HTTP/1.1\r\n\r\n", 400, b"with CONNECT"),
        (b"GET http://[::1 HTTP/1.1\r\n\r\n", 400, b"is not a URL"),
        (b"GET http://api.mch.weixin.qq.com/ HTTP/1.1\r\nBad Header\r\n\r\n", 400, b"not a header field"),
        (b"GET http://api.mch.weixin.qq.com/ HTTP/1.1\r\nX: a\x00b\r\n\r\n", 400, b"not a header field"),
        ("GET http://api.mch.weixin.qq.com/ HTTP/1.1\r\nX: 微信\r\n\r\n".encode(), 400, b"not ASCII"),
        (b"GET http://api.mch.weixin.qq.com/ HTTP/1.1\r\nX: " + b"a" * MAX_HEAD + b"\r\n\r\n", 431, b"over 16384"),
    ],
)
async def test_hostile_requests_get_a_clean_4xx(mock, request_bytes, status, says):
    answer = await exchange(mock.network.proxy_port, request_bytes)
    assert answer.startswith(f"HTTP/1.1 {status} ".encode()), answer[:200]
    assert says in answer and b"Connection: close" in answer


async def test_a_slow_client_gets_408_and_the_proxy_goes_on(mock):
    started = asyncio.get_running_loop().time()
    answer = await exchange(mock.network.proxy_port, b"CONNECT api.mch.weixin.qq.com:443 HTTP/1.1\r\n")
    assert answer.startswith(b"HTTP/1.1 408 ") and asyncio.get_running_loop().time() - started < 4
    silent = await asyncio.open_connection("127.0.0.1", mock.network.proxy_port)  # connects, sends nothing
    many = [exchange(mock.network.proxy_port, b"GARBAGE\r\n\r\n") for _ in range(50)]
    assert all(a.startswith(b"HTTP/1.1 400 ") for a in await asyncio.gather(*many))
    async with secure_session(mock) as session, session.get(f"{WECHAT}/__mock__/health") as response:
        assert response.status == 200
    assert (await asyncio.wait_for(silent[0].read(), 4)).startswith(b"HTTP/1.1 408 ")
    silent[1].close()


async def test_an_unreachable_upstream_is_a_502(tmp_path):
    config = network_config(tmp_path / "tls", proxy=True)
    config.settings.proxy.passthrough = True
    async with MockServer(config) as mock:
        answer = await exchange(mock.network.proxy_port, b"CONNECT 127.0.0.1:9 HTTP/1.1\r\n\r\n")
    assert answer.startswith(b"HTTP/1.1 502 Bad Gateway") and b"could not reach 127.0.0.1:9" in answer
