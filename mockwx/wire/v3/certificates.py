"""The ``GET /v3/certificates`` answer: platform certificates encrypted with the APIv3 key (protocol/v3.md 3.2).

Each item is ``serial_no``, ``effective_time``, ``expire_time`` (RFC 3339, Beijing) and
``encrypt_certificate`` = the PEM encrypted with AEAD_AES_256_GCM, AAD ``certificate``.
"""

from __future__ import annotations

from collections.abc import Iterable

from cryptography import x509

from .aead import decrypt_fields, encrypt_fields
from .jsonbody import compact_json, load_json_object
from .keys import certificate_pem, serial_no
from .rfc3339 import to_rfc3339

ASSOCIATED_DATA = "certificate"


def certificate_item(certificate: x509.Certificate, api_v3_key: str, *, nonce: str | None = None) -> dict[str, object]:
    """One ``data[]`` item for ``certificate``."""
    return {
        "serial_no": serial_no(certificate),
        "effective_time": to_rfc3339(certificate.not_valid_before_utc.timestamp()),
        "expire_time": to_rfc3339(certificate.not_valid_after_utc.timestamp()),
        "encrypt_certificate": encrypt_fields(
            certificate_pem(certificate), api_v3_key, associated_data=ASSOCIATED_DATA, nonce=nonce
        ),
    }


def certificates_body(items: Iterable[dict[str, object]]) -> bytes:
    """The compact ``{"data":[...]}`` body."""
    return compact_json({"data": list(items)})


def read_certificates(body: bytes, api_v3_key: str) -> dict[str, x509.Certificate]:
    """``serial_no`` -> certificate from a /v3/certificates body; ValueError when an item does not add up."""
    data = load_json_object(body).get("data")
    if not isinstance(data, list):
        raise ValueError("the body has no data array")
    certificates: dict[str, x509.Certificate] = {}
    for item in data:
        if not isinstance(item, dict) or not isinstance(item.get("encrypt_certificate"), dict):
            raise ValueError("a data item has no encrypt_certificate object")
        certificate = x509.load_pem_x509_certificate(decrypt_fields(item["encrypt_certificate"], api_v3_key))
        if serial_no(certificate) != item.get("serial_no"):
            raise ValueError(f"serial_no {item.get('serial_no')} is not the certificate's ({serial_no(certificate)})")
        certificates[serial_no(certificate)] = certificate
    return certificates
