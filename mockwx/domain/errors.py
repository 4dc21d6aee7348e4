"""Every error the mock can answer with, as data: one catalogue, raised by services, rendered per
dialect in one place (mockwx.http.render).

Texts are WeChat's own (protocol/v2.md 1.3, 1.5, 3.2-3.3, 6.1-6.4 and the captured responses it
cites). ``hint`` is mockwx's own explanation for humans: it goes to the log, the request journal
and the ``X-Mockwx-Hint`` response header, never into a field that impersonates WeChat.
"""

from __future__ import annotations

from typing import Any

# err_code -> err_code_des for Pay v2 business failures (return_code=SUCCESS, result_code=FAIL).
# Texts from captured responses where one exists (see README "fidelity notes"), else the doc.
V2_ERRORS: dict[str, str] = {
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
    "TRADE_STATE_ERROR": "订单状态错误",
    "USER_ACCOUNT_ABNORMAL": "退款请求失败",
}

# errcode -> errmsg (before the ", rid: ..." suffix) for api.weixin.qq.com.
LOGIN_ERRORS: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40013: "invalid appid",
    40029: "invalid code",
    40125: "invalid appsecret",
    40163: "code been used",
    40226: "code blocked",
    41002: "appid missing",
    41004: "appsecret missing",
    41008: "missing code",
    45011: "api minute-quota reach limit mustslower retry next minute",
}

# Transport- and format-level failures (return_code=FAIL, no sign, no other field):
# kind -> return_msg, where {field} is the offending field's name.
RETURN_FAILS: dict[str, str] = {
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


class WeChatError(Exception):
    """Base of the errors that are answered in a WeChat dialect."""

    hint: str

    def details(self) -> dict[str, Any]:
        """What the journal records about this error."""
        return {"hint": self.hint} if self.hint else {}


class ReturnFail(WeChatError):
    """return_code=FAIL: the request was not accepted at all; the answer carries no sign."""

    def __init__(
        self,
        kind: str,
        field: str = "",
        *,
        hint: str = "",
        diagnosis: Any = None,
        return_msg: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        self.kind = kind
        self.extra = extra or {}  # further elements WeChat adds to this FAIL answer (downloadbill's error_code)
        self.field = field
        self.return_msg = return_msg if return_msg is not None else RETURN_FAILS[kind].format(field=field)
        self.hint = hint
        self.diagnosis = diagnosis
        super().__init__(f"{kind}: {self.return_msg}")

    def details(self) -> dict[str, Any]:
        out = {"return_code": "FAIL", "return_msg": self.return_msg, "kind": self.kind, **super().details()}
        if self.diagnosis is not None:
            out["diagnosis"] = self.diagnosis.to_dict()
        return out


class BizFail(WeChatError):
    """result_code=FAIL with err_code / err_code_des: accepted, signed, but refused."""

    def __init__(self, err_code: str, err_code_des: str | None = None, *, hint: str = "") -> None:
        self.err_code = err_code
        self.err_code_des = err_code_des if err_code_des is not None else V2_ERRORS[err_code]
        self.hint = hint
        super().__init__(f"{err_code}: {self.err_code_des}")

    def details(self) -> dict[str, Any]:
        return {
            "result_code": "FAIL",
            "err_code": self.err_code,
            "err_code_des": self.err_code_des,
            **super().details(),
        }


class LoginFail(WeChatError):
    """``{"errcode": N, "errmsg": "..., rid: ..."}`` from api.weixin.qq.com."""

    def __init__(self, errcode: int, *, hint: str = "") -> None:
        self.errcode = errcode
        self.errmsg = LOGIN_ERRORS[errcode]
        self.hint = hint
        super().__init__(f"{errcode}: {self.errmsg}")

    def details(self) -> dict[str, Any]:
        return {"errcode": self.errcode, "errmsg": self.errmsg, **super().details()}


class ControlError(Exception):
    """A bad call to mockwx's own control API: answered as JSON with a 4xx status."""

    def __init__(self, status: int, message: str, *, hint: str = "") -> None:
        self.status = status
        self.message = message
        self.hint = hint
        super().__init__(message)

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"error": self.message}
        if self.hint:
            out["hint"] = self.hint
        return out


def number_in(data: Any, name: str, low: float, high: float, default: float | None = None) -> float:
    """``data[name]`` as a number in [low, high] (booleans and NaN are not numbers), or ControlError."""
    value = data.get(name, default)
    if not isinstance(value, (int, float)) or isinstance(value, bool) or not low <= value <= high:
        raise ControlError(400, f"{name} must be a number from {low:g} to {high:g}, got {value!r}")
    return float(value)
