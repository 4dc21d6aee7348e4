"""The dashboard's words in English and Chinese: the text tables (``texts/*.yaml``, one key to
``{en, zh}``), the language a request gets (``?lang=``, then the ``mockwx_lang`` cookie, then the
browser's Accept-Language) and the translator templates call as ``t("key", name=value)``.

Every page of the dashboard (the phone's too) takes its words from here: a table per feature, in
its own YAML file, merged at start; a key defined twice or missing a language is refused then.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from string import Formatter
from typing import Any

import yaml

LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LANG_COOKIE = "mockwx_lang"
TEXTS_DIR = Path(__file__).resolve().parent / "texts"
JS_PREFIX = "js."  # keys the pages' JavaScript needs, embedded in every page
# libyaml's safe loader where PyYAML was built with it: every app (each test's in-process mock) loads the
# tables, and the pure-Python parser made that 90% of a mock's start-up (bench/bench_fixture.py)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class TextsError(ValueError):
    """A text table that cannot be used: a key twice, a language missing, not a mapping."""


@dataclass(frozen=True, slots=True)
class Texts:
    """Every text the dashboard shows, by key, in every language of LANGS."""

    table: Mapping[str, Mapping[str, str]]

    @classmethod
    def load(cls, folder: Path = TEXTS_DIR) -> Texts:
        table: dict[str, dict[str, str]] = {}
        for path in sorted(folder.glob("*.yaml")):
            data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER) or {}
            if not isinstance(data, dict):
                raise TextsError(f"{path.name}: expected a mapping of key -> {{en, zh}}")
            for key, texts in data.items():
                if key in table:
                    raise TextsError(f"{path.name}: text {key!r} is already defined in another table")
                if not isinstance(texts, dict) or sorted(texts) != sorted(LANGS):
                    raise TextsError(f"{path.name}: text {key!r} must have exactly {', '.join(LANGS)}")
                table[str(key)] = {lang: str(texts[lang]) for lang in LANGS}
        return cls(table)

    @staticmethod
    @functools.cache
    def shipped() -> Texts:
        """The package's own tables, read once per process: they are files of the installed package, so
        every app (each test's in-process mock) can share one read-only copy instead of parsing ~2,600
        texts again (9 ms of a mock's start)."""
        return Texts.load()

    def translator(self, lang: str) -> Translator:
        return Translator(self, lang if lang in LANGS else DEFAULT_LANG)

    def for_js(self, lang: str) -> dict[str, str]:
        """The texts the pages' JavaScript uses (keys starting with ``js.``), in ``lang``."""
        return {k[len(JS_PREFIX) :]: v[lang] for k, v in self.table.items() if k.startswith(JS_PREFIX)}


@dataclass(frozen=True, slots=True)
class Translator:
    """``t("key", name=value)``: the text in this language, with its ``{name}`` fields filled."""

    texts: Texts
    lang: str

    def __call__(self, key: str, **params: Any) -> str:
        entry = self.texts.table.get(key)
        if entry is None:
            return f"[{key}]"  # visible on the page, and the completeness test names it
        text = entry[self.lang]
        return text.format_map(_Lenient(params)) if params else text

    def has(self, key: str) -> bool:
        return key in self.texts.table


class _Lenient(dict):
    """A missing parameter shows as ``{name}`` instead of failing the whole page."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields a text uses (the tests check both languages use the same)."""
    return {name for _, name, _, _ in Formatter().parse(text) if name}


def choose_lang(query: Mapping[str, str], cookies: Mapping[str, str], accept_language: str) -> str:
    """?lang= wins, then the cookie the language switch set, then the browser's preference."""
    for chosen in (query.get("lang", ""), cookies.get(LANG_COOKIE, "")):
        if chosen in LANGS:
            return chosen
    return preferred(accept_language)


def preferred(accept_language: str) -> str:
    """The language of LANGS the Accept-Language header ranks highest (RFC 9110 12.5.4), else English."""
    best, best_q = DEFAULT_LANG, 0.0
    for item in accept_language.split(","):
        tag, _, params = item.strip().partition(";")
        q = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGS and q > best_q:  # the first of equal rank wins
            best, best_q = primary, q
    return best
