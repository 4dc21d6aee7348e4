"""The paySign mistakes of wx.requestPayment (protocol/v2.md 4, miniprogram-client.md 6): field
names, the five fields, the package, and the client-side rules WeChat checks before paying.
"""

from __future__ import annotations

from .catalogue import Mistake

_FIVE_EN = "Sign exactly the five fields appId, nonceStr, package, signType and timeStamp (case-sensitive)."
_FIVE_ZH = "paySign要对appId、nonceStr、package、signType、timeStamp这五个参数签名，参数名区分大小写。"

MISTAKES = (
    Mistake(
        "lowercase_names",
        "paysign",
        0.7,
        "paySign field names in lower case (appid, timestamp...)",
        "paySign参数名全写成了小写",
        "The paySign field names were written in lower case (appid, noncestr, signtype, timestamp) instead of"
        " appId, nonceStr, signType, timeStamp.",
        "paySign的参数名全写成了小写（appid、noncestr、signtype、timestamp），应为appId、nonceStr、signType、timeStamp。",
        _FIVE_EN,
        _FIVE_ZH,
    ),
    Mistake(
        "paysign_field_name",
        "paysign",
        0.6,
        "one paySign field name misspelled (appid for appId...)",
        "paySign个别参数名写错",
        "paySign was computed with the field name {signed} instead of {field}.",
        "计算paySign时参数名写成了{signed}，应为{field}。",
        _FIVE_EN,
        _FIVE_ZH,
    ),
    Mistake(
        "paysign_sign_type_omitted",
        "paysign",
        0.5,
        "signType left out of the paySign string",
        "signType没有参与paySign签名",
        "signType was left out of the paySign string.",
        "signType没有参与paySign签名。",
        _FIVE_EN,
        _FIVE_ZH,
    ),
    Mistake(
        "paysign_appid_omitted",
        "paysign",
        0.5,
        "appId left out of the paySign string",
        "appId没有参与paySign签名",
        "appId was left out of the paySign string (wx.requestPayment does not take it, but it is signed).",
        "appId没有参与paySign签名（wx.requestPayment不需要传appId，但签名时必须带上）。",
        _FIVE_EN,
        _FIVE_ZH,
    ),
    Mistake(
        "package_without_prefix",
        "paysign",
        0.5,
        "package signed as the bare prepay_id, without prepay_id=",
        "package少了“prepay_id=”前缀",
        "package was signed as the bare prepay_id instead of 'prepay_id=<id>'.",
        "package签名时只用了prepay_id的值，少了“prepay_id=”前缀。",
        "Sign package as 'prepay_id=<id>', exactly as passed to wx.requestPayment.",
        "package要按“prepay_id=xxx”的完整形式签名，和传给wx.requestPayment的一致。",
    ),
    Mistake(
        "wrong_appid",
        "paysign",
        0.6,
        "paySign made with another appId than the paying mini program's",
        "paySign用了别的appId",
        "paySign was computed with appId {appid}, but the order belongs to {order_appid}, the mini program that pays.",
        "paySign用的appId是{appid}，但这笔订单属于发起支付的小程序{order_appid}。",
        "Sign with the appid of the mini program (the one unifiedorder used), not an official account's.",
        "用统一下单时的小程序appid签名，不要用公众号或其他应用的appid。",
    ),
    Mistake(
        "paysign_other_prepay_id",
        "paysign",
        0.4,
        "package signed with another order's prepay_id",
        "package用了另一笔订单的prepay_id",
        "package was signed with prepay_id={signed} (order {other}), not the one sent, prepay_id={sent}.",
        "package签名用的是prepay_id={signed}（订单{other}），而不是实际发送的prepay_id={sent}。",
        "Compute the paySign of each order from its own unifiedorder answer, with its prepay_id.",
        "每笔订单都要用它自己统一下单返回的prepay_id重新计算paySign。",
    ),
    Mistake(
        "paysign_sign_type_mismatch",
        "paysign",
        0.5,
        "signType differs from the order's sign_type (unifiedorder)",
        "signType与下单时的sign_type不一致",
        "signType is {used}, but the order was placed (unifiedorder) with sign_type {order_sign_type}; WeChat"
        " requires the same algorithm for both.",
        "signType是{used}，但统一下单时用的sign_type是{order_sign_type}；微信要求两者一致。",
        "Use the sign_type of unifiedorder for the paySign too, in the string and in signType.",
        "调起支付时的signType要和统一下单的sign_type一致，签名和传参都一样。",
    ),
    Mistake(
        "timestamp_milliseconds",
        "paysign",
        0.5,
        "timeStamp in milliseconds instead of seconds",
        "timeStamp用了毫秒",
        "timeStamp is {value}, in milliseconds; WeChat wants Unix seconds (10 digits).",
        "timeStamp是{value}，这是毫秒；微信要的是以秒为单位的Unix时间戳（10位）。",
        "Send and sign the time in seconds, as a string: String(Math.floor(Date.now() / 1000)) or"
        " str(int(time.time())).",
        "用秒级时间戳的字符串来签名和传参，比如 String(Math.floor(Date.now() / 1000)) 或 str(int(time.time()))。",
    ),
    Mistake(
        "sign_type_misspelled",
        "paysign",
        0.5,
        "signType misspelled (MD5 and HMAC-SHA256 only)",
        "signType拼写错误",
        "signType is '{value}', which WeChat does not know; it is spelled exactly {meant}.",
        "signType写成了“{value}”，微信不认识；应该严格写成{meant}。",
        "Write signType exactly MD5 or HMAC-SHA256, in the paySign string and in wx.requestPayment alike.",
        "signType只能是MD5或HMAC-SHA256（大小写和连字符都要一致），签名和调用wx.requestPayment时都一样。",
    ),
    Mistake(
        "sign_type_unknown",
        "paysign",
        0.3,
        "signType is not a v2 sign type (RSA is for API v3)",
        "signType不是v2的签名类型",
        "signType is '{value}', which is not a Pay v2 sign type (MD5 or HMAC-SHA256); this order came from v2"
        " unifiedorder with sign_type {order_sign_type}.",
        "signType是“{value}”，不是v2支付的签名类型（MD5或HMAC-SHA256）；这笔订单是用v2统一下单创建的，"
        "sign_type是{order_sign_type}。",
        "Use signType {order_sign_type}; RSA is for orders placed with API v3 only.",
        "signType请用{order_sign_type}；RSA只用于APIv3下单的订单。",
    ),
)
