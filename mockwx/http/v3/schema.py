"""The shape of API v3 request bodies and queries, as tables, and the PARAM_ERROR WeChat answers
when a field breaks one (protocol/v3.md 4.1, 4.4, 6.2, 8.1, 9.1).

WeChat's messages name the input and the field: ``输入源“/body/payer/openid”映射到字段“用户标识”
必填性规则校验失败，此字段为必填项`` (captured), with ``detail`` ``{"location": "body", "value": ...}``;
a field the API does not define is ``请求中含有未在API文档中定义的参数`` with the offending paths
(captured). The required-field wording is captured; the wording of length, type, range and format
failures follows the same pattern (UNVERIFIED, README fidelity notes).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from ...wire import json_type
from .errors import V3Fail

UNDEFINED = "请求中含有未在API文档中定义的参数"
_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*]{6,32}")
_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
# the server-side notify_url rule seen in a real PARAM_ERROR (v3.md 4.1)
_NOTIFY_URL = re.compile(r"https?://([^\s/?#\[\]@]+@)?([^\s/?#@:]+)(?::\d{2,5})?([^\s?#\[\]]*)")
_TYPE_WORDS = {"str": "字符串", "int": "整数", "bool": "布尔值", "obj": "对象", "list": "数组"}
JSON_KINDS = {"str": "string", "int": "integer", "bool": "boolean", "obj": "object", "list": "array"}


@dataclass(frozen=True, slots=True)
class Field:
    """One field of a v3 body or query: its JSON type, WeChat's name for it, and its rules."""

    name: str
    label: str  # the Chinese field name WeChat's messages quote
    kind: str = "str"  # str, int, bool, obj, list
    required: bool = False
    max_len: int = 0  # characters (str) or items (list); 0: no limit
    minimum: int | None = None  # int
    maximum: int | None = None  # int
    enum: tuple[str, ...] = ()
    pattern: re.Pattern[str] | None = None
    fields: tuple[Field, ...] = ()  # obj, or the items of a list of objects
    items: str = "obj"  # list: the items' kind


def F(name: str, label: str, kind: str = "str", required: bool = False, **rules: Any) -> Field:
    return Field(name, label, kind, required, **rules)


_AMOUNT = F(
    "amount",
    "订单金额",
    "obj",
    True,
    fields=(
        F("total", "总金额", "int", True, minimum=1, maximum=2_147_483_647),
        F("currency", "货币类型", enum=("CNY",)),
    ),
)
_GOODS = F(
    "goods_detail",
    "单品列表",
    "list",
    max_len=6000,
    fields=(
        F("merchant_goods_id", "商户侧商品编码", required=True, max_len=32),
        F("wechatpay_goods_id", "微信支付商品编码", max_len=32),
        F("goods_name", "商品名称", max_len=256),
        F("quantity", "商品数量", "int", True, minimum=1),
        F("unit_price", "商品单价", "int", True, minimum=0),
    ),
)
_STORE = F(
    "store_info",
    "商户门店信息",
    "obj",
    fields=(
        F("id", "门店编号", required=True, max_len=32),
        F("name", "门店名称", max_len=256),
        F("area_code", "地区编码", max_len=32),
        F("address", "详细地址", max_len=512),
    ),
)
_H5_INFO = F(
    "h5_info",
    "H5场景信息",
    "obj",
    fields=(
        F("type", "场景类型", required=True, enum=("iOS", "Android", "Wap")),
        F("app_name", "应用名称", max_len=64),
        F("app_url", "网站URL", max_len=128),
        F("bundle_id", "iOS平台BundleID", max_len=128),
        F("package_name", "Android平台PackageName", max_len=128),
    ),
)
_SCENE = (
    F("payer_client_ip", "用户终端IP", required=True, max_len=45),
    F("device_id", "商户端设备号", max_len=32),
    _STORE,
)
_COMMON_ORDER = (
    F("appid", "应用ID", required=True, max_len=32),
    F("mchid", "直连商户号", required=True, max_len=32),
    F("description", "商品描述", required=True, max_len=127),
    F("out_trade_no", "商户订单号", required=True, max_len=32, pattern=_TRADE_NO),
    F("time_expire", "交易结束时间", max_len=64),
    F("attach", "附加数据", max_len=128),
    F("notify_url", "通知地址", required=True, max_len=255, pattern=_NOTIFY_URL),
    F("goods_tag", "订单优惠标记", max_len=32),
    F("support_fapiao", "电子发票入口开放标识", "bool"),
    _AMOUNT,
    F(
        "detail",
        "优惠功能",
        "obj",
        fields=(F("cost_price", "订单原价", "int", minimum=0), F("invoice_id", "商品小票ID", max_len=32), _GOODS),
    ),
    F("settle_info", "结算信息", "obj", fields=(F("profit_sharing", "是否指定分账", "bool"),)),
    F("limit_pay", "指定支付方式", "list", max_len=4, items="str"),
)
_PAYER = F("payer", "支付者", "obj", True, fields=(F("openid", "用户标识", required=True, max_len=128),))

