"""API v3 key material: RSA-2048 keys, X.509 certificates and WeChat Pay public-key ids (protocol/v3.md 1.1, 2.4, 3.2).

WeChat identifies a certificate by ``serial_no``: the certificate's serialNumber as 40 upper-case hex
digits (wechatpayv3 compares ``int(serial_no, 16)`` with ``cert.serial_number``). Keys travel as PEM:
private keys PKCS#8 (``BEGIN PRIVATE KEY``; wechatpayv3 refuses PKCS#1) and public keys
SubjectPublicKeyInfo (``BEGIN PUBLIC KEY``). A WeChat Pay public key id is ``PUB_KEY_ID_`` + 34 digits:
``01``, the mchid on 10 digits, the issue date ``yyyyMMdd`` and a 14-digit sequence, as in
``PUB_KEY_ID_0117134125362025092400111793000600``.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

RSA_BITS = 2048
CERTIFICATE_DAYS = 5 * 365
"""WeChat issues merchant API and platform certificates for five years (its certificate overview, doc 4024350132)."""
BACKDATE = timedelta(days=1)
"""Certificates start a day before ``now``, so a client whose clock lags still accepts them."""
PUBLIC_KEY_ID_PREFIX = "PUB_KEY_ID_"

IssuerKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey


@dataclass(frozen=True, slots=True)
class Issuer:
    """A key and the certificate naming it: what signs other certificates (a CA, or a self-signed leaf)."""

    key: IssuerKey
    certificate: x509.Certificate


def new_private_key(bits: int = RSA_BITS) -> rsa.RSAPrivateKey:
    """A fresh RSA key (2048 bits, e=65537, as WeChat issues them)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def private_key_pem(key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey) -> str:
    """Unencrypted PKCS#8 PEM (``-----BEGIN PRIVATE KEY-----``), the form every v3 SDK loads."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_key_pem(key: rsa.RSAPublicKey | rsa.RSAPrivateKey) -> str:
    """SubjectPublicKeyInfo PEM (``-----BEGIN PUBLIC KEY-----``), the form of WeChat's pub_key.pem."""
    public = key.public_key() if isinstance(key, rsa.RSAPrivateKey) else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode(
        "ascii"
    )


def certificate_pem(certificate: x509.Certificate) -> str:
    """The certificate as PEM text."""
    return certificate.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_private_key(pem: str | bytes) -> rsa.RSAPrivateKey:
    """An RSA private key from PEM (PKCS#8 or PKCS#1); ValueError that says what arrived otherwise."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    if b"CERTIFICATE-----" in data:
        raise ValueError("this PEM is a certificate (apiclient_cert.pem); sign with the private key, apiclient_key.pem")
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise ValueError(f"not an unencrypted PEM private key ({exc})") from None
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError(f"API v3 signs with RSA; this PEM holds a {type(key).__name__}")
    return key


def load_public_key(pem: str | bytes) -> rsa.RSAPublicKey:
    """An RSA public key from a public-key PEM or from a certificate PEM (its subject key)."""
    data = pem.encode("ascii", "replace") if isinstance(pem, str) else pem
    try:
        if b"CERTIFICATE-----" in data:
            key = x509.load_pem_x509_certificate(data).public_key()
        else:
            key = serialization.load_pem_public_key(data)
    except ValueError as exc:
        raise ValueError(f"not a PEM public key or certificate ({exc})") from None
    if not isinstance(key, rsa.RSAPublicKey):
        raise ValueError(f"API v3 verifies with RSA; this PEM holds a {type(key).__name__}")
    return key


def serial_no(certificate: x509.Certificate) -> str:
    """The certificate's ``serial_no`` as WeChat writes it: serialNumber in upper-case hex, 40 digits."""
    return f"{certificate.serial_number:040X}"


def new_serial_number() -> int:
    """A random positive 159-bit serialNumber whose hex is exactly 40 digits (first digit 1-7, as real ones)."""
    return (1 << 156) + secrets.randbelow((1 << 159) - (1 << 156))


