"""The log of a running mock (``serve``, ``demo``): one record is one line, whatever text from the
wire it carries, so a request can never forge a line of its own; and a record repeated in a flood
(asyncio's "Too many open files" on every accept attempt) is written once per window, with a count.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from .escape import one_line

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
TRACE_PREFIX = "    | "  # the lines of a traceback, marked as belonging to the record above


class OneLineFormatter(logging.Formatter):
    """Escapes what could break or reorder the line (Chinese stays readable); a traceback follows on lines that
    start with ``    | ``."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = one_line(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return _marked(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _marked(super().formatStack(stack_info))


def _marked(text: str) -> str:
    return "\n".join(TRACE_PREFIX + one_line(line) for line in text.splitlines())


class RepeatFilter(logging.Filter):
    """Lets a record through once per ``window`` seconds when the very same one keeps coming; the next
    one let through says how many were held back. Different records are never held back."""

    MAX_KEYS = 1024  # distinct records remembered at once

    def __init__(self, window: float = 10.0, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window = window
        self._now = now
        self._seen: dict[tuple[object, ...], list[float]] = {}  # key -> [window start, held back]

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        key = (record.name, record.levelno, record.getMessage(), type(exc), str(exc))
        now = self._now()
        seen = self._seen.get(key)
        if seen is not None and now - seen[0] < self.window:
            seen[1] += 1
            return False
        if seen is not None and seen[1]:
            record.msg = f"{record.getMessage()} ({seen[1]:.0f} more like this in the last {now - seen[0]:.0f}s)"
            record.args = None
        if len(self._seen) >= self.MAX_KEYS:  # forget finished windows (all of them if none has finished)
            self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.window}
            if len(self._seen) >= self.MAX_KEYS:
                self._seen.clear()
        self._seen[key] = [now, 0]
        return True


def configure(level: str | int) -> None:
    """The root handler of a command-line run: stderr, one line per record, floods thinned."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    handler.addFilter(RepeatFilter())
    logging.basicConfig(level=level, handlers=[handler])
