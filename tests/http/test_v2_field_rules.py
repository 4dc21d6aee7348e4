"""The one-pass field checks (issue 14) give the verdict the three passes gave: a missing required
field first, then the first field too long, then the first of the wrong format, in the request's
order. Held against a plain three-pass reference written here from protocol/v2.md 3.1's rules."""

from __future__ import annotations

import ipaddress
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mockwx.http.v2 import rules
from mockwx.http.v2.errors import ReturnFail
from mockwx.wire import parse_compact

TABLES = {
    "unifiedorder": rules.UNIFIEDORDER,
    "orderquery": rules.ORDERQUERY,
    "closeorder": rules.CLOSEORDER,
    "refund": rules.REFUND,
    "refundquery": rules.REFUNDQUERY,
    "downloadbill": rules.DOWNLOADBILL,
}


def _format_ok(rule: rules.Rule, value: str) -> bool:
    kind = rule.kind
    if kind == "enum":
        return value in rule.options
    if kind == "digits":
        return re.fullmatch(r"[0-9]+", value) is not None
    if kind == "fen":
        return re.fullmatch(r"[0-9]+", value) is not None and 0 < int(value) <= 2**31 - 1
    if kind == "trade_no":
        return re.fullmatch(r"[0-9A-Za-z_\-|*@]+", value) is not None
    if kind == "ip":
        octet = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
        if re.fullmatch(rf"{octet}(?:\.{octet}){{3}}", value):
            return True
        try:
            return "%" not in value and bool(ipaddress.IPv6Address(value))
        except ValueError:
            return False
    if kind == "url":
        return rules._is_url(value)  # the URL rule has its own tests (tests/http/test_unifiedorder.py)
    if kind == "time":
        try:
            parse_compact(value)
        except ValueError:
            return False
    return True


def reference(fields: dict[str, str], table: dict[str, rules.Rule]) -> tuple[str, str] | None:
    """The three passes: required (table order), lengths, formats (request order)."""
    for rule in table.values():
        if rule.required and not fields.get(rule.name):
            return ("缺少参数", rule.name)
    checked = [(table[name], value) for name, value in fields.items() if value and name in table]
    for rule, value in checked:
        if len(value) > rule.max_len:
            return (f"{rule.name}参数长度有误", rule.name)
    for rule, value in checked:
        if rule.check and not _format_ok(rule, value):
            return ("format", rule.name)
    return None


def verdict(fields: dict[str, str], table: rules.Rules) -> tuple[str, str] | None:
    try:
        rules.check_fields(fields, table)
    except ReturnFail as fail:
        if fail.kind == "LACK_PARAMS":
            return ("缺少参数", fail.hint.split("field ")[1].split(" ")[0])
        if fail.kind == "LENGTH":
            return (fail.return_msg, fail.field)
        assert fail.kind in ("FORMAT", "INVALID") and fail.field in fail.return_msg, fail.return_msg
        return ("format", fail.field)
    return None


GOOD = {
    "appid": "wxd678efh567hg6787",
    "mch_id": "1230000109",
    "nonce_str": "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
    "sign": "C380BEC2BFD727A4B6845133519F3AD6",
    "body": "腾讯充值中心-QQ会员充值",
    "out_trade_no": "20150806125346",
    "total_fee": "88",
    "spbill_create_ip": "123.12.12.123",
    "notify_url": "http://www.weixin.qq.com/wxpay/pay.php",
    "trade_type": "JSAPI",
    "out_refund_no": "R20150806125346",
    "refund_fee": "88",
    "bill_date": "20141110",
}
ODD = [
    "",
    "x" * 40,
    "x" * 300,
    "1.5",
    "0",
    "-1",
    "abc",
    "T 1",
    "１２",
    "2147483648",
    "fe80::1%eth0",
    "::1",
    "http://a/b?c=1",
    "20261399000000",
    "20261127101249",
    "MD5",
    "HMAC-SHA256",
    "CNY",
    "USD",
    "Y",
    "no_credit",
]


@st.composite
def requests(draw):
    api = draw(st.sampled_from(sorted(TABLES)))
    table = TABLES[api]
    names = draw(st.permutations([*table, "unknown_field"]))
    fields = {}
    for name in names[: draw(st.integers(0, len(names)))]:
        fields[name] = draw(st.sampled_from([GOOD.get(name, "ok"), *ODD]) | st.text(max_size=20))
    return api, fields


@settings(max_examples=600, deadline=None)
@given(requests())
def test_one_pass_gives_the_three_passes_verdict(request):
    api, fields = request
    assert verdict(fields, TABLES[api]) == reference(fields, TABLES[api])


def test_a_length_error_wins_over_an_earlier_format_error():
    fields = {**{k: GOOD[k] for k in ("appid", "mch_id", "nonce_str", "sign")}, "out_trade_no": "T 1"}
    fields |= {"body": "b", "total_fee": "1", "spbill_create_ip": "1.1.1.1", "trade_type": "JSAPI"}
    fields |= {"notify_url": "http://a/n", "attach": "x" * 128}
    with pytest.raises(ReturnFail) as raised:
        rules.check_fields(fields, rules.UNIFIEDORDER)
    assert (raised.value.kind, raised.value.field) == ("LENGTH", "attach")
