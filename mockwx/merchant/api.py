"""The merchant's HTTP routes: parse and validate the request, call a service, render JSON (or WeChat XML).

Errors are JSON ``{"error": "<what was wrong, what to do>", "code": "<SHORT_CODE>"}``; the
middleware turns anything unexpected into a 500 ``internal error`` with the traceback only in
the log. No business rule lives here.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from mockwx.wire import render_xml

from . import notify_v3
from .checkout import MAX_QUANTITY
from .errors import ApiError, bad_request
from .notify import Verdict
from .pay_v3 import V3Gateway
from .refunds import MAX_REASON, OUT_REFUND_NO
from .services import SERVICES, Services

log = logging.getLogger("merchant.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

_TRADE_NO = re.compile(r"[0-9A-Za-z_\-|*@]{6,32}")
_CODE = re.compile(r"[\x21-\x7e]{1,128}")  # a wx.login code: printable ASCII, no spaces
_PRODUCT_ID = re.compile(r"[A-Za-z0-9_-]{1,32}")
_OPEN_DATA = re.compile(r"[\s\S]{1,8192}")  # rawData, signature, encryptedData, iv: checked by what they prove
_PROFILE_PARTS = (
    ("rawData", "wx.getUserProfile's rawData"),
    ("signature", "its signature"),
    ("encryptedData", "its encryptedData"),
    ("iv", "its iv"),
)

HTTP_CODES = {
    404: ("NOT_FOUND", "no such endpoint: {method} {path} (see merchant/README.md for the API)"),
    405: ("METHOD_NOT_ALLOWED", "{method} is not allowed on {path}"),
    413: ("BODY_TOO_LARGE", "the request body is too large"),
}


# -- rendering ------------------------------------------------------------------------------------


def _json(data: Any, status: int = 200) -> web.Response:
    return web.json_response(data, status=status, dumps=lambda d: json.dumps(d, ensure_ascii=False))


def _xml_reply(verdict: Verdict) -> web.Response:
    fields = {"return_code": "SUCCESS" if verdict.ok else "FAIL", "return_msg": verdict.reason}
    return web.Response(body=render_xml(fields), content_type="text/xml", charset="utf-8")


@web.middleware
async def error_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error as JSON; a bug becomes a 500 with its traceback in the log, never in the answer."""
    try:
        return await handler(request)
    except ApiError as error:
        headers = {"WWW-Authenticate": "Bearer"} if error.status == 401 else None
        return web.json_response(error.to_json(), status=error.status, headers=headers)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        code, message = HTTP_CODES.get(exc.status, ("HTTP_ERROR", exc.reason))
        text = message.format(method=request.method, path=request.path)
        return web.json_response({"error": text, "code": code}, status=exc.status)
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("internal error in %s %s", request.method, request.path)
        return web.json_response({"error": "internal error", "code": "INTERNAL"}, status=500)


# -- parsing --------------------------------------------------------------------------------------


