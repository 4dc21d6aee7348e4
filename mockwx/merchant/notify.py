"""WeChat's notifications: the payment result and the refund result, checked before anything changes.

Payment (protocol/v2.md 5): safe XML; return_code SUCCESS; a known out_trade_no; our appid and
mch_id; the sign verified with the notification's sign_type or, when it has none (real WeChat
omits it on HMAC notifications), the sign_type the order was placed with; total_fee equal to the
stored amount; then the atomic PENDING -> PAID. Refund (6.5): our appid and mch_id; req_info
decrypts with our API key (that is its only integrity check); a known refund with the same order
and amount; then PROCESSING -> final, once. Anything that fails a check changes nothing, is
logged, and is answered FAIL; a valid notification, new or repeated, is answered SUCCESS.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from mockwx.wire import SIGN_TYPES, XmlError, canonical_string, decrypt_req_info, mask_key, parse_xml, verify

from .config import MerchantConfig
from .gateway import Payment
from .models import PAID_STATUSES, Order, RefundStatus
from .store import Store

log = logging.getLogger("merchant.notify")

MAX_NOTIFY_BYTES = 64 * 1024  # a payment notification is about 1 KB
_NUMBER = re.compile(r"[0-9A-Za-z_\-|*@]{1,64}")
REFUND_STATUSES = {s.value: s for s in (RefundStatus.SUCCESS, RefundStatus.CHANGE, RefundStatus.REFUNDCLOSE)}


@dataclass(frozen=True, slots=True)
class Verdict:
    """How to answer WeChat: ``ok`` -> SUCCESS, otherwise FAIL with ``reason`` (v3: HTTP ``status``)."""

    ok: bool
    reason: str = "OK"
    status: int = 400


@dataclass(frozen=True, slots=True)
class RefundNotice:
    """What a refund notification says, in neither dialect."""

    out_refund_no: str
    out_trade_no: str
    refund_fen: int | None
    total_fen: int | None
    status: RefundStatus | None  # None: a status we do not know
    refund_id: str
    raw_status: str


def fen(value: object) -> int | None:
    """An amount from a notification (v2: digits, v3: a JSON integer); None when it is neither."""
    if isinstance(value, str):
        return int(value) if value.isdigit() and len(value) <= 12 else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _refuse(kind: str, reason: str, detail: str = "") -> Verdict:
    log.warning("refused a %s notification: %s%s; nothing changed", kind, reason, f" ({detail})" if detail else "")
    return Verdict(False, reason)


def _envelope(kind: str, body: bytes) -> dict[str, str] | Verdict:
    """The notification's fields, or the refusal: not safe, well-formed XML, or not return_code SUCCESS."""
    try:
        fields = parse_xml(body, max_bytes=MAX_NOTIFY_BYTES)
    except XmlError as exc:
        return _refuse(kind, "not a WeChat XML message", exc.detail)
    if fields.get("return_code") != "SUCCESS":
        return _refuse(kind, "return_code is not SUCCESS", fields.get("return_msg", ""))
    return fields


