"""Each merchant's API v3 key material (protocol/v3.md 1.1, 2.4, 3): the APIv3 key, the merchant API
certificate and its private key (what the merchant signs requests with), and WeChat's side, the
platform certificate and the WeChat Pay public key with its ``PUB_KEY_ID_...`` (what answers and
notifications are signed with).

Material is made when a merchant is registered (as WeChat issues keys at onboarding; the demo
merchant's is fixed, see mockwx/demo_v3.py), stored in the merchant's record, so it is stable
across restarts, and loaded into key objects once per process. RSA keys come from OpenSSL and the
APIv3 key from the OS's CSPRNG: key material is not an id, and is not made reproducible by --seed.
"""

from __future__ import annotations

import os
import secrets
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa

from .. import demo_v3
from ..clock import SystemClock, VirtualClock
from ..config import DEMO_API_KEY, DEMO_MCH_ID
from ..domain.models import Merchant
from ..state import State
from ..wire import to_date
from ..wire.v3 import (
    certificate_pem,
    load_private_key,
    merchant_certificate,
    new_private_key,
    platform_certificate,
    private_key_pem,
    public_key_id,
    public_key_pem,
    serial_no,
)

_KEY_ALPHABET = string.ascii_letters + string.digits
CERTIFICATE = "certificate"
PUBLIC_KEY = "public_key"


@dataclass(slots=True)
class V3Keys:
    """A merchant's v3 material as key objects, ready to sign and verify."""

    mch_id: str
    api_v3_key: str
    profile: str
    merchant_key: rsa.RSAPrivateKey
    merchant_certificate: x509.Certificate
    merchant_serial: str
    merchant_public: rsa.RSAPublicKey
    platform_key: rsa.RSAPrivateKey
    platform_certificate: x509.Certificate
    platform_serial: str
    public_key: rsa.RSAPrivateKey  # WeChat Pay's key pair (the merchant holds its public half)
    public_key_id: str
    signers: dict[str, rsa.RSAPrivateKey] = field(default_factory=dict)  # serial -> the key WeChat signs with

    def signer(self, asked: str = "") -> tuple[str, rsa.RSAPrivateKey]:
        """(serial, key) to sign an answer with: the one the client named in Wechatpay-Serial when WeChat
        has it, else the profile's default (the platform certificate, or the public key of a new merchant)."""
        if asked in self.signers:
            return asked, self.signers[asked]
        if self.profile == PUBLIC_KEY:
            return self.public_key_id, self.public_key
        return self.platform_serial, self.platform_key


class KeyRing:
    """The v3 material of every merchant: made when missing, loaded once."""

    def __init__(self, state: State, clock: SystemClock | VirtualClock) -> None:
        self.state = state
        self.clock = clock
        self._loaded: dict[str, tuple[str, V3Keys]] = {}  # mch_id -> (merchant_cert_pem, keys)
        self._asked: dict[str, str] = {}  # mch_id -> the Wechatpay-Serial its requests last named

    def asked(self, mch_id: str, serial: str) -> None:
        """Remember the key a merchant's SDK verifies with (its requests name it in Wechatpay-Serial), so
        notifications are signed with it too, as WeChat does once a merchant has switched to the public key."""
        if serial:
            self._asked[mch_id] = serial

    def notify_signer(self, keys: V3Keys) -> tuple[str, rsa.RSAPrivateKey]:
        """(serial, key) for a notification to this merchant: the key its SDK last asked for, else the default."""
        return keys.signer(self._asked.get(keys.mch_id, ""))

    def of(self, merchant: Merchant) -> V3Keys:
        """The merchant's v3 keys (made and stored first for a merchant registered without them)."""
        if not merchant.merchant_key_pem:
            self.complete(merchant)
            self.state.put_merchant(merchant)
        cached = self._loaded.get(merchant.mch_id)
        if cached is not None and cached[0] == merchant.merchant_cert_pem and cached[1].profile == merchant.v3_profile:
            return cached[1]
        keys = _load(merchant)
        self._loaded[merchant.mch_id] = (merchant.merchant_cert_pem, keys)
        return keys

    def loaded(self) -> list[V3Keys]:
        """The keys loaded so far (the doctor tries them; it never makes new material)."""
        return [keys for _, keys in self._loaded.values()]

    def complete(self, merchant: Merchant) -> None:
        """Fill in the material a merchant lacks: the demo merchant's fixed values, or new ones."""
        if merchant.mch_id == DEMO_MCH_ID and merchant.api_key == DEMO_API_KEY:
            merchant.api_v3_key = merchant.api_v3_key or demo_v3.API_V3_KEY
            merchant.merchant_key_pem = demo_v3.MERCHANT_KEY_PEM
            merchant.merchant_cert_pem = demo_v3.MERCHANT_CERT_PEM
            merchant.platform_key_pem = demo_v3.PLATFORM_KEY_PEM
            merchant.platform_cert_pem = demo_v3.PLATFORM_CERT_PEM
            merchant.public_key_pem = demo_v3.PUBLIC_KEY_PRIVATE_PEM
            merchant.public_key_id = demo_v3.PUBLIC_KEY_ID
            return
        now = self.clock.now()
        merchant.api_v3_key = merchant.api_v3_key or "".join(secrets.choice(_KEY_ALPHABET) for _ in range(32))
        key = new_private_key()
        merchant.merchant_key_pem = private_key_pem(key)
        merchant.merchant_cert_pem = certificate_pem(merchant_certificate(key, merchant.mch_id, now=now))
        platform = new_private_key()
        merchant.platform_key_pem = private_key_pem(platform)
        merchant.platform_cert_pem = certificate_pem(platform_certificate(platform, now=now))
        merchant.public_key_pem = private_key_pem(new_private_key())
        merchant.public_key_id = public_key_id(merchant.mch_id[-10:], to_date(now), secrets.randbelow(10**14))


