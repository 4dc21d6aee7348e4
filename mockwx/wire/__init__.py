"""The WeChat wire protocol, and nothing else: pure functions with no I/O and no mockwx imports.

The mock uses it to check and produce messages; the reference merchant uses it as its SDK.
"""

from .crypto import decrypt_req_info, encrypt_req_info, req_info_key
from .jsonsafe import JsonRefused, json_type, load_json
from .opendata import OpenDataError, encrypt_open_data, open_open_data, seal_open_data, session_signature
from .sign import (
    HMAC_SHA256,
    MD5,
    SIGN_TYPES,
    canonical_string,
    digest,
    mask_key,
    new_nonce,
    pay_sign,
    pay_sign_fields,
    raw_data_signature,
    request_sign_type,
    sign,
    verify,
    with_sign,
)
from .timefmt import BEIJING, parse_compact, parse_date, to_compact, to_dashed, to_date
from .xml import MAX_XML_BYTES, XmlError, parse_xml, render_signed, render_xml

__all__ = [
    "BEIJING",
    "HMAC_SHA256",
    "JsonRefused",
    "MAX_XML_BYTES",
    "MD5",
    "OpenDataError",
    "SIGN_TYPES",
    "XmlError",
    "canonical_string",
    "decrypt_req_info",
    "digest",
    "encrypt_open_data",
    "encrypt_req_info",
    "json_type",
    "load_json",
    "mask_key",
    "new_nonce",
    "open_open_data",
    "parse_compact",
    "parse_date",
    "parse_xml",
    "pay_sign",
    "pay_sign_fields",
    "raw_data_signature",
    "render_signed",
    "render_xml",
    "req_info_key",
    "request_sign_type",
    "seal_open_data",
    "session_signature",
    "sign",
    "to_compact",
    "to_dashed",
    "to_date",
    "verify",
    "with_sign",
]
