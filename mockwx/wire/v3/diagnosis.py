"""Which common mistake reproduces a v3 signature that did not verify (the doctor's search, protocol/v3.md 1.2, 5).

One RSA public operation per known key recovers what the sender actually signed: the SHA-256 (or
SHA-1) digest inside the PKCS#1 v1.5 padding. The key whose padding checks out is the key that
signed; every candidate message is then only a hash to compare, so a diagnosis costs at most
``1 + MAX_OTHER_KEYS`` RSA operations however many variants it tries. The hashing and the
re-serialising are charged to the work budget of the v2 doctor (wire/meter.py, issue 8 B3): a huge
badly signed body costs a few candidates, and the diagnosis says when variants were left untried.

Mistake codes (stable; the doctor owns their en/zh texts):

* ``v3_body_reserialized``: the body was signed as another JSON serialisation of the same object
  (json.dumps defaults, compact, sorted keys, ASCII-escaped or not, indented) than the bytes sent.
* ``v3_body_trailing_newline``: the signed body and the sent body differ by a trailing newline
  (Go's json.Encoder adds one).
* ``v3_body_omitted``: an empty body line was signed although a body was sent.
* ``v3_query_omitted``: the URL was signed without its ``?query``.
* ``v3_url_decoded``: the URL was signed percent-decoded while it was sent encoded (``|`` as ``%7C``).
* ``v3_url_encoded``: the URL was signed percent-encoded while it was sent as is.
* ``v3_url_with_host``: the URL was signed with scheme and host instead of path and query only.
* ``v3_missing_trailing_newline``: the last line was signed without its ``\\n``.
* ``v3_timestamp_milliseconds``: the signed timestamp was in milliseconds.
* ``v3_method_lowercase``: the HTTP method was signed in lower case.
* ``v3_sha1``: SHA1withRSA instead of SHA256withRSA.
* ``v3_wrong_key``: signed with another known key (``key_label`` says which) than the certificate
  named by serial_no.
* ``v3_message_mismatch``: the right key signed, but a message none of the variants reproduce.
* ``v3_unknown_key``: no known key made this signature.
* ``v3_signature_hex``: the signature was sent as hex instead of base64.
* ``v3_signature_base64url``: the signature was sent in URL-safe base64.
* ``v3_signature_not_base64``: the signature is neither base64 nor hex.
* ``v3_paysign_v2_style``: the paySign is a v2 MD5/HMAC-SHA256 hex digest, not an RSA signature.
* ``v3_paysign_package_bare``: the bare prepay id was signed where ``prepay_id=...`` belongs.
* ``v3_paysign_package_prefixed``: ``prepay_id=...`` was signed where the APP sign takes the bare id.
* ``v3_paysign_wrong_appid``: the paySign was made with another known appid.
* ``v3_paysign_field_order``: the four paySign lines were signed in another order.
* ``v3_paysign_v2_string``: the v2 ``k=v&...`` string was RSA-signed instead of the four lines.
* ``v3_paysign_missing_newline``, ``v3_paysign_timestamp_milliseconds``, ``v3_paysign_message_mismatch``,
  ``v3_paysign_wrong_key``, ``v3_paysign_unknown_key``: what the request codes say of the last line, the
  timestamp and the key, said of a paySign (its four lines, its one merchant key, no serial_no).

Codes of :func:`pay_sign_rules`, what wx.requestPayment refuses whatever the paySign:

* ``v3_paysign_sign_type``: signType is not ``RSA`` (missing, MD5, HMAC-SHA256, ``rsa``) for a v3 order.
* ``v3_paysign_timestamp_milliseconds``: timeStamp is in milliseconds (13 digits).

Codes of :func:`diagnose_serial`, for an Authorization ``serial_no`` that names no merchant certificate:

* ``v3_serial_format``: the right serial in another notation (lower case, colons, ``0x``, zeros dropped).
* ``v3_serial_decimal``: the right serial number written in decimal (Go's ``SerialNumber.String()``).
* ``v3_serial_platform``: the platform certificate's serial or the WeChat Pay public key id was sent.
* ``v3_unknown_serial``: none of these: a serial of no certificate of this merchant.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import itertools
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass
from urllib.parse import quote, unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from ..jsonsafe import load_json
from ..meter import Budget, Meter
from .paysign import PACKAGE_PREFIX, SIGN_TYPE, pay_sign_message
from .signature import message, request_message

MISTAKES: Mapping[str, str] = {
    "v3_body_reserialized": "the body was signed as another JSON serialisation than the bytes sent",
    "v3_body_trailing_newline": "the signed and the sent body differ by a trailing newline",
    "v3_body_omitted": "an empty body was signed although a body was sent",
    "v3_query_omitted": "the URL was signed without its query string",
    "v3_url_decoded": "the URL was signed percent-decoded but sent percent-encoded",
    "v3_url_encoded": "the URL was signed percent-encoded but sent as is",
    "v3_url_with_host": "the URL was signed with scheme and host, not just path and query",
    "v3_missing_trailing_newline": "the last line was signed without its trailing newline",
    "v3_timestamp_milliseconds": "the signed timestamp was in milliseconds, not seconds",
    "v3_method_lowercase": "the HTTP method was signed in lower case",
    "v3_sha1": "signed with SHA1withRSA instead of SHA256withRSA",
    "v3_wrong_key": "signed with another known private key than the certificate named by serial_no",
    "v3_message_mismatch": "the right key signed a message that none of the common mistakes reproduce",
    "v3_unknown_key": "no known key made this signature",
    "v3_signature_hex": "the signature was sent as hex instead of base64",
    "v3_signature_base64url": "the signature was sent in URL-safe base64 instead of standard base64",
    "v3_signature_not_base64": "the signature is neither base64 nor hex",
    "v3_paysign_v2_style": "the paySign is a v2 MD5/HMAC-SHA256 hex digest, not an RSA signature",
    "v3_paysign_package_bare": "the bare prepay_id was signed instead of prepay_id=<id>",
    "v3_paysign_package_prefixed": "prepay_id=<id> was signed where the APP sign takes the bare prepay id",
    "v3_paysign_wrong_appid": "the paySign was made with another known appid",
    "v3_paysign_field_order": "the four paySign lines were signed in another order",
    "v3_paysign_v2_string": "the v2 k=v&... string was RSA-signed instead of the four lines",
    "v3_paysign_missing_newline": "the paySign's last line was signed without its trailing newline",
    "v3_paysign_timestamp_milliseconds": "the paySign timeStamp is in milliseconds, not seconds",
    "v3_paysign_message_mismatch": "the merchant key signed a paySign message no common mistake reproduces",
    "v3_paysign_wrong_key": "the paySign was signed with another known key than the merchant's",
    "v3_paysign_unknown_key": "no known key made this paySign (not the merchant's private key)",
    "v3_paysign_sign_type": "signType is not RSA, which a v3 order's wx.requestPayment takes",
    "v3_serial_format": "serial_no is the right serial in another notation (case, colons, 0x, leading zeros)",
    "v3_serial_decimal": "serial_no is the certificate's serial number in decimal instead of hex",
    "v3_serial_platform": "serial_no names the platform certificate or public key, not the merchant's certificate",
    "v3_unknown_serial": "serial_no names no certificate of this merchant",
}
"""Every code :func:`diagnose_request`, :func:`diagnose_pay_sign`, :func:`pay_sign_rules` and
:func:`diagnose_serial` return."""

_REQUEST_CODES = {"end": "v3_missing_trailing_newline", "mismatch": "v3_message_mismatch"}
_REQUEST_CODES |= {"ms": "v3_timestamp_milliseconds"}
_REQUEST_CODES |= {"wrong_key": "v3_wrong_key", "unknown_key": "v3_unknown_key"}
_PAY_SIGN_CODES = {"end": "v3_paysign_missing_newline", "mismatch": "v3_paysign_message_mismatch"}
_PAY_SIGN_CODES |= {"ms": "v3_paysign_timestamp_milliseconds"}
_PAY_SIGN_CODES |= {"wrong_key": "v3_paysign_wrong_key", "unknown_key": "v3_paysign_unknown_key"}
"""What a request signature and a paySign call the same finding (their texts differ: five lines or four)."""

MAX_OTHER_KEYS = 8
"""Other known keys tried beyond the expected one: the RSA budget of a diagnosis is 1 + this."""
MAX_MISTAKES = 2
"""Message variants combine at most this many mistakes (hash comparisons only; cheap)."""
MAX_REWRITTEN_BODY = 64 * 1024
"""Bodies larger than this are not re-serialised."""
MILLISECONDS_DIGITS = 13
"""Unix seconds have 10 digits until 2286; a time in milliseconds has 13."""
MAX_SERIAL_CHARS = 128
"""A serial_no longer than this is in no notation of a certificate serial (160 bits: 49 decimal digits)."""
DEFAULT_HOSTS = ("api.mch.weixin.qq.com", "api2.mch.weixin.qq.com")

_DIGEST_INFO = {
    "sha256": bytes.fromhex("3031300d060960864801650304020105000420"),
    "sha1": bytes.fromhex("3021300906052b0e03021a05000414"),
}
_HEX = re.compile(r"[0-9A-Fa-f]+")


@dataclass(frozen=True, slots=True)
class SignatureDiagnosis:
    """What the mock expected, and which mistakes reproduce the signature that arrived."""

    expected_message: str
    """The message the signature should cover (UTF-8, as text)."""
    mistakes: tuple[str, ...]
    """Codes from :data:`MISTAKES`; empty when the signature is right for the expected message."""
    signed_message: str | None = None
    """What the sender signed, when a variant reproduces it."""
    key_label: str | None = None
    """The label of the key that made the signature; None when no known key did."""
    variant: str = ""
    """A short English description of the variant that matched, e.g. ``json.dumps(sort_keys=True)``."""
    cut_short: bool = False
    """The work budget ran out before every variant was tried (no variant matched those tried)."""
    tried: int = 0
    """Candidate messages hashed."""

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True, slots=True)
class _Variant:
    codes: tuple[str, ...]
    note: str
    value: str | bytes


def _text(data: bytes) -> str:
    return data.decode("utf-8", "replace")


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode("utf-8")


def _decode_signature(signature: str, size: int) -> tuple[bytes | None, tuple[str, ...]]:
    """The raw signature of ``size`` bytes and the encoding mistake it shows, if any."""
    decodings: list[tuple[bytes, tuple[str, ...]]] = []
    try:
        decodings.append((base64.b64decode(signature.encode("ascii"), validate=True), ()))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    if _HEX.fullmatch(signature) and len(signature) % 2 == 0:  # hex digits are base64 letters too
        decodings.append((bytes.fromhex(signature), ("v3_signature_hex",)))
    try:
        padded = signature + "=" * (-len(signature) % 4)
        decodings.append(
            (base64.b64decode(padded.encode("ascii"), altchars=b"-_", validate=True), ("v3_signature_base64url",))
        )
    except (binascii.Error, ValueError, UnicodeEncodeError):
        pass
    for raw, codes in decodings:
        if len(raw) == size:
            return raw, codes
    if decodings and not decodings[0][1]:
        return decodings[0]  # plain base64 of the wrong length: no known key made it
    return None, ("v3_signature_not_base64",)


def _recover(raw: bytes, keys: Iterable[tuple[str | None, rsa.RSAPublicKey]]) -> tuple[str | None, str, bytes] | None:
    """(label, hash name, digest) of the first key whose PKCS#1 v1.5 padding checks out on ``raw``."""
    for label, key in keys:
        try:
            recovered = key.recover_data_from_signature(raw, padding.PKCS1v15(), None)
        except (InvalidSignature, ValueError):
            continue
        for name, prefix in _DIGEST_INFO.items():
            if recovered.startswith(prefix):
                return label, name, recovered[len(prefix) :]
        return label, "", recovered
    return None


