"""The refund notification's ``req_info``: AES-256-ECB keyed by md5(API key) (protocol/v2.md 6.5).

The key is the 32 ASCII bytes of the lower-case hex md5 of the merchant's API key; the padding
is standard PKCS#7 over 16-byte blocks (Java's PKCS5Padding and Node's autoPadding accept
nothing else); the plaintext is a UTF-8 ``<root>...</root>`` XML document.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes


def req_info_key(api_key: str) -> bytes:
    """The AES-256 key: lower-case hex md5 of the API key, as ASCII bytes."""
    return hashlib.md5(api_key.encode("utf-8")).hexdigest().encode("ascii")


def encrypt_req_info(plaintext: bytes, api_key: str) -> str:
    """base64(AES-256-ECB(PKCS#7(plaintext)))."""
    padder = padding.PKCS7(128).padder()
    padded = padder.update(plaintext) + padder.finalize()
    encryptor = Cipher(algorithms.AES(req_info_key(api_key)), modes.ECB()).encryptor()
    return base64.b64encode(encryptor.update(padded) + encryptor.finalize()).decode("ascii")


def decrypt_req_info(req_info: str, api_key: str) -> bytes:
    """The ``<root>`` XML inside ``req_info``; ValueError if it is not valid for this key."""
    try:
        data = base64.b64decode(req_info, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("req_info is not valid base64") from None
    if not data or len(data) % 16:
        raise ValueError("req_info is not a whole number of AES blocks")
    decryptor = Cipher(algorithms.AES(req_info_key(api_key)), modes.ECB()).decryptor()
    padded = decryptor.update(data) + decryptor.finalize()
    unpadder = padding.PKCS7(128).unpadder()
    try:
        return unpadder.update(padded) + unpadder.finalize()
    except ValueError:
        raise ValueError("req_info does not decrypt with this API key (bad padding)") from None
