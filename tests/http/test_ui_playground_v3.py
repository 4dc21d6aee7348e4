"""The playground's v3 modes through its JSON endpoint on a real socket (issue 11, review item 3): the
serial_no check and its named mistake, a v3 order's paySign verified with the certificate and its
appId taken from the order (wx.requestPayment passes none), and input it cannot use explained."""

from __future__ import annotations

import base64
import time

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from mockwx.config import DEMO_APPID, DEMO_MCH_ID

from .test_v3 import JSAPI, order_body


async def _play(mock, form: dict) -> tuple[int, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{mock.url}/__mock__/ui/playground", json=form) as answer:
            return answer.status, await answer.json()


def _rsa(pem: str, message: str) -> str:
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    return base64.b64encode(key.sign(message.encode("utf-8"), padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


async def test_a_good_signature_with_the_platform_serial_is_caught(mock, client):
    keys = await client.v3_keys()
    target, timestamp, nonce = "/v3/certificates", str(int(time.time())), "N0NCE"
    signature = _rsa(keys["merchant_private_key"], f"GET\n{target}\n{timestamp}\n{nonce}\n\n")
    header = (
        f'WECHATPAY2-SHA256-RSA2048 mchid="{DEMO_MCH_ID}",nonce_str="{nonce}",signature="{signature}",'
        f'timestamp="{timestamp}",serial_no="{keys["platform_serial"]}"'
    )
    form = {"mode": "v3", "method": "GET", "url": f"https://api.mch.weixin.qq.com{target}", "authorization": header}
    status, data = await _play(mock, {**form, "pem": keys["merchant_certificate"]})
    assert status == 200 and data["verifies"] is True and data["signature"] == ""  # a certificate only verifies
    assert data["message"] == f"GET\n{target}\n{timestamp}\n{nonce}\n\n"  # the host is not signed
    assert data["serial_ok"] is False and 'data-code="v3_serial_platform"' in data["html"]
    status, data = await _play(mock, {**form, "pem": keys["merchant_private_key"]})
    assert data["signature"] == signature  # PKCS#1 v1.5 is deterministic: the same key makes the same signature


async def test_a_v3_pay_sign_verifies_with_the_appid_of_its_order(mock, client):
    answer = await client.v3("POST", JSAPI, await order_body(client, "V3PLAY0002"))
    params = await client.v3_pay_params(answer.json["prepay_id"])
    assert params["signType"] == "RSA"
    sent = {k: v for k, v in params.items() if k != "appId"}  # what wx.requestPayment is given
    keys = await client.v3_keys()
    status, data = await _play(
        mock, {"mode": "v3paysign", "text": str(sent).replace("'", '"'), "pem": keys["merchant_certificate"]}
    )
    assert status == 200 and data["verifies"] is True, data
    assert data["message"].startswith(f"{DEMO_APPID}\n") and 'data-testid="filled"' in data["html"]
    await client.pay(sent)  # the user pays: the journal's pay entry opens in the v3 paySign mode
    (paid,) = [e for e in await client.requests() if e["api"] == "pay"]
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{mock.url}/__mock__/ui/playground?entry={paid['id']}") as answer:
            html = await answer.text()
    assert 'data-mode="v3paysign" class="active"' in html and 'data-verifies="yes"' in html
    assert "BEGIN PRIVATE KEY" in html  # the order's merchant's key, to sign with


@pytest.mark.parametrize(
    ("form", "said"),
    [
        ({"mode": "v3", "url": "/v3/certificates", "method": "GET"}, "paste the merchant's private key"),
        (
            {"mode": "v3", "url": "/v3/certificates", "method": "GET", "pem": "-----BEGIN PRIVATE KEY-----\nxx"},
            "not an",
        ),
        ({"mode": "v3", "url": "/v3/certificates", "pem": "CERT"}, "not a PEM public key"),
        ({"mode": "v3", "url": "v3/certificates", "method": "GET", "pem": "KEY"}, "the URL is /path?query"),
        ({"mode": "v3", "url": "/v3/certificates", "method": "FETCH", "pem": "PUB"}, "the method is one of"),
        ({"mode": "v3", "url": "/v3/x", "method": "GET", "pem": "PUB"}, "a certificate or public key only verifies"),
        ({"mode": "v3", "url": "/v3/x", "authorization": "Bearer x", "pem": "KEY"}, "does not parse"),
        ({"mode": "v3paysign", "text": "appId=wx1", "pem": "PUB"}, "paste the paySign too"),
        ({"mode": "v3paysign", "text": "appId=wx1", "pem": "证书 CERT-FULL"}, "paste the paySign too"),
    ],
)
async def test_input_it_cannot_use_is_explained(mock, client, form, said):
    keys = await client.v3_keys()
    pems = {"CERT": keys["merchant_certificate"][:40], "PUB": keys["public_key"], "KEY": keys["merchant_private_key"]}
    pems["证书 CERT-FULL"] = "证书\n" + keys["merchant_certificate"]  # a label pasted with it: not ASCII
    form = {**form, "pem": pems.get(form.get("pem", ""), form.get("pem", ""))}
    status, data = await _play(mock, form)
    assert status == 400 and said in data["error"], data
