"""Pay v2 signatures: the canonical string, MD5 / HMAC-SHA256 signs and their verification.

The algorithm (WeChat Pay v2 "安全规范", protocol/v2.md 2.1):

1. take every field except ``sign``; drop fields whose value is empty or ``None``
   (``sign_type`` is *not* dropped: when present it is signed like any other field);
2. sort by field name, ASCII ascending (case-sensitive);
3. join as ``k1=v1&k2=v2`` with raw values (no URL-encoding, XML already unescaped);
4. append ``&key=<API key>``;
5. MD5: upper-case hex of md5(utf8(s)); HMAC-SHA256: upper-case hex of
   hmac_sha256(key=API key, msg=utf8(s)). The ``&key=`` suffix stays in both.

The client-side ``paySign`` of wx.requestPayment uses the same algorithm over the five
fields ``appId, nonceStr, package, signType, timeStamp`` (protocol/v2.md 4).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from collections.abc import Mapping

MD5 = "MD5"
HMAC_SHA256 = "HMAC-SHA256"
SIGN_TYPES = (MD5, HMAC_SHA256)

_NONCE_ALPHABET = string.ascii_letters + string.digits


def canonical_string(params: Mapping[str, object], key: str | None = None) -> str:
    """The string that is hashed: sorted non-empty fields, ``sign`` left out, ``&key=`` appended."""
    parts = [f"{k}={v}" for k, v in sorted(params.items()) if k != "sign" and v is not None and v != ""]
    if key is not None:
        parts.append(f"key={key}")
    return "&".join(parts)


def digest(message: str, key: str, sign_type: str = MD5) -> str:
    """Upper-case hex digest of an already built canonical string."""
    data = message.encode("utf-8")
    if sign_type == HMAC_SHA256:
        return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest().upper()
    if sign_type == MD5:
        return hashlib.md5(data).hexdigest().upper()
    raise ValueError(f"unknown sign_type {sign_type!r}: expected one of {', '.join(SIGN_TYPES)}")


def sign(params: Mapping[str, object], key: str, sign_type: str = MD5) -> str:
    """The ``sign`` WeChat expects for ``params`` under ``key``."""
    return digest(canonical_string(params, key), key, sign_type)


def request_sign_type(params: Mapping[str, object]) -> str:
    """The algorithm a request or notification asks for: its ``sign_type`` field, MD5 when absent."""
    value = params.get("sign_type")
    return str(value) if value else MD5


def verify(params: Mapping[str, object], key: str, sign_type: str | None = None) -> bool:
    """Constant-time check of ``params["sign"]``; the algorithm defaults to the params' own sign_type."""
    received = params.get("sign")
    if not isinstance(received, str) or not received:
        return False
    algorithm = sign_type or request_sign_type(params)
    if algorithm not in SIGN_TYPES:
        return False
    return hmac.compare_digest(sign(params, key, algorithm).encode(), received.encode())


def with_sign(params: Mapping[str, object], key: str, sign_type: str = MD5) -> dict[str, object]:
    """A copy of ``params`` with ``sign`` set (any old ``sign`` replaced)."""
    out = {k: v for k, v in params.items() if k != "sign"}
    out["sign"] = sign(out, key, sign_type)
    return out


def pay_sign_fields(app_id: str, time_stamp: str, nonce_str: str, package: str, sign_type: str) -> dict[str, str]:
    """The five fields wx.requestPayment's paySign covers, with their exact (case-sensitive) names."""
    return {
        "appId": app_id,
        "timeStamp": time_stamp,
        "nonceStr": nonce_str,
        "package": package,
        "signType": sign_type,
    }


def pay_sign(app_id: str, time_stamp: str, nonce_str: str, package: str, sign_type: str, key: str) -> str:
    """The paySign a merchant backend hands to wx.requestPayment (protocol/v2.md 4)."""
    fields = pay_sign_fields(app_id, time_stamp, nonce_str, package, sign_type)
    return sign(fields, key, sign_type)


def raw_data_signature(raw_data: str, session_key: str) -> str:
    """Open-data signature: lower-case sha1 hex of rawData + session_key (protocol/v2.md 1.4)."""
    return hashlib.sha1((raw_data + session_key).encode("utf-8")).hexdigest()


def new_nonce(length: int = 32) -> str:
    """A random nonce_str of letters and digits (WeChat allows at most 32 characters)."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(length))


def mask_key(key: str) -> str:
    """A key shown in logs and diagnoses: enough to recognise it, not enough to use it."""
    if len(key) <= 8:
        return "*" * len(key)
    return f"{key[:4]}{'*' * (len(key) - 8)}{key[-4:]}"
