"""The live fan-out: each change in the mock (a journal entry, which includes every notification
attempt) wakes every open dashboard stream through a queue of its own that holds one wake-up at
most. The API path only sets a flag and puts, never waits, and does nothing for a stream already
woken: the stream reads what changed from the journal itself, once per batch. A stream that cannot
write in time is let go (its EventSource reconnects and the page catches up from the journal), so a
slow browser can never slow WeChat's APIs down, however busy they are.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

MAX_ORDERS = 50  # order numbers named in one batch; a page not named refreshes anyway when the list is cut


@dataclass(frozen=True, slots=True)
class Change:
    """Something the dashboard may want to show: a finished journal entry (the API path fills in only seq)."""

    seq: int  # the entry's place in the journal's finishing order (what a page has seen up to)
    order: str = ""  # the out_trade_no it concerns, when it concerns one
    problem: bool = False


@dataclass(slots=True, eq=False)
class Subscriber:
    """One open stream: its queue, and whether the hub let go of it."""

    queue: asyncio.Queue[Change | None] = field(default_factory=lambda: asyncio.Queue(1))  # a wake-up, or the end
    closed: bool = False
    woken: bool = False  # a change is waiting for the stream: later ones need not be queued

    def taken(self) -> None:
        """The stream is about to read the journal: the next change wakes it again."""
        self.woken = False

    def close(self) -> None:
        """Wake the stream with the end marker, whatever the queue holds."""
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    """Every open stream of one mock."""

    def __init__(self) -> None:
        self._subscribers: set[Subscriber] = set()

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber()
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, change: Change) -> None:
        """Wake every stream not already woken, now, without waiting for any of them."""
        for subscriber in self._subscribers:
            if not subscriber.woken:
                subscriber.woken = True
                subscriber.queue.put_nowait(change)  # empty: a stream that is not woken has taken its wake-up

    def close(self) -> None:
        """End every stream (the mock is stopping)."""
        for subscriber in tuple(self._subscribers):
            subscriber.close()
        self._subscribers.clear()


def summary(changes: Iterable[Change]) -> dict[str, Any]:
    """What one message to the browser says about a batch of changes."""
    last, problems, orders = 0, 0, set()
    for change in changes:
        last = max(last, change.seq)
        problems += change.problem
        if change.order:
            orders.add(change.order)
    named = sorted(orders)
    return {"entry": last, "problems": problems, "orders": named[:MAX_ORDERS], "more": len(named) > MAX_ORDERS}