def view(merchant: Merchant, keys: V3Keys) -> dict[str, Any]:
    """What a merchant gives its v3 SDK (and what WeChat lets it see): never WeChat's private keys."""
    out: dict[str, Any] = {
        "profile": keys.profile,
        "api_v3_key": keys.api_v3_key,
        "merchant_serial": keys.merchant_serial,
        "merchant_private_key": merchant.merchant_key_pem,
        "merchant_certificate": merchant.merchant_cert_pem,
        "public_key_id": keys.public_key_id,
        "public_key": public_key_pem(keys.public_key),
    }
    if keys.profile == CERTIFICATE:
        out["platform_serial"] = keys.platform_serial
        out["platform_certificate"] = merchant.platform_cert_pem
    return out


# file name -> what it holds, as WeChat's downloads name them
FILES = {
    "apiclient_key.pem": "merchant_private_key",
    "apiclient_cert.pem": "merchant_certificate",
    "pub_key.pem": "public_key",
    "wechatpay_platform_cert.pem": "platform_certificate",
}


def export(material: dict[str, Any], folder: str | Path) -> dict[str, str]:
    """Write a merchant's v3 material (from :func:`view`) as files an SDK loads; name -> path.

    The folder is made 0700 and the private key 0600. ``apiv3_key.txt`` and ``ids.txt`` carry the
    APIv3 key and the serials.
    """
    path = Path(folder)
    path.mkdir(parents=True, exist_ok=True)
    os.chmod(path, 0o700)
    written: dict[str, str] = {}
    texts = {name: material[key] for name, key in FILES.items() if key in material}
    texts["apiv3_key.txt"] = material["api_v3_key"] + "\n"
    texts["ids.txt"] = "".join(
        f"{key}={material[key]}\n" for key in ("merchant_serial", "platform_serial", "public_key_id") if key in material
    )
    for name, text in texts.items():
        target = path / name
        target.write_text(text, encoding="ascii")
        os.chmod(target, 0o600 if name in ("apiclient_key.pem", "apiv3_key.txt") else 0o644)
        written[name] = str(target.resolve())
    return written


def _load(merchant: Merchant) -> V3Keys:
    cert = x509.load_pem_x509_certificate(merchant.merchant_cert_pem.encode("ascii"))
    platform_cert = x509.load_pem_x509_certificate(merchant.platform_cert_pem.encode("ascii"))
    platform_key = load_private_key(merchant.platform_key_pem)
    public_key = load_private_key(merchant.public_key_pem)
    keys = V3Keys(
        mch_id=merchant.mch_id,
        api_v3_key=merchant.api_v3_key,
        profile=merchant.v3_profile,
        merchant_key=load_private_key(merchant.merchant_key_pem),
        merchant_certificate=cert,
        merchant_serial=serial_no(cert),
        merchant_public=cert.public_key(),  # type: ignore[arg-type]
        platform_key=platform_key,
        platform_certificate=platform_cert,
        platform_serial=serial_no(platform_cert),
        public_key=public_key,
        public_key_id=merchant.public_key_id,
    )
    keys.signers[merchant.public_key_id] = public_key
    if merchant.v3_profile == CERTIFICATE:  # a public-key-only merchant has no platform certificate to name
        keys.signers[keys.platform_serial] = platform_key
    return keys
