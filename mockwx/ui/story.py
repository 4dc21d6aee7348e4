"""One order's story, as a sequence of messages between the mini program, the merchant backend and
WeChat (the mock): wx.login, code2session, unifiedorder, wx.requestPayment, every notification
attempt with its verdict and the retry gaps, orderquery, closeorder, refund and the refund
notification. Built from the journal (raw messages, calls) and the state (orders, notification
attempts, refunds: what outlives the bounded journal). The SVG is sequence.py's.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from .. import catalogue
from ..backend import Backend
from ..capture import RawMessage
from ..catalogue import AUTHORIZED_MCHID, CASHIER_OPEN
from ..domain.models import SANDBOX, Attempt, Notification, NotifyStatus, Order, RefundStatus
from ..journal import Entry
from ..wire import XmlError, parse_xml
from .rows import order_of, tone
from .templating import duration, yuan

CLIENT, MERCHANT, WECHAT = "client", "merchant", "wechat"
LIFELINES = (CLIENT, MERCHANT, WECHAT)
# The calls about one order, in every dialect that has them (v2's unifiedorder, v3's v3/jsapi ...).
ORDER_OPERATIONS = frozenset(
    {"place", "place_app", "place_h5", "place_native", "query", "query_id", "close", "refund", "refundquery"}
)
ORDER_APIS = frozenset(e.api for e in catalogue.ENDPOINTS if e.operation in ORDER_OPERATIONS)
V3_PLACED = {"JSAPI": "v3/jsapi", "APP": "v3/app", "MWEB": "v3/h5", "NATIVE": "v3/native"}  # by trade_type
PLACE_APIS = frozenset(e.api for e in catalogue.ENDPOINTS if e.operation.startswith("place"))
GAP_SHOWN = 10.0  # seconds between two messages worth a "time passes" row (retries always get one)
_LAST = 10**12  # sorts messages the journal no longer holds after those it does, at the same time


@dataclass(slots=True)
class Message:
    """One arrow (or, with source == target, a note on a lifeline)."""

    at: float
    source: str
    target: str
    label: str  # a text key ("story.*") or the API's own name
    kind: str = "call"  # call, reply, note
    detail: str = ""
    tone: str = ""  # ok, fail, problem, pending (replies and notes)
    api: str = ""
    ref: int = 0  # the journal entry holding its raw message, 0 when the journal no longer has it
    verdict: str = ""  # notification attempts: acked, timeout, http_error ...
    gap: float = 0.0  # seconds since the previous attempt of the same notification (a retry)
    seq: int = _LAST  # order among messages at the same time


@dataclass(slots=True)
class Story:
    order: dict[str, Any]  # the order's summary (views.order_summary + what the header shows)
    messages: list[Message] = field(default_factory=list)

    def arrows(self) -> list[Message]:
        return [m for m in self.messages if m.kind != "note"]


def build_story(backend: Backend, order: Order) -> Story:
    """The story of ``order``: every message the mock saw or sent about it, in time order."""
    entries = [e for e in backend.journal.entries if _concerns(e, order, backend)]
    messages: list[Message] = []
    messages += _login(backend, order, entries)
    for entry in entries:
        messages += _call(entry)
    if not any(e.api.removeprefix("sandbox/") in PLACE_APIS for e in entries):  # the journal forgot it, the state not
        placed = "unifiedorder" if order.dialect == "v2" else V3_PLACED.get(order.trade_type, "v3/jsapi")
        messages.append(Message(order.created_at, MERCHANT, WECHAT, placed, detail="story.from_state", seq=0))
    if not any(e.api == "pay" for e in entries):
        for payment in order.payments:
            messages.append(Message(payment.at, CLIENT, WECHAT, "wx.requestPayment", detail="story.from_state"))
            messages.append(_reply(payment.at, CLIENT, payment.err_msg, "ok" if payment.outcome == "ok" else "fail"))
    attempt_refs = {
        (e.fields.get("notification_id"), e.fields.get("attempt")): e
        for e in backend.journal.entries
        if e.api in NOTIFY
    }
    for notification in sorted(backend.state.notifications_of(order), key=lambda n: (n.created_at, n.id)):
        messages += _notification(notification, attempt_refs, backend.clock.now())
    for refund in backend.state.refunds_of(order):
        if refund.refund_status == RefundStatus.SUCCESS and refund.success_time is not None:
            detail = f"{refund.out_refund_no} {yuan(refund.refund_fee)}"
            messages.append(Message(refund.success_time, WECHAT, WECHAT, "story.refund_settled", "note", detail, "ok"))
    messages.sort(key=lambda m: (m.at, m.seq))
    summary = {
        "out_trade_no": order.out_trade_no,
        "mch_id": order.mch_id,
        "appid": order.appid,
        "env": order.env,
        "total_fee": order.total_fee,
        "trade_type": order.trade_type,
        "trade_state": backend.orders.trade_state(order),
        "openid": order.openid or order.payer_openid,
        "transaction_id": order.transaction_id,
        "created_at": order.created_at,
    }
    return Story(summary, messages)


NOTIFY = ("notify", "refund_notify")


def _concerns(entry: Entry, order: Order, backend: Backend) -> bool:
    api = entry.api
    if api.startswith("sandbox/"):
        if order.env != SANDBOX:
            return False
        api = api[len("sandbox/") :]
    elif api in ORDER_APIS and order.env == SANDBOX:
        return False
    if api in ORDER_APIS:
        fields = entry.fields  # v2: mch_id; v3: the Authorization header's mchid (a refund body has none)
        mch_id = fields.get("mch_id") or fields.get(AUTHORIZED_MCHID) or fields.get("mchid")
        return mch_id == order.mch_id and order_of(entry, backend.state) == order.out_trade_no
    if api == "pay" or (api == "wx.requestPayment" and entry.outcome != CASHIER_OPEN):
        # the control API's /pay, or the phone's cashier refusing a paySign (an open sheet is drawn by its /pay)
        return order_of(entry, backend.state) == order.out_trade_no
    return False


def _login(backend: Backend, order: Order, entries: list[Entry]) -> list[Message]:
    """The payer's last wx.login and code2session before the order was placed."""
    openid = order.openid or order.payer_openid
    if not openid:
        return []
    first = min((e.id for e in entries), default=None)  # the order's first call: the login came before it

    def before(e: Entry) -> bool:
        return e.id < first if first is not None else e.at <= order.created_at

    mints = [
        e
        for e in backend.journal.entries
        if e.api == "login" and before(e) and e.outcome == "ok" and _json(e).get("openid") == openid
    ]
    if not mints:
        return []
    mint = mints[-1]
    code = str(_json(mint).get("code", ""))
    messages = [
        Message(mint.at, CLIENT, WECHAT, "wx.login", api="login", ref=mint.id, seq=mint.id),
        _reply(mint.at, CLIENT, f"code {code[:8]}…", "ok", mint),
    ]
    for entry in backend.journal.entries:
        if entry.api == "code2session" and code and entry.fields.get("js_code") == code:
            messages += _call(entry)
    return messages


