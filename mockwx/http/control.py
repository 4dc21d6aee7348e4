"""The control API under ``/__mock__/``: JSON in, JSON out, 4xx with a message that says what was
wrong. Tests, scenarios, the pytest plugin and the CLI all drive the mock through it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from aiohttp import web

from .. import views
from ..backend import Backend
from ..config import LATEST, ConfigError, updated_settings
from ..doctor import LANGS, Finding, KeyCandidate, view_of
from ..doctor.teach import Reading, lesson_keys, read_pasted, teach
from ..domain.errors import DomainError, number_in
from ..domain.models import PROD, Notification
from ..faults import VARIANTS
from ..journal import MAX_PAGE
from ..notify.waiters import Wanted
from ..persist import StorageError
from ..services import keys
from ..wire import SIGN_TYPES
from . import client, render
from .errors import ControlError
from .keys import BACKEND, ENTRY

MAX_WAIT = 60.0
MAX_COPIES = 1000
MAX_RAW_BYTES = 16 * 1024 * 1024  # raw notification bodies one call may queue (each copy is kept)
SEND_VARIANTS = ("normal", "duplicate", *VARIANTS)
MAX_ADVANCE = 10 * 365 * 24 * 3600


MAX_JSON_DEPTH = 16  # the deepest a control call needs is 3 (tenants, settings); RecursionError starts near 1000


async def read_json(request: web.Request, *, required: bool = True) -> dict[str, Any]:
    """The body as a JSON object, or ControlError (4xx) for anything else, bombs included."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        limit = request.app[BACKEND].settings.max_body_bytes
        raise ControlError(413, f"the body is over {limit} bytes, the most the mock takes (max_body_bytes)") from None
    if not raw.strip():
        if required:
            raise ControlError(400, "this call needs a JSON object body")
        return {}
    try:
        data = json.loads(raw, parse_constant=_no_constant, parse_float=_finite)
    except RecursionError:
        data = None  # nested far too deep even to parse: the check below explains
    except (ValueError, UnicodeDecodeError) as exc:
        raise ControlError(400, f"the body is not valid JSON: {exc}") from None
    if data is None or _too_deep(data):
        raise ControlError(400, f"the JSON is nested too deeply: control calls nest at most {MAX_JSON_DEPTH} levels")
    if not isinstance(data, dict):
        raise ControlError(400, f"the body must be a JSON object, not {type(data).__name__}")
    try:  # "\ud800" is valid JSON but no text: refuse it before it is stored anywhere
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ControlError(400, "the body holds a lone surrogate (\\ud800-\\udfff): send valid Unicode text") from None
    return data


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number (Python writes it; JSON has no NaN or Infinity)")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text} is not a finite number")
    return value


def _too_deep(data: Any) -> bool:
    """Whether containers nest deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
        if children and depth > MAX_JSON_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


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
    endpoints = request.app[ENDPOINTS]
    return render.json_body(views.overview(request.app[BACKEND], str(request.url.origin()), endpoints))


async def health(request: web.Request) -> web.StreamResponse:
    """200 while the mock can store what it acknowledges; 503 (with what happened) when it cannot."""
    state = request.app[BACKEND].state.health()
    return render.json_body({"ok": state["ok"], "state": state}, status=200 if state["ok"] else 503)


async def get_tenants(request: web.Request) -> web.StreamResponse:
    return render.json_body(views.tenants_view(request.app[BACKEND]))


def _merchant(backend: Any, mch_id: str) -> Any:
    merchant = backend.state.merchants.get(mch_id)
    if merchant is None:
        raise ControlError(404, f"no merchant {mch_id!r}", hint="GET /__mock__/tenants lists them")
    return merchant


async def get_merchant_keys(request: web.Request) -> web.StreamResponse:
    """A merchant's API v3 material: APIv3 key, private key and certificate, and WeChat's public parts."""
    backend = request.app[BACKEND]
    merchant = _merchant(backend, request.match_info["mch_id"])
    return render.json_body(views.merchant_view(backend, merchant)["v3"])


async def export_merchant_keys(request: web.Request) -> web.StreamResponse:
    """Write a merchant's API v3 material as PEM files into ``folder`` (made 0700; the private key 0600)."""
    backend = request.app[BACKEND]
    merchant = _merchant(backend, request.match_info["mch_id"])
    folder = (await read_json(request)).get("folder")
    if not isinstance(folder, str) or not folder or "\x00" in folder:
        raise ControlError(400, 'expected {"folder": "path/to/keys"}: where to write the PEM files')
    try:
        written = keys.export(views.merchant_view(backend, merchant)["v3"], folder)
    except OSError as exc:
        raise ControlError(400, f"cannot write into {folder}: {exc.strerror}") from None
    return render.json_body({"files": written}, status=201)


