"""The signature doctor: why a v2 sign (or a paySign) did not verify.

It recomputes the sign the way WeChat does, then the way the common mistakes do (the AppSecret
as key, the wrong environment's key, lower-case hex, the other algorithm, sign_type left out,
empty fields kept, ``sign`` itself kept, URL-encoded or trimmed values, unsorted keys, no
``&key=``, GBK bytes) and names the simplest combination that reproduces the sign received.
Only the wire layer is used; callers pass the keys worth trying.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from urllib.parse import quote, quote_plus

from .wire import HMAC_SHA256, MD5, SIGN_TYPES, canonical_string, mask_key


@dataclass(frozen=True, slots=True)
class KeyCandidate:
    """A key worth trying, and the mistake it stands for (empty for the right key)."""

    key: str
    label: str
    mistake: str = ""


@dataclass(slots=True)
class Diagnosis:
    """What the mock expected, what it got, and the likely cause."""

    sign_type: str
    key_label: str
    expected_string: str  # canonical string with the key masked
    expected_sign: str
    received_sign: str
    mistakes: list[str] = field(default_factory=list)
    explanation: str = ""
    fix: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    def summary(self) -> str:
        """One line for the log: the cause, then what was expected and what arrived."""
        return (
            f"{self.explanation} Expected {self.sign_type} {self.expected_sign} over"
            f" '{self.expected_string}', got {self.received_sign or 'no sign'}."
        )


_EXPLAIN: dict[str, str] = {
    "appsecret_as_key": "The sign was made with {label} instead of the merchant API key.",
    "production_key_on_sandbox": "The sign was made with the {label} on a sandbox path.",
    "sandbox_key_on_production": "The sign was made with the {label} on a production path.",
    "lowercase_hex": "The digest is right but written in lower-case hex.",
    "algorithm_mismatch": "The sign was made with {used} while sign_type says {declared} (no sign_type means MD5).",
    "sign_type_omitted": "sign_type was left out of the signed string.",
    "empty_fields_included": "Fields with empty values were kept in the signed string: {names}.",
    "sign_included": "The sign field itself was included in the signed string.",
    "url_encoded": "Values were URL-encoded before signing.",
    "trimmed": "Values were trimmed before signing but sent with surrounding whitespace: {names}.",
    "unsorted": "Fields were joined in the order they were sent instead of sorted by name.",
    "key_missing": "'&key=<API key>' was not appended to the signed string.",
    "key_without_name": "The key was appended as '&<key>' instead of '&key=<key>'.",
    "gbk_encoded": "The string was hashed as GBK bytes instead of UTF-8.",
    "lowercase_names": "paySign field names were not spelled appId, nonceStr, package, signType, timeStamp.",
    "package_without_prefix": "package was signed as the bare prepay_id instead of 'prepay_id=<id>'.",
    "wrong_appid": "paySign was computed with another appId than the mini program's that pays (the order's).",
}

_FIX: dict[str, str] = {
    "appsecret_as_key": "Sign Pay requests with the 32-character API key set in the merchant platform"
    " (账户中心 > API安全); the AppSecret is only for login and access_token.",
    "production_key_on_sandbox": "Call /sandboxnew/pay/getsignkey (signed with the production key) and sign every"
    " sandbox request with the sandbox_signkey it returns.",
    "sandbox_key_on_production": "Sign production requests with the merchant API key, not the sandbox_signkey.",
    "lowercase_hex": "Upper-case the hex digest.",
    "algorithm_mismatch": "Sign with the algorithm named by sign_type, or send the sign_type you signed with.",
    "sign_type_omitted": "Keep sign_type in the signed string whenever you send it.",
    "empty_fields_included": "Leave out fields whose value is empty, or do not send them.",
    "sign_included": "Remove sign before building the string.",
    "url_encoded": "Sign the raw values; the XML carries them unencoded.",
    "trimmed": "Sign exactly the values you send, and do not send surrounding whitespace.",
    "unsorted": "Sort the fields by name in ASCII order before joining them.",
    "key_missing": "Append '&key=<API key>' before hashing (for HMAC-SHA256 too).",
    "key_without_name": "Append '&key=' followed by the API key.",
    "gbk_encoded": "Encode the string as UTF-8 before hashing.",
    "lowercase_names": "Use exactly appId, nonceStr, package, signType and timeStamp.",
    "package_without_prefix": "Sign package as 'prepay_id=<id>', exactly as passed to wx.requestPayment.",
    "wrong_appid": "Sign with the appid of the mini program (the one unifiedorder used), not an official account's.",
}

# A variant rebuilds the signed string from the fields and the key.
_Variant = Callable[[Mapping[str, str], str], str]


def _sorted_string(params: Mapping[str, str], key: str, keep_empty: bool = False, keep_sign: bool = False) -> str:
    parts = [f"{k}={v}" for k, v in sorted(params.items()) if (keep_sign or k != "sign") and (keep_empty or v != "")]
    return "&".join([*parts, f"key={key}"])


def _changed(params: Mapping[str, str], fn: Callable[[str], str]) -> dict[str, str] | None:
    out = {k: fn(v) for k, v in params.items() if k != "sign"}
    return out if any(out[k] != params[k] for k in out) else None


def _string_variants(params: Mapping[str, str]) -> list[tuple[str, _Variant]]:
    has_empty = any(v == "" for k, v in params.items() if k != "sign")
    variants: list[tuple[str, _Variant]] = [("", lambda p, k: canonical_string(p, k))]
    if "sign_type" in params:
        variants.append(
            ("sign_type_omitted", lambda p, k: canonical_string({x: v for x, v in p.items() if x != "sign_type"}, k))
        )
    if has_empty:
        variants.append(("empty_fields_included", lambda p, k: _sorted_string(p, k, keep_empty=True)))
    if "sign" in params:
        variants.append(("sign_included", lambda p, k: _sorted_string(p, k, keep_sign=True)))
    for encode in (quote, quote_plus):
        encoded = _changed(params, lambda v, e=encode: e(v, safe=""))
        if encoded is not None:
            variants.append(("url_encoded", lambda p, k, e=encoded: canonical_string(e, k)))
    trimmed = _changed(params, str.strip)
    if trimmed is not None:
        variants.append(("trimmed", lambda p, k, t=trimmed: canonical_string(t, k)))
    sent = [(k, v) for k, v in params.items() if k != "sign" and v != ""]
    if [k for k, _ in sent] != sorted(k for k, _ in sent):
        variants.append(("unsorted", lambda p, k: "&".join([*(f"{x}={v}" for x, v in sent), f"key={k}"])))
    variants.append(("key_missing", lambda p, k: canonical_string(p)))
    variants.append(("key_without_name", lambda p, k: canonical_string(p) + "&" + k))
    return variants


def _digests(message: str, key: str, allow_gbk: bool) -> list[tuple[str, str, bytes]]:
    """(algorithm, encoding mistake, hex digest) for the message."""
    encodings = [("", message.encode("utf-8"))]
    if allow_gbk:
        try:
            encodings.append(("gbk_encoded", message.encode("gbk")))
        except UnicodeEncodeError:
            pass
    out = []
    for mistake, data in encodings:
        out.append((MD5, mistake, hashlib.md5(data).hexdigest().encode()))
        out.append((HMAC_SHA256, mistake, hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest().encode()))
    return out


def diagnose(
    params: Mapping[str, str],
    received: str,
    *,
    sign_type: str,
    keys: list[KeyCandidate],
    field_variants: list[tuple[str, Mapping[str, str]]] = (),  # type: ignore[assignment]
) -> Diagnosis:
    """Explain why ``received`` is not the sign of ``params``; ``keys[0]`` is the right key."""
    right = keys[0]
    declared = sign_type if sign_type in SIGN_TYPES else MD5
    expected = canonical_string(params, right.key)
    expected_sign = _hex(expected, right.key, declared)
    diagnosis = Diagnosis(
        sign_type=sign_type,
        key_label=right.label,
        expected_string=expected.replace(f"key={right.key}", f"key={mask_key(right.key)}"),
        expected_sign=expected_sign,
        received_sign=received,
    )
    diagnosis.notes.extend(_observations(params, received, declared))
    if not received:
        diagnosis.explanation = "The request carries no sign."
        diagnosis.fix = "Add a sign field computed as described in the WeChat Pay signing rules."
        return diagnosis

    wanted = received.encode()
    allow_gbk = any(not v.isascii() for v in params.values())
    best: tuple[list[str], KeyCandidate, str] | None = None  # mistakes, key, algorithm
    for field_mistake, fields in [("", params), *field_variants]:
        for string_mistake, build in _string_variants(fields):
            for candidate in keys:
                message = build(fields, candidate.key)
                for algorithm, enc_mistake, hexdigest in _digests(message, candidate.key, allow_gbk):
                    if hexdigest.upper() == wanted:
                        case = ""
                    elif hexdigest == wanted:
                        case = "lowercase_hex"
                    else:
                        continue
                    algo = "algorithm_mismatch" if algorithm != declared else ""
                    found = [
                        m for m in (candidate.mistake, field_mistake, string_mistake, enc_mistake, algo, case) if m
                    ]
                    if best is None or len(found) < len(best[0]):
                        best = (found, candidate, algorithm)
    if best is None:
        diagnosis.explanation = (
            "None of the common mistakes reproduces the sign received. Compare your signed string with"
            " expected_string, field by field."
        )
        diagnosis.fix = (
            "Check the key (the merchant's 32-character API key), sign every non-empty field you send except"
            " sign, sorted by name, as UTF-8, then append '&key=<API key>'."
        )
        return diagnosis
    mistakes, candidate, algorithm = best
    context = {
        "used": algorithm,
        "declared": declared,
        "label": candidate.label,
        "names": ", ".join(sorted(k for k, v in params.items() if k != "sign" and (v == "" or v != v.strip()))) or "-",
    }
    diagnosis.mistakes = mistakes
    diagnosis.explanation = " ".join(_EXPLAIN[m].format(**context) for m in mistakes)
    diagnosis.fix = " ".join(_FIX[m] for m in mistakes)
    return diagnosis


def _hex(message: str, key: str, sign_type: str) -> str:
    data = message.encode("utf-8")
    if sign_type == HMAC_SHA256:
        return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest().upper()
    return hashlib.md5(data).hexdigest().upper()


def _observations(params: Mapping[str, str], received: str, declared: str) -> list[str]:
    notes = []
    expected_len = 64 if declared == HMAC_SHA256 else 32
    if received and len(received) != expected_len:
        notes.append(f"the sign is {len(received)} characters; a {declared} sign is {expected_len}")
    spaced = sorted(k for k, v in params.items() if v and v != v.strip())
    if spaced:
        notes.append(f"these values have leading or trailing whitespace: {', '.join(spaced)}")
    return notes


def pay_sign_variants(fields: Mapping[str, str]) -> list[tuple[str, Mapping[str, str]]]:
    """Field-level mistakes specific to wx.requestPayment's paySign."""
    variants: list[tuple[str, Mapping[str, str]]] = [
        ("lowercase_names", {k.lower(): v for k, v in fields.items()}),
    ]
    package = fields.get("package", "")
    if package.startswith("prepay_id="):
        variants.append(("package_without_prefix", {**fields, "package": package[len("prepay_id=") :]}))
    return variants
