"""HTTPS for the mock (issue 13; protocol/v2.md 2.2): the local PKI kept beside the state, each merchant's
API client certificate as WeChat issues it, what the TLS front refused, and how to trust the CA per ecosystem.

A merchant's client certificate certifies its API v3 key under its v3 serial number, so the one
``apiclient_cert.pem`` signs v3 requests and opens /secapi/, as WeChat's single merchant API
certificate does. The certificate itself is issued by the local CA (v3's copy is self-signed).
"""

from __future__ import annotations

import shutil
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.x509.oid import NameOID

from .backend import Backend
from .config import Config, Settings
from .domain.models import Merchant
from .pki import WECHAT_HOSTS, MerchantFiles, Pki, ensure_pki
from .v3_banner import keys_folder
from .wire.v3 import serial_no

DEFAULT_TLS_PORT = 8943
DEFAULT_PROXY_PORT = 8902
MAX_REFUSALS = 50


def tls_folder(config: Config) -> Path:
    """Where the local CA lives: ``tls.folder``, else ``tls/`` beside the state file (``.mockwx/tls`` in memory)."""
    folder = config.settings.tls.folder
    return Path(folder) if folder else keys_folder(config).parent / "tls"


class TlsError(Exception):
    """The local CA cannot be made or read (a folder that cannot be written, a damaged key)."""


def open_pki(config: Config, now: float) -> Pki:
    """The local PKI, made on first use; the server certificate is reissued when it nears its end or a
    name was added. ``now`` is the wall clock's: certificates are checked by real TLS stacks."""
    folder = tls_folder(config)
    try:
        return ensure_pki(folder, now=now, extra_names=config.settings.tls.names)
    except OSError as exc:
        raise TlsError(f"cannot keep the local CA in {folder}: {exc.strerror or exc} (set tls.folder)") from None
    except ValueError as exc:
        raise TlsError(f"the local CA in {folder} cannot be read ({exc}); move it away to start afresh") from None


def merchant_certificate(pki: Pki, backend: Backend, merchant: Merchant) -> MerchantFiles:
    """The merchant's client certificate files (issued now unless fresh ones are there): its v3 key and serial."""
    keys = backend.keyring.of(merchant)
    return pki.ensure_merchant(
        merchant.mch_id,
        backend.wall.now(),
        keys.merchant_key,
        serial_number=keys.merchant_certificate.serial_number,
        company=merchant.name,
    )


