"""A strict scanner for the flat ``<xml>`` documents real SDKs send (sdk-behaviour.md, protocol/v2.md
2.2): it reads them with two compiled regular expressions, or answers None for anything unusual,
which `parse_xml` then hands to its hardened expat parser for the verdict and the message.

It accepts only: an optional ``<?xml version="1.0"?>`` declaration (optionally with
``encoding="UTF-8"``), the root element with no attributes, ASCII field names, each field empty
(``<a/>``, ``<a></a>``), one CDATA section, or text whose only references are the five predefined
entities; spaces, tabs and newlines between elements. No DOCTYPE, comment, processing instruction,
CR, character reference, split CDATA, attribute, nesting, duplicate, or character XML forbids.
Every pattern is linear: no input makes it backtrack more than once over its length.
"""

from __future__ import annotations

import re
from functools import lru_cache

# Characters XML 1.0 forbids (below U+0020 but tab and newline; U+FFFE, U+FFFF), and CR, which
# expat normalises: any of them, and the scan gives up.
_BAD = r"\x00-\x08\x0b-\x1f\ufffe\uffff"
_FIELD = (
    r"[ \t\n]*+<([A-Za-z_][A-Za-z0-9_.\-]*+)"
    r"(?:/>|>(?:<!\[CDATA\[((?>(?:[^\]" + _BAD + r"]++|\](?!\]>))*+))\]\]>|([^<" + _BAD + r"]*+))</\1>)"
)
_FIELDS = re.compile(r"(?>" + _FIELD + r")*+[ \t\n]*+")
_EACH_FIELD = re.compile(_FIELD)
_UNDEFINED_REFERENCE = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)")
_DECLARATION = r'(?:<\?xml version="1\.0"(?: encoding="(?:UTF|utf)-8")?\?>)?'


@lru_cache(maxsize=8)
def _document(root: str) -> re.Pattern[str]:
    name = re.escape(root)
    return re.compile(_DECLARATION + r"[ \t\n]*+<" + name + r">(.*)</" + name + r">[ \t\n]*+", re.DOTALL)


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def scan_flat(text: str, root: str, max_fields: int) -> dict[str, str] | None:
    """``{field: text}`` of a plain flat document (``text`` is the decoded body), or None to say
    "not plain: ask expat". Never raises for any input."""
    document = _document(root).fullmatch(text)
    if document is None:
        return None
    inner = document.group(1)
    if _FIELDS.fullmatch(inner) is None:  # first the shape, in one linear pass
        return None
    fields: dict[str, str] = {}
    # Then the values: the same matches, back to back. Trailing whitespace goes first, or findall
    # would rescan it from each of its positions (quadratic).
    for name, cdata, plain in _EACH_FIELD.findall(inner.rstrip(" \t\n")):
        if name in fields or len(fields) >= max_fields:
            return None
        if "]]>" in plain:  # not allowed in text
            return None
        if "&" in plain:
            if _UNDEFINED_REFERENCE.search(plain):
                return None
            plain = _unescape(plain)
        fields[name] = cdata or plain
    return fields
