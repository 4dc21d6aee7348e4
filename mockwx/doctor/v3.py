"""API v3 diagnoses as the doctor shows them: what the wire layer's mistake search found (a bad
request signature, a bad RSA paySign, a wrong serial_no; protocol/v3.md 1.2, 5) stored as codes,
rendered in English or Chinese on the way out, like the v2 diagnoses."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from ..hint import hint_text
from .catalogue import LANGS, lookup, render

KIND = "v3"
SIGNED = ("request signature", "paySign")  # what a record's ``expected`` is the signed message of


def v3_record(mistakes: Iterable[str], *, what: str, expected: str = "", **facts: Any) -> dict[str, Any]:
    """The stored form: ``what`` was checked (request signature, paySign, serial_no), the mistake codes,
    the message (or serial) mockwx expected, and the search's facts (``received``: the signature or serial
    that arrived; signed_message, key_label...)."""
    codes = list(mistakes)
    return {
        "kind": KIND,
        "what": what,
        "mistakes": codes,
        "findings": [{"code": code, "params": {}} for code in codes],
        "expected": expected,
        **{k: v for k, v in facts.items() if v is not None},
    }


def explanation(record: dict[str, Any], lang: str = "en") -> str:
    texts = [render(code, {}, lang) for code in record.get("mistakes", [])]
    if not texts:
        texts = ["没有哪种常见错误能得到收到的签名。" if lang == "zh" else "None of the common mistakes reproduces it."]
    if record.get("cut_short"):  # the search's budget ran out: rarer variants were not tried
        texts.append(render("search_cut_short", {"tried": str(record["cut_short"])}, lang))
    return ("" if lang == "zh" else " ").join(texts)


def fix(record: dict[str, Any], lang: str = "en") -> str:
    fixes: list[str] = []
    for code in record.get("mistakes", []):
        text = render(code, {}, lang, fix=True)
        if text and text not in fixes:
            fixes.append(text)
    return ("" if lang == "zh" else " ").join(fixes)


def hint(record: dict[str, Any]) -> str:
    """A short ASCII line for X-Mockwx-Hint."""
    named = [f"{c} ({m.short})" if (m := lookup(c)) else c for c in record.get("mistakes", [])]
    head = f"{record.get('what', 'signature')} mistakes: " + "; ".join(named) if named else "no common mistake found"
    expected = str(record.get("expected", "")).replace("\n", "\\n")
    return hint_text(f"{head} | expected {expected[:200]}" if expected else head)


# what a record's ``expected`` is, by what was checked: (English, Chinese)
_EXPECTED = {"serial_no": ("serial_no", "serial_no")}
_MESSAGE = ("the signed message", "待签名串")


def summary(record: dict[str, Any], lang: str = "en") -> str:
    """One line for the log: the cause, then what mockwx expected (newlines shown as \\n)."""
    text = explanation(record, lang)
    expected = str(record.get("expected", "")).replace("\n", "\\n")
    if not expected:
        return text
    en, zh = _EXPECTED.get(str(record.get("what", "")), _MESSAGE)
    return f"{text}期望的{zh}是“{expected}”。" if lang == "zh" else f"{text} Expected {en} '{expected}'."


def view(record: dict[str, Any], lang: str = "en") -> dict[str, Any]:
    """The record with its texts in ``lang`` and in every language, and what was expected and received
    under the names a v2 diagnosis gives them (the dashboard shows either)."""
    signature = record.get("what") in SIGNED
    return {
        "expected_string": record.get("expected", "") if signature else "",
        "received_sign": record.get("received", ""),
        **record,
        "lang": lang,
        "explanation": explanation(record, lang),
        "fix": fix(record, lang),
        "texts": {other: {"explanation": explanation(record, other), "fix": fix(record, other)} for other in LANGS},
        "hint": hint(record),
    }