# api -> the fields of its JSON body
BODIES: dict[str, tuple[Field, ...]] = {
    "v3/jsapi": (*_COMMON_ORDER, _PAYER, F("scene_info", "场景信息", "obj", fields=_SCENE)),
    "v3/app": (*_COMMON_ORDER, F("scene_info", "场景信息", "obj", fields=_SCENE)),
    "v3/native": (*_COMMON_ORDER, F("scene_info", "场景信息", "obj", fields=_SCENE)),
    "v3/h5": (
        *_COMMON_ORDER,
        F("scene_info", "场景信息", "obj", True, fields=(*_SCENE, replace(_H5_INFO, required=True))),
    ),
    "v3/close": (F("mchid", "直连商户号", required=True, max_len=32),),
    "v3/refund": (
        F("transaction_id", "微信支付订单号", max_len=32),
        F("out_trade_no", "商户订单号", max_len=32),
        F("out_refund_no", "商户退款单号", required=True, max_len=64, pattern=_REFUND_NO),
        F("reason", "退款原因", max_len=80),
        F("notify_url", "退款结果回调url", max_len=256, pattern=_NOTIFY_URL),
        F("funds_account", "退款资金来源", enum=("AVAILABLE", "UNAVAILABLE")),
        F(
            "amount",
            "金额信息",
            "obj",
            True,
            fields=(
                F("refund", "退款金额", "int", True, minimum=1, maximum=2_147_483_647),
                F("total", "原订单金额", "int", True, minimum=1, maximum=2_147_483_647),
                F("currency", "退款币种", required=True, enum=("CNY",)),
                F(
                    "from",
                    "退款出资账户及金额",
                    "list",
                    fields=(
                        F("account", "出资账户类型", required=True, enum=("AVAILABLE", "UNAVAILABLE")),
                        F("amount", "出资金额", "int", True, minimum=1),
                    ),
                ),
            ),
        ),
        F(
            "goods_detail",
            "退款商品",
            "list",
            fields=(
                F("merchant_goods_id", "商户侧商品编码", required=True, max_len=32),
                F("wechatpay_goods_id", "微信支付商品编码", max_len=32),
                F("goods_name", "商品名称", max_len=256),
                F("unit_price", "商品单价", "int", True, minimum=0),
                F("refund_amount", "商品退款金额", "int", True, minimum=0),
                F("refund_quantity", "商品退货数量", "int", True, minimum=1),
            ),
        ),
    ),
}


# api -> the values in its path (the message's input is "/path/...": UNVERIFIED, README fidelity notes); their
# lengths only: the number of an order placed in v2 may hold characters the v3 body pattern does not
_OUT_TRADE_NO = (F("out_trade_no", "商户订单号", required=True, max_len=32),)
PATHS: dict[str, tuple[Field, ...]] = {
    "v3/query": _OUT_TRADE_NO,
    "v3/close": _OUT_TRADE_NO,
    "v3/query_by_id": (F("transaction_id", "微信支付订单号", required=True, max_len=32),),
    "v3/refund_query": (F("out_refund_no", "商户退款单号", required=True, max_len=64),),
}


def _param_error(message: str, location: str | None, value: Any, hint: str) -> V3Fail:
    return V3Fail(
        400, "PARAM_ERROR", message, detail={"location": location, "value": value}, hint=hint, problem="PARAM_ERROR"
    )


def missing(path: str, label: str, location: str = "body", value: Any = "") -> V3Fail:
    return _param_error(
        f"输入源“/{location}{path}”映射到字段“{label}”必填性规则校验失败，此字段为必填项",
        location,
        value,
        f"{path.lstrip('/')} is required in the {location}",
    )


def malformed(path: str, label: str, location: str, value: Any, hint: str) -> V3Fail:
    """WeChat's PARAM_ERROR for a value that breaks its field's format (a date, a time, a pattern)."""
    return _param_error(
        f"输入源“/{location}{path}”映射到字段“{label}”格式规则校验失败，值不符合格式要求", location, value, hint
    )


