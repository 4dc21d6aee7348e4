"""Tenants: the mini programs and merchants the mock answers for, and the sandbox sign key."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..config import ConfigError, app_problem, build, merchant_problem
from ..doctor import KeyCandidate
from ..domain.errors import DomainError
from ..domain.models import PROD, SANDBOX, Merchant, MiniApp
from ..ids import Ids
from ..state import State
from .keys import KeyRing

# the v3 fields a merchant keeps when it is registered again (a restart with a config file)
V3_MATERIAL = (
    "api_v3_key",
    "merchant_key_pem",
    "merchant_cert_pem",
    "platform_key_pem",
    "platform_cert_pem",
    "public_key_pem",
    "public_key_id",
)


class TenantService:
    def __init__(self, state: State, ids: Ids, keyring: KeyRing) -> None:
        self.state = state
        self.ids = ids
        self.keyring = keyring

    def add_app(self, app: MiniApp) -> MiniApp:
        problem = app_problem(app)
        if problem:
            raise DomainError("INVALID", f"app {app.appid!r}: {problem}")
        self.state.put_app(app)
        return app

    def add_merchant(self, merchant: Merchant) -> Merchant:
        problem = merchant_problem(merchant)
        if problem:
            raise DomainError("INVALID", f"merchant {merchant.mch_id!r}: {problem}")
        old = self.state.merchants.get(merchant.mch_id)
        if old is not None and not merchant.sandbox_key:
            merchant.sandbox_key = old.sandbox_key
        if old is not None and not merchant.merchant_key_pem:  # registered again: it keeps its v3 material
            for name in V3_MATERIAL:
                if not getattr(merchant, name):
                    setattr(merchant, name, getattr(old, name))
        if not merchant.merchant_key_pem:
            self.keyring.complete(merchant)  # WeChat issues the keys when a merchant is onboarded
        self.state.put_merchant(merchant)
        return merchant

    def add(self, body: Any) -> dict[str, list[str]]:
        """``{"apps": [...], "merchants": [...]}`` from the control API; all-or-nothing."""
        if not isinstance(body, Mapping) or not set(body) <= {"apps", "merchants"} or not body:
            raise DomainError(
                "INVALID",
                'expected {"apps": [{"appid", "secret", "name"?, "open_platform"?}],'
                ' "merchants": [{"mch_id", "api_key", "appids", "name"?}]}',
            )
        try:
            apps = [build(MiniApp, a, f"apps[{i}]") for i, a in enumerate(_list(body, "apps"))]
            merchants = [build(Merchant, m, f"merchants[{i}]") for i, m in enumerate(_list(body, "merchants"))]
        except ConfigError as exc:
            raise DomainError("INVALID", str(exc)) from None
        for problem in [app_problem(a) for a in apps] + [merchant_problem(m) for m in merchants]:
            if problem:
                raise DomainError("INVALID", problem)
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

    def key_candidates(self, merchant: Merchant, env: str, appid: str = "") -> list[KeyCandidate]:
        """The key a sign must be made with first, then the keys people sign with by mistake."""
        mch_id = merchant.mch_id
        candidates = [KeyCandidate(merchant.key(env), "api_key" if env == PROD else "sandbox_signkey", mch_id)]
        appids = [appid] if appid in self.state.apps else []
        appids += [a for a in merchant.appids if a != appid and a in self.state.apps]
        for a in appids:
            candidates.append(KeyCandidate(self.state.apps[a].secret, "appsecret", a, "appsecret_as_key"))
        if env == SANDBOX:
            candidates.append(KeyCandidate(merchant.api_key, "api_key", mch_id, "production_key_on_sandbox"))
        elif merchant.sandbox_key:
            candidates.append(
                KeyCandidate(merchant.sandbox_key, "sandbox_signkey", mch_id, "sandbox_key_on_production")
            )
        return candidates


def _list(body: Mapping[str, Any], name: str) -> list[Any]:
    value = body.get(name) or []
    if not isinstance(value, list):
        raise DomainError("INVALID", f"{name} must be a list")
    return value
