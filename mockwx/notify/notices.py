"""What gets notified: the payment notification of a paid order and the refund notification of a
settled refund, in the dialect of the API that placed the order (or asked for the refund), signed
(or encrypted) with the merchant's keys, delivered as the matching fault rule's plan says
(suppressed, delayed, duplicated, preceded by forged or tampered copies, on another retry
schedule), plus broken variants sent on demand.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cryptography.hazmat.primitives.asymmetric import rsa

from ..clock import SystemClock
from ..config import NotifySettings, V3Settings
from ..domain.errors import DomainError
from ..domain.models import Notification, NotifyStatus, Order, Refund, order_key
from ..faults import Fault, Faults
from ..ids import Ids
from ..services.keys import KeyRing
from ..state import State
from ..wire import MD5
from ..wire.v3 import new_private_key, notification_body, sign_response, to_rfc3339
from . import v2, v3
from .engine import NotifyEngine

DUPLICATE_SPACING = 1.0  # seconds between non-concurrent duplicates, "within a few seconds"


class Notices:
    def __init__(
        self,
        state: State,
        ids: Ids,
        engine: NotifyEngine,
        settings: NotifySettings,
        faults: Faults,
        *,
        keyring: KeyRing,
        wall: SystemClock,
        v3_settings: V3Settings,
    ) -> None:
        self.state = state
        self.ids = ids
        self.engine = engine
        self.settings = settings
        self.faults = faults
        self.keyring = keyring
        self.wall = wall
        self.v3_settings = v3_settings
        self._forger: rsa.RSAPrivateKey | None = None  # an attacker's key: made once, when first needed
        engine.signers["v3"] = self.v3_headers

    def _key(self, env: str, mch_id: str) -> str:
        return self.state.merchants[mch_id].key(env)

    # -- bodies -----------------------------------------------------------------------------------

    def payment_body(self, order: Order, variant: str = "normal") -> bytes:
        """The payment notification of ``order`` in its dialect, or a broken variant of it."""
        if order.dialect == "v3":
            return self._v3_payment_body(order, variant)
        fields: dict[str, Any] = v2.payment_fields(order, self.ids.nonce())
        key = self._key(order.env, order.mch_id)
        sign_type = MD5 if self.settings.force_md5 else order.sign_type
        if variant == "tampered_amount":  # a valid sign over a changed amount: only an amount check catches it
            fields["total_fee"] = fields["cash_fee"] = _tampered(order.total_fee)
        elif variant == "wrong_appid":
            fields["appid"] = "wx" + self.ids.nonce(16)
        elif variant == "wrong_mch_id":
            fields["mch_id"] = _other_mch_id(order.mch_id)
        elif variant == "unknown_order":
            fields["out_trade_no"] = "UNKNOWN" + self.ids.nonce(12)
        elif variant == "forged":  # the right fields, signed with a key that is not the merchant's
            key = self.ids.nonce(32)
        return v2.signed_payment(fields, key, sign_type, sign_type_field=self.settings.sign_type_field)

    def refund_body(self, refund: Refund, variant: str = "normal") -> bytes:
        """The refund notification of ``refund`` in its dialect, or a broken variant of it."""
        if refund.dialect == "v3":
            return self._v3_refund_body(refund, variant)
        key = self._key(refund.env, refund.mch_id)
        inner = v2.refund_fields(refund)
        outer = {"appid": refund.appid, "mch_id": refund.mch_id}
        if variant == "wrong_appid":
            outer["appid"] = "wx" + self.ids.nonce(16)
        elif variant == "wrong_mch_id":
            outer["mch_id"] = _other_mch_id(refund.mch_id)
        elif variant == "tampered_amount":
            inner["refund_fee"] = inner["settlement_refund_fee"] = _tampered(refund.refund_fee)
        elif variant == "unknown_order":
            inner["out_refund_no"] = "UNKNOWN" + self.ids.nonce(12)
        elif variant == "forged":  # encrypted under a key that is not the merchant's: it will not decrypt
            key = self.ids.nonce(32)
        return v2.refund_body(outer, key, self.ids.nonce(), inner)

    # -- API v3 (protocol/v3.md 7, 8.3) -----------------------------------------------------------

    def _v3_payment_body(self, order: Order, variant: str) -> bytes:
        plain = v3.payment_plaintext(order)
        if variant == "tampered_amount":  # re-encrypted and validly signed: only an amount check catches it
            plain["amount"]["total"] = plain["amount"]["payer_total"] = _tampered(order.total_fee)
        elif variant == "wrong_appid":
            plain["appid"] = "wx" + self.ids.nonce(16)
        elif variant == "wrong_mch_id":
            plain["mchid"] = _other_mch_id(order.mch_id)
        elif variant == "unknown_order":
            plain["out_trade_no"] = "UNKNOWN" + self.ids.nonce(12)
        return self._envelope(order.mch_id, plain, "TRANSACTION.SUCCESS", "支付成功", "transaction", variant)

    def _v3_refund_body(self, refund: Refund, variant: str) -> bytes:
        plain = v3.refund_plaintext(refund)
        if variant == "tampered_amount":
            plain["amount"]["refund"] = plain["amount"]["payer_refund"] = _tampered(refund.refund_fee)
        elif variant == "wrong_mch_id":
            plain["mchid"] = _other_mch_id(refund.mch_id)
        elif variant == "unknown_order":
            plain["out_refund_no"] = "UNKNOWN" + self.ids.nonce(12)
        event, summary = v3.refund_event(refund)
        return self._envelope(refund.mch_id, plain, event, summary, "refund", variant)

    def _envelope(
        self, mch_id: str, plain: dict[str, Any], event: str, summary: str, original_type: str, variant: str
    ) -> bytes:
        keys = self.keyring.of(self.state.merchants[mch_id])
        api_v3_key = self.ids.nonce(32) if variant == "forged" else keys.api_v3_key  # a forger has no APIv3 key
        return notification_body(
            plain,
            api_v3_key,
            notification_id=self.ids.event_id(),
            create_time=to_rfc3339(self.engine.clock.now()),
            event_type=event,
            summary=summary,
            original_type=original_type,
            nonce=self.ids.aead_nonce(),
        )

    def v3_headers(self, notification: Notification) -> dict[str, str]:
        """The Wechatpay-* headers of one delivery: signed now (wall clock), by WeChat's key, or by an
        attacker's for a forged copy."""
        keys = self.keyring.of(self.state.merchants[notification.mch_id])
        serial, key = self.keyring.notify_signer(keys)
        if notification.label == "forged":
            if self._forger is None:
                self._forger = new_private_key()
            key = self._forger
        return sign_response(
            notification.body.encode("utf-8"),
            key,
            serial,
            timestamp=int(self.wall.now()),
            nonce=self.ids.nonce(32),
            probe=self.ids.chance(self.v3_settings.signtest),
        )

    # -- what a payment or a refund sends ---------------------------------------------------------

    def payment(self, order: Order) -> Notification:
        """The notification of a payment, as the matching ``notify`` rule (if any) plans it."""
        plan = self.faults.take("notify", order.match_fields())
        return self._planned(plan, lambda v: self.payment_body(order, v), self._payment_target(order))

    def refund(self, refund: Refund) -> Notification:
        """The notification of a settled refund, as the matching ``refund_notify`` rule plans it."""
        order = self.state.orders.get(refund.order_key)
        fields = {
            **(order.match_fields() if order else {}),
            "out_refund_no": refund.out_refund_no,
            "refund_fee": str(refund.refund_fee),
        }
        plan = self.faults.take("refund_notify", fields)
        return self._planned(plan, lambda v: self.refund_body(refund, v), self._refund_target(refund))

    def _payment_target(self, order: Order) -> dict[str, Any]:
        return {
            "kind": "payment",
            "env": order.env,
            "mch_id": order.mch_id,
            "out_trade_no": order.out_trade_no,
            "url": order.notify_url,
            **_dialect(order.dialect),
        }

    def _refund_target(self, refund: Refund) -> dict[str, Any]:
        return {
            "kind": "refund",
            "env": refund.env,
            "mch_id": refund.mch_id,
            "out_trade_no": refund.out_trade_no,
            "out_refund_no": refund.out_refund_no,
            "url": refund.notify_url,
            **_dialect(refund.dialect),
        }

    def _planned(self, plan: Fault | None, body: Callable[[str], bytes], target: dict[str, Any]) -> Notification:
        if plan is None:
            return self.engine.send(**target, body=body("normal"))
        delay = plan.delay
        for variant in plan.variants:  # the attacker's copies arrive first, once each
            self.engine.send(**target, body=body(variant), label=variant, delay=delay, delays=[])
        normal = body("normal")  # duplicates are the very same notification
        genuine = self.engine.send(
            **target,
            body=normal,
            delay=delay,
            delays=plan.retry_delays,
            ack=plan.ack,
            status=NotifyStatus.PENDING if plan.deliver else NotifyStatus.SUPPRESSED,
        )
        for n in range(plan.duplicates):
            spacing = 0.0 if plan.concurrent else DUPLICATE_SPACING * (n + 1)
            self.engine.send(**target, body=normal, label="duplicate", delay=delay + spacing, delays=[], ack=plan.ack)
        return genuine

    # -- on demand (POST /__mock__/notify) --------------------------------------------------------

    def send_copies(self, order: Order, variant: str, copies: int, out_refund_no: str = "") -> list[Notification]:
        """Extra deliveries, now, of a paid order's (or one of its refunds') notification, possibly broken."""
        if out_refund_no:
            refund = self.state.refunds.get(order_key(order.env, order.mch_id, out_refund_no))
            if refund is None or refund.out_trade_no != order.out_trade_no:
                raise DomainError("NOT_FOUND", f"order {order.out_trade_no} has no refund {out_refund_no!r}")
            if not refund.notify_url:
                raise DomainError("CONFLICT", f"refund {out_refund_no} has no notify_url to send to")
            target, body = self._refund_target(refund), lambda: self.refund_body(refund, variant)
        elif order.is_paid():
            target, body = self._payment_target(order), lambda: self.payment_body(order, variant)
        else:
            raise DomainError(
                "CONFLICT", f"order {order.out_trade_no} is {order.trade_state}: only a paid order has a notification"
            )
        return [self.engine.send(**target, body=body(), label=variant, delays=[]) for _ in range(copies)]

    def send_raw(self, url: str, body: bytes, copies: int) -> list[Notification]:
        """A body of the caller's own, POSTed to ``url`` once per copy."""
        target = {"kind": "raw", "env": "", "mch_id": "", "out_trade_no": "", "url": url}
        return [self.engine.send(**target, body=body, label="raw", delays=[]) for _ in range(copies)]


def _dialect(dialect: str) -> dict[str, Any]:
    """How a notification of this dialect travels: its dialect (for the judge) and its static headers."""
    return {"dialect": dialect, "headers": dict(v3.HEADERS if dialect == "v3" else v2.HEADERS)}


def _tampered(fen: int) -> int:
    """Another amount: a hundredth of it (1 yuan paid as 1 fen), or one fen more when that is no change."""
    return fen // 100 if fen >= 100 else fen + 1


def _other_mch_id(mch_id: str) -> str:
    return str(int(mch_id) + 1)  # merchants are registered with digit-only mch_ids
