"""The text of the ``X-Mockwx-Hint`` header (README "In English or Chinese"): printable ASCII only,
so that every client keeps the header, and nothing else, not even an escape a reader would have to
decode: any other character is written '?'. The full text, Chinese included, is in the journal
(``GET /__mock__/problems/{id}``). Every hint header is written through ``hint_text``.
"""

from __future__ import annotations


def hint_text(text: str) -> str:
    """``text`` with every character that is not printable ASCII written as '?'."""
    if text.isascii() and text.isprintable():
        return text
    return "".join(c if " " <= c <= "~" else "?" for c in text)
