"""Raw messages as the journal keeps them: the start line, the headers and the first few KB of the
body (text, or a note for binary data), with a marker where the body was cut. Secrets sent in a
query string (code2session's ``secret``) are shortened as the journal's fields are.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

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
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""  # the text of the body, cut at MAX_BODY bytes, with a marker when cut
    size: int = 0  # bytes of the whole body
    truncated: bool = False
    binary: bool = False  # the body is not text (a gzipped bill): only its size is kept


def raw_message(start: str, headers: Iterable[tuple[str, str]], body: bytes, *, size: int | None = None) -> RawMessage:
    """A RawMessage of at most MAX_BODY bytes of body; ``size`` is the whole body's, when more arrived than given."""
    kept = [(str(k), str(v)[:MAX_HEADER_VALUE]) for k, v in list(headers)[:MAX_HEADERS]]
    total = len(body) if size is None else size
    content_type = next((v.lower() for k, v in kept if k.lower() == "content-type"), "")
    part = body[:MAX_BODY]
    text = part.decode("utf-8", "replace")
    if content_type.startswith(_BINARY_TYPES) or "\x00" in text or text.count("\ufffd") > 3 + len(text) // 100:
        return RawMessage(_masked(start), kept, "", total, False, binary=True)
    truncated = total > len(part)
    if truncated:
        text += f"\n… [mockwx kept {len(part)} of {total} bytes]"
    return RawMessage(_masked(start), kept, text, total, truncated)


def _masked(start: str) -> str:
    return _SECRET_IN_QUERY.sub(lambda m: m.group(1) + m.group(2)[:SHOWN_SECRET] + ("…" if m.group(2) else ""), start)