def _search(
    signature: str,
    expected: bytes,
    public_key: rsa.RSAPublicKey,
    other_keys: Mapping[str, rsa.RSAPublicKey] | None,
    candidates: Iterable[tuple[tuple[str, ...], str, bytes]],
    meter: Meter,
    names: Mapping[str, str] = _REQUEST_CODES,
) -> SignatureDiagnosis:
    """The first candidate message (codes, note, bytes) whose digest the signature holds, hashing each only
    while the meter affords its bytes; ``names`` says what the key and mismatch findings are called (a
    request signature's or a paySign's)."""
    raw, encoding_codes = _decode_signature(signature, (public_key.key_size + 7) // 8)
    expected_text = _text(expected)
    if raw is None:
        return SignatureDiagnosis(expected_text, encoding_codes)
    keys: list[tuple[str | None, rsa.RSAPublicKey]] = [(None, public_key)]
    keys += list((other_keys or {}).items())[:MAX_OTHER_KEYS]
    found = _recover(raw, keys)
    if found is None:
        return SignatureDiagnosis(expected_text, (*encoding_codes, names["unknown_key"]))
    label, hash_name, digest = found
    key_codes = (*encoding_codes, *((names["wrong_key"],) if label is not None else ()))
    hash_codes = ("v3_sha1",) if hash_name == "sha1" else ()
    tried = 0
    if hash_name:
        hasher = getattr(hashlib, hash_name)
        for codes, note, data in candidates:
            if not meter.spend(len(data)):
                break
            tried += 1
            if hasher(data).digest() == digest:
                codes = (*key_codes, *hash_codes, *codes)
                return SignatureDiagnosis(expected_text, codes, _text(data), label, note, tried=tried)
    codes = (*key_codes, *hash_codes, names["mismatch"])
    return SignatureDiagnosis(expected_text, codes, None, label, cut_short=meter.short, tried=tried)


def _combine(dimensions: list[list[_Variant]]) -> Iterator[list[_Variant]]:
    """Every choice of one variant per dimension, fewest mistakes first, at most MAX_MISTAKES mistakes."""
    combos = [c for c in itertools.product(*dimensions) if sum(len(v.codes) for v in c) <= MAX_MISTAKES]
    combos.sort(key=lambda c: sum(len(v.codes) for v in c))
    for combo in combos:
        yield list(combo)


def _json_forms(body: bytes) -> list[_Variant]:
    """The same JSON object written the ways common serialisers write it, when they differ from the body."""
    if not body or len(body) > MAX_REWRITTEN_BODY:
        return []
    try:
        value = load_json(body)
    except ValueError:  # no JSON, or none worth re-serialising (NaN, 5000 digits, nested 10000 deep...)
        return []
    forms: list[_Variant] = []
    for ascii_, sort, (sep_name, separators) in itertools.product(
        (True, False), (False, True), (("default", (", ", ": ")), ("compact", (",", ":")))
    ):
        text = json.dumps(value, ensure_ascii=ascii_, sort_keys=sort, separators=separators)
        note = f"json.dumps({sep_name} separators, ensure_ascii={ascii_}, sort_keys={sort})"
        forms.append(_Variant(("v3_body_reserialized",), note, text.encode("utf-8")))
    for indent, ascii_ in itertools.product((2, 4), (False, True)):
        text = json.dumps(value, ensure_ascii=ascii_, indent=indent)
        forms.append(
            _Variant(
                ("v3_body_reserialized",), f"json indented by {indent}, ensure_ascii={ascii_}", text.encode("utf-8")
            )
        )
    newline = ("v3_body_trailing_newline",)
    with_newline = [
        _Variant(f.codes + newline, f.note + " + a trailing newline", _bytes(f.value) + b"\n") for f in forms
    ]
    return [*forms, *with_newline]


def _unique(variants: Iterable[_Variant]) -> list[_Variant]:
    seen: set[str | bytes] = set()
    out = []
    for variant in variants:
        if variant.value not in seen:
            seen.add(variant.value)
            out.append(variant)
    return out


def _body_variants(body: bytes) -> list[_Variant]:
    variants = [_Variant((), "the body as sent", body)]
    if body:
        variants.append(_Variant(("v3_body_omitted",), "an empty body", b""))
        trimmed = body[:-1] if body.endswith(b"\n") else body + b"\n"
        variants.append(_Variant(("v3_body_trailing_newline",), "the body with its trailing newline toggled", trimmed))
    return _unique(variants)


# Re-serialising a body every way (_json_forms: 12 dumps, 4 of them indented by the pure-Python
# encoder) costs about 1 us a byte on the shared machine, a byte hashed about 1.7 ns: 600 units a byte.
RESERIALIZE_COST = 600


def _reserialized(body: bytes, plain: list[_Variant], meter: Meter) -> list[_Variant]:
    """The body's JSON re-serialisations not among ``plain``, if the meter affords making them."""
    if not body or len(body) > MAX_REWRITTEN_BODY or not meter.spend(RESERIALIZE_COST * len(body)):
        return []
    seen = {v.value for v in plain}
    return [v for v in _unique(_json_forms(body)) if v.value not in seen]


def _target_variants(target: str, hosts: Iterable[str]) -> list[_Variant]:
    variants = [_Variant((), "the URL as sent", target)]
    path, question, _query = target.partition("?")
    if question:
        variants.append(_Variant(("v3_query_omitted",), "the path without its query", path))
    decoded = unquote(target)
    variants.append(_Variant(("v3_url_decoded",), "the URL percent-decoded", decoded))
    for safe in ("/?&=", "/?&=*-_.!~'()"):
        variants.append(_Variant(("v3_url_encoded",), f"the URL percent-encoded (safe {safe!r})", quote(decoded, safe)))
    for host in hosts:
        for scheme in ("https", "http"):
            variants.append(
                _Variant(("v3_url_with_host",), f"the URL with {scheme}://{host}", f"{scheme}://{host}{target}")
            )
    return _unique(v for v in variants if v.codes == () or v.value != target)


def _terminators(code: str) -> list[_Variant]:
    return [_Variant((), "", b"\n"), _Variant((code,), "no final newline", b"")]


def _milliseconds(
    timestamp: str, before: bytes, after: bytes, name: str, code: str
) -> Iterator[tuple[tuple[str, ...], str, bytes]]:
    """The message signed with a millisecond timestamp a sender could have taken in the same second,
    then in the neighbouring ones: ``before`` + the timestamp + ``after`` (3,000 candidates)."""
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > 11:
        return
    seconds = int(timestamp)
    for second in (seconds, seconds - 1, seconds + 1):
        for ms in range(second * 1000, (second + 1) * 1000):
            yield (code,), f"{name} {ms}", before + str(ms).encode() + after


def diagnose_request(
    method: str,
    target: str,
    timestamp: str,
    nonce: str,
    body: bytes,
    signature: str,
    public_key: rsa.RSAPublicKey,
    *,
    other_keys: Mapping[str, rsa.RSAPublicKey] | None = None,
    host: str | None = None,
    budget: Budget | None = None,
) -> SignatureDiagnosis:
    """Why ``signature`` does not cover the request's five lines under ``public_key``.

    ``target`` and ``body`` are what arrived on the wire; ``other_keys`` maps a label (for the doctor's
    text) to another public key the sender might have used; ``host`` is the Host header, tried
    beside WeChat's hosts for ``v3_url_with_host``. The search stops when ``budget`` is spent.
    """
    meter = Meter(budget or Budget())
    expected = request_message(method, target, timestamp, nonce, body)
    methods = [_Variant((), "", method)]
    if method.lower() != method:
        methods.append(_Variant(("v3_method_lowercase",), "lower-case method", method.lower()))
    hosts = [*DEFAULT_HOSTS, *([host] if host and host not in DEFAULT_HOSTS else [])]
    # the terminator first: of two equally simple explanations, name the one about the method, URL or body
    head = [_terminators(_REQUEST_CODES["end"]), methods, _target_variants(target, hosts)]
    bodies = _body_variants(body)

    def lines(end: _Variant, m: _Variant, t: _Variant, b: _Variant) -> tuple[tuple[str, ...], str, bytes]:
        data = message(m.value, t.value, timestamp, nonce, b.value)[:-1] + _bytes(end.value)
        return (*m.codes, *t.codes, *b.codes, *end.codes), "; ".join(v.note for v in (m, t, b, end) if v.codes), data

    def candidates() -> Iterator[tuple[tuple[str, ...], str, bytes]]:
        yield from (lines(*combo) for combo in _combine([*head, bodies]))
        # re-serialising costs far more than hashing: only once the cheap variants are tried
        yield from (lines(*combo) for combo in _combine([*head, _reserialized(body, bodies, meter)]))
        yield from _milliseconds(
            timestamp, message(method, target), b"\n" + message(nonce, body), "timestamp", _REQUEST_CODES["ms"]
        )

    return _search(signature, expected, public_key, other_keys, candidates(), meter)


_V2_STYLE = re.compile(r"[0-9A-Fa-f]{32}|[0-9A-Fa-f]{64}")


def diagnose_pay_sign(
    app_id: str,
    time_stamp: str,
    nonce_str: str,
    package: str,
    pay_sign: str,
    public_key: rsa.RSAPublicKey,
    *,
    other_keys: Mapping[str, rsa.RSAPublicKey] | None = None,
    other_app_ids: Iterable[str] = (),
    app: bool = False,
    budget: Budget | None = None,
) -> SignatureDiagnosis:
    """Why ``pay_sign`` does not cover ``appId\\ntimeStamp\\nnonceStr\\npackage\\n`` under ``public_key``.

    ``app`` is True for the APP sign, whose line 4 is the bare prepay id. The search stops when
    ``budget`` is spent.
    """
    expected = pay_sign_message(app_id, time_stamp, nonce_str, package)
    if _V2_STYLE.fullmatch(pay_sign):
        return SignatureDiagnosis(_text(expected), ("v3_paysign_v2_style",))
    packages = [_Variant((), "", package)]
    if package.startswith(PACKAGE_PREFIX):
        packages.append(_Variant(("v3_paysign_package_bare",), "the bare prepay id", package[len(PACKAGE_PREFIX) :]))
    elif app:
        packages.append(_Variant(("v3_paysign_package_prefixed",), "prepay_id=<id>", PACKAGE_PREFIX + package))
    app_ids = [_Variant((), "", app_id)] + [
        _Variant(("v3_paysign_wrong_appid",), f"appId {other}", other) for other in other_app_ids if other != app_id
    ]
    dimensions = [_terminators(_PAY_SIGN_CODES["end"]), app_ids, packages]

    def candidates() -> Iterator[tuple[tuple[str, ...], str, bytes]]:
        for end, a, p in _combine(dimensions):
            lines = message(a.value, time_stamp, nonce_str, p.value)[:-1] + _bytes(end.value)
            yield (*a.codes, *p.codes, *end.codes), "; ".join(v.note for v in (a, p, end) if v.codes), lines
        fields = {"appId": app_id, "timeStamp": time_stamp, "nonceStr": nonce_str, "package": package}
        for order in itertools.permutations(fields):
            if list(order) != list(fields):
                yield ("v3_paysign_field_order",), " / ".join(order), message(*(fields[k] for k in order))
        v2 = "&".join(f"{k}={v}" for k, v in sorted({**fields, "signType": "RSA"}.items()))
        yield ("v3_paysign_v2_string",), v2, v2.encode("utf-8")
        yield from _milliseconds(
            time_stamp, message(app_id), b"\n" + message(nonce_str, package), "timeStamp", _PAY_SIGN_CODES["ms"]
        )

    return _search(pay_sign, expected, public_key, other_keys, candidates(), Meter(budget or Budget()), _PAY_SIGN_CODES)


def pay_sign_rules(time_stamp: str, sign_type: str | None) -> tuple[str, ...]:
    """What wx.requestPayment refuses for a v3 order whatever its paySign (v3.md 5): a signType other than
    ``RSA`` (``None``: not sent, and the client's default is MD5), a timeStamp in milliseconds."""
    found: list[str] = []
    if sign_type != SIGN_TYPE:
        found.append("v3_paysign_sign_type")
    if time_stamp.isascii() and time_stamp.isdigit() and len(time_stamp) >= MILLISECONDS_DIGITS:
        found.append("v3_paysign_timestamp_milliseconds")
    return tuple(found)


def diagnose_serial(serial_no: str, merchant_serial: str, *, platform_serials: Iterable[str] = ()) -> str:
    """The mistake behind a ``serial_no`` that is not ``merchant_serial``: a common one, else v3_unknown_serial."""
    if len(serial_no) > MAX_SERIAL_CHARS:  # no notation of a 160-bit serial is this long
        return "v3_unknown_serial"
    expected = int(merchant_serial, 16)
    if serial_no.isascii() and serial_no.isdigit() and int(serial_no) == expected:
        return "v3_serial_decimal"
    compact = serial_no.replace(":", "").removeprefix("0x").removeprefix("0X")
    if _HEX.fullmatch(compact) and int(compact, 16) == expected:
        return "v3_serial_format"
    if serial_no in set(platform_serials):
        return "v3_serial_platform"
    return "v3_unknown_serial"
