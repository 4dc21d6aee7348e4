"""The v2 signature, pinned by WeChat's published vectors (protocol/v2.md 2.1, 4, 1.4) and by an
independent implementation (wechatpy's)."""

from __future__ import annotations

import pytest
from wechatpy.pay.utils import calculate_signature, calculate_signature_hmac

from mockwx.wire import (
    HMAC_SHA256,
    MD5,
    canonical_string,
    mask_key,
    new_nonce,
    pay_sign,
    raw_data_signature,
    sign,
    verify,
    with_sign,
)

KEY = "192006250b4c09247ec02edce69f6a2d"
OFFICIAL = {
    "appid": "wxd930ea5d5a258f4f",
    "mch_id": "10000100",
    "device_info": "1000",
    "body": "test",
    "nonce_str": "ibuaiVcKdpRxkhJA",
}


def test_official_canonical_string():
    assert canonical_string(OFFICIAL, KEY) == (
        "appid=wxd930ea5d5a258f4f&body=test&device_info=1000&mch_id=10000100"
        "&nonce_str=ibuaiVcKdpRxkhJA&key=192006250b4c09247ec02edce69f6a2d"
    )


def test_official_md5_vector():
    assert sign(OFFICIAL, KEY) == "9A0A8659F005D6984697E2CA0A9CF3B7"


def test_official_hmac_sha256_vector():
    assert sign(OFFICIAL, KEY, HMAC_SHA256) == "6A9AE1657590FD6257D693A078E1C3E4BB6BA4DC30B23E0EE2496E54170DACD6"


def test_pay_sign_vector():
    assert (
        pay_sign(
            "wxd678efh567hg6787",
            "1490840662",
            "5K8264ILTKCH16CQ2502SI8ZNMTM67VS",
            "prepay_id=wx2017033010242291fcfe0db70013231072",
            MD5,
            "qazwsxedcrfvtgbyhnujmikolp111111",
        )
        == "22D9B4E54AB1950F51E0649E8810ACD6"
    )


def test_raw_data_signature_vector():
    raw = (
        '{"nickName":"Band","gender":1,"language":"zh_CN","city":"Guangzhou","province":"Guangdong",'
        '"country":"CN","avatarUrl":"http://wx.qlogo.cn/mmopen/vi_32/1vZvI39NWFQ9XM4LtQpFrQJ1xlgZxx3w7bQxKARol6503'
        'Iuswjjn6nIGBiaycAjAtpujxyzYsrztuuICqIM5ibXQ/0"}'
    )
    assert raw_data_signature(raw, "HyVFkGl5F5OQWJZZaNzBBg==") == "75e81ceda165f4ffa64f4068af58c64b8f54b88c"


def test_empty_values_and_sign_are_left_out_but_sign_type_is_kept():
    params = {**OFFICIAL, "attach": "", "detail": None, "sign": "X", "sign_type": "MD5"}
    assert canonical_string(params, KEY) == canonical_string({**OFFICIAL, "sign_type": "MD5"}, KEY)
    assert "sign_type=MD5" in canonical_string(params, KEY)


def test_sort_is_ascii_and_case_sensitive():
    fields = {"timeStamp": "1", "appId": "a", "package": "p", "nonceStr": "n", "signType": "MD5"}
    assert canonical_string(fields) == "appId=a&nonceStr=n&package=p&signType=MD5&timeStamp=1"


@pytest.mark.parametrize(
    "params",
    [
        OFFICIAL,
        {**OFFICIAL, "body": "腾讯充值中心-QQ会员充值", "attach": "深圳分店"},
        {**OFFICIAL, "total_fee": "1", "detail": '{"goods_detail":[{"goods_id":"a&b=c"}]}'},
    ],
)
def test_agrees_with_wechatpy(params):
    assert sign(params, KEY) == calculate_signature(params, KEY)
    assert sign(params, KEY, HMAC_SHA256) == calculate_signature_hmac(params, KEY)


def test_verify_accepts_right_sign_and_refuses_others():
    signed = with_sign(OFFICIAL, KEY)
    assert verify(signed, KEY)
    assert not verify({**signed, "body": "tampered"}, KEY)
    assert not verify({**signed, "sign": signed["sign"].lower()}, KEY)
    assert not verify(signed, "0" * 32)
    assert not verify(OFFICIAL, KEY)  # no sign at all


def test_verify_uses_the_fields_sign_type():
    signed = with_sign({**OFFICIAL, "sign_type": HMAC_SHA256}, KEY, HMAC_SHA256)
    assert verify(signed, KEY)
    assert not verify(signed, KEY, MD5)
    assert not verify({**signed, "sign_type": "SHA1"}, KEY)


def test_unknown_sign_type_is_an_error():
    with pytest.raises(ValueError, match="unknown sign_type"):
        sign(OFFICIAL, KEY, "SHA1")


def test_mask_key_and_nonce():
    assert mask_key(KEY) == "1920************************6a2d"
    assert KEY not in mask_key(KEY)
    nonce = new_nonce()
    assert len(nonce) == 32 and nonce.isalnum() and nonce != new_nonce()
