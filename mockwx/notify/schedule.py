"""WeChat's notification retry schedule, as a table.

Source: the official v2 payment notification page (pay.weixin.qq.com/doc/v2/merchant/4011937248,
protocol/v2.md 5.3): after a failed delivery WeChat retries after 15s, 15s, 30s, 3m, 10m, 20m,
30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h: 16 attempts in all over 24h4m, then gives up.
Refund notifications use the same schedule (UNVERIFIED, protocol/v2.md 6.5).
"""

from __future__ import annotations

RETRY_DELAYS: tuple[int, ...] = (
    15,
    15,
    30,
    3 * 60,
    10 * 60,
    20 * 60,
    30 * 60,
    30 * 60,
    30 * 60,
    60 * 60,
    3 * 3600,
    3 * 3600,
    3 * 3600,
    6 * 3600,
    6 * 3600,
)

assert sum(RETRY_DELAYS) == 24 * 3600 + 4 * 60


def offsets(delays: tuple[int, ...] | list[int] = RETRY_DELAYS) -> list[int]:
    """Seconds after the first attempt at which each attempt happens (the first at 0)."""
    out = [0]
    for delay in delays:
        out.append(out[-1] + delay)
    return out
