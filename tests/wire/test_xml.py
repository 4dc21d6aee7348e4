"""Safe XML in, WeChat-shaped XML out (protocol/v2.md 2.2, sdk-behaviour.md)."""

from __future__ import annotations

import time

import pytest

from mockwx.wire import XmlError, parse_xml, render_xml

# The shapes real SDKs send (sdk-behaviour.md).
WECHATPY = b"""<xml>
<appid><![CDATA[wx1234567890abcdef]]></appid>
<body><![CDATA[stub-test]]></body>
<mch_id>1230000109</mch_id>
<total_fee>1</total_fee>
<sign><![CDATA[DFEEC4D17C8B22FD93A5CD569D5F9878]]></sign>
</xml>"""
TENPAY = b"""<?xml version="1.0"?>
<xml>
  <appid>wx1234567890abcdef</appid>
  <body>stub-test</body>
  <mch_id>1230000109</mch_id>
  <total_fee>1</total_fee>
  <sign>DFEEC4D17C8B22FD93A5CD569D5F9878</sign>
</xml>"""
AXIOS = (
    b"<xml><appid>wx1234567890abcdef</appid><body>stub-test</body><mch_id>1230000109</mch_id>"
    b"<total_fee>1</total_fee><sign>DFEEC4D17C8B22FD93A5CD569D5F9878</sign></xml>"
)
EXPECTED = {
    "appid": "wx1234567890abcdef",
    "body": "stub-test",
    "mch_id": "1230000109",
    "total_fee": "1",
    "sign": "DFEEC4D17C8B22FD93A5CD569D5F9878",
}


@pytest.mark.parametrize(
    "body", [WECHATPY, TENPAY, AXIOS, b"\xef\xbb\xbf" + AXIOS], ids=["wechatpy", "tenpay", "axios", "bom"]
)
def test_parses_every_sdk_shape(body):
    assert parse_xml(body) == EXPECTED


def test_text_is_unescaped_and_cdata_unwrapped():
    body = b"<xml><body>A&amp;B &lt;C&gt;</body><attach><![CDATA[x<y>&z]]></attach><e></e><f/></xml>"
    assert parse_xml(body) == {"body": "A&B <C>", "attach": "x<y>&z", "e": "", "f": ""}


def test_whitespace_inside_values_is_kept():
    assert parse_xml(b"<xml><body> a b </body></xml>") == {"body": " a b "}


def test_non_ascii_utf8():
    assert parse_xml("<xml><body>腾讯充值</body></xml>".encode()) == {"body": "腾讯充值"}


@pytest.mark.parametrize(
    ("body", "kind"),
    [
        (b"", "empty"),
        (b"  \n ", "empty"),
        ("<xml><body>腾讯</body></xml>".encode("gbk"), "not_utf8"),
        (b"<xml><body>a & b</body></xml>", "malformed"),  # weixin-python's unescaped '&'
        (b"<xml><body>a</xml>", "malformed"),
        (b"not xml at all", "malformed"),
        (b"<root><a>1</a></root>", "root"),
        (b"<xml><a><b>1</b></a></xml>", "nested"),
        (b"<xml><a>1</a><a>2</a></xml>", "duplicate"),
        (b"<xml><a>&undefined;</a></xml>", "malformed"),
    ],
)
def test_refuses_what_is_not_a_flat_utf8_wechat_message(body, kind):
    with pytest.raises(XmlError) as caught:
        parse_xml(body)
    assert caught.value.kind == kind


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><body>&lol9;</body></xml>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><body>&xxe;</body></xml>"""
PARAMETER_ENTITY = b"""<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:9/evil.dtd"> %remote;]><xml/>"""


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, PARAMETER_ENTITY], ids=["billion-laughs", "xxe", "param-entity"])
def test_refuses_any_dtd_before_expanding_anything(body):
    started = time.process_time()
    with pytest.raises(XmlError) as caught:
        parse_xml(body)
    assert caught.value.kind == "dtd"
    assert time.process_time() - started < 0.5  # nothing expanded: an expansion takes seconds and gigabytes


def test_deep_nesting_is_refused_at_the_first_nested_element():
    body = b"<xml>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</xml>"
    with pytest.raises(XmlError) as caught:
        parse_xml(body, max_bytes=len(body))
    assert caught.value.kind == "nested"


def test_size_bound():
    body = b"<xml><body>" + b"a" * 1000 + b"</body></xml>"
    with pytest.raises(XmlError) as caught:
        parse_xml(body, max_bytes=500)
    assert caught.value.kind == "too_large"


def test_render_writes_strings_in_cdata_and_ints_bare():
    out = render_xml({"return_code": "SUCCESS", "total_fee": 1, "mch_id": "10000100", "skip": None})
    assert out == (
        b"<xml><return_code><![CDATA[SUCCESS]]></return_code><total_fee>1</total_fee>"
        b"<mch_id><![CDATA[10000100]]></mch_id></xml>"
    )


def test_render_then_parse_round_trips_awkward_text():
    fields = {"a": "x]]>y", "b": "<&>\"'", "c": "腾讯", "d": 0}
    assert parse_xml(render_xml(fields)) == {"a": "x]]>y", "b": "<&>\"'", "c": "腾讯", "d": "0"}


def test_render_other_root():
    assert render_xml({"a": "1"}, root="root") == b"<root><a><![CDATA[1]]></a></root>"


def test_other_root_for_the_refund_req_info():
    assert parse_xml(b"<root><out_refund_no>R1</out_refund_no></root>", root="root") == {"out_refund_no": "R1"}
    with pytest.raises(XmlError) as caught:
        parse_xml(b"<xml><a>1</a></xml>", root="root")
    assert caught.value.kind == "root"
