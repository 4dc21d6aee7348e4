"""Everything the mock knows, held in memory with its look-up indexes, and written to persistence
in transactions. No HTTP and no protocol rules here (those live in services/).

A state change (an order paid with its notification queued, a refund with its order) is the
records a service puts in one synchronous step. Puts mark records dirty; :meth:`State.commit`
writes every dirty record in one SQLite transaction (group commit: all the changes of one
event-loop turn share it) and returns when they are on disk. Callers answer only after their
commit. If the write fails, memory goes back to what the file holds, every change of the batch is
undone, and each waiting caller gets :class:`StorageError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .domain.models import (
    AccessToken,
    Account,
    AuthSetting,
    LoginCode,
    Merchant,
    MiniApp,
    Notification,
    Order,
    PhoneCode,
    Refund,
    _Record,
    order_key,
)
from .persist import NoPersistence, SqlitePersistence, StorageError

log = logging.getLogger("mockwx.state")

RETRY_AFTER_STORAGE_ERROR = 5.0  # seconds before scheduled work whose write was undone runs again

_KINDS: dict[str, type[_Record]] = {
    "app": MiniApp,
    "merchant": Merchant,
    "account": Account,
    "code": LoginCode,
    "token": AccessToken,
    "stable_token": AccessToken,
    "phone_code": PhoneCode,
    "auth_setting": AuthSetting,
    "order": Order,
    "refund": Refund,
    "notification": Notification,
}


@dataclass(slots=True)
class StateEvent:
    """Something that happened to the state file that an operator must know (shown by /health)."""

    at: float
    what: str


class State:
    """The mock's records and their indexes."""

    def __init__(
        self, persistence: NoPersistence | SqlitePersistence | None = None, now: Callable[[], float] | None = None
    ) -> None:
        self.persistence = persistence or NoPersistence()
        self._now = now or _no_clock
        self.apps: dict[str, MiniApp] = {}
        self.merchants: dict[str, Merchant] = {}
        self.accounts: dict[str, Account] = {}  # "appid:user"
        self.codes: dict[str, LoginCode] = {}
        self.tokens: dict[str, AccessToken] = {}  # appid
        self.stable_tokens: dict[str, AccessToken] = {}  # appid
        self.phone_codes: dict[str, PhoneCode] = {}
        self.auth_settings: dict[str, AuthSetting] = {}  # "appid:user"
        self.orders: dict[str, Order] = {}  # "env:mch_id:out_trade_no"
        self.refunds: dict[str, Refund] = {}  # "env:mch_id:out_refund_no"
        self.notifications: dict[str, Notification] = {}
        self.by_prepay_id: dict[str, str] = {}
        self.by_transaction_id: dict[str, str] = {}
        self.by_code_url: dict[str, str] = {}
        self.by_refund_id: dict[str, str] = {}
        self.by_openid: dict[str, Account] = {}
        self.by_token: dict[str, AccessToken] = {}
        self._dirty: dict[tuple[str, str], _Record] = {}
        self._meta: dict[str, str] = {}
        self._batch: asyncio.Future[None] | None = None
        self.closed = False
        self.healthy = True
        self.events: list[StateEvent] = []
        self.on_restore: list[Callable[[str, _Record], None]] = []  # told about each record put back
        self._tables: dict[str, dict[str, Any]] = {
            "app": self.apps,
            "merchant": self.merchants,
            "account": self.accounts,
            "code": self.codes,
            "token": self.tokens,
            "stable_token": self.stable_tokens,
            "phone_code": self.phone_codes,
            "auth_setting": self.auth_settings,
            "order": self.orders,
            "refund": self.refunds,
            "notification": self.notifications,
        }

    # -- writes (each one indexes the record and marks it for the next commit) ------------------

    def _persist(self, kind: str, key: str, record: _Record) -> None:
        if self.persistence.enabled and not self.closed:
            self._dirty[(kind, key)] = record
            self._schedule_flush()

    def put_app(self, app: MiniApp) -> None:
        self.apps[app.appid] = app
        self._persist("app", app.appid, app)

    def put_merchant(self, merchant: Merchant) -> None:
        self.merchants[merchant.mch_id] = merchant
        self._persist("merchant", merchant.mch_id, merchant)

    def put_account(self, account: Account) -> None:
        key = f"{account.appid}:{account.user}"
        self.accounts[key] = account
        self.by_openid[account.openid] = account
        self._persist("account", key, account)

    def put_code(self, code: LoginCode) -> None:
        self.codes[code.code] = code
        self._persist("code", code.code, code)

    def put_token(self, token: AccessToken) -> None:
        kind, table = ("stable_token", self.stable_tokens) if token.stable else ("token", self.tokens)
        old = table.get(token.appid)
        if old is not None and old.token != token.token:
            self.by_token.pop(old.token, None)
        table[token.appid] = token
        self.by_token[token.token] = token
        self._persist(kind, token.appid, token)

    def put_stable_token(self, token: AccessToken) -> None:
        self.put_token(token)

    def put_phone_code(self, code: PhoneCode) -> None:
        self.phone_codes[code.code] = code
        self._persist("phone_code", code.code, code)

    def put_auth_setting(self, setting: AuthSetting) -> None:
        self.auth_settings[setting.key] = setting
        self._persist("auth_setting", setting.key, setting)

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

    def put_meta(self, name: str, value: str) -> None:
        """A small named value (the virtual clock) stored with the next commit."""
        if self.persistence.enabled and not self.closed:
            self._meta[name] = value
            self._schedule_flush()

    def _put(self, kind: str, record: Any) -> None:
        getattr(self, f"put_{kind}")(record)

    # -- commit ---------------------------------------------------------------------------------

    def _schedule_flush(self) -> None:
        if self._batch is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no event loop (a script building state): write now
            self._flush_now()
            return
        self._batch = loop.create_future()
        self._batch.add_done_callback(_retrieve)
        loop.call_soon(self._flush)

    async def commit(self) -> None:
        """Return when every change made so far is stored; StorageError if the batch could not be."""
        if self._batch is not None:
            await asyncio.shield(self._batch)

    def _flush(self) -> None:
        batch, self._batch = self._batch, None
        if batch is None or batch.done():
            return
        try:
            self._flush_now()
        except StorageError as exc:
            batch.set_exception(exc)
        except Exception as exc:  # a mockwx bug: still, every caller waiting on the batch gets its answer
            log.exception("STATE NOT SAVED: the write failed unexpectedly")
            batch.set_exception(StorageError(f"the write failed unexpectedly: {type(exc).__name__}: {exc}"))
        else:
            batch.set_result(None)

    def _flush_now(self) -> None:
        dirty, self._dirty = self._dirty, {}
        meta, self._meta = self._meta, {}
        if self.closed or not (dirty or meta):
            return
        rows = dirty.items()
        try:
            if not self.persistence.intact():
                rows = self._recreate()
            self.persistence.write([(kind, key, record) for (kind, key), record in rows], meta)
        except StorageError as exc:
            self.failed(f"a write failed and was undone ({len(dirty)} records): {exc}")
            log.error("STATE NOT SAVED: %s; the change was undone and its callers told SYSTEMERROR", exc)
            try:
                self._restore(list(dirty))
            except StorageError as again:  # the file cannot even be read: memory keeps the change, unstored
                self.failed(f"the undone change could not be put back from the file: {again}")
                log.error("STATE NOT RESTORED: %s", again)
            raise
        if not self.healthy and self.persistence.intact():
            self.healthy = True

    def _recreate(self) -> Any:
        """The file was deleted or replaced under us: re-create it and write everything memory holds."""
        location = self.persistence.location
        try:
            self.persistence.reopen()
        except StorageError as exc:
            log.error("THE STATE FILE %s WAS DELETED OR REPLACED while mockwx ran, and cannot be re-created", location)
            raise StorageError(f"the state file was deleted or replaced: {exc}") from None
        log.error("THE STATE FILE %s WAS DELETED OR REPLACED while mockwx ran; re-created it from memory", location)
        self._event(f"the state file {location} was deleted or replaced; re-created from memory")
        return self._everything()

    def _everything(self) -> list[tuple[tuple[str, str], _Record]]:
        return [((kind, key), record) for kind, table in self._tables.items() for key, record in table.items()]

    def adopt(self, persistence: NoPersistence | SqlitePersistence, meta: dict[str, str]) -> None:
        """Make ``persistence`` hold exactly this state (built in memory, a reset's), in one transaction that
        replaces everything it held, and store there from now on; StorageError, nothing changed, if it cannot."""
        rows = [(kind, key, record.to_dict()) for (kind, key), record in self._everything()]
        try:
            persistence.write(rows, meta, replace=True)
        except StorageError as exc:
            log.error("STATE NOT RESET: %s; the old state goes on as it was", exc)
            raise
        self.persistence = persistence

    def failed(self, what: str) -> None:
        """A write did not reach the file: /health says so (503) until the next one does."""
        self.healthy = False
        self._event(what)

    def _event(self, what: str) -> None:
        self.events.append(StateEvent(at=self._now(), what=what))
        del self.events[:-20]

    def _restore(self, keys: list[tuple[str, str]]) -> None:
        """Put memory back to what the file holds for ``keys`` (after a failed write)."""
        persistence, self.persistence = self.persistence, NoPersistence()
        try:
            for kind, key in keys:
                self._drop(kind, key)
                data = persistence.load(kind, key)
                if data is not None:
                    record = _KINDS[kind].from_dict(data)
                    self._put(kind, record)
                    for listener in self.on_restore:
                        listener(kind, record)
        finally:
            self.persistence = persistence

    def _drop(self, kind: str, key: str) -> None:
        """Forget a record and its index entries."""
        record = self._tables[kind].pop(key, None)
        if record is None:
            return
        if isinstance(record, Order):
            for index, value in (
                *((self.by_prepay_id, p) for p in (*record.old_prepay_ids, record.prepay_id)),
                (self.by_transaction_id, record.transaction_id),
                (self.by_code_url, record.code_url),
            ):
                if value and index.get(value) == key:
                    del index[value]
        elif isinstance(record, Refund):
            if self.by_refund_id.get(record.refund_id) == key:
                del self.by_refund_id[record.refund_id]
        elif isinstance(record, Account):
            if self.by_openid.get(record.openid) is record:
                del self.by_openid[record.openid]
        elif isinstance(record, AccessToken):
            self.by_token.pop(record.token, None)

    def close(self) -> None:
        """Let go of persistence: later puts (of work still running after a reset) change nothing stored."""
        self.closed = True
        self._dirty.clear()
        self._meta.clear()
        batch, self._batch = self._batch, None
        if batch is not None and not batch.done():
            batch.set_result(None)

    # -- reads ----------------------------------------------------------------------------------

    def account(self, appid: str, user: str) -> Account | None:
        return self.accounts.get(f"{appid}:{user}")

    def retired_by(self, token: str) -> AccessToken | None:
        """The token that replaced ``token``, or None."""
        for current in (*self.tokens.values(), *self.stable_tokens.values()):
            if token in current.retired:
                return current
        return None

    def order_by(self, index: dict[str, str], value: str) -> Order | None:
        key = index.get(value)
        return self.orders.get(key) if key is not None else None

    def order_of_package(self, package: str) -> Order | None:
        """The order a paySign's ``package`` names (``prepay_id=<id>``, or an APP payment's bare id)."""
        return self.order_by(self.by_prepay_id, package.removeprefix("prepay_id="))

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
        persistence, self.persistence = self.persistence, NoPersistence()
        try:
            for kind, data in persistence.rows():
                if kind in _KINDS:
                    self._put(kind, _KINDS[kind].from_dict(data))
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

    def health(self) -> dict[str, Any]:
        """What /health says about the state: where it lives, whether writes work, what happened."""
        events = [{"at": e.at, "what": e.what} for e in self.events]
        intact = self.persistence.intact()
        if not intact:  # seen before the next write would notice it
            events.append(
                {
                    "at": self._now(),
                    "what": f"the state file {self.persistence.location} is gone (deleted or replaced): what the mock"
                    " acknowledged is in memory only until the next write re-creates it",
                }
            )
        persistence = self.persistence
        return {
            "location": persistence.location,
            "ok": self.healthy and intact,
            "events": events,
            "writes": {"transactions": persistence.transactions, "records": persistence.records_written},
        }


def _no_clock() -> float:
    return 0.0


def _retrieve(future: asyncio.Future[None]) -> None:
    if not future.cancelled():
        future.exception()  # a failed batch nobody awaited is logged by _flush_now, not by asyncio
