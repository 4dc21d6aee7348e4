"""The request Authorization header: building it, parsing it and verifying it (protocol/v3.md 1.1-1.4).

``WECHATPAY2-SHA256-RSA2048 mchid="...",nonce_str="...",signature="...",timestamp="...",serial_no="..."``:
one space after the scheme, then comma-separated ``key="value"`` pairs with no spaces, in any order.
WeChat checks, in this order (real probes, v3.md 1.4): the header is there, the scheme, the pairs,
the timestamp (within 5 minutes of its clock, checked before the signature), the serial_no, then
the signature over the raw target and the raw body bytes. Each failure is an
:class:`AuthorizationError` whose ``reason`` selects WeChat's 401 ``SIGN_ERROR`` message.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from .signature import request_message, rsa_sign, rsa_verify

SCHEME = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW_SECONDS = 300
MAX_TIMESTAMP_DIGITS = 19
"""A longer timestamp (beyond any int64) is refused as off by more than the skew, unread."""
FIELDS = ("mchid", "nonce_str", "signature", "timestamp", "serial_no")
"""The five parameters, in the order wechatpayv3 writes them (the order is not significant)."""

FORMAT, SCHEME_MISMATCH, INVALID, TIMESTAMP, SERIAL, SIGNATURE = (
    "format",
    "scheme",
    "invalid",
    "timestamp",
    "serial",
    "signature",
)
REASONS = (FORMAT, SCHEME_MISMATCH, INVALID, TIMESTAMP, SERIAL, SIGNATURE)

SIGN_ERROR_MESSAGES: Mapping[str, str] = {
    # missing header (real probe on /v3/certificates, /v3/refund/..., /v3/bill/...)
    FORMAT: "Http头Authorization值格式错误，请参考《微信支付商户REST API签名规则》",
    SCHEME_MISMATCH: "Http头Authorization认证类型不正确",  # gitbook FAQ table
    INVALID: "Authorization不合法",  # real probe: right scheme, unparseable parameters
    TIMESTAMP: "Http头Authorization中的timestamp与发起请求的时间不得超过5分钟",  # real probe
    SERIAL: "商户证书序列号有误。",  # gitbook FAQ table and a 2024 capture
    SIGNATURE: "签名错误",  # real probe and 2025 captures
}
"""WeChat's ``message`` for each reason, with HTTP 401 and code ``SIGN_ERROR`` (protocol/v3.md 1.4)."""

TRANSACTIONS_PREFIX = "/v3/pay/transactions/"
TRANSACTIONS_AUTH_MESSAGE = "签名信息错误，验签失败"
"""What /v3/pay/transactions/* answers instead, for a missing header or another scheme (real probes)."""

TRUNCATED_BODY_CHARS = 8
"""``truncated_sign_message`` keeps this much of the body (real capture: ``{"amount``)."""

_PAIR = re.compile(r'([a-z_]+)="([^"]*)"')


class AuthorizationError(ValueError):
    """A request WeChat answers with 401 SIGN_ERROR; ``reason`` is one of :data:`REASONS`."""

    def __init__(self, reason: str, detail: str, signed_message: bytes | None = None) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail
        self.signed_message = signed_message
        """For a signature mismatch: the message the signature should have covered."""

    def message_for(self, path: str) -> str:
        """WeChat's ``message`` for this failure on ``path``."""
        return sign_error_message(self.reason, path)


def sign_error_message(reason: str, path: str) -> str:
    """WeChat's 401 message for ``reason`` on ``path`` (the transactions APIs word a missing header differently)."""
    if reason in (FORMAT, SCHEME_MISMATCH) and path.startswith(TRANSACTIONS_PREFIX):
        return TRANSACTIONS_AUTH_MESSAGE
    return SIGN_ERROR_MESSAGES[reason]


@dataclass(frozen=True, slots=True)
class Authorization:
    """The five parameters of a v3 Authorization header."""

    mchid: str
    nonce_str: str
    signature: str
    timestamp: str
    serial_no: str

    def header(self) -> str:
        """The header value, parameters in wechatpayv3's order."""
        pairs = ",".join(f'{name}="{getattr(self, name)}"' for name in FIELDS)
        return f"{SCHEME} {pairs}"


def new_request_nonce() -> str:
    """A request nonce_str as wechatpayv3 makes it: 32 upper-case hex digits."""
    return secrets.token_hex(16).upper()


def build_authorization(
    method: str,
    target: str,
    body: str | bytes,
    *,
    mchid: str,
    serial_no: str,
    private_key: rsa.RSAPrivateKey,
    timestamp: int | str,
    nonce_str: str | None = None,
) -> str:
    """The Authorization header for a request; ``body`` must be the exact bytes that will be sent."""
    nonce = nonce_str if nonce_str is not None else new_request_nonce()
    signature = rsa_sign(request_message(method, target, str(timestamp), nonce, body), private_key)
    return Authorization(mchid, nonce, signature, str(timestamp), serial_no).header()


