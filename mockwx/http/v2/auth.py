"""The front door of every Pay v2 call: who is calling and is the signature right
(protocol/v2.md 2.1). Nothing behind it sees an unauthenticated call."""

from __future__ import annotations

from dataclasses import dataclass

from ...config import Settings
from ...doctor import Diagnosis, diagnose
from ...domain.models import SANDBOX, Merchant
from ...services.tenants import TenantService
from ...state import State
from ...wire import SIGN_TYPES, verify
from .errors import ReturnFail


@dataclass(slots=True)
class V2Request:
    """An authenticated Pay v2 request: its fields, its merchant and the key and algorithm it signs with."""

    api: str
    env: str
    fields: dict[str, str]
    merchant: Merchant
    key: str
    sign_type: str

    @property
    def appid(self) -> str:
        return self.fields.get("appid", "")


class Gateway:
    """Authenticates v2 requests."""

    def __init__(self, state: State, settings: Settings, tenants: TenantService, *, reveal: bool = True) -> None:
        self.state = state
        self.settings = settings
        self.tenants = tenants
        self.reveal = reveal  # may the hint carry the expected sign (security.reveal_hints; issue 8, item 15)

    def merchant_of(self, fields: dict[str, str]) -> Merchant:
        mch_id = fields.get("mch_id", "")
        if not mch_id:
            raise ReturnFail("LACK_PARAMS", hint="the required field mch_id is missing or empty")
        if not (mch_id.isascii() and mch_id.isdigit()) or len(mch_id) > 32:
            raise ReturnFail("FORMAT", "mch_id", hint=f"mch_id is {mch_id!r}; a mch_id is digits only")
        merchant = self.state.merchants.get(mch_id)
        if merchant is None:
            known = ", ".join(sorted(self.state.merchants)) or "none"
            raise ReturnFail(
                "MCHID_NOT_EXIST",
                hint=f"no merchant {mch_id} is registered (known: {known}); add it in the config file or with"
                " POST /__mock__/tenants",
            )
        return merchant

    def authenticate(self, api: str, env: str, fields: dict[str, str], *, needs_appid: bool = True) -> V2Request:
        merchant = self.merchant_of(fields)
        sign_type = fields.get("sign_type") or "MD5"
        if sign_type not in SIGN_TYPES:
            raise ReturnFail("FORMAT", "sign_type", hint=f"sign_type is {sign_type!r}; use MD5 or HMAC-SHA256")
        key = merchant.key(env)
        if env == SANDBOX and not key:
            raise ReturnFail(
                "SIGNERROR",
                hint=f"merchant {merchant.mch_id} has no sandbox key yet: call /sandboxnew/pay/getsignkey first"
                " and sign sandbox requests with the sandbox_signkey it returns",
            )
        if not self._verified(fields, key, sign_type):
            diagnosis = self.diagnose(fields, merchant, env, sign_type)
            shown = diagnosis if self.reveal else diagnosis.redacted()
            raise ReturnFail("SIGNERROR", hint=shown.hint(), diagnosis=shown)
        if needs_appid:
            self.check_appid(fields.get("appid", ""), merchant)
        return V2Request(api=api, env=env, fields=fields, merchant=merchant, key=key, sign_type=sign_type)

    def _verified(self, fields: dict[str, str], key: str, sign_type: str) -> bool:
        if verify(fields, key, sign_type):
            return True
        if self.settings.pay.accept_lowercase_sign:
            received = fields.get("sign", "")
            return received != received.upper() and verify({**fields, "sign": received.upper()}, key, sign_type)
        return False

    def check_appid(self, appid: str, merchant: Merchant) -> None:
        if not appid:
            raise ReturnFail("LACK_PARAMS", hint="the required field appid is missing or empty")
        if appid not in self.state.apps:
            raise ReturnFail(
                "APPID_NOT_EXIST",
                hint=f"no app {appid} is registered; add it in the config file or with POST /__mock__/tenants",
            )
        if appid not in merchant.appids:
            raise ReturnFail(
                "APPID_MCHID_NOT_MATCH",
                hint=f"appid {appid} is not bound to merchant {merchant.mch_id} (bound: {', '.join(merchant.appids)})",
            )

    def diagnose(self, fields: dict[str, str], merchant: Merchant, env: str, sign_type: str) -> Diagnosis:
        return diagnose(
            fields,
            fields.get("sign", ""),
            sign_type=sign_type,
            keys=self.tenants.key_candidates(merchant, env, fields.get("appid", "")),
            prefixes=self.reveal,
        )
