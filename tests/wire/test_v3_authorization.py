"""The Authorization header, parsed and verified as WeChat does (protocol/v3.md 1.1-1.4), against the official
example header and wechatpayv3's build_authorization."""

from __future__ import annotations

import itertools
import json
import time

import pytest
from wechatpayv3.utils import build_authorization as sdk_build_authorization

from mockwx.wire import v3

from .v3_support import MCHID
from .v3_vectors import (
    DOC_MCHID,
    DOC_NONCE,
    DOC_PATH,
    DOC_PATH_SIGNATURE,
    DOC_PRIVATE_KEY,
    DOC_SERIAL_NO,
    DOC_TIMESTAMP,
)

DOC_HEADER = (  # pay.weixin.qq.com/doc/v3/merchant/4012365334, verbatim
    f'WECHATPAY2-SHA256-RSA2048 mchid="{DOC_MCHID}",nonce_str="{DOC_NONCE}",signature="{DOC_PATH_SIGNATURE}",'
    f'timestamp="{DOC_TIMESTAMP}",serial_no="{DOC_SERIAL_NO}"'
)
SERIAL = "1DDE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
NOW = 1554208460


def build(key, method="GET", target="/v3/certificates", body=b"", timestamp=NOW, nonce="N0NCE"):
    return v3.build_authorization(
        method, target, body, mchid=MCHID, serial_no=SERIAL, private_key=key, timestamp=timestamp, nonce_str=nonce
    )


def test_official_example_header_is_what_we_build():
    key = v3.load_private_key(DOC_PRIVATE_KEY)
    built = v3.build_authorization(
        "GET",
        DOC_PATH,
        b"",
        mchid=DOC_MCHID,
        serial_no=DOC_SERIAL_NO,
        private_key=key,
        timestamp=DOC_TIMESTAMP,
        nonce_str=DOC_NONCE,
    )
    assert built == DOC_HEADER
    parsed = v3.authenticate(DOC_HEADER, "GET", DOC_PATH, b"", now=NOW, key_for=lambda a: key.public_key())
    assert parsed.mchid == DOC_MCHID and parsed.serial_no == DOC_SERIAL_NO


def test_parameters_in_any_order():
    params = {"mchid": MCHID, "nonce_str": "n", "signature": "s", "timestamp": "1", "serial_no": SERIAL}
    for order in itertools.permutations(params):
        header = v3.SCHEME + " " + ",".join(f'{k}="{params[k]}"' for k in order)
        assert v3.parse_authorization(header) == v3.Authorization(MCHID, "n", "s", "1", SERIAL)


def test_wechatpayv3_requests_authenticate(merchant_key):
    body = json.dumps({"mchid": MCHID, "description": "测试"})  # the SDK's own json.dumps, ASCII-escaped
    header = sdk_build_authorization("/v3/pay/transactions/jsapi", "POST", MCHID, SERIAL, merchant_key, data=body)
    parsed = v3.authenticate(
        header,
        "POST",
        "/v3/pay/transactions/jsapi",
        body.encode(),
        now=time.time(),
        key_for=lambda a: merchant_key.public_key() if (a.mchid, a.serial_no) == (MCHID, SERIAL) else None,
    )
    assert len(parsed.nonce_str) == 32 and parsed.nonce_str.isupper()


def test_short_base36_nonces_are_accepted(merchant_key):  # klover2's wechatpay-node-v3 works in production
    header = build(merchant_key, nonce="k3j9x0a1b2")
    assert v3.authenticate(header, "GET", "/v3/certificates", b"", now=NOW, key_for=lambda a: merchant_key.public_key())


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        (None, "format"),
        ("   ", "format"),
        ('Bearer mchid="1"', "scheme"),
        ('wechatpay2-sha256-rsa2048 mchid="1"', "scheme"),
        ("WECHATPAY2-SHA256-RSA2048 test", "invalid"),  # the real probe's header
        ("WECHATPAY2-SHA256-RSA2048", "invalid"),
        ('WECHATPAY2-SHA256-RSA2048 mchid="1", nonce_str="n",signature="s",timestamp="1",serial_no="S"', "invalid"),
        ("WECHATPAY2-SHA256-RSA2048 mchid='1',nonce_str='n',signature='s',timestamp='1',serial_no='S'", "invalid"),
        ('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="s",timestamp="1"', "invalid"),
        (
            'WECHATPAY2-SHA256-RSA2048 mchid="1",mchid="1",nonce_str="n",signature="s",timestamp="1",serial_no="S"',
            "invalid",
        ),
        ('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="",signature="s",timestamp="1",serial_no="S"', "invalid"),
        ('WECHATPAY2-SHA256-RSA2048 mchid="1",nonce_str="n",signature="s",timestamp="1.5",serial_no="S"', "invalid"),
        ('WECHATPAY2-SHA256-RSA2048 mchid="1";nonce_str="n",signature="s",timestamp="1",serial_no="S"', "invalid"),
    ],
)
def test_malformed_headers(header, reason):
    with pytest.raises(v3.AuthorizationError) as caught:
        v3.parse_authorization(header)
    assert caught.value.reason == reason
    assert caught.value.message_for("/v3/certificates") == v3.SIGN_ERROR_MESSAGES[reason]


