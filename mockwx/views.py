"""Read models: what the control API and the dashboard show of the mock (orders with their refunds
and notifications, the clock, the mock itself), built from the records' ``to_view()`` so nothing
above this reaches into the state's dicts.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from . import __version__
from .backend import Backend
from .config import Settings
from .domain.models import Merchant, Notification, NotifyStatus, Order
from .notify.waiters import Wanted
from .services import keys
from .wire import to_dashed

NOTIFY_STATUSES = tuple(s.value for s in NotifyStatus)


def overview(backend: Backend, origin: str, endpoints: list[str]) -> dict[str, Any]:
    return {
        "mockwx": __version__,
        "base_url": origin,
        "clock": clock_view(backend),
        "state": backend.state.counts(),
        "persistence": backend.persistence.location,
        "apps": sorted(backend.state.apps),
        "merchants": sorted(backend.state.merchants),
        "control": endpoints,
    }


def settings_view(settings: Settings) -> dict[str, Any]:
    """The settings, with the access token withheld (it is never shown, only said to be set)."""
    view = dataclasses.asdict(settings)
    view["security"]["token"] = "(set)" if settings.security.token else None
    return view


def clock_view(backend: Backend) -> dict[str, Any]:
    now = backend.clock.now()
    return {"kind": backend.clock.kind, "now": now, "beijing": to_dashed(now), "pending_jobs": len(backend.timers)}


def order_summary(backend: Backend, order: Order) -> dict[str, Any]:
    return {
        "env": order.env,
        "mch_id": order.mch_id,
        "appid": order.appid,
        "out_trade_no": order.out_trade_no,
        "total_fee": order.total_fee,
        "trade_type": order.trade_type,
        "trade_state": backend.orders.trade_state(order),
        "created_at": order.created_at,
    }


def order_view(backend: Backend, order: Order) -> dict[str, Any]:
    view = order.to_view(backend.orders.trade_state(order), order.is_expired(backend.clock.now()))
    view["refunds"] = [r.to_view() for r in backend.state.refunds_of(order)]
    view["notifications"] = [n.to_view() for n in backend.state.notifications_of(order)]
    return view


def matching_notifications(backend: Backend, wanted: Wanted) -> list[Notification]:
    """The notifications ``wanted`` selects (one pass over all of them)."""
    return [n for n in backend.state.notifications.values() if wanted.selects(n)]


def merchant_view(backend: Backend, merchant: Merchant) -> dict[str, Any]:
    """A merchant as its integrators see it: v2 keys, and the v3 material its SDK needs (made if missing)."""
    v2 = {
        k: v
        for k, v in merchant.to_dict().items()
        if not k.endswith("_pem") and k not in ("api_v3_key", "public_key_id")
    }
    return {**v2, "v3": keys.view(merchant, backend.keyring.of(merchant))}


def tenants_view(backend: Backend) -> dict[str, Any]:
    return {
        "apps": [a.to_view() for a in backend.state.apps.values()],
        "merchants": [merchant_view(backend, m) for m in backend.state.merchants.values()],
    }
