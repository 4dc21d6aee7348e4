"""The local PKI for HTTPS: a CA, server certificates for WeChat's hosts, merchant client certificates (issue 13).

Everything lives in one folder (created 0700; private keys and .p12 files 0600), generated once and
reused on every start::

    ca.pem, ca.key                 the local CA: EC P-256, 10 years, basicConstraints CA:TRUE
    server.pem, server.key         WeChat's hosts + localhost, 127.0.0.1, ::1 (server.pem holds the chain)
    merchants/<mch_id>/            as WeChat issues them: apiclient_cert.pem (CN = mch_id, O = 微信商户系统,
                                   OU = the company), apiclient_key.pem (PKCS#8), apiclient_cert.p12 (password = mch_id)

Callers pass the wall-clock time: certificate validity is checked by real TLS stacks, not the mock's clock.
"""

from __future__ import annotations

import ipaddress
import os
import ssl
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from .wire.v3 import (
    Issuer,
    certificate_pem,
    issue_certificate,
    load_private_key,
    new_private_key,
    private_key_pem,
)

WECHAT_HOSTS = ("api.mch.weixin.qq.com", "api2.mch.weixin.qq.com", "api.weixin.qq.com")  # what the mock impersonates
SERVER_NAMES = (*WECHAT_HOSTS, "localhost", "127.0.0.1", "::1")
CA_DAYS = 3650
SERVER_DAYS = 825
"""Apple's limit for any TLS server certificate; browsers and SDKs accept it from a locally trusted CA."""
RENEW_BEFORE_DAYS = 30
CA_NAME = "mockwx local CA"
MERCHANT_ORGANIZATION = "微信商户系统"
"""The O of WeChat's merchant API certificates (CN = mch_id, OU = the company, C = CN, L = ShenZhen)."""

CA_CERT, CA_KEY, SERVER_CERT, SERVER_KEY = "ca.pem", "ca.key", "server.pem", "server.key"
CLIENT_CERT, CLIENT_KEY, CLIENT_P12 = "apiclient_cert.pem", "apiclient_key.pem", "apiclient_cert.p12"


def new_ca(now: float) -> Issuer:
    """A fresh local CA: EC P-256, valid 10 years, allowed to sign end-entity certificates only."""
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = issue_certificate(_name(CA_NAME), key.public_key(), now=now, issuer_key=key, days=CA_DAYS, ca=True)
    return Issuer(key, certificate)


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "mockwx"), x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    )


def _general_name(name: str) -> x509.GeneralName:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


def server_certificate(
    ca: Issuer, now: float, extra_names: Iterable[str] = ()
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A TLS server key and certificate for :data:`SERVER_NAMES` plus ``extra_names``, issued by ``ca``."""
    names = list(dict.fromkeys([*SERVER_NAMES, *extra_names]))
    key = ec.generate_private_key(ec.SECP256R1())
    certificate = issue_certificate(
        _name(names[0]),
        key.public_key(),
        now=now,
        issuer=ca,
        days=SERVER_DAYS,
        usages=(ExtendedKeyUsageOID.SERVER_AUTH,),
        names=tuple(_general_name(n) for n in names),
    )
    return key, certificate


def certificate_names(certificate: x509.Certificate) -> set[str]:
    """The DNS names and IP addresses a certificate's subjectAltName covers."""
    try:
        san = certificate.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return set()
    return set(san.get_values_for_type(x509.DNSName)) | {str(ip) for ip in san.get_values_for_type(x509.IPAddress)}


def merchant_subject(mch_id: str, company: str = "") -> x509.Name:
    """A merchant API certificate's subject as WeChat writes it (CN, O, OU, C, L in that order)."""
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, mch_id),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, MERCHANT_ORGANIZATION),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, company or "mockwx merchant"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "ShenZhen"),
        ]
    )


