"""api.mch.weixin.qq.com, API v3 (protocol/v3.md 3-8): each handler reads the raw body,
authenticates the Authorization header, checks the JSON against its schema, turns it into a
command for the same services Pay v2 uses, and renders the result as WeChat's JSON, signed. An
order placed in v2 is queried, closed and refunded here too, and the reverse. Errors go back up to
the route (mockwx.http.endpoint), which answers them through :class:`V3Dialect`.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from ...domain.commands import BillRequest, OrderRef, PlaceOrder, RefundRef, RequestRefund
from ...domain.errors import DomainError
from ...domain.models import PROD
from ...services.orders import TRADE_STATE_DESC
from ...wire import BEIJING
from ...wire.errors import V3_ERROR_CODES
from ...wire.v3 import certificate_item, certificates_body, load_json_object, parse_rfc3339
from ..bodies import read_limited
from ..endpoint import Call, Failure
from ..faults import Injected, apply_fault
from . import answers, schema
from .auth import V3Request, authenticated
from .errors import V3Fail, v3_error

MAX_EXPIRE = 90 * 24 * 3600  # a later time_expire is capped (v3.md 4.1, merchant doc 2025)
MIN_EXPIRE = 60  # an earlier one is silently raised to a minute from now (v3.md 4.1)
NOT_V3 = "HTTP 请求不符合微信支付 APIv3 接口规则"
MCHID_MISMATCH = "http header中的mchid与post payload中的mchid不匹配"
NO_CERTIFICATE = (
    "无可用的平台证书，请在商户平台-API安全申请使用微信支付公钥。"
    "可查看指引https://pay.weixin.qq.com/docs/merchant/products/platform-certificate/wxp-pub-key-guide.html"
)
TRADE_TYPES = {"v3/jsapi": "JSAPI", "v3/app": "APP", "v3/h5": "MWEB", "v3/native": "NATIVE"}


# -- reading and authenticating ------------------------------------------------------------------


async def _body(call: Call) -> bytes:
    limit = call.backend.settings.max_body_bytes
    if call.request.content_length is not None and call.request.content_length > limit:
        raise V3Fail(400, "INVALID_REQUEST", NOT_V3, hint=f"the body is over {limit} bytes (max_body_bytes)")
    body = await read_limited(call.request, limit + 1)
    if len(body) > limit:
        raise V3Fail(400, "INVALID_REQUEST", NOT_V3, hint=f"the body is over {limit} bytes (max_body_bytes)")
    return body


async def authenticated_call(call: Call, *, json_body: bool) -> tuple[V3Request, dict[str, Any]]:
    """Authenticate; parse the JSON body (or take the query); journal it; apply the matching fault rule."""
    body = await _body(call)
    request = authenticated(call, body)
    call.auth = request
    data: dict[str, Any]
    if json_body:
        try:
            data = load_json_object(body)
        except ValueError as exc:
            call.entry.fields = {"body": body[:2000].decode("utf-8", "replace")}
            raise V3Fail(400, "PARAM_ERROR", NOT_V3, hint=f"{exc}; v3 bodies are JSON objects") from None
    else:
        data = dict(call.request.query)
    call.entry.fields = {**call.request.match_info, **data}  # the path's out_trade_no too: the journal finds the order
    await apply_fault(call.request, call.backend.faults.take(call.endpoint.api, _match_fields(call, data)))
    return request, data


def _match_fields(call: Call, data: Mapping[str, Any]) -> dict[str, Any]:
    """What a fault rule can match: the body's top-level values, path parameters, and total_fee / out_trade_no."""
    fields: dict[str, Any] = {k: v for k, v in data.items() if isinstance(v, (str, int))}
    fields.update(call.request.match_info)
    amount = data.get("amount")
    if isinstance(amount, dict) and isinstance(amount.get("total"), int):
        fields["total_fee"] = amount["total"]
    return fields


def _same_merchant(request: V3Request, mchid: str) -> None:
    if mchid != request.merchant.mch_id:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            MCHID_MISMATCH,
            hint=f"mchid {mchid} is not the mchid of the Authorization header ({request.merchant.mch_id})",
        )


def _query_mchid(call: Call, request: V3Request) -> str:
    mchid = call.request.query.get("mchid", "")
    if not mchid:
        raise schema.missing("/mchid", "直连商户号", "query")
    _same_merchant(request, mchid)
    return mchid


def ok(call: Call, request: V3Request, value: Any, *, status: int = 200) -> web.Response:
    call.entry.outcome = str(status)
    body = b"" if status == 204 else answers.json_bytes(value)
    return _signed(call, request, body, status=status)


def _signed(call: Call, request: V3Request | None, body: bytes, *, status: int, hint: str = "") -> web.Response:
    backend = call.backend
    return answers.signed(
        request,
        body,
        status=status,
        now=backend.wall.now(),
        nonce=backend.ids.nonce(32),
        probe=backend.ids.chance(backend.settings.v3.signtest),
        hint=hint,
    )


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
        raise V3Fail(
            400,
            "PARAM_ERROR",
            "输入源“/body/time_expire”映射到字段“交易结束时间”格式规则校验失败，值不符合格式要求",
            detail={"location": "body", "value": text},
            hint=f"time_expire is {text!r}; expected RFC 3339 with a zone, like 2018-06-08T10:34:56+08:00",
            problem="PARAM_ERROR",
        ) from None
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
    _same_merchant(request, data["mchid"])
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
    mchid = _query_mchid(call, request)
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
    _same_merchant(request, data["mchid"])
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
    return _signed(call, request, certificates_body(items), status=200)


