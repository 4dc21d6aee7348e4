"""Every mistake of the tutorial list, sent as a client would, over real HTTP to a mock on loopback:
unifiedorder with the badly built sign, /__mock__/pay with the bad paySign, POST /__mock__/sign and
the ``sign`` command, with fields or a pasted signed string. The doctor must name exactly the
mistakes made, in English and in Chinese.
"""

from __future__ import annotations

import pytest

from mockwx.cli import main

from .clients import check_pasted, last_diagnosis, send_order, send_payment
from .tutorial import ORDER, PASTED_CASES, PAY_CASES, V2_CASES

# What each mistake's explanation says, typed by hand: (English, Chinese). Not read from the catalogue.
SAYS = {
    "appsecret_as_key": (
        "AppSecret of wxd930ea5d5a258f4f instead of the merchant API key",
        "的AppSecret，而不是商户的API密钥",
    ),
    "production_key_on_sandbox": ("production API key of merchant 10000100 on a sandbox path", "正式API密钥"),
    "key_missing": ("'&key=<API key>' was not appended", "没有拼接“&key=API密钥”"),
    "unsorted": ("instead of sorted by name", "没有按参数名ASCII码从小到大排序"),
    "lowercase_hex": ("lower-case hex", "小写"),
    "empty_fields_included": ("empty values were kept in the signed string: attach", "参与了签名：attach"),
    "sign_type_omitted": ("sign_type was sent but left out", "sign_type，但它没有参与签名"),
    "algorithm_mismatch": ("but sign", "要求的是"),
    "hmac_without_sign_type": ("sign_type was not sent", "没有sign_type"),
    "url_encoded": ("URL-encoded before signing", "URL编码"),
    "trimmed": ("trimmed before signing", "去掉了参数值首尾的空白"),
    "sign_placeholder_signed": ("empty sign placeholder ('sign=')", "占位用的空sign"),
    "signed_twice": ("signed twice", "签了两次"),
    "key_without_name": ("'&<key>' instead of '&key=<key>'", "少了“key=”"),
    "key_glued": ("glued to the last value", "直接接在了最后一个参数值后面"),
    "key_sorted_in": ("sorted in among the fields", "当成普通参数一起排序"),
    "gbk_encoded": ("GBK bytes", "GBK编码"),
    "hmac_swapped": ("key and the message swapped", "密钥和消息用反了"),
    "field_not_signed": ("sent but not signed", "没有参与签名"),
    "sign_type_not_sent": ("does not carry sign_type", "没有发送sign_type"),
    "field_name_differs": ("was signed under the name", "在签名时写成了"),
    "amount_in_yuan": ("total_fee was signed in yuan (0.01) but sent in fen (1)", "total_fee签名时用的是元（0.01）"),
    "xml_escaped": ("XML-escaped", "XML转义"),
    "trimmed_after_signing": ("but sent trimmed ('老男孩学费'): it was trimmed after signing", "是签名之后才去的空白"),
    "field_value_differs": ("was signed with the value", "签名时的值是"),
    "sign_whitespace": ("whitespace or a line break", "空白或换行"),
    "sign_truncated": ("was cut off", "被截断了"),
    "sign_wrong_length": ("characters long; an MD5 sign is 32", "而MD5签名应为32个字符"),
    "no_sign": ("carries no sign", "没有sign"),
    "lowercase_names": ("lower case (appid, noncestr", "全写成了小写"),
    "paysign_field_name": ("paySign was computed with the field name", "计算paySign时参数名写成了"),
    "paysign_sign_type_omitted": ("signType was left out", "signType没有参与paySign签名"),
    "paysign_appid_omitted": ("appId was left out", "appId没有参与paySign签名"),
    "package_without_prefix": ("bare prepay_id", "少了“prepay_id=”前缀"),
    "wrong_appid": ("appId wx0000000000000000", "appId是wx0000000000000000"),
    "paysign_other_prepay_id": ("(order P20261127000001)", "（订单P20261127000001）"),
    "paysign_sign_type_mismatch": ("order was placed (unifiedorder) with sign_type", "统一下单时用的sign_type"),
    "timestamp_milliseconds": ("in milliseconds", "这是毫秒"),
    "sign_type_misspelled": ("signType is 'HMACSHA256', which WeChat does not know", "微信不认识"),
    "sign_type_unknown": ("signType is 'RSA', which is not a Pay v2 sign type", "不是v2支付的签名类型"),
}
NOTHING = ("None of the common mistakes reproduces", "按常见的错误方式都算不出")


