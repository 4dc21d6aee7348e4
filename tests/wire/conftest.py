"""Keys and certificates the v3 wire tests share: RSA-2048 generation is slow, so once per session."""

from __future__ import annotations

import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from wechatpayv3.core import Core

from mockwx.wire import v3

from .v3_support import API_V3_KEY, MCHID, PUBLIC_KEY_ID


@pytest.fixture(scope="session")
def merchant_key() -> rsa.RSAPrivateKey:
    return v3.new_private_key()


@pytest.fixture(scope="session")
def platform_key() -> rsa.RSAPrivateKey:
    return v3.new_private_key()


@pytest.fixture(scope="session")
def stranger_key() -> rsa.RSAPrivateKey:
    """Someone else's key: another merchant's, or an old certificate's."""
    return v3.new_private_key()


@pytest.fixture(scope="session")
def merchant_cert(merchant_key) -> x509.Certificate:
    return v3.merchant_certificate(merchant_key, MCHID, now=time.time())


@pytest.fixture(scope="session")
def platform_cert(platform_key) -> x509.Certificate:
    return v3.platform_certificate(platform_key, now=time.time())


@pytest.fixture(scope="session")
def public_key_core(merchant_key, platform_key) -> Core:
    """wechatpayv3's Core in public-key mode (no network at construction), trusting the platform key."""
    return Core(
        MCHID,
        "SERIAL",
        v3.private_key_pem(merchant_key),
        API_V3_KEY,
        public_key=v3.public_key_pem(platform_key),
        public_key_id=PUBLIC_KEY_ID,
    )