class Notifications:
    def __init__(self, config: MerchantConfig, store: Store, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.clock = clock

    # -- payment ----------------------------------------------------------------------------------

    async def payment(self, body: bytes) -> Verdict:
        c = self.config
        fields = _envelope("payment", body)
        if isinstance(fields, Verdict):
            return fields
        number = fields.get("out_trade_no", "")
        order = await self.store.order(number) if _NUMBER.fullmatch(number) else None
        if order is None:
            return _refuse("payment", "unknown out_trade_no", repr(number[:64]))
        if fields.get("appid") != c.appid or fields.get("mch_id") != c.mch_id:  # before the sign: another
            return _refuse(  # merchant's genuine notification is not a forgery, it is misdirected
                "payment",
                "not for this merchant",
                f"{number}: appid {fields.get('appid')!r} / mch_id {fields.get('mch_id')!r},"
                f" we are {c.appid} / {c.mch_id}",
            )
        sign_type = fields.get("sign_type") or order.sign_type
        if sign_type not in SIGN_TYPES or not verify(fields, c.api_key, sign_type):
            return _refuse(
                "payment",
                "signature does not verify",
                f"{number}, {sign_type}: canonical string {canonical_string(fields, mask_key(c.api_key))}",
            )
        result = fields.get("result_code")
        notice = Payment(
            out_trade_no=number,
            trade_state="SUCCESS" if result == "SUCCESS" else fields.get("err_code") or str(result or "FAIL"),
            total_fen=fen(fields.get("total_fee")),
            transaction_id=fields.get("transaction_id", ""),
            appid=fields.get("appid", ""),
            mch_id=fields.get("mch_id", ""),
        )
        return await self.settle_payment(notice, "total_fee", order, shown=fields.get("total_fee"))

    async def settle_payment(
        self, notice: Payment, amount_name: str, order: Order | None = None, shown: object = None
    ) -> Verdict:
        """The checks both dialects make once a notification is authentic, then PENDING -> PAID, once."""
        c = self.config
        number = notice.out_trade_no
        if order is None and _NUMBER.fullmatch(number):
            order = await self.store.order(number)
        if order is None:
            return _refuse("payment", "unknown out_trade_no", repr(number[:64]))
        if notice.appid != c.appid or notice.mch_id != c.mch_id:
            return _refuse(
                "payment",
                "not for this merchant",
                f"{number}: appid {notice.appid!r} / mch_id {notice.mch_id!r}, we are {c.appid} / {c.mch_id}",
            )
        if notice.total_fen != order.amount_fen:
            return _refuse(
                "payment",
                f"{amount_name} does not match the order",
                f"{number}: notified {shown if shown is not None else notice.total_fen!r} fen,"
                f" the order is {order.amount_fen} fen",
            )
        if notice.trade_state != "SUCCESS":
            log.info("payment notification for %s says %s; nothing to do", number, notice.trade_state)
            return Verdict(True)
        if not notice.transaction_id:
            return _refuse("payment", "no transaction_id", number)
        if await self.store.fulfil(number, notice.transaction_id, order.amount_fen, "notify", self.clock()):
            log.info("order %s paid: %d fen, transaction %s", number, order.amount_fen, notice.transaction_id)
            return Verdict(True)
        return await self._repeated(number, notice.transaction_id)

    async def _repeated(self, number: str, transaction_id: str) -> Verdict:
        """A valid notification that did not fulfil: a duplicate (ack it) or a contradiction (flag it)."""
        order = await self.store.order(number)
        if order is not None and order.status in PAID_STATUSES:
            if order.transaction_id != transaction_id:
                log.error(
                    "order %s is paid by transaction %s but WeChat notifies transaction %s: check the bill",
                    number,
                    order.transaction_id,
                    transaction_id,
                )
            return Verdict(True)
        status = order.status.value if order else "gone"
        log.error("WeChat notifies a payment for order %s, which is %s here: needs a person", number, status)
        return Verdict(False, f"order is {status}")

    # -- refund -----------------------------------------------------------------------------------

    async def refund(self, body: bytes) -> Verdict:
        c = self.config
        outer = _envelope("refund", body)
        if isinstance(outer, Verdict):
            return outer
        if outer.get("appid") != c.appid or outer.get("mch_id") != c.mch_id:
            return _refuse(
                "refund", "not for this merchant", f"appid {outer.get('appid')!r} / mch_id {outer.get('mch_id')!r}"
            )
        try:
            inner = parse_root(decrypt_req_info(outer.get("req_info", ""), c.api_key))
        except ValueError as exc:  # XmlError is a ValueError too
            return _refuse("refund", "req_info does not decrypt with our API key", str(exc))
        notice = RefundNotice(
            out_refund_no=inner.get("out_refund_no", ""),
            out_trade_no=inner.get("out_trade_no", ""),
            refund_fen=fen(inner.get("refund_fee")),
            total_fen=fen(inner.get("total_fee")),
            status=REFUND_STATUSES.get(inner.get("refund_status", "")),
            refund_id=inner.get("refund_id", ""),
            raw_status=inner.get("refund_status", ""),
        )
        return await self.settle_refund(notice)

    async def settle_refund(self, notice: RefundNotice) -> Verdict:
        """The checks both dialects make once a refund notification is authentic, then PROCESSING -> final, once."""
        number = notice.out_refund_no
        refund = await self.store.refund(number) if _NUMBER.fullmatch(number) else None
        if refund is None:
            return _refuse("refund", "unknown out_refund_no", repr(number[:64]))
        order = await self.store.order(refund.out_trade_no)
        if order is None or notice.out_trade_no != refund.out_trade_no:
            return _refuse("refund", "out_trade_no does not match the refund", number)
        if notice.refund_fen != refund.amount_fen or notice.total_fen != order.amount_fen:
            return _refuse(
                "refund",
                "amounts do not match the refund",
                f"{number}: refund {notice.refund_fen!r} of {notice.total_fen!r},"
                f" expected {refund.amount_fen} of {order.amount_fen}",
            )
        status = notice.status
        if status is None:
            return _refuse("refund", "unknown refund_status", repr(notice.raw_status))
        if await self.store.settle_refund(number, status, notice.refund_id, self.clock()):
            log.info("refund %s of order %s: %s, %d fen", number, refund.out_trade_no, status.value, refund.amount_fen)
        else:
            current = await self.store.refund(number)
            if current is not None and current.status != status:
                log.error("refund %s is %s here but WeChat notifies %s: needs a person", number, current.status, status)
        return Verdict(True)


def parse_root(plain: bytes) -> dict[str, str]:
    """The decrypted req_info, a flat ``<root>`` document, parsed as safely as any WeChat XML."""
    return parse_xml(plain, max_bytes=MAX_NOTIFY_BYTES, root="root")
