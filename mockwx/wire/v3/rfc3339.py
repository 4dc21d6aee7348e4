"""RFC 3339 times as API v3 writes them: Beijing time with ``+08:00`` (protocol/v3.md 4.1, 6.1, 7.1).

``create_time``, ``success_time``, ``time_expire``, ``effective_time``: ``2018-06-08T10:34:56+08:00``.
"""

from __future__ import annotations

import re
from datetime import datetime

from ..timefmt import BEIJING

_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def to_rfc3339(ts: float) -> str:
    """``yyyy-MM-DDTHH:mm:ss+08:00`` in Beijing time, whole seconds."""
    return datetime.fromtimestamp(int(ts), BEIJING).isoformat()


def parse_rfc3339(text: str) -> float:
    """Seconds since the epoch; ValueError unless ``text`` is RFC 3339 with a zone (``+08:00`` or ``Z``)."""
    if not _RFC3339.fullmatch(text):
        raise ValueError(f"{text!r} is not RFC 3339 with a time zone, e.g. 2018-06-08T10:34:56+08:00")
    return datetime.fromisoformat(text).timestamp()