def check(data: Mapping[str, Any], fields: tuple[Field, ...], location: str = "body") -> None:
    """Raise the PARAM_ERROR WeChat gives for the first broken field of ``data``, if any."""
    undefined = _undefined(data, fields, "")
    if undefined:
        raise _param_error(
            UNDEFINED,
            None,
            [f"/{location}{path}" for path in undefined],
            f"the body holds fields this API does not define: {', '.join(undefined)} (WeChat refuses them)",
        )
    _check_object(data, fields, "", location)


def _undefined(data: Mapping[str, Any], fields: tuple[Field, ...], prefix: str) -> list[str]:
    known = {f.name: f for f in fields}
    out = []
    for name, value in data.items():
        field = known.get(name)
        if field is None:
            out.append(f"{prefix}/{name}")
        elif field.kind == "obj" and isinstance(value, dict):
            out += _undefined(value, field.fields, f"{prefix}/{name}")
        elif field.kind == "list" and field.items == "obj" and field.fields and isinstance(value, list):
            for n, item in enumerate(value):
                if isinstance(item, dict):
                    out += _undefined(item, field.fields, f"{prefix}/{name}/{n}")
    return out


def _check_object(data: Mapping[str, Any], fields: tuple[Field, ...], prefix: str, location: str) -> None:
    for field in fields:
        path = f"{prefix}/{field.name}"
        value = data.get(field.name)
        if value is None or (field.kind == "str" and value == "" and field.required):
            if field.required:
                raise missing(path, field.label, location, "" if value is None else value)
            continue
        _check_value(field, value, path, location)


def _check_value(field: Field, value: Any, path: str, location: str) -> None:
    where = f"输入源“/{location}{path}”映射到字段“{field.label}”"
    if not _is(field.kind, value):
        raise _param_error(
            f"{where}类型规则校验失败，此字段应为{_TYPE_WORDS[field.kind]}",
            location,
            value,
            f"{path.lstrip('/')} must be a JSON {JSON_KINDS[field.kind]}, got a JSON {json_type(value)}",
        )
    if field.kind == "str":
        if field.max_len and len(value) > field.max_len:
            raise _param_error(
                f"{where}长度规则校验失败，长度超过最大值 {field.max_len}",
                location,
                value,
                f"{path.lstrip('/')} is {len(value)} characters; at most {field.max_len}",
            )
        if field.enum and value not in field.enum:
            raise _param_error(
                f"{where}枚举规则校验失败，值不在可选范围内",
                location,
                value,
                f"{path.lstrip('/')} is {value!r}; expected one of {', '.join(field.enum)}",
            )
        if field.pattern is not None and not field.pattern.fullmatch(value):
            hint = f"{path.lstrip('/')} is {value!r}, which breaks WeChat's format for {field.name}"
            raise malformed(path, field.label, location, value, hint)
    elif field.kind == "int":
        if field.minimum is not None and value < field.minimum:
            raise _param_error(
                f"输入源“/{location}{path}”映射到数值字段“{field.label}”规则校验失败，值低于最小值 {field.minimum}",
                location,
                value,
                f"{path.lstrip('/')} is {value}; the minimum is {field.minimum} (amounts are integer fen)",
            )
        if field.maximum is not None and value > field.maximum:
            raise _param_error(
                f"输入源“/{location}{path}”映射到数值字段“{field.label}”规则校验失败，值高于最大值 {field.maximum}",
                location,
                value,
                f"{path.lstrip('/')} is {value}; the maximum is {field.maximum}",
            )
    elif field.kind == "obj":
        _check_object(value, field.fields, path, location)
    elif field.kind == "list":
        if field.max_len and len(value) > field.max_len:
            raise _param_error(
                f"{where}长度规则校验失败，长度超过最大值 {field.max_len}",
                location,
                value,
                f"{path.lstrip('/')} has {len(value)} items; at most {field.max_len}",
            )
        for n, item in enumerate(value):
            if not _is(field.items, item):
                raise _param_error(
                    f"{where}类型规则校验失败，此字段应为{_TYPE_WORDS['list']}",
                    location,
                    item,
                    f"{path.lstrip('/')}[{n}] must be a JSON {JSON_KINDS[field.items]}, got a JSON {json_type(item)}",
                )
            if field.items == "obj":
                _check_object(item, field.fields, f"{path}/{n}", location)


def _is(kind: str, value: Any) -> bool:
    if kind == "str":
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "obj":
        return isinstance(value, dict)
    return isinstance(value, list)
