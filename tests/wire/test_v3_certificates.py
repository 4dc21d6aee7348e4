"""The /v3/certificates answer (protocol/v3.md 3.2), decrypted and loaded the way wechatpayv3 does it."""

from __future__ import annotations

import json

import pytest
from wechatpayv3.utils import aes_decrypt as sdk_aes_decrypt
from wechatpayv3.utils import load_certificate as sdk_load_certificate

from mockwx.wire import v3

from .v3_support import API_V3_KEY


def test_item_shape_and_sdk_decryption(platform_cert):
    item = v3.certificate_item(platform_cert, API_V3_KEY)
    assert list(item) == ["serial_no", "effective_time", "expire_time", "encrypt_certificate"]
    encrypted = item["encrypt_certificate"]
    assert list(encrypted) == ["algorithm", "nonce", "associated_data", "ciphertext"]
    assert encrypted["associated_data"] == "certificate" and len(encrypted["nonce"]) == 12
    pem = sdk_aes_decrypt(encrypted["nonce"], encrypted["ciphertext"], "certificate", API_V3_KEY)
    certificate = sdk_load_certificate(pem)
    assert int("0x" + item["serial_no"], 16) == certificate.serial_number  # the SDK's own serial comparison
    assert item["effective_time"].endswith("+08:00")
    assert v3.parse_rfc3339(item["effective_time"]) == certificate.not_valid_before_utc.timestamp()
    assert v3.parse_rfc3339(item["expire_time"]) == certificate.not_valid_after_utc.timestamp()


def test_body_round_trip(platform_cert):
    raw = v3.certificates_body([v3.certificate_item(platform_cert, API_V3_KEY)])
    assert raw.startswith(b'{"data":[{"serial_no":"')
    assert v3.read_certificates(raw, API_V3_KEY) == {v3.serial_no(platform_cert): platform_cert}


def test_a_serial_that_is_not_the_certificates_is_refused(platform_cert):
    item = {**v3.certificate_item(platform_cert, API_V3_KEY), "serial_no": "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"}
    with pytest.raises(ValueError, match="is not the certificate's"):
        v3.read_certificates(json.dumps({"data": [item]}).encode(), API_V3_KEY)


@pytest.mark.parametrize("raw", [b"{}", b'{"data":[1]}', b"oops"])
def test_malformed_bodies(raw):
    with pytest.raises(ValueError):
        v3.read_certificates(raw, API_V3_KEY)
