"""Raw messages as the journal keeps them: the start line, the headers and the first few KB of the
body (text, or a note for binary data), with a marker where the body was cut. Secrets sent in a
query string (code2session's ``secret``) are shortened as the journal's fields are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import islice
from typing import Any, Protocol

MAX_BODY = 4096  # bytes of a body kept
MAX_HEADERS = 64
MAX_HEADER_VALUE = 1024
SHOWN_SECRET = 4  # characters of a secret kept, as mockwx/http/login.py shows them
_SECRET_IN_QUERY = re.compile(r"([?&]secret=)([^&#]*)")
_BINARY_TYPES = ("application/x-gzip", "application/gzip", "image/")  # octet-stream: what SDKs send XML as


@dataclass(slots=True)
class RawMessage:
    """One request or response as it went over the wire (bounded)."""

    start: str  # "POST /pay/unifiedorder" or "200 OK"
    headers: str = ""  # "Name: value" lines (one string: a journal of them stays cheap for the garbage collector)
    body: str = ""  # the text of the body, cut at MAX_BODY bytes, with a marker when cut
    size: int = 0  # bytes of the whole body
    truncated: bool = False
    binary: bool = False  # the body is not text (a gzipped bill): only its size is kept


class Headers(Protocol):
    def items(self) -> Iterable[tuple[str, str]]: ...


@dataclass(slots=True)
class Capture:
    """A message as the API path found it: its start line, a reference to its headers and the first
    MAX_BODY bytes of its body, nothing decoded or copied beyond that. The RawMessage is made from it
    only when someone reads the journal (``settled``), so calls nobody looks at cost almost nothing."""

    start: str
    headers: Headers
    body: bytes
    size: int

    @classmethod
    def of(cls, start: str, headers: Headers, body: bytes) -> Capture:
        return cls(start, headers, body if len(body) <= MAX_BODY else body[:MAX_BODY], len(body))

    def message(self) -> RawMessage:
        return raw_message(self.start, self.headers.items(), self.body, size=self.size)


def settled(raw: Any) -> RawMessage | None:
    """The RawMessage of a capture (made once), or what was given (a RawMessage, None)."""
    return raw.message() if isinstance(raw, Capture) else raw


def raw_message(start: str, headers: Iterable[tuple[str, str]], body: bytes, *, size: int | None = None) -> RawMessage:
    """A RawMessage of at most MAX_BODY bytes of body; ``size`` is the whole body's, when more arrived than given."""
    content_type = ""
    lines = []
    for name, value in islice(headers, MAX_HEADERS):
        if name.lower() == "content-type":
            content_type = value.lower()
        lines.append(f"{name}: {value[:MAX_HEADER_VALUE]}")
    kept = "\n".join(lines)
    total = len(body) if size is None else size
    part = body[:MAX_BODY]
    text = part.decode("utf-8", "replace")
    if "secret=" in start:
        start = _SECRET_IN_QUERY.sub(_shortened, start)
    if content_type.startswith(_BINARY_TYPES) or "\x00" in text or text.count("\ufffd") > 3 + len(text) // 100:
        return RawMessage(start, kept, "", total, False, binary=True)
    truncated = total > len(part)
    if truncated:
        text += f"\n… [mockwx kept {len(part)} of {total} bytes]"
    return RawMessage(start, kept, text, total, truncated)


def _shortened(match: re.Match[str]) -> str:
    return match.group(1) + match.group(2)[:SHOWN_SECRET] + ("…" if match.group(2) else "")
