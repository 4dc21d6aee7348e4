"""What the mini program sends about its user, checked before anyone trusts it (protocol/v2.md 1.4):
the profile's rawData against its signature (sha1(rawData + session_key)) and its encryptedData
opened with the session_key this server got from code2session, the watermark naming our appid; the
phone number by exchanging the button's code with WeChat, or from the older encryptedData.

The client's ``userInfo`` object is never read: only what the session_key proves comes back.
"""

from __future__ import annotations

import hmac
import json
import logging
from typing import Any

from mockwx.wire import OpenDataError, open_open_data, raw_data_signature

from .config import MerchantConfig
from .errors import ApiError, bad_request, upstream
from .models import Session
from .tokens import AccessTokens
from .wechat import LoginFailed, WeChatClient, WeChatUnavailable

log = logging.getLogger("merchant.userdata")

PROFILE_FIELDS = ("nickName", "avatarUrl", "gender", "language", "city", "province", "country")
PHONE_FIELDS = ("phoneNumber", "purePhoneNumber", "countryCode")
RELOGIN = "call wx.login() and POST /api/login again, then ask for the data again"


class UserData:
    def __init__(self, config: MerchantConfig, wechat: WeChatClient, tokens: AccessTokens) -> None:
        self.config = config
        self.wechat = wechat
        self.tokens = tokens

    def _open(self, session: Session, encrypted_data: str, iv: str) -> dict[str, Any]:
        try:
            return open_open_data(encrypted_data, session.session_key, iv, appid=self.config.appid)
        except OpenDataError as exc:
            raise bad_request("BAD_ENCRYPTED_DATA", f"encryptedData cannot be trusted: {exc}; {RELOGIN}") from None

    def profile(self, session: Session, raw_data: str, signature: str, encrypted_data: str, iv: str) -> dict[str, Any]:
        """The verified profile: rawData signed with this session's key, and the same inside encryptedData."""
        expected = raw_data_signature(raw_data, session.session_key)
        if not hmac.compare_digest(expected, signature):
            raise bad_request(
                "BAD_SIGNATURE",
                "rawData does not match its signature under this session's session_key: it was changed on the way,"
                f" or a newer wx.login replaced the key; {RELOGIN}",
            )
        opened = self._open(session, encrypted_data, iv)
        try:
            public = json.loads(raw_data)
        except ValueError:
            raise bad_request(
                "BAD_RAW_DATA", "rawData is not JSON: send it exactly as wx.getUserProfile gave it"
            ) from None
        if not isinstance(public, dict) or any(opened.get(k) != v for k, v in public.items()):
            raise bad_request("BAD_RAW_DATA", "rawData and encryptedData disagree: send both from the same call")
        return {
            "verified": True,
            "profile": {k: opened[k] for k in PROFILE_FIELDS if k in opened},
            "watermark": opened["watermark"],
        }

    def phone_from_encrypted(self, session: Session, encrypted_data: str, iv: str) -> dict[str, Any]:
        """The older way: the phone number inside the button's encryptedData."""
        opened = self._open(session, encrypted_data, iv)
        if not isinstance(opened.get("phoneNumber"), str):
            raise bad_request("BAD_ENCRYPTED_DATA", "this encryptedData holds no phoneNumber: send the phone button's")
        return {k: opened[k] for k in PHONE_FIELDS if k in opened} | {"source": "encryptedData"}

    async def phone_from_code(self, code: str) -> dict[str, Any]:
        """The phone number WeChat gives for the button's code (one use, five minutes)."""
        try:
            info = await self.tokens.call(lambda token: self.wechat.phone_number(token, code))
        except LoginFailed as exc:
            raise _phone_error(exc) from None
        except WeChatUnavailable as exc:
            log.warning("getuserphonenumber unavailable: %s", exc)
            raise upstream("WECHAT_UNAVAILABLE", "WeChat could not be reached; retry in a moment") from None
        return {k: info[k] for k in PHONE_FIELDS if k in info} | {"source": "code"}


def _phone_error(exc: LoginFailed) -> ApiError:
    if exc.errcode == 40029:
        return bad_request(
            "PHONE_CODE_INVALID",
            "the phone code is invalid, used or older than five minutes: ask the user to tap the button again",
            wechat_errcode=exc.errcode,
        )
    log.error("getuserphonenumber failed: %s (check appid and app_secret)", exc)
    return upstream("WECHAT_PHONE_FAILED", f"WeChat would not give the phone number (errcode {exc.errcode})")
