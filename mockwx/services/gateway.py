"""The front door of every Pay v2 call: who is calling, is the signature right, and the signed
answer. The business services behind it (pay, refund, bill) never see an unauthenticated call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..config import Settings
from ..doctor import Diagnosis, KeyCandidate, diagnose
from ..domain.errors import BizFail, ReturnFail
from ..domain.models import PROD, SANDBOX, Merchant
from ..ids import Ids
from ..state import State
from ..wire import SIGN_TYPES, sign, verify


@dataclass(slots=True)
class V2Call:
    """An authenticated Pay v2 request."""

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
    """Authenticates v2 requests and signs v2 answers."""

    def __init__(self, state: State, settings: Settings, ids: Ids) -> None:
        self.state = state
        self.settings = settings
        self.ids = ids

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

    def authenticate(self, api: str, env: str, fields: dict[str, str], *, needs_appid: bool = True) -> V2Call:
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
            raise ReturnFail("SIGNERROR", hint=diagnosis.hint(), diagnosis=diagnosis)
        if needs_appid:
            self.check_appid(fields.get("appid", ""), merchant)
        return V2Call(api=api, env=env, fields=fields, merchant=merchant, key=key, sign_type=sign_type)

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
            keys=self.key_candidates(merchant, env, fields.get("appid", "")),
        )

    def key_candidates(self, merchant: Merchant, env: str, appid: str = "") -> list[KeyCandidate]:
        """The right key first, then the keys people sign with by mistake."""
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

    # -- answers ------------------------------------------------------------------------------

    def _head(self, call: V2Call) -> dict[str, Any]:
        head: dict[str, Any] = {
            "return_code": "SUCCESS",
            "return_msg": "OK",
            "appid": call.fields.get("appid") or None,
            "mch_id": call.merchant.mch_id,
        }
        if call.fields.get("device_info"):
            head["device_info"] = call.fields["device_info"]
        head["nonce_str"] = self.ids.nonce()
        head["sign"] = ""
        return head

    def _signed(self, call: V2Call, answer: dict[str, Any]) -> dict[str, Any]:
        answer["sign"] = sign({k: v for k, v in answer.items() if v is not None}, call.key, call.sign_type)
        return answer

    def success(self, call: V2Call, result: dict[str, Any]) -> dict[str, Any]:
        """return_code and result_code SUCCESS, the result fields, signed with the request's sign_type."""
        return self._signed(call, {**self._head(call), "result_code": "SUCCESS", **result})

    def failure(self, call: V2Call, error: BizFail) -> dict[str, Any]:
        """result_code FAIL with err_code / err_code_des, signed."""
        return self._signed(
            call,
            {**self._head(call), "result_code": "FAIL", "err_code": error.err_code, "err_code_des": error.err_code_des},
        )