def assert_names(diagnosis: dict, expected: list[str], lang: str, beyond: bool = False) -> None:
    assert diagnosis["lang"] == lang
    if beyond:  # nothing wrong named, and the verdict says so
        assert set(diagnosis["mistakes"]) <= set(expected) and NOTHING[lang == "zh"] in diagnosis["explanation"]
        return
    assert sorted(diagnosis["mistakes"]) == sorted(expected), diagnosis["explanation"]
    which = 1 if lang == "zh" else 0
    for code in expected:
        assert SAYS[code][which] in diagnosis["explanation"], (code, diagnosis["explanation"])
    if not expected or expected == ["sign_wrong_length"]:
        assert NOTHING[which] in diagnosis["explanation"]
    assert diagnosis["fix"]
    assert diagnosis["texts"]["en"]["explanation"] and diagnosis["texts"]["zh"]["explanation"]


@pytest.mark.parametrize("case", V2_CASES, ids=[c.name for c in V2_CASES])
async def test_unifiedorder_with_a_badly_built_sign(client, case):
    _, _, body, hint = await send_order(client, case)
    assert "<return_msg><![CDATA[签名错误]]></return_msg>" in body
    assert hint.isascii() and (case.beyond or all(code in hint for code in case.expected))
    for lang in ("en", "zh"):
        assert_names(await last_diagnosis(client, lang), case.expected, lang, case.beyond)


@pytest.mark.parametrize("case", PAY_CASES, ids=[c.name for c in PAY_CASES])
async def test_request_payment_with_a_bad_pay_sign(client, case):
    refused = await send_payment(client, case)
    assert refused["errMsg"] == "requestPayment:fail 支付验证签名失败"
    assert (await client.order("P20261127000002"))["trade_state"] == "NOTPAY"
    for lang in ("en", "zh"):
        diagnosis = await last_diagnosis(client, lang)
        assert_names(diagnosis, case.expected, lang)


CLI_CASES = [c for c in V2_CASES if c.cli]
SAID_CASES = [c for c in CLI_CASES if not c.beyond]


@pytest.mark.parametrize("case", CLI_CASES, ids=[c.name for c in CLI_CASES])
async def test_post_sign_checks_the_same(client, case):
    fields = case.fields(ORDER)
    sign = case.sign(fields)
    for lang in ("en", "zh"):
        answer = await client.control("POST", "/sign", {"fields": fields, "check": sign, "lang": lang})
        if case.expected == ["no_sign"]:
            assert "check" not in answer and "diagnosis" not in answer
            continue
        assert answer["check"] == {"sign": sign, "right": False}
        assert_names(answer["diagnosis"], case.expected, lang, case.beyond)


@pytest.mark.parametrize("case", SAID_CASES, ids=[c.name for c in SAID_CASES])
def test_sign_command_checks_the_same(capsys, case):
    fields = case.fields(ORDER)
    sign = case.sign(fields)
    if not sign:
        return
    for lang, why in (("en", "  why:  "), ("zh", "  原因：")):
        code = main(["sign", *(f"{k}={v}" for k, v in fields.items()), "--check", sign, "--lang", lang])
        out = capsys.readouterr().out
        assert code == 1
        explanation = next(line for line in out.splitlines() if line.startswith(why))
        which = 1 if lang == "zh" else 0
        for mistake in case.expected:
            assert SAYS[mistake][which] in explanation, (mistake, out)


@pytest.mark.parametrize("case", PASTED_CASES, ids=[c.name for c in PASTED_CASES])
async def test_post_sign_reads_a_pasted_string(client, case):
    for lang in ("en", "zh"):
        answer = await check_pasted(client, case, lang)
        if case.right:
            assert answer["check"]["right"] is True and "diagnosis" not in answer
            continue
        assert answer.get("check", {}).get("right") is not True
        assert_names(answer["diagnosis"], case.expected, lang)


@pytest.mark.parametrize("case", PASTED_CASES, ids=[c.name for c in PASTED_CASES])
def test_sign_command_reads_a_pasted_string(capsys, case):
    for lang, why in (("en", "  why:  "), ("zh", "  原因：")):
        code = main(["sign", case.string, "--lang", lang])
        out = capsys.readouterr().out
        assert code == (0 if case.right else 1), out
        if case.right:
            assert why not in out
            continue
        explanation = next(line for line in out.splitlines() if line.startswith(why))
        for mistake in case.expected:
            assert SAYS[mistake][1 if lang == "zh" else 0] in explanation, (mistake, out)
