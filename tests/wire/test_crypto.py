"""The refund notification's req_info, checked against wechatpy's independent decryption."""

from __future__ import annotations

import base64

import pytest
from wechatpy.crypto import WeChatRefundCrypto

from mockwx.wire import decrypt_req_info, encrypt_req_info, render_xml

KEY = "192006250b4c09247ec02edce69f6a2d"


def test_round_trip_and_16_byte_pkcs7():
    plain = render_xml({"out_refund_no": "R1", "refund_fee": 30}, root="root")
    token = encrypt_req_info(plain, KEY)
    raw = base64.b64decode(token)
    assert len(raw) % 16 == 0 and len(raw) - len(plain) <= 16  # PKCS#7 over 16-byte blocks, not 32
    assert decrypt_req_info(token, KEY) == plain


def test_wechatpy_decrypts_what_we_encrypt():
    plain = render_xml(
        {"out_refund_no": "R1", "refund_status": "SUCCESS", "success_time": "2026-11-27 10:00:00"}, root="root"
    )
    outer = {"appid": "wxd930ea5d5a258f4f", "mch_id": "10000100", "req_info": encrypt_req_info(plain, KEY)}
    decrypted = WeChatRefundCrypto(KEY).decrypt_message(outer, "wxd930ea5d5a258f4f", "10000100")
    assert decrypted["out_refund_no"] == "R1"
    assert decrypted["success_time"] == "2026-11-27 10:00:00"


@pytest.mark.parametrize("token", ["not base64!", base64.b64encode(b"short").decode(), ""])
def test_garbage_is_a_value_error(token):
    with pytest.raises(ValueError):
        decrypt_req_info(token, KEY)


def test_wrong_key_is_a_value_error_not_garbage():
    token = encrypt_req_info(b"<root><a>1</a></root>", KEY)
    with pytest.raises(ValueError):
        decrypt_req_info(token, "0" * 32)
