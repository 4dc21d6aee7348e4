"""A diagnosis as data (mistake codes and their parameters) and its renderings: the texts in English
or Chinese, the one-line summary for the log, the ASCII hint for ``X-Mockwx-Hint``, the stored
record, and the redacted copy that gives no valid sign away (issue 8 item 15).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from ..hint import hint_text
from .catalogue import LANGS, lookup, render

WITHHELD = "(withheld)"
VERDICTS = ("unknown",)  # findings that are not mistakes


@dataclass(slots=True)
class Finding:
    """One named mistake (or note) and the parameters its texts show."""

    code: str
    params: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "params": dict(self.params)}


@dataclass(slots=True)
class Diagnosis:
    """What the mock expected, what it got, and the mistakes that explain the difference."""

    sign_type: str
    key_label: str  # whose key the right sign uses, in English (``key_label_zh`` in Chinese)
    unkeyed_string: str  # the expected signed string without '&key=...'
    masked_key: str  # the key as shown: 4 + 4 characters, the middle masked
    expected_sign: str
    received_sign: str
    findings: list[Finding] = field(default_factory=list)
    notes: list[Finding] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)  # sign_field, type_field, sign_type for the texts
    key_label_zh: str = ""
    tried: int = 0  # candidate signs computed
    redacted_view: bool = False

    # -- what it says ---------------------------------------------------------------------------

    @property
    def mistakes(self) -> list[str]:
        return [f.code for f in self.findings if f.code not in VERDICTS]

    @property
    def expected_string(self) -> str:
        tail = f"key={self.masked_key}"
        return f"{self.unkeyed_string}&{tail}" if self.unkeyed_string else tail

    def explanation(self, lang: str = "en") -> str:
        return _joined([render(f.code, {**self.context, **f.params}, lang) for f in self.findings], lang)

    def fix(self, lang: str = "en") -> str:
        fixes: list[str] = []
        for f in self.findings:
            text = render(f.code, {**self.context, **f.params}, lang, fix=True)
            if text and text not in fixes:
                fixes.append(text)
        return _joined(fixes, lang)

    def note_texts(self, lang: str = "en") -> list[str]:
        return [render(n.code, {**self.context, **n.params}, lang) for n in self.notes]

    def summary(self, lang: str = "en") -> str:
        """One line for the log: the cause, then what was expected and what arrived."""
        got = self.received_sign or ("没有签名" if lang == "zh" else "no sign")
        if lang == "zh":
            return (
                f"{self.explanation('zh')} 期望的{self.sign_type}签名是{self.expected_sign}，"
                f"待签名字符串是“{self.expected_string}”，收到的是{got}。"
            )
        return (
            f"{self.explanation('en')} Expected {self.sign_type} {self.expected_sign} over"
            f" '{self.expected_string}', got {got}."
        )

    def hint(self) -> str:
        """A short ASCII line for the X-Mockwx-Hint header: the mistakes, the fields, the signs."""
        sign_field = self.context.get("sign_field", "sign")
        named = [f"{code} ({m.short})" if (m := lookup(code)) else code for code in self.mistakes]
        parts = [
            f"{sign_field} mistakes: " + "; ".join(named) if named else f"no common mistake reproduces the {sign_field}"
        ]
        fields = sorted({name for f in self.findings for name in _field_names(f)})
        if fields:
            parts.append("fields: " + ", ".join(fields))
        got = self.received_sign.strip()
        if got == self.expected_sign:
            parts.append(f"the {sign_field} itself is the right {self.sign_type} sign of these fields")
        else:
            parts.append(f"expected {self.sign_type} {self.expected_sign}, got {got or 'none'}")
        return hint_text(" | ".join(parts))

    # -- redaction --------------------------------------------------------------------------------

    def redacted(self) -> Diagnosis:
        """A copy that names the mistakes but withholds the expected sign and masks the whole key."""
        if self.redacted_view:
            return self
        findings = [Finding(f.code, _withhold(f)) for f in self.findings]
        return replace(
            self,
            masked_key="*" * max(len(self.masked_key), 8),
            expected_sign=WITHHELD,
            findings=findings,
            redacted_view=True,
        )

    # -- as data ----------------------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The record: codes and parameters, no rendered text (texts are rendered on the way out)."""
        return {
            "sign_type": self.sign_type,
            "key_label": self.key_label,
            "key_label_zh": self.key_label_zh,
            "unkeyed_string": self.unkeyed_string,
            "masked_key": self.masked_key,
            "expected_string": self.expected_string,
            "expected_sign": self.expected_sign,
            "received_sign": self.received_sign,
            "mistakes": self.mistakes,
            "findings": [f.to_dict() for f in self.findings],
            "notes": [n.to_dict() for n in self.notes],
            "context": dict(self.context),
            "tried": self.tried,
            "redacted": self.redacted_view,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Diagnosis:
        """The diagnosis a record stands for (tolerates records cut short by the journal)."""

        def findings(name: str) -> list[Finding]:
            out = []
            for item in data.get(name) or []:
                if isinstance(item, dict) and isinstance(item.get("code"), str):
                    params = item.get("params") if isinstance(item.get("params"), dict) else {}
                    out.append(Finding(item["code"], {str(k): str(v) for k, v in params.items()}))
            return out

        def text(name: str) -> str:
            value = data.get(name, "")
            return value if isinstance(value, str) else str(value)

        context = data.get("context") if isinstance(data.get("context"), dict) else {}
        return cls(
            sign_type=text("sign_type"),
            key_label=text("key_label"),
            key_label_zh=text("key_label_zh"),
            unkeyed_string=text("unkeyed_string"),
            masked_key=text("masked_key"),
            expected_sign=text("expected_sign"),
            received_sign=text("received_sign"),
            findings=findings("findings"),
            notes=findings("notes"),
            context={str(k): str(v) for k, v in context.items()},
            tried=data.get("tried", 0) if isinstance(data.get("tried"), int) else 0,
            redacted_view=data.get("redacted") is True,
        )

    def view(self, lang: str = "en", *, reveal: bool = True) -> dict[str, Any]:
        """What people read: the record plus the texts in ``lang`` and in every language under ``texts``."""
        shown = self if reveal else self.redacted()
        out = shown.to_dict()
        out["lang"] = lang
        out["explanation"] = shown.explanation(lang)
        out["fix"] = shown.fix(lang)
        out["note_texts"] = shown.note_texts(lang)
        out["key_label"] = shown.key_label_zh if lang == "zh" and shown.key_label_zh else shown.key_label
        out["texts"] = {
            other: {"explanation": shown.explanation(other), "fix": shown.fix(other), "notes": shown.note_texts(other)}
            for other in LANGS
        }
        out["hint"] = shown.hint()
        return out


def view_of(record: Any, lang: str = "en", *, reveal: bool = True) -> Any:
    """A stored record rendered for people (anything that is not a record is returned as it is)."""
    if not isinstance(record, dict) or "findings" not in record:
        return record
    if record.get("kind") == "v3":
        from .v3 import view

        return view(record, lang)
    return Diagnosis.from_dict(record).view(lang, reveal=reveal)


def summary_of(record: Any, lang: str = "en") -> str:
    """One line for the log about a stored record, in ``lang`` ('' for anything that is not a record)."""
    if not isinstance(record, dict) or "findings" not in record:
        return ""
    if record.get("kind") == "v3":
        from .v3 import summary

        return summary(record, lang)
    return Diagnosis.from_dict(record).summary(lang)


def _joined(sentences: list[str], lang: str) -> str:
    return ("" if lang == "zh" else " ").join(s for s in sentences if s)


def _field_names(finding: Finding) -> list[str]:
    names = finding.params.get("fields", "") or finding.params.get("field", "")
    return [n.strip() for n in names.split(",") if n.strip()]


def _withhold(finding: Finding) -> dict[str, str]:
    mistake = lookup(finding.code)
    secret = mistake.secret if mistake else ()
    return {k: (WITHHELD if k in secret else v) for k, v in finding.params.items()}
