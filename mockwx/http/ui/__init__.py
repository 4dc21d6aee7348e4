"""The dashboard's routes: ``/`` sends browsers to ``/__mock__/ui/``; the pages (journal, orders and
their stories, the signature playground, the control panel, a problem), the live stream, and the
playground's JSON endpoint. Handlers are parse -> read model -> template; the pages' writes go
through the control API itself, from the browser. A page of another feature (the phone) renders
with ``page()`` on the shared layout and adds its row to ``ROUTES``.
"""

from __future__ import annotations

from aiohttp import web

from ...ui.site import Site
from ...ui.templating import STATIC_DIR, UI_ROOT
from . import journal, orders, panel, playground, stream
from .pages import SITE, fragment, page, root, to_ui

ROUTES = [
    ("GET", "/", root),
    ("HEAD", "/", root),
    ("GET", UI_ROOT, to_ui),
    ("GET", f"{UI_ROOT}/", journal.journal_page),
    ("GET", f"{UI_ROOT}/journal/rows", journal.journal_rows),
    ("GET", f"{UI_ROOT}/journal/{{id}}", journal.journal_entry),
    ("GET", f"{UI_ROOT}/problems/{{id}}", journal.problem_page),
    ("GET", f"{UI_ROOT}/entries/{{id}}", journal.entry_page),
    ("GET", f"{UI_ROOT}/orders", orders.orders_page),
    ("GET", f"{UI_ROOT}/orders/{{out_trade_no}}", orders.order_page),
    ("GET", f"{UI_ROOT}/orders/{{out_trade_no}}/story.svg", orders.story_svg),
    ("GET", f"{UI_ROOT}/playground", playground.playground_page),
    ("POST", f"{UI_ROOT}/playground", playground.playground_run),
    ("GET", f"{UI_ROOT}/control", panel.control_page),
    ("GET", f"{UI_ROOT}/stream", stream.stream),
]

__all__ = ["ROUTES", "SITE", "add_routes", "fragment", "page"]


def add_routes(app: web.Application) -> None:
    """The dashboard's routes (before the 501 fallback, which takes every other path)."""
    app[SITE] = Site()
    stream.listen(app)
    app.on_shutdown.append(stream.close_streams)
    for method, path, handler in ROUTES:
        app.router.add_route(method, path, handler)
    app.router.add_static(f"{UI_ROOT}/static/", STATIC_DIR, append_version=False)
