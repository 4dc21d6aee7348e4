"""A tutorial-style merchant: it builds signs the way blog posts do, each mistake written out by
hand with hashlib, urllib and json, nothing of mockwx's. The doctor is judged against this code.

``V2_CASES``, ``PAY_CASES`` and ``PASTED_CASES`` are the fixed list the accuracy figure is measured
on (issue 10: at least 40 mistakes and combinations); each case says which mistakes the doctor must
name, and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from urllib.parse import quote

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

APPID = "wxd930ea5d5a258f4f"
SECRET = "a1b2c3d4e5f60718293a4b5c6d7e8f90"  # the demo mini program's AppSecret
MCH_ID = "10000100"
KEY = "192006250b4c09247ec02edce69f6a2d"  # the demo merchant's API key
OTHER_KEY = "00000000000000000000000000000000"  # a key the mock knows nothing about
OFFICIAL_ACCOUNT = "wx0000000000000000"

# unifiedorder as a tutorial fills it in: in the order the code sets them, which is not sorted.
ORDER = {
    "appid": APPID,
    "mch_id": MCH_ID,
    "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    "body": "老男孩学费",
    "out_trade_no": "D20261127000001",
    "total_fee": "1",
    "spbill_create_ip": "127.0.0.1",
    "notify_url": "http://127.0.0.1:8901/wxpay/notify",
    "trade_type": "JSAPI",
    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o",
}


def md5(text: str, encoding: str = "utf-8") -> str:
    return hashlib.md5(text.encode(encoding)).hexdigest().upper()


def hmac256(text: str, key: str = KEY) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def joined(pairs) -> str:
    return "&".join(f"{k}={v}" for k, v in pairs)


def tidy(fields: dict[str, str]) -> list[tuple[str, str]]:
    """What a correct tutorial does: sort, skip empty values and the sign."""
    return sorted((k, v) for k, v in fields.items() if v != "" and k != "sign")


def right(fields: dict[str, str], key: str = KEY) -> str:
    return md5(joined(tidy(fields)) + "&key=" + key)


def unsorted(fields: dict[str, str]) -> list[tuple[str, str]]:
    return [(k, v) for k, v in fields.items() if v != "" and k != "sign"]


def replace(fields: dict[str, str], **changes: str) -> dict[str, str]:
    return {**fields, **changes}


@dataclass
class Case:
    """A request with a badly built sign: ``fields`` as sent, ``sign`` as the tutorial computed it."""

    name: str
    expected: list[str]
    sign: Callable[[dict[str, str]], str]
    fields: Callable[[dict[str, str]], dict[str, str]] = lambda f: dict(f)
    path: str = "/pay/unifiedorder"
    cli: bool = True  # the sign command and POST /__mock__/sign can tell it too (same keys, same fields)
    beyond: bool = False  # beyond what the doctor searches: it must name nothing wrong, and may name nothing


def twice(fields: dict[str, str]) -> str:
    first = right(fields)  # sign() called on a dict that already holds the first sign
    return md5(joined(sorted([*tidy(fields), ("sign", first)])) + "&key=" + KEY)


def _json_twice(fields: dict[str, str]) -> str:
    signed = dict(fields, detail=json.dumps(json.loads(fields["detail"]), ensure_ascii=False))
    return right(signed)


DETAIL = '{"goods_detail":[{"goods_id":"coffee","goods_name":"拿铁","quantity":1,"price":1}]}'

V2_CASES = [
    # -- one mistake ---------------------------------------------------------------------------
    Case("the AppSecret as the key", ["appsecret_as_key"], lambda f: right(f, SECRET)),
    Case("no &key=", ["key_missing"], lambda f: md5(joined(tidy(f)))),
    Case("not sorted", ["unsorted"], lambda f: md5(joined(unsorted(f)) + "&key=" + KEY)),
    Case("lower-case hex", ["lowercase_hex"], lambda f: right(f).lower()),
    Case(
        "empty attach signed",
        ["empty_fields_included"],
        lambda f: md5(joined(sorted(f.items())) + "&key=" + KEY),
        lambda f: replace(f, attach=""),
    ),
    Case(
        "sign_type sent, not signed",
        ["sign_type_omitted"],
        lambda f: right({k: v for k, v in f.items() if k != "sign_type"}),
        lambda f: replace(f, sign_type="MD5"),
    ),
    Case(
        "HMAC sent, MD5 made",
        ["algorithm_mismatch"],
        lambda f: right(f),
        lambda f: replace(f, sign_type="HMAC-SHA256"),
    ),
    Case(
        "MD5 sent, HMAC made",
        ["algorithm_mismatch"],
        lambda f: hmac256(joined(tidy(f)) + "&key=" + KEY),
        lambda f: replace(f, sign_type="MD5"),
    ),
    Case("HMAC without sign_type", ["hmac_without_sign_type"], lambda f: hmac256(joined(tidy(f)) + "&key=" + KEY)),
    Case(
        "values URL-encoded",
        ["url_encoded"],
        lambda f: md5(joined((k, quote(v, safe="")) for k, v in tidy(f)) + "&key=" + KEY),
    ),
    Case(
        "body trimmed for signing only",
        ["trimmed"],
        lambda f: md5(joined((k, v.strip()) for k, v in tidy(f)) + "&key=" + KEY),
        lambda f: replace(f, body=" 老男孩学费 "),
    ),
    Case(
        "sign='' placeholder signed",
        ["sign_placeholder_signed"],
        lambda f: md5(joined(sorted([*tidy(f), ("sign", "")])) + "&key=" + KEY),
    ),
    Case("signed twice", ["signed_twice"], twice),
    Case("&KEY without key=", ["key_without_name"], lambda f: md5(joined(tidy(f)) + "&" + KEY)),
    Case("KEY glued on", ["key_glued"], lambda f: md5(joined(tidy(f)) + KEY)),
    Case("key sorted in", ["key_sorted_in"], lambda f: md5(joined(sorted([*tidy(f), ("key", KEY)])))),
    Case("GBK bytes", ["gbk_encoded"], lambda f: md5(joined(tidy(f)) + "&key=" + KEY, "gbk")),
    Case(
        "HMAC key and message swapped",
        ["hmac_swapped"],
        lambda f: (
            hmac.new((joined(tidy(f)) + "&key=" + KEY).encode(), KEY.encode(), hashlib.sha256).hexdigest().upper()
        ),
        lambda f: replace(f, sign_type="HMAC-SHA256"),
    ),
    Case(
        "notify_url added after signing",
        ["field_not_signed"],
        lambda f: right({k: v for k, v in f.items() if k != "notify_url"}),
    ),
    Case(
        "sign_type signed, not sent",
        ["sign_type_not_sent"],
        lambda f: right(replace(f, sign_type="MD5")),
    ),
    Case(
        "a typo: apid",
        ["field_name_differs"],
        lambda f: right({("apid" if k == "appid" else k): v for k, v in f.items()}),
    ),
    Case(
        "a Java bean: outTradeNo",
        ["field_name_differs"],
        lambda f: right({("outTradeNo" if k == "out_trade_no" else k): v for k, v in f.items()}),
    ),
    Case("total_fee signed in yuan", ["amount_in_yuan"], lambda f: right(replace(f, total_fee="0.01"))),
    Case(
        "body signed before it was trimmed",
        ["trimmed_after_signing"],
        lambda f: right(replace(f, body=f["body"] + " ")),  # the form's value signed, its .strip() sent
    ),
    Case(
        "body signed with a leading space", ["trimmed_after_signing"], lambda f: right(replace(f, body=" " + f["body"]))
    ),
    Case(
        "body signed with its line break",
        ["trimmed_after_signing"],
        lambda f: right(replace(f, body=f["body"] + "\n")),  # a line read from a file, trimmed after signing
    ),
    Case(
        "body signed with a CRLF",
        ["trimmed_after_signing"],
        lambda f: right(replace(f, body=f["body"] + "\r\n")),
    ),
    Case(
        "body signed padded with spaces",
        ["trimmed_after_signing"],
        lambda f: right(replace(f, body="  " + f["body"] + "  ")),
    ),
    Case(
        "body signed XML-escaped",
        ["xml_escaped"],
        lambda f: right(replace(f, body="A&amp;B咖啡")),
        lambda f: replace(f, body="A&B咖啡"),
    ),
    Case(
        "detail serialised again",
        ["field_value_differs"],
        _json_twice,
        lambda f: replace(f, detail=DETAIL),
    ),
    Case("a trailing newline", ["sign_whitespace"], lambda f: right(f) + "\n"),
    Case("cut off", ["sign_truncated"], lambda f: right(f)[:30]),
    Case("wrong length, nothing else known", ["sign_wrong_length"], lambda f: "A" * 31),
    Case("no sign at all", ["no_sign"], lambda f: ""),
    # -- two or three at once ------------------------------------------------------------------
    Case("unsorted, no &key=", ["key_missing", "unsorted"], lambda f: md5(joined(unsorted(f)))),
    Case(
        "empty kept, unsorted, lower case",
        ["empty_fields_included", "lowercase_hex", "unsorted"],
        lambda f: md5(joined(f.items()) + "&key=" + KEY).lower(),
        lambda f: replace(f, attach=""),
    ),
    Case(
        "AppSecret, unsorted",
        ["appsecret_as_key", "unsorted"],
        lambda f: md5(joined(unsorted(f)) + "&key=" + SECRET),
    ),
    Case("AppSecret, lower case", ["appsecret_as_key", "lowercase_hex"], lambda f: right(f, SECRET).lower()),
    Case(
        "no &key=, unsorted, lower case",
        ["key_missing", "lowercase_hex", "unsorted"],
        lambda f: md5(joined(unsorted(f))).lower(),
    ),
    Case(
        "URL-encoded, unsorted",
        ["unsorted", "url_encoded"],
        lambda f: md5(joined((k, quote(v, safe="")) for k, v in unsorted(f)) + "&key=" + KEY),
    ),
    Case(
        "AppSecret, sign_type not signed",
        ["appsecret_as_key", "sign_type_omitted"],
        lambda f: right({k: v for k, v in f.items() if k != "sign_type"}, SECRET),
        lambda f: replace(f, sign_type="MD5"),
    ),
    Case(
        "empty kept, unsorted, no &key=",
        ["empty_fields_included", "key_missing", "unsorted"],
        lambda f: md5(joined(f.items())),
        lambda f: replace(f, attach=""),
    ),
    Case(
        "HMAC without sign_type and without &key=",
        ["hmac_without_sign_type", "key_missing"],
        lambda f: hmac256(joined(tidy(f))),
    ),
    Case(
        "body trimmed and total_fee in yuan",
        ["amount_in_yuan", "trimmed"],
        lambda f: right(replace(f, body=f["body"].strip(), total_fee="0.01")),
        lambda f: replace(f, body="老男孩学费 "),
    ),
    Case(
        "two fields added after signing",
        ["field_not_signed"],
        lambda f: right({k: v for k, v in f.items() if k not in ("notify_url", "openid")}),
    ),
    Case(
        "AppSecret, GBK",
        ["appsecret_as_key", "gbk_encoded"],
        lambda f: md5(joined(tidy(f)) + "&key=" + SECRET, "gbk"),
    ),
    Case(
        "AppSecret glued on, unsorted",
        ["appsecret_as_key", "key_glued", "unsorted"],
        lambda f: md5(joined(unsorted(f)) + SECRET),
    ),
    Case(
        "body signed before it was trimmed, with the AppSecret",
        ["appsecret_as_key", "trimmed_after_signing"],
        lambda f: right(replace(f, body=f["body"] + " "), SECRET),
    ),
    Case(
        "a typo and the AppSecret",
        ["appsecret_as_key", "field_name_differs"],
        lambda f: right({("apid" if k == "appid" else k): v for k, v in f.items()}, SECRET),
    ),
    # -- sandbox keys (the HTTP test fetches the sandbox_signkey first) ------------------------
    Case(
        "production key on the sandbox",
        ["production_key_on_sandbox"],
        lambda f: right(f),
        path="/sandboxnew/pay/unifiedorder",
        cli=False,
    ),
    # -- beyond the search: counted as misses in the accuracy figure ----------------------------
    Case(
        "out_trade_no changed after signing",
        ["field_value_differs"],
        lambda f: right(replace(f, out_trade_no="D20261127000000")),
        beyond=True,
    ),
    Case(
        "four mistakes at once",
        ["appsecret_as_key", "empty_fields_included", "unsorted", "url_encoded"],
        lambda f: md5(joined((k, quote(v, safe="")) for k, v in f.items()) + "&key=" + SECRET),
        lambda f: replace(f, attach=""),
        beyond=True,
    ),
    # -- negative controls: nothing may be named -----------------------------------------------
    Case("another merchant's key", [], lambda f: right(f, OTHER_KEY)),
    Case("a random sign", [], lambda f: md5("whatever")),
]


@dataclass
class PayCase:
    """wx.requestPayment with a badly built paySign; ``body`` builds what the mini program passes."""

    name: str
    expected: list[str]
    body: Callable[[PayContext], dict[str, str]]
    order_sign_type: str = "MD5"


@dataclass
class PayContext:
    prepay_id: str
    other_prepay_id: str
    time_stamp: str = "1700000000"
    nonce: str = "n0nceN0nceN0nce"
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def package(self) -> str:
        return f"prepay_id={self.prepay_id}"

    def five(self, sign_type: str = "MD5", **changes: str) -> dict[str, str]:
        """The five signed fields, in the order the documentation lists them."""
        base = {
            "appId": APPID,
            "timeStamp": self.time_stamp,
            "nonceStr": self.nonce,
            "package": self.package,
            "signType": sign_type,
        }
        return {**base, **changes}

    def passed(self, pay_sign: str, sign_type: str = "MD5", **changes: str) -> dict[str, str]:
        """What the mini program passes to wx.requestPayment (appId is signed, not passed)."""
        five = self.five(sign_type, **changes)
        five.pop("appId")
        return {**five, "paySign": pay_sign}


@cache
def _rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_pay_sign(c: PayContext) -> str:
    """A v3 paySign, as the v3 SDK a v2 order's code borrowed makes it: RSA over four lines."""
    lines = f"{APPID}\n{c.time_stamp}\n{c.nonce}\n{c.package}\n".encode()
    return base64.b64encode(_rsa_key().sign(lines, padding.PKCS1v15(), hashes.SHA256())).decode()


def _renamed(fields: dict[str, str], old: str, new: str) -> dict[str, str]:
    return {(new if k == old else k): v for k, v in fields.items()}


PAY_CASES = [
    PayCase("paySign with the AppSecret", ["appsecret_as_key"], lambda c: c.passed(right(c.five(), SECRET))),
    PayCase(
        "all names lower case",
        ["lowercase_names"],
        lambda c: c.passed(right({k.lower(): v for k, v in c.five().items()})),
    ),
    PayCase(
        "timestamp for timeStamp",
        ["paysign_field_name"],
        lambda c: c.passed(right(_renamed(c.five(), "timeStamp", "timestamp"))),
    ),
    PayCase(
        "appid for appId",
        ["paysign_field_name"],
        lambda c: c.passed(right(_renamed(c.five(), "appId", "appid"))),
    ),
    PayCase(
        "noncestr for nonceStr",
        ["paysign_field_name"],
        lambda c: c.passed(right(_renamed(c.five(), "nonceStr", "noncestr"))),
    ),
    PayCase(
        "signType left out",
        ["paysign_sign_type_omitted"],
        lambda c: c.passed(right({k: v for k, v in c.five().items() if k != "signType"})),
    ),
    PayCase(
        "appId left out",
        ["paysign_appid_omitted"],
        lambda c: c.passed(right({k: v for k, v in c.five().items() if k != "appId"})),
    ),
    PayCase(
        "bare prepay_id",
        ["package_without_prefix"],
        lambda c: c.passed(right(c.five(package=c.prepay_id))),
    ),
    PayCase(
        "the official account's appid",
        ["wrong_appid"],
        lambda c: {**c.passed(right(c.five(appId=OFFICIAL_ACCOUNT))), "appId": OFFICIAL_ACCOUNT},
    ),
    PayCase(
        "another order's prepay_id",
        ["paysign_other_prepay_id"],
        lambda c: c.passed(right(c.five(package=f"prepay_id={c.other_prepay_id}"))),
    ),
    PayCase(
        "MD5 paySign for an HMAC order",
        ["paysign_sign_type_mismatch"],
        lambda c: c.passed(right(c.five())),
        order_sign_type="HMAC-SHA256",
    ),
    PayCase(
        "HMAC paySign for an MD5 order",
        ["paysign_sign_type_mismatch"],
        lambda c: c.passed(hmac256(joined(tidy(c.five("HMAC-SHA256"))) + "&key=" + KEY), "HMAC-SHA256"),
    ),
    PayCase(
        "timeStamp in milliseconds",
        ["timestamp_milliseconds"],
        lambda c: c.passed(right(c.five(timeStamp="1700000000000")), timeStamp="1700000000000"),
    ),
    PayCase(
        "signType HMACSHA256",
        ["sign_type_misspelled"],
        lambda c: c.passed(hmac256(joined(tidy(c.five("HMACSHA256"))) + "&key=" + KEY), "HMACSHA256"),
        order_sign_type="HMAC-SHA256",
    ),
    PayCase(
        "signType HMAC-SHA256, paySign MD5",
        ["algorithm_mismatch"],
        lambda c: c.passed(right(c.five("HMAC-SHA256")), "HMAC-SHA256"),
        order_sign_type="HMAC-SHA256",
    ),
    PayCase(
        "signType HMACSHA256, paySign MD5",
        ["algorithm_mismatch", "sign_type_misspelled"],
        lambda c: c.passed(right(c.five("HMACSHA256")), "HMACSHA256"),
        order_sign_type="HMAC-SHA256",
    ),
    PayCase(
        "signType RSA and an RSA paySign for a v2 order",
        ["sign_type_unknown"],
        lambda c: c.passed(rsa_pay_sign(c), "RSA"),
    ),
    PayCase(
        "signType RSA in an MD5 paySign for a v2 order",
        ["sign_type_unknown"],
        lambda c: c.passed(right(c.five("RSA")), "RSA"),
    ),
    PayCase(
        "in the documentation's order",
        ["unsorted"],
        lambda c: c.passed(md5(joined(c.five().items()) + "&key=" + KEY)),
    ),
    PayCase("paySign without &key=", ["key_missing"], lambda c: c.passed(md5(joined(tidy(c.five()))))),
    PayCase("paySign in lower case", ["lowercase_hex"], lambda c: c.passed(right(c.five()).lower())),
    PayCase(
        "AppSecret and lower-case names",
        ["appsecret_as_key", "lowercase_names"],
        lambda c: c.passed(right({k.lower(): v for k, v in c.five().items()}, SECRET)),
    ),
    PayCase(
        "signed in seconds, sent in milliseconds",
        ["field_value_differs", "timestamp_milliseconds"],
        lambda c: c.passed(right(c.five()), timeStamp="1700000000000"),
    ),
]


