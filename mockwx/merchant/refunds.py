"""Refunds, requested by an operator: reserve the amount, ask WeChat (v2 /secapi/pay/refund, v3
/v3/refund/domestic/refunds), await the notification.

The amount is reserved in the database before WeChat is asked (so two operators cannot refund
more than was paid), a retry re-sends the same out_refund_no with the same amounts (WeChat
treats that as the same refund), and only the refund notification marks it done
(protocol/v2.md 6.3, 6.5; v3.md 8).
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable

from mockwx.wire import to_compact

from .config import MerchantConfig
from .errors import conflict, not_found, upstream
from .gateway import Gateway, Refusal, Trouble
from .models import PAID_STATUSES, Order, Refund, RefundStatus
from .store import Store
from .wechat import WeChatForged, WeChatRefused, WeChatUnavailable

log = logging.getLogger("merchant.refunds")

OUT_REFUND_NO = re.compile(r"[0-9A-Za-z_\-|*@]{6,64}")
MAX_REASON = 80  # refund_desc is String(80)


def new_refund_no(now: float) -> str:
    return f"R{to_compact(now)}{secrets.randbelow(10**10):010d}"


class Refunds:
    def __init__(self, config: MerchantConfig, store: Store, gateway: Gateway, clock: Callable[[], float]) -> None:
        self.config = config
        self.store = store
        self.gateway = gateway
        self.clock = clock

    async def request(
        self, out_trade_no: str, amount_fen: int | None, reason: str, out_refund_no: str | None = None
    ) -> Refund:
        """Refund ``amount_fen`` (default: all that is left) of a paid order; the refund, PROCESSING."""
        order = await self.store.order(out_trade_no)
        if order is None:
            raise not_found("NO_SUCH_ORDER", f"there is no order {out_trade_no}")
        if out_refund_no is not None:
            existing = await self.store.refund(out_refund_no)
            if existing is not None:
                return await self._retry(order, existing, amount_fen)
        if order.status not in PAID_STATUSES:
            raise conflict("NOT_PAID", f"order {out_trade_no} is {order.status.value}; only a paid order is refunded")
        left = await self.store.refundable(out_trade_no)
        amount = left if amount_fen is None else amount_fen
        if left <= 0:
            raise conflict("NOTHING_TO_REFUND", f"order {out_trade_no} is already refunded in full (or in flight)")
        if amount > left:
            raise conflict(
                "REFUND_TOO_LARGE", f"at most {left} fen of order {out_trade_no} can be refunded", refundable_fen=left
            )
        refund = Refund(
            out_refund_no=out_refund_no or new_refund_no(self.clock()),
            out_trade_no=out_trade_no,
            amount_fen=amount,
            status=RefundStatus.PROCESSING,
            reason=reason,
            created_at=self.clock(),
        )
        if not await self.store.reserve_refund(refund):  # another refund took the room first
            raise conflict("REFUND_TOO_LARGE", f"the amount no longer fits: order {out_trade_no} changed meanwhile")
        return await self._submit(order, refund)

    async def _retry(self, order: Order, refund: Refund, amount_fen: int | None) -> Refund:
        if refund.out_trade_no != order.out_trade_no or amount_fen not in (None, refund.amount_fen):
            raise conflict(
                "REFUND_NO_REUSED",
                f"out_refund_no {refund.out_refund_no} is a refund of {refund.amount_fen} fen of order"
                f" {refund.out_trade_no}: a retry repeats it exactly, a new refund needs a new out_refund_no",
            )
        if refund.status != RefundStatus.PROCESSING:
            return refund  # already settled (or refused): nothing to send again
        return await self._submit(order, refund)

    async def _submit(self, order: Order, refund: Refund) -> Refund:
        number = refund.out_refund_no
        retry = f"retry with the same out_refund_no ({number}) to make sure it goes through exactly once"
        try:
            answer = await self.gateway.refund(order, refund)
        except (WeChatUnavailable, WeChatForged) as exc:  # it may or may not have reached WeChat: keep it reserved
            log.warning("refund %s: no usable answer: %s", number, exc)
            raise upstream(
                "REFUND_UNCERTAIN", f"WeChat Pay gave no usable answer; {retry}", out_refund_no=number
            ) from None
        except WeChatRefused as exc:
            await self.store.refund_failed(number, f"refused: {exc.return_msg}")
            raise upstream("REFUND_REFUSED", f"WeChat Pay refused the refund ({exc.return_msg})") from None
        if isinstance(answer, Refusal):
            wechat = {"wechat_err_code": answer.code, "wechat_err_code_des": answer.message}
            if answer.trouble == Trouble.BUSY:
                raise upstream("REFUND_UNCERTAIN", f"WeChat Pay is busy; {retry}", out_refund_no=number, **wechat)
            await self.store.refund_failed(number, str(answer))
            raise upstream("REFUND_REFUSED", f"WeChat Pay refused the refund: {answer.code}", **wechat)
        if (answer.out_refund_no, answer.refund_fen) != (number, refund.amount_fen):
            log.error("refund %s: WeChat accepted something else: %s", number, answer)
            raise upstream("REFUND_UNCERTAIN", f"WeChat Pay's answer does not match the request; {retry}")
        await self.store.refund_accepted(number, answer.refund_id)
        log.info("refund %s of order %s accepted: %d fen", number, order.out_trade_no, refund.amount_fen)
        return await self.store.refund(number) or refund
