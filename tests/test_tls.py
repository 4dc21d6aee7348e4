"""The HTTPS front (issue 13) on real loopback sockets: the same application and state as plain HTTP behind
a certificate for WeChat's names, what it says about handshakes it refuses and plain HTTP on its port, and
the control API's view of the local CA and the merchants' client certificates."""

from __future__ import annotations

import asyncio
import base64
import socket
import ssl
import stat
import time

import aiohttp
import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID

from mockwx.config import DEMO_MCH_ID
from mockwx.http.https import PLAIN_HTTP
from mockwx.pki import WECHAT_HOSTS, ensure_pki
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer
from mockwx.wire import v3

from .support import network_config


@pytest.fixture
def config(tmp_path):
    return network_config(tmp_path / "tls")


def https_session(mock: MockServer, context: ssl.SSLContext | None = None) -> aiohttp.ClientSession:
    assert mock.network is not None and mock.network.pki is not None
    return aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context or mock.network.pki.client_context()))


async def test_https_is_the_same_mock_with_the_same_state(mock, client):
    async with https_session(mock) as session:
        secure = MockClient(mock.https_url, session=session)
        placed = await secure.unifiedorder("TLS000000001", 100)
        assert placed["result_code"] == "SUCCESS", placed
        async with session.get(f"{mock.https_url}/__mock__/health") as response:
            assert response.status == 200
    assert (await client.order("TLS000000001"))["trade_state"] == "NOTPAY"  # seen over plain HTTP
    assert [e["path"] for e in await client.requests() if e["api"] == "unifiedorder"] == ["/pay/unifiedorder"]


@pytest.mark.parametrize("name", WECHAT_HOSTS)
async def test_the_certificate_names_wechats_hosts(mock, name):
    """A client that dials 127.0.0.1 but asks for WeChat's name (SNI) verifies the chain and the name."""
    context = mock.network.pki.client_context()
    reader, writer = await asyncio.open_connection(
        "127.0.0.1", mock.network.https_port, ssl=context, server_hostname=name
    )
    peer = writer.get_extra_info("ssl_object").getpeercert()
    writer.write(f"GET /__mock__/health HTTP/1.1\r\nHost: {name}\r\nConnection: close\r\n\r\n".encode())
    answer = await reader.read()
    writer.close()
    assert ("DNS", name) in peer["subjectAltName"]
    assert answer.startswith(b"HTTP/1.1 200 OK"), answer[:200]  # the control API answers to WeChat's names


def handshake(port: int, context: ssl.SSLContext) -> None:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="api.mch.weixin.qq.com"):
            pass


async def test_a_client_that_does_not_trust_the_ca_is_told_how(mock, client):
    untrusting = ssl.create_default_context()  # the system's CAs only
    with pytest.raises(ssl.SSLCertVerificationError):  # OpenSSL sends the alert unknown_ca, then gives up
        await asyncio.to_thread(handshake, mock.network.https_port, untrusting)
    with pytest.raises(aiohttp.ClientConnectorCertificateError):  # asyncio just hangs up
        async with aiohttp.ClientSession() as session:
            await session.get(f"{mock.https_url}/__mock__/health", ssl=untrusting)
    await asyncio.sleep(0.05)
    hung_up, alerted = (await client.control("GET", "/tls"))["refused"][:2]
    assert "unknown ca" in alerted["reason"].lower() and alerted["remote"] == "127.0.0.1"
    assert "does not trust the mockwx CA" in alerted["hint"] and "REQUESTS_CA_BUNDLE" in alerted["hint"]
    assert "hung up" in hung_up["hint"] and "does not trust the mockwx CA" in hung_up["hint"]


async def test_a_client_certificate_of_another_ca_is_refused_at_the_handshake(mock, client, tmp_path):
    stranger = ensure_pki(tmp_path / "stranger", now=time.time(), mch_ids=[DEMO_MCH_ID])
    context = mock.network.pki.client_context()
    files = stranger.merchant_files(DEMO_MCH_ID)
    context.load_cert_chain(files.cert, files.key)
    with pytest.raises((aiohttp.ClientError, ssl.SSLError, ConnectionError)):
        async with https_session(mock, context) as session:
            async with session.get(f"{mock.https_url}/__mock__/health") as response:
                await response.read()
    hint = (await client.control("GET", "/tls"))["refused"][0]["hint"]
    assert "not issued by the mockwx CA" in hint and "apiclient_cert.p12" in hint
    async with https_session(mock) as session, session.get(f"{mock.https_url}/__mock__/health") as response:
        assert response.status == 200  # the refusal disturbed nothing


