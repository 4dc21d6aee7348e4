"""The signature doctor's diagnosis as the dashboard shows it, in the page's language.

The diagnosis arrives as the journal stores it (a dict of mistake codes, v2 or v3), rendered in
every language by the doctor itself (``doctor.view_of``); every key is read defensively. Mistakes
are named from the doctor's own catalogue, in the page's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import doctor
from .i18n import Translator


@dataclass(slots=True)
class DoctorView:
    mistakes: list[tuple[str, str]]  # (code, name in the page's language)
    explanation: str
    fix: str
    expected_string: str = ""
    expected_sign: str = ""
    received_sign: str = ""
    sign_type: str = ""
    v3: bool = False  # an RSA signature: no sign to expect, the received one is a signature
    notes: list[str] = field(default_factory=list)


def doctor_view(diagnosis: Any, t: Translator) -> DoctorView | None:
    """The diagnosis in ``t``'s language, or None when there is none."""
    if not isinstance(diagnosis, Mapping):
        return None
    diagnosis = _rendered(diagnosis)
    codes = [c for c in _list(diagnosis.get("mistakes")) if isinstance(c, str)]
    named = [(code, _name(code, t.lang)) for code in codes]
    texts = diagnosis.get("texts")
    rendered = texts.get(t.lang) if isinstance(texts, Mapping) else None
    if isinstance(rendered, Mapping):  # the doctor rendered this language itself
        explanation, fix = _text(rendered.get("explanation")), _text(rendered.get("fix"))
        notes = [_text(n) for n in _list(rendered.get("notes"))]
    elif t.lang == "en":
        explanation, fix = _text(diagnosis.get("explanation")), _text(diagnosis.get("fix"))
        notes = [_text(n) for n in _list(diagnosis.get("notes")) if isinstance(n, str)]
    elif codes:  # the record speaks English only: name and fix each mistake from the doctor's catalogue
        explanation = "；".join(name for _, name in named) + "。"
        fixes = [m.fix(t.lang) for c in codes if (m := doctor.lookup(c)) and m.fix(t.lang)]
        fix, notes = " ".join(fixes), []
    else:
        explanation, fix, notes = t("doctor.unknown"), t("doctor.unknown.fix"), []
    return DoctorView(
        mistakes=named,
        explanation=explanation,
        fix=fix,
        expected_string=_text(diagnosis.get("expected_string")),
        expected_sign=_text(diagnosis.get("expected_sign")),
        received_sign=_text(diagnosis.get("received_sign")),
        sign_type=_text(diagnosis.get("sign_type")),
        v3=diagnosis.get("kind") == "v3",
        notes=notes,
    )


def _rendered(record: Mapping[str, Any]) -> Mapping[str, Any]:
    """The record with its texts in every language, when the doctor can render its own records (a
    record of mistake codes, issue 8); otherwise the record as it is."""
    view_of = getattr(doctor, "view_of", None)
    if callable(view_of) and "findings" in record and "texts" not in record:
        rendered = view_of(dict(record))
        return rendered if isinstance(rendered, Mapping) else record
    return record


def _name(code: str, lang: str) -> str:
    """A mistake's name in ``lang`` (the doctor's catalogue; the code itself when it is not known)."""
    mistake = doctor.lookup(code)
    if mistake is None:
        return code
    return mistake.zh_name if lang == "zh" else mistake.short


def _text(value: Any) -> str:
    return value if isinstance(value, str) else "" if value is None else str(value)


def _list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, (list, tuple)) else []
