"""WeChat's time formats: Beijing time (UTC+8) with no zone marker.

``yyyyMMddHHmmss`` for time_start, time_expire and time_end; ``yyyy-MM-dd HH:mm:ss`` for refund
success times and bills (protocol/v2.md 3.1, 6.4, 6.5).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from functools import lru_cache

BEIJING = timezone(timedelta(hours=8), "Asia/Shanghai")


def to_compact(ts: float) -> str:
    """``yyyyMMddHHmmss`` in Beijing time."""
    return _compact(int(ts))


@lru_cache(maxsize=8)
def _compact(seconds: int) -> str:  # many ids are minted within the same second
    return datetime.fromtimestamp(seconds, BEIJING).strftime("%Y%m%d%H%M%S")


def to_dashed(ts: float) -> str:
    """``yyyy-MM-dd HH:mm:ss`` in Beijing time."""
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y-%m-%d %H:%M:%S")


def to_date(ts: float) -> str:
    """``yyyyMMdd`` in Beijing time (a bill_date)."""
    return datetime.fromtimestamp(ts, BEIJING).strftime("%Y%m%d")


def parse_compact(text: str) -> float:
    """Seconds since the epoch for a ``yyyyMMddHHmmss`` Beijing time; ValueError if malformed."""
    if len(text) != 14 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"{text!r} is not yyyyMMddHHmmss")
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=BEIJING).timestamp()


def parse_date(text: str) -> tuple[float, float]:
    """The [start, end) seconds of a ``yyyyMMdd`` Beijing day; ValueError if malformed."""
    if len(text) != 8 or not (text.isascii() and text.isdigit()):
        raise ValueError(f"{text!r} is not yyyyMMdd")
    start = datetime.strptime(text, "%Y%m%d").replace(tzinfo=BEIJING)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()
