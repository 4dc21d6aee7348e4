"""The local PKI (issue 13): real TLS handshakes on loopback with Python's ssl module, the folder's layout and
permissions, idempotence, and the .p12 as WeChat issues it (password = mch_id)."""

from __future__ import annotations

import asyncio
import base64
import ssl
import stat
import time

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12

from mockwx import pki as local_pki
from mockwx.wire import v3

from .wire.v3_support import needs_node, run_node

MCH_ID = "1900007291"
OTHER_MCH_ID = "1900000109"
NOW = time.time()


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return local_pki.ensure_pki(tmp_path_factory.mktemp("pki") / "tls", now=NOW, mch_ids=[MCH_ID, OTHER_MCH_ID])


def files(folder):
    return {p.relative_to(folder): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_layout_and_permissions(pki):
    assert stat.S_IMODE(pki.folder.stat().st_mode) == 0o700
    merchant = pki.merchant_files(MCH_ID)
    for private in (pki.folder / "ca.key", pki.server_key_file, merchant.key, merchant.p12):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    assert stat.S_IMODE(merchant.cert.parent.stat().st_mode) == 0o700
    assert merchant.cert.name == "apiclient_cert.pem" and merchant.key.name == "apiclient_key.pem"
    assert merchant.key.read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_ca_is_a_ten_year_ca(pki):
    ca = pki.ca.certificate
    assert ca.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert isinstance(pki.ca.key, ec.EllipticCurvePrivateKey)
    years = (ca.not_valid_after_utc - ca.not_valid_before_utc).days / 365
    assert 9.9 < years < 10.1 and ca.not_valid_before_utc.timestamp() < NOW


def test_server_certificate_covers_wechats_hosts(pki):
    chain = x509.load_pem_x509_certificates(pki.server_cert_file.read_bytes())
    assert chain[1] == pki.ca.certificate  # server.pem carries the chain
    chain[0].verify_directly_issued_by(pki.ca.certificate)
    assert pki.server_names() == set(local_pki.SERVER_NAMES)


def test_merchant_certificate_is_a_v3_api_certificate(pki):
    certificate = x509.load_pem_x509_certificate(pki.merchant_files(MCH_ID).cert.read_bytes())
    certificate.verify_directly_issued_by(pki.ca.certificate)
    assert f"CN={MCH_ID}" in certificate.subject.rfc4514_string()
    assert len(v3.serial_no(certificate)) == 40
    key = pki.merchant_key(MCH_ID)
    signed = v3.request_message("GET", "/v3/certificates", "1", "n")
    assert v3.rsa_verify(signed, v3.rsa_sign(signed, key), certificate.public_key())  # the key signs v3 requests


def test_p12_opens_with_the_mch_id(pki):
    data = pki.merchant_files(MCH_ID).p12.read_bytes()
    key, certificate, extra = pkcs12.load_key_and_certificates(data, MCH_ID.encode())
    assert certificate == x509.load_pem_x509_certificate(pki.merchant_files(MCH_ID).cert.read_bytes())
    assert key.private_numbers() == pki.merchant_key(MCH_ID).private_numbers()
    assert extra == [pki.ca.certificate]
    with pytest.raises(ValueError):
        pkcs12.load_key_and_certificates(data, b"wrong")


@needs_node
def test_node_loads_the_p12(pki):
    script = """
let input = ''; process.stdin.on('data', (d) => (input += d)).on('end', () => {
  const p = JSON.parse(input);
  require('tls').createSecureContext({ pfx: Buffer.from(p.pfx, 'base64'), passphrase: p.password });
  let wrong = 'accepted';
  try { require('tls').createSecureContext({ pfx: Buffer.from(p.pfx, 'base64'), passphrase: 'x' }); }
  catch (e) { wrong = 'refused'; }
  console.log(JSON.stringify({ ok: true, wrong }));
});
"""
    pfx = base64.b64encode(pki.merchant_files(MCH_ID).p12.read_bytes()).decode()
    assert run_node(script, {"pfx": pfx, "password": MCH_ID}) == {"ok": True, "wrong": "refused"}


def test_idempotent_and_completed_not_replaced(pki):
    before = files(pki.folder)
    again = local_pki.ensure_pki(pki.folder, now=NOW, mch_ids=[MCH_ID])
    assert files(pki.folder) == before and again.ca.certificate == pki.ca.certificate
    local_pki.ensure_pki(pki.folder, now=NOW, mch_ids=[MCH_ID, "1230000109"], extra_names=["pay.test"])
    after = files(pki.folder)
    assert after[pki.ca_file.relative_to(pki.folder)] == before[pki.ca_file.relative_to(pki.folder)]
    assert pki.server_names() == {*local_pki.SERVER_NAMES, "pay.test"}  # reissued for the new name
    key = pki.merchant_files(MCH_ID).cert.relative_to(pki.folder)
    assert after[key] == before[key]
    assert pki.merchant_files("1230000109").p12.exists()


def test_renewed_when_close_to_expiry(tmp_path):
    first = local_pki.ensure_pki(tmp_path, now=NOW)
    server = first.server_cert_file.read_bytes()
    later = NOW + (local_pki.SERVER_DAYS - 10) * 86400
    local_pki.ensure_pki(tmp_path, now=later)
    assert first.server_cert_file.read_bytes() != server
    assert local_pki.load_pki(tmp_path).ca.certificate == first.ca.certificate


def test_merchant_certificate_for_a_given_key(pki):
    key = v3.new_private_key()
    issued = pki.ensure_merchant("1230000110", NOW, key)
    assert x509.load_pem_x509_certificate(issued.cert.read_bytes()).public_key() == key.public_key()
    before = issued.cert.read_bytes()
    assert pki.ensure_merchant("1230000110", NOW, key).cert.read_bytes() == before
    with pytest.raises(ValueError, match="digits"):
        pki.ensure_merchant("../etc", NOW)


def test_load_pki_needs_a_pki(tmp_path):
    with pytest.raises(FileNotFoundError):
        local_pki.load_pki(tmp_path)


async def serve(context: ssl.SSLContext):
    """A TLS echo server on loopback that answers with the mch_id of the client certificate it verified."""
    seen: list[str | None] = []

    async def handle(reader, writer):
        mch_id = local_pki.peer_mch_id(writer.get_extra_info("peercert"))
        seen.append(mch_id)
        writer.write((mch_id or "-").encode())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, ssl=context)
    return server, server.sockets[0].getsockname()[1], seen


