"""SHA256withRSA over WeChat's newline-terminated messages (protocol/v3.md 1.2, 2.2, 5).

Every v3 signature covers lines that each end in ``\\n``, the last one included:

* a request: ``METHOD\\nTARGET\\nTIMESTAMP\\nNONCE\\nBODY\\n`` (five lines, target = path?query as sent);
* a response or notification: ``TIMESTAMP\\nNONCE\\nBODY\\n`` (three lines);
* a paySign: ``appId\\ntimeStamp\\nnonceStr\\npackage\\n`` (four lines).

The body is the raw bytes on the wire, never a re-serialisation. The signature is RSASSA-PKCS1-v1_5
with SHA-256, base64 (standard alphabet, padded, one line: 344 characters for RSA-2048).
"""

from __future__ import annotations

import base64
import binascii
from urllib.parse import urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def message(*lines: str | bytes) -> bytes:
    """The signed bytes: each line (str as UTF-8, bytes as they are) followed by ``\\n``."""
    return b"".join((line.encode("utf-8") if isinstance(line, str) else line) + b"\n" for line in lines)


def request_message(method: str, target: str, timestamp: str, nonce: str, body: str | bytes = b"") -> bytes:
    """The five-line request message; ``target`` is the path plus ``?query`` exactly as sent."""
    return message(method, target, timestamp, nonce, body)


def signed_target(url: str) -> str:
    """The target a request signature covers for ``url``: path?query as sent, a whole URL losing its scheme
    and host (WeChat signs neither); '' when ``url`` is neither a whole URL nor a /path."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme and parts.netloc:
        return (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return url if url.startswith("/") else ""


def message_lines(data: bytes) -> list[str]:
    """A signed message's lines, each with its ``\\n``; a last line without one is kept as it is (shown so)."""
    *whole, last = data.decode("utf-8", "replace").split("\n")
    return [f"{line}\n" for line in whole] + ([last] if last else [])


def response_message(timestamp: str, nonce: str, body: str | bytes = b"") -> bytes:
    """The three-line message of a response or a notification (an empty body still ends in ``\\n``)."""
    return message(timestamp, nonce, body)


def rsa_sign(data: bytes, private_key: rsa.RSAPrivateKey) -> str:
    """base64(RSASSA-PKCS1-v1_5(SHA-256(data)))."""
    return base64.b64encode(private_key.sign(data, padding.PKCS1v15(), hashes.SHA256())).decode("ascii")


def decode_signature(signature: str) -> bytes | None:
    """The raw signature bytes, or None when it is not strict standard base64."""
    try:
        return base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        return None


def rsa_verify(data: bytes, signature: str, public_key: rsa.RSAPublicKey) -> bool:
    """True when ``signature`` is a SHA256withRSA signature of ``data``; never raises on garbage."""
    raw = decode_signature(signature)
    if raw is None:
        return False
    try:
        public_key.verify(raw, data, padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True
