"""The WeChat client: code2session and signed Pay v2 calls over aiohttp, with mockwx.wire as the SDK.

Every Pay v2 answer is checked before anyone trusts it: a return_code=SUCCESS answer must carry a
``sign`` that verifies with the request's sign_type and the merchant's own appid and mch_id
(protocol/v2.md 2.1; an answer with return_code=FAIL carries no sign). Retryable failures
(transport errors, SYSTEMERROR, BIZERR_NEED_RETRY) are retried by re-sending the very same
signed body, which is what "retry with identical parameters" means.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp

from mockwx.streams import read_to_end
from mockwx.wire import MD5, XmlError, canonical_string, mask_key, new_nonce, parse_xml, render_xml, verify, with_sign

from .config import MerchantConfig

log = logging.getLogger("merchant.wechat")

MAX_ANSWER_BYTES = 256 * 1024
RETRYABLE = frozenset({"SYSTEMERROR", "BIZERR_NEED_RETRY"})  # protocol/v2.md 3.3, 6.3: retry, same parameters


class WeChatUnavailable(Exception):
    """No usable answer: connection refused, timeout, non-200, or a body that is not WeChat XML."""


class WeChatRefused(Exception):
    """return_code=FAIL: WeChat did not accept the request at all (bad sign, bad field...)."""

    def __init__(self, return_msg: str) -> None:
        super().__init__(f"WeChat answered return_code=FAIL: {return_msg}")
        self.return_msg = return_msg


class WeChatForged(Exception):
    """An answer that does not prove it comes from WeChat for this merchant: refuse it."""


class LoginFailed(Exception):
    """api.weixin.qq.com (code2session, the access_token, the phone number) answered an errcode."""

    def __init__(self, errcode: int, errmsg: str, api: str = "code2session") -> None:
        super().__init__(f"{api} errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


@dataclass(frozen=True, slots=True)
class LoginResult:
    openid: str
    session_key: str


@dataclass(frozen=True, slots=True)
class PayAnswer:
    """A verified Pay v2 answer (return_code=SUCCESS, signature and identity checked)."""

    fields: dict[str, str]
    attempts: int

    @property
    def ok(self) -> bool:
        return self.fields.get("result_code") == "SUCCESS"

    @property
    def err_code(self) -> str:
        return self.fields.get("err_code", "")

    @property
    def err_code_des(self) -> str:
        return self.fields.get("err_code_des", "")


class WeChatClient:
    """Talks to login_base_url and pay_base_url for one merchant; owns an aiohttp ClientSession."""

    def __init__(self, config: MerchantConfig) -> None:
        self.config = config
        self._session: aiohttp.ClientSession | None = None
        self._ssl: ssl.SSLContext | None = None

    async def start(self) -> None:
        timeout = aiohttp.ClientTimeout(total=self.config.wechat_timeout)
        self._session = aiohttp.ClientSession(timeout=timeout, trust_env=False)
        if self.config.client_cert:
            self._ssl = ssl.create_default_context()
            self._ssl.load_cert_chain(self.config.client_cert, self.config.client_key)

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("the WeChat client is not started (create_app starts it)")
        return self._session

    # -- login ------------------------------------------------------------------------------------

    async def _login_api(self, api: str, method: str, path: str, **kwargs: Any) -> dict[str, Any]:
        """A JSON call to login_base_url; its answer, or LoginFailed / WeChatUnavailable."""
        url = self.config.login_base_url.rstrip("/") + path
        try:
            async with self.session.request(method, url, **kwargs) as response:
                if response.status != 200:
                    raise WeChatUnavailable(f"{api} answered HTTP {response.status}")
                data = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise WeChatUnavailable(f"{api} failed: {type(exc).__name__}: {exc}") from None
        if not isinstance(data, dict):
            raise WeChatUnavailable(f"{api} answered something that is not a JSON object")
        errcode = data.get("errcode") or 0  # a success may carry errcode 0 or none at all
        if errcode:
            raise LoginFailed(int(errcode), str(data.get("errmsg", "")), api)
        return data

    async def code2session(self, code: str) -> LoginResult:
        c = self.config
        params = {"appid": c.appid, "secret": c.app_secret, "js_code": code, "grant_type": "authorization_code"}
        data = await self._login_api("code2session", "GET", "/sns/jscode2session", params=params)
        openid, session_key = data.get("openid"), data.get("session_key")
        if not isinstance(openid, str) or not openid or not isinstance(session_key, str) or not session_key:
            raise WeChatUnavailable("code2session answered without openid and session_key")
        return LoginResult(openid=openid, session_key=session_key)

    async def stable_token(self, force_refresh: bool = False) -> tuple[str, int]:
        """getStableAccessToken: (access_token, expires_in), the same token while it lives unless forced."""
        c = self.config
        body = {"grant_type": "client_credential", "appid": c.appid, "secret": c.app_secret}
        if force_refresh:
            body["force_refresh"] = True
        data = await self._login_api("stable_token", "POST", "/cgi-bin/stable_token", json=body)
        token, expires_in = data.get("access_token"), data.get("expires_in")
        if not isinstance(token, str) or not token or not isinstance(expires_in, int):
            raise WeChatUnavailable("stable_token answered without access_token and expires_in")
        return token, expires_in

    async def phone_number(self, access_token: str, code: str) -> dict[str, Any]:
        """The phone_info behind the getPhoneNumber button's code (getuserphonenumber)."""
        data = await self._login_api(
            "getuserphonenumber",
            "POST",
            "/wxa/business/getuserphonenumber",
            params={"access_token": access_token},
            json={"code": code},
        )
        info = data.get("phone_info")
        if not isinstance(info, dict) or not isinstance(info.get("phoneNumber"), str):
            raise WeChatUnavailable("getuserphonenumber answered without phone_info")
        return info

    # -- Pay v2 -----------------------------------------------------------------------------------

    async def pay(self, path: str, business: Mapping[str, Any], sign_type: str = MD5, *, retries: int = 0) -> PayAnswer:
        """POST a signed request (appid, mch_id, nonce_str, sign_type added); the verified answer.

        Raises WeChatUnavailable, WeChatRefused or WeChatForged; a business failure
        (result_code=FAIL) is an answer, see ``PayAnswer.ok`` and ``err_code``.
        """
        c = self.config
        fields = {"appid": c.appid, "mch_id": c.mch_id, "nonce_str": new_nonce(), "sign_type": sign_type, **business}
        body = render_xml(with_sign(fields, c.api_key, sign_type))
        url = c.pay_base_url.rstrip("/") + path
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = await self._post(url, body, sign_type, secure=path.startswith("/secapi/"))
            except WeChatUnavailable as exc:
                if attempt > retries:
                    raise
                log.warning("%s attempt %d: %s; retrying with the same body", path, attempt, exc)
            else:
                if answer.get("result_code") == "FAIL" and answer.get("err_code") in RETRYABLE and attempt <= retries:
                    log.warning(
                        "%s attempt %d: %s; retrying with identical parameters", path, attempt, answer.get("err_code")
                    )
                else:
                    return PayAnswer(fields=answer, attempts=attempt)
            await asyncio.sleep(c.retry_backoff * 2 ** (attempt - 1))

    async def _post(self, url: str, body: bytes, sign_type: str, *, secure: bool) -> dict[str, str]:
        headers = {"Content-Type": "text/xml; charset=utf-8"}
        try:
            async with self.session.post(
                url, data=body, headers=headers, ssl=self._ssl if secure else True
            ) as response:
                raw = await read_to_end(response.content, MAX_ANSWER_BYTES + 1)
                status = response.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise WeChatUnavailable(f"{url}: {type(exc).__name__}: {exc}") from None
        if status != 200:
            raise WeChatUnavailable(f"{url} answered HTTP {status}")
        try:
            answer = parse_xml(raw, max_bytes=MAX_ANSWER_BYTES)
        except XmlError as exc:
            raise WeChatUnavailable(f"{url} answered something that is not WeChat XML: {exc.detail}") from None
        return self._checked(url, answer, sign_type)

    def _checked(self, url: str, answer: dict[str, str], sign_type: str) -> dict[str, str]:
        c = self.config
        if answer.get("return_code") != "SUCCESS":
            raise WeChatRefused(answer.get("return_msg") or answer.get("retmsg") or "no return_msg")
        if not verify(answer, c.api_key, sign_type):
            log.warning(
                "refused an answer from %s: its sign does not verify with %s; canonical string %s",
                url,
                sign_type,
                canonical_string(answer, mask_key(c.api_key)),
            )
            raise WeChatForged(f"the answer's sign does not verify with our API key and {sign_type}")
        if answer.get("appid") != c.appid or answer.get("mch_id") != c.mch_id:
            log.warning(
                "refused an answer from %s for appid %r / mch_id %r: we are %s / %s",
                url,
                answer.get("appid"),
                answer.get("mch_id"),
                c.appid,
                c.mch_id,
            )
            raise WeChatForged("the answer is for another appid or mch_id")
        return answer
