"""The dashboard's routes: ``/`` sends browsers to ``/__mock__/ui/``; the pages (journal, orders and
their stories, the signature playground, the control panel, a problem), the live stream, and the
playground's JSON endpoint. Handlers are parse -> read model -> template; the pages' writes go
through the control API itself, from the browser.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web

from .. import faults as fault_rules
from .. import magic, views
from ..backend import Backend
from ..config import DEMO_API_KEY, DEMO_APPID
from ..doctor import KeyCandidate
from ..domain.errors import DomainError
from ..domain.models import PROD, SANDBOX, Order
from ..journal import Entry
from ..ui import playground, rows
from ..ui.doctoring import doctor_view
from ..ui.i18n import LANG_COOKIE, LANGS, choose_lang
from ..ui.live import Change, summary
from ..ui.sequence import render_svg
from ..ui.site import Site
from ..ui.story import build_story
from ..ui.templating import STATIC_DIR, UI_ROOT
from ..wire import SIGN_TYPES, mask_key
from ..wire.errors import LOGIN_ERRCODES, V2_ERR_CODES
from . import fallback, render
from .control import read_json
from .errors import ControlError
from .keys import BACKEND

SITE = web.AppKey("dashboard", Site)
LANG_NAMES = {"en": "EN", "zh": "中文"}
ONE_YEAR = 365 * 24 * 3600
BATCH_SECONDS = 0.25  # a stream sends at most one message per batch (4 a second), however busy the mock is
LIVE_ROWS = 50  # rows a live page fetches at once: more than anyone reads in a quarter of a second
KEEPALIVE_SECONDS = 15.0
WRITE_TIMEOUT = 5.0  # a browser that does not take a message in this time is let go
# Pages load nothing from elsewhere: no CDN, no inline script (the JSON data blocks are not run).
PAGE_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:;"
    " frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def lang_of(request: web.Request) -> str:
    return choose_lang(request.query, request.cookies, request.headers.get("Accept-Language", ""))


def page(request: web.Request, template: str, active: str, *, status: int = 200, **context: Any) -> web.Response:
    """A whole page in the request's language, on the shared layout."""
    site = request.app[SITE]
    lang = lang_of(request)
    html = site.env.get_template(template).render(
        lang=lang,
        t=site.texts.translator(lang),
        nav=site.nav,
        active=active,
        lang_links=[
            {"code": code, "label": LANG_NAMES[code], "href": "?" + urlencode({**request.query, "lang": code})}
            for code in LANGS
        ],
        clock=views.clock_view(request.app[BACKEND]),
        js_texts=site.texts.for_js(lang),
        **context,
    )
    response = web.Response(text=html, content_type="text/html", status=status, headers=PAGE_HEADERS)
    if request.query.get("lang") in LANGS:  # the switch was used: remember the choice
        response.set_cookie(LANG_COOKIE, lang, max_age=ONE_YEAR, path="/", samesite="Lax", httponly=True)
    return response


# -- where browsers land -------------------------------------------------------------------------


async def root(request: web.Request) -> web.StreamResponse:
    """A browser opening the mock's address gets the dashboard; API clients get the 501 answer."""
    if "text/html" in request.headers.get("Accept", ""):
        return redirect(f"{UI_ROOT}/")
    return await fallback.not_mocked(request)


async def to_ui(request: web.Request) -> web.StreamResponse:
    return redirect(f"{UI_ROOT}/")


def redirect(location: str) -> web.Response:
    """A 302 returned, not raised (the journal middleware would pass a raised one on as a returned one)."""
    return web.Response(status=302, headers={"Location": location})


def fragment(request: web.Request, template: str, **context: Any) -> web.Response:
    """A piece of a page (rows, an entry), for the page's script to put in place."""
    site = request.app[SITE]
    lang = lang_of(request)
    html = site.env.get_template(template).render(lang=lang, t=site.texts.translator(lang), **context)
    return web.Response(text=html, content_type="text/html", headers=PAGE_HEADERS)


def not_found(request: web.Request, message: str) -> web.Response:
    return page(request, "error.html", "", status=404, message=message)


def _int(value: str, default: int = 0) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else default


# -- the journal ---------------------------------------------------------------------------------


async def journal_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    filters = rows.Filters.of(request.query)
    picked = rows.rows(backend.journal, backend.state, filters)
    return page(
        request,
        "journal.html",
        "journal",
        rows=picked,
        filters=filters,
        query=urlencode(filters.query()),
        last=backend.journal.entries[-1].seq if backend.journal.entries else 0,
        apis=rows.api_choices(backend.journal),
        outcomes=rows.outcome_choices(backend.journal.entries),
    )


