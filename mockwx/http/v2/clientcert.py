"""/secapi/ over HTTPS needs the merchant's API client certificate (protocol/v2.md 2.2, 6.3), answered as
WeChat answers (tls.client_certificates: secapi, the default; ``off`` skips the check; plain HTTP never
has one, so there it stays off).

- no certificate: WeChat's nginx answers before the API sees the call, HTTP 400 with its page
  "No required SSL certificate was sent" (zwczou/weixin-python #88);
- another merchant's certificate (CN = another mch_id): return_code FAIL ``certificate not match``
  (supersheep/wechat-pay #43);
- a certificate the local CA did not issue never gets this far: the handshake refuses it
  (mockwx.http.https; WeChat's nginx answers 400 "The SSL certificate error" instead, which Python's
  ssl module cannot do).
"""

from __future__ import annotations

from aiohttp import web

from ...tls import PeerCertificate
from ..endpoint import Call
from ..https import nginx_page
from ..keys import NETWORK
from ..render import hint_headers, origin, problem_headers
from .errors import ReturnFail

KIND = "CLIENT_CERT"
NO_CERTIFICATE = "No required SSL certificate was sent"
NOT_MATCH = "certificate not match"


def _needed(call: Call) -> bool:
    request = call.request
    return "/secapi/" in request.path and request.secure and call.backend.settings.tls.client_certificates == "secapi"


def _where(call: Call, mch_id: str) -> str:
    pki = call.request.app[NETWORK].pki
    folder = f"{pki.merchant_files(mch_id).cert.parent}/ or " if pki is not None and mch_id else ""
    return (
        f"the merchant's apiclient_cert.pem and apiclient_key.pem (or apiclient_cert.p12, password = mch_id) from"
        f" {folder}keys/<mch_id>/ beside the state file, or GET /__mock__/tenants/{mch_id or '<mch_id>'}/cert"
    )


def presented(call: Call) -> PeerCertificate | None:
    """The client certificate of a /secapi/ call over HTTPS (None when none is needed); without one, nginx's 400."""
    if not _needed(call):
        return None
    ssl_object = call.request.transport.get_extra_info("ssl_object") if call.request.transport else None
    der = ssl_object.getpeercert(binary_form=True) if ssl_object is not None else None
    if der:
        return PeerCertificate.of(der)
    hint = f"/secapi/ over HTTPS needs the merchant's API client certificate; none arrived. Present {_where(call, '')}"
    entry = call.entry
    entry.outcome, entry.problem = NO_CERTIFICATE, KIND
    entry.error = {"kind": KIND, "status": 400, "hint": hint}
    headers = {**hint_headers(hint), **problem_headers(origin(call.request), entry.id), "Server": "nginx"}
    raise web.HTTPBadRequest(text=nginx_page(NO_CERTIFICATE), content_type="text/html", headers=headers)


def check_owner(call: Call, certificate: PeerCertificate | None, fields: dict[str, str]) -> None:
    """A certificate of another merchant than the request's mch_id: ``certificate not match``."""
    mch_id = fields.get("mch_id", "")
    if certificate is None or not mch_id or certificate.mch_id == mch_id:
        return
    raise ReturnFail(
        KIND,
        return_msg=NOT_MATCH,
        hint=f"the client certificate is merchant {certificate.mch_id}'s (serial_no {certificate.serial_no},"
        f" {certificate.subject}) but the request is for mch_id {mch_id}: present {_where(call, mch_id)}",
    )
