"""Ordering: the catalogue price, the order placed at WeChat (retried, re-entered with identical parameters)
and the wx.requestPayment parameters with the second signature (protocol/v2.md 3, 4; v3.md 4, 5).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mockwx.wire import new_nonce, to_compact

from .config import MerchantConfig, Product
from .errors import ApiError, bad_request, conflict, not_found, upstream
from .gateway import Gateway, Trouble
from .models import LedgerEntry, Order, OrderStatus, Refund, Session
from .pay_v3 import SIGN_TYPE as SIGN_TYPE_V3
from .reconcile import Reconciler
from .store import Store
from .wechat import WeChatForged, WeChatRefused, WeChatUnavailable

log = logging.getLogger("merchant.checkout")

PREPAY_TTL = 7200  # a prepay_id lives two hours (protocol/v2.md 3.2)
PREPAY_MARGIN = 300  # do not hand out a prepay_id with less than five minutes to live
MAX_QUANTITY = 99
MAX_NUMBER_TRIES = 5


@dataclass(frozen=True, slots=True)
class PaymentParams:
    """What wx.requestPayment takes (appId is signed but not passed), plus the order's number and amount."""

    out_trade_no: str
    amount_fen: int
    time_stamp: str
    nonce_str: str
    package: str
    sign_type: str
    pay_sign: str

    def to_json(self) -> dict[str, Any]:
        return {
            "timeStamp": self.time_stamp,
            "nonceStr": self.nonce_str,
            "package": self.package,
            "signType": self.sign_type,
            "paySign": self.pay_sign,
            "out_trade_no": self.out_trade_no,
            "amount_fen": self.amount_fen,
        }


@dataclass(frozen=True, slots=True)
class OrderView:
    order: Order
    ledger: list[LedgerEntry]
    refunds: list[Refund]
    reconcile_note: str = ""

    def to_json(self) -> dict[str, Any]:
        data = self.order.to_json()
        data["ledger"] = [e.to_json() for e in self.ledger]
        data["refunds"] = [r.to_json() for r in self.refunds]
        if self.reconcile_note:
            data["reconcile_note"] = self.reconcile_note
        return data


def new_trade_no(now: float) -> str:
    """``M`` + Beijing yyyyMMddHHmmss + 10 random digits: 25 characters, unique in practice, <= 32 allowed."""
    return f"M{to_compact(now)}{secrets.randbelow(10**10):010d}"


