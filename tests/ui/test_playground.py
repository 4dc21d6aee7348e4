"""The signature playground's steps, pinned by WeChat's documented example and wechatpy's signer (an
independent SDK), and the received string it rebuilds from the doctor's named mistakes."""

from __future__ import annotations

import hashlib

import pytest
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from mockwx.config import DEMO_API_KEY, DEMO_SECRET
from mockwx.doctor import KeyCandidate
from mockwx.ui.playground import PlaygroundError, char_diff, parse_text, work
from mockwx.wire import HMAC_SHA256, pay_sign_fields, render_xml

DOC_EXAMPLE = "appid=wxd930ea5d5a258f4f\nmch_id=10000100\ndevice_info=1000\nbody=test\nnonce_str=ibuaiVcKdpRxkhJA"
APPSECRET = [KeyCandidate(DEMO_SECRET, "appsecret", "wxd930ea5d5a258f4f", "appsecret_as_key")]


def test_wechats_documented_example_step_by_step():
    bench = work(DOC_EXAMPLE, DEMO_API_KEY, received="9A0A8659F005D6984697E2CA0A9CF3B7")
    assert (
        bench.joined == "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100&nonce_str=ibuaiVcKdpRxkhJA"
    )
    assert bench.digest == "9a0a8659f005d6984697e2ca0a9cf3b7" and bench.sign == "9A0A8659F005D6984697E2CA0A9CF3B7"
    assert bench.matches is True and bench.diagnosis is None
    assert bench.masked_key == "1920************************6a2d"


@pytest.mark.parametrize("sign_type", ["MD5", HMAC_SHA256])
def test_signs_agree_with_wechatpy(sign_type):
    fields = {
        "appid": "wx1",
        "mch_id": "1",
        "attach": "",
        "body": "咖啡 x1",
        "total_fee": "100",
        "sign_type": sign_type,
    }
    bench = work(render_xml(fields).decode(), DEMO_API_KEY)
    signer = calculate_signature_hmac if sign_type == HMAC_SHA256 else calculate_signature
    assert bench.sign == signer(fields, DEMO_API_KEY)
    assert [f.name for f in bench.fields if f.dropped] == ["attach"]


def test_an_appsecret_sign_is_named_with_the_diff_of_the_keys():
    wrong = calculate_signature(dict(parse_text(DOC_EXAMPLE)), DEMO_SECRET)
    bench = work(DOC_EXAMPLE, DEMO_API_KEY, received=wrong, wrong_keys=APPSECRET)
    assert bench.matches is False and bench.diagnosis["mistakes"] == ["appsecret_as_key"]
    deleted = "".join(p.text for p in bench.diff if p.op == "delete")
    inserted = "".join(p.text for p in bench.diff if p.op == "insert")
    assert DEMO_API_KEY not in deleted + inserted and DEMO_SECRET not in deleted + inserted  # keys stay masked
    assert bench.received_string.endswith(f"&key={DEMO_SECRET}")


def test_a_lowercase_sign_has_no_diff_of_two_equal_strings():
    """Issue 11 review (minor): the lower-case hex diagnosis showed a 'diff' of two identical strings."""
    bench = work(DOC_EXAMPLE, DEMO_API_KEY, received="9a0a8659f005d6984697e2ca0a9cf3b7")
    assert bench.matches is False and bench.diagnosis["mistakes"] == ["lowercase_hex"]
    assert bench.diff == []


def test_unsorted_fields_rebuild_the_string_in_the_order_sent():
    sent = parse_text(DOC_EXAMPLE)
    unsorted = "&".join(f"{k}={v}" for k, v in sent.items()) + f"&key={DEMO_API_KEY}"
    received = hashlib.md5(unsorted.encode()).hexdigest().upper()
    bench = work(DOC_EXAMPLE, DEMO_API_KEY, received=received)
    assert bench.diagnosis["mistakes"] == ["unsorted"]
    assert bench.received_string == unsorted
    assert any(p.op != "equal" for p in bench.diff)


def test_paysign_mode_signs_the_five_fields_only():
    text = (
        "appId=wxd930ea5d5a258f4f\ntimeStamp=1490840662\nnonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
        "package=prepay_id=wx2017033010242291fcfe0db70013231072\nsignType=MD5\nextra=1"
    )
    bench = work(text, DEMO_API_KEY, mode="paysign")
    five = pay_sign_fields(
        "wxd930ea5d5a258f4f",
        "1490840662",
        "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
        "prepay_id=wx2017033010242291fcfe0db70013231072",
        "MD5",
    )
    assert bench.sign == calculate_signature(five, DEMO_API_KEY)
    assert [(f.name, f.dropped) for f in bench.fields if f.dropped] == [("extra", "not_paysign")]
    lower = calculate_signature({k.lower(): v for k, v in five.items()}, DEMO_API_KEY)
    wrong = work(text, DEMO_API_KEY, mode="paysign", received=lower)
    assert wrong.diagnosis["mistakes"] == ["lowercase_names"]
    assert "appid=" in wrong.received_string and "appId=" not in wrong.received_string


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "paste a request"), ("<xml><a>1</xml>", "does not parse"), ("[1]", "not key=value"), ("{1", "JSON")],
)
def test_input_it_cannot_use_says_what_to_paste(text, message):
    with pytest.raises(PlaygroundError, match=message):
        work(text, DEMO_API_KEY)


def test_parse_text_takes_xml_json_and_pairs():
    assert parse_text("<xml><a><![CDATA[x&y]]></a></xml>") == {"a": "x&y"}
    assert parse_text('{"a": 1, "b": null}') == {"a": "1", "b": ""}
    assert parse_text("a=1&b=2") == {"a": "1", "b": "2"}
    assert parse_text("package=prepay_id=wx1\nb=") == {"package": "prepay_id=wx1", "b": ""}


def test_char_diff_marks_what_differs():
    parts = char_diff("a=1&key=K", "a=2&key=K")
    assert [(p.op, p.text) for p in parts] == [("equal", "a="), ("delete", "1"), ("insert", "2"), ("equal", "&key=K")]
    keys = char_diff("key=1920****6a2d", "key=a1b2****8f90")  # no confetti of single shared characters
    assert [(p.op, p.text) for p in keys] == [
        ("equal", "key="),
        ("delete", "1920"),
        ("insert", "a1b2"),
        ("equal", "****"),
        ("delete", "6a2d"),
        ("insert", "8f90"),
    ]
