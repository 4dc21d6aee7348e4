"""The journal's pages: the list with its filters, the rows a live page fetches, one entry (as a
fragment, as a problem's page, as a call's page)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from ...journal import Entry
from ...ui import rows
from ...ui.doctoring import doctor_view
from ...ui.templating import UI_ROOT
from ..keys import BACKEND
from .pages import SITE, fragment, int_or, lang_of, not_found, page

LIVE_ROWS = 50  # rows a live page fetches at once: more than anyone reads in a quarter of a second


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
    after = int_or(request.query.get("after", ""))
    limit = LIVE_ROWS if after else rows.MAX_ROWS
    picked = rows.rows(backend.journal, backend.state, rows.Filters.of(request.query), after=after, limit=limit)
    return fragment(request, "_rows.html", rows=picked)


def entry_context(request: web.Request, entry: Entry) -> dict[str, Any]:
    """What _entry.html shows of one entry, in the request's language."""
    site, backend = request.app[SITE], request.app[BACKEND]
    entry.settle()
    order = rows.order_of(entry, backend.state)
    diagnosis = entry.error.get("diagnosis")
    # a signed call opens the playground in its mode: v2 MD5/HMAC-SHA256, an API v3 request, a v3 paySign
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
    entry_id = int_or(request.match_info["id"], -1)
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
        entry = request.app[BACKEND].journal.find(int_or(request.match_info["id"], -1))
        t = request.app[SITE].texts.translator(lang_of(request))
        if entry is None:
            return not_found(request, t("entry.gone", id=request.match_info["id"]))
        titles = {"heading": t(heading, id=entry.id), "lead": t(lead) if lead else ""}
        return page(request, "entry.html", "journal", **titles, **entry_context(request, entry))

    return show


problem_page = _entry_page("problem.title", "problem.lead")
entry_page = _entry_page("entry.title")  # where a downloaded diagram's arrows lead