async def post_tenants(request: web.Request) -> web.StreamResponse:
    added = request.app[BACKEND].tenants.add(await read_json(request))
    return render.json_body({"added": added}, status=201)


async def get_settings(request: web.Request) -> web.StreamResponse:
    return render.json_body(views.settings_view(request.app[BACKEND].settings))


async def patch_settings(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    data = await read_json(request)
    try:
        updated_settings(backend.settings, data)
    except ConfigError as exc:
        raise ControlError(400, str(exc)) from None
    return render.json_body(views.settings_view(backend.settings))


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
        since, limit = (int(q["since"]) if "since" in q else None), int(q.get("limit", 100))
    except ValueError:
        since = limit = -1
    if (since is not None and since < 0) or limit < 0:
        raise ControlError(400, f"since and limit must be integers >= 0 (limit 0: a whole page, {MAX_PAGE})")
    lang = _lang(q.get("lang"), backend.settings.lang)
    problems = q.get("problems", "") in ("1", "true", "yes") or request.path.endswith("/problems")
    entries, more = backend.journal.query(api=q.get("api", ""), problems_only=problems, since=since, limit=limit)
    next_since = entries[-1].id if entries else since or 0
    return render.json_body(
        {"requests": [_entry_view(e.to_dict(), lang) for e in entries], "more": more, "next_since": next_since}
    )


def _entry_view(entry: dict[str, Any], lang: str) -> dict[str, Any]:
    """A journal entry with its stored diagnosis rendered in ``lang`` (and every language)."""
    if "diagnosis" in entry["error"]:
        entry["error"]["diagnosis"] = view_of(entry["error"]["diagnosis"], lang)
    return entry


def _lang(value: Any, default: str) -> str:
    if value is None:
        return default
    if value not in LANGS:
        raise ControlError(400, f"lang must be one of {', '.join(LANGS)}, not {value!r}")
    return value


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
    """The ``sign`` command over HTTP: the string to sign, the sign, and the diagnosis of ``check``."""
    backend = request.app[BACKEND]
    data = await read_json(request)
    lang = _lang(data.get("lang"), backend.settings.lang)
    fields, pasted, check = data.get("fields"), data.get("string"), data.get("check", "")
    sign_type = data.get("sign_type", "")
    if not isinstance(check, str) or sign_type not in ("", *SIGN_TYPES):
        raise ControlError(400, f"check must be a sign (a string) and sign_type one of {', '.join(SIGN_TYPES)}")
    try:
        if isinstance(pasted, str):
            reading = read_pasted(pasted)
        elif isinstance(fields, dict) and fields:
            reading = Reading(fields={str(k): "" if v is None else str(v) for k, v in fields.items()})
        else:
            raise ValueError("no fields")
        keys, known = _sign_keys(backend, reading, data)
        lesson = teach(
            reading,
            keys=keys,
            sign_type=sign_type,
            received=check or reading.fields.get("sign", ""),
            show_key=not known,
        )
    except ValueError as exc:
        raise ControlError(
            400,
            f"cannot sign: {exc}",
            hint='send {"fields": {...}} or {"string": "appid=...&body=...&key=..."}, with "key" (or fields naming a'
            ' merchant the mock knows), and optionally "check": "<sign>", "sign_type", "appsecret", "lang"',
        ) from None
    return render.json_body(lesson.to_json(lang))


def _sign_keys(backend: Backend, reading: Reading, data: dict[str, Any]) -> tuple[list[KeyCandidate], bool]:
    """The key to sign with and the keys to suspect; True when the key is a tenant's (shown masked)."""
    key, secrets = data.get("key"), data.get("appsecret", [])
    secrets = [secrets] if isinstance(secrets, str) else secrets
    if (
        not isinstance(key, (str, type(None)))
        or not isinstance(secrets, list)
        or not all(isinstance(x, str) for x in secrets)
    ):
        raise ValueError("key must be a string and appsecret a string or a list of strings")
    appid = str(data.get("appid") or reading.fields.get("appid") or reading.fields.get("appId") or "")
    app = backend.state.apps.get(appid)
    merchant = backend.state.merchants.get(reading.fields.get("mch_id", ""))
    if not key and not reading.key and merchant is None:
        raise ValueError('give "key", or fields whose mch_id names a merchant the mock knows')
    keys = lesson_keys(
        reading,
        key=key,
        default=backend.tenants.key_candidates(merchant, PROD, appid) if merchant else [],
        default_note=Finding("tenant_key", {"owner": merchant.mch_id if merchant else ""}),
        secrets=[*secrets, *([app.secret] if app else [])],
        appid=appid,
    )
    return keys, not key and not reading.key


# -- the user pays, orders, the clock, notifications -------------------------------------------


async def pay(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    entry = request[ENTRY]
    entry.api = "pay"
    data = await read_json(request)
    entry.fields = data
    return client.answer(backend, entry, data, origin=render.origin(request))


def _paged(request: web.Request, name: str, items: list[Any], view: Any = None) -> web.Response:
    """A page of ``items`` (``?offset=&limit=``, at most MAX_PAGE), and whether more follow."""
    q = request.query
    try:
        offset, limit = int(q.get("offset", 0)), int(q.get("limit", MAX_PAGE))
    except ValueError:
        offset = limit = -1
    if offset < 0 or limit < 0:
        raise ControlError(400, f"offset and limit must be integers >= 0 (limit 0: a whole page, {MAX_PAGE})")
    limit = min(limit or MAX_PAGE, MAX_PAGE)
    page = items[offset : offset + limit]
    return render.json_body({name: [view(i) for i in page] if view else page, "more": len(items) > offset + limit})


async def list_orders(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    wanted = {k: request.query[k] for k in ("mch_id", "env", "appid", "trade_state") if k in request.query}
    summaries = [views.order_summary(backend, o) for o in backend.state.orders.values()]
    return _paged(request, "orders", [o for o in summaries if all(o[k] == v for k, v in wanted.items())])


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
    picked = views.matching_notifications(backend, Wanted.of(request.query))
    return _paged(request, "notifications", picked, Notification.to_view)


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
        raw = body.encode("utf-8")
        if len(raw) * copies > MAX_RAW_BYTES:
            raise ControlError(400, f"{copies} copies of {len(raw)} bytes is more than the {MAX_RAW_BYTES} bytes kept")
        sent = backend.notices.send_raw(url, raw, copies)
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
    wanted = Wanted.of(q, waiting=True, attempts=attempts)
    seen = views.matching_notifications(backend, wanted)  # once, on arrival; then only deliveries wake it
    found = next((n for n in seen if wanted.matches(n)), None) or await backend.engine.waiters.wait(wanted, timeout)
    if found is None:
        return render.json_body(
            {
                "error": f"timed out after {timeout:g}s waiting for a notification"
                + (f" with status {status}" if status else "")
                + (f" and {attempts} attempts" if attempts else ""),
                "notifications": [n.to_view() for n in views.matching_notifications(backend, wanted)],
            },
            status=408,
        )
    return render.json_body({"notification": found.to_view()})


ROUTES = [
    ("GET", "/__mock__", index),
    ("GET", "/__mock__/", index),
    ("GET", "/__mock__/health", health),
    ("GET", "/__mock__/tenants", get_tenants),
    ("POST", "/__mock__/tenants", post_tenants),
    ("GET", "/__mock__/tenants/{mch_id}/keys", get_merchant_keys),
    ("POST", "/__mock__/tenants/{mch_id}/keys", export_merchant_keys),
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


ENDPOINTS = web.AppKey("control_endpoints", list)  # "METHOD /path" of every control route, for the index


def add_routes(app: web.Application, more: list[tuple[str, str, Any]] | None = None) -> None:
    """The control routes, and ``more`` from other modules (the network side), all behind the same handler."""
    routes = [*ROUTES, *(more or [])]
    app[ENDPOINTS] = [f"{method} {path}" for method, path, _ in routes if path != "/__mock__/"]
    for method, path, fn in routes:
        app.router.add_route(method, path, _handler(fn))
