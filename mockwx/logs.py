"""The log of a running mock (``serve``, ``demo``): one record is one line, whatever text from the
wire it carries, so a request can never forge a line of its own.
"""

from __future__ import annotations

import logging

from .escape import printable

FORMAT = "%(asctime)s %(name)s %(levelname)s %(message)s"
TRACE_PREFIX = "    | "  # the lines of a traceback, marked as belonging to the record above


class OneLineFormatter(logging.Formatter):
    """Escapes the message to printable text; a traceback follows on lines that start with ``    | ``."""

    def formatMessage(self, record: logging.LogRecord) -> str:
        record.message = printable(record.message)
        return super().formatMessage(record)

    def formatException(self, ei) -> str:
        return _marked(super().formatException(ei))

    def formatStack(self, stack_info: str) -> str:
        return _marked(super().formatStack(stack_info))


def _marked(text: str) -> str:
    return "\n".join(TRACE_PREFIX + printable(line) for line in text.splitlines())


def configure(level: str | int) -> None:
    """The root handler of a command-line run: stderr, one line per record."""
    handler = logging.StreamHandler()
    handler.setFormatter(OneLineFormatter(FORMAT))
    logging.basicConfig(level=level, handlers=[handler])
