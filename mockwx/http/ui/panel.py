"""The control panel's page (tenants with their v3 material, the clock and its jobs, fault rules and
magic amounts, notifications) and a merchant's v3 PEM files as downloads. Its buttons call the
control API from the browser."""

from __future__ import annotations

from aiohttp import web

from ... import faults as fault_rules
from ... import views
from ...services.keys import FILES
from ...ui import panel
from ...wire import mask_key
from ...wire.errors import LOGIN_ERRCODES, V2_ERR_CODES, V3_ERROR_CODES
from ..keys import BACKEND
from .pages import SITE, lang_of, not_found, page

ADVANCES = ((15, "+15 s"), (60, "+1 min"), (3600, "+1 h"), (86640, "+24h4m"))


async def control_page(request: web.Request) -> web.StreamResponse:
    backend = request.app[BACKEND]
    state = backend.state
    rules = [{**f.to_dict(), "effect": panel.effect(f)} for f in backend.faults.all()]
    notifications = sorted(state.notifications.values(), key=lambda n: (n.created_at, n.id), reverse=True)[:100]
    return page(
        request,
        "control.html",
        "control",
        advances=ADVANCES,
        jobs=backend.timers.pending(),
        apps=[{"appid": a.appid, "name": a.name, "masked": mask_key(a.secret)} for a in state.apps.values()],
        merchants=[panel.merchant_card(m, views.merchant_view(backend, m)["v3"]) for m in state.merchants.values()],
        rules=[r for r in rules if not r["label"].startswith("magic ")],  # those are in the magic table
        magic=panel.magic_rows(backend.faults.all()),
        notifications=notifications,
        fault_apis=fault_rules.APIS,
        fault_fields=panel.form_fields(),
        login_errcodes=sorted(LOGIN_ERRCODES.items()),
        err_codes=sorted(V2_ERR_CODES),
        v3_codes=sorted(V3_ERROR_CODES.items()),
        outcomes=fault_rules.OUTCOMES,
        variants=fault_rules.VARIANTS,
        acks=fault_rules.ACK_MODES,
    )


async def key_file(request: web.Request) -> web.StreamResponse:
    """``GET /__mock__/ui/keys/{mch_id}/{name}``: one of a merchant's v3 PEM files, as a download."""
    backend = request.app[BACKEND]
    mch_id, name = request.match_info["mch_id"], request.match_info["name"]
    merchant = backend.state.merchants.get(mch_id)
    material = views.merchant_view(backend, merchant)["v3"] if merchant is not None else {}
    if FILES.get(name) not in material:
        t = request.app[SITE].texts.translator(lang_of(request))
        return not_found(request, t("control.file.none", mch_id=mch_id, name=name))
    return web.Response(
        text=material[FILES[name]],
        content_type="application/x-pem-file",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )
