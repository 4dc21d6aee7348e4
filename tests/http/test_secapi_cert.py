"""/secapi/pay/refund over HTTPS needs the merchant's client certificate (issue 13; protocol/v2.md 2.2, 6.3):
none gets nginx's 400 page, another merchant's gets ``certificate not match``, the right one passes; over
plain HTTP, on other paths and with ``tls.client_certificates: off`` nothing is asked."""

from __future__ import annotations

import ssl

import aiohttp
import pytest

from mockwx.config import DEMO_MCH_ID
from mockwx.http.v2.clientcert import NO_CERTIFICATE, NOT_MATCH
from mockwx.testing.client import MockClient
from mockwx.wire import new_nonce, parse_xml, render_xml, with_sign

from ..support import network_config

OTHER_MCH_ID = "1900000109"
OTHER_KEY = "0123456789abcdef0123456789ABCDEF"


@pytest.fixture
def config(tmp_path):
    return network_config(tmp_path / "tls")


@pytest.fixture
async def paid(client: MockClient) -> str:
    """A paid order of the demo merchant (placed and paid over plain HTTP)."""
    placed = await client.unifiedorder("CERT00000001", 100)
    await client.pay(client.payment_params(placed["prepay_id"]))
    return "CERT00000001"


def context(mock, mch_id: str | None) -> ssl.SSLContext:
    return mock.network.pki.client_context(mch_id)


async def secure(mock, mch_id: str | None) -> MockClient:
    """A merchant's client over HTTPS, presenting ``mch_id``'s certificate (issued by GET .../cert; None: none)."""
    session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=context(mock, mch_id)))
    return MockClient(mock.https_url, session=session)


async def test_the_merchants_own_certificate_passes(mock, client, paid):
    await client.control("GET", f"/tenants/{DEMO_MCH_ID}/cert")  # issued with its v3 key and serial
    async with await secure(mock, DEMO_MCH_ID) as merchant:
        answer = await merchant.refund(paid, "CERTRF000001", 30)
    assert answer["result_code"] == "SUCCESS", answer
    assert await client.problems() == []


async def test_no_certificate_gets_nginxs_400_before_anything_else(mock, client, paid):
    async with await secure(mock, None) as merchant:
        async with merchant.session.post(f"{mock.https_url}/secapi/pay/refund", data=b"<xml></xml>") as response:
            body = await response.text()
            assert response.status == 400 and response.headers["Server"] == "nginx"
            hint = response.headers["X-Mockwx-Hint"]
        async with merchant.session.get(f"{mock.https_url}/secapi/pay/refund") as response:
            assert response.status == 400  # even a GET: nginx answers before the API looks at the method
    assert f"<title>400 {NO_CERTIFICATE}</title>" in body and "<center>nginx</center>" in body
    assert "apiclient_cert.pem" in hint and "GET /__mock__/tenants/" in hint
    problem = (await client.problems())[0]
    assert problem["problem"] == "CLIENT_CERT" and problem["status"] == 400
    assert problem["api"] == "refund" and "none arrived" in problem["error"]["hint"]
    assert (await client.order(paid))["trade_state"] == "SUCCESS"  # no refund happened


async def test_another_merchants_certificate_does_not_match(mock, client, paid):
    await client.control(
        "POST", "/tenants", {"merchants": [{"mch_id": OTHER_MCH_ID, "api_key": OTHER_KEY, "appids": []}]}
    )
    await client.control("GET", f"/tenants/{OTHER_MCH_ID}/cert")
    async with await secure(mock, OTHER_MCH_ID) as merchant:
        async with merchant.session.post(
            f"{mock.https_url}/secapi/pay/refund", data=await refund_body(client, paid)
        ) as response:
            answer = parse_xml(await response.read())
            hint = response.headers["X-Mockwx-Hint"]
    assert answer == {"return_code": "FAIL", "return_msg": NOT_MATCH}
    assert f"merchant {OTHER_MCH_ID}'s" in hint and f"mch_id {DEMO_MCH_ID}" in hint
    assert (await client.problems())[0]["problem"] == "CLIENT_CERT"


async def refund_body(client: MockClient, out_trade_no: str) -> bytes:
    """A correctly signed refund of the demo merchant, as bytes (sent by hand over another session)."""
    fields = {
        "appid": client.appid,
        "mch_id": client.mch_id,
        "nonce_str": new_nonce(),
        "out_trade_no": out_trade_no,
        "out_refund_no": "CERTRF000002",
        "total_fee": 100,
        "refund_fee": 10,
    }
    return render_xml(with_sign(fields, client.api_key))


async def test_other_apis_over_https_need_no_certificate(mock, paid):
    async with await secure(mock, None) as merchant:
        assert (await merchant.v2("/pay/orderquery", {"out_trade_no": paid}))["trade_state"] == "SUCCESS"


async def test_plain_http_never_asks(client, paid):
    assert (await client.refund(paid, "CERTRF000003", 10))["result_code"] == "SUCCESS"


async def test_the_check_can_be_turned_off(mock, client, paid):
    await client.control("PATCH", "/settings", {"tls": {"client_certificates": "off"}})
    async with await secure(mock, None) as merchant:
        assert (await merchant.refund(paid, "CERTRF000004", 10))["result_code"] == "SUCCESS"
    with pytest.raises(Exception, match="client_certificates must be one of secapi, off"):
        await client.control("PATCH", "/settings", {"tls": {"client_certificates": "sometimes"}})
    with pytest.raises(Exception, match="cannot change while the mock runs"):
        await client.control("PATCH", "/settings", {"tls": {"port": 1}})
