"""Open data (protocol/v2.md 1.4), pinned by WeChat's published decryption example (the official
demo's appId, session_key, iv and encryptedData) and by wechatpy's independent WeChatWxaCrypto."""

from __future__ import annotations

import base64
import json

import pytest
from wechatpy.crypto import WeChatWxaCrypto
from wechatpy.exceptions import InvalidAppIdException

from mockwx.wire import OpenDataError, encrypt_open_data, open_open_data, seal_open_data, session_signature

# The official demo (developers.weixin.qq.com "开放数据校验与解密", reproduced by many SDKs' tests).
OFFICIAL_APPID = "wx4f4bc4dec97d474b"
OFFICIAL_SESSION_KEY = "tiihtNczf5v6AKRyjwEUhQ=="
OFFICIAL_IV = "r7BXXKkLb8qrSNn05n0qiA=="
OFFICIAL_ENCRYPTED = (
    "CiyLU1Aw2KjvrjMdj8YKliAjtP4gsMZMQmRzooG2xrDcvSnxIMXFufNstNGTyaGS9uT5geRa0W4oTOb1WT7fJlAC+oNPdbB+3hVbJSRgv+4l"
    "GOETKUQz6OYStslQ142dNCuabNPGBzlooOmB231qMM85d2/fV6ChevvXvQP8Hkue1poOFtnEtpyxVLW1zAo6/1Xx1COxFvrc2d7UL/lmHInN"
    "lxuacJXwu0fjpXfz/YqYzBIBzD6WUfTIF9GRHpOn/Hz7saL8xz+W//FRAUid1OksQaQx4CMs8LOddcQhULW4ucetDf96JcR3g0gfRK4PC7E/"
    "r7Z6xNrXd2UIeorGj5Ef7b1pJAYB6Y5anaHqZ9J6nKEBvB4DnNLIVWSgARns/8wR2SiRS7MNACwTyrGvt9ts8p12PKFdlqYTopNHR1Vf7Xjf"
    "hQlVsAJdNiKdYmYVoKlaRv85IfVunYzO0IKXsyl7JCUjCpoG20f0a04COwfneQAGGwd5oa+T8yO5hzuyDb/XcxxmK01EpqOyuxINew=="
)
OFFICIAL_PROFILE = {
    "openId": "oGZUI0egBJY1zhBYw2KhdUfwVJJE",
    "nickName": "Band",
    "gender": 1,
    "language": "zh_CN",
    "city": "Guangzhou",
    "province": "Guangdong",
    "country": "CN",
    "avatarUrl": "http://wx.qlogo.cn/mmopen/vi_32/aSKcBBPpibyKNicHNTMM0qJVh8Kjgiak2AHWr8MHM4WgMEm7GFhsf8OYrySdbvAM"
    "vTsw3mo8ibKicsnfN5pRjl1p8HQ/0",
    "unionId": "ocMvos6NjeKLIBqg5Mr9QjxrP1FA",
}


def test_the_official_example_decrypts():
    opened = open_open_data(OFFICIAL_ENCRYPTED, OFFICIAL_SESSION_KEY, OFFICIAL_IV, appid=OFFICIAL_APPID)
    assert opened == {**OFFICIAL_PROFILE, "watermark": {"timestamp": 1477314187, "appid": OFFICIAL_APPID}}


def test_sealing_the_official_profile_gives_the_official_bytes():
    """Same JSON layout, watermark order and 16-byte PKCS#7 as WeChat: the ciphertext matches byte for byte."""
    encrypted, iv = seal_open_data(
        OFFICIAL_PROFILE,
        appid=OFFICIAL_APPID,
        timestamp=1477314187,
        session_key=OFFICIAL_SESSION_KEY,
        iv=base64.b64decode(OFFICIAL_IV),
    )
    assert (encrypted, iv) == (OFFICIAL_ENCRYPTED, OFFICIAL_IV)


def test_wechatpy_opens_what_we_seal_chinese_included():
    key = base64.b64encode(bytes(range(16))).decode()
    profile = {"nickName": "微信用户", "gender": 0, "avatarUrl": "https://thirdwx.qlogo.cn/x/132"}
    encrypted, iv = seal_open_data(
        profile, appid="wxd930ea5d5a258f4f", timestamp=1764200000, session_key=key, iv=b"\1" * 16
    )
    decrypted = WeChatWxaCrypto(key, iv, "wxd930ea5d5a258f4f").decrypt_message(encrypted)
    assert decrypted["nickName"] == "微信用户"
    assert decrypted["watermark"] == {"timestamp": 1764200000, "appid": "wxd930ea5d5a258f4f"}
    with pytest.raises(InvalidAppIdException):
        WeChatWxaCrypto(key, iv, "wx0000000000000000").decrypt_message(encrypted)


@pytest.mark.parametrize("length", [0, 1, 15, 16, 17, 31, 32])
def test_padding_is_pkcs7_to_16_byte_blocks(length):
    key = OFFICIAL_SESSION_KEY
    raw = base64.b64decode(encrypt_open_data(b"x" * length, key, OFFICIAL_IV))
    assert len(raw) == (length // 16 + 1) * 16  # a whole block of padding when already aligned, never 32


def test_a_replaced_session_key_is_named():
    other = base64.b64encode(b"k" * 16).decode()
    with pytest.raises(OpenDataError, match="session_key is most likely not the one current"):
        open_open_data(OFFICIAL_ENCRYPTED, other, OFFICIAL_IV)


def test_a_watermark_for_another_app_is_refused():
    with pytest.raises(OpenDataError, match="watermark names appid 'wx4f4bc4dec97d474b', not 'wxd930ea5d5a258f4f'"):
        open_open_data(OFFICIAL_ENCRYPTED, OFFICIAL_SESSION_KEY, OFFICIAL_IV, appid="wxd930ea5d5a258f4f")


@pytest.mark.parametrize(
    ("encrypted", "key", "iv", "says"),
    [
        ("not base64!", OFFICIAL_SESSION_KEY, OFFICIAL_IV, "encryptedData is not valid base64"),
        (OFFICIAL_ENCRYPTED, "c2hvcnQ=", OFFICIAL_IV, "session_key must decode to 16 bytes"),
        (OFFICIAL_ENCRYPTED, OFFICIAL_SESSION_KEY, "", "iv must decode to 16 bytes"),
        (base64.b64encode(b"abc").decode(), OFFICIAL_SESSION_KEY, OFFICIAL_IV, "not a whole number of 16-byte"),
        (
            encrypt_open_data(json.dumps([1]).encode(), OFFICIAL_SESSION_KEY, OFFICIAL_IV),
            OFFICIAL_SESSION_KEY,
            OFFICIAL_IV,
            "not an object",
        ),
    ],
)
def test_bad_input_says_what_is_wrong(encrypted, key, iv, says):
    with pytest.raises(OpenDataError, match=says):
        open_open_data(encrypted, key, iv)


def test_session_signature_is_hmac_sha256_of_the_empty_string_keyed_by_the_session_key_text():
    # computed independently, as the Node SDKs do it: crypto.createHmac('sha256', sessionKey).update('')
    # (and `printf '' | openssl dgst -sha256 -hmac 'HyVFkGl5F5OQWJZZaNzBBg=='` agrees)
    assert session_signature("HyVFkGl5F5OQWJZZaNzBBg==") == (
        "252b75c92698025afe925b29cca5517fdf9ee67aae072cf3225ebf3a53783058"
    )
