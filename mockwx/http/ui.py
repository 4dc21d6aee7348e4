"""The dashboard's routes: ``/`` sends browsers to ``/__mock__/ui/``; the pages (journal, orders and
their stories, the signature playground, the control panel, a problem), the live stream, and the
playground's JSON endpoint. Handlers are parse -> read model -> template; the pages' writes go
through the control API itself, from the browser.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from .. import views
from ..ui.i18n import LANG_COOKIE, LANGS, choose_lang
from ..ui.site import Site
from ..ui.templating import STATIC_DIR, UI_ROOT
from . import fallback
from .keys import BACKEND

SITE = web.AppKey("dashboard", Site)
LANG_NAMES = {"en": "EN", "zh": "中文"}
ONE_YEAR = 365 * 24 * 3600
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


async def journal_page(request: web.Request) -> web.StreamResponse:
    return page(request, "journal.html", "journal")


def add_routes(app: web.Application) -> None:
    """The dashboard's routes (before the 501 fallback, which takes every other path)."""
    app[SITE] = Site()
    app.router.add_get("/", root)
    app.router.add_get(UI_ROOT, to_ui)
    app.router.add_get(f"{UI_ROOT}/", journal_page)
    app.router.add_static(f"{UI_ROOT}/static/", STATIC_DIR, append_version=False)
