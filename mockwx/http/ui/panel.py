"""The control panel's page: tenants, the clock and its jobs, fault rules and magic amounts,
notifications. Its buttons call the control API from the browser."""

from __future__ import annotations

from aiohttp import web

from ... import faults as fault_rules
from ... import magic
from ...wire import mask_key
from ...wire.errors import LOGIN_ERRCODES, V2_ERR_CODES
from ..keys import BACKEND
from .pages import page

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
