"""Text from the wire made safe for places that hold one line: header values (RFC 9110 5.5 allows
visible ASCII; aiohttp refuses CR/LF and clients drop a response with DEL or NUL) and log records.

Headers get printable ASCII (``printable``): everything else is written as a visible escape (``\\n``,
``\\x7f``, ``\\u2028``), so the reader still sees that it was there. Log records keep every
character a terminal shows as text, Chinese included (``one_line``), and escape the same way only
what could start a line, move the cursor or reorder what is shown: control characters (CR/LF, ANSI
escapes, DEL, C1), bidi and other format characters, line and paragraph separators.
"""

from __future__ import annotations

import unicodedata

_CONTROLS = {i: f"\\x{i:02x}" for i in (*range(0x20), 0x7F)} | {0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"}
# Unicode categories a log line must not carry raw: controls, format characters (the bidi embeddings,
# overrides and isolates, zero-width characters, BOM), line and paragraph separators, lone surrogates.
_UNSAFE = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def printable(text: str) -> str:
    """``text`` as printable ASCII: control characters and non-ASCII written as backslash escapes."""
    if text.isascii() and text.isprintable():
        return text
    return text.encode("ascii", "backslashreplace").decode("ascii").translate(_CONTROLS)


def one_line(text: str) -> str:
    """``text`` for a log line: readable text as it is (Chinese too), control, bidi and format
    characters and line separators written as backslash escapes."""
    if text.isprintable():
        return text  # str.isprintable() is False for every category escaped here (and for spaces like U+3000)
    return "".join(_escaped(c) if unicodedata.category(c) in _UNSAFE else c for c in text)


def _escaped(char: str) -> str:
    code = ord(char)
    if code in _CONTROLS:
        return _CONTROLS[code]
    if code <= 0xFF:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
