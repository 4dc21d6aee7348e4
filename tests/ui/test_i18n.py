"""The dashboard's texts: every key in both languages with the same fields, every key a template or
script uses defined, and the language a browser gets."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mockwx.ui import i18n
from mockwx.ui.i18n import LANGS, Texts, TextsError, choose_lang, placeholders, preferred
from mockwx.ui.templating import STATIC_DIR, TEMPLATES_DIR

TEXTS = Texts.load()
# t('key') in templates (also t('prefix.' ~ name): only the literal part is checked, as a prefix)
TEMPLATE_KEY = re.compile(r"""\bt\(\s*['"]([\w.]+)['"]\s*(~)?""")
SCRIPT_KEY = re.compile(r"""\bt\(\s*['"]([\w.]+)['"]\s*(\+)?""")


def _used(folder: Path, pattern: re.Pattern[str], suffix: str, prefix: str = "") -> list[tuple[str, str, bool]]:
    found = []
    for path in folder.rglob(f"*{suffix}"):
        for key, joined in pattern.findall(path.read_text(encoding="utf-8")):
            found.append((path.name, prefix + key, bool(joined)))
    return found


def test_every_text_has_both_languages_with_the_same_fields():
    for key, texts in TEXTS.table.items():
        assert set(texts) == set(LANGS), key
        assert all(texts[lang].strip() for lang in LANGS), f"{key} is empty in a language"
        assert placeholders(texts["en"]) == placeholders(texts["zh"]), key


@pytest.mark.parametrize(
    ("folder", "pattern", "suffix", "prefix"),
    [(TEMPLATES_DIR, TEMPLATE_KEY, ".html", ""), (STATIC_DIR, SCRIPT_KEY, ".js", "js.")],
    ids=["templates", "scripts"],
)
def test_every_key_used_is_defined(folder, pattern, suffix, prefix):
    used = _used(folder, pattern, suffix, prefix)
    assert used, f"no t(...) calls found under {folder}: the pattern is wrong"
    missing = [
        (name, key)
        for name, key, joined in used
        if not (any(k.startswith(key) for k in TEXTS.table) if joined else key in TEXTS.table)
    ]
    assert missing == []


def test_a_key_defined_twice_or_half_translated_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_text("x: {en: one, zh: 一}\n")
    (tmp_path / "b.yaml").write_text("x: {en: two, zh: 二}\n")
    with pytest.raises(TextsError, match="already defined"):
        Texts.load(tmp_path)
    (tmp_path / "b.yaml").write_text("y: {en: only English}\n")
    with pytest.raises(TextsError, match="exactly en, zh"):
        Texts.load(tmp_path)


def test_translator_fills_fields_and_shows_a_missing_key():
    t = Texts({"n": {"en": "{count} rows", "zh": "{count} 行"}}).translator("zh")
    assert t("n", count=3) == "3 行"
    assert t("n") == "{count} 行"
    assert t("nope") == "[nope]"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh"),
        ("en-US,en;q=0.9,zh-CN;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,zh;q=0.5,en;q=0.4", "zh"),
        ("zh-TW;q=0.2, en;q=0.7", "en"),
        ("", "en"),
        ("de;q=x, zh;;;", "zh"),
        ("fr", "en"),
    ],
)
def test_accept_language_picks_the_best_supported(header, lang):
    assert preferred(header) == lang


def test_query_beats_cookie_beats_browser():
    assert choose_lang({"lang": "en"}, {"mockwx_lang": "zh"}, "zh") == "en"
    assert choose_lang({}, {"mockwx_lang": "zh"}, "en") == "zh"
    assert choose_lang({"lang": "xx"}, {"mockwx_lang": "yy"}, "zh-CN") == "zh"


def test_every_magic_amount_is_described_in_both_languages():
    """The Chinese control panel showed the twelve magic amounts in English (review of issue 11)."""
    from mockwx.magic import MAGIC_AMOUNTS

    for fee, _, _ in MAGIC_AMOUNTS:
        assert f"control.magic.{fee}" in TEXTS.table, fee


def test_the_fast_loader_reads_every_table_as_pyyaml_s_reference_parser_does(monkeypatch):
    """The tables load with libyaml where PyYAML has it (every in-process mock loads them); the pure-Python
    safe loader, PyYAML's reference, must read exactly the same texts."""
    monkeypatch.setattr(i18n, "SAFE_LOADER", yaml.SafeLoader)
    assert Texts.load().table == TEXTS.table


def test_every_app_shares_the_package_s_tables_read_once():
    """A mock's start parsed ~2,600 texts (9 ms; the fixture row of make bench): the shipped tables are
    read once per process and are the same as a fresh read."""
    assert Texts.shipped() is Texts.shipped()
    assert Texts.shipped().table == Texts.load().table