def test_wechat_messages_per_reason_and_path():
    assert v3.sign_error_message("format", "/v3/certificates") == (
        "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》"
    )
    assert v3.sign_error_message("format", "/v3/pay/transactions/jsapi") == "签名信息错误，验签失败"
    assert v3.sign_error_message("scheme", "/v3/pay/transactions/native") == "签名信息错误，验签失败"
    assert v3.sign_error_message("invalid", "/v3/pay/transactions/jsapi") == "Authorization不合法"
    assert v3.sign_error_message("signature", "/v3/refund/domestic/refunds") == "签名错误"
    assert set(v3.SIGN_ERROR_MESSAGES) == set(v3.REASONS)


@pytest.mark.parametrize(("offset", "ok"), [(0, True), (300, True), (-300, True), (301, False), (-301, False)])
def test_timestamp_window_is_five_minutes(merchant_key, offset, ok):
    header = build(merchant_key, timestamp=NOW + offset)

    def check():
        return v3.authenticate(
            header, "GET", "/v3/certificates", b"", now=NOW, key_for=lambda a: merchant_key.public_key()
        )

    if ok:
        check()
    else:
        with pytest.raises(v3.AuthorizationError, match="behind|ahead") as caught:
            check()
        assert caught.value.reason == "timestamp"


def test_milliseconds_timestamp_is_named(merchant_key):
    with pytest.raises(v3.AuthorizationError, match="milliseconds"):
        v3.check_timestamp(v3.parse_authorization(build(merchant_key, timestamp=NOW * 1000)), NOW)


def test_timestamp_is_checked_before_the_signature(stranger_key, merchant_key):
    header = build(stranger_key, timestamp=NOW - 3600)  # stale and signed by the wrong key: WeChat says stale
    with pytest.raises(v3.AuthorizationError) as caught:
        v3.authenticate(header, "GET", "/v3/certificates", b"", now=NOW, key_for=lambda a: merchant_key.public_key())
    assert caught.value.reason == "timestamp"


def test_unknown_serial(merchant_key):
    with pytest.raises(v3.AuthorizationError, match="serial_no 1DDE55AD") as caught:
        v3.authenticate(build(merchant_key), "GET", "/v3/certificates", b"", now=NOW, key_for=lambda a: None)
    assert caught.value.reason == "serial"
    assert caught.value.message_for("/v3/certificates") == "商户证书序列号有误。"


@pytest.mark.parametrize(
    ("target", "body"),
    [
        ("/v3/pay/transactions/out-trade-no/T1?mchid=1900007291", b""),
        ("/v3/pay/transactions/out-trade-no/T1", b" "),
    ],
)
def test_signature_covers_raw_target_and_body(merchant_key, target, body):
    header = build(merchant_key, target="/v3/pay/transactions/out-trade-no/T1")
    with pytest.raises(v3.AuthorizationError) as caught:
        v3.authenticate(header, "GET", target, body, now=NOW, key_for=lambda a: merchant_key.public_key())
    assert caught.value.reason == "signature"
    assert caught.value.signed_message == v3.request_message("GET", target, str(NOW), "N0NCE", body)


def test_sign_error_detail_matches_the_2025_capture():
    head = b"POST\n/v3/pay/transactions/jsapi\n1756951532\nIXlHDnWguGbz7uMOL7xdPibFoV342jP3\n"
    body = b'{"amount' + b"x" * (349 - len(head) - len(b'{"amount}') - 1) + b"}"  # 349 bytes in all
    detail = v3.sign_error_detail("POST", "/v3/pay/transactions/jsapi", head + body + b"\n")
    captured = (  # protocol/v3.md 1.4, real response 2025-09, detail member verbatim
        '{"detail":{"issue":"sign not match"},"field":"signature","location":"authorization",'
        '"sign_information":{"method":"POST","sign_message_length":349,'
        '"truncated_sign_message":"POST\\n/v3/pay/transactions/jsapi\\n1756951532\\nIXlHDnWguGbz7uMOL7xdPibFoV342jP3'
        '\\n{\\"amount\\n","url":"/v3/pay/transactions/jsapi"}}'
    )
    assert json.dumps(detail, separators=(",", ":")) == captured


def test_sign_error_detail_counts_bytes_and_keeps_an_empty_body_whole():
    signed = v3.request_message("GET", "/v3/certificates?x=中", "1", "n")
    info = v3.sign_error_detail("GET", "/v3/certificates?x=中", signed)["sign_information"]
    assert info["sign_message_length"] == len(signed) == len("GET\n/v3/certificates?x=中\n1\nn\n\n") + 2
    assert info["truncated_sign_message"] == signed.decode()
