"""Generated request heads sent to the proxy (issue 13): every one gets an HTTP answer (the proxy's own 4xx,
a tunnel, or the mock's answer to what it forwarded), never a 5xx of its own making but 502, never a hang,
and the proxy still carries a good request afterwards."""

from __future__ import annotations

import socket
import ssl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mockwx.testing.server import MockServer, mock_config

METHODS = st.sampled_from(["CONNECT", "GET", "POST", "HEAD", "OPTIONS", "connect", "G\tET", "", "ПОСТ"]) | st.text(
    max_size=12
)
TARGETS = st.sampled_from(
    [
        "api.mch.weixin.qq.com:443",
        "api2.mch.weixin.qq.com:443",
        "api.weixin.qq.com:80",
        "API.MCH.WEIXIN.QQ.COM.:443",
        "http://api.mch.weixin.qq.com/pay/orderquery",
        "http://api.weixin.qq.com/sns/jscode2session?appid=x",
        "http://api.mch.weixin.qq.com:99999/",
        "http://[::1",
        "https://api.mch.weixin.qq.com/",
        "[::1]:443",
        "localhost:1",
        ":443",
        "*",
        "/",
    ]
) | st.text(max_size=40)
VERSIONS = st.sampled_from(["HTTP/1.1", "HTTP/1.0", "HTTP/2", "http/1.1", ""])
NAMES = st.text(min_size=1, max_size=16).filter(lambda n: n.lower() not in ("content-length", "transfer-encoding"))
HEADERS = st.lists(st.tuples(NAMES, st.text(max_size=40)), max_size=4)


@st.composite
def heads(draw) -> bytes:
    if draw(st.booleans()):
        raw = draw(st.binary(max_size=200)).replace(b"\r\n\r\n", b"")
        return raw + b"\r\n\r\n"
    line = f"{draw(METHODS)} {draw(TARGETS)} {draw(VERSIONS)}\r\n"
    fields = "".join(f"{name}: {value}\r\n" for name, value in draw(HEADERS))
    return (line + fields + "\r\n").encode("utf-8", "surrogatepass")


@pytest.fixture(scope="module")
def proxied(tmp_path_factory):
    config = mock_config(idle_timeout=0.3)
    config.settings.proxy.port = 0
    config.settings.tls.folder = str(tmp_path_factory.mktemp("tls"))
    with MockServer.threaded(config) as mock:
        yield mock


def exchange(port: int, data: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def healthy(mock: MockServer) -> None:
    assert mock.network is not None and mock.network.pki is not None and mock.network.proxy_port is not None
    with socket.create_connection(("127.0.0.1", mock.network.proxy_port), timeout=5) as sock:
        sock.sendall(b"CONNECT api.mch.weixin.qq.com:443 HTTP/1.1\r\n\r\n")
        assert sock.recv(100).startswith(b"HTTP/1.1 200 Connection established")
        with mock.network.pki.client_context().wrap_socket(sock, server_hostname="api.mch.weixin.qq.com") as tls:
            tls.sendall(b"GET /__mock__/health HTTP/1.1\r\nHost: api.mch.weixin.qq.com\r\nConnection: close\r\n\r\n")
            assert tls.recv(100).startswith(b"HTTP/1.1 200 OK")


@given(head=heads())
def test_any_request_head_gets_an_answer(proxied, head):
    try:
        answer = exchange(proxied.network.proxy_port, head)
    except (TimeoutError, ssl.SSLError) as exc:
        raise AssertionError(f"{head!r}: no answer ({exc})") from None
    assert answer.startswith((b"HTTP/1.1 ", b"HTTP/1.0 ")), f"{head!r} -> {answer[:200]!r}"
    status = int(answer[9:12])
    assert status < 500 or status in (501, 502), f"{head!r} -> {answer[:300]!r}"
    healthy(proxied)
