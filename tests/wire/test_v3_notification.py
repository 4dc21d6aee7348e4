"""The v3 notification envelope (protocol/v3.md 7.1, 8.3): our body, signed with our headers, parsed by wechatpayv3's
own callback(), and read back by ours."""

from __future__ import annotations

import json

import pytest

from mockwx.wire import v3

from .v3_support import API_V3_KEY, MCHID, PUBLIC_KEY_ID

TRANSACTION = {
    "mchid": MCHID,
    "appid": "wx7b8f18a7b5a3f6c8",
    "out_trade_no": "1217752501202209053233368026",
    "transaction_id": "4200001596202209066064970025",
    "trade_type": "JSAPI",
    "trade_state": "SUCCESS",
    "trade_state_desc": "支付成功",
    "bank_type": "OTHERS",
    "attach": "",
    "success_time": "2022-09-06T22:41:30+08:00",
    "payer": {"openid": "oqT1g5JM4IBmk7yxEI-lGTnhs4Zc"},
    "amount": {"total": 1, "payer_total": 1, "currency": "CNY", "payer_currency": "CNY"},
}


def body(**overrides):
    fields = dict(
        notification_id="4b652507-f4e0-5400-9bd4-160b351fc535",
        create_time="2025-09-25T22:41:16+08:00",
        event_type="TRANSACTION.SUCCESS",
        summary="支付成功",
        original_type="transaction",
    )
    return v3.notification_body(TRANSACTION, API_V3_KEY, **{**fields, **overrides})


def test_envelope_is_compact_in_real_key_order_with_chinese_unescaped():
    raw = body(nonce="wH6I3SmUqHWX")
    text = raw.decode()
    assert ": " not in text and ", " not in text and "支付成功" in text
    envelope = json.loads(raw)
    assert list(envelope) == ["id", "create_time", "resource_type", "event_type", "summary", "resource"]
    assert list(envelope["resource"]) == ["original_type", "algorithm", "ciphertext", "associated_data", "nonce"]
    assert envelope["resource_type"] == "encrypt-resource"
    assert envelope["resource"]["associated_data"] == "transaction" and envelope["resource"]["nonce"] == "wH6I3SmUqHWX"


def test_wechatpayv3_callback_parses_ours(public_key_core, platform_key):
    raw = body()
    headers = v3.sign_response(raw, platform_key, PUBLIC_KEY_ID, timestamp=1758811276)
    parsed = public_key_core.callback(headers, raw)
    assert parsed["resource"] == TRANSACTION
    assert parsed["event_type"] == "TRANSACTION.SUCCESS" and parsed["summary"] == "支付成功"
    assert (
        public_key_core.callback({**headers, "Wechatpay-Nonce": "0" * 32}, raw) is None
    )  # signature no longer verifies


def test_read_back():
    note = v3.read_notification(
        body(original_type="refund", event_type="REFUND.SUCCESS", summary="退款成功"), API_V3_KEY
    )
    assert (note.event_type, note.original_type, note.summary) == ("REFUND.SUCCESS", "refund", "退款成功")
    assert note.resource == TRANSACTION and note.id == "4b652507-f4e0-5400-9bd4-160b351fc535"


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        (b"not json", v3.NotificationError),
        (b"[]", v3.NotificationError),
        (b'{"resource_type":"plain"}', v3.NotificationError),
        (b'{"resource_type":"encrypt-resource"}', v3.NotificationError),
        (body().replace(b'"transaction","nonce"', b'"refund","nonce"'), v3.DecryptError),
    ],
)
def test_bad_notifications(raw, error):
    with pytest.raises(error):
        v3.read_notification(raw, API_V3_KEY)


def test_wrong_api_v3_key():
    with pytest.raises(v3.DecryptError):
        v3.read_notification(body(), "0" * 32)
