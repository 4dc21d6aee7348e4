"""Tenants: the mini programs and merchants the mock answers for, and the sandbox sign key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import ConfigError, app_problem, build, merchant_problem
from ..domain.errors import ControlError
from ..domain.models import Merchant, MiniApp
from ..ids import Ids
from ..state import State


class TenantService:
    def __init__(self, state: State, ids: Ids) -> None:
        self.state = state
        self.ids = ids

    def add_app(self, app: MiniApp) -> MiniApp:
        problem = app_problem(app)
        if problem:
            raise ControlError(400, f"app {app.appid!r}: {problem}")
        self.state.put_app(app)
        return app

    def add_merchant(self, merchant: Merchant) -> Merchant:
        problem = merchant_problem(merchant)
        if problem:
            raise ControlError(400, f"merchant {merchant.mch_id!r}: {problem}")
        old = self.state.merchants.get(merchant.mch_id)
        if old is not None and not merchant.sandbox_key:
            merchant.sandbox_key = old.sandbox_key
        self.state.put_merchant(merchant)
        return merchant

    def add(self, body: Any) -> dict[str, list[str]]:
        """``{"apps": [...], "merchants": [...]}`` from the control API; all-or-nothing."""
        if not isinstance(body, Mapping) or not set(body) <= {"apps", "merchants"} or not body:
            raise ControlError(
                400,
                'expected {"apps": [{"appid", "secret", "name"?, "open_platform"?}],'
                ' "merchants": [{"mch_id", "api_key", "appids", "name"?}]}',
            )
        try:
            apps = [build(MiniApp, a, f"apps[{i}]") for i, a in enumerate(_list(body, "apps"))]
            merchants = [build(Merchant, m, f"merchants[{i}]") for i, m in enumerate(_list(body, "merchants"))]
        except ConfigError as exc:
            raise ControlError(400, str(exc)) from None
        for problem in [app_problem(a) for a in apps] + [merchant_problem(m) for m in merchants]:
            if problem:
                raise ControlError(400, problem)
        for app in apps:
            self.add_app(app)
        for merchant in merchants:
            self.add_merchant(merchant)
        return {"apps": [a.appid for a in apps], "merchants": [m.mch_id for m in merchants]}

    def sandbox_key(self, merchant: Merchant) -> str:
        """The merchant's sandbox_signkey, minted on first request (then stable, as WeChat's is)."""
        if not merchant.sandbox_key:
            merchant.sandbox_key = self.ids.sandbox_key()
            self.state.put_merchant(merchant)
        return merchant.sandbox_key

    def describe(self) -> dict[str, Any]:
        return {
            "apps": [a.to_dict() for a in self.state.apps.values()],
            "merchants": [m.to_dict() for m in self.state.merchants.values()],
        }


def _list(body: Mapping[str, Any], name: str) -> list[Any]:
    value = body.get(name) or []
    if not isinstance(value, list):
        raise ControlError(400, f"{name} must be a list")
    return value
