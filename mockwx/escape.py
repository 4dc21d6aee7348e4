"""Text from the wire made safe for places that hold one line: header values (RFC 9110 5.5 allows
visible ASCII; aiohttp refuses CR/LF and clients drop a response with DEL or NUL) and log records.

Printable ASCII stays as it is; everything else is written as a visible escape (``\\n``,
``\\x7f``, ``\\u2028``), so the reader still sees that it was there.
"""

from __future__ import annotations

_CONTROLS = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7F)} | {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}


def printable(text: str) -> str:
    """``text`` as printable ASCII: control characters and non-ASCII written as backslash escapes."""
    if text.isascii() and text.isprintable():
        return text
    return text.encode("ascii", "backslashreplace").decode("ascii").translate(_CONTROLS)
