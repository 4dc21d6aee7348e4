"""The signature playground's work: a pasted request (XML, JSON or key=value pairs) and a key, signed
step by step as WeChat does (protocol/v2.md 2.1; paySign: 4), compared with a pasted sign, and
for a sign that does not match, the doctor's named mistakes and the expected and received
canonical strings as a character diff. Computed from mockwx.wire, never from the mock's state.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from ..doctor import KeyCandidate, diagnose, diagnose_pay_sign
from ..wire import HMAC_SHA256, MD5, SIGN_TYPES, XmlError, canonical_string, mask_key, parse_xml

MODES = ("v2", "paysign")
PAY_SIGN_FIELDS = ("appId", "nonceStr", "package", "signType", "timeStamp")
MAX_TEXT = 64 * 1024


class PlaygroundError(ValueError):
    """Input the playground cannot work with; the message says what to paste instead."""


@dataclass(frozen=True, slots=True)
class FieldRow:
    name: str
    value: str
    dropped: str = ""  # why it is not signed: empty, sign, not_paysign


@dataclass(frozen=True, slots=True)
class DiffPart:
    op: str  # equal, delete (expected only), insert (received only)
    text: str


@dataclass(slots=True)
class Workbench:
    """Every step of one signature, for the page to show."""

    mode: str
    fields: list[FieldRow]
    signed: list[tuple[str, str]]  # kept and sorted
    joined: str  # k=v&... without the key
    key: str
    masked_key: str
    sign_type: str
    digest: str  # lower-case hex
    sign: str  # upper-cased: what WeChat expects
    received: str = ""  # the sign to compare with
    missing: list[str] = field(default_factory=list)  # paySign fields absent
    diagnosis: dict[str, object] | None = None
    diff: list[DiffPart] = field(default_factory=list)
    received_string: str = ""

    @property
    def matches(self) -> bool | None:
        return None if not self.received else self.received == self.sign


def parse_text(text: str) -> dict[str, str]:
    """Fields from WeChat XML, a JSON object, or key=value pairs (one a line, or joined with &)."""
    if len(text) > MAX_TEXT:
        raise PlaygroundError(f"the text is {len(text)} characters; the playground takes at most {MAX_TEXT}")
    stripped = text.strip()
    if not stripped:
        raise PlaygroundError("paste a request: WeChat XML, a JSON object, or key=value pairs")
    if stripped.startswith("<"):
        try:
            return parse_xml(stripped.encode("utf-8"))
        except XmlError as exc:
            raise PlaygroundError(f"this XML does not parse: {exc.detail}") from None
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except ValueError as exc:
            raise PlaygroundError(f"this JSON does not parse: {exc}") from None
        if not isinstance(data, dict):
            raise PlaygroundError("paste a JSON object")
        return {str(k): "" if v is None else str(v) for k, v in data.items()}
    fields: dict[str, str] = {}
    for line in stripped.splitlines():
        for item in line.split("&") if "=" in line and "&" in line else [line]:
            if not item.strip():
                continue
            name, sep, value = item.strip().partition("=")
            if not sep or not name.strip():
                raise PlaygroundError(f"{item.strip()!r} is not key=value")
            fields[name.strip()] = value
    return fields


def work(
    text: str,
    key: str,
    *,
    mode: str = "v2",
    sign_type: str = "",
    received: str = "",
    wrong_keys: list[KeyCandidate] | None = None,
    diagnosis: dict[str, object] | None = None,
) -> Workbench:
    """Sign the pasted fields step by step; diagnose ``received`` (or the fields' own sign) when it differs.

    ``wrong_keys``: keys people sign with by mistake (AppSecrets...), for the doctor to try.
    ``diagnosis``: a recorded one (a journal entry's), used instead of running the doctor again when it
    is about this very sign (same expected and received signs).
    """
    if mode not in MODES:
        raise PlaygroundError(f"mode must be one of {', '.join(MODES)}")
    if not key:
        raise PlaygroundError("give the key the sign is made with (the merchant's 32-character API key)")
    fields = parse_text(text)
    sign_field = "paySign" if mode == "paysign" else "sign"
    received = (received or fields.get(sign_field, "")).strip()
    declared = fields.get("signType" if mode == "paysign" else "sign_type", "")
    sign_type = sign_type or declared or MD5
    if sign_type not in SIGN_TYPES:
        raise PlaygroundError(f"sign type {sign_type!r} is neither MD5 nor HMAC-SHA256")
    rows = [FieldRow(name, value, _dropped(mode, name, value)) for name, value in fields.items()]
    signed_fields = {r.name: r.value for r in rows if not r.dropped}
    joined = canonical_string(signed_fields)
    digest = _digest(f"{joined}&key={key}" if joined else f"key={key}", key, sign_type)
    bench = Workbench(
        mode=mode,
        fields=rows,
        signed=sorted(signed_fields.items()),
        joined=joined,
        key=key,
        masked_key=mask_key(key),
        sign_type=sign_type,
        digest=digest,
        sign=digest.upper(),
        received=received,
        missing=[n for n in PAY_SIGN_FIELDS if n not in fields] if mode == "paysign" else [],
    )
    if bench.matches is False:
        keys = [KeyCandidate(key, "given_key"), *(wrong_keys or [])]
        recorded = diagnosis is not None and (diagnosis.get("expected_sign"), diagnosis.get("received_sign")) == (
            bench.sign,
            received,
        )
        if not recorded:
            if mode == "paysign":
                found = diagnose_pay_sign(signed_fields, received, sign_type=sign_type, keys=keys)
            else:
                found = diagnose(signed_fields, received, sign_type=sign_type, keys=keys)
            diagnosis = found.to_dict()
        bench.diagnosis = diagnosis
        mistakes = [m for m in diagnosis.get("mistakes") or [] if isinstance(m, str)]  # type: ignore[union-attr]
        bench.received_string = received_string(fields, signed_fields, key, mistakes, keys, sign_field)
        expected = f"{joined}&key={key}"
        if bench.received_string != expected:  # a mistake in the digest (case, encoding) leaves nothing to diff
            bench.diff = char_diff(_masked(expected, keys), _masked(bench.received_string, keys))
    return bench


def _dropped(mode: str, name: str, value: str) -> str:
    if mode == "paysign":
        return "" if name in PAY_SIGN_FIELDS and value != "" else ("empty" if value == "" else "not_paysign")
    if name == "sign":
        return "sign"
    return "empty" if value == "" else ""


def _digest(message: str, key: str, sign_type: str) -> str:
    data = message.encode("utf-8")
    if sign_type == HMAC_SHA256:
        return hmac.new(key.encode("utf-8"), data, hashlib.sha256).hexdigest()
    return hashlib.md5(data).hexdigest()


# How each mistake the doctor names changes the string that was signed (mistakes about the digest,
# its case or its encoding leave the string as it is).
_FieldChange = Callable[[dict[str, str], dict[str, str]], dict[str, str]]
_FIELD_CHANGES: dict[str, _FieldChange] = {
    "sign_type_omitted": lambda signed, sent: {k: v for k, v in signed.items() if k != "sign_type"},
    "empty_fields_included": lambda signed, sent: {**signed, **{k: v for k, v in sent.items() if v == ""}},
    "url_encoded": lambda signed, sent: {k: quote(v, safe="") for k, v in signed.items()},
    "trimmed": lambda signed, sent: {k: v.strip() for k, v in signed.items()},
    "lowercase_names": lambda signed, sent: {k.lower(): v for k, v in signed.items()},
    "package_without_prefix": lambda signed, sent: {
        **signed,
        "package": signed.get("package", "").removeprefix("prepay_id="),
    },
}


def received_string(
    sent: Mapping[str, str],
    signed: dict[str, str],
    key: str,
    mistakes: list[str],
    keys: list[KeyCandidate],
    sign_field: str = "sign",
) -> str:
    """The string the received sign was made over, rebuilt from the mistakes the doctor named."""
    fields = dict(signed)
    for mistake in mistakes:
        change = _FIELD_CHANGES.get(mistake)
        if change is not None:
            fields = change(fields, dict(sent))
    if "sign_included" in mistakes and sign_field in sent:
        fields[sign_field] = sent[sign_field]
    used = next((c.key for c in keys if c.mistake and c.mistake in mistakes), key)
    if "unsorted" in mistakes:
        body = "&".join(f"{k}={v}" for k, v in sent.items() if k in fields and v != "")
    else:
        body = "&".join(f"{k}={v}" for k, v in sorted(fields.items()) if v != "" or "empty_fields_included" in mistakes)
    if "key_missing" in mistakes:
        return body
    if "key_without_name" in mistakes:
        return f"{body}&{used}"
    return f"{body}&key={used}" if body else f"key={used}"


def char_diff(expected: str, received: str, *, min_equal: int = 3) -> list[DiffPart]:
    """What differs, character by character (difflib): delete = only expected, insert = only received.

    Runs of fewer than ``min_equal`` equal characters between changes are folded into the change, so
    two different keys read as one deletion and one insertion, not as confetti.
    """
    ops: list[tuple[str, str, str]] = []  # (op, expected part, received part)
    matcher = difflib.SequenceMatcher(None, expected, received, autojunk=False)
    for op, a1, a2, b1, b2 in matcher.get_opcodes():
        ops.append(("equal" if op == "equal" else "change", expected[a1:a2], received[b1:b2]))
    merged: list[list[str]] = []
    for index, (op, old, new) in enumerate(ops):
        inner = 0 < index < len(ops) - 1
        if op == "equal" and inner and len(old) < min_equal:
            op = "change"
        if merged and merged[-1][0] == op == "change":
            merged[-1][1] += old
            merged[-1][2] += new
        else:
            merged.append([op, old, new])
    parts: list[DiffPart] = []
    for op, old, new in merged:
        if op == "equal":
            parts.append(DiffPart("equal", old))
            continue
        if old:
            parts.append(DiffPart("delete", old))
        if new:
            parts.append(DiffPart("insert", new))
    return parts


def _masked(text: str, keys: list[KeyCandidate]) -> str:
    """Keys shown as mask_key shows them, so the diff teaches without giving a key away."""
    for candidate in sorted(keys, key=lambda c: len(c.key), reverse=True):
        if candidate.key:
            text = text.replace(candidate.key, mask_key(candidate.key))
    return text
