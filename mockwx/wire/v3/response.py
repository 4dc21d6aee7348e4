"""Signed responses and notifications: the Wechatpay-* headers and their verification (protocol/v3.md 2.1-2.5).

WeChat signs ``TIMESTAMP\\nNONCE\\nBODY\\n`` (the raw body, empty for a 204) with the platform
certificate's key or the WeChat Pay public key, and names which in ``Wechatpay-Serial``. SDKs refuse
a response without ``Wechatpay-Signature-Type: WECHATPAY2-SHA256-RSA2048`` (wechatpayv3) or whose
timestamp is 300 s or more away from their clock (Go, PHP, the axios plugin). A probe signature
starts with ``WECHATPAY/SIGNTEST/`` and must fail verification on purpose.
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from cryptography.hazmat.primitives.asymmetric import rsa

from .authorization import MAX_SKEW_SECONDS, SCHEME
from .signature import response_message, rsa_sign, rsa_verify

SIGNATURE_TYPE = SCHEME
PROBE_PREFIX = "WECHATPAY/SIGNTEST/"

TIMESTAMP_HEADER = "Wechatpay-Timestamp"
NONCE_HEADER = "Wechatpay-Nonce"
SIGNATURE_HEADER = "Wechatpay-Signature"
SERIAL_HEADER = "Wechatpay-Serial"
SIGNATURE_TYPE_HEADER = "Wechatpay-Signature-Type"
REQUEST_ID_HEADER = "Request-ID"
SIGNED_HEADERS = (TIMESTAMP_HEADER, NONCE_HEADER, SIGNATURE_HEADER, SERIAL_HEADER, SIGNATURE_TYPE_HEADER)

MISSING_HEADER, SIGNATURE_TYPE_MISMATCH, UNKNOWN_SERIAL, STALE, PROBE, BAD_SIGNATURE = (
    "missing_header",
    "signature_type",
    "unknown_serial",
    "stale",
    "probe",
    "bad_signature",
)


class ResponseSignatureError(ValueError):
    """A response or notification that must not be trusted; ``reason`` says which check failed."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


def new_response_nonce() -> str:
    """A response nonce as WeChat sends it on API answers: 32 lower-case hex digits."""
    return secrets.token_hex(16)


def new_request_id(code: int = 0, token: str | None = None) -> str:
    """A ``Request-ID``: upper-case hex, ``-``, WeChat's internal result number (0 for success)."""
    return f"{(token or secrets.token_hex(22)).upper()}-{code}"


def probe_signature() -> str:
    """A deliberately wrong signature, as WeChat sends now and then to check that merchants verify."""
    return PROBE_PREFIX + base64.b64encode(secrets.token_bytes(256)).decode("ascii")


def sign_response(
    body: bytes,
    private_key: rsa.RSAPrivateKey,
    serial: str,
    *,
    timestamp: int,
    nonce: str | None = None,
    request_id: str | None = None,
    probe: bool = False,
) -> dict[str, str]:
    """The headers that sign ``body``: Wechatpay-Timestamp/-Nonce/-Signature/-Serial/-Signature-Type, Request-ID.

    ``serial`` is the platform certificate serial or the ``PUB_KEY_ID_...`` whose key is
    ``private_key``. ``probe`` replaces the signature with a ``WECHATPAY/SIGNTEST/`` one.
    """
    nonce = nonce if nonce is not None else new_response_nonce()
    signature = probe_signature() if probe else rsa_sign(response_message(str(timestamp), nonce, body), private_key)
    return {
        TIMESTAMP_HEADER: str(timestamp),
        NONCE_HEADER: nonce,
        SIGNATURE_HEADER: signature,
        SERIAL_HEADER: serial,
        SIGNATURE_TYPE_HEADER: SIGNATURE_TYPE,
        REQUEST_ID_HEADER: request_id if request_id is not None else new_request_id(),
    }


@dataclass(frozen=True, slots=True)
class SignedHeaders:
    """The Wechatpay-* headers of a response or notification, read case-insensitively."""

    timestamp: str
    nonce: str
    signature: str
    serial: str
    signature_type: str

    @classmethod
    def read(cls, headers: Mapping[str, str]) -> SignedHeaders:
        """The five headers from any mapping (Django's ``HTTP_WECHATPAY_*`` names too); errors name what is missing."""
        folded = {name.lower().replace("_", "-").removeprefix("http-"): value for name, value in headers.items()}
        values = [folded.get(name.lower(), "") for name in SIGNED_HEADERS]
        missing = [name for name, value in zip(SIGNED_HEADERS[:4], values[:4], strict=True) if not value]
        if missing:
            raise ResponseSignatureError(
                MISSING_HEADER,
                f"missing {', '.join(missing)}: WeChat signs every 2xx response and every notification;"
                " a proxy may have stripped the Wechatpay-* headers",
            )
        return cls(*values)


def verify_response(
    headers: Mapping[str, str],
    body: bytes,
    public_keys: Mapping[str, rsa.RSAPublicKey],
    *,
    now: float | None = None,
    max_skew: int = MAX_SKEW_SECONDS,
) -> str:
    """Check a response's or notification's signature; the serial that verified it.

    ``public_keys`` maps ``Wechatpay-Serial`` values (platform certificate serials, ``PUB_KEY_ID_...``)
    to keys. With ``now``, a timestamp ``max_skew`` seconds or more away fails, as Go and PHP do.
    Raises ResponseSignatureError.
    """
    signed = SignedHeaders.read(headers)
    if signed.signature_type != SIGNATURE_TYPE:
        found = f"is {signed.signature_type!r}" if signed.signature_type else "is missing (wechatpayv3 raises then)"
        raise ResponseSignatureError(
            SIGNATURE_TYPE_MISMATCH, f"Wechatpay-Signature-Type {found}; expected {SIGNATURE_TYPE!r}"
        )
    key = public_keys.get(signed.serial)
    if key is None:
        known = ", ".join(sorted(public_keys)) or "none"
        raise ResponseSignatureError(
            UNKNOWN_SERIAL,
            f"Wechatpay-Serial {signed.serial} is not a key you hold (known: {known}); refresh the platform"
            " certificates (/v3/certificates) or configure the WeChat Pay public key and its id",
        )
    if now is not None:
        if not (signed.timestamp.isascii() and signed.timestamp.isdigit()):
            raise ResponseSignatureError(STALE, f"Wechatpay-Timestamp {signed.timestamp!r} is not Unix seconds")
        if abs(int(now) - int(signed.timestamp)) >= max_skew:
            raise ResponseSignatureError(
                STALE, f"Wechatpay-Timestamp {signed.timestamp} is {max_skew} s or more from now ({int(now)})"
            )
    if signed.signature.startswith(PROBE_PREFIX):
        raise ResponseSignatureError(
            PROBE,
            "a WECHATPAY/SIGNTEST/ probe signature: WeChat checks that you verify; treat it as a failure"
            " (answer a notification with 4xx/5xx and WeChat redelivers it correctly signed)",
        )
    if not rsa_verify(response_message(signed.timestamp, signed.nonce, body), signed.signature, key):
        raise ResponseSignatureError(
            BAD_SIGNATURE,
            f"Wechatpay-Signature does not verify with key {signed.serial} over timestamp, nonce and the raw body",
        )
    return signed.serial
