"""The mistake catalogue is complete in both languages, and the README's table and problem kinds
are the ones the code uses."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mockwx.doctor import LANGS, MISTAKES, readme_table, render
from mockwx.journal import PROBLEM_KINDS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
CJK = re.compile(r"[\u4e00-\u9fff]")
# The codes the v3 signature search (mockwx/wire/v3) hands over; their texts live here.
V3_CODES = [
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


def test_the_v3_codes_have_texts():
    assert set(V3_CODES) <= set(MISTAKES)
    assert all(MISTAKES[c].family == "v3" for c in V3_CODES)


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
