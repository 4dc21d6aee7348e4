"""The doctor's diagnosis as the dashboard reads it: whatever shape the record has, in the page's
language, from the record's own texts when it has them, else from the text tables."""

from __future__ import annotations

from mockwx.config import DEMO_API_KEY, DEMO_SECRET
from mockwx.doctor import KeyCandidate, diagnose, view_of
from mockwx.ui.doctoring import doctor_view
from mockwx.ui.i18n import Texts
from mockwx.wire import sign

TEXTS = Texts.load()
EN, ZH = TEXTS.translator("en"), TEXTS.translator("zh")
FIELDS = {"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "nonce_str": "n"}


def _recorded() -> dict:
    keys = [
        KeyCandidate(DEMO_API_KEY, "api_key", "10000100"),
        KeyCandidate(DEMO_SECRET, "appsecret", "wxd930ea5d5a258f4f", "appsecret_as_key"),
    ]
    return diagnose(FIELDS, sign(FIELDS, DEMO_SECRET), sign_type="MD5", keys=keys).to_dict()


def test_an_english_record_in_english_and_in_chinese():
    record = _recorded()
    en = doctor_view(record, EN)
    assert en.mistakes == [("appsecret_as_key", "signed with the AppSecret instead of the merchant API key")]
    rendered = view_of(record, "en")
    assert en.explanation == rendered["explanation"] and en.fix == rendered["fix"]
    assert en.expected_string.endswith("&key=1920************************6a2d")
    zh = doctor_view(record, ZH)
    assert zh.mistakes == [("appsecret_as_key", "把AppSecret当成了API密钥")]
    assert "32位API密钥" in zh.fix and "AppSecret，而不是商户的API密钥" in zh.explanation


def test_a_record_that_renders_its_own_languages_is_used_as_it_is():
    record = {
        "mistakes": ["unsorted", "a_code_not_known_here"],
        "texts": {"zh": {"explanation": "参数没有排序。", "fix": "排序。", "notes": ["注意"]}},
    }
    zh = doctor_view(record, ZH)
    assert (zh.explanation, zh.fix, zh.notes) == ("参数没有排序。", "排序。", ["注意"])
    assert zh.mistakes[1] == ("a_code_not_known_here", "a_code_not_known_here")


def test_any_shape_is_read_without_failing():
    assert doctor_view(None, EN) is None and doctor_view("text", ZH) is None
    odd = doctor_view({"mistakes": "x", "explanation": 3, "notes": [1, "n"], "texts": []}, EN)
    assert odd.mistakes == [] and odd.explanation == "3" and odd.notes == ["n"]
    unknown = doctor_view({"mistakes": []}, ZH)
    assert unknown.explanation == "常见错误都无法重现收到的签名。"
