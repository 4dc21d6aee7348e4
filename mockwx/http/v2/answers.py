"""Pay v2 answers: the domain's records rendered as WeChat's fields (protocol/v2.md 3.2, 6.1-6.4),
signed with the request's key and sign_type, echoing appid and mch_id with a fresh nonce_str
(what tenpay checks), and the XML responses carrying them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from aiohttp import web

from ...domain.models import Order, Refund
from ...ids import Ids
from ...notify.v2 import REFUND_RECV_ACCOUNT
from ...wire import render_signed, render_xml, to_compact, to_dashed
from ..render import XML_TYPE, hint_headers
from .auth import V2Request
from .errors import BizFail, ReturnFail


def xml(fields: Mapping[str, Any], *, hint: str = "", status: int = 200) -> web.Response:
    return _response(render_xml(fields), hint, status)


def _response(body: bytes, hint: str = "", status: int = 200) -> web.Response:
    return web.Response(body=body, status=status, content_type=XML_TYPE, charset="utf-8", headers=hint_headers(hint))


def return_fail(error: ReturnFail) -> web.Response:
    """return_code=FAIL: two fields (and downloadbill's error_code), no sign."""
    return xml({"return_code": "FAIL", "return_msg": error.return_msg, **error.extra}, hint=error.hint)


def _head(call: V2Request, ids: Ids) -> dict[str, Any]:
    head: dict[str, Any] = {
        "return_code": "SUCCESS",
        "return_msg": "OK",
        "appid": call.fields.get("appid") or None,
        "mch_id": call.merchant.mch_id,
    }
    if call.fields.get("device_info"):
        head["device_info"] = call.fields["device_info"]
    head["nonce_str"] = ids.nonce()
    head["sign"] = ""
    return head


def _signed(call: V2Request, answer: dict[str, Any], hint: str = "") -> web.Response:
    """The answer signed and rendered in one step (the sign goes where _head placed it)."""
    return _response(render_signed(answer, call.key, call.sign_type), hint)


def success(call: V2Request, ids: Ids, result: dict[str, Any]) -> web.Response:
    """return_code and result_code SUCCESS, the result fields, signed with the request's sign_type."""
    return _signed(call, {**_head(call, ids), "result_code": "SUCCESS", **result})


def failure(call: V2Request, ids: Ids, error: BizFail) -> web.Response:
    """result_code FAIL with err_code / err_code_des, signed."""
    answer = {**_head(call, ids), "result_code": "FAIL", "err_code": error.err_code, "err_code_des": error.err_code_des}
    return _signed(call, answer, error.hint)


# -- the result fields of each API ----------------------------------------------------------------


def placed(order: Order) -> dict[str, Any]:
    """unifiedorder: trade_type, prepay_id, and code_url / mweb_url for NATIVE / MWEB."""
    answer: dict[str, Any] = {"trade_type": order.trade_type, "prepay_id": order.prepay_id}
    if order.code_url:
        answer["code_url"] = order.code_url
    if order.mweb_url:
        answer["mweb_url"] = order.mweb_url
    return answer


def queried(order: Order, trade_state: str, trade_state_desc: str) -> dict[str, Any]:
    """orderquery: the payment's fields once paid; the order's number, amount and state before."""
    answer: dict[str, Any] = {}
    if order.is_paid():
        answer.update(
            openid=order.payer_openid,
            is_subscribe="N",
            trade_type=order.trade_type,
            bank_type=order.bank_type,
            total_fee=order.total_fee,
            fee_type=order.fee_type,
            transaction_id=order.transaction_id,
            out_trade_no=order.out_trade_no,
            attach=order.attach or None,
            time_end=to_compact(order.time_end or 0),
            trade_state=trade_state,
            cash_fee=order.cash_fee,
        )
    else:
        answer.update(
            out_trade_no=order.out_trade_no,
            attach=order.attach or None,
            total_fee=order.total_fee,
            trade_state=trade_state,
        )
    answer["trade_state_desc"] = trade_state_desc
    return answer


def refunded(order: Order, refund: Refund) -> dict[str, Any]:
    """secapi/pay/refund: the refund accepted."""
    return {
        "transaction_id": order.transaction_id,
        "out_trade_no": order.out_trade_no,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_channel": None,
        "refund_fee": refund.refund_fee,
        "coupon_refund_fee": 0,
        "total_fee": order.total_fee,
        "cash_fee": order.cash_fee,
        "coupon_refund_count": 0,
        "cash_refund_fee": refund.refund_fee,
    }


def refunds_found(order: Order, refunds: list[Refund], total: int, paged: bool) -> dict[str, Any]:
    """refundquery: the order, then each refund of the page as ``<field>_$n``."""
    answer: dict[str, Any] = {
        "transaction_id": order.transaction_id,
        "out_trade_no": order.out_trade_no,
        "total_fee": order.total_fee,
        "cash_fee": order.cash_fee,
        "fee_type": order.fee_type,
        "refund_count": len(refunds),
    }
    if paged:
        answer["total_refund_count"] = total
    for n, refund in enumerate(refunds):
        answer.update(
            {
                f"out_refund_no_{n}": refund.out_refund_no,
                f"refund_id_{n}": refund.refund_id,
                f"refund_channel_{n}": "ORIGINAL",
                f"refund_fee_{n}": refund.refund_fee,
                f"settlement_refund_fee_{n}": refund.refund_fee,
                f"coupon_refund_fee_{n}": 0,
                f"refund_status_{n}": refund.refund_status,
                f"refund_account_{n}": refund.refund_account,
                f"refund_recv_accout_{n}": REFUND_RECV_ACCOUNT,
                f"refund_success_time_{n}": to_dashed(refund.success_time) if refund.success_time else None,
            }
        )
    return answer