# -- bills -----------------------------------------------------------------------------------------------


def _bill_date(text: str | None) -> tuple[str, float, float]:
    if not text:
        raise schema.missing("/bill_date", "账单日期", "query")
    try:
        day = datetime.strptime(text, "%Y-%m-%d").replace(tzinfo=BEIJING)
    except ValueError:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            "输入源“/query/bill_date”映射到字段“账单日期”格式规则校验失败，值不符合格式要求",
            detail={"location": "query", "value": text},
            hint=f"bill_date is {text!r}; expected yyyy-MM-dd",
            problem="PARAM_ERROR",
        ) from None
    start = day.timestamp()
    return day.strftime("%Y%m%d"), start, start + 24 * 3600


def _bill(call: Call, mch_id: str, spec: Mapping[str, str]) -> bytes:
    date, start, end = _bill_date(spec.get("bill_date"))
    kind = spec.get("kind", "trade")
    gzip = spec.get("tar_type") == "GZIP"
    bills = call.backend.bills
    if kind == "fundflow":
        made = bills.fund_flow(BillRequest(PROD, mch_id, date, start, end, spec.get("account_type") or "BASIC", gzip))
    else:
        made = bills.bill(BillRequest(PROD, mch_id, date, start, end, spec.get("bill_type") or "ALL", gzip))
    return made.body


def _enum(query: Mapping[str, str], name: str, label: str, options: tuple[str, ...]) -> None:
    value = query.get(name)
    if value is not None and value not in options:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            f"输入源“/query/{name}”映射到字段“{label}”枚举规则校验失败，值不在可选范围内",
            detail={"location": "query", "value": value},
            hint=f"{name} is {value!r}; expected one of {', '.join(options)}",
            problem="PARAM_ERROR",
        )


async def _bill_url(call: Call, kind: str, enums: tuple[tuple[str, str, tuple[str, ...]], ...]) -> web.StreamResponse:
    request, query = await authenticated_call(call, json_body=False)
    for name, label, options in enums:
        _enum(query, name, label, options)
    spec = {
        "kind": kind,
        **{k: v for k, v in query.items() if k in ("bill_date", "bill_type", "account_type", "tar_type")},
    }
    body = _bill(call, request.merchant.mch_id, spec)
    token = base64.urlsafe_b64encode(json.dumps(spec, sort_keys=True).encode()).decode().rstrip("=")
    origin = f"{call.request.scheme}://{call.request.host}"
    return ok(
        call,
        request,
        {
            "hash_type": "SHA1",
            "hash_value": hashlib.sha1(body).hexdigest(),
            "download_url": f"{origin}/v3/billdownload/file?token={token}",
        },
    )


async def tradebill(call: Call) -> web.StreamResponse:
    """GET /v3/bill/tradebill?bill_date=yyyy-MM-dd: where to download the day's trade bill, and its hash."""
    return await _bill_url(
        call, "trade", (("bill_type", "账单类型", ("ALL", "SUCCESS", "REFUND")), ("tar_type", "压缩类型", ("GZIP",)))
    )


async def fundflowbill(call: Call) -> web.StreamResponse:
    """GET /v3/bill/fundflowbill?bill_date=yyyy-MM-dd: where to download the day's fund flow bill."""
    return await _bill_url(
        call,
        "fundflow",
        (("account_type", "资金账户类型", ("BASIC", "OPERATION", "FEES")), ("tar_type", "压缩类型", ("GZIP",))),
    )


async def billdownload(call: Call) -> web.StreamResponse:
    """GET /v3/billdownload/file?token=...: the bill itself (not JSON), signed like every answer."""
    request, query = await authenticated_call(call, json_body=False)
    token = query.get("token", "")
    try:
        spec = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if not isinstance(spec, dict):
            raise ValueError
    except ValueError:
        raise V3Fail(
            400,
            "PARAM_ERROR",
            "下载地址无效",
            hint="use the download_url tradebill or fundflowbill answered",
            problem="PARAM_ERROR",
        ) from None
    body = _bill(call, request.merchant.mch_id, {str(k): str(v) for k, v in spec.items()})
    call.entry.outcome = "200"
    response = _signed(call, request, body, status=200)
    response.content_type = "application/octet-stream"
    return response


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
            error = v3_error(error, call.backend.settings.v3)
        elif isinstance(error, Injected):
            fault = error.fault
            status, message = V3_ERROR_CODES.get(fault.code, (fault.status or 500, fault.message))
            error = V3Fail(fault.status or status, fault.code, fault.message or message, hint=error.why)
        if not isinstance(error, V3Fail):
            return None
        request = call.auth if isinstance(call.auth, V3Request) else None
        if error.status == 401 or not call.backend.settings.v3.sign_errors:
            request = None  # WeChat's 401s carry no Wechatpay-* headers (real probes)
        body = answers.json_bytes(error.body())
        response = _signed(call, request, body, status=error.status, hint=error.hint)
        return Failure(response, f"{error.status} {error.code}", error.details())

    def internal(self, call: Call, error: Exception) -> Failure:
        fail = V3Fail(500, "SYSTEM_ERROR", "系统错误", hint=f"mockwx internal error: {error!r}")
        response = _signed(call, None, answers.json_bytes(fail.body()), status=500, hint=fail.hint)
        return Failure(response, "500 SYSTEM_ERROR", {"kind": "INTERNAL", "detail": f"{error!r}"})


DIALECT = V3Dialect()
