"""The control API of the network side (issue 13): the local CA and what the HTTPS front refused
(``/__mock__/tls``), each merchant's API client certificate (``/__mock__/tenants/{mch_id}/cert``) and
the notify routes (``/__mock__/notify/routes``)."""

from __future__ import annotations

import base64
import dataclasses
from pathlib import Path

from aiohttp import web
from cryptography import x509

from .. import tls
from ..config import ConfigError, updated_settings
from ..domain.models import Merchant
from ..pki import Pki
from . import render
from .control import read_json
from .errors import ControlError
from .guard import CA_PATH
from .keys import BACKEND, NETWORK

TLS_OFF = "HTTPS is off in this mock"
START_TLS = "start it with --tls [PORT] (or tls.port in the config file); --proxy turns it on too"


def _pki(request: web.Request) -> Pki:
    pki = request.app[NETWORK].pki
    if pki is None:
        raise ControlError(404, f"{TLS_OFF}: there is no local CA and no client certificate", hint=START_TLS)
    return pki


def _merchant(request: web.Request) -> Merchant:
    mch_id = request.match_info["mch_id"]
    merchant = request.app[BACKEND].state.merchants.get(mch_id)
    if merchant is None:
        raise ControlError(404, f"no merchant {mch_id!r}", hint="GET /__mock__/tenants lists them")
    return merchant


async def get_tls(request: web.Request) -> web.StreamResponse:
    """Where HTTPS and the proxy listen, the CA and how to trust it, and the handshakes refused lately."""
    network = request.app[NETWORK]
    settings = request.app[BACKEND].settings
    if network.pki is None:
        return render.json_body({"enabled": False, "hint": START_TLS})
    ca = str(network.pki.ca_file.resolve())
    return render.json_body(
        {
            "enabled": True,
            "https_url": network.https_url,
            "proxy_url": network.proxy_url or None,
            "proxy_passthrough": settings.proxy.passthrough,
            "ca_file": ca,
            "ca_url": CA_PATH,
            "server_names": sorted(network.pki.server_names()),
            "client_certificates": settings.tls.client_certificates,
            "trust": [line.strip() for line in tls.trust_lines(network.pki.ca_file, network.https_url)],
            "refused": [dataclasses.asdict(r) for r in reversed(network.refusals)],
        }
    )


async def get_ca(request: web.Request) -> web.StreamResponse:
    """The CA certificate as PEM (no token needed: it is public; its key never leaves the folder)."""
    pki = _pki(request)
    return web.Response(
        body=pki.ca_file.read_bytes(),
        content_type="application/x-pem-file",
        headers={"Content-Disposition": 'attachment; filename="mockwx-ca.pem"'},
    )


async def get_merchant_cert(request: web.Request) -> web.StreamResponse:
    """A merchant's API client certificate, key and .p12 (issued now if needed), as WeChat's download holds them."""
    pki = _pki(request)
    merchant = _merchant(request)
    files = tls.merchant_certificate(pki, request.app[BACKEND], merchant)
    certificate = x509.load_pem_x509_certificate(files.cert.read_bytes())
    described = tls.PeerCertificate.of(certificate)
    return render.json_body(
        {
            "mch_id": merchant.mch_id,
            "serial_no": described.serial_no,
            "subject": described.subject,
            "issuer": described.issuer,
            "not_after": certificate.not_valid_after_utc.isoformat(),
            "p12_password": merchant.mch_id,
            "apiclient_cert.pem": files.cert.read_text("ascii"),
            "apiclient_key.pem": files.key.read_text("ascii"),
            "apiclient_cert.p12": base64.b64encode(files.p12.read_bytes()).decode("ascii"),
            "files": {p.name: str(p.resolve()) for p in (files.cert, files.key, files.p12)},
        }
    )


async def export_merchant_cert(request: web.Request) -> web.StreamResponse:
    """Write a merchant's apiclient_cert.pem, apiclient_key.pem and apiclient_cert.p12 into ``folder``."""
    pki = _pki(request)
    merchant = _merchant(request)
    folder = (await read_json(request)).get("folder")
    if not isinstance(folder, str) or not folder or "\x00" in folder:
        raise ControlError(400, 'expected {"folder": "path/to/certs"}: where to write the three files')
    files = tls.merchant_certificate(pki, request.app[BACKEND], merchant)
    try:
        written = tls.copy_merchant_files(files, Path(folder))
    except OSError as exc:
        raise ControlError(400, f"cannot write into {folder}: {exc.strerror}") from None
    return render.json_body({"files": written}, status=201)


async def get_routes(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    return render.json_body(
        {"routes": backend.engine.router.view(), "verify_routes": backend.settings.notify.verify_routes}
    )


async def put_routes(request: web.Request) -> web.StreamResponse:
    """Replace the notify routes: ``{"routes": {"shop.example.com": "127.0.0.1:8000"}}`` (``{}`` removes them)."""
    backend = request.app[BACKEND]
    data = await read_json(request)
    if set(data) - {"routes", "verify_routes"} or not isinstance(data.get("routes"), dict):
        raise ControlError(
            400,
            'expected {"routes": {"shop.example.com": "127.0.0.1:8000"}} (and optionally "verify_routes": false)',
        )
    try:
        updated_settings(backend.settings, {"notify": data})
    except ConfigError as exc:
        raise ControlError(400, str(exc)) from None
    return await get_routes(request)


ROUTES = [
    ("GET", "/__mock__/tls", get_tls),
    ("GET", CA_PATH, get_ca),
    ("GET", "/__mock__/tenants/{mch_id}/cert", get_merchant_cert),
    ("POST", "/__mock__/tenants/{mch_id}/cert", export_merchant_cert),
    ("GET", "/__mock__/notify/routes", get_routes),
    ("PUT", "/__mock__/notify/routes", put_routes),
]
