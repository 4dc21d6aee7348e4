"""The live fan-out: each change in the mock (a journal entry, which includes every notification
attempt) goes to every open dashboard stream through a bounded queue of its own. The API path only
puts, never waits; a browser whose queue is full is dropped (its EventSource reconnects and the
page catches up from the journal), so a slow browser can never slow WeChat's APIs down.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

QUEUE_SIZE = 4096  # changes a stream may lag behind before it is dropped (~0.7 s at 6,000 requests/s)
MAX_ORDERS = 50  # order numbers named in one batch; a page not named refreshes anyway when the list is cut


@dataclass(frozen=True, slots=True)
class Change:
    """Something the dashboard may want to show: a finished journal entry."""

    seq: int  # the entry's place in the journal's finishing order (what a page has seen up to)
    order: str = ""  # the out_trade_no it concerns, when it concerns one
    problem: bool = False


@dataclass(slots=True, eq=False)
class Subscriber:
    """One open stream: its queue, and whether the hub let go of it."""

    queue: asyncio.Queue[Change | None] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    closed: bool = False

    def close(self) -> None:
        """Wake the stream with the end marker, whatever the queue holds."""
        self.closed = True
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class Hub:
    """Every open stream of one mock."""

    def __init__(self, queue_size: int = QUEUE_SIZE) -> None:
        self.queue_size = queue_size
        self._subscribers: set[Subscriber] = set()
        self.dropped = 0  # streams let go because they fell behind

    def __len__(self) -> int:
        return len(self._subscribers)

    def subscribe(self) -> Subscriber:
        subscriber = Subscriber(asyncio.Queue(self.queue_size))
        self._subscribers.add(subscriber)
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.discard(subscriber)

    def publish(self, change: Change) -> None:
        """Hand ``change`` to every stream, now, without waiting for any of them."""
        for subscriber in tuple(self._subscribers):
            try:
                subscriber.queue.put_nowait(change)
            except asyncio.QueueFull:
                self.dropped += 1
                self._subscribers.discard(subscriber)
                subscriber.close()

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