def copy_merchant_files(files: MerchantFiles, folder: Path) -> dict[str, str]:
    """Copy a merchant's three files into ``folder`` (made 0700; key and .p12 stay 0600); name -> path."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o700)
    written = {}
    for source in (files.cert, files.key, files.p12):
        target = folder / source.name
        shutil.copyfile(source, target)
        target.chmod(source.stat().st_mode & 0o777)
        written[source.name] = str(target.resolve())
    return written


@dataclass(frozen=True, slots=True)
class PeerCertificate:
    """A client certificate as a teaching message names it."""

    mch_id: str  # its CN
    serial_no: str
    subject: str
    issuer: str

    @classmethod
    def of(cls, certificate: x509.Certificate | bytes) -> PeerCertificate:
        """From a certificate, or its DER bytes as ``SSLObject.getpeercert(binary_form=True)`` gives them."""
        if isinstance(certificate, bytes):
            certificate = x509.load_der_x509_certificate(certificate)
        names = certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return cls(
            mch_id=str(names[0].value) if names else "",
            serial_no=serial_no(certificate),
            subject=certificate.subject.rfc4514_string(),
            issuer=certificate.issuer.rfc4514_string(),
        )


@dataclass(frozen=True, slots=True)
class Refusal:
    """A connection the TLS front turned away, and what the client should do."""

    at: float
    remote: str
    reason: str
    hint: str


@dataclass(slots=True)
class Network:
    """What the mock listens on beside plain HTTP (filled in as the listeners start), and what TLS refused."""

    host: str = "127.0.0.1"
    http_port: int | None = None
    https_port: int | None = None
    proxy_port: int | None = None
    pki: Pki | None = None
    refusals: deque[Refusal] = field(default_factory=lambda: deque(maxlen=MAX_REFUSALS))

    def url(self, scheme: str, port: int | None) -> str:
        host = "127.0.0.1" if self.host in ("0.0.0.0", "", "*") else "::1" if self.host == "::" else self.host
        return f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}" if port is not None else ""

    @property
    def https_url(self) -> str:
        return self.url("https", self.https_port)

    @property
    def proxy_url(self) -> str:
        return self.url("http", self.proxy_port)


def trust_lines(ca_file: Path, https_url: str) -> list[str]:
    """How to make each ecosystem trust the local CA (printed at start; README "Point your code at mockwx")."""
    ca = str(ca_file.resolve())
    return [
        f"  Python   REQUESTS_CA_BUNDLE={ca} (requests)   SSL_CERT_FILE={ca} (ssl, aiohttp, httpx)",
        f"  Node     NODE_EXTRA_CA_CERTS={ca}",
        f"  Java     keytool -importcert -noprompt -alias mockwx -file {ca} -keystore mockwx.jks -storepass changeit",
        "           java -Djavax.net.ssl.trustStore=mockwx.jks -Djavax.net.ssl.trustStorePassword=changeit ...",
        f"  Go       SSL_CERT_FILE={ca}   PHP  curl.cainfo={ca} (php.ini) or Guzzle 'verify' => '{ca}'",
        f"  curl     curl --cacert {ca} {https_url}/__mock__/health",
    ]


def network_lines(network: Network, backend: Backend, keys: Path | None) -> list[str]:
    """The banner's lines about HTTPS, the proxy, client certificates and notify routes ([] when all are off);
    with ``keys``, each merchant's client certificate files are copied to ``keys/<mch_id>/`` beside its v3 files."""
    pki, settings = network.pki, backend.settings
    out: list[str] = []
    if pki is not None and network.https_port is not None:
        names = ", ".join(sorted(pki.server_names(), key=lambda n: (n not in WECHAT_HOSTS, n)))
        out += [
            f"HTTPS  {network.https_url}  (the certificate names {names})",
            f"local CA {pki.ca_file.resolve()}  (also GET /__mock__/tls/ca.pem, run_mock.py ca); trust it:",
            *trust_lines(pki.ca_file, network.https_url),
            *_client_certificate_lines(pki, backend, settings, keys),
        ]
    if network.proxy_port is not None:
        relay = "other hosts tunnelled untouched" if settings.proxy.passthrough else "other hosts refused"
        out += [
            f"proxy  {network.proxy_url}  HTTPS_PROXY={network.proxy_url} sends {', '.join(WECHAT_HOSTS)}"
            f" to the mock ({relay})",
        ]
    for route in backend.engine.router.view():
        out.append(f"notify route  notify_url host {route['host']} -> {route['to']} (same path, query and Host)")
    return out


def _client_certificate_lines(pki: Pki, backend: Backend, settings: Settings, keys: Path | None) -> list[str]:
    if settings.tls.client_certificates == "off":
        return ["client certificates: not checked (tls.client_certificates: off)"]
    out = ["client certificates for /secapi/ over HTTPS (password of the .p12 = mch_id):"]
    for merchant in backend.state.merchants.values():
        files = merchant_certificate(pki, backend, merchant)
        where = files.cert.parent
        if keys is not None:
            try:
                where = Path(copy_merchant_files(files, keys / merchant.mch_id)[files.cert.name]).parent
            except OSError as exc:
                out.append(f"  ({merchant.mch_id}: not copied to {keys / merchant.mch_id}: {exc.strerror})")
        out.append(f"  {merchant.mch_id}  {where}/  apiclient_cert.pem, apiclient_key.pem, apiclient_cert.p12")
    return out
