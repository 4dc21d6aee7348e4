"""The signature playground's API v3 modes (protocol/v3.md 1.2 and 5): a request's five lines (method,
path?query, timestamp, nonce_str, body) or a paySign's four, each ``\\n`` shown, signed SHA256-RSA and
base64-encoded with the merchant's private key, or verified with its certificate or public key; the
Authorization header's signature and serial_no checked; for a signature that does not verify, the v3
doctor's named mistake (mockwx.wire.v3's search, as ``sign --v3`` runs it). Never the mock's state:
what the mock knows of a merchant arrives as a :class:`Known`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from ..doctor import v3_record
from ..wire.v3 import (
    SCHEME,
    Authorization,
    AuthorizationError,
    diagnose_pay_sign,
    diagnose_request,
    diagnose_serial,
    load_private_key,
    load_public_key,
    message_lines,
    parse_authorization,
    pay_sign_message,
    request_message,
    rsa_sign,
    rsa_verify,
    serial_no,
    signed_target,
)
from .playground import MAX_TEXT, FieldRow, PlaygroundError, parse_text

V3_MODES = ("v3", "v3paysign")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
PAY_SIGN_LINES = ("appId", "timeStamp", "nonceStr", "package")  # the v3 paySign's lines, in order


@dataclass(frozen=True, slots=True)
class Known:
    """What the mock knows of the merchant the input names: its serial_no, the serials people send
    instead (platform certificate, public key ID), and keys people sign with by mistake (label -> key)."""

    mch_id: str
    serial: str
    wrong_serials: tuple[str, ...] = ()
    other_keys: Mapping[str, rsa.RSAPublicKey] = field(default_factory=dict)


@dataclass(slots=True)
class V3Bench:
    """Every step of one v3 signature, for the page to show."""

    mode: str
    lines: list[str]  # the signed message's lines, each with its \n (a last line may lack it)
    key_kind: str  # private, certificate, public
    signature: str  # made with the private key; empty with a certificate or public key
    received: str = ""  # the Authorization header's signature, or the pasted paySign
    authorization: Authorization | None = None
    fields: list[FieldRow] = field(default_factory=list)  # v3paysign: what was pasted
    missing: list[str] = field(default_factory=list)
    serial_sent: str = ""
    serial_expected: str = ""  # the certificate's, or the merchant's the mock knows
    serial_mistake: str = ""
    diagnosis: dict[str, Any] | None = None
    signed_instead: list[str] = field(default_factory=list)
    header: str = ""  # an Authorization header made with ``signature`` (no header pasted)
    verifies: bool | None = None  # None: no signature to check

    @property
    def serial_ok(self) -> bool | None:
        if not (self.serial_sent and self.serial_expected):
            return None
        return self.serial_sent.upper() == self.serial_expected.upper()


def work_v3(
    *,
    mode: str,
    pem: str,
    text: str = "",
    method: str = "POST",
    url: str = "",
    authorization: str = "",
    known: Known | None = None,
    timestamp: str = "",
    nonce: str = "",
) -> V3Bench:
    """Sign or verify one v3 request (``text`` is its body) or paySign (``text`` holds the pasted
    wx.requestPayment parameters). ``timestamp`` and ``nonce`` sign a request that has no header yet."""
    if mode not in V3_MODES:
        raise PlaygroundError(f"mode must be one of {', '.join(V3_MODES)}")
    if len(text) > MAX_TEXT or len(pem) > MAX_TEXT or len(authorization) > MAX_TEXT:
        raise PlaygroundError(f"the playground takes at most {MAX_TEXT} characters per box")
    private, public, kind, certificate_serial = _key(pem)
    if mode == "v3paysign":
        bench, message, values = _pay_sign_bench(text, private, kind)
    else:
        bench, message, values = _request_bench(text, method, url, authorization, private, kind, timestamp, nonce)
    bench.serial_expected = certificate_serial or (known.serial if known else "")
    if bench.serial_ok is False:
        wrong = known.wrong_serials if known else ()
        bench.serial_mistake = diagnose_serial(bench.serial_sent, bench.serial_expected, platform_serials=wrong) or ""
    if not bench.received:
        return bench
    bench.verifies = rsa_verify(message, bench.received, public)
    if not bench.verifies:
        others = {label: key for label, key in (known.other_keys if known else {}).items() if key != public}
        if mode == "v3paysign":
            found = diagnose_pay_sign(*values, bench.received, public, other_keys=others)
        else:
            found = diagnose_request(*values, bench.received, public, other_keys=others)
        what = "paySign" if mode == "v3paysign" else "request signature"
        bench.diagnosis = v3_record(
            found.mistakes,
            what=what,
            expected=found.expected_message,
            signed_message=found.signed_message,
            key_label=found.key_label,
        )
        if found.signed_message is not None:
            bench.signed_instead = message_lines(found.signed_message.encode("utf-8"))
    return bench


def _request_bench(
    body: str,
    method: str,
    url: str,
    header: str,
    private: rsa.RSAPrivateKey | None,
    kind: str,
    timestamp: str,
    nonce: str,
) -> tuple[V3Bench, bytes, tuple[Any, ...]]:
    method = method.strip()
    if method.upper() not in METHODS:
        raise PlaygroundError(f"the method is one of {', '.join(METHODS)} (got {method[:20]!r})")
    target = request_target(url)
    sent: Authorization | None = None
    if header.strip():
        try:
            sent = parse_authorization(header.strip().removeprefix("Authorization:").strip())
        except AuthorizationError as exc:
            raise PlaygroundError(f"this Authorization header does not parse: {exc.detail}") from None
        timestamp, nonce = sent.timestamp, sent.nonce_str
    elif private is None:
        raise PlaygroundError(
            f"a certificate or public key only verifies: paste the request's Authorization header ({SCHEME} ...)"
        )
    data = body.encode("utf-8")
    message = request_message(method, target, timestamp, nonce, data)
    signature = rsa_sign(message, private) if private is not None else ""
    bench = V3Bench(
        mode="v3",
        lines=message_lines(message),
        key_kind=kind,
        signature=signature,
        received=sent.signature if sent else "",
        authorization=sent,
        serial_sent=sent.serial_no if sent else "",
    )
    if sent is None:
        bench.header = Authorization("<mchid>", nonce, signature, timestamp, "<serial_no>").header()
    return bench, message, (method, target, timestamp, nonce, data)


def _pay_sign_bench(text: str, private: rsa.RSAPrivateKey | None, kind: str) -> tuple[V3Bench, bytes, tuple[Any, ...]]:
    pasted = parse_text(text)
    values = tuple(pasted.get(name, "") for name in PAY_SIGN_LINES)
    message = pay_sign_message(*values)
    received = pasted.get("paySign", "").strip()
    if private is None and not received:
        raise PlaygroundError("a certificate or public key only verifies: paste the paySign too (paySign=...)")
    rows = [FieldRow(name, value, "" if name in PAY_SIGN_LINES else "not_v3_paysign") for name, value in pasted.items()]
    bench = V3Bench(
        mode="v3paysign",
        lines=message_lines(message),
        key_kind=kind,
        signature=rsa_sign(message, private) if private is not None else "",
        received=received,
        fields=[r if r.name != "paySign" else FieldRow(r.name, r.value, "sign") for r in rows],
        missing=[name for name in PAY_SIGN_LINES if not pasted.get(name)],
    )
    return bench, message, values


def _key(pem: str) -> tuple[rsa.RSAPrivateKey | None, rsa.RSAPublicKey, str, str]:
    """(private key or None, public key, kind, certificate serial) from a pasted PEM."""
    text = pem.strip()
    if not text:
        raise PlaygroundError(
            "paste the merchant's private key (apiclient_key.pem) to sign, or its certificate"
            " (apiclient_cert.pem) or public key to verify"
        )
    try:
        if "PRIVATE KEY-----" in text:
            private = load_private_key(text)
            return private, private.public_key(), "private", ""
        public = load_public_key(text)
        if "CERTIFICATE-----" in text:
            certificate = x509.load_pem_x509_certificate(text.encode("ascii", "replace"))  # a label may precede it
            return None, public, "certificate", serial_no(certificate)
        return None, public, "public", ""
    except ValueError as exc:
        raise PlaygroundError(str(exc)) from None


def request_target(url: str) -> str:
    """path?query as signed (wire.v3.signed_target), or the playground's refusal."""
    target = signed_target(url)
    if not target:
        raise PlaygroundError(
            f"the URL is /path?query as sent, e.g. /v3/pay/transactions/jsapi (got {url.strip()[:60]!r})"
        )
    return target
