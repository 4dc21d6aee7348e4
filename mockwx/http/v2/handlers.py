"""api.mch.weixin.qq.com, Pay v2 (protocol/v2.md 2-3, 6): each handler reads the XML,
authenticates it, checks its fields, turns it into a command for a service and renders the result
as WeChat's signed XML. Errors go back up to the route (mockwx.http.endpoint), which answers them
through :class:`V2Dialect`.
"""

from __future__ import annotations

from aiohttp import web

from ...domain.commands import BillRequest, OrderRef, PlaceOrder, RefundRef, RequestRefund
from ...domain.errors import DomainError
from ...services.orders import TRADE_STATE_DESC
from ...wire import XmlError, parse_compact, parse_date, parse_xml
from ..endpoint import Call, Failure
from ..faults import Injected, apply_fault
from ..keys import ACCESS, BODY_READ
from . import answers, clientcert
from .auth import Gateway, V2Request
from .errors import BizFail, ReturnFail, v2_error
from .rules import CLOSEORDER, DOWNLOADBILL, ORDERQUERY, REFUND, REFUNDQUERY, UNIFIEDORDER, check_fields

REFUNDS_PER_PAGE = 10  # refundquery's page; offset pages through the rest (UNVERIFIED, README)
_XML_ERRORS = {"empty": "POST_DATA_EMPTY", "not_utf8": "NOT_UTF8", "too_large": "XML_FORMAT_ERROR"}
_DRAIN_LIMIT = 64 * 1024 * 1024


# -- reading and authenticating ------------------------------------------------------------------


async def read_body(request: web.Request, limit: int) -> bytes:
    """The body, or ReturnFail when it is over ``limit`` (read and dropped, so the client gets the answer)."""
    if request.content_length is not None and request.content_length <= limit:
        return await request.read()
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_any():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN_LIMIT:
            break
    request[BODY_READ] = b"".join(chunks)  # the journal keeps the start of it: the stream is gone
    if size > limit:
        raise ReturnFail(
            "XML_FORMAT_ERROR", hint=f"the body is {size} bytes or more; mockwx takes at most {limit} (max_body_bytes)"
        )
    return request[BODY_READ]


async def read_fields(request: web.Request, limit: int) -> dict[str, str]:
    if request.method != "POST":
        raise ReturnFail("REQUIRE_POST_METHOD", hint=f"{request.method} is not allowed: WeChat Pay APIs take POST")
    body = await read_body(request, limit)
    try:
        return parse_xml(body, max_bytes=limit)
    except XmlError as exc:
        raise ReturnFail(_XML_ERRORS.get(exc.kind, "XML_FORMAT_ERROR"), hint=exc.detail) from None


def gateway(call: Call) -> Gateway:
    backend = call.backend
    return Gateway(backend.state, backend.settings, backend.tenants, reveal=call.request.app[ACCESS].reveal_hints)


async def authenticated(call: Call, *, needs_appid: bool = True, signs_answers: bool = True) -> V2Request:
    """Read, authenticate, apply the fault rule matching the call, if any."""
    backend = call.backend
    certificate = clientcert.presented(call)  # /secapi/ over HTTPS: nginx's 400 without a client certificate
    fields = call.entry.fields = await read_fields(call.request, backend.settings.max_body_bytes)
    clientcert.check_owner(call, certificate, fields)
    request = gateway(call).authenticate(call.endpoint.api, call.env, fields, needs_appid=needs_appid)
    if signs_answers:
        call.auth = request
    await apply_fault(call.request, backend.faults.take(call.endpoint.api, fields))
    return request


def ok(call: Call, request: V2Request, result: dict) -> web.Response:
    call.entry.outcome = "SUCCESS"
    return answers.success(request, call.backend.ids, result)


def order_ref(request: V2Request, *, by_transaction_id: bool = True) -> OrderRef:
    """The order a query / close / refund names: transaction_id first, else out_trade_no."""
    f = request.fields
    if by_transaction_id and f.get("transaction_id"):
        return OrderRef(request.env, request.merchant.mch_id, transaction_id=f["transaction_id"])
    if f.get("out_trade_no"):
        return OrderRef(request.env, request.merchant.mch_id, out_trade_no=f["out_trade_no"])
    raise ReturnFail("LACK_PARAMS", hint="send transaction_id or out_trade_no")


# -- the APIs -----------------------------------------------------------------------------------------


async def unifiedorder(call: Call) -> web.StreamResponse:
    request = await authenticated(call)
    f = request.fields
    check_fields(f, UNIFIEDORDER)
    trade_type = f["trade_type"]
    if trade_type == "JSAPI" and not f.get("openid"):
        raise ReturnFail("JSAPI_NEEDS_OPENID", hint="trade_type JSAPI (mini programs too) needs the payer's openid")
    if trade_type == "NATIVE" and not f.get("product_id"):
        raise ReturnFail("LACK_PARAMS", hint="trade_type NATIVE needs product_id")
    if trade_type == "MWEB" and not f.get("scene_info"):
        raise ReturnFail("LACK_PARAMS", hint="trade_type MWEB (H5) needs scene_info")
    ignored = call.backend.settings.pay.reentry_ignores
    order = call.backend.orders.place(
        PlaceOrder(
            env=request.env,
            mch_id=request.merchant.mch_id,
            appid=request.appid,
            out_trade_no=f["out_trade_no"],
            total_fee=int(f["total_fee"]),
            trade_type=trade_type,
            notify_url=f["notify_url"],
            sign_type=request.sign_type,
            body=f["body"],
            time_expire=parse_compact(f["time_expire"]) if f.get("time_expire") else None,
            params={k: v for k, v in f.items() if k not in ignored and v != ""},
            openid=f.get("openid", ""),
            attach=f.get("attach", ""),
            device_info=f.get("device_info", ""),
            fee_type=f.get("fee_type") or "CNY",
            product_id=f.get("product_id", ""),
        )
    )
    return ok(call, request, answers.placed(order))