def _call(entry: Entry) -> list[Message]:
    """A call to WeChat and WeChat's answer, as two arrows."""
    api = entry.api.removeprefix("sandbox/")
    source = CLIENT if api in ("pay", "login", "wx.requestPayment") else MERCHANT
    label = {"pay": "wx.requestPayment", "login": "wx.login"}.get(api, entry.api)
    call = Message(entry.at, source, WECHAT, label, detail=_call_detail(api, entry), api=entry.api, ref=entry.id)
    call.seq = entry.id
    return [call, _reply(entry.at, source, _answer_detail(api, entry), tone(entry), entry)]


def _reply(at: float, target: str, detail: str, shade: str, entry: Entry | None = None) -> Message:
    ref = entry.id if entry is not None else 0
    return Message(at, WECHAT, target, "", "reply", detail, shade, entry.api if entry else "", ref, seq=ref or _LAST)


def _call_detail(api: str, entry: Entry) -> str:
    f = entry.fields
    if api == "unifiedorder":
        return f"{yuan(_int(f.get('total_fee')))} {f.get('trade_type', '')}".strip()
    if api in PLACE_APIS:  # v3: amount.total, the trade type is in the path
        return yuan(_int(_amount(f).get("total")))
    if api == "refund":
        return f"{f.get('out_refund_no', '')} {yuan(_int(f.get('refund_fee')))}".strip()
    if api == "v3/refund":
        return f"{f.get('out_refund_no', '')} {yuan(_int(_amount(f).get('refund')))}".strip()
    if api == "pay":
        return str(f.get("signType") or f.get("outcome") or "")
    return ""


