"""Long-poll waiters on notifications (``GET /__mock__/notifications/wait``), indexed by the most
selective field they name (the order or refund, else the label, merchant, kind or environment) and
the status they wait for, so a delivery looks only at waiters whose index it fits: a fixed number of
lookups per delivery however many notifications are held and however many other callers are waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from ..domain.models import Notification

FILTERS = ("out_trade_no", "out_refund_no", "kind", "mch_id", "env", "status", "label")
# the fields a waiter is filed under, most selective first (status only as a filter of a plain query)
_INDEXED = ("out_trade_no", "out_refund_no", "label", "mch_id", "kind", "env", "status")
Key = tuple[str, str, str]  # (field, value, status waited for); ("", "", status) for a waiter that names no field


@dataclass(frozen=True, slots=True)
class Wanted:
    """What a caller waits for: field filters, and optionally a status and a number of attempts."""

    filters: tuple[tuple[str, str], ...] = ()
    status: str = ""
    attempts: int = 0

    @classmethod
    def of(cls, query: Mapping[str, str], *, waiting: bool = False, attempts: int = 0) -> Wanted:
        """The filters of a control-API query; when ``waiting``, its status is a condition to wait for."""
        if not waiting:
            return cls(tuple((k, query[k]) for k in FILTERS if k in query))
        filters = tuple((k, query[k]) for k in FILTERS if k in query and k != "status")
        return cls(filters, query.get("status", ""), attempts)

    def selects(self, notification: Notification) -> bool:
        """Whether ``notification`` is one this caller asks about, whatever its state."""
        return all(str(getattr(notification, name)) == value for name, value in self.filters)

    def matches(self, notification: Notification) -> bool:
        """Whether ``notification`` is what this caller waits for: settled, with the status and attempts asked."""
        return (
            self.selects(notification)
            and (not self.status or notification.status == self.status)
            and len(notification.attempts) >= self.attempts
            and not any(a.verdict == "in_flight" for a in notification.attempts)
        )

    @property
    def key(self) -> Key:
        given = dict(self.filters)
        name, value = next(((name, given[name]) for name in _INDEXED if name in given), ("", ""))
        return name, value, self.status


class Waiters:
    """The callers waiting now, filed by what they wait for."""

    def __init__(self) -> None:
        self._filed: dict[Key, dict[asyncio.Future[Notification | None], Wanted]] = {}

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self._filed.values())

    async def wait(self, wanted: Wanted, timeout: float) -> Notification | None:
        """The first notification saved from now on that ``wanted`` matches, or None after ``timeout`` s."""
        future: asyncio.Future[Notification | None] = asyncio.get_running_loop().create_future()
        bucket = self._filed.setdefault(wanted.key, {})
        bucket[future] = wanted
        try:
            return await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return None
        finally:
            bucket.pop(future, None)
            if not bucket and self._filed.get(wanted.key) is bucket:
                del self._filed[wanted.key]

    def offer(self, notification: Notification) -> None:
        """A notification was saved: wake the waiters it satisfies, looking only at those filed under it."""
        fields = [(name, str(getattr(notification, name))) for name in _INDEXED] + [("", "")]
        for key in {(name, value, status) for name, value in fields for status in (notification.status, "")}:
            bucket = self._filed.get(key)
            if not bucket:
                continue
            for future, wanted in list(bucket.items()):
                if not future.done() and wanted.matches(notification):
                    future.set_result(notification)

    def release(self) -> None:
        """Answer every waiter now (with None): the mock is stopping and should not wait for them."""
        for bucket in self._filed.values():
            for future in bucket:
                if not future.done():
                    future.set_result(None)
