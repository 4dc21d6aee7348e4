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

from .. import views
from ..domain.errors import DomainError
from ..domain.models import Order
from ..journal import Entry
from ..ui import rows
from ..ui.doctoring import doctor_view
from ..ui.i18n import LANG_COOKIE, LANGS, choose_lang
from ..ui.live import Change, summary
from ..ui.sequence import render_svg
from ..ui.site import Site
from ..ui.story import build_story
from ..ui.templating import STATIC_DIR, UI_ROOT
from . import fallback, render
from .keys import BACKEND

SITE = web.AppKey("dashboard", Site)
LANG_NAMES = {"en": "EN", "zh": "中文"}
ONE_YEAR = 365 * 24 * 3600
BATCH_SECONDS = 0.1  # a stream sends at most one message per batch, however busy the mock is
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
        raise web.HTTPFound(f"{UI_ROOT}/")
    return await fallback.not_mocked(request)


async def to_ui(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound(f"{UI_ROOT}/")


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
    picked = rows.rows(backend.journal, backend.state, rows.Filters.of(request.query), after=after)
    return fragment(request, "_rows.html", rows=picked)


def entry_context(request: web.Request, entry: Entry) -> dict[str, Any]:
    """What _entry.html shows of one entry, in the request's language."""
    site, backend = request.app[SITE], request.app[BACKEND]
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


async def problem_page(request: web.Request) -> web.StreamResponse:
    entry = request.app[BACKEND].journal.find(_int(request.match_info["id"], -1))
    if entry is None:
        t = request.app[SITE].texts.translator(lang_of(request))
        return not_found(request, t("entry.gone", id=request.match_info["id"]))
    return page(request, "problem.html", "journal", **entry_context(request, entry))


async def entry_page(request: web.Request) -> web.StreamResponse:
    """One call on a page of its own (where a downloaded diagram's arrows lead)."""
    entry = request.app[BACKEND].journal.find(_int(request.match_info["id"], -1))
    if entry is None:
        t = request.app[SITE].texts.translator(lang_of(request))
        return not_found(request, t("entry.gone", id=request.match_info["id"]))
    return page(request, "entry.html", "journal", **entry_context(request, entry))


# -- orders and their stories --------------------------------------------------------------------

STATE_TONES = {"SUCCESS": "ok", "REFUND": "ok", "NOTPAY": "pending", "USERPAYING": "pending"}


def order_href(order: Order) -> str:
    query = urlencode({"mch_id": order.mch_id, "env": order.env})
    return f"{UI_ROOT}/orders/{quote(order.out_trade_no, safe='')}?{query}"


async def orders_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    wanted = request.query.get("out_trade_no", "").strip()
    if wanted:
        raise web.HTTPFound(f"{UI_ROOT}/orders/{quote(wanted, safe='')}")
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
    app.router.add_get(f"{UI_ROOT}/orders", orders_page)
    app.router.add_get(f"{UI_ROOT}/orders/{{out_trade_no}}", order_page)
    app.router.add_get(f"{UI_ROOT}/orders/{{out_trade_no}}/story.svg", story_svg)
    app.router.add_get(f"{UI_ROOT}/stream", stream)
    app.router.add_static(f"{UI_ROOT}/static/", STATIC_DIR, append_version=False)