def _answer_detail(api: str, entry: Entry) -> str:
    if api in ("pay", "login", "code2session"):
        answer = _json(entry)
        if api == "pay":
            return str(answer.get("errMsg") or entry.outcome)
        if api == "code2session" and entry.outcome == "ok":
            return "openid, session_key"
        return entry.outcome
    if api.startswith("v3/"):
        answer = _json(entry)
        state = answer.get("trade_state") or answer.get("status")  # v3/query; v3/refund
        return f"{entry.outcome} {state}" if isinstance(state, str) and state else entry.outcome
    answer = _xml(entry)
    if api == "orderquery" and answer.get("trade_state"):
        return f"{entry.outcome} {answer['trade_state']}"
    if api == "refund" and entry.outcome == "SUCCESS":
        return "SUCCESS PROCESSING"
    return entry.outcome


def _notification(notification: Notification, refs: dict[tuple[Any, Any], Entry], now: float) -> Iterable[Message]:
    label = "story.refund_notify" if notification.kind == "refund" else "story.notify"
    api = "refund_notify" if notification.kind == "refund" else "notify"  # as the journal names them
    variant = notification.label
    if notification.status == NotifyStatus.SUPPRESSED:
        yield Message(notification.created_at, WECHAT, WECHAT, "story.lost", "note", variant, "problem")
        return
    previous: Attempt | None = None
    for attempt in notification.attempts:
        entry = refs.get((notification.id, attempt.number))
        ref = entry.id if entry is not None else 0
        gap = attempt.at - previous.at if previous is not None and not attempt.manual else 0.0
        detail = f"#{attempt.number}" + (f" {variant}" if variant else "") + (" (resend)" if attempt.manual else "")
        yield Message(
            attempt.at,
            WECHAT,
            MERCHANT,
            label,
            detail=detail,
            api=api,
            ref=ref,
            gap=gap,
            seq=ref or _LAST,
        )
        answer = f"{attempt.verdict} {attempt.status}" if attempt.status else attempt.verdict
        shade = {"acked": "ok", "in_flight": "pending"}.get(attempt.verdict, "problem")
        yield Message(
            attempt.at,
            MERCHANT,
            WECHAT,
            "",
            "reply",
            answer,
            shade,
            api,
            ref,
            attempt.verdict,
            seq=ref or _LAST,
        )
        previous = attempt
    if notification.status == NotifyStatus.PENDING and notification.next_at is not None:
        wait = duration(max(0.0, notification.next_at - now))
        yield Message(max(now, notification.next_at), WECHAT, WECHAT, "story.next", "note", wait, "pending")
    elif notification.status == NotifyStatus.GIVEN_UP:
        at = notification.attempts[-1].at if notification.attempts else notification.created_at
        yield Message(at, WECHAT, WECHAT, "story.given_up", "note", str(len(notification.attempts)), "problem")


def _json(entry: Entry) -> dict[str, Any]:
    response = entry.settle().response
    body = response.body if isinstance(response, RawMessage) else ""
    try:
        data = json.loads(body) if body else {}
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _xml(entry: Entry) -> dict[str, str]:
    response = entry.settle().response
    body = response.body if isinstance(response, RawMessage) and not response.truncated else ""
    try:
        return parse_xml(body.encode("utf-8")) if body.strip().startswith("<") else {}
    except XmlError:
        return {}


def _amount(fields: dict[str, Any]) -> dict[str, Any]:
    amount = fields.get("amount")
    return amount if isinstance(amount, dict) else {}


def _int(value: Any) -> int | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return int(value) if isinstance(value, str) and value.isascii() and value.isdigit() else None
