"""What a mini program may learn about its user, and on what terms: the scopes the user granted or
denied (protocol/miniprogram-client.md 3), the profile as open data with its rawData signature and
encryptedData (4; v2.md 1.4), and the phone number, by the button's code exchanged with an
access_token or by the older encryptedData (5).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..clock import SystemClock, VirtualClock
from ..config import Settings
from ..domain.commands import ExchangePhoneCode
from ..domain.errors import DomainError
from ..domain.models import Account, AuthSetting, PhoneCode
from ..domain.scopes import BY_NAME
from ..ids import Ids
from ..state import State
from ..wire import raw_data_signature, seal_open_data
from .login import LoginService

# The profile every app published after 2022-11-08 gets (miniprogram-client.md 4.2, captured payload).
ANONYMOUS_PROFILE: dict[str, Any] = {
    "nickName": "微信用户",
    "gender": 0,
    "language": "",
    "city": "",
    "province": "",
    "country": "",
    "avatarUrl": "https://thirdwx.qlogo.cn/mmopen/vi_32/POgEwh4mIHO4nibH0KlMECNjjGxQUq24ZEaGT4poC6icRiccVGKSyXwibcPq4"
    "BWmiaIGuG1icwxaQX6grC9VemZoJ8rg/132",
}
PROFILE_MODES = ("anonymous", "real")
PROFILE_APIS = ("getUserProfile", "getUserInfo")
COUNTRY_CODE = "86"


@dataclass(slots=True)
class OpenData:
    """What getUserProfile / getUserInfo / the phone button hand the mini program."""

    fields: dict[str, Any]


class UserDataService:
    def __init__(
        self, state: State, clock: SystemClock | VirtualClock, ids: Ids, settings: Settings, login: LoginService
    ) -> None:
        self.state = state
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.login = login

    # -- scopes ---------------------------------------------------------------------------------

    def auth_setting(self, appid: str, user: str) -> AuthSetting:
        self.login.account(appid, user)
        return self.state.auth_settings.get(f"{appid}:{user}") or AuthSetting(appid=appid, user=user)

    def decide(self, appid: str, user: str, scope: str, granted: bool) -> AuthSetting:
        """Record the user's answer (the dialog's, or a switch in the settings page)."""
        if scope not in BY_NAME:
            raise DomainError("INVALID", f"{scope!r} is not a scope", fix=f"scopes: {', '.join(BY_NAME)}")
        setting = self.auth_setting(appid, user)
        setting.scopes[scope] = granted
        self.state.put_auth_setting(setting)
        return setting

    def forget(self, appid: str, user: str) -> AuthSetting:
        """The user deleted the mini program: every decision is forgotten."""
        setting = AuthSetting(appid=appid, user=user)
        self.login.account(appid, user)
        self.state.put_auth_setting(setting)
        return setting

    # -- the profile ----------------------------------------------------------------------------

    def profile(self, appid: str, user: str, api: str, mode: str) -> OpenData:
        """userInfo, rawData, signature, encryptedData and iv, under the user's current session_key."""
        if api not in PROFILE_APIS or mode not in PROFILE_MODES:
            raise DomainError("INVALID", f"api must be one of {PROFILE_APIS} and mode one of {PROFILE_MODES}")
        account = self.login.account(appid, user)
        public = dict(ANONYMOUS_PROFILE) if mode == "anonymous" else _real_profile(user)
        raw_data = json.dumps(public, ensure_ascii=False, separators=(",", ":"))
        sealed = dict(public)
        if api == "getUserInfo":  # the older API still encrypts the ids; getUserProfile never did
            sealed["openId"] = account.openid
            if account.unionid:
                sealed["unionId"] = account.unionid
        encrypted, iv = self._seal(account, sealed)
        user_info = dict(public)
        if api == "getUserProfile" and mode == "anonymous":
            user_info["is_demote"] = True  # on the object only, never in rawData (captured)
        return OpenData(
            {
                "userInfo": user_info,
                "rawData": raw_data,
                "signature": raw_data_signature(raw_data, account.session_key),
                "encryptedData": encrypted,
                "iv": iv,
            }
        )

    def _seal(self, account: Account, data: dict[str, Any]) -> tuple[str, str]:
        return seal_open_data(
            data,
            appid=account.appid,
            timestamp=int(self.clock.now()),
            session_key=account.session_key,
            iv=self.ids.iv(),
        )

    # -- the phone number -----------------------------------------------------------------------

    def phone_button(self, appid: str, user: str) -> OpenData:
        """The getPhoneNumber button's e.detail after "allow": a code, and the older encryptedData."""
        account = self.login.account(appid, user)
        now = self.clock.now()
        code = PhoneCode(
            code=self.ids.fresh(self.ids.phone_code, self.state.phone_codes),
            appid=appid,
            user=user,
            created_at=now,
            expires_at=now + self.settings.login.phone_code_ttl,
        )
        self.state.put_phone_code(code)
        number = Ids.phone_number(user)
        encrypted, iv = self._seal(
            account, {"phoneNumber": number, "purePhoneNumber": number, "countryCode": COUNTRY_CODE}
        )
        # phoneNumber is for the sheet the client draws ("138****1234, 微信绑定号码"), never for e.detail
        return OpenData({"code": code.code, "encryptedData": encrypted, "iv": iv, "phoneNumber": number})

    def exchange(self, command: ExchangePhoneCode) -> dict[str, Any]:
        """phone_info for a getPhoneNumber code: single use, five minutes, the token's own app's."""
        appid = self.login.authorized(command.access_token)
        now = self.clock.now()
        code = self.state.phone_codes.get(command.code)
        if code is None:
            why = (
                "this is a wx.login code; the phone code is the getPhoneNumber button's e.detail.code"
                if command.code in self.state.codes
                else "this code was not given by mockwx's getPhoneNumber button"
            )
            raise DomainError("PHONE_CODE_INVALID", why)
        if code.appid != appid:
            raise DomainError("PHONE_CODE_INVALID", f"this code belongs to {code.appid}; the access_token is {appid}'s")
        if code.used_at is not None:
            raise DomainError("PHONE_CODE_INVALID", "this code was exchanged already; a phone code works once")
        if now >= code.expires_at:
            raise DomainError(
                "PHONE_CODE_INVALID",
                f"this code expired {now - code.expires_at:.0f}s ago (phone codes live"
                f" {self.settings.login.phone_code_ttl}s): exchange it as soon as it arrives",
            )
        code.used_at = now
        self.state.put_phone_code(code)
        number = Ids.phone_number(code.user)
        return {
            "phoneNumber": number,
            "purePhoneNumber": number,
            "countryCode": int(COUNTRY_CODE),
            "watermark": {"timestamp": int(now), "appid": appid},
        }


def _real_profile(user: str) -> dict[str, Any]:
    """A test user's own profile, as apps on base library < 2.27.1 still get it (miniprogram-client.md 4.2)."""
    return {
        "nickName": user,
        "gender": 0,
        "language": "zh_CN",
        "city": "",
        "province": "",
        "country": "",
        "avatarUrl": ANONYMOUS_PROFILE["avatarUrl"],
    }