async def test_plain_http_on_the_https_port_gets_nginxs_answer(mock, client):
    reader, writer = await asyncio.open_connection("127.0.0.1", mock.network.https_port)
    writer.write(b"POST /pay/unifiedorder HTTP/1.1\r\nHost: api.mch.weixin.qq.com\r\nContent-Length: 7\r\n\r\n<xml/>\n")
    answer = (await asyncio.wait_for(reader.read(), 5)).decode()
    writer.close()
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400 Bad Request") and "Server: nginx" in head
    assert f"<title>400 {PLAIN_HTTP}</title>" in body and "<center>nginx</center>" in body
    assert f"use {mock.https_url}" in head and f"plain HTTP on {mock.url}" in head  # X-Mockwx-Hint
    assert (await client.control("GET", "/tls"))["refused"][0]["reason"] == PLAIN_HTTP


async def test_silent_and_half_open_connections_are_closed(tmp_path):
    config = network_config(tmp_path / "tls", idle_timeout=0.2)
    async with MockServer(config) as mock:
        silent = await asyncio.open_connection("127.0.0.1", mock.network.https_port)
        half = await asyncio.open_connection("127.0.0.1", mock.network.https_port)
        half[1].write(b"\x16\x03\x01\x00\x05")  # a TLS record header, then nothing
        for reader, writer in (silent, half):
            assert await asyncio.wait_for(reader.read(100), 3) == b""  # closed by the mock, not left hanging
            writer.close()
        assert "did not finish the TLS handshake in time" in mock.network.refusals[-1].hint


async def test_control_api_gives_the_ca_and_each_merchants_certificate(mock, client, tmp_path):
    tls = await client.control("GET", "/tls")
    assert tls["enabled"] and tls["https_url"] == mock.https_url and tls["client_certificates"] == "secapi"
    assert set(WECHAT_HOSTS) <= set(tls["server_names"]) and any("NODE_EXTRA_CA_CERTS" in t for t in tls["trust"])
    async with aiohttp.ClientSession() as session, session.get(f"{mock.url}/__mock__/tls/ca.pem") as response:
        pem = await response.read()
        assert response.content_type == "application/x-pem-file"
    assert x509.load_pem_x509_certificate(pem) == mock.network.pki.ca.certificate

    cert = await client.control("GET", f"/tenants/{DEMO_MCH_ID}/cert")
    certificate = x509.load_pem_x509_certificate(cert["apiclient_cert.pem"].encode())
    certificate.verify_directly_issued_by(mock.network.pki.ca.certificate)
    keys = await client.v3_keys()
    assert cert["serial_no"] == keys["merchant_serial"] == v3.serial_no(certificate)  # one certificate for v2 and v3
    assert [(a.oid, a.value) for a in certificate.subject] == [  # as WeChat writes a merchant API certificate
        (NameOID.COMMON_NAME, DEMO_MCH_ID),
        (NameOID.ORGANIZATION_NAME, "微信商户系统"),
        (NameOID.ORGANIZATIONAL_UNIT_NAME, "mockwx demo merchant"),
        (NameOID.COUNTRY_NAME, "CN"),
        (NameOID.LOCALITY_NAME, "ShenZhen"),
    ]
    key, in_p12, _ = pkcs12.load_key_and_certificates(base64.b64decode(cert["apiclient_cert.p12"]), b"10000100")
    assert in_p12 == certificate and cert["p12_password"] == DEMO_MCH_ID
    assert key.private_numbers() == v3.load_private_key(keys["merchant_private_key"]).private_numbers()

    written = (await client.control("POST", f"/tenants/{DEMO_MCH_ID}/cert", {"folder": str(tmp_path / "out")}))["files"]
    assert sorted(written) == ["apiclient_cert.p12", "apiclient_cert.pem", "apiclient_key.pem"]
    assert stat.S_IMODE((tmp_path / "out" / "apiclient_key.pem").stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o700


async def test_without_tls_the_control_api_says_how_to_turn_it_on():
    async with MockServer() as mock, MockClient(mock.url) as client:
        assert mock.https_url == "" and mock.proxy_url == ""
        tls = await client.control("GET", "/tls")
        assert tls["enabled"] is False and "--tls" in tls["hint"]
        async with client.session.get(f"{mock.url}/__mock__/tls/ca.pem") as response:
            assert response.status == 404 and "--tls" in (await response.json())["hint"]


async def test_the_ca_is_kept_and_the_server_certificate_follows_the_names(tmp_path):
    folder = tmp_path / "tls"
    config = network_config(folder)
    async with MockServer(config) as first:
        original = first.network.pki.ca.certificate
    config.settings.tls.names = ["pay.test"]
    async with MockServer(config) as second:
        assert second.network.pki.ca.certificate == original  # kept: clients that trust it go on trusting it
        assert "pay.test" in second.network.pki.server_names()
    assert stat.S_IMODE((folder / "ca.key").stat().st_mode) == 0o600
