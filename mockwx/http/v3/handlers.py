"""api.mch.weixin.qq.com, API v3 (protocol/v3.md 3-8): each handler takes the authenticated call
(call.py), checks the JSON against its schema, turns it into a command for the same services Pay v2
uses, and renders the result as WeChat's JSON, signed; the bills are bills.py's. An order placed in
v2 is queried, closed and refunded here too, and the reverse. Errors go back up to the route
(mockwx.http.endpoint), which answers them through :class:`V3Dialect`.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from ...domain.commands import OrderRef, PlaceOrder, RefundRef, RequestRefund
from ...domain.errors import DomainError
from ...domain.models import PROD
from ...services.orders import TRADE_STATE_DESC
from ...wire.errors import V3_ERROR_CODES, v3_result_number
from ...wire.v3 import certificate_item, certificates_body, parse_rfc3339
from ..endpoint import Call, Failure
from ..faults import Injected
from . import answers, schema
from .auth import V3Request
from .bills import billdownload, fundflowbill, tradebill
from .call import authenticated_call, ok, query_mchid, same_merchant, signed
from .errors import V3Fail, v3_error

MAX_EXPIRE = 90 * 24 * 3600  # a later time_expire is capped (v3.md 4.1, merchant doc 2025)
MIN_EXPIRE = 60  # an earlier one is silently raised to a minute from now (v3.md 4.1)
NO_CERTIFICATE = (
    "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。"
    "可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html"
)
TRADE_TYPES = {"v3/jsapi": "JSAPI", "v3/app": "APP", "v3/h5": "MWEB", "v3/native": "NATIVE"}


# -- placing orders (v3.md 4) ------------------------------------------------------------------------


def _check_appid(call: Call, request: V3Request, appid: str) -> None:
    merchant = request.merchant
    if appid not in merchant.appids or appid not in call.backend.state.apps:
        raise V3Fail(
            400,
            "APPID_MCHID_NOT_MATCH",
            "appid和mch_id不匹配,请检查后再试",
            hint=f"appid {appid} is not bound to merchant {merchant.mch_id} (bound: {', '.join(merchant.appids)})",
            problem="APPID_MCHID_NOT_MATCH",
        )


def _time_expire(call: Call, text: str | None) -> float | None:
    if not text:
        return None
    try:
        when = parse_rfc3339(text)
    except ValueError:
        hint = f"time_expire is {text!r}; expected RFC 3339 with a zone, like 2018-06-08T10:34:56+08:00"
        raise schema.malformed("/time_expire", "交易结束时间", "body", text, hint) from None
    now = call.backend.clock.now()
    return min(max(when, now + MIN_EXPIRE), now + MAX_EXPIRE)


def _flat(value: Any, prefix: str = "") -> dict[str, str]:
    """A JSON body as path -> text, for comparing a re-entry's parameters."""
    if isinstance(value, dict):
        out: dict[str, str] = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}/{k}"))
        return out
    return {prefix: json.dumps(value, ensure_ascii=False, sort_keys=True)}


async def place(call: Call) -> web.StreamResponse:
    """POST /v3/pay/transactions/{jsapi,app,h5,native}."""
    request, data = await authenticated_call(call, json_body=True)
    api = call.endpoint.api
    schema.check(data, schema.BODIES[api])
    same_merchant(request, data["mchid"])
    _check_appid(call, request, data["appid"])
    scene = data.get("scene_info") or {}
    order = call.backend.orders.place(
        PlaceOrder(
            env=PROD,
            mch_id=request.merchant.mch_id,
            appid=data["appid"],
            out_trade_no=data["out_trade_no"],
            total_fee=data["amount"]["total"],
            trade_type=TRADE_TYPES[api],
            notify_url=data["notify_url"],
            sign_type="RSA",
            body=data["description"],
            time_expire=_time_expire(call, data.get("time_expire")),
            params=_flat(data),
            openid=(data.get("payer") or {}).get("openid", ""),
            attach=data.get("attach", ""),
            device_info=scene.get("device_id", ""),
            fee_type=data["amount"].get("currency") or "CNY",
            dialect="v3",
            min_expiry=0,
        )
    )
    if api == "v3/native":
        return ok(call, request, {"code_url": order.code_url})
    if api == "v3/h5":
        return ok(call, request, {"h5_url": order.mweb_url})
    return ok(call, request, {"prepay_id": order.prepay_id})


# -- query and close (v3.md 6) -----------------------------------------------------------------------


async def query(call: Call) -> web.StreamResponse:
    """GET /v3/pay/transactions/out-trade-no/{no}?mchid= and /id/{transaction_id}?mchid=."""
    request, _ = await authenticated_call(call, json_body=False)
    mchid = query_mchid(call, request)
    info = call.request.match_info
    ref = OrderRef(
        PROD, mchid, out_trade_no=info.get("out_trade_no", ""), transaction_id=info.get("transaction_id", "")
    )
    orders = call.backend.orders
    order = orders.find(ref)
    state = orders.trade_state(order)
    return ok(call, request, answers.transaction(order, state, TRADE_STATE_DESC[state]))


async def close(call: Call) -> web.StreamResponse:
    """POST /v3/pay/transactions/out-trade-no/{no}/close: 204; closing a closed order again is fine."""
    request, data = await authenticated_call(call, json_body=True)
    schema.check(data, schema.BODIES["v3/close"])
    same_merchant(request, data["mchid"])
    ref = OrderRef(PROD, request.merchant.mch_id, out_trade_no=call.request.match_info["out_trade_no"])
    try:
        call.backend.orders.close(ref)
    except DomainError as error:
        if error.code == "ORDER_CLOSED":
            return ok(call, request, None, status=204)  # re-entrant (v3.md 6.2)
        if error.code == "ORDER_PAID":
            raise V3Fail(400, "ORDER_PAID", "订单已支付", hint=error.explanation) from None
        raise
    return ok(call, request, None, status=204)


