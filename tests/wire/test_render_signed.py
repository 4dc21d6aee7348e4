"""An answer signed and rendered in one walk (issue 14) is the document render_xml(with_sign(...)) makes,
and wechatpy, an independent SDK, accepts its sign."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from mockwx.wire import HMAC_SHA256, MD5, parse_xml, render_signed, render_xml, sign

KEY = "192006250b4c09247ec02edce69f6a2d"
NAMES = st.from_regex(r"[a-z][a-z_0-9]{0,12}", fullmatch=True).filter(lambda n: n != "sign")
VALUES = st.none() | st.integers(0, 2**31) | st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=20)


@given(st.dictionaries(NAMES, VALUES, max_size=12), st.sampled_from([MD5, HMAC_SHA256]), st.integers(0, 12))
def test_one_walk_renders_what_render_xml_of_the_signed_fields_renders(fields, sign_type, place):
    items = list(fields.items())
    answer = dict([*items[:place], ("sign", ""), *items[place:]])
    expected = dict(answer)
    expected["sign"] = sign({k: v for k, v in answer.items() if v is not None}, KEY, sign_type)
    assert render_signed(answer, KEY, sign_type) == render_xml(expected)


def test_without_a_sign_field_the_sign_goes_last():
    body = render_signed({"return_code": "SUCCESS", "total_fee": 1}, KEY)
    assert body.endswith(b"</sign></xml>")


def test_wechatpy_accepts_the_sign():
    answer = {"return_code": "SUCCESS", "appid": "wxd678efh567hg6787", "sign": "", "prepay_id": "wx1", "total_fee": 1}
    for sign_type, calculate in ((MD5, calculate_signature), (HMAC_SHA256, calculate_signature_hmac)):
        parsed = parse_xml(render_signed(answer, KEY, sign_type))
        unsigned = {k: v for k, v in parsed.items() if k != "sign"}
        assert parsed["sign"] == calculate(unsigned, KEY)
