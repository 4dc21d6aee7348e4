"""The mistake catalogue is complete in both languages, and the README's table and problem kinds
are the ones the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockwx.doctor import ALIASES, LANGS, MISTAKES, lookup, readme_table, render
from mockwx.journal import PROBLEM_KINDS
from mockwx.wire.v3 import MISTAKES as V3_SEARCH_CODES

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CJK = re.compile(r"[\u4e00-\u9fff]")
# The codes the v3 signature search hands over: first as planned, then as mockwx/wire/v3 returns them.
V3_PLANNED = [
    "v3_body_reserialized",
    "v3_query_omitted",
    "v3_query_decoded",
    "v3_query_reencoded",
    "v3_trailing_newline_missing",
    "v3_timestamp_milliseconds",
    "v3_url_with_host",
    "v3_method_lowercase",
    "v3_sha1",
    "v3_other_merchant_key",
    "v3_wrong_private_key",
    "v3_platform_serial_sent",
    "v3_unknown_serial",
    "v3_paysign_v2_style",
    "v3_paysign_missing_newline",
    "v3_paysign_package_without_prefix",
    "v3_paysign_wrong_appid",
    "v3_paysign_timestamp_milliseconds",
]
V3_RETURNED = sorted(V3_SEARCH_CODES)  # every code the wire search, its rules and diagnose_serial return


@pytest.mark.parametrize("code", sorted(MISTAKES))
def test_every_entry_speaks_both_languages(code):
    m = MISTAKES[code]
    assert m.code == code and m.en and m.zh and m.zh_name and m.short
    assert m.short.isascii() and m.en.isascii() or "账户中心" in m.en or "安全规范" in m.fix_en
    assert CJK.search(m.zh) and CJK.search(m.zh_name), "the Chinese text is Chinese"
    assert m.zh.endswith("。") and m.en.endswith(".")
    if m.family != "note":
        assert m.fix_en and m.fix_zh and CJK.search(m.fix_zh)
    # both languages show the same facts
    en = {n for n in re.findall(r"{(\w+)}", m.en + m.fix_en)}
    zh = {n for n in re.findall(r"{(\w+)}", m.zh + m.fix_zh)}
    assert en == zh, (en, zh)
    assert 0 <= m.prior <= 1


@pytest.mark.parametrize("lang", LANGS)
def test_every_text_renders_with_its_parameters(lang):
    for code, m in MISTAKES.items():
        params = {name: f"<{name}>" for name in m.params()}
        for fix in (False, True):
            text = render(code, params, lang, fix=fix)
            assert "{" not in text.replace("{sign_type}", ""), (code, text)


def test_the_v3_codes_have_texts_under_either_name():
    for code in V3_PLANNED + V3_RETURNED:
        mistake = lookup(code)
        assert mistake is not None and mistake.family == "v3", code
        assert render(code, {}, "zh") == mistake.zh
    assert set(V3_RETURNED) <= set(MISTAKES) and not set(ALIASES) & set(MISTAKES)


def test_the_readme_table_is_the_catalogue():
    table = readme_table()
    assert table in README, "run `python -m mockwx.doctor` and paste its table into the README"
    for code, m in MISTAKES.items():
        if m.family != "note":
            assert f"| `{code}` | {m.zh_name} |" in table


def test_the_readme_documents_every_problem_kind():
    section = README.split("## The signature doctor")[1].split("\n## ")[0]
    for kind in sorted(PROBLEM_KINDS) + ["INVALID_REQUEST", "errcode"]:
        assert f"`{kind}" in section, kind


def test_the_unknown_verdict_names_the_string_as_each_place_shows_it():
    import yaml

    from mockwx.doctor.teach import WORDS

    labels = yaml.safe_load((Path(__file__).resolve().parents[2] / "mockwx/ui/texts/journal.yaml").read_text())
    dashboard = labels["doctor.expected_string"]
    for lang, which in (("en", 0), ("zh", 1)):
        text = render("unknown", {"sign_field": "sign"}, lang)
        shown = [re.split(r" \(|（", dashboard[lang])[0], WORDS["string"][which].rstrip(":："), "expected_string"]
        for label in shown:  # the dashboard's heading, the sign command's line, the JSON field
            assert label.lower() in text.lower(), (label, text)
