"""The v3 mistake search: each common mistake, made for real, is named by its code (protocol/v3.md 1.2, 5)."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import quote

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from wechatpayv3.utils import build_authorization as sdk_build_authorization

from mockwx.wire import v3
from mockwx.wire.meter import Budget

from .v3_support import MCHID

TS, NONCE = "1554208460", "593BEC0C930BF1AFEB40B4A08C8FB242"
ORDER = {
    "appid": "wxd678efh567hg6787",
    "mchid": MCHID,
    "description": "Image形象店-深圳腾大-QQ公仔",
    "amount": {"total": 100, "currency": "CNY"},
}
COMPACT = json.dumps(ORDER, ensure_ascii=False, separators=(",", ":")).encode()
JSAPI = "/v3/pay/transactions/jsapi"
QUERY = "/v3/pay/transactions/out-trade-no/A%7CB?mchid=1900007291"


def sign(key, method=b"POST", target=JSAPI.encode(), ts=TS.encode(), body=COMPACT, end=b"\n", algorithm=None):
    data = b"\n".join([method, target, ts, NONCE.encode(), body]) + end
    raw = key.sign(data, padding.PKCS1v15(), algorithm or hashes.SHA256())
    return base64.b64encode(raw).decode()


def diagnose(key, signature, method="POST", target=JSAPI, body=COMPACT, **kw):
    return v3.diagnose_request(method, target, TS, NONCE, body, signature, key.public_key(), **kw)


@pytest.mark.parametrize(
    ("method", "target", "sent", "signed", "codes"),
    [
        ("POST", JSAPI, COMPACT, {"body": json.dumps(ORDER).encode()}, ("v3_body_reserialized",)),
        (
            "POST",
            JSAPI,
            COMPACT,
            {"body": json.dumps(ORDER, ensure_ascii=False, sort_keys=True).encode()},
            ("v3_body_reserialized",),
        ),
        ("POST", JSAPI, json.dumps(ORDER).encode(), {"body": COMPACT}, ("v3_body_reserialized",)),
        ("POST", JSAPI, json.dumps(ORDER, indent=2).encode(), {"body": COMPACT}, ("v3_body_reserialized",)),
        ("POST", JSAPI, COMPACT, {"body": COMPACT + b"\n"}, ("v3_body_trailing_newline",)),  # Go's json.Encoder
        ("POST", JSAPI, COMPACT + b"\n", {"body": COMPACT}, ("v3_body_trailing_newline",)),
        ("POST", JSAPI, COMPACT, {"body": b""}, ("v3_body_omitted",)),
        (
            "GET",
            QUERY,
            b"",
            {"method": b"GET", "target": QUERY.split("?")[0].encode(), "body": b""},
            ("v3_query_omitted",),
        ),
        (
            "GET",
            QUERY,
            b"",
            {"method": b"GET", "target": QUERY.replace("%7C", "|").encode(), "body": b""},
            ("v3_url_decoded",),
        ),
        (
            "GET",
            "/v3/refund/domestic/refunds/R|1*2",
            b"",
            {"method": b"GET", "target": quote("/v3/refund/domestic/refunds/R|1*2").encode(), "body": b""},
            ("v3_url_encoded",),
        ),
        ("POST", JSAPI, COMPACT, {"target": b"https://api.mch.weixin.qq.com" + JSAPI.encode()}, ("v3_url_with_host",)),
        ("POST", JSAPI, COMPACT, {"end": b""}, ("v3_missing_trailing_newline",)),
        ("POST", JSAPI, COMPACT, {"ts": TS.encode() + b"734"}, ("v3_timestamp_milliseconds",)),
        ("POST", JSAPI, COMPACT, {"method": b"post"}, ("v3_method_lowercase",)),
        ("POST", JSAPI, COMPACT, {"algorithm": hashes.SHA1()}, ("v3_sha1",)),
        (
            "GET",
            QUERY,
            b"",
            {"method": b"GET", "target": QUERY.split("?")[0].encode(), "body": b"", "end": b""},
            ("v3_query_omitted", "v3_missing_trailing_newline"),
        ),
        ("POST", JSAPI, COMPACT, {}, ()),
    ],
)
def test_each_mistake_is_named(merchant_key, method, target, sent, signed, codes):
    result = diagnose(merchant_key, sign(merchant_key, **signed), method=method, target=target, body=sent)
    assert result.mistakes == codes
    assert set(codes) <= set(v3.MISTAKES)
    assert result.expected_message == v3.request_message(method, target, TS, NONCE, sent).decode()
    assert result.key_label is None
    if codes and codes != ("v3_sha1",):  # SHA-1 signs the right message
        assert result.signed_message is not None and result.signed_message != result.expected_message


def test_host_from_the_request_is_tried(merchant_key):
    signature = sign(merchant_key, target=b"http://127.0.0.1:8900" + JSAPI.encode())
    assert diagnose(merchant_key, signature, host="127.0.0.1:8900").mistakes == ("v3_url_with_host",)


def test_wechatpayv3_signing_a_dict_but_sending_compact(merchant_key):
    header = sdk_build_authorization(JSAPI, "POST", MCHID, "S", merchant_key, data=ORDER)
    auth = v3.parse_authorization(header)
    result = v3.diagnose_request(
        "POST", JSAPI, auth.timestamp, auth.nonce_str, COMPACT, auth.signature, merchant_key.public_key()
    )
    assert result.mistakes == ("v3_body_reserialized",)
    assert "ensure_ascii=True" in result.variant and "default separators" in result.variant


def test_another_known_key(merchant_key, stranger_key):
    result = diagnose(
        merchant_key,
        sign(stranger_key, body=json.dumps(ORDER).encode()),
        other_keys={"merchant 1900000109's API certificate": stranger_key.public_key()},
    )
    assert result.mistakes == ("v3_wrong_key", "v3_body_reserialized")
    assert result.key_label == "merchant 1900000109's API certificate"


def test_unknown_key_and_unknown_message(merchant_key, stranger_key):
    assert diagnose(merchant_key, sign(stranger_key)).mistakes == ("v3_unknown_key",)
    unrelated = sign(merchant_key, body=b'{"something":"else"}')
    assert diagnose(merchant_key, unrelated).mistakes == ("v3_message_mismatch",)


def test_signature_encodings(merchant_key):
    raw = base64.b64decode(sign(merchant_key))
    assert diagnose(merchant_key, raw.hex()).mistakes == ("v3_signature_hex",)
    urlsafe = base64.urlsafe_b64encode(raw).decode().rstrip("=")
    if "-" in urlsafe or "_" in urlsafe:  # otherwise it is also plain base64 and nothing is wrong
        assert diagnose(merchant_key, urlsafe).mistakes == ("v3_signature_base64url",)
    assert diagnose(merchant_key, "WECHATPAY/SIGNTEST/!!").mistakes == ("v3_signature_not_base64",)


class CountingKey:
    """A public key that counts the RSA operations made with it."""

    calls = 0

    def __init__(self, key):
        self.key = key

    def __getattr__(self, name):
        return getattr(self.key, name)

    def recover_data_from_signature(self, *args):
        CountingKey.calls += 1
        return self.key.recover_data_from_signature(*args)


def test_rsa_work_is_bounded(merchant_key, stranger_key, platform_key):
    CountingKey.calls = 0
    others = {f"key {i}": CountingKey(platform_key.public_key()) for i in range(20)}
    result = v3.diagnose_request(
        "POST", JSAPI, TS, NONCE, COMPACT, sign(stranger_key), CountingKey(merchant_key.public_key()), other_keys=others
    )
    assert result.mistakes == ("v3_unknown_key",)
    assert CountingKey.calls == 1 + v3.diagnosis.MAX_OTHER_KEYS


@pytest.mark.parametrize(
    ("sent", "code"),
    [
        ("0ade55ad98ed71d6edd4a4a16996de7b47773a8c", "v3_serial_format"),
        ("0A:DE:55:AD:98:ED:71:D6:ED:D4:A4:A1:69:96:DE:7B:47:77:3A:8C", "v3_serial_format"),
        ("ADE55AD98ED71D6EDD4A4A16996DE7B47773A8C", "v3_serial_format"),  # Java's BigInteger.toString(16)
        (str(int("0ADE55AD98ED71D6EDD4A4A16996DE7B47773A8C", 16)), "v3_serial_decimal"),
        ("5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "v3_serial_platform"),
        ("PUB_KEY_ID_0117134125362025092400111793000600", "v3_serial_platform"),
        ("408B07E79B8269FEC3D5D3E6AB8ED163A6A380DB", "v3_unknown_serial"),
        ("9" * 5000, "v3_unknown_serial"),  # never int() of 5000 digits
    ],
)
def test_serial_mistakes(sent, code):
    platform = ["5157F09EFDC096DE15EBE81A47057A7232F1B8E1", "PUB_KEY_ID_0117134125362025092400111793000600"]
    merchant = "0ADE55AD98ED71D6EDD4A4A16996DE7B47773A8C"
    assert v3.diagnose_serial(sent, merchant, platform_serials=platform) == code
    assert code in v3.MISTAKES


APPID, PREPAY = "wxd678efh567hg6787", "wx201410272009395522657a690389285100"


def pay_sign(key, *lines: str, end="\n", algorithm=None):
    data = ("\n".join(lines) + end).encode()
    return base64.b64encode(key.sign(data, padding.PKCS1v15(), algorithm or hashes.SHA256())).decode()


@pytest.mark.parametrize(
    ("lines", "kwargs", "codes"),
    [
        ((APPID, TS, NONCE, PREPAY), {}, ("v3_paysign_package_bare",)),
        (("wxOFFICIALACCOUNT", TS, NONCE, "prepay_id=" + PREPAY), {}, ("v3_paysign_wrong_appid",)),
        ((APPID, NONCE, "prepay_id=" + PREPAY, TS), {}, ("v3_paysign_field_order",)),
        ((APPID, TS + "051", NONCE, "prepay_id=" + PREPAY), {}, ("v3_paysign_timestamp_milliseconds",)),
        ((APPID, TS, NONCE, "prepay_id=" + PREPAY), {"end": ""}, ("v3_paysign_missing_newline",)),
        ((APPID, TS, NONCE, "prepay_id=" + PREPAY), {"algorithm": hashes.SHA1()}, ("v3_sha1",)),
        ((APPID, TS, NONCE, "prepay_id=" + PREPAY), {}, ()),
    ],
)
def test_pay_sign_mistakes(merchant_key, lines, kwargs, codes):
    signature = pay_sign(merchant_key, *lines, **kwargs)
    result = v3.diagnose_pay_sign(
        APPID,
        TS,
        NONCE,
        "prepay_id=" + PREPAY,
        signature,
        merchant_key.public_key(),
        other_app_ids=["wxOFFICIALACCOUNT"],
    )
    assert result.mistakes == codes and set(codes) <= set(v3.MISTAKES)


def test_pay_sign_v2_habits(merchant_key):
    v2_string = f"appId={APPID}&nonceStr={NONCE}&package=prepay_id={PREPAY}&signType=RSA&timeStamp={TS}"
    signature = base64.b64encode(merchant_key.sign(v2_string.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()
    public = merchant_key.public_key()
    assert v3.diagnose_pay_sign(APPID, TS, NONCE, "prepay_id=" + PREPAY, signature, public).mistakes == (
        "v3_paysign_v2_string",
    )
    md5 = hashlib.md5(v2_string.encode()).hexdigest().upper()
    assert v3.diagnose_pay_sign(APPID, TS, NONCE, "prepay_id=" + PREPAY, md5, public).mistakes == (
        "v3_paysign_v2_style",
    )


def test_app_sign_with_the_prefixed_package(merchant_key):
    signature = pay_sign(merchant_key, APPID, TS, NONCE, "prepay_id=" + PREPAY)
    result = v3.diagnose_pay_sign(APPID, TS, NONCE, PREPAY, signature, merchant_key.public_key(), app=True)
    assert result.mistakes == ("v3_paysign_package_prefixed",)


# -- the work budget (issue 8 B3): counted in candidates and bytes, never timed here -------------------

HUGE = json.dumps(
    {**ORDER, "detail": {"goods": [{"name": "拿铁 & co", "n": i} for i in range(7000)]}}, ensure_ascii=False
).encode()


def test_a_huge_badly_signed_body_costs_a_few_candidates(merchant_key):
    assert len(HUGE) > 240_000
    result = diagnose(merchant_key, sign(merchant_key, body=b'{"something":"else"}'), body=HUGE)
    assert result.mistakes == ("v3_message_mismatch",) and result.cut_short
    assert 0 < result.tried <= 10  # 2,000,000 units: eight messages of 250 KB, and the short ones (no body)


def test_the_likeliest_mistake_is_still_found_in_a_huge_body(merchant_key):
    result = diagnose(merchant_key, sign(merchant_key, body=HUGE + b"\n"), body=HUGE)  # Go's json.Encoder
    assert result.mistakes == ("v3_body_trailing_newline",) and not result.cut_short and result.tried <= 3


def test_a_typical_body_is_searched_to_the_end(merchant_key):
    result = diagnose(merchant_key, sign(merchant_key, body=b'{"something":"else"}'))
    assert result.mistakes == ("v3_message_mismatch",) and not result.cut_short
    assert result.tried > 3000  # every variant, and the 3,000 millisecond timestamps


def test_a_smaller_budget_stops_sooner_and_says_so(merchant_key):
    signature = sign(merchant_key, ts=str(int(TS) + 1).encode() + b"500")  # the next second's milliseconds
    assert diagnose(merchant_key, signature).mistakes == ("v3_timestamp_milliseconds",)
    result = diagnose(merchant_key, signature, budget=Budget(work=200_000))
    assert result.mistakes == ("v3_message_mismatch",) and result.cut_short
    paysign = pay_sign(merchant_key, APPID, TS + "999", NONCE, "prepay_id=" + PREPAY)
    public = merchant_key.public_key()
    short = v3.diagnose_pay_sign(APPID, TS, NONCE, "prepay_id=" + PREPAY, paysign, public, budget=Budget(work=5_000))
    assert short.mistakes == ("v3_paysign_message_mismatch",) and short.cut_short


def test_re_serialising_is_charged_before_it_is_done(merchant_key):
    body = json.dumps({**ORDER, "detail": "x" * 800}).encode()
    signed = json.dumps(json.loads(body), ensure_ascii=False).encode()
    assert diagnose(merchant_key, sign(merchant_key, body=signed), body=body).mistakes == ("v3_body_reserialized",)
    cheap = Budget(work=100 * len(body))  # enough to hash the plain variants, not to re-serialise
    result = diagnose(merchant_key, sign(merchant_key, body=signed), body=body, budget=cheap)
    assert result.mistakes == ("v3_message_mismatch",) and result.cut_short


def test_pay_sign_keys_and_messages_are_named_as_a_pay_sign(merchant_key, stranger_key):
    """A paySign has four lines, one merchant key and no serial_no: its codes (and so its fixes) are its own."""
    package = "prepay_id=" + PREPAY
    public = merchant_key.public_key()
    unknown = v3.diagnose_pay_sign(APPID, TS, NONCE, package, pay_sign(stranger_key, APPID, TS, NONCE, package), public)
    assert unknown.mistakes == ("v3_paysign_unknown_key",)
    other = {"the platform certificate's key": stranger_key.public_key()}
    wrong = v3.diagnose_pay_sign(
        APPID, TS, NONCE, package, pay_sign(stranger_key, APPID, TS, NONCE, package), public, other_keys=other
    )
    assert wrong.mistakes == ("v3_paysign_wrong_key",) and wrong.key_label == "the platform certificate's key"
    mismatch = v3.diagnose_pay_sign(APPID, TS, NONCE, package, pay_sign(merchant_key, "x", "y"), public)
    assert mismatch.mistakes == ("v3_paysign_message_mismatch",)


@pytest.mark.parametrize(
    ("time_stamp", "sign_type", "codes"),
    [
        (TS, "RSA", ()),
        (TS, None, ("v3_paysign_sign_type",)),  # wx.requestPayment's default is MD5
        (TS, "MD5", ("v3_paysign_sign_type",)),
        (TS, "rsa", ("v3_paysign_sign_type",)),
        (TS + "000", "RSA", ("v3_paysign_timestamp_milliseconds",)),
        (TS + "000", "HMAC-SHA256", ("v3_paysign_sign_type", "v3_paysign_timestamp_milliseconds")),
    ],
)
def test_pay_sign_rules(time_stamp, sign_type, codes):
    assert v3.pay_sign_rules(time_stamp, sign_type) == codes and set(codes) <= set(v3.MISTAKES)
