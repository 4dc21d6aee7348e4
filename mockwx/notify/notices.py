"""What gets notified: the payment notification of a paid order and the refund notification of a
settled refund, signed (or encrypted) with the key of the order's environment, plus the
deliberately broken variants scenarios send (duplicate, forged, tampered, wrong appid).
"""

from __future__ import annotations

from typing import Any

from ..config import NotifySettings
from ..domain.models import PROD, Notification, Order, Refund
from ..ids import Ids
from ..state import State
from ..wire import MD5
from .engine import NotifyEngine
from .render import payment_fields, refund_body, refund_fields, signed_payment

# Variants of a payment notification: what each changes before (re-)signing.
VARIANTS = ("normal", "duplicate", "forged", "tampered_amount", "wrong_appid", "wrong_mch_id", "unknown_order")


class Notices:
    def __init__(self, state: State, ids: Ids, engine: NotifyEngine, settings: NotifySettings) -> None:
        self.state = state
        self.ids = ids
        self.engine = engine
        self.settings = settings

    def _key(self, env: str, mch_id: str) -> str:
        merchant = self.state.merchants[mch_id]
        return merchant.api_key if env == PROD else merchant.sandbox_key

    def payment_body(self, order: Order, variant: str = "normal") -> bytes:
        """The payment notification XML for ``order``, or a broken variant of it."""
        fields: dict[str, Any] = payment_fields(order, self.ids.nonce())
        key = self._key(order.env, order.mch_id)
        sign_type = MD5 if self.settings.force_md5 else order.sign_type
        if variant == "tampered_amount":  # a valid sign over a changed amount: only an amount check catches it
            fields["total_fee"] = fields["cash_fee"] = max(1, order.total_fee // 100)
        elif variant == "wrong_appid":
            fields["appid"] = "wx" + self.ids.nonce(16).lower()
        elif variant == "wrong_mch_id":
            fields["mch_id"] = str(int(order.mch_id) + 1) if order.mch_id.isdigit() else "1"
        elif variant == "unknown_order":
            fields["out_trade_no"] = "UNKNOWN" + self.ids.nonce(12)
        elif variant == "forged":  # the right fields, signed with a key that is not the merchant's
            key = self.ids.nonce(32)
        return signed_payment(fields, key, sign_type, sign_type_field=self.settings.sign_type_field)

    def payment(
        self, order: Order, *, variant: str = "normal", delay: float = 0.0, delays: list[int] | None = None
    ) -> Notification:
        return self.engine.send(
            kind="payment",
            env=order.env,
            mch_id=order.mch_id,
            out_trade_no=order.out_trade_no,
            url=order.notify_url,
            body=self.payment_body(order, variant),
            label="" if variant == "normal" else variant,
            delay=delay,
            delays=delays,
        )

    def refund(self, refund: Refund, *, variant: str = "normal", delay: float = 0.0) -> Notification:
        key = self._key(refund.env, refund.mch_id)
        inner = refund_fields(refund)
        if variant == "tampered_amount":
            inner["refund_fee"] = inner["settlement_refund_fee"] = refund.refund_fee + 1
        elif variant == "forged":
            key = self.ids.nonce(32)  # encrypted under the wrong key: it will not decrypt
        return self.engine.send(
            kind="refund",
            env=refund.env,
            mch_id=refund.mch_id,
            out_trade_no=refund.out_trade_no,
            out_refund_no=refund.out_refund_no,
            url=refund.notify_url,
            body=refund_body(refund, key, self.ids.nonce(), inner),
            label="" if variant == "normal" else variant,
            delay=delay,
        )
