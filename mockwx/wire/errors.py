"""WeChat's error vocabulary, as tables: the texts WeChat answers with, exactly as it writes them.

Pay v2 business failures (result_code=FAIL, err_code -> err_code_des) and transport-level
failures (return_code=FAIL, return_msg) come from protocol/v2.md 3.2-3.3 and 6.1-6.6 and the
captured answers it cites; login errors (errcode -> errmsg before the ", rid: ..." suffix) from
v2.md 1.3 and 1.5. Where a captured answer exists its text wins over the documentation's.
"""

from __future__ import annotations

# err_code -> err_code_des (return_code=SUCCESS, result_code=FAIL).
V2_ERR_CODES: dict[str, str] = {
    "ERROR": "业务错误",
    "FREQUENCY_LIMITED": "1个月之前的订单请降低申请频率再重试",
    "INVALID_REQUEST": "参数错误",
    "NOAUTH": "商户号该产品权限未开通，请前往商户平台>产品中心检查后重试。",
    "NOTENOUGH": "基本账户余额不足，请充值后重新发起",
    "ORDERCLOSED": "订单已关闭",
    "ORDERNOTEXIST": "订单不存在",
    "ORDERPAID": "该订单已支付",
    "OUT_TRADE_NO_USED": "商户订单号重复",
    "PARAM_ERROR": "参数错误",
    "REFUNDNOTEXIST": "not exist",
    "REFUND_FEE_MISMATCH": "订单金额或退款金额与之前请求不一致，请核实后再试",
    "SYSTEMERROR": "系统错误",
    "TRADE_OVERDUE": "订单已经超过退款期限",
    "TRADE_STATE_ERROR": "订单状态错误",
    "USER_ACCOUNT_ABNORMAL": "退款请求失败",
}

# Transport- and format-level failures (return_code=FAIL, no sign, no other field):
# kind -> return_msg, where {field} is the offending field's name.
V2_RETURN_MSGS: dict[str, str] = {
    "SIGNERROR": "签名错误",
    "XML_FORMAT_ERROR": "XML格式错误",
    "POST_DATA_EMPTY": "post数据为空",
    "NOT_UTF8": "编码格式错误",
    "REQUIRE_POST_METHOD": "请使用post方法",
    "LACK_PARAMS": "缺少参数",
    "LENGTH": "{field}参数长度有误",
    "FORMAT": "{field}参数格式错误",
    "INVALID": "invalid {field}",
    "APPID_NOT_EXIST": "AppID不存在，请检查后再试",
    "MCHID_NOT_EXIST": "商户号mch_id或sub_mch_id不存在",
    "APPID_MCHID_NOT_MATCH": "商户号mch_id与appid不匹配",
    "OPENID_MISMATCH": "appid and openid not match",
    "JSAPI_NEEDS_OPENID": "JSAPI支付必须传openid",
    "NO_BILL": "No Bill Exist",
    "BILL_DATE": "invalid bill_date",
    "INTERNAL": "系统繁忙,请稍后再试.",
}

# WeChat's text for a busy system, as captured in SYSTEMERROR answers.
SYSTEM_BUSY = "系统繁忙,请稍后再试."

# errcode -> errmsg (before the "rid: ..." suffix) for api.weixin.qq.com.
LOGIN_ERRCODES: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40097: "invalid args",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "code blocked",
    41001: "access_token missing",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    42001: "access_token expired",
    43002: "require POST method",
    45011: "api minute-quota reach limit mustslower retry next minute",
    47001: "data format error",
    87009: "invalid signature",
}

# API v3 error codes a fault rule can ask for -> (HTTP status, message) (protocol/v3.md 4.3, 8.1, 9.2).
V3_ERROR_CODES: dict[str, tuple[int, str]] = {
    "SYSTEM_ERROR": (500, "系统繁忙，请稍后重试"),
    "FREQUENCY_LIMITED": (429, "请求频率超过限制"),
    "NOT_ENOUGH": (403, "基本账户余额不足，请充值后重新发起"),
    "NO_AUTH": (403, "商户无权限"),
    "BANK_ERROR": (500, "银行系统异常"),
    "SERVICE_UNAVAILABLE": (503, "服务暂时不可用"),
    "USER_ACCOUNT_ABNORMAL": (403, "退款请求失败"),
    "RULE_LIMIT": (403, "业务规则限制"),
    "TRADE_ERROR": (403, "交易错误"),
    "INVALID_REQUEST": (400, "无效请求"),
    "PARAM_ERROR": (400, "参数错误"),
    "SIGN_ERROR": (401, "签名错误"),
}

# API v3 code -> WeChat's internal result number, the suffix of Request-ID ("<hex>-<number>", 0 on success;
# protocol/v3.md 2.1 and the SKILLS TOP-20 of 9.2; NOT_ENOUGH from a captured Request-ID). A message
# that has its own number wins over its code's (PARAM_ERROR: parameters the API does not define).
V3_RESULT_NUMBERS: dict[str, int] = {
    "ORDER_NOT_EXIST": 268512771,
    "FREQUENCY_LIMITED": 268447840,
    "PARAM_ERROR": 268435461,
    "ORDER_PAID": 268449538,
    "ORDERPAID": 268498689,
    "SIGN_ERROR": 268443699,
    "APPID_MCHID_NOT_MATCH": 268445527,
    "NOT_ENOUGH": 268892709,
}
V3_RESULT_NUMBERS_BY_MESSAGE: dict[str, int] = {
    "请求中含有未在API文档中定义的参数": 270924358,
    "请求重入时，参数与首次请求时不一致": 268498688,
}
V3_UNLISTED_RESULT_NUMBER = 268435456
"""The errors v3.md lists no number for end with this one: 0x10000000, below every number seen (UNVERIFIED)."""


def v3_result_number(code: str, message: str) -> int:
    """The Request-ID suffix of a v3 error answer."""
    return V3_RESULT_NUMBERS_BY_MESSAGE.get(message) or V3_RESULT_NUMBERS.get(code, V3_UNLISTED_RESULT_NUMBER)


# How errmsg ends. code2session's captured answers write "<msg>, rid: <rid>"; the access_token family
# writes "<msg> rid: <rid>" (captured: 40001, 41001, 42001); the newer APIs (getuserphonenumber) write
# "<msg> hint: [<hint>] rid: <rid>" (captured: 40029). The others follow their neighbours (UNVERIFIED).
LOGIN_RID_SPACED = frozenset({40001, 40014, 41001, 42001, 43002, 47001, 87009, 40003, 40097})


def login_errmsg(errcode: int, rid: str, hint: str = "") -> str:
    """The whole errmsg of a login-family error: the text, then the request id as WeChat appends it."""
    text = LOGIN_ERRCODES[errcode]
    if hint:
        return f"{text} hint: [{hint}] rid: {rid}"
    return f"{text}{' ' if errcode in LOGIN_RID_SPACED else ', '}rid: {rid}"