async def orderquery(call: Call) -> web.StreamResponse:
    request = await authenticated(call)
    check_fields(request.fields, ORDERQUERY)
    orders = call.backend.orders
    order = orders.find(order_ref(request))
    state = orders.trade_state(order)
    return ok(call, request, answers.queried(order, state, TRADE_STATE_DESC[state]))


async def closeorder(call: Call) -> web.StreamResponse:
    request = await authenticated(call)
    check_fields(request.fields, CLOSEORDER)
    call.backend.orders.close(order_ref(request, by_transaction_id=False))  # closeorder names out_trade_no only
    return ok(call, request, {"result_msg": "OK"})


async def refund(call: Call) -> web.StreamResponse:
    request = await authenticated(call)
    f = request.fields
    check_fields(f, REFUND)
    order, accepted = call.backend.refunds.refund(
        RequestRefund(
            order=order_ref(request),
            out_refund_no=f["out_refund_no"],
            total_fee=int(f["total_fee"]),
            refund_fee=int(f["refund_fee"]),
            notify_url=f.get("notify_url", ""),
            refund_desc=f.get("refund_desc", ""),
            refund_account=f.get("refund_account") or "REFUND_SOURCE_UNSETTLED_FUNDS",
        )
    )
    return ok(call, request, answers.refunded(order, accepted))


async def refundquery(call: Call) -> web.StreamResponse:
    request = await authenticated(call)
    f = request.fields
    check_fields(f, REFUNDQUERY)
    mch_id = request.merchant.mch_id
    if f.get("refund_id") or f.get("out_refund_no"):
        ref = RefundRef(request.env, mch_id, refund_id=f.get("refund_id", ""), out_refund_no=f.get("out_refund_no", ""))
    elif f.get("transaction_id") or f.get("out_trade_no"):
        ref = RefundRef(request.env, mch_id, order=order_ref(request))
    else:
        raise ReturnFail("LACK_PARAMS", hint="send one of refund_id, out_refund_no, transaction_id, out_trade_no")
    order, found = call.backend.refunds.find(ref)
    offset = int(f.get("offset") or 0)
    page = found[offset : offset + REFUNDS_PER_PAGE]
    return ok(call, request, answers.refunds_found(order, page, len(found), bool(f.get("offset"))))


async def downloadbill(call: Call) -> web.StreamResponse:
    request = await authenticated(call)
    f = request.fields
    check_fields(f, DOWNLOADBILL)
    try:
        start, end = parse_date(f["bill_date"])
    except ValueError:
        raise ReturnFail(
            "BILL_DATE", hint="bill_date is yyyyMMdd (Beijing time)", extra={"error_code": "20001"}
        ) from None
    bill = call.backend.bills.bill(
        BillRequest(
            env=request.env,
            mch_id=request.merchant.mch_id,
            date=f["bill_date"],
            start=start,
            end=end,
            bill_type=f.get("bill_type") or "ALL",
            gzip=f.get("tar_type") == "GZIP",
        )
    )
    call.entry.outcome = "SUCCESS"
    return web.Response(
        body=bill.body,
        content_type="application/x-gzip" if bill.gzipped else "text/plain",
        charset=None if bill.gzipped else "utf-8",
    )


async def getsignkey(call: Call) -> web.StreamResponse:
    """The sandbox key, for a request signed MD5 with the production key; the answer is unsigned."""
    request = await authenticated(call, needs_appid=False, signs_answers=False)
    key = call.backend.tenants.sandbox_key(request.merchant)
    call.entry.outcome = "SUCCESS"
    return answers.xml(
        {"return_code": "SUCCESS", "return_msg": "ok", "mch_id": request.merchant.mch_id, "sandbox_signkey": key}
    )


HANDLERS = {
    "unifiedorder": unifiedorder,
    "orderquery": orderquery,
    "closeorder": closeorder,
    "refund": refund,
    "refundquery": refundquery,
    "downloadbill": downloadbill,
    "getsignkey": getsignkey,
}


class V2Dialect:
    """How Pay v2 answers errors: return_code=FAIL (unsigned) or result_code=FAIL (signed)."""

    name = "v2"

    def failure(self, call: Call, error: Exception) -> Failure | None:
        if isinstance(error, DomainError):
            error = v2_error(error, call.endpoint.api)
        elif isinstance(error, Injected):
            fault = error.fault
            error = (
                ReturnFail("FAULT", return_msg=fault.return_msg, hint=error.why)
                if fault.return_msg
                else BizFail(fault.err_code, fault.err_code_des, hint=error.why)
            )
        if isinstance(error, ReturnFail):
            return Failure(answers.return_fail(error), f"FAIL {error.return_msg}", error.details())
        if isinstance(error, BizFail):
            if call.auth is None:  # before (or without) a signed exchange: only a return_code FAIL can say it
                response = answers.return_fail(ReturnFail("FAULT", return_msg=error.err_code_des, hint=error.hint))
            else:
                response = answers.failure(call.auth, call.backend.ids, error)
            return Failure(response, error.err_code, error.details())
        return None

    def internal(self, call: Call, error: Exception) -> Failure:
        fail = ReturnFail("INTERNAL", hint=f"mockwx internal error: {error!r}")
        return Failure(
            answers.return_fail(fail), f"FAIL {fail.return_msg}", {"kind": "INTERNAL", "detail": f"{error!r}"}
        )


DIALECT = V2Dialect()
