"""Keys, certificates and public-key ids (protocol/v3.md 1.1, 2.4, 3.2), checked the way SDKs load them."""

from __future__ import annotations

import re
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from wechatpayv3.utils import load_private_key as sdk_load_private_key
from wechatpayv3.utils import load_public_key as sdk_load_public_key

from mockwx.wire import v3

from .v3_support import MCHID

REAL_PUBLIC_KEY_ID = "PUB_KEY_ID_0117134125362025092400111793000600"  # protocol/v3.md 2.1


def test_pem_forms_are_the_ones_wechatpayv3_loads(merchant_key):
    private = v3.private_key_pem(merchant_key)
    public = v3.public_key_pem(merchant_key)
    assert private.startswith("-----BEGIN PRIVATE KEY-----\n")  # PKCS#8, not "RSA PRIVATE KEY"
    assert public.startswith("-----BEGIN PUBLIC KEY-----\n")  # SubjectPublicKeyInfo
    assert sdk_load_private_key(private).private_numbers() == merchant_key.private_numbers()
    assert sdk_load_public_key(public).public_numbers() == merchant_key.public_key().public_numbers()
    assert merchant_key.key_size == 2048 and merchant_key.public_key().public_numbers().e == 65537


def test_load_private_key_accepts_pkcs1_and_teaches_about_certificates(merchant_key, merchant_cert):
    pkcs1 = merchant_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    )
    assert v3.load_private_key(pkcs1).private_numbers() == merchant_key.private_numbers()
    with pytest.raises(ValueError, match="apiclient_key.pem"):
        v3.load_private_key(v3.certificate_pem(merchant_cert))
    with pytest.raises(ValueError, match="RSA"):
        v3.load_private_key(v3.private_key_pem(ec.generate_private_key(ec.SECP256R1())))
    with pytest.raises(ValueError):
        v3.load_private_key("garbage")


def test_load_public_key_from_a_certificate(merchant_key, merchant_cert):
    assert v3.load_public_key(v3.certificate_pem(merchant_cert)) == merchant_key.public_key()
    assert v3.load_public_key(v3.public_key_pem(merchant_key)) == merchant_key.public_key()
    with pytest.raises(ValueError):
        v3.load_public_key("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n")


def test_serial_no_is_40_upper_hex_of_the_serial_number(merchant_cert, platform_cert):
    for certificate in (merchant_cert, platform_cert):
        serial = v3.serial_no(certificate)
        assert re.fullmatch(r"[1-7][0-9A-F]{39}", serial)
        assert int("0x" + serial, 16) == certificate.serial_number  # wechatpayv3's comparison
    assert all(len(f"{v3.new_serial_number():X}") == 40 for _ in range(200))


def test_certificates_are_valid_now_for_five_years(merchant_cert, platform_cert):
    now = time.time()
    for certificate in (merchant_cert, platform_cert):
        start, end = certificate.not_valid_before_utc.timestamp(), certificate.not_valid_after_utc.timestamp()
        assert start <= now - 3600 and end - now > 4.9 * 365 * 86400


def test_merchant_certificate_names_the_merchant(merchant_cert, merchant_key):
    assert merchant_cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == MCHID
    merchant_cert.verify_directly_issued_by(merchant_cert)  # self-signed without an issuer


def test_certificates_issued_by_an_issuer_chain_to_it(merchant_key, platform_key):
    now = time.time()
    ca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")])
    ca = v3.Issuer(ca_key, v3.issue_certificate(name, ca_key.public_key(), now=now, issuer_key=ca_key, ca=True))
    for certificate in (
        v3.merchant_certificate(merchant_key, MCHID, now=now, issuer=ca),
        v3.platform_certificate(platform_key, now=now, issuer=ca),
    ):
        certificate.verify_directly_issued_by(ca.certificate)
        assert certificate.issuer == name
    with pytest.raises(ValueError, match="issuer"):
        v3.issue_certificate(name, ca_key.public_key(), now=now)


def test_public_key_id_has_the_real_shape():
    made = v3.public_key_id("1713412536", "20250924", 111793000600)
    assert made == REAL_PUBLIC_KEY_ID
    short = v3.public_key_id("10000100", "20261127", 1)
    assert re.fullmatch(r"PUB_KEY_ID_\d{34}", short) and "0010000100" in short
    assert v3.is_public_key_id(short) and not v3.is_public_key_id("5157F09EFDC096DE15EBE81A47057A7232F1B8E1")


@pytest.mark.parametrize(
    ("mchid", "date", "sequence"),
    [("12345678901", "20250101", 1), ("abc", "20250101", 1), ("1", "2025-01-01", 1), ("1", "20250101", 10**14)],
)
def test_public_key_id_refuses_what_does_not_fit(mchid, date, sequence):
    with pytest.raises(ValueError):
        v3.public_key_id(mchid, date, sequence)


def test_rfc3339_round_trip_in_beijing_time():
    assert v3.to_rfc3339(1554208460) == "2019-04-02T20:34:20+08:00"
    assert v3.parse_rfc3339("2019-04-02T20:34:20+08:00") == 1554208460
    assert v3.parse_rfc3339("2019-04-02T12:34:20Z") == 1554208460
    for bad in ("2019-04-02 20:34:20", "2019-04-02T20:34:20", "20190402203420"):
        with pytest.raises(ValueError, match="RFC 3339"):
            v3.parse_rfc3339(bad)
