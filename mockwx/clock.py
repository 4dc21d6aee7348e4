"""The one source of time: a SystemClock for real runs, a VirtualClock that only moves when told.

Nothing else in mockwx reads the wall clock. Code lifetimes, prepay_id lifetimes, time_expire,
time_end, the notification retry schedule and refund settlement all ask the app's clock. API v3
signatures ask the wall clock (a SystemClock) even when the app's clock is virtual: SDKs compare
Authorization and Wechatpay-Timestamp with their own clock (protocol/v3.md 1.1, 2.3), and a test
that moved the virtual clock a day ahead must still be able to talk to the mock.
"""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    kind: str

    def now(self) -> float:
        """Seconds since the epoch."""
        ...


class SystemClock:
    """Wall-clock time."""

    kind = "real"

    def now(self) -> float:
        return time.time()


class VirtualClock:
    """Time that stands still until :meth:`set` moves it (forward only)."""

    kind = "virtual"

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else float(start)

    def now(self) -> float:
        return self._now

    def set(self, when: float) -> None:
        if when < self._now:
            raise ValueError(f"a virtual clock only moves forward (now {self._now}, asked {when})")
        self._now = when


def make_clock(kind: str, start: float | None = None) -> SystemClock | VirtualClock:
    """``real`` or ``virtual``; a virtual clock starts at ``start`` (default: the current time)."""
    if kind == "real":
        return SystemClock()
    if kind == "virtual":
        return VirtualClock(start)
    raise ValueError(f"clock must be 'real' or 'virtual', not {kind!r}")