class Checkout:
    def __init__(
        self,
        config: MerchantConfig,
        store: Store,
        gateway: Gateway,
        reconciler: Reconciler,
        clock: Callable[[], float],
    ) -> None:
        self.config = config
        self.store = store
        self.gateway = gateway
        self.reconciler = reconciler
        self.clock = clock

    def products(self) -> tuple[Product, ...]:
        return self.config.products

    # -- placing an order -------------------------------------------------------------------------

    async def place(self, session: Session, product_id: str, quantity: int) -> PaymentParams:
        """A new order at the catalogue's price (whatever else the client sent), ready to pay."""
        product = self.config.product(product_id)
        if product is None:
            known = ", ".join(p.id for p in self.config.products)
            raise bad_request(
                "UNKNOWN_PRODUCT", f"there is no product {product_id!r}; GET /api/products lists: {known}"
            )
        if not 1 <= quantity <= MAX_QUANTITY:
            raise bad_request("BAD_QUANTITY", f"quantity must be a whole number from 1 to {MAX_QUANTITY}")
        amount = product.price_fen * quantity  # the only price there is: the catalogue's
        now = self.clock()
        expires_at = float(int(now + self.config.order_ttl))  # whole seconds, as time_expire says
        description = product.name if quantity == 1 else f"{product.name} x{quantity}"
        for _ in range(MAX_NUMBER_TRIES):
            number = new_trade_no(now)
            order = Order(
                out_trade_no=number,
                openid=session.openid,
                product_id=product.id,
                quantity=quantity,
                amount_fen=amount,
                description=description,
                sign_type=self.gateway.sign_type(),
                status=OrderStatus.PENDING,
                wx_params=self.gateway.order_fields(number, description, amount, session.openid, now, expires_at),
                created_at=now,
                expires_at=expires_at,
            )
            if await self.store.add_order(order):  # stored before WeChat hears of it: nothing gets lost
                break
        else:
            raise RuntimeError("could not find a free out_trade_no")
        return await self._params(order)

    # -- paying (again) ---------------------------------------------------------------------------

    async def pay(self, session: Session, out_trade_no: str) -> PaymentParams:
        """Fresh wx.requestPayment parameters for the caller's PENDING order."""
        order = await self.owned(session, out_trade_no)
        return await self._params(order)

    async def _params(self, order: Order) -> PaymentParams:
        now = self.clock()
        if order.status != OrderStatus.PENDING:
            raise _not_payable(order)
        if now >= order.expires_at:
            raise conflict("ORDER_EXPIRED", f"order {order.out_trade_no} has expired; place a new order")
        prepay_id = order.prepay_id
        if prepay_id is None or order.prepay_expires_at is None or now >= order.prepay_expires_at - PREPAY_MARGIN:
            prepay_id = await self._prepay(order)  # none yet, or too old: re-enter with identical parameters
        return self._sign(order, prepay_id, now)

    def _sign(self, order: Order, prepay_id: str, now: float) -> PaymentParams:
        time_stamp, nonce, package = str(int(now)), new_nonce(), f"prepay_id={prepay_id}"
        signed = self.gateway.pay_sign(order, time_stamp, nonce, package)
        return PaymentParams(
            out_trade_no=order.out_trade_no,
            amount_fen=order.amount_fen,
            time_stamp=time_stamp,
            nonce_str=nonce,
            package=package,
            sign_type=signed.sign_type,
            pay_sign=signed.pay_sign,
        )

    async def _prepay(self, order: Order) -> str:
        """Place the order with its stored fields; the prepay_id, or an ApiError saying why not."""
        number = order.out_trade_no
        retry_hint = f"order {number} is kept: retry with POST /api/orders/{number}/pay"
        if (order.sign_type == SIGN_TYPE_V3) != (self.gateway.dialect == "v3"):
            raise conflict(
                "ORDER_OTHER_API", f"order {number} was placed with another API version than ours; place a new order"
            )
        try:
            answer = await self.gateway.prepay(order)
        except WeChatUnavailable as exc:
            log.warning("placing %s: WeChat unavailable: %s", number, exc)
            raise upstream("WECHAT_UNAVAILABLE", f"WeChat Pay could not be reached; {retry_hint}") from None
        except WeChatRefused as exc:
            log.error("placing %s refused: %s (check appid, mch_id, keys, sign_type)", number, exc)
            raise upstream(
                "WECHAT_REFUSED", f"WeChat Pay refused the request ({exc.return_msg}); {retry_hint}"
            ) from None
        except WeChatForged as exc:
            raise upstream(
                "WECHAT_UNVERIFIED", f"WeChat Pay's answer failed verification ({exc}); {retry_hint}"
            ) from None
        if isinstance(answer, str):
            expires_at = self.clock() + PREPAY_TTL
            if answer == order.prepay_id and order.prepay_expires_at is not None:
                expires_at = order.prepay_expires_at  # the same one handed back: it lives no longer than before
            await self.store.set_prepay(number, answer, expires_at)
            return answer
        wechat = {"wechat_err_code": answer.code, "wechat_err_code_des": answer.message}
        if answer.trouble == Trouble.PAID:  # paid already, the notification has not come yet: find out now
            await self.reconciler.reconcile(order)
            raise conflict("ALREADY_PAID", f"order {number} is already paid", **wechat)
        if answer.trouble == Trouble.CLOSED:
            await self.store.close(number, self.clock(), f"WeChat answered {answer.code}")
            raise conflict("ORDER_CLOSED", f"order {number} is closed; place a new order", **wechat)
        if answer.trouble == Trouble.BUSY:
            raise upstream("WECHAT_BUSY", f"WeChat Pay is busy ({answer.attempts} attempts); {retry_hint}", **wechat)
        await self.store.fail(number, f"{self.gateway.dialect} place order: {answer}")
        log.error("placing %s failed for good: %s", number, answer)
        raise upstream("WECHAT_ORDER_FAILED", f"WeChat Pay would not create the order: {answer.code}", **wechat)

    # -- looking at an order ----------------------------------------------------------------------

    async def owned(self, session: Session, out_trade_no: str) -> Order:
        """The caller's order; someone else's is as unknown as one that does not exist."""
        order = await self.store.order(out_trade_no)
        if order is None or not secrets.compare_digest(order.openid, session.openid):
            raise not_found("NO_SUCH_ORDER", f"you have no order {out_trade_no}")
        return order

    async def view(self, session: Session, out_trade_no: str) -> OrderView:
        """The order with its ledger and refunds, reconciled first if it has been PENDING too long."""
        order = await self.owned(session, out_trade_no)
        note = ""
        if self.reconciler.is_due(order):
            outcome = await self.reconciler.reconcile(order)
            note = outcome.detail if outcome.result == "error" else ""
            order = await self.store.order(out_trade_no) or order
        ledger = await self.store.ledger(out_trade_no)
        refunds = await self.store.refunds(out_trade_no)
        return OrderView(order=order, ledger=ledger, refunds=refunds, reconcile_note=note)


def _not_payable(order: Order) -> ApiError:
    number = order.out_trade_no
    if order.status == OrderStatus.CLOSED:
        return conflict("ORDER_CLOSED", f"order {number} is closed; place a new order")
    if order.status == OrderStatus.FAILED:
        return conflict("ORDER_FAILED", f"order {number} could not be created at WeChat ({order.failure})")
    return conflict("ALREADY_PAID", f"order {number} is already paid ({order.status.value})")