def parse_authorization(header: str | None) -> Authorization:
    """The parameters of an Authorization header; AuthorizationError (format, scheme or invalid) otherwise."""
    if header is None or not header.strip():
        raise AuthorizationError(FORMAT, f"no Authorization header; send '{SCHEME} mchid=\"...\",...'")
    scheme, _, params = header.strip().partition(" ")
    if scheme != SCHEME:
        hint = " (the scheme is case-sensitive)" if scheme.upper() == SCHEME else ""
        raise AuthorizationError(
            SCHEME_MISMATCH, f"the Authorization scheme is {scheme[:40]!r}; expected {SCHEME!r}{hint}"
        )
    values: dict[str, str] = {}
    position = 0
    while position < len(params):
        match = _PAIR.match(params, position)
        if match is None:
            raise AuthorizationError(
                INVALID,
                f"cannot read the Authorization parameters at {params[position : position + 24]!r}: expected"
                ' key="value" pairs separated by commas, double quotes, no spaces',
            )
        name, value = match.groups()
        if name in values:
            raise AuthorizationError(INVALID, f"the Authorization parameter {name} appears twice")
        values[name] = value
        position = match.end()
        if position < len(params):
            if params[position] != ",":
                raise AuthorizationError(
                    INVALID, f"expected ',' after {name}=\"...\" in Authorization, found {params[position]!r}"
                )
            position += 1
    missing = [name for name in FIELDS if not values.get(name)]
    if missing:
        raise AuthorizationError(INVALID, f"the Authorization header lacks {', '.join(missing)} (or it is empty)")
    if not (values["timestamp"].isascii() and values["timestamp"].isdigit()):
        raise AuthorizationError(INVALID, f"the Authorization timestamp {values['timestamp']!r} is not Unix seconds")
    return Authorization(**{name: values[name] for name in FIELDS})


def check_timestamp(authorization: Authorization, now: float, max_skew: int = MAX_SKEW_SECONDS) -> None:
    """AuthorizationError(timestamp) when the timestamp is more than ``max_skew`` seconds from ``now``."""
    if len(authorization.timestamp) > MAX_TIMESTAMP_DIGITS:  # far off whatever it says; never worth an int()
        raise AuthorizationError(
            TIMESTAMP,
            f"the Authorization timestamp has {len(authorization.timestamp)} digits: send Unix seconds (10 digits)",
        )
    skew = int(authorization.timestamp) - int(now)
    if abs(skew) <= max_skew:
        return
    if len(authorization.timestamp) >= 13:
        cause = "it looks like milliseconds; send Unix seconds"
    else:
        cause = f"it is {abs(skew)} s {'ahead of' if skew > 0 else 'behind'} the mock's clock; check the system time"
    raise AuthorizationError(
        TIMESTAMP, f"Authorization timestamp {authorization.timestamp} is more than {max_skew} s off: {cause}"
    )


def verify_signature(
    authorization: Authorization, method: str, target: str, body: bytes, public_key: rsa.RSAPublicKey
) -> None:
    """AuthorizationError(signature) unless the signature covers ``METHOD\\ntarget\\nts\\nnonce\\nbody\\n``."""
    signed = request_message(method, target, authorization.timestamp, authorization.nonce_str, body)
    if not rsa_verify(signed, authorization.signature, public_key):
        raise AuthorizationError(
            SIGNATURE,
            f"the signature does not verify with the certificate {authorization.serial_no} over the request's"
            " method, raw path?query, timestamp, nonce_str and raw body bytes",
            signed_message=signed,
        )


def authenticate(
    header: str | None,
    method: str,
    target: str,
    body: bytes,
    *,
    now: float,
    key_for: Callable[[Authorization], rsa.RSAPublicKey | None],
    max_skew: int = MAX_SKEW_SECONDS,
) -> Authorization:
    """Every check WeChat makes, in its order; the parsed header when the request is authentic.

    ``key_for`` returns the public key of the merchant API certificate the header names (by mchid
    and serial_no), or None when there is no such certificate.
    """
    authorization = parse_authorization(header)
    check_timestamp(authorization, now, max_skew)
    public_key = key_for(authorization)
    if public_key is None:
        raise AuthorizationError(
            SERIAL,
            f"serial_no {authorization.serial_no} is not the serial of an API certificate of merchant"
            f" {authorization.mchid}; send the serial of the certificate whose private key signs"
            " (openssl x509 -in apiclient_cert.pem -noout -serial), not the platform certificate's",
        )
    verify_signature(authorization, method, target, body, public_key)
    return authorization


def sign_error_detail(method: str, target: str, signed_message: bytes) -> dict[str, object]:
    """The ``detail`` WeChat attaches to a signature mismatch, shaped and ordered as the 2025 capture.

    ``truncated_sign_message`` is the expected message with the body cut to its first characters;
    ``sign_message_length`` is the byte length of the whole message.
    """
    head, body = _split_body(signed_message)
    truncated = head + body[:TRUNCATED_BODY_CHARS] + "\n"
    return {
        "detail": {"issue": "sign not match"},
        "field": "signature",
        "location": "authorization",
        "sign_information": {
            "method": method,
            "sign_message_length": len(signed_message),
            "truncated_sign_message": truncated,
            "url": target,
        },
    }


def _split_body(signed_message: bytes) -> tuple[str, str]:
    """The first four lines (with their newlines) and the body line (without its newline)."""
    text = signed_message.decode("utf-8", "replace")
    parts = text.split("\n", 4)
    if len(parts) < 5:
        return text, ""
    head = "\n".join(parts[:4]) + "\n"
    body = parts[4][:-1] if parts[4].endswith("\n") else parts[4]
    return head, body