def _name(common_name: str, organization: str, unit: str | None = None) -> x509.Name:
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
    ]
    if unit:
        attributes.append(x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, unit))
    attributes.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    return x509.Name(attributes)


def issue_certificate(
    subject: x509.Name,
    public_key: rsa.RSAPublicKey | ec.EllipticCurvePublicKey,
    *,
    now: float,
    issuer: Issuer | None = None,
    issuer_key: IssuerKey | None = None,
    serial_number: int | None = None,
    days: int = CERTIFICATE_DAYS,
    ca: bool = False,
    usages: tuple[x509.ObjectIdentifier, ...] = (),
    names: tuple[x509.GeneralName, ...] = (),
) -> x509.Certificate:
    """One X.509 certificate valid from ``now`` - 1 day for ``days`` days.

    Signed by ``issuer``; without one it is self-signed with ``issuer_key`` (which must then be the
    subject's own private key).
    """
    signer = issuer.key if issuer else issuer_key
    if signer is None:
        raise ValueError("a certificate needs an issuer, or the subject's own key to be self-signed")
    start = datetime.fromtimestamp(now, UTC) - BACKDATE
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer.certificate.subject if issuer else subject)
        .public_key(public_key)
        .serial_number(serial_number if serial_number is not None else new_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + BACKDATE + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=0 if ca else None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.key.public_key()), critical=False
        )
    if ca:
        usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    else:
        rsa_key = isinstance(public_key, rsa.RSAPublicKey)  # key encipherment means nothing for an EC key
        usage = x509.KeyUsage(True, False, rsa_key, False, False, False, False, False, False)
    builder = builder.add_extension(usage, critical=True)
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(list(usages)), critical=False)
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(list(names)), critical=False)
    return builder.sign(signer, hashes.SHA256())


def merchant_certificate(
    key: rsa.RSAPrivateKey,
    mchid: str,
    *,
    now: float,
    issuer: Issuer | None = None,
    merchant_name: str = "mockwx merchant",
    serial_number: int | None = None,
) -> x509.Certificate:
    """A merchant API certificate (apiclient_cert.pem): CN = mchid, usable for signing and as a TLS client cert.

    Its ``serial_no`` is what the merchant sends in Authorization. Self-signed without ``issuer``.
    """
    return issue_certificate(
        _name(mchid, merchant_name, "mockwx merchant API certificate"),
        key.public_key(),
        now=now,
        issuer=issuer,
        issuer_key=key,
        serial_number=serial_number,
        usages=(ExtendedKeyUsageOID.CLIENT_AUTH,),
    )


def platform_certificate(
    key: rsa.RSAPrivateKey,
    *,
    now: float,
    issuer: Issuer | None = None,
    serial_number: int | None = None,
) -> x509.Certificate:
    """A WeChat Pay platform certificate: what /v3/certificates hands out and responses are verified with."""
    return issue_certificate(
        _name("mockwx WeChat Pay platform certificate", "mockwx"),
        key.public_key(),
        now=now,
        issuer=issuer,
        issuer_key=key,
        serial_number=serial_number,
    )


def public_key_id(mchid: str, date: str, sequence: int) -> str:
    """A WeChat Pay public key id: ``PUB_KEY_ID_01`` + mchid (10 digits) + ``yyyyMMdd`` + 14-digit sequence."""
    if not (mchid.isascii() and mchid.isdigit() and len(mchid) <= 10):
        raise ValueError(f"mchid {mchid!r} must be at most 10 digits")
    if not (len(date) == 8 and date.isascii() and date.isdigit()):
        raise ValueError(f"date {date!r} must be yyyyMMdd")
    if not 0 <= sequence < 10**14:
        raise ValueError(f"sequence {sequence} must fit in 14 digits")
    return f"{PUBLIC_KEY_ID_PREFIX}01{mchid.zfill(10)}{date}{sequence:014d}"


def is_public_key_id(serial: str) -> bool:
    """True for a ``PUB_KEY_ID_...`` serial (public-key mode), False for a certificate serial."""
    return serial.startswith(PUBLIC_KEY_ID_PREFIX)
