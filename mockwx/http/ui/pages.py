"""What every dashboard page shares: the request's language, the shared layout around a template, HTML
fragments for the pages' scripts, redirects, and where browsers land (`/`)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ... import views
from ...ui.i18n import LANG_COOKIE, LANGS, choose_lang
from ...ui.site import Site
from ...ui.templating import UI_ROOT
from .. import fallback
from ..keys import BACKEND

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
    response = web.Response(
        body=_encoded(html), content_type="text/html", charset="utf-8", status=status, headers=PAGE_HEADERS
    )
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
    return web.Response(body=_encoded(html), content_type="text/html", charset="utf-8", headers=PAGE_HEADERS)


def _encoded(html: str) -> bytes:
    """UTF-8, with the bytes a request carried that are not UTF-8 (kept as surrogates) shown as \\udcXX escapes."""
    return html.encode("utf-8", "backslashreplace")


def not_found(request: web.Request, message: str) -> web.Response:
    return page(request, "error.html", "", status=404, message=message)


def int_or(value: str, default: int = 0) -> int:
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else default