async def _body(request: web.Request) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        raise bad_request("BAD_JSON", "this call needs a JSON object body")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("BAD_JSON", f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise bad_request("BAD_JSON", f"the body must be a JSON object, not a {type(data).__name__}")
    return data


def _string(data: dict[str, Any], name: str, pattern: re.Pattern[str], what: str) -> str:
    value = data.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise bad_request(f"BAD_{name.upper()}", f"{name} must be {what}, got {_shown(value)}")
    return value


def _int(data: dict[str, Any], name: str, low: int, high: int) -> int:
    value = data.get(name)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad_request(
            f"BAD_{name.upper()}", f"{name} must be a whole number from {low} to {high}, got {_shown(value)}"
        )
    return value


def _shown(value: Any) -> str:
    if value is None:
        return "nothing"
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 40 else text[:40] + "..."


def _trade_no(request: web.Request) -> str:
    number = request.match_info["out_trade_no"]
    if not _TRADE_NO.fullmatch(number):
        raise bad_request("BAD_OUT_TRADE_NO", "out_trade_no must be 6-32 letters, digits or _-|*@")
    return number


def _services(request: web.Request) -> Services:
    return request.app[SERVICES]


# -- the mini program's API -----------------------------------------------------------------------


async def login(request: web.Request) -> web.StreamResponse:
    code = _string(await _body(request), "code", _CODE, "the code wx.login() gave the mini program")
    issued = await _services(request).auth.login(code)
    return _json({"token": issued.token, "expires_in": issued.expires_in, "expires_at": issued.expires_at})


async def products(request: web.Request) -> web.StreamResponse:
    catalogue = _services(request).checkout.products()
    return _json({"products": [{"id": p.id, "name": p.name, "price_fen": p.price_fen} for p in catalogue]})


async def place_order(request: web.Request) -> web.StreamResponse:
    s = _services(request)
    session = await s.auth.user(request.headers.get("Authorization"))
    data = await _body(request)  # anything else the client sends (a price, money, total_fee) is ignored
    product_id = _string(data, "product_id", _PRODUCT_ID, "a product id from GET /api/products")
    quantity = _int(data, "quantity", 1, MAX_QUANTITY)
    params = await s.checkout.place(session, product_id, quantity)
    return _json(params.to_json(), status=201)


async def get_order(request: web.Request) -> web.StreamResponse:
    s = _services(request)
    session = await s.auth.user(request.headers.get("Authorization"))
    view = await s.checkout.view(session, _trade_no(request))
    return _json(view.to_json())


async def pay_order(request: web.Request) -> web.StreamResponse:
    s = _services(request)
    session = await s.auth.user(request.headers.get("Authorization"))
    params = await s.checkout.pay(session, _trade_no(request))
    return _json(params.to_json())


async def profile(request: web.Request) -> web.StreamResponse:
    """The user's profile, believed only as far as the session_key proves it (the client's userInfo is ignored)."""
    s = _services(request)
    session = await s.auth.user(request.headers.get("Authorization"))
    data = await _body(request)
    fields = [_string(data, name, _OPEN_DATA, what) for name, what in _PROFILE_PARTS]
    return _json(s.userdata.profile(session, *fields))


async def phone(request: web.Request) -> web.StreamResponse:
    """The phone number: ``{"code"}`` from the getPhoneNumber button, or its older ``{"encryptedData", "iv"}``."""
    s = _services(request)
    session = await s.auth.user(request.headers.get("Authorization"))
    data = await _body(request)
    if "code" in data:
        return _json(await s.userdata.phone_from_code(_string(data, "code", _CODE, "the button's e.detail.code")))
    encrypted = _string(data, "encryptedData", _OPEN_DATA, "the button's e.detail.encryptedData")
    return _json(s.userdata.phone_from_encrypted(session, encrypted, _string(data, "iv", _OPEN_DATA, "its iv")))


# -- the operator's API ---------------------------------------------------------------------------


async def refund_order(request: web.Request) -> web.StreamResponse:
    s = _services(request)
    s.auth.operator(request.headers.get("Authorization"))
    number = _trade_no(request)
    data = await _body(request)
    amount = _int(data, "amount_fen", 1, 10**12) if "amount_fen" in data else None
    reason = data.get("reason", "")
    if not isinstance(reason, str) or len(reason) > MAX_REASON:
        raise bad_request("BAD_REASON", f"reason must be a string of at most {MAX_REASON} characters")
    out_refund_no = None
    if "out_refund_no" in data:
        out_refund_no = _string(data, "out_refund_no", OUT_REFUND_NO, "6-64 letters, digits or _-|*@ (to retry)")
    refund = await s.refunds.request(number, amount, reason, out_refund_no)
    return _json({"refund": refund.to_json()}, status=202)


async def reconcile(request: web.Request) -> web.StreamResponse:
    s = _services(request)
    s.auth.operator(request.headers.get("Authorization"))
    return _json((await s.reconciler.sweep()).to_json())


# -- WeChat's notifications -----------------------------------------------------------------------


async def _notify_body(request: web.Request) -> bytes | None:
    try:
        return await request.read()
    except web.HTTPRequestEntityTooLarge:
        return None


def _v3_reply(verdict: Verdict) -> web.Response:
    """API v3 wants 200 or 204 for "received", 4xx/5xx with code FAIL otherwise (protocol/v3.md 7.3)."""
    if verdict.ok:
        return web.Response(status=204)
    return _json({"code": "FAIL", "message": verdict.reason[:64]}, status=verdict.status)


async def _notification(request: web.Request, kind: str) -> web.StreamResponse:
    """A payment or refund notification, read in the configured API's dialect and answered in it."""
    s = _services(request)
    body = await _notify_body(request)
    if isinstance(s.gateway, V3Gateway):
        verdict = Verdict(False, "body too large", 413)
        if body is not None:
            read = notify_v3.payment if kind == "payment" else notify_v3.refund
            verdict = await read(s.notifications, s.gateway, request.headers, body)
        return _v3_reply(verdict)
    verdict = Verdict(False, "body too large")
    if body is not None:
        verdict = await (s.notifications.payment if kind == "payment" else s.notifications.refund)(body)
    return _xml_reply(verdict)


async def payment_notify(request: web.Request) -> web.StreamResponse:
    return await _notification(request, "payment")


async def refund_notify(request: web.Request) -> web.StreamResponse:
    return await _notification(request, "refund")


async def health(request: web.Request) -> web.StreamResponse:
    return _json({"ok": True})


def add_routes(app: web.Application) -> None:
    app.router.add_post("/api/login", login)
    app.router.add_get("/api/products", products)
    app.router.add_post("/api/orders", place_order)
    app.router.add_get("/api/orders/{out_trade_no}", get_order)
    app.router.add_post("/api/orders/{out_trade_no}/pay", pay_order)
    app.router.add_post("/api/orders/{out_trade_no}/refund", refund_order)
    app.router.add_post("/api/profile", profile)
    app.router.add_post("/api/phone", phone)
    app.router.add_post("/ops/reconcile", reconcile)
    app.router.add_post("/wxpay/notify", payment_notify)
    app.router.add_post("/wxpay/refund-notify", refund_notify)
    app.router.add_get("/healthz", health)
