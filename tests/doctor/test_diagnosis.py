"""What a diagnosis shows: texts in both languages, the ASCII hint, the stored record and its
redaction (issue 8 item 15: name the mistake, give no valid sign away)."""

from __future__ import annotations

import json

from mockwx.doctor import (
    WITHHELD,
    Diagnosis,
    Finding,
    KeyCandidate,
    diagnose,
    diagnose_pay_sign,
    summary_of,
    v3_record,
    view_of,
)

from .tutorial import APPID, KEY, MCH_ID, ORDER, SECRET, joined, md5, right, tidy, twice

KEYS = [KeyCandidate(KEY, "api_key", MCH_ID), KeyCandidate(SECRET, "appsecret", APPID, "appsecret_as_key")]


def run(fields, received, sign_type="MD5"):
    return diagnose({**fields, "sign": received}, received, sign_type=sign_type, keys=KEYS)


def test_texts_in_english_and_chinese():
    d = run(ORDER, md5(joined(tidy(ORDER)) + "&key=" + SECRET).lower())
    assert d.mistakes == ["appsecret_as_key", "lowercase_hex"]
    assert d.explanation("en") == (
        "The sign was made with the AppSecret of wxd930ea5d5a258f4f instead of the merchant API key."
        " The digest is right but written in lower-case hex."
    )
    assert d.explanation("zh") == (
        "计算sign时用的是小程序wxd930ea5d5a258f4f的AppSecret，而不是商户的API密钥。"
        "摘要算对了，但签名是小写的；微信要求大写的十六进制。"
    )
    assert "API安全" in d.fix("zh") and "Upper-case" in d.fix("en")
    assert d.key_label == "the API key of merchant 10000100" and d.key_label_zh == "商户10000100的API密钥"
    assert "key=1920************************6a2d" in d.expected_string


def test_the_hint_is_short_printable_ascii_with_names_only():
    fields = {**ORDER, "body": "老男孩学费\x7f", "备注": " 中文字段 "}
    d = run(fields, md5(joined((k, v.strip()) for k, v in tidy(fields)) + "&key=" + KEY) + "\n")
    assert d.mistakes == ["trimmed", "sign_whitespace"]
    hint = d.hint()
    assert all(" " <= c <= "~" for c in hint) and "\\u" not in hint and len(hint) < 400
    assert hint.startswith("sign mistakes: trimmed (values trimmed for signing but sent with spaces around them);")
    assert "| fields: ?? |" in hint and f"expected MD5 {d.expected_sign}, got " in hint


def test_the_hint_of_a_pay_sign_that_is_right_but_refused():
    five = {
        "appId": APPID,
        "timeStamp": "1700000000000",
        "nonceStr": "n",
        "package": "prepay_id=wx1",
        "signType": "MD5",
    }
    received = right(five)
    facts = [Finding("timestamp_milliseconds", {"value": "1700000000000"})]
    d = diagnose_pay_sign(five, received, sign_type="MD5", keys=KEYS, facts=facts)
    assert d.mistakes == ["timestamp_milliseconds"] and d.tried == 1
    assert d.hint() == (
        "paySign mistakes: timestamp_milliseconds (timeStamp in milliseconds instead of seconds)"
        " | the paySign itself is the right MD5 sign of these fields"
    )


def test_redacted_names_the_mistake_but_gives_no_sign_away():
    d = run(ORDER, twice(ORDER))
    assert d.mistakes == ["signed_twice"]
    hidden = d.redacted()
    everything = json.dumps(hidden.view("en", reveal=True), ensure_ascii=False) + hidden.hint()
    assert right(ORDER) not in everything and KEY[:4] not in everything and KEY[-4:] not in everything
    assert hidden.mistakes == ["signed_twice"] and hidden.expected_sign == WITHHELD
    assert "key=" + "*" * 32 in hidden.expected_string
    assert json.dumps(d.view("zh", reveal=False)) == json.dumps(hidden.view("zh"))


def test_the_record_is_codes_and_parameters_and_renders_on_the_way_out():
    d = run(ORDER, md5(joined(ORDER.items()) + "&key=" + KEY))
    record = d.to_dict()
    assert "explanation" not in record and record["findings"] == [{"code": "unsorted", "params": {}}]
    assert Diagnosis.from_dict(json.loads(json.dumps(record))).view("zh") == d.view("zh")
    shown = view_of(record, "zh")
    assert shown["explanation"].startswith("参数是按发送时的顺序拼接的") and shown["lang"] == "zh"
    assert shown["texts"]["en"]["explanation"].startswith("The fields were joined")


def test_a_damaged_record_still_renders():
    for record in (
        {"findings": [{"code": "nope"}, "junk", {"code": "trimmed", "params": "x"}], "tried": "x"},
        {"findings": None, "context": [], "expected_sign": 5},
    ):
        shown = view_of(record, "en")
        assert isinstance(shown["explanation"], str) and shown["hint"].isascii()
    assert view_of("a string", "en") == "a string"


def test_the_log_line_of_a_record_speaks_the_language_asked_for():
    d = run(ORDER, md5(joined(ORDER.items()) + "&key=" + KEY))
    assert summary_of(d.to_dict(), "zh") == d.summary("zh") and "期望的MD5签名是" in d.summary("zh")
    assert summary_of(d.to_dict(), "en").startswith("The fields were joined")
    record = v3_record(["v3_body_omitted"], what="request signature", expected="POST\n/v3/x\n1\nN\n{}\n")
    assert summary_of(record, "zh").endswith("期望的待签名串是“POST\\n/v3/x\\n1\\nN\\n{}\\n”。")
    assert "Expected the signed message 'POST\\n/v3/x" in summary_of(record, "en")
    serial = v3_record(["v3_serial_decimal"], what="serial_no", expected="5157F09E")
    assert summary_of(serial, "en").endswith("Expected serial_no '5157F09E'.")
    assert summary_of("not a record", "en") == summary_of({"kind": "v3"}, "zh") == ""