def merchant_client_certificate(
    ca: Issuer,
    mch_id: str,
    now: float,
    key: rsa.RSAPrivateKey | None = None,
    *,
    serial_number: int | None = None,
    company: str = "",
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A merchant API certificate issued by ``ca``: the TLS client certificate of /secapi/, and, given the
    merchant's v3 key and serial number, one that signs v3 requests under the same serial_no."""
    key = key or new_private_key()
    certificate = issue_certificate(
        merchant_subject(mch_id, company),
        key.public_key(),
        now=now,
        issuer=ca,
        serial_number=serial_number,
        usages=(ExtendedKeyUsageOID.CLIENT_AUTH,),
    )
    return key, certificate


def pkcs12_bytes(mch_id: str, key: rsa.RSAPrivateKey, certificate: x509.Certificate, ca: x509.Certificate) -> bytes:
    """apiclient_cert.p12: key, certificate and CA, password = mch_id (SHA1/3DES, which every keystore reads)."""
    encryption = (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(50000)
        .key_cert_algorithm(pkcs12.PBES.PBESv1SHA1And3KeyTripleDESCBC)
        .hmac_hash(hashes.SHA1())
        .build(mch_id.encode("ascii"))
    )
    return pkcs12.serialize_key_and_certificates(b"apiclient_cert", key, certificate, [ca], encryption)


def _write(path: Path, data: bytes, private: bool) -> None:
    """Write atomically; a private file is 0600 from its creation on."""
    temporary = path.with_name(f".{path.name}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.replace(temporary, path)


def _folder(path: Path) -> Path:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.chmod(0o700)
    return path


def _fresh(certificate: x509.Certificate, issuer: Issuer, now: float) -> bool:
    """Issued by ``issuer`` and valid for at least RENEW_BEFORE_DAYS more days."""
    try:
        certificate.verify_directly_issued_by(issuer.certificate)
    except (ValueError, TypeError, InvalidSignature):
        return False
    remaining = certificate.not_valid_after_utc.timestamp() - now
    return certificate.not_valid_before_utc.timestamp() <= now and remaining > RENEW_BEFORE_DAYS * 86400


@dataclass(frozen=True, slots=True)
class MerchantFiles:
    """Where one merchant's client certificate lives."""

    cert: Path
    key: Path
    p12: Path


@dataclass(frozen=True, slots=True)
class Pki:
    """The local CA and the files it issued, in one folder."""

    folder: Path
    ca: Issuer

    @property
    def ca_file(self) -> Path:
        return self.folder / CA_CERT

    @property
    def server_cert_file(self) -> Path:
        """The server certificate followed by the CA certificate (the chain a TLS server sends)."""
        return self.folder / SERVER_CERT

    @property
    def server_key_file(self) -> Path:
        return self.folder / SERVER_KEY

    def merchant_files(self, mch_id: str) -> MerchantFiles:
        base = self.folder / "merchants" / mch_id
        return MerchantFiles(base / CLIENT_CERT, base / CLIENT_KEY, base / CLIENT_P12)

    def server_names(self) -> set[str]:
        """The names the current server certificate covers."""
        return certificate_names(x509.load_pem_x509_certificates(self.server_cert_file.read_bytes())[0])

    def ensure_server(self, now: float, extra_names: Iterable[str] = ()) -> None:
        """Issue server.pem/server.key unless a fresh one covering every name is already there."""
        wanted = {*SERVER_NAMES, *extra_names}
        if self.server_cert_file.exists() and self.server_key_file.exists():
            current = x509.load_pem_x509_certificates(self.server_cert_file.read_bytes())[0]
            if _fresh(current, self.ca, now) and wanted <= certificate_names(current):
                return
        key, certificate = server_certificate(self.ca, now, extra_names)
        _write(self.server_key_file, private_key_pem(key).encode("ascii"), private=True)
        _write(
            self.server_cert_file, (certificate_pem(certificate) + certificate_pem(self.ca.certificate)).encode(), False
        )

    def ensure_merchant(
        self,
        mch_id: str,
        now: float,
        key: rsa.RSAPrivateKey | None = None,
        *,
        serial_number: int | None = None,
        company: str = "",
    ) -> MerchantFiles:
        """Issue a merchant's client certificate unless a fresh one (for ``key`` and ``serial_number``, when
        given) is there."""
        if not (mch_id.isascii() and mch_id.isdigit()):
            raise ValueError(f"mch_id {mch_id!r} must be digits")
        files = self.merchant_files(mch_id)
        if files.cert.exists() and files.key.exists() and files.p12.exists():
            current = x509.load_pem_x509_certificate(files.cert.read_bytes())
            common_names = current.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
            same_key = key is None or current.public_key() == key.public_key()
            same_serial = serial_number is None or current.serial_number == serial_number
            same_name = [n.value for n in common_names] == [mch_id]
            if _fresh(current, self.ca, now) and same_name and same_key and same_serial:
                return files
        key, certificate = merchant_client_certificate(
            self.ca, mch_id, now, key, serial_number=serial_number, company=company
        )
        _folder(files.cert.parent)
        _write(files.key, private_key_pem(key).encode("ascii"), private=True)
        _write(files.p12, pkcs12_bytes(mch_id, key, certificate, self.ca.certificate), private=True)
        _write(files.cert, certificate_pem(certificate).encode("ascii"), private=False)
        return files

    def merchant_key(self, mch_id: str) -> rsa.RSAPrivateKey:
        return load_private_key(self.merchant_files(mch_id).key.read_bytes())

    def server_context(self, client_certs: ssl.VerifyMode = ssl.CERT_OPTIONAL) -> ssl.SSLContext:
        """A TLS server context; with CERT_OPTIONAL a client certificate, when sent, must be one the CA issued."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.server_cert_file, self.server_key_file)
        context.load_verify_locations(self.ca_file)
        context.verify_mode = client_certs
        return context

    def client_context(self, mch_id: str | None = None) -> ssl.SSLContext:
        """A TLS client context trusting the CA, presenting ``mch_id``'s client certificate when given."""
        context = ssl.create_default_context(cafile=self.ca_file)
        if mch_id is not None:
            files = self.merchant_files(mch_id)
            context.load_cert_chain(files.cert, files.key)
        return context


def load_pki(folder: Path | str) -> Pki:
    """The PKI already in ``folder``; FileNotFoundError when it has none."""
    folder = Path(folder)
    certificate = x509.load_pem_x509_certificate((folder / CA_CERT).read_bytes())
    key = serialization.load_pem_private_key((folder / CA_KEY).read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
        raise ValueError(f"{folder / CA_KEY} is not an EC or RSA key")
    return Pki(folder, Issuer(key, certificate))


def ensure_pki(folder: Path | str, *, now: float, mch_ids: Iterable[str] = (), extra_names: Iterable[str] = ()) -> Pki:
    """The PKI in ``folder``, created on first use and completed (never replaced) afterwards."""
    folder = _folder(Path(folder))
    if (folder / CA_CERT).exists() and (folder / CA_KEY).exists():
        pki = load_pki(folder)
    else:
        ca = new_ca(now)
        _write(folder / CA_KEY, private_key_pem(ca.key).encode("ascii"), private=True)
        _write(folder / CA_CERT, certificate_pem(ca.certificate).encode("ascii"), private=False)
        pki = Pki(folder, ca)
    pki.ensure_server(now, extra_names)
    for mch_id in mch_ids:
        pki.ensure_merchant(mch_id, now)
    return pki


def peer_mch_id(peercert: Mapping[str, object] | None) -> str | None:
    """The mch_id (subject CN) of a verified client certificate, from ``SSLSocket.getpeercert()``."""
    subject = peercert.get("subject", ()) if peercert else ()
    for rdn in subject if isinstance(subject, tuple) else ():
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None