# -- refunds (v3.md 8) -----------------------------------------------------------------------------------


async def refund(call: Call) -> web.StreamResponse:
    """POST /v3/refund/domestic/refunds: accepted as PROCESSING; the same out_refund_no is the same refund."""
    request, data = await authenticated_call(call, json_body=True)
    schema.check(data, schema.BODIES["v3/refund"])
    if not data.get("transaction_id") and not data.get("out_trade_no"):
        raise V3Fail(
            400,
            "PARAM_ERROR",
            "transaction_id和out_trade_no必须二选一进行传参",
            detail={"location": "body", "value": ""},
            hint="name the order to refund: transaction_id or out_trade_no",
            problem="PARAM_ERROR",
        )
    mch_id = request.merchant.mch_id
    amount = data["amount"]
    order, accepted = call.backend.refunds.refund(
        RequestRefund(
            order=OrderRef(
                PROD, mch_id, out_trade_no=data.get("out_trade_no", ""), transaction_id=data.get("transaction_id", "")
            ),
            out_refund_no=data["out_refund_no"],
            total_fee=amount["total"],
            refund_fee=amount["refund"],
            notify_url=data.get("notify_url", ""),
            refund_desc=data.get("reason", ""),
            dialect="v3",
            funds_account=data.get("funds_account", ""),
        )
    )
    return ok(call, request, answers.refund(order, accepted))


async def refund_query(call: Call) -> web.StreamResponse:
    """GET /v3/refund/domestic/refunds/{out_refund_no}."""
    request, _ = await authenticated_call(call, json_body=False)
    ref = RefundRef(PROD, request.merchant.mch_id, out_refund_no=call.request.match_info["out_refund_no"])
    order, found = call.backend.refunds.find(ref)
    call.entry.fields["out_trade_no"] = order.out_trade_no  # the order's story shows this query too
    return ok(call, request, answers.refund(order, found[0]))


# -- platform certificates (v3.md 3) ---------------------------------------------------------------------


async def certificates(call: Call) -> web.StreamResponse:
    """GET /v3/certificates: the platform certificate, encrypted with the APIv3 key; 404 for a public-key merchant."""
    request, query = await authenticated_call(call, json_body=False)
    keys = request.keys
    if keys.profile == "public_key":
        raise V3Fail(
            404,
            "RESOURCE_NOT_EXISTS",
            NO_CERTIFICATE,
            hint=f"merchant {keys.mch_id} has the public_key profile: verify with {keys.public_key_id}",
        )
    algorithm = query.get("algorithm_type", "RSA")
    if algorithm not in ("RSA", "SM2", "ALL"):
        raise V3Fail(
            400,
            "PARAM_ERROR",
            "输入源“/query/algorithm_type”映射到字段“证书算法类型”枚举规则校验失败，值不在可选范围内",
            detail={"location": "query", "value": algorithm},
            hint="algorithm_type is RSA, SM2 or ALL",
            problem="PARAM_ERROR",
        )
    items = (
        []
        if algorithm == "SM2"
        else [certificate_item(keys.platform_certificate, keys.api_v3_key, nonce=call.backend.ids.aead_nonce())]
    )
    call.entry.outcome = "200"
    return signed(call, request, certificates_body(items), status=200)


HANDLERS = {
    "v3/certificates": certificates,
    "v3/jsapi": place,
    "v3/app": place,
    "v3/h5": place,
    "v3/native": place,
    "v3/query": query,
    "v3/query_by_id": query,
    "v3/close": close,
    "v3/refund": refund,
    "v3/refund_query": refund_query,
    "v3/tradebill": tradebill,
    "v3/fundflowbill": fundflowbill,
    "v3/billdownload": billdownload,
}


class V3Dialect:
    """How API v3 answers errors: a status and {"code", "message", "detail"?}, signed except 401s."""

    name = "v3"

    def failure(self, call: Call, error: Exception) -> Failure | None:
        if isinstance(error, DomainError):
            error = v3_error(error, call.backend.settings.v3, call.endpoint.api)
        elif isinstance(error, Injected):
            fault = error.fault
            status, message = V3_ERROR_CODES.get(fault.code, (fault.status or 500, fault.message))
            error = V3Fail(fault.status or status, fault.code, fault.message or message, hint=error.why)
        if not isinstance(error, V3Fail):
            return None
        return Failure(self._answer(call, error), f"{error.status} {error.code}", error.details())

    def internal(self, call: Call, error: Exception) -> Failure:
        fail = V3Fail(500, "SYSTEM_ERROR", "系统错误", hint=f"mockwx internal error: {error!r}")
        return Failure(self._answer(call, fail), "500 SYSTEM_ERROR", {"kind": "INTERNAL", "detail": f"{error!r}"})

    @staticmethod
    def _answer(call: Call, error: V3Fail) -> web.Response:
        """The error's JSON, signed once the caller is authenticated (WeChat's 401s carry no Wechatpay-*
        headers, real probes), its Request-ID ending in WeChat's number for the error."""
        request = call.auth if isinstance(call.auth, V3Request) else None
        if error.status == 401 or not call.backend.settings.v3.sign_errors:
            request = None
        body = answers.json_bytes(error.body())
        number = v3_result_number(error.code, error.message)
        return signed(call, request, body, status=error.status, hint=error.hint, code=number)


DIALECT = V3Dialect()
