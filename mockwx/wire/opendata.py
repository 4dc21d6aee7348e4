"""Mini-program open data (protocol/v2.md 1.4): ``encryptedData`` is AES-128-CBC under the user's
session_key with the ``iv`` sent beside it, PKCS#7-padded to 16-byte blocks, around UTF-8 JSON that
carries a ``watermark`` {appid, timestamp}; and the login-state signature /wxa/checksession takes,
hmac_sha256(key=session_key, msg="") in lower-case hex.

Pure functions: the caller supplies the iv bytes and the time (the mock from its ids and clock, the
merchant from its own). Decryption says why it failed in words a developer can act on.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from typing import Any

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

BLOCK = 16


class OpenDataError(ValueError):
    """encryptedData that cannot be opened with this session_key and iv; the message says why."""


def _b64(value: str, name: str, size: int | None = None) -> bytes:
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise OpenDataError(f"{name} is not valid base64 (send it exactly as the mini program received it)") from None
    if size is not None and len(raw) != size:
        raise OpenDataError(f"{name} must decode to {size} bytes, it decodes to {len(raw)}")
    return raw


def _cipher(session_key: str, iv: str) -> Cipher[modes.CBC]:
    key = _b64(session_key, "session_key", BLOCK)
    return Cipher(algorithms.AES(key), modes.CBC(_b64(iv, "iv", BLOCK)))


def seal_open_data(data: dict[str, Any], *, appid: str, timestamp: int, session_key: str, iv: bytes) -> tuple[str, str]:
    """``(encryptedData, iv)`` for ``data`` plus its watermark, as the mini program receives them."""
    sealed = {**data, "watermark": {"timestamp": timestamp, "appid": appid}}
    plaintext = json.dumps(sealed, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    iv_text = base64.b64encode(iv).decode("ascii")
    return encrypt_open_data(plaintext, session_key, iv_text), iv_text


def encrypt_open_data(plaintext: bytes, session_key: str, iv: str) -> str:
    """base64(AES-128-CBC(PKCS#7(plaintext))) under the session_key and iv (both base64)."""
    padder = padding.PKCS7(BLOCK * 8).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = _cipher(session_key, iv).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def open_open_data(encrypted_data: str, session_key: str, iv: str, appid: str | None = None) -> dict[str, Any]:
    """The JSON object inside ``encryptedData``; with ``appid``, its watermark must name that appid."""
    cipher = _cipher(session_key, iv)
    data = _b64(encrypted_data, "encryptedData")
    if not data or len(data) % BLOCK:
        raise OpenDataError(f"encryptedData is {len(data)} bytes, not a whole number of 16-byte AES blocks")
    decryptor = cipher.decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(BLOCK * 8).unpadder()
    try:
        plaintext = unpadder.update(padded) + unpadder.finalize()
        opened = json.loads(plaintext.decode("utf-8"))
    except (ValueError, UnicodeDecodeError):
        raise OpenDataError(
            "encryptedData does not decrypt to JSON with this session_key and iv: the session_key is most likely"
            " not the one current when the data was made (a later wx.login may have replaced it)"
        ) from None
    if not isinstance(opened, dict):
        raise OpenDataError("encryptedData decrypts to JSON that is not an object")
    if appid is not None:
        watermark = opened.get("watermark")
        found = watermark.get("appid") if isinstance(watermark, dict) else None
        if found != appid:
            raise OpenDataError(f"the watermark names appid {found!r}, not {appid!r}: the data is another app's")
    return opened


def session_signature(session_key: str) -> str:
    """The login-state signature of /wxa/checksession: hmac_sha256(key=session_key, msg=""), lower-case hex."""
    return hmac.new(session_key.encode("utf-8"), b"", hashlib.sha256).hexdigest()
