"""Teaching the v2 signature (protocol/v2.md 2.1, 4): the ``sign`` command and POST /__mock__/sign.

Fields come as name=value pairs or as a signed string pasted from a tutorial's log
(``appid=...&body=...&key=...``); a lesson shows the string WeChat signs, the sign, and the
doctor's diagnosis of a sign to check (or of the pasted string itself when it is not the right one),
or of the sign itself when WeChat refuses it whatever it is: a paySign whose signType or timeStamp
breaks the client's rules, a key that is an AppSecret.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..wire import MD5, SIGN_TYPES, canonical_string, digest, mask_key
from .catalogue import render
from .diagnosis import Diagnosis, Finding
from .engine import diagnose, diagnose_pay_sign
from .options import KeyCandidate
from .paysign import PAY_SIGN_NAMES, meant_sign_type, rule_findings

SIGN_NAMES = ("sign", "paySign")
# The lesson's own words, beside the diagnosis's.
WORDS = {
    "string": ("string to sign:", "待签名字符串："),
    "sign": ("{sign_type} sign:", "{sign_type}签名："),
    "right": ("the {sign_field} {received} is right.", "{sign_field} {received} 是对的。"),
    "wrong": ("the {sign_field} {received} is NOT right.", "{sign_field} {received} 不正确。"),
    "refused": (
        "the {sign_field} {received} matches these fields and this key, but WeChat refuses it:",
        "{sign_field} {received} 与这些参数和密钥算出的一致，但微信会拒绝：",
    ),
    "pasted_right": ("the pasted string is exactly the one WeChat signs.", "粘贴的字符串正是微信要签名的字符串。"),
    "why": ("  why:  ", "  原因："),
    "fix": ("  fix:  ", "  解决："),
    "note": ("  note: ", "  注意："),
}


def word(name: str, lang: str, **params: str) -> str:
    en, zh = WORDS[name]
    return (zh if lang == "zh" else en).format(**params)


@dataclass(slots=True)
class Reading:
    """Fields as read from the input, and what the reading noticed."""

    fields: dict[str, str]
    key: str = ""  # a pasted string's key=
    received: str = ""  # a pasted string's sign= (or paySign=)
    pasted: str = ""  # the pasted string itself, as it was hashed
    notes: list[Finding] = field(default_factory=list)


def read_pasted(text: str) -> Reading:
    """A signed string as tutorials print it: k=v pairs joined by '&', with key=<key> (usually last)
    and sign=<sign> anywhere.

    A part without '=' belongs to the value before it (a value holding '&').
    """
    pairs: list[list[str]] = []
    for part in text.strip().split("&"):
        name, sep, value = part.partition("=")
        if sep and name and not any(c.isspace() for c in name):
            pairs.append([name, value])
        elif pairs:
            pairs[-1][1] += "&" + part
        else:
            raise ValueError(f"{text[:40]!r} does not start with name=value")
    reading = Reading(fields={}, pasted=text.strip())
    sign_field = ""
    for name, value in pairs:
        if name == "key" and not reading.key:
            reading.key = value
        elif name in SIGN_NAMES and not sign_field:
            reading.received, sign_field = value, name
        else:
            reading.fields[name] = value
    reading.notes.append(Finding("pasted_fields", {"count": str(len(reading.fields))}))
    if reading.key:
        reading.notes.append(Finding("pasted_key"))
    if sign_field:
        reading.notes.append(Finding("pasted_sign", {"sign_field": sign_field}))
    return reading


def looks_pasted(item: str) -> bool:
    """One argument that is a whole signed string rather than one name=value."""
    return "&" in item and item.count("=") >= 2


@dataclass(slots=True)
class Lesson:
    """The string WeChat signs, its sign, and what is wrong with the sign checked."""

    fields: dict[str, str]
    sign_type: str
    string: str
    sign: str
    sign_field: str = "sign"
    received: str = ""
    diagnosis: Diagnosis | None = None
    notes: list[Finding] = field(default_factory=list)
    pasted_right: bool = False  # the pasted string is exactly the string WeChat signs
    facts: list[Finding] = field(default_factory=list)  # what WeChat refuses whatever the sign

    @property
    def right(self) -> bool | None:
        return None if not self.received else self.received == self.sign and not self.facts

    def note_texts(self, lang: str) -> list[str]:
        return [render(n.code, {"sign_field": self.sign_field, **n.params}, lang) for n in self.notes]

    def lines(self, lang: str = "en") -> list[str]:
        """What the command line prints."""
        out = [word("string", lang), f"  {self.string}", word("sign", lang, sign_type=self.sign_type), f"  {self.sign}"]
        out += [word("note", lang) + text for text in self.note_texts(lang)]
        if self.right is True:
            out.append(word("right", lang, sign_field=self.sign_field, received=self.received))
        elif self.pasted_right and self.diagnosis is None:
            out.append(word("pasted_right", lang))
        elif self.diagnosis is not None:
            if self.received:
                said = "refused" if self.received == self.sign else "wrong"
                out.append(word(said, lang, sign_field=self.sign_field, received=self.received))
            out.append(word("why", lang) + self.diagnosis.explanation(lang))
            out.append(word("fix", lang) + self.diagnosis.fix(lang))
            out += [word("note", lang) + text for text in self.diagnosis.note_texts(lang)]
        return out

    def to_json(self, lang: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "fields": self.fields,
            "string": self.string,
            "sign": self.sign,
            "sign_type": self.sign_type,
            "read": self.note_texts(lang),
        }
        if self.received:
            out["check"] = {"sign": self.received, "right": self.right}
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis.view(lang)
        return out


def lesson_keys(
    reading: Reading,
    *,
    key: str | None,
    default: list[KeyCandidate],
    default_note: Finding,
    secrets: Sequence[str] = (),
    appid: str = "",
) -> list[KeyCandidate]:
    """The key to sign with (the one given, else a pasted string's key=, else ``default``, noted),
    then the keys worth suspecting: a pasted key that is not the one given, and AppSecrets. A key
    given that is an AppSecret comes first as what it is (the lesson warns about it)."""
    secrets = list(dict.fromkeys(secrets))
    if key or reading.key:
        given = key or reading.key
        keys = [KeyCandidate(given, "given_key")]
        if given in secrets:
            keys = [KeyCandidate(given, "appsecret", appid or "?", "appsecret_as_key")]
        if key and reading.key and reading.key != key:
            keys.append(KeyCandidate(reading.key, "pasted_key", mask_key(reading.key), "other_key"))
    else:
        keys = list(default)
        reading.notes.append(default_note)
    taken = {k.key for k in keys}
    keys += [KeyCandidate(x, "appsecret", appid or "?", "appsecret_as_key") for x in secrets if x not in taken]
    return keys


def teach(
    reading: Reading,
    *,
    keys: list[KeyCandidate],
    sign_type: str = "",
    received: str = "",
    show_key: bool = True,
    order_sign_type: str = "",
) -> Lesson:
    """The lesson for these fields under ``keys[0]`` (the others are the keys worth suspecting).

    For paySign fields ``sign_type`` (else ``order_sign_type``, the order's as the mock knows it)
    is the order's sign_type, which signType must name; without either, the one signType means.
    """
    fields = reading.fields
    if "paySign" in fields:
        reading.received = reading.received or fields.pop("paySign")
    pay = set(PAY_SIGN_NAMES) - {"signType"} <= set(fields)
    facts = [Finding(keys[0].mistake, {"owner": keys[0].owner})] if keys[0].role == "appsecret" else []
    if pay:  # the client's rules, as POST /__mock__/pay applies them (protocol/v2.md 4)
        named = fields.get("signType", MD5)
        order = sign_type or order_sign_type or meant_sign_type(named) or MD5
        sign_type = meant_sign_type(named) or order
        facts += rule_findings(fields.get("timeStamp", ""), named, order)
    sign_type = sign_type or fields.get("sign_type") or MD5
    if sign_type not in SIGN_TYPES:
        raise ValueError(f"sign_type {sign_type!r} is neither MD5 nor HMAC-SHA256")
    key = keys[0].key
    string = canonical_string(fields, key)
    lesson = Lesson(
        fields=fields,
        sign_type=sign_type,
        string=string if show_key else string.replace(f"key={key}", f"key={mask_key(key)}"),
        sign=digest(string, key, sign_type),
        sign_field="paySign" if pay else "sign",
        received=received or reading.received,
        notes=list(reading.notes),
        facts=facts,
    )
    suspect = lesson.received
    lesson.pasted_right = reading.pasted == string
    if not suspect and reading.pasted and reading.pasted != string:
        suspect = digest(reading.pasted, reading.key or key, sign_type)
        lesson.notes.append(Finding("pasted_string_differs", {"sign": suspect}))
    if facts or (suspect and suspect != lesson.sign):  # refused whatever the sign: the sign itself is diagnosed
        lesson.diagnosis = _diagnose(fields, suspect or lesson.sign, sign_type, keys, pay, facts)
    return lesson


def _diagnose(
    fields: Mapping[str, str],
    received: str,
    sign_type: str,
    keys: list[KeyCandidate],
    pay: bool,
    facts: Sequence[Finding],
) -> Diagnosis:
    if pay:
        return diagnose_pay_sign(fields, received, sign_type=sign_type, keys=keys, facts=facts)
    return diagnose(fields, received, sign_type=sign_type, keys=keys, facts=facts)
