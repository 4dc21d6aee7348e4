"""wechatpayv3 2.0.4, unchanged except its base URL, against a loopback server that speaks only through mockwx.wire.v3:
our verifier accepts its requests, it accepts our signed responses, certificates and 204s (protocol/v3.md 9.3).

The SDK is synchronous (requests), so its calls run on a worker thread while the server runs on the test's loop.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from aiohttp import web
from wechatpayv3 import WeChatPay, WeChatPayType

from mockwx.wire import v3

from .v3_support import API_V3_KEY, MCHID

APPID = "wxd678efh567hg6787"
PUBLIC_KEY_ID = v3.public_key_id(MCHID, "20260101", 1)


@pytest.fixture
async def wire_server(aiohttp_server, merchant_key, merchant_cert, platform_key, platform_cert):
    """A v3 endpoint built from the wire package alone; ``failures`` collects the diagnoses of refused requests."""
    merchant_serial = v3.serial_no(merchant_cert)
    failures: list[v3.SignatureDiagnosis] = []

    def key_for(authorization: v3.Authorization):
        return (
            merchant_key.public_key()
            if (authorization.mchid, authorization.serial_no) == (MCHID, merchant_serial)
            else None
        )

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        try:
            v3.authenticate(
                request.headers.get("Authorization"),
                request.method,
                request.raw_path,
                body,
                now=time.time(),
                key_for=key_for,
            )
        except v3.AuthorizationError as error:
            auth = v3.parse_authorization(request.headers["Authorization"])
            failures.append(
                v3.diagnose_request(
                    request.method,
                    request.raw_path,
                    auth.timestamp,
                    auth.nonce_str,
                    body,
                    auth.signature,
                    merchant_key.public_key(),
                )
            )
            return web.json_response({"code": "SIGN_ERROR", "message": error.message_for(request.path)}, status=401)
        if request.path == "/v3/certificates":
            status, reply = 200, v3.certificates_body([v3.certificate_item(platform_cert, API_V3_KEY)])
        elif request.path.endswith("/close"):
            status, reply = 204, b""
        elif request.path.startswith("/v3/pay/transactions/out-trade-no/"):
            status, reply = 200, v3.compact_json({"trade_state": "NOTPAY", "trade_state_desc": "订单未支付"})
        else:
            status, reply = 200, v3.compact_json({"prepay_id": "wx201410272009395522657a690389285100"})
        # sign with the key the client asked for, else the platform certificate (issue 9)
        serial = (
            PUBLIC_KEY_ID if request.headers.get("Wechatpay-Serial") == PUBLIC_KEY_ID else v3.serial_no(platform_cert)
        )
        headers = v3.sign_response(reply, platform_key, serial, timestamp=int(time.time()))
        headers["Content-Type"] = "application/json; charset=utf-8"
        return web.Response(status=status, body=reply, headers=headers)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app)
    server.failures = failures
    return server


def client(server, merchant_key, merchant_cert, **mode) -> WeChatPay:
    pay = WeChatPay(
        WeChatPayType.MINIPROG,
        MCHID,
        v3.private_key_pem(merchant_key),
        v3.serial_no(merchant_cert),
        APPID,
        API_V3_KEY,
        notify_url="https://shop.example.com/notify",
        **mode,
    )
    pay._core._gate_way = str(server.make_url("")).rstrip("/")  # the documented base-URL override
    return pay


@pytest.fixture
def public_key_mode(wire_server, merchant_key, merchant_cert, platform_key):
    return client(
        wire_server,
        merchant_key,
        merchant_cert,
        public_key=v3.public_key_pem(platform_key),
        public_key_id=PUBLIC_KEY_ID,
    )


@pytest.fixture
def certificate_mode(wire_server, merchant_key, merchant_cert, platform_cert, tmp_path):
    (tmp_path / "platform.pem").write_text(v3.certificate_pem(platform_cert))  # no download at construction
    return client(wire_server, merchant_key, merchant_cert, cert_dir=str(tmp_path))


@pytest.mark.parametrize("mode", ["public_key_mode", "certificate_mode"])
async def test_order_query_and_close(request, mode, wire_server):
    pay = request.getfixturevalue(mode)
    code, text = await asyncio.to_thread(
        pay.pay,
        description="Image形象店-深圳腾大-QQ公仔",
        out_trade_no="T20260101001",
        amount={"total": 1},
        payer={"openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o"},
    )
    assert (code, json.loads(text)) == (200, {"prepay_id": "wx201410272009395522657a690389285100"})
    code, text = await asyncio.to_thread(pay.query, out_trade_no="T20260101001")
    assert code == 200 and json.loads(text)["trade_state_desc"] == "订单未支付"
    code, _ = await asyncio.to_thread(pay.close, out_trade_no="T20260101001")
    assert code == 204  # the SDK verified the signature over an empty body, or it would have raised
    assert wire_server.failures == []


async def test_certificate_download(certificate_mode, platform_cert):
    core = certificate_mode._core
    await asyncio.to_thread(core._update_certificates)
    assert [c.serial_number for c in core._certificates] == [platform_cert.serial_number]


async def test_a_real_sdk_mistake_is_diagnosed(public_key_mode, wire_server):
    # wechatpayv3 signs the out_trade_no raw but requests sends '|' as %7C: WeChat refuses it, so do we
    code, text = await asyncio.to_thread(public_key_mode.query, out_trade_no="T2026|0101")
    assert code == 401 and json.loads(text) == {"code": "SIGN_ERROR", "message": "签名错误"}
    (diagnosis,) = wire_server.failures
    assert diagnosis.mistakes == ("v3_url_decoded",)
    assert "/T2026|0101?mchid=" in diagnosis.signed_message and "%7C" in diagnosis.expected_message
