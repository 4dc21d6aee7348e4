"""v3 paySign for wx.requestPayment and the APP sign (protocol/v3.md 5), pinned by WeChat's published vector and by
wechatpayv3's WeChatPay.sign."""

from __future__ import annotations

from mockwx.wire import v3

from .v3_support import MCHID
from .v3_vectors import DOC_NONCE, DOC_PAY_APPID, DOC_PAY_SIGN, DOC_PREPAY_ID, DOC_PRIVATE_KEY, DOC_TIMESTAMP


def test_official_pay_sign_vector():
    key = v3.load_private_key(DOC_PRIVATE_KEY)
    params = v3.request_payment_params(DOC_PAY_APPID, DOC_PREPAY_ID, key, time_stamp=DOC_TIMESTAMP, nonce_str=DOC_NONCE)
    assert params == {
        "appId": DOC_PAY_APPID,
        "timeStamp": DOC_TIMESTAMP,
        "nonceStr": DOC_NONCE,
        "package": f"prepay_id={DOC_PREPAY_ID}",
        "signType": "RSA",
        "paySign": DOC_PAY_SIGN,
    }
    assert v3.verify_pay_sign(
        DOC_PAY_APPID, DOC_TIMESTAMP, DOC_NONCE, f"prepay_id={DOC_PREPAY_ID}", DOC_PAY_SIGN, key.public_key()
    )


def test_wechatpayv3_signs_the_same_four_lines(public_key_core, merchant_key):
    core = public_key_core  # signs with the merchant key it was built with
    jsapi = v3.request_payment_params("wxd678efh567hg6787", "wx2614", merchant_key, time_stamp=1414561699)
    assert core.sign(["wxd678efh567hg6787", "1414561699", jsapi["nonceStr"], "prepay_id=wx2614"]) == jsapi["paySign"]
    app = v3.app_pay_params("wxd678efh567hg6787", MCHID, "wx2614", merchant_key, timestamp=1414561699)
    assert app["package"] == "Sign=WXPay" and app["partnerid"] == MCHID
    assert core.sign(["wxd678efh567hg6787", "1414561699", app["noncestr"], "wx2614"]) == app["sign"]  # bare id


def test_verify_refuses_a_changed_line(merchant_key):
    sign = v3.pay_sign("wx1", "1", "n", "prepay_id=wx2", merchant_key)
    public = merchant_key.public_key()
    assert v3.verify_pay_sign("wx1", "1", "n", "prepay_id=wx2", sign, public)
    assert not v3.verify_pay_sign("wx1", "1", "n", "wx2", sign, public)
    assert not v3.verify_pay_sign("wx1", "1", "n", "prepay_id=wx2", "9A0A8659F005D6984697E2CA0A9CF3B7", public)
