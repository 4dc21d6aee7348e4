"""Signed responses (protocol/v3.md 2.1-2.5): our headers verified by wechatpayv3's Core in both of its modes, and our
verifier pinned by WeChat's published response vector."""

from __future__ import annotations

import re
import time

import pytest
from wechatpayv3.core import Core

from mockwx.wire import v3

from .v3_support import API_V3_KEY, MCHID, PUBLIC_KEY_ID
from .v3_vectors import (
    DOC_PLATFORM_PUBLIC_KEY,
    DOC_RESPONSE_BODY,
    DOC_RESPONSE_NONCE,
    DOC_RESPONSE_SIGNATURE,
    DOC_RESPONSE_TIMESTAMP,
)

BODY = '{"prepay_id":"wx201410272009395522657a690389285100","说明":"中文"}'.encode()


@pytest.fixture(scope="module")
def certificate_core(merchant_key, platform_cert, tmp_path_factory):
    """wechatpayv3 in platform-certificate mode, its cert_dir seeded so that it never downloads."""
    folder = tmp_path_factory.mktemp("certs")
    (folder / f"{v3.serial_no(platform_cert)}.pem").write_text(v3.certificate_pem(platform_cert))
    return Core(MCHID, "SERIAL", v3.private_key_pem(merchant_key), API_V3_KEY, cert_dir=str(folder))


def test_headers_look_like_wechats(platform_key):
    headers = v3.sign_response(BODY, platform_key, PUBLIC_KEY_ID, timestamp=1730771719)
    assert set(headers) == {
        "Wechatpay-Timestamp",
        "Wechatpay-Nonce",
        "Wechatpay-Signature",
        "Wechatpay-Serial",
        "Wechatpay-Signature-Type",
        "Request-ID",
    }
    assert headers["Wechatpay-Timestamp"] == "1730771719"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["Wechatpay-Nonce"])
    assert headers["Wechatpay-Signature-Type"] == "WECHATPAY2-SHA256-RSA2048"
    assert re.fullmatch(r"[0-9A-F]{44}-0", headers["Request-ID"])
    assert v3.new_request_id(268892709, "08daf1a7b50610fb") == "08DAF1A7B50610FB-268892709"


def test_public_key_mode_sdk_verifies_ours(public_key_core, platform_key):
    for body in (BODY, b""):  # a 204 is signed over an empty body
        headers = v3.sign_response(body, platform_key, PUBLIC_KEY_ID, timestamp=int(time.time()))
        assert public_key_core._verify_signature(headers, body.decode())


def test_certificate_mode_sdk_verifies_ours(certificate_core, platform_key, platform_cert):
    assert certificate_core._certificates  # the seeded certificate passed the SDK's validity filter
    headers = v3.sign_response(BODY, platform_key, v3.serial_no(platform_cert), timestamp=int(time.time()))
    assert certificate_core._verify_signature(headers, BODY.decode())


def test_sdk_refuses_a_probe_and_a_tampered_body(public_key_core, platform_key):
    probe = v3.sign_response(BODY, platform_key, PUBLIC_KEY_ID, timestamp=1, probe=True)
    assert probe["Wechatpay-Signature"].startswith("WECHATPAY/SIGNTEST/")
    assert not public_key_core._verify_signature(probe, BODY.decode())
    headers = v3.sign_response(BODY, platform_key, PUBLIC_KEY_ID, timestamp=1)
    assert not public_key_core._verify_signature(headers, BODY.decode().replace("中文", "英文"))


def test_verify_the_official_response_vector():
    headers = {
        "Wechatpay-Timestamp": DOC_RESPONSE_TIMESTAMP,
        "Wechatpay-Nonce": DOC_RESPONSE_NONCE,
        "Wechatpay-Signature": DOC_RESPONSE_SIGNATURE,
        "Wechatpay-Serial": "PUB_KEY_ID_DOC",
        "Wechatpay-Signature-Type": "WECHATPAY2-SHA256-RSA2048",
    }
    keys = {"PUB_KEY_ID_DOC": v3.load_public_key(DOC_PLATFORM_PUBLIC_KEY)}
    assert v3.verify_response(headers, DOC_RESPONSE_BODY.encode(), keys) == "PUB_KEY_ID_DOC"


def test_verify_reads_any_header_spelling(platform_key):
    headers = v3.sign_response(BODY, platform_key, "S1", timestamp=100)
    django = {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    lower = {name.lower(): value for name, value in headers.items()}
    for spelled in (headers, django, lower):
        assert v3.verify_response(spelled, BODY, {"S1": platform_key.public_key()}, now=100) == "S1"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda h, b: ({k: v for k, v in h.items() if k != "Wechatpay-Nonce"}, b), "missing_header"),
        (lambda h, b: ({**h, "Wechatpay-Signature-Type": "WECHATPAY2-SM2-WITH-SM3"}, b), "signature_type"),
        (lambda h, b: ({k: v for k, v in h.items() if k != "Wechatpay-Signature-Type"}, b), "signature_type"),
        (lambda h, b: ({**h, "Wechatpay-Serial": "S2"}, b), "unknown_serial"),
        (lambda h, b: ({**h, "Wechatpay-Timestamp": "400"}, b), "stale"),
        (lambda h, b: (h, b + b" "), "bad_signature"),
        (lambda h, b: ({**h, "Wechatpay-Signature": v3.probe_signature()}, b), "probe"),
    ],
)
def test_verify_refusals(platform_key, change, reason):
    headers, body = change(v3.sign_response(BODY, platform_key, "S1", timestamp=100), BODY)
    with pytest.raises(v3.ResponseSignatureError) as caught:
        v3.verify_response(headers, body, {"S1": platform_key.public_key()}, now=100)
    assert caught.value.reason == reason


def test_skew_window_matches_go_and_php(platform_key):
    headers = v3.sign_response(BODY, platform_key, "S1", timestamp=100)
    keys = {"S1": platform_key.public_key()}
    assert v3.verify_response(headers, BODY, keys, now=399)  # 299 s: fine
    with pytest.raises(v3.ResponseSignatureError):
        v3.verify_response(headers, BODY, keys, now=400)  # 300 s: Go fails it (>= 300)
    assert v3.verify_response(headers, BODY, keys)  # without now, no window (wechatpayv3, Java)
