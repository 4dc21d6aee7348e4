"""The mistake catalogue: every mistake the doctor can name, with its texts in English and Chinese.

One table (``MISTAKES``) feeds the search's priors, the rendered explanations, the ASCII hint and
the README's table. The entries live in ``mistakes_v2`` (protocol/v2.md 2.1), ``mistakes_paysign``
(v2.md 4) and ``mistakes_v3`` (v3.md 1.2, 5); ``notes`` are observations that are not mistakes.
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass

LANGS = ("en", "zh")


@dataclass(frozen=True, slots=True)
class Mistake:
    """One mistake: how likely it is, what it is called and how to explain and fix it.

    Texts are ``str.format`` templates over the finding's parameters (and the diagnosis context:
    ``sign_field``, ``type_field``, ``sign_type``). ``secret`` names the parameters that could
    give a valid sign away; redaction withholds them.
    """

    code: str
    family: str  # key, string, field, received, paysign, v3, note
    prior: float  # how common, 0..1: orders the search, most likely first
    short: str  # a few ASCII words: the hint header and the README
    zh_name: str
    en: str
    zh: str
    fix_en: str = ""
    fix_zh: str = ""
    secret: tuple[str, ...] = ()

    def text(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def fix(self, lang: str) -> str:
        return self.fix_zh if lang == "zh" else self.fix_en

    def params(self) -> set[str]:
        """The parameter names the templates use."""
        names: set[str] = set()
        for template in (self.en, self.zh, self.fix_en, self.fix_zh):
            names.update(name for _, name, _, _ in string.Formatter().parse(template) if name)
        return names


def _table() -> dict[str, Mistake]:
    from . import mistakes_paysign, mistakes_v2, mistakes_v3, notes

    table: dict[str, Mistake] = {}
    for module in (mistakes_v2, mistakes_paysign, mistakes_v3, notes):
        for mistake in module.MISTAKES:
            if mistake.code in table:
                raise ValueError(f"mistake code {mistake.code!r} is defined twice")
            table[mistake.code] = mistake
    return table


MISTAKES: Mapping[str, Mistake] = _table()


def _aliases() -> dict[str, str]:
    from .mistakes_v3 import ALIASES

    unknown = [code for code in ALIASES.values() if code not in MISTAKES]
    if unknown:
        raise ValueError(f"aliases of unknown mistake codes: {unknown}")
    return dict(ALIASES)


ALIASES: Mapping[str, str] = _aliases()  # other names of some codes (the v3 names first planned)


def lookup(code: str) -> Mistake | None:
    """The mistake named ``code`` (or one of its aliases)."""
    return MISTAKES.get(ALIASES.get(code, code))


FAMILIES = {
    "key": ("The key", "密钥"),
    "string": ("The signed string", "待签名字符串"),
    "field": ("One or two fields", "个别参数"),
    "received": ("The sign itself", "签名本身"),
    "paysign": ("paySign (wx.requestPayment)", "paySign（wx.requestPayment）"),
    "v3": ("API v3 (RSA)", "APIv3（RSA）"),
}


class _Lenient(dict):
    """Format parameters that show a missing name as ``{name}`` instead of failing."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def render(code: str, params: Mapping[str, str], lang: str, *, fix: bool = False) -> str:
    """The explanation (or the fix) of one finding in ``lang``."""
    mistake = lookup(code)
    if mistake is None:
        return code
    template = mistake.fix(lang) if fix else mistake.text(lang)
    return template.format_map(_Lenient(params))


def readme_table() -> str:
    """The README's table of mistakes, generated from ``MISTAKES`` (tests check the README has it)."""
    lines = ["| mistake | 中文 | what it means |", "|---|---|---|"]
    for family, (title, zh_title) in FAMILIES.items():
        lines.append(f"| **{title}** | **{zh_title}** | |")
        for m in MISTAKES.values():
            if m.family == family:
                lines.append(f"| `{m.code}` | {m.zh_name} | {m.short} |")
    return "\n".join(lines)