async def journal_rows(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    after = _int(request.query.get("after", ""))
    limit = LIVE_ROWS if after else rows.MAX_ROWS
    picked = rows.rows(backend.journal, backend.state, rows.Filters.of(request.query), after=after, limit=limit)
    return fragment(request, "_rows.html", rows=picked)


def entry_context(request: web.Request, entry: Entry) -> dict[str, Any]:
    """What _entry.html shows of one entry, in the request's language."""
    site, backend = request.app[SITE], request.app[BACKEND]
    entry.settle()
    order = rows.order_of(entry, backend.state)
    diagnosis = entry.error.get("diagnosis")
    signed = entry.api in ("pay",) or entry.error.get("kind") == "SIGNERROR" or diagnosis is not None
    return {
        "e": entry,
        "tone": rows.tone(entry),
        "order": order,
        "doctor": doctor_view(diagnosis, site.texts.translator(lang_of(request))),
        "playground_href": f"{UI_ROOT}/playground?entry={entry.id}" if signed else "",
        "pretty": rows.pretty_body,
    }


async def journal_entry(request: web.Request) -> web.StreamResponse:
    entry_id = _int(request.match_info["id"], -1)
    entry = request.app[BACKEND].journal.find(entry_id)
    if entry is None:
        site = request.app[SITE]
        return web.Response(
            text=site.texts.translator(lang_of(request))("entry.gone", id=request.match_info["id"]),
            status=404,
            content_type="text/html",
        )
    return fragment(request, "_entry.html", **entry_context(request, entry))


def _entry_page(heading: str, lead: str = "") -> Any:
    """A page for one journal entry: a problem's (where X-Mockwx-Problem leads) or any call's."""

    async def show(request: web.Request) -> web.StreamResponse:
        entry = request.app[BACKEND].journal.find(_int(request.match_info["id"], -1))
        t = request.app[SITE].texts.translator(lang_of(request))
        if entry is None:
            return not_found(request, t("entry.gone", id=request.match_info["id"]))
        titles = {"heading": t(heading, id=entry.id), "lead": t(lead) if lead else ""}
        return page(request, "entry.html", "journal", **titles, **entry_context(request, entry))

    return show


problem_page = _entry_page("problem.title", "problem.lead")
entry_page = _entry_page("entry.title")  # where a downloaded diagram's arrows lead


# -- orders and their stories --------------------------------------------------------------------

STATE_TONES = {"SUCCESS": "ok", "REFUND": "ok", "NOTPAY": "pending", "USERPAYING": "pending"}


def order_href(order: Order) -> str:
    query = urlencode({"mch_id": order.mch_id, "env": order.env})
    return f"{UI_ROOT}/orders/{quote(order.out_trade_no, safe='')}?{query}"


async def orders_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    wanted = request.query.get("out_trade_no", "").strip()
    if wanted:
        return redirect(f"{UI_ROOT}/orders/{quote(wanted, safe='')}")
    listed = []
    for order in sorted(backend.state.orders.values(), key=lambda o: o.created_at, reverse=True)[:500]:
        summary_ = views.order_summary(backend, order)
        notifications = [n for n in backend.state.notifications_of(order) if n.kind == "payment" and not n.label]
        summary_["notified"] = notifications[-1].status if notifications else ""
        summary_["tone"] = STATE_TONES.get(summary_["trade_state"], "fail")
        summary_["href"] = order_href(order)
        listed.append(summary_)
    return page(request, "orders.html", "orders", orders=listed, wanted=wanted)


def _order(request: web.Request) -> Order | web.Response:
    """The order the path names (with ?mch_id= and &env= when the number is not unique), or a page saying why not."""
    backend = request.app[BACKEND]
    number = request.match_info["out_trade_no"]
    q = request.query
    try:
        return backend.checkout.order_numbered(number, q.get("mch_id") or None, q.get("env") or None)
    except DomainError:
        t = request.app[SITE].texts.translator(lang_of(request))
        choices = [o for o in backend.state.orders_for(number) if not q.get("mch_id") or o.mch_id == q["mch_id"]]
        if not choices:
            return not_found(request, t("order.not_found", out_trade_no=number))
        message = t("order.ambiguous", count=len(choices), out_trade_no=number)
        listed = [{**views.order_summary(backend, o), "href": order_href(o)} for o in choices]
        return page(request, "choose.html", "orders", status=300, message=message, choices=listed)


def _diagram(request: web.Request, order: Order) -> str:
    site, backend = request.app[SITE], request.app[BACKEND]
    t = site.texts.translator(lang_of(request))
    story = build_story(backend, order)
    return render_svg(story, t, link=f"{render.origin(request)}{UI_ROOT}/entries/")


async def order_page(request: web.Request) -> web.StreamResponse:
    order = _order(request)
    if isinstance(order, web.Response):
        return order
    backend = request.app[BACKEND]
    story = build_story(backend, order)
    t = request.app[SITE].texts.translator(lang_of(request))
    svg = render_svg(story, t, link=f"{render.origin(request)}{UI_ROOT}/entries/")
    svg_url = f"{UI_ROOT}/orders/{quote(order.out_trade_no, safe='')}/story.svg?" + urlencode(
        {"mch_id": order.mch_id, "env": order.env, "lang": t.lang}
    )
    tone = STATE_TONES.get(story.order["trade_state"], "fail")
    return page(request, "order.html", "orders", story=story, svg=svg, svg_url=svg_url, state_tone=tone)


async def story_svg(request: web.Request) -> web.StreamResponse:
    """The diagram alone: for the page to refresh it, and to download (``?download=1``)."""
    order = _order(request)
    if isinstance(order, web.Response):
        return order
    headers = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
    if request.query.get("download"):
        name = "".join(c if c.isalnum() or c in "-_" else "_" for c in order.out_trade_no)
        headers["Content-Disposition"] = f'attachment; filename="{name}.svg"'
    return web.Response(text=_diagram(request, order), content_type="image/svg+xml", headers=headers)


# -- the signature playground ------------------------------------------------------------------

# WeChat's documented signing example (v2.md 2.1): it reproduces 9A0A8659F005D6984697E2CA0A9CF3B7.
EXAMPLES = {
    "v2": {
        "text": "appid=wxd930ea5d5a258f4f\nmch_id=10000100\ndevice_info=1000\nbody=test\nnonce_str=ibuaiVcKdpRxkhJA",
        "key": DEMO_API_KEY,
        "received": "9A0A8659F005D6984697E2CA0A9CF3B7",
    },
    "paysign": {
        "text": f"appId={DEMO_APPID}\ntimeStamp=1490840662\nnonceStr=5K8264ILTKCH16CQ2502SI8ZNMTM67VS\n"
        "package=prepay_id=wx2017033010242291fcfe0db70013231072\nsignType=MD5",
        "key": DEMO_API_KEY,
        "received": "",
    },
}


def _wrong_keys(backend: Backend, fields: dict[str, str], mode: str, env: str = PROD) -> list[KeyCandidate]:
    """The keys people sign with by mistake, for the merchant and app the fields name."""
    state = backend.state
    merchant, appid = state.merchants.get(fields.get("mch_id", "")), fields.get("appid", "")
    if mode == "paysign":
        order = state.order_by(state.by_prepay_id, fields.get("package", "").removeprefix("prepay_id="))
        merchant = state.merchants.get(order.mch_id) if order else None
        appid, env = (order.appid, order.env) if order else (fields.get("appId", ""), env)
    if merchant is not None:
        return backend.tenants.key_candidates(merchant, env, appid)[1:]
    app = state.apps.get(appid)
    return [KeyCandidate(app.secret, f"the AppSecret of {appid}", "appsecret_as_key")] if app else []


def _prefill(backend: Backend, entry: Entry) -> dict[str, str]:
    """The playground's form for a journaled call: its fields, its merchant's key, the sign it carried."""
    state = backend.state
    form = {"mode": "v2", "text": "", "key": "", "sign_type": "", "received": "", "entry": str(entry.id)}
    fields = {str(k): str(v) for k, v in entry.fields.items() if isinstance(v, (str, int))}
    if entry.api == "pay":
        order = state.order_by(state.by_prepay_id, fields.get("package", "").removeprefix("prepay_id="))
        signed = {k: v for k, v in fields.items() if k in playground.PAY_SIGN_FIELDS or k == "paySign"}
        if order is not None:
            signed.setdefault("appId", order.appid)
            form["key"] = state.merchants[order.mch_id].key(order.env)
        form.update(mode="paysign", text=json.dumps(signed, ensure_ascii=False, indent=2))
        return form
    merchant = state.merchants.get(fields.get("mch_id", ""))
    if merchant is not None:
        form["key"] = merchant.key(SANDBOX if entry.api.startswith("sandbox/") else PROD)
    form["text"] = rows.pretty_xml(fields)
    return form


def _steps(request: web.Request, form: dict[str, str]) -> tuple[dict[str, Any], str]:
    """Run the playground on a form; (its JSON answer, the steps' HTML)."""
    site, backend = request.app[SITE], request.app[BACKEND]
    t = site.texts.translator(lang_of(request))
    recorded = backend.journal.find(_int(form.get("entry", ""), -1)) if form.get("entry") else None
    diagnosis = recorded.error.get("diagnosis") if recorded is not None else None
    mode = form.get("mode", "v2")
    try:
        fields = playground.parse_text(form.get("text", ""))
        env = SANDBOX if recorded is not None and recorded.api.startswith("sandbox/") else PROD
        bench = playground.work(
            form.get("text", ""),
            form.get("key", ""),
            mode=mode,
            sign_type=form.get("sign_type", ""),
            received=form.get("received", ""),
            wrong_keys=_wrong_keys(backend, fields, mode, env),
            diagnosis=diagnosis if isinstance(diagnosis, dict) else None,
        )
    except playground.PlaygroundError as exc:
        html = site.env.get_template("_steps.html").render(lang=t.lang, t=t, error=str(exc))
        return {"error": str(exc), "html": html}, html
    doctor = doctor_view(bench.diagnosis, t)
    html = site.env.get_template("_steps.html").render(lang=t.lang, t=t, error="", b=bench, doctor=doctor)
    answer = {
        "sign": bench.sign,
        "sign_type": bench.sign_type,
        "string": f"{bench.joined}&key={bench.masked_key}" if bench.joined else f"key={bench.masked_key}",
        "matches": bench.matches,
        "mistakes": [code for code, _ in doctor.mistakes] if doctor else [],
        "html": html,
    }
    return answer, html


async def playground_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    form = {"mode": "v2", "text": "", "key": "", "sign_type": "", "received": "", "entry": ""}
    steps = ""
    entry = backend.journal.find(_int(request.query.get("entry", ""), -1)) if request.query.get("entry") else None
    if entry is not None:
        form = _prefill(backend, entry)
        _, steps = _steps(request, form)
    elif request.query.get("mode") in playground.MODES:
        form["mode"] = request.query["mode"]
    return page(
        request, "playground.html", "playground", form=form, steps=steps, examples=EXAMPLES, sign_types=SIGN_TYPES
    )


async def playground_run(request: web.Request) -> web.StreamResponse:
    """The playground's JSON endpoint: {mode, text, key, sign_type?, received?, entry?} -> the steps."""
    try:
        data = await read_json(request)
    except ControlError as error:
        return render.control_error(error)
    form = {k: v for k, v in data.items() if isinstance(v, str)}
    answer, _ = _steps(request, form)
    return render.json_body(answer, status=400 if "error" in answer else 200)


# -- the control panel -----------------------------------------------------------------------------

ADVANCES = ((15, "+15 s"), (60, "+1 min"), (3600, "+1 h"), (86640, "+24h4m"))
EFFECTS = ("err_code", "return_msg", "errcode", "outcome", "variants", "ack", "duplicates", "delay", "drop")


def _effect(rule: fault_rules.Fault) -> str:
    """What a rule does, in a few words (its own fields: these are the control API's names)."""
    data = rule.to_dict()
    parts = [f"{k}={data[k]}" for k in EFFECTS if data.get(k) not in (None, "", 0, 0.0, False, [], "strict")]
    if rule.api in fault_rules.NOTIFY_APIS and not rule.deliver:
        parts.insert(0, "deliver=false")
    return " ".join(parts)


async def control_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    state = backend.state
    rules = [{**f.to_dict(), "effect": _effect(f)} for f in backend.faults.all()]
    labels = {r["label"]: r["id"] for r in rules if r["label"]}
    magic_rows = []
    for fee, what, spec in magic.MAGIC_AMOUNTS:
        label = f"magic {fee / 100:.2f}: {what}"
        full = {**spec, "match": {"total_fee": str(fee)}, "label": label}
        magic_rows.append({"fee": fee, "what": what, "spec": full, "rule": labels.get(label)})
    notifications = sorted(state.notifications.values(), key=lambda n: (n.created_at, n.id), reverse=True)[:100]
    return page(
        request,
        "control.html",
        "control",
        advances=ADVANCES,
        jobs=backend.timers.pending(),
        apps=[{"appid": a.appid, "name": a.name, "masked": mask_key(a.secret)} for a in state.apps.values()],
        merchants=[
            {
                "mch_id": m.mch_id,
                "name": m.name,
                "masked": mask_key(m.api_key),
                "sandbox": mask_key(m.sandbox_key) if m.sandbox_key else "",
                "appids": m.appids,
            }
            for m in state.merchants.values()
        ],
        rules=[r for r in rules if not r["label"].startswith("magic ")],  # those are in the magic table
        magic=magic_rows,
        notifications=notifications,
        fault_apis=fault_rules.APIS,
        login_errcodes=sorted(LOGIN_ERRCODES.items()),
        err_codes=sorted(V2_ERR_CODES),
        outcomes=fault_rules.OUTCOMES,
        variants=fault_rules.VARIANTS,
        acks=fault_rules.ACK_MODES,
    )


# -- the live stream -----------------------------------------------------------------------------


def _event(data: dict[str, Any]) -> bytes:
    return b"event: change\ndata: " + json.dumps(data, ensure_ascii=False).encode("utf-8") + b"\n\n"


async def stream(request: web.Request) -> web.StreamResponse:
    """Server-Sent Events: one message per batch of changes (what changed, and the clock)."""
    hub, backend = request.app[SITE].hub, request.app[BACKEND]
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    subscriber = hub.subscribe()
    try:
        last = backend.journal.entries[-1].seq if backend.journal.entries else 0
        hello = {**summary([]), "entry": last, "clock": views.clock_view(backend)}
        await response.write(b"retry: 1500\n\n" + _event(hello))
        while not subscriber.closed:
            try:
                first = await asyncio.wait_for(subscriber.queue.get(), KEEPALIVE_SECONDS)
            except TimeoutError:
                await asyncio.wait_for(response.write(b": keep-alive\n\n"), WRITE_TIMEOUT)
                continue
            if first is None:
                break
            await asyncio.sleep(BATCH_SECONDS)  # let the rest of a burst join this message
            batch = [first]
            while not subscriber.queue.empty():
                change = subscriber.queue.get_nowait()
                if change is None:
                    subscriber.closed = True
                    break
                batch.append(change)
            data = {**summary(batch), "clock": views.clock_view(backend)}
            await asyncio.wait_for(response.write(_event(data)), WRITE_TIMEOUT)
    except (ConnectionError, TimeoutError):
        pass  # the browser went away, or stopped reading: its EventSource will reconnect
    finally:
        hub.unsubscribe(subscriber)
    return response


def _listen(app: web.Application) -> None:
    """Tell the hub of every finished journal entry (only while a page streams: no cost otherwise)."""
    backend, hub = app[BACKEND], app[SITE].hub

    def heard(entry: Entry) -> None:
        if len(hub):
            hub.publish(Change(entry.seq, rows.order_of(entry, backend.state), bool(entry.problem)))

    backend.journal.listeners.append(heard)


async def _close_streams(app: web.Application) -> None:
    app[SITE].hub.close()


def add_routes(app: web.Application) -> None:
    """The dashboard's routes (before the 501 fallback, which takes every other path)."""
    app[SITE] = Site()
    _listen(app)
    app.on_shutdown.append(_close_streams)
    app.router.add_get("/", root)
    app.router.add_get(UI_ROOT, to_ui)
    app.router.add_get(f"{UI_ROOT}/", journal_page)
    app.router.add_get(f"{UI_ROOT}/journal/rows", journal_rows)
    app.router.add_get(f"{UI_ROOT}/journal/{{id}}", journal_entry)
    app.router.add_get(f"{UI_ROOT}/problems/{{id}}", problem_page)
    app.router.add_get(f"{UI_ROOT}/entries/{{id}}", entry_page)
    app.router.add_get(f"{UI_ROOT}/playground", playground_page)
    app.router.add_post(f"{UI_ROOT}/playground", playground_run)
    app.router.add_get(f"{UI_ROOT}/control", control_page)
    app.router.add_get(f"{UI_ROOT}/orders", orders_page)
    app.router.add_get(f"{UI_ROOT}/orders/{{out_trade_no}}", order_page)
    app.router.add_get(f"{UI_ROOT}/orders/{{out_trade_no}}/story.svg", story_svg)
    app.router.add_get(f"{UI_ROOT}/stream", stream)
    app.router.add_static(f"{UI_ROOT}/static/", STATIC_DIR, append_version=False)
