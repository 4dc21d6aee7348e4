"""AEAD_AES_256_GCM with the APIv3 key, which encrypts notifications and certificates (protocol/v3.md 3.2, 7.1).

key = the 32-character APIv3 key as UTF-8 bytes; IV = the UTF-8 bytes of ``nonce`` (12 characters);
AAD = the UTF-8 bytes of ``associated_data`` (``transaction``, ``refund``, ``certificate``, or empty);
``ciphertext`` = base64(ciphertext || 16-byte tag).
"""

from __future__ import annotations

import base64
import binascii
import secrets
import string
from collections.abc import Mapping

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

ALGORITHM = "AEAD_AES_256_GCM"
API_V3_KEY_BYTES = 32
NONCE_CHARS = 12
TAG_BYTES = 16

_NONCE_ALPHABET = string.ascii_letters + string.digits


class DecryptError(ValueError):
    """A resource that does not decrypt; the message says which input is likely wrong."""


def api_v3_key_bytes(api_v3_key: str) -> bytes:
    """The AES-256 key; ValueError unless the APIv3 key is exactly 32 bytes of UTF-8."""
    key = api_v3_key.encode("utf-8")
    if len(key) != API_V3_KEY_BYTES:
        raise ValueError(
            f"the APIv3 key must be {API_V3_KEY_BYTES} bytes, got {len(key)}: set it in 商户平台 > API安全"
            " (it is not the 32-character APIv2 key of v2 signatures, nor the AppSecret)"
        )
    return key


def new_aead_nonce() -> str:
    """A resource nonce as WeChat makes it: 12 characters of ``[0-9A-Za-z]``."""
    return "".join(secrets.choice(_NONCE_ALPHABET) for _ in range(NONCE_CHARS))


def aead_encrypt(plaintext: bytes | str, api_v3_key: str, nonce: str, associated_data: str = "") -> str:
    """base64(AES-256-GCM(plaintext) || tag)."""
    data = plaintext.encode("utf-8") if isinstance(plaintext, str) else plaintext
    sealed = AESGCM(api_v3_key_bytes(api_v3_key)).encrypt(nonce.encode("utf-8"), data, associated_data.encode("utf-8"))
    return base64.b64encode(sealed).decode("ascii")


def aead_decrypt(ciphertext: str, api_v3_key: str, nonce: str, associated_data: str = "") -> bytes:
    """The plaintext bytes; DecryptError when the ciphertext is damaged or any input is not the one used."""
    key = api_v3_key_bytes(api_v3_key)
    try:
        sealed = base64.b64decode(ciphertext.encode("ascii"), validate=True)
    except (binascii.Error, ValueError, UnicodeEncodeError):
        raise DecryptError("ciphertext is not base64") from None
    if len(sealed) < TAG_BYTES:
        raise DecryptError(f"ciphertext is {len(sealed)} bytes, shorter than the {TAG_BYTES}-byte GCM tag")
    if not nonce:
        raise DecryptError("the nonce is empty; pass resource.nonce")
    try:
        return AESGCM(key).decrypt(nonce.encode("utf-8"), sealed, associated_data.encode("utf-8"))
    except InvalidTag:
        raise DecryptError(
            "AES-GCM tag mismatch: the APIv3 key, nonce or associated_data is not the one used (an APIv2 key"
            " here gives exactly this), or the ciphertext was altered"
        ) from None


def encrypt_fields(
    plaintext: bytes | str, api_v3_key: str, *, associated_data: str, nonce: str | None = None
) -> dict[str, str]:
    """``algorithm``, ``nonce``, ``associated_data``, ``ciphertext`` for one encrypted resource."""
    nonce = nonce if nonce is not None else new_aead_nonce()
    return {
        "algorithm": ALGORITHM,
        "nonce": nonce,
        "associated_data": associated_data,
        "ciphertext": aead_encrypt(plaintext, api_v3_key, nonce, associated_data),
    }


def decrypt_fields(resource: Mapping[str, object], api_v3_key: str) -> bytes:
    """The plaintext of an encrypted resource (a notification's ``resource``, an ``encrypt_certificate``)."""
    algorithm = resource.get("algorithm")
    if algorithm != ALGORITHM:
        raise DecryptError(f"algorithm is {algorithm!r}; only {ALGORITHM} is defined")
    ciphertext, nonce = resource.get("ciphertext"), resource.get("nonce")
    associated_data = resource.get("associated_data") or ""
    if not isinstance(ciphertext, str) or not isinstance(nonce, str) or not isinstance(associated_data, str):
        raise DecryptError("ciphertext, nonce and associated_data must be strings")
    return aead_decrypt(ciphertext, api_v3_key, nonce, associated_data)
