"""Everything the mock knows, held in memory with its look-up indexes, and written through to
persistence when it changes. No HTTP and no protocol rules here (those live in services/).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .domain.models import (
    AccessToken,
    Account,
    LoginCode,
    Merchant,
    MiniApp,
    Notification,
    Order,
    Refund,
    _Record,
    order_key,
)
from .persist import NoPersistence, SqlitePersistence

_KINDS: dict[str, type[_Record]] = {
    "app": MiniApp,
    "merchant": Merchant,
    "account": Account,
    "code": LoginCode,
    "token": AccessToken,
    "order": Order,
    "refund": Refund,
    "notification": Notification,
}


class State:
    """The mock's records and their indexes."""

    def __init__(self, persistence: NoPersistence | SqlitePersistence | None = None) -> None:
        self.persistence = persistence or NoPersistence()
        self.apps: dict[str, MiniApp] = {}
        self.merchants: dict[str, Merchant] = {}
        self.accounts: dict[str, Account] = {}  # "appid:user"
        self.codes: dict[str, LoginCode] = {}
        self.tokens: dict[str, AccessToken] = {}  # appid
        self.orders: dict[str, Order] = {}  # "env:mch_id:out_trade_no"
        self.refunds: dict[str, Refund] = {}  # "env:mch_id:out_refund_no"
        self.notifications: dict[str, Notification] = {}
        self.by_prepay_id: dict[str, str] = {}
        self.by_transaction_id: dict[str, str] = {}
        self.by_code_url: dict[str, str] = {}
        self.by_refund_id: dict[str, str] = {}
        self.by_openid: dict[str, Account] = {}
        self.by_token: dict[str, AccessToken] = {}

    # -- writes (each one indexes the record and persists it) -----------------------------------

    def _persist(self, kind: str, key: str, record: _Record) -> None:
        if self.persistence.enabled:
            self.persistence.save(kind, key, record.to_dict())

    def put_app(self, app: MiniApp) -> None:
        self.apps[app.appid] = app
        self._persist("app", app.appid, app)

    def put_merchant(self, merchant: Merchant) -> None:
        self.merchants[merchant.mch_id] = merchant
        self._persist("merchant", merchant.mch_id, merchant)

    def put_account(self, account: Account) -> None:
        self.accounts[f"{account.appid}:{account.user}"] = account
        self.by_openid[account.openid] = account
        self._persist("account", f"{account.appid}:{account.user}", account)

    def put_code(self, code: LoginCode) -> None:
        self.codes[code.code] = code
        self._persist("code", code.code, code)

    def put_token(self, token: AccessToken) -> None:
        old = self.tokens.get(token.appid)
        if old is not None:
            self.by_token.pop(old.token, None)
        self.tokens[token.appid] = token
        self.by_token[token.token] = token
        self._persist("token", token.appid, token)

    def put_order(self, order: Order) -> None:
        key = order.key
        self.orders[key] = order
        for prepay_id in (*order.old_prepay_ids, order.prepay_id):
            if prepay_id:
                self.by_prepay_id[prepay_id] = key
        if order.transaction_id:
            self.by_transaction_id[order.transaction_id] = key
        if order.code_url:
            self.by_code_url[order.code_url] = key
        self._persist("order", key, order)

    def put_refund(self, refund: Refund) -> None:
        self.refunds[refund.key] = refund
        self.by_refund_id[refund.refund_id] = refund.key
        self._persist("refund", refund.key, refund)

    def put_notification(self, notification: Notification) -> None:
        self.notifications[notification.id] = notification
        self._persist("notification", notification.id, notification)

    # -- reads ----------------------------------------------------------------------------------

    def account(self, appid: str, user: str) -> Account | None:
        return self.accounts.get(f"{appid}:{user}")

    def order_by(self, index: dict[str, str], value: str) -> Order | None:
        key = index.get(value)
        return self.orders.get(key) if key is not None else None

    def orders_for(self, out_trade_no: str, mch_id: str | None = None) -> list[Order]:
        """Orders with this out_trade_no (any env), optionally for one merchant."""
        return [
            o for o in self.orders.values() if o.out_trade_no == out_trade_no and (mch_id is None or o.mch_id == mch_id)
        ]

    def refunds_of(self, order: Order) -> list[Refund]:
        refunds = (self.refunds.get(order_key(order.env, order.mch_id, no)) for no in order.refund_nos)
        return [r for r in refunds if r is not None]

    def notifications_of(self, order: Order) -> list[Notification]:
        return [
            n
            for n in self.notifications.values()
            if n.out_trade_no == order.out_trade_no and n.mch_id == order.mch_id and n.env == order.env
        ]

    # -- whole state ----------------------------------------------------------------------------

    def load(self) -> None:
        """Rebuild memory from persistence (a restart)."""
        puts: dict[str, Callable[[Any], None]] = {
            "app": self.put_app,
            "merchant": self.put_merchant,
            "account": self.put_account,
            "code": self.put_code,
            "token": self.put_token,
            "order": self.put_order,
            "refund": self.put_refund,
            "notification": self.put_notification,
        }
        persistence, self.persistence = self.persistence, NoPersistence()
        try:
            for kind, data in persistence.rows():
                if kind in _KINDS:
                    puts[kind](_KINDS[kind].from_dict(data))
        finally:
            self.persistence = persistence

    def counts(self) -> dict[str, int]:
        return {
            "apps": len(self.apps),
            "merchants": len(self.merchants),
            "accounts": len(self.accounts),
            "orders": len(self.orders),
            "refunds": len(self.refunds),
            "notifications": len(self.notifications),
        }
