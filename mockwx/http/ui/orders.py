"""The orders list and each order's story: the page with its sequence diagram, and the SVG alone
(refreshed live by the page, or downloaded)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from aiohttp import web

from ... import views
from ...domain.errors import DomainError
from ...domain.models import Order
from ...ui.sequence import render_svg
from ...ui.story import build_story
from ...ui.templating import UI_ROOT
from .. import render
from ..keys import BACKEND
from .pages import SITE, lang_of, not_found, page, redirect

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
