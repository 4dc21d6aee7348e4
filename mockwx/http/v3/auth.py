"""The front door of every API v3 call: the Authorization header checked exactly as WeChat checks
it (protocol/v3.md 1.1-1.4: scheme, pairs in any order, timestamp within five minutes of the wall
clock, the merchant certificate's serial, the signature over the raw target and the raw body
bytes), the 401 SIGN_ERROR answers with WeChat's messages, and the doctor's diagnosis of a
signature that does not verify."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from cryptography.hazmat.primitives.asymmetric import rsa

from ...doctor import v3_record
from ...domain.models import Merchant
from ...services.keys import V3Keys
from ...wire.v3 import (
    MAX_TIMESTAMP_DIGITS,
    MISTAKES,
    Authorization,
    AuthorizationError,
    authenticate,
    diagnose_request,
    diagnose_serial,
    parse_authorization,
    sign_error_detail,
    verify_signature,
)
from ...wire.v3.authorization import SIGNATURE
from ...wire.v3.diagnosis import MILLISECONDS_DIGITS
from ...wire.v3.response import SERIAL_HEADER
from ..endpoint import Call
from .errors import V3Fail

SIGN_ERROR = "SIGN_ERROR"
DECODED_URL_NOTE = (
    "wechatpayv3 signs '|' as is while requests sends %7C; the setting v3.accept_decoded_url: true takes such"
    " signatures, if your SDK cannot sign what it sends"
)
MAX_OTHER_MERCHANTS = 4  # other merchants' keys the doctor tries (wire.v3 bounds the RSA work)


@dataclass(slots=True)
class V3Request:
    """An authenticated v3 request: its merchant, keys, raw body and the serial it asked answers signed with."""

    merchant: Merchant
    keys: V3Keys
    authorization: Authorization
    body: bytes
    serial_asked: str  # the request's Wechatpay-Serial: sign the answer with that key if WeChat has it


def authenticated(call: Call, body: bytes) -> V3Request:
    """The request's merchant and keys, or the 401 WeChat answers (with a diagnosis for a bad signature)."""
    request, backend = call.request, call.backend
    target = request.raw_path  # as received: percent-encoding and all
    found: dict[str, Any] = {}

    def key_for(authorization: Authorization) -> rsa.RSAPublicKey | None:
        merchant = backend.state.merchants.get(authorization.mchid)
        if merchant is None:
            return None
        keys = backend.keyring.of(merchant)
        found.update(merchant=merchant, keys=keys)
        if authorization.serial_no.upper() != keys.merchant_serial:
            return None
        return keys.merchant_public

    try:
        authorization = authenticate(
            request.headers.get("Authorization"),
            request.method,
            target,
            body,
            now=backend.wall.now(),
            key_for=key_for,
            max_skew=backend.settings.v3.max_skew,
        )
    except AuthorizationError as error:
        decoded = _signed_decoded(call, error, target, body, found.get("keys"))
        if decoded is None:
            raise refusal(call, error, target, body, found.get("keys")) from None
        authorization = decoded
    serial_asked = request.headers.get(SERIAL_HEADER, "")
    backend.keyring.asked(authorization.mchid, serial_asked)
    return V3Request(
        merchant=found["merchant"],
        keys=found["keys"],
        authorization=authorization,
        body=body,
        serial_asked=serial_asked,
    )


def _signed_decoded(
    call: Call, error: AuthorizationError, target: str, body: bytes, keys: V3Keys | None
) -> Authorization | None:
    """With ``v3.accept_decoded_url``, the header of a signature that covers the percent-decoded target instead
    (wechatpayv3 signs ``|``, requests sends ``%7C``); None otherwise, and by default."""
    decoded = unquote(target)
    if error.reason != SIGNATURE or keys is None or decoded == target:
        return None
    if not call.backend.settings.v3.accept_decoded_url:
        return None
    authorization = parse_authorization(call.request.headers.get("Authorization"))
    try:
        verify_signature(authorization, call.request.method, decoded, body, keys.merchant_public)
    except AuthorizationError:
        return None
    return authorization


def refusal(call: Call, error: AuthorizationError, target: str, body: bytes, keys: V3Keys | None) -> V3Fail:
    """WeChat's 401 for ``error``, with mockwx's explanation of what went wrong where it can tell."""
    request = call.request
    hint, detail, diagnosis = error.detail, None, None
    if error.reason == "signature" and keys is not None and error.signed_message is not None:
        sent = parse_authorization(request.headers.get("Authorization"))
        others: dict[str, rsa.RSAPublicKey] = {
            f"the platform certificate's key ({keys.platform_serial})": keys.platform_certificate.public_key(),  # type: ignore[dict-item]
            f"the WeChat Pay public key ({keys.public_key_id})": keys.public_key.public_key(),
        }
        for other in call.backend.keyring.loaded()[:MAX_OTHER_MERCHANTS]:
            if other.mch_id != keys.mch_id:
                others[f"the private key of merchant {other.mch_id}"] = other.merchant_public
        found = diagnose_request(
            request.method,
            target,
            sent.timestamp,
            sent.nonce_str,
            body,
            sent.signature,
            keys.merchant_public,
            other_keys=others,
            host=request.host,
        )
        diagnosis = v3_record(
            found.mistakes,
            what="request signature",
            expected=found.expected_message,
            received=sent.signature,
            signed_message=found.signed_message,
            key_label=found.key_label,
            variant=found.variant,
            cut_short=found.tried if found.cut_short else None,
        )
        hint = explain(found.mistakes, found.expected_message, error.detail, found.key_label)
        if "v3_url_decoded" in found.mistakes:
            hint += f" ({DECODED_URL_NOTE})"
        detail = sign_error_detail(request.method, target, error.signed_message)
    elif error.reason == "serial" and keys is not None:
        try:
            sent_serial = parse_authorization(request.headers.get("Authorization")).serial_no
        except AuthorizationError:
            sent_serial = ""
        mistake = diagnose_serial(
            sent_serial, keys.merchant_serial, platform_serials=(keys.platform_serial, keys.public_key_id)
        )
        diagnosis = v3_record([mistake], what="serial_no", expected=keys.merchant_serial, received=sent_serial)
        hint = f"{MISTAKES[mistake]}: send serial_no {keys.merchant_serial}. {error.detail}"
    elif error.reason == "timestamp":
        timestamp = parse_authorization(request.headers.get("Authorization")).timestamp  # it parsed before
        if MILLISECONDS_DIGITS <= len(timestamp) <= MAX_TIMESTAMP_DIGITS:
            diagnosis = v3_record(["v3_timestamp_milliseconds"], what="timestamp", received=timestamp)
    return V3Fail(
        401,
        SIGN_ERROR,
        error.message_for(request.path),
        detail=detail,
        hint=hint,
        problem=SIGN_ERROR,
        diagnosis=diagnosis,
    )


def explain(mistakes: tuple[str, ...], expected: str, detail: str, key_label: str | None = None) -> str:
    """One line: what failed, the likely mistake, and the message mockwx expected (newlines shown as \\n)."""
    shown = expected.replace("\n", "\\n")
    if len(shown) > 300:
        shown = shown[:300] + "..."
    named = "; ".join(MISTAKES[m] for m in mistakes) or "none of the common mistakes reproduces it"
    signer = f" (signed with {key_label})" if key_label and "v3_wrong_key" in mistakes else ""
    return f"{detail}. Likely cause: {named}{signer}. mockwx expected the signed message '{shown}'"