async def talk(port: int, context: ssl.SSLContext, name: str) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port, ssl=context, server_hostname=name)
    try:
        return await asyncio.wait_for(reader.read(100), 5)
    finally:
        writer.close()


async def test_handshake_for_every_name_with_the_client_certificate_read_back(pki):
    server, port, seen = await serve(pki.server_context(ssl.CERT_REQUIRED))
    async with server:
        for name in local_pki.SERVER_NAMES:
            assert await talk(port, pki.client_context(MCH_ID), name) == MCH_ID.encode(), name
        assert await talk(port, pki.client_context(OTHER_MCH_ID), "api.mch.weixin.qq.com") == OTHER_MCH_ID.encode()
    assert seen == [MCH_ID] * len(local_pki.SERVER_NAMES) + [OTHER_MCH_ID]


async def test_hostname_check_refuses_other_names(pki):
    server, port, _ = await serve(pki.server_context())
    async with server:
        with pytest.raises(ssl.SSLCertVerificationError, match="match|mismatch"):
            await talk(port, pki.client_context(), "api.mch.weixin.qq.com.evil.test")
        with pytest.raises(ssl.SSLCertVerificationError):
            await talk(port, ssl.create_default_context(), "localhost")  # the CA is not trusted by default


async def test_client_certificates_optional_required_and_foreign(pki, tmp_path):
    server, port, seen = await serve(pki.server_context(ssl.CERT_OPTIONAL))
    async with server:
        assert await talk(port, pki.client_context(), "localhost") == b"-"  # no certificate: the app decides
    assert seen == [None]

    foreign = local_pki.ensure_pki(tmp_path / "other", now=NOW, mch_ids=[MCH_ID])
    context = pki.client_context()
    context.load_cert_chain(foreign.merchant_files(MCH_ID).cert, foreign.merchant_files(MCH_ID).key)
    server, port, seen = await serve(pki.server_context(ssl.CERT_REQUIRED))
    async with server:
        for client_context in (pki.client_context(), context):  # none, then one another CA issued
            with pytest.raises((ssl.SSLError, ConnectionError)):
                if not await talk(port, client_context, "localhost"):
                    raise ConnectionError("closed without an answer")
    assert seen == []
