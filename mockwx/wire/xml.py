"""Pay v2 XML: safe parsing of the flat ``<xml>`` documents WeChat exchanges, and rendering them.

Parsing accepts every shape real SDKs send (with or without an ``<?xml?>`` declaration, CDATA
or plain text, pretty or compact, a UTF-8 BOM) and refuses, before any expansion happens, what
has no place in a WeChat message: a DOCTYPE (so no entity definitions, no billion laughs, no
external entities), nested elements, a root other than ``<xml>``, repeated fields, bytes that
are not UTF-8 and documents over a size bound.

The plain shapes real clients send go through a strict scanner (``flatxml.py``); anything it does
not recognise goes to expat, hardened as above, which gives every verdict and every message.

Rendering writes what WeChat writes: strings in CDATA, integers bare. A signed answer is rendered
and signed from one walk of its fields (:func:`render_signed`).
"""

from __future__ import annotations

import pyexpat
from collections.abc import Mapping

from .flatxml import scan_flat
from .sign import MD5, digest

MAX_XML_BYTES = 256 * 1024
"""Default size bound. WeChat's largest field (``detail``) is 6,000 characters."""

MAX_FIELDS = 256


class XmlError(ValueError):
    """A document that is not a well-formed, flat, UTF-8 WeChat ``<xml>`` message.

    ``kind`` is one of: ``empty``, ``too_large``, ``not_utf8``, ``dtd``, ``malformed``,
    ``root``, ``nested``, ``duplicate``, ``too_many_fields``.
    """

    def __init__(self, kind: str, detail: str) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


class _Abort(Exception):
    def __init__(self, error: XmlError) -> None:
        self.error = error


_BOM = b"\xef\xbb\xbf"


def parse_xml(body: bytes, *, max_bytes: int = MAX_XML_BYTES, root: str = "xml") -> dict[str, str]:
    """Parse a WeChat message into ``{field: text}`` (text unescaped, CDATA unwrapped, order kept).

    ``root`` is the document element: ``xml`` for messages, ``root`` for a decrypted refund req_info.
    """
    if not body or not body.strip():
        raise XmlError("empty", "the body is empty; WeChat expects an <xml> document")
    if len(body) > max_bytes:
        raise XmlError("too_large", f"the body is {len(body)} bytes; the limit is {max_bytes}")
    if body.startswith(_BOM):
        body = body[len(_BOM) :]
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise XmlError(
            "not_utf8", f"the body is not valid UTF-8 (byte {exc.start}); WeChat messages are UTF-8"
        ) from None
    fields = scan_flat(text, root, MAX_FIELDS)
    return fields if fields is not None else parse_with_expat(body, root)


def parse_with_expat(body: bytes, root: str = "xml") -> dict[str, str]:
    """The hardened expat parse of a UTF-8 ``body`` (BOM stripped): every verdict and message of
    `parse_xml` past the size and encoding checks. `parse_xml` calls it for whatever the scanner declines."""
    fields: dict[str, str] = {}
    depth = 0
    current: str | None = None
    text: list[str] = []

    def start(name: str, _attrs: list[str]) -> None:
        nonlocal depth, current
        depth += 1
        if depth == 1:
            if name != root:
                raise _Abort(XmlError("root", f"the root element is <{name}>; expected <{root}>"))
        elif depth == 2:
            current = name
            text.clear()
        else:
            raise _Abort(XmlError("nested", f"<{current}> contains an element <{name}>; fields must be flat"))

    def end(name: str) -> None:
        nonlocal depth, current
        if depth == 2:
            if name in fields:
                raise _Abort(XmlError("duplicate", f"the field <{name}> appears twice"))
            if len(fields) >= MAX_FIELDS:
                raise _Abort(XmlError("too_many_fields", f"more than {MAX_FIELDS} fields"))
            fields[name] = "".join(text)
            current = None
        depth -= 1

    def chars(data: str) -> None:
        if depth == 2:
            text.append(data)

    def doctype(*_args: object) -> None:
        raise _Abort(XmlError("dtd", "a DOCTYPE is not allowed in a WeChat message (no DTDs, no entities)"))

    parser = pyexpat.ParserCreate("UTF-8")
    parser.buffer_text = True  # one character-data call per field, CDATA or not
    parser.ordered_attributes = True  # cheaper than a dict; WeChat messages have no attributes
    parser.SetParamEntityParsing(pyexpat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(body, True)
    except _Abort as abort:
        raise abort.error from None
    except pyexpat.ExpatError as exc:
        raise XmlError("malformed", f"the XML is not well-formed: {exc}") from None
    return fields


def _cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def render_xml(fields: Mapping[str, object], root: str = "xml") -> bytes:
    """A WeChat-shaped document: ints bare, everything else in CDATA; ``None`` skipped."""
    out = [f"<{root}>"]
    for name, value in fields.items():
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            out.append(f"<{name}>{value}</{name}>")
        else:
            out.append(f"<{name}>{_cdata(str(value))}</{name}>")
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")


def render_signed(fields: Mapping[str, object], key: str, sign_type: str = MD5, root: str = "xml") -> bytes:
    """``render_xml(with_sign(fields))`` with ``sign`` where ``fields`` places it (last when absent), from one
    walk of the fields: each value becomes text once, for the XML and for the canonical string alike."""
    out = [f"<{root}>"]
    signed: list[tuple[str, str]] = []
    at = -1
    for name, value in fields.items():
        if name == "sign":
            at = len(out)
            out.append("")
            continue
        if value is None:
            continue
        if isinstance(value, int) and not isinstance(value, bool):
            text = str(value)
            out.append(f"<{name}>{text}</{name}>")
        else:
            text = str(value)
            out.append(f"<{name}>{_cdata(text)}</{name}>")
        if text:
            signed.append((name, text))
    signed.sort()
    canonical = "&".join([f"{name}={text}" for name, text in signed] + [f"key={key}"])
    element = f"<sign>{_cdata(digest(canonical, key, sign_type))}</sign>"
    if at < 0:
        out.append(element)
    else:
        out[at] = element
    out.append(f"</{root}>")
    return "".join(out).encode("utf-8")
