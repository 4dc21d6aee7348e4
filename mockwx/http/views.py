"""What the control API shows: JSON views of orders, notifications, the clock and the mock
itself, and the simulated client's answer to a payment.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from aiohttp import web

from .. import __version__
from ..backend import Backend
from ..config import Settings
from ..domain.errors import ControlError
from ..domain.models import Notification, NotifyStatus, Order
from ..faults import OUTCOMES
from ..journal import Entry
from ..notify.waiters import Wanted
from ..services.checkout import PaymentRefused
from ..wire import to_dashed
from . import render

NOTIFY_STATUSES = tuple(s.value for s in NotifyStatus)


def overview(backend: Backend, origin: str, endpoints: list[str]) -> dict[str, Any]:
    return {
        "mockwx": __version__,
        "base_url": origin,
        "clock": clock_view(backend),
        "state": backend.state.counts(),
        "persistence": backend.persistence.location,
        "apps": sorted(backend.state.apps),
        "merchants": sorted(backend.state.merchants),
        "control": endpoints,
    }


def settings_view(settings: Settings) -> dict[str, Any]:
    """The settings, with the access token withheld (it is never shown, only said to be set)."""
    view = dataclasses.asdict(settings)
    view["security"]["token"] = "(set)" if settings.security.token else None
    return view


def clock_view(backend: Backend) -> dict[str, Any]:
    now = backend.clock.now()
    return {"kind": backend.clock.kind, "now": now, "beijing": to_dashed(now), "pending_jobs": len(backend.timers)}


def find_order(backend: Backend, out_trade_no: str, query: Mapping[str, str]) -> Order:
    orders = [
        o for o in backend.state.orders_for(out_trade_no, query.get("mch_id")) if o.env == query.get("env", o.env)
    ]
    if not orders:
        raise ControlError(404, f"no order {out_trade_no!r}", hint="GET /__mock__/orders lists the orders")
    if len(orders) > 1:
        where = ", ".join(f"{o.env}/{o.mch_id}" for o in orders)
        raise ControlError(409, f"{len(orders)} orders are numbered {out_trade_no!r} ({where}): add ?mch_id= and ?env=")
    return orders[0]


def order_summary(backend: Backend, order: Order) -> dict[str, Any]:
    return {
        "env": order.env,
        "mch_id": order.mch_id,
        "appid": order.appid,
        "out_trade_no": order.out_trade_no,
        "total_fee": order.total_fee,
        "trade_type": order.trade_type,
        "trade_state": backend.pay.trade_state(order),
        "created_at": order.created_at,
    }


def order_view(backend: Backend, order: Order) -> dict[str, Any]:
    view = order.to_dict()
    view["trade_state"] = backend.pay.trade_state(order)
    view["expired"] = order.is_expired(backend.clock.now())
    view["refunds"] = [r.to_dict() for r in backend.state.refunds_of(order)]
    view["notifications"] = [notification_view(n) for n in backend.state.notifications_of(order)]
    return view


def notification_view(notification: Notification) -> dict[str, Any]:
    view = notification.to_dict()
    view["attempt_count"] = len(notification.attempts)
    return view


def matching_notifications(backend: Backend, wanted: Wanted) -> list[Notification]:
    """The notifications ``wanted`` selects (one pass over all of them)."""
    return [n for n in backend.state.notifications.values() if wanted.selects(n)]


def payment_answer(backend: Backend, entry: Entry, data: dict[str, Any]) -> web.Response:
    """The simulated client's callback for POST /__mock__/pay."""
    outcome = data.get("outcome", "ok")
    if outcome not in OUTCOMES:
        raise ControlError(400, f"outcome must be one of {', '.join(OUTCOMES)}, not {outcome!r}")
    reason = data.get("reason", "")
    if not isinstance(reason, str):
        raise ControlError(400, "reason must be a string")
    checkout = backend.checkout
    try:
        if "paySign" in data:
            answer = checkout.request_payment(data, outcome, reason)
        elif "prepayid" in data:
            answer = checkout.app_payment(data, outcome, reason)
        else:
            answer = checkout.direct_payment(data, outcome, reason)
    except PaymentRefused as refused:
        entry.outcome = f"fail {refused.desc}"
        entry.error = {"kind": refused.problem or "REFUSED", "hint": refused.hint}
        if refused.diagnosis is not None:
            entry.error["diagnosis"] = refused.diagnosis.to_dict()
        entry.problem = refused.problem
        body: dict[str, Any] = {
            "errMsg": f"requestPayment:fail {refused.desc}",
            "err_code": refused.err_code,
            "err_desc": refused.desc,
            "mockwx": {"hint": refused.hint},
        }
        if refused.diagnosis is not None:
            body["mockwx"]["diagnosis"] = refused.diagnosis.to_dict()
        return render.json_body(body, hint=refused.hint)
    entry.outcome = answer["errMsg"]
    return render.json_body(answer)