@dataclass
class PastedCase:
    """A signed string pasted from a tutorial's log into the ``sign`` command (or POST /__mock__/sign)."""

    name: str
    expected: list[str]
    string: str
    right: bool = False  # a negative control: the sign in it is right, nothing may be named


_PASTED_ORDER = {k: ORDER[k] for k in ("appid", "mch_id", "nonce_str", "body", "out_trade_no", "total_fee")}
_FIVE = {
    "appId": APPID,
    "nonceStr": "n0nceN0nceN0nce",
    "package": "prepay_id=wx201410272009395522657a690389285100",
    "timeStamp": "1700000000",
}


def _signed_string(pairs, key: str, sign: str = "", key_at: int | None = None) -> str:
    """The string a tutorial logs: its pairs with key=<key> at ``key_at`` (default last), then sign=."""
    parts = [f"{k}={v}" for k, v in pairs]
    parts.insert(len(parts) if key_at is None else key_at, f"key={key}")
    return "&".join(parts + ([f"sign={sign}"] if sign else []))


PASTED_CASES = [
    PastedCase(
        "key= before sign=, the sign right",
        [],
        _signed_string(tidy(_PASTED_ORDER), KEY, right(_PASTED_ORDER)),
        right=True,
    ),
    PastedCase(
        "key= in the middle, the sign right",
        [],
        _signed_string(tidy(_PASTED_ORDER), KEY, right(_PASTED_ORDER), key_at=2),
        right=True,
    ),
    PastedCase(
        "key= before sign=, the sign made with the AppSecret",
        ["appsecret_as_key"],
        _signed_string(tidy(_PASTED_ORDER), KEY, right(_PASTED_ORDER, SECRET)),
    ),
    PastedCase(
        "key= sorted in, the string hashed as logged",
        ["key_sorted_in"],
        joined(sorted([*tidy(_PASTED_ORDER), ("key", KEY)])),
    ),
    PastedCase("the AppSecret as key=", ["appsecret_as_key"], _signed_string(tidy(_PASTED_ORDER), SECRET)),
    PastedCase(
        "paySign fields with signType HMACSHA256",
        ["sign_type_misspelled"],
        _signed_string(tidy({**_FIVE, "signType": "HMACSHA256"}), KEY),
    ),
    PastedCase(
        "paySign fields with timeStamp in milliseconds",
        ["timestamp_milliseconds"],
        _signed_string(tidy({**_FIVE, "signType": "MD5", "timeStamp": "1700000000000"}), KEY),
    ),
]
