"""The control API under ``/__mock__/``: JSON in, JSON out, 4xx with a message that says what was
wrong. Tests, scenarios, the pytest plugin and the CLI all drive the mock through it.
"""

from __future__ import annotations

import dataclasses
import json
import math
from typing import Any

from aiohttp import web

from .. import views
from ..config import LATEST, ConfigError, updated_settings
from ..domain.errors import DomainError, number_in
from ..faults import VARIANTS
from ..persist import StorageError
from ..wire import SIGN_TYPES, canonical_string, sign
from . import client, render
from .errors import ControlError
from .keys import BACKEND, ENTRY

MAX_WAIT = 60.0
MAX_COPIES = 1000
SEND_VARIANTS = ("normal", "duplicate", *VARIANTS)
MAX_ADVANCE = 10 * 365 * 24 * 3600


async def read_json(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.read()
    if not raw.strip():
        if required:
            raise ControlError(400, "this call needs a JSON object body")
        return {}
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(400, f"the body is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ControlError(400, f"the body must be a JSON object, not {type(data).__name__}")
    try:  # "\ud800" is valid JSON but no text: refuse it before it is stored anywhere
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ControlError(400, "the body holds a lone surrogate (\\ud800-\\udfff): send valid Unicode text") from None
    return data


def _handler(fn):
    """Render ControlError (and the domain errors a call runs into) as its JSON 4xx answer."""

    async def wrapped(request: web.Request) -> web.StreamResponse:
        entry = request[ENTRY]
        if request.method != "GET":  # a change to the mock is journaled (reads are not: pages poll them)
            entry.api = "control"
        try:
            response = await fn(request)
            await request.app[BACKEND].state.commit()  # answer only what is stored
            entry.outcome = entry.outcome or "ok"
            return response
        except ControlError as error:
            failed = error
        except DomainError as error:
            failed = ControlError.of(error)
        except StorageError as exc:
            failed = ControlError(
                503,
                f"the change could not be stored, so it was undone: {exc}",
                hint="free some disk space (or fix the state file) and send the same call again",
            )
        entry.outcome = entry.outcome or f"refused {failed.status}"
        entry.error = entry.error or {"kind": "CONTROL", "hint": failed.message}
        return render.control_error(failed)

    return wrapped


# -- overview, tenants, reset ------------------------------------------------------------------


async def index(request: web.Request) -> web.StreamResponse:
    endpoints = [f"{method} {path}" for method, path, _ in ROUTES if path != "/__mock__/"]
    return render.json_body(views.overview(request.app[BACKEND], str(request.url.origin()), endpoints))


async def health(request: web.Request) -> web.StreamResponse:
    """200 while the mock can store what it acknowledges; 503 (with what happened) when it cannot."""
    state = request.app[BACKEND].state.health()
    return render.json_body({"ok": state["ok"], "state": state}, status=200 if state["ok"] else 503)


async def get_tenants(request: web.Request) -> web.StreamResponse:
    return render.json_body(request.app[BACKEND].tenants.describe())


async def post_tenants(request: web.Request) -> web.StreamResponse:
    added = request.app[BACKEND].tenants.add(await read_json(request))
    return render.json_body({"added": added}, status=201)


async def get_settings(request: web.Request) -> web.StreamResponse:
    return render.json_body(dataclasses.asdict(request.app[BACKEND].settings))


async def patch_settings(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    data = await read_json(request)
    try:
        updated_settings(backend.settings, data)
    except ConfigError as exc:
        raise ControlError(400, str(exc)) from None
    return render.json_body(dataclasses.asdict(backend.settings))


async def reset(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    await backend.reset()
    return render.json_body({"reset": True, "state": backend.state.counts()})


# -- login ---------------------------------------------------------------------------------------


async def mint_login(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    request[ENTRY].api = "login"  # the mini program's wx.login
    data = await read_json(request)
    request[ENTRY].fields = data
    appid = data.get("appid") or next(iter(backend.state.apps), "")
    user = data.get("user")
    if not isinstance(appid, str) or not isinstance(user, str):
        raise ControlError(400, 'expected {"appid": "wx...", "user": "alice"} (appid defaults to the first app)')
    code, account = backend.login.mint_code(appid, user)
    return render.json_body(
        {
            "code": code.code,
            "appid": appid,
            "user": user,
            "openid": account.openid,
            "unionid": account.unionid or None,
            "expires_in": backend.settings.login.code_ttl,
        },
        status=201,
    )


# -- the journal -------------------------------------------------------------------------------


async def requests(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    q = request.query
    try:
        since, limit = int(q.get("since", 0)), int(q.get("limit", 100))
    except ValueError:
        since = limit = -1
    if since < 0 or limit < 0:
        raise ControlError(400, "since and limit must be integers >= 0 (limit 0: all)")
    problems = q.get("problems", "") in ("1", "true", "yes") or request.path.endswith("/problems")
    entries = backend.journal.query(api=q.get("api", ""), problems_only=problems, since=since, limit=limit)
    return render.json_body({"requests": [e.to_dict() for e in entries]})


# -- faults ---------------------------------------------------------------------------------------


async def list_faults(request: web.Request) -> web.StreamResponse:
    return render.json_body({"faults": [f.to_dict() for f in request.app[BACKEND].faults.all()]})


async def add_fault(request: web.Request) -> web.StreamResponse:
    fault = request.app[BACKEND].faults.add(await read_json(request))
    return render.json_body(fault.to_dict(), status=201)


async def delete_fault(request: web.Request) -> web.StreamResponse:
    faults = request.app[BACKEND].faults
    raw = request.match_info.get("id")
    if raw is None:
        faults.clear()
        return render.json_body({"deleted": "all"})
    if not (raw.isascii() and raw.isdigit()) or not faults.remove(int(raw)):
        raise ControlError(404, f"no fault {raw!r}")
    return render.json_body({"deleted": int(raw)})


# -- teaching ---------------------------------------------------------------------------------


async def sign_fields(request: web.Request) -> web.StreamResponse:
    data = await read_json(request)
    fields, key, sign_type = data.get("fields"), data.get("key"), data.get("sign_type", "MD5")
    if not isinstance(fields, dict) or not isinstance(key, str) or sign_type not in SIGN_TYPES:
        raise ControlError(400, 'expected {"fields": {...}, "key": "<API key>", "sign_type": "MD5" | "HMAC-SHA256"}')
    fields = {str(k): "" if v is None else str(v) for k, v in fields.items()}
    return render.json_body(
        {"string": canonical_string(fields, key), "sign": sign(fields, key, sign_type), "sign_type": sign_type}
    )


# -- the user pays, orders, the clock, notifications -------------------------------------------


async def pay(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    entry = request[ENTRY]
    entry.api = "pay"
    data = await read_json(request)
    entry.fields = data
    return client.answer(backend, entry, data, origin=render.origin(request))


async def list_orders(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    wanted = {k: request.query[k] for k in ("mch_id", "env", "appid", "trade_state") if k in request.query}
    summaries = [views.order_summary(backend, o) for o in backend.state.orders.values()]
    return render.json_body({"orders": [o for o in summaries if all(o[k] == v for k, v in wanted.items())]})


async def get_order(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    q = request.query
    order = backend.checkout.order_numbered(request.match_info["out_trade_no"], q.get("mch_id"), q.get("env"))
    return render.json_body(views.order_view(backend, order))


async def get_clock(request: web.Request) -> web.StreamResponse:
    return render.json_body(views.clock_view(request.app[BACKEND]))


async def advance_clock(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    if backend.clock.kind != "virtual":
        raise ControlError(
            409, "the clock is real; only a virtual clock can be advanced", hint="start with --clock virtual"
        )
    seconds = number_in(await read_json(request), "seconds", 0, MAX_ADVANCE)
    if backend.clock.now() + seconds > LATEST:
        raise ControlError(400, "the virtual clock cannot go that far: time formats end in the year 9999")
    await backend.advance(seconds)
    return render.json_body(views.clock_view(backend))


async def list_notifications(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    picked = views.matching_notifications(backend, request.query)
    return render.json_body({"notifications": [n.to_view() for n in picked]})


async def get_notification(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    notification = backend.state.notifications.get(request.match_info["id"])
    if notification is None:
        raise ControlError(404, f"no notification {request.match_info['id']!r}")
    return render.json_body(notification.to_view())


async def resend(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    attempt = await backend.engine.resend(request.match_info["id"])
    notification = backend.state.notifications[request.match_info["id"]]
    return render.json_body({"attempt": attempt.to_dict(), "notification": notification.to_view()})


async def send_notification(request: web.Request) -> web.StreamResponse:
    """Extra (possibly broken) copies of a paid order's or refund's notification now, or a raw body."""
    backend = request.app[BACKEND]
    data = await read_json(request)
    copies = data.get("copies", 1)
    if not isinstance(copies, int) or isinstance(copies, bool) or not 1 <= copies <= MAX_COPIES:
        raise ControlError(400, f"copies must be an integer from 1 to {MAX_COPIES}")
    if "body" in data:
        url, body = data.get("url"), data["body"]
        if not isinstance(url, str) or not isinstance(body, str):
            raise ControlError(400, 'a raw notification is {"url": "http://...", "body": "<xml>...</xml>"}')
        sent = backend.notices.send_raw(url, body.encode("utf-8"), copies)
    else:
        variant, number, refund_no = data.get("variant", "normal"), data.get("out_trade_no"), data.get("out_refund_no")
        if variant not in SEND_VARIANTS:
            raise ControlError(400, f"variant must be one of {', '.join(SEND_VARIANTS)}")
        if not isinstance(number, str) or not isinstance(refund_no, (str, type(None))):
            raise ControlError(400, "say which paid order: out_trade_no (and mch_id / env when ambiguous)")
        where = {k: str(data[k]) for k in ("mch_id", "env") if k in data}
        order = backend.checkout.order_numbered(number, where.get("mch_id"), where.get("env"))
        sent = backend.notices.send_copies(order, variant, copies, refund_no or "")
    return render.json_body({"notifications": [n.to_view() for n in sent]}, status=201)


async def wait_notification(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    q = request.query
    try:
        timeout = float(q.get("timeout", 5))
        attempts = int(q["attempts"]) if "attempts" in q else 0
    except ValueError:
        timeout = math.nan
    if not (0 <= timeout <= MAX_WAIT and 0 <= attempts <= 10_000):
        raise ControlError(400, f"timeout must be 0 to {MAX_WAIT:g} seconds and attempts a count")
    status = q.get("status", "")
    if status and status not in views.NOTIFY_STATUSES:
        raise ControlError(400, f"status must be one of {', '.join(views.NOTIFY_STATUSES)}")

    def matched() -> list[Any]:
        return [
            n
            for n in views.matching_notifications(backend, q, ignore=("status",))
            if (not status or n.status == status)
            and len(n.attempts) >= attempts
            and not any(a.verdict == "in_flight" for a in n.attempts)
        ]

    await backend.engine.wait_for(lambda: bool(matched()), timeout)
    found = matched()
    if not found:
        seen = views.matching_notifications(backend, q, ignore=("status",))
        return render.json_body(
            {
                "error": f"timed out after {timeout:g}s waiting for a notification"
                + (f" with status {status}" if status else "")
                + (f" and {attempts} attempts" if attempts else ""),
                "notifications": [n.to_view() for n in seen],
            },
            status=408,
        )
    return render.json_body({"notification": found[0].to_view()})


ROUTES = [
    ("GET", "/__mock__", index),
    ("GET", "/__mock__/", index),
    ("GET", "/__mock__/health", health),
    ("GET", "/__mock__/tenants", get_tenants),
    ("POST", "/__mock__/tenants", post_tenants),
    ("POST", "/__mock__/reset", reset),
    ("GET", "/__mock__/settings", get_settings),
    ("PATCH", "/__mock__/settings", patch_settings),
    ("POST", "/__mock__/login", mint_login),
    ("GET", "/__mock__/requests", requests),
    ("GET", "/__mock__/problems", requests),
    ("GET", "/__mock__/faults", list_faults),
    ("POST", "/__mock__/faults", add_fault),
    ("DELETE", "/__mock__/faults", delete_fault),
    ("DELETE", "/__mock__/faults/{id}", delete_fault),
    ("POST", "/__mock__/sign", sign_fields),
    ("POST", "/__mock__/pay", pay),
    ("GET", "/__mock__/orders", list_orders),
    ("GET", "/__mock__/orders/{out_trade_no}", get_order),
    ("GET", "/__mock__/clock", get_clock),
    ("POST", "/__mock__/clock/advance", advance_clock),
    ("GET", "/__mock__/notifications", list_notifications),
    ("GET", "/__mock__/notifications/wait", wait_notification),
    ("POST", "/__mock__/notify", send_notification),
    ("GET", "/__mock__/notifications/{id}", get_notification),
    ("POST", "/__mock__/notifications/{id}/resend", resend),
]


def add_routes(app: web.Application) -> None:
    for method, path, fn in ROUTES:
        app.router.add_route(method, path, _handler(fn))
