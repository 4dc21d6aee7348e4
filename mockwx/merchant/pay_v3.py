"""The gateway in API v3: signed JSON requests, every answer's signature verified, the RSA paySign
(protocol/v3.md 1-6, 8.1).

Requests carry ``Authorization: WECHATPAY2-SHA256-RSA2048 ...`` signed with the merchant's private
key over the exact bytes sent, and a timestamp from the wall clock (WeChat compares it with its
own; the merchant's business clock may be a test's virtual one). Answers are verified with the
WeChat Pay public key (public-key mode) or the platform certificates downloaded from
``/v3/certificates`` and decrypted with the APIv3 key (certificate mode; downloaded again when an
unknown serial arrives). A 2xx must verify; an error answer must verify when it carries a
signature, and may come unsigned only for the statuses that change nothing here (401, 429, 5xx).
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
from cryptography.hazmat.primitives.asymmetric import rsa

from mockwx.streams import read_to_end
from mockwx.wire.v3 import (
    ResponseSignatureError,
    build_authorization,
    compact_json,
    load_private_key,
    load_public_key,
    pay_sign,
    read_certificates,
    to_rfc3339,
    verify_response,
)

from .config import MerchantConfig
from .gateway import Payment, PaySign, RefundAccepted, Refusal, Trouble
from .models import Order, Refund
from .wechat import MAX_ANSWER_BYTES, WeChatClient, WeChatForged, WeChatRefused, WeChatUnavailable

log = logging.getLogger("merchant.pay_v3")

SIGN_TYPE = "RSA"
RETRYABLE = frozenset({"SYSTEM_ERROR", "BANK_ERROR", "SERVICE_UNAVAILABLE"})  # v3.md 4.3, 9.2: retry, same body
NOT_READ = frozenset({"SIGN_ERROR", "PARAM_ERROR"})  # WeChat did not take the request in: fix it, nothing changed
TROUBLES = {
    "ORDERPAID": Trouble.PAID,
    "ORDER_PAID": Trouble.PAID,
    "ORDER_CLOSED": Trouble.CLOSED,
    "ORDER_NOT_EXIST": Trouble.NOT_FOUND,
    "ORDERNOTEXIST": Trouble.NOT_FOUND,
    "RESOURCE_NOT_EXISTS": Trouble.NOT_FOUND,
    "FREQUENCY_LIMITED": Trouble.BUSY,
    **{code: Trouble.BUSY for code in RETRYABLE},
}
UNSIGNED_OK = (401, 429)  # and 5xx: answers that change nothing here may come without a signature
USER_AGENT = "mockwx-reference-merchant (aiohttp)"


@dataclass(frozen=True, slots=True)
class Answer:
    """A verified v3 answer: the status, the JSON object (empty for a 204), how many attempts it took."""

    status: int
    data: dict[str, Any]
    attempts: int

    @property
    def code(self) -> str:
        return str(self.data.get("code", "")) if self.status >= 300 else ""

    def refusal(self) -> Refusal:
        message = str(self.data.get("message", ""))
        return Refusal(
            TROUBLES.get(self.code, Trouble.FAILED), self.code or f"HTTP_{self.status}", message, self.attempts
        )


def read_pem(path: str) -> str:
    return Path(path).read_text(encoding="ascii")


class V3Gateway:
    dialect = "v3"

    def __init__(self, config: MerchantConfig, wechat: WeChatClient) -> None:
        self.config = config
        self.wechat = wechat  # its aiohttp session carries these calls too
        self.private_key: rsa.RSAPrivateKey = load_private_key(read_pem(config.private_key_file))
        self.verifiers: dict[str, rsa.RSAPublicKey] = {}  # Wechatpay-Serial -> key
        if config.wechatpay_public_key_id:
            self.verifiers[config.wechatpay_public_key_id] = load_public_key(read_pem(config.wechatpay_public_key_file))
        self._downloading: asyncio.Lock | None = None
        self._newest = ""  # the platform certificate that became valid last: the one to name (v3.md 3.2)

    @property
    def public_key_mode(self) -> bool:
        return bool(self.config.wechatpay_public_key_id)

    def sign_type(self) -> str:
        return SIGN_TYPE

    # -- the calls ----------------------------------------------------------------------------------

    def order_fields(
        self, number: str, description: str, amount: int, openid: str, now: float, expires_at: float
    ) -> dict[str, Any]:
        c = self.config
        return {
            "appid": c.appid,
            "mchid": c.mch_id,
            "description": description,
            "out_trade_no": number,
            "time_expire": to_rfc3339(expires_at),
            "notify_url": c.notify_url,
            "amount": {"total": amount, "currency": "CNY"},
            "payer": {"openid": openid},
            "scene_info": {"payer_client_ip": c.spbill_create_ip},
        }

    async def prepay(self, order: Order) -> str | Refusal:
        answer = await self.call("POST", "/v3/pay/transactions/jsapi", order.wx_params)
        prepay_id = answer.data.get("prepay_id")
        if answer.status == 200 and isinstance(prepay_id, str) and prepay_id:
            return prepay_id
        return answer.refusal()

    def pay_sign(self, order: Order, time_stamp: str, nonce_str: str, package: str) -> PaySign:
        return PaySign(SIGN_TYPE, pay_sign(self.config.appid, time_stamp, nonce_str, package, self.private_key))

    async def query(self, order: Order) -> Payment | Refusal:
        target = f"/v3/pay/transactions/out-trade-no/{quote(order.out_trade_no, safe='')}?mchid={self.config.mch_id}"
        answer = await self.call("GET", target)
        if answer.status != 200:
            return answer.refusal()
        d = answer.data
        amount = d.get("amount") if isinstance(d.get("amount"), dict) else {}
        total = amount.get("total")
        return Payment(
            out_trade_no=str(d.get("out_trade_no", "")),
            trade_state=str(d.get("trade_state", "")),
            total_fen=total if isinstance(total, int) and not isinstance(total, bool) else None,
            transaction_id=str(d.get("transaction_id", "")),
            appid=str(d.get("appid", "")),
            mch_id=str(d.get("mchid", "")),
            total_text=f"amount.total {total!r}",
        )

    async def close(self, order: Order) -> Refusal | None:
        target = f"/v3/pay/transactions/out-trade-no/{quote(order.out_trade_no, safe='')}/close"
        answer = await self.call("POST", target, {"mchid": self.config.mch_id})
        return None if answer.status == 204 else answer.refusal()

    async def refund(self, order: Order, refund: Refund) -> RefundAccepted | Refusal:
        body: dict[str, Any] = {"out_trade_no": order.out_trade_no, "out_refund_no": refund.out_refund_no}
        if refund.reason:
            body["reason"] = refund.reason
        body["notify_url"] = self.config.refund_notify_url
        body["amount"] = {"refund": refund.amount_fen, "total": order.amount_fen, "currency": "CNY"}
        answer = await self.call("POST", "/v3/refund/domestic/refunds", body)
        if answer.status != 200:
            return answer.refusal()
        amount = answer.data.get("amount") if isinstance(answer.data.get("amount"), dict) else {}
        fen = amount.get("refund")
        return RefundAccepted(
            out_refund_no=str(answer.data.get("out_refund_no", "")),
            refund_fen=fen if isinstance(fen, int) and not isinstance(fen, bool) else None,
            refund_id=str(answer.data.get("refund_id", "")),
        )

    # -- signing, sending, verifying ------------------------------------------------------------------

    async def call(self, method: str, target: str, body: dict[str, Any] | None = None, *, retry: bool = True) -> Answer:
        """Send a signed request; the verified answer, retried (same body, fresh signature) while WeChat is busy.

        Raises WeChatUnavailable, WeChatRefused (401 SIGN_ERROR, PARAM_ERROR: the request was not
        read) or WeChatForged.
        """
        c = self.config
        raw = b"" if body is None else compact_json(body)
        retries = c.unifiedorder_retries if retry else 0
        attempt = 0
        while True:
            attempt += 1
            try:
                answer = await self._send(method, target, raw, attempt)
            except WeChatUnavailable as exc:
                if attempt > retries:
                    raise
                log.warning("%s %s attempt %d: %s; retrying with the same body", method, target, attempt, exc)
            else:
                if answer.code not in RETRYABLE or attempt > retries:
                    if answer.code in NOT_READ:
                        raise WeChatRefused(f"{answer.code} {answer.data.get('message', '')}".strip())
                    return answer
                log.warning("%s %s attempt %d: %s; retrying with the same body", method, target, attempt, answer.code)
            await asyncio.sleep(c.retry_backoff * 2 ** (attempt - 1))

    def _headers(self, method: str, target: str, raw: bytes) -> dict[str, str]:
        c = self.config
        headers = {
            "Authorization": build_authorization(
                method,
                target,
                raw,
                mchid=c.mch_id,
                serial_no=c.merchant_serial,
                private_key=self.private_key,
                timestamp=int(time.time()),  # the wall clock: WeChat checks it against its own
            ),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
        }
        serial = c.wechatpay_public_key_id or self._newest
        if serial:  # name the key we verify with: WeChat signs the answer with it (v3.md 1.3, 2.4)
            headers["Wechatpay-Serial"] = serial
        return headers

    async def _send(self, method: str, target: str, raw: bytes, attempt: int) -> Answer:
        url = self.config.pay_base_url.rstrip("/") + target
        try:
            async with self.wechat.session.request(
                method, url, data=raw or None, headers=self._headers(method, target, raw)
            ) as response:
                body = await read_to_end(response.content, MAX_ANSWER_BYTES + 1)
                status, headers = response.status, dict(response.headers)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise WeChatUnavailable(f"{url}: {type(exc).__name__}: {exc}") from None
        if len(body) > MAX_ANSWER_BYTES:
            raise WeChatUnavailable(f"{url} answered more than {MAX_ANSWER_BYTES} bytes")
        signed = any(name.lower() == "wechatpay-signature" for name in headers)
        if 200 <= status < 300 or signed:
            await self.verify(headers, body, what=f"the answer of {method} {target}")
        elif status not in UNSIGNED_OK and status < 500:
            raise WeChatForged(f"{method} {target} answered HTTP {status} without a signature")
        data: dict[str, Any] = {}
        if body:
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None
            if not isinstance(parsed, dict):
                raise WeChatUnavailable(f"{url} answered HTTP {status} with something that is not a JSON object")
            data = parsed
        if status >= 300:
            log.info("%s %s: HTTP %d %s %s", method, target, status, data.get("code"), data.get("message"))
        return Answer(status, data, attempt)

    async def verify(self, headers: dict[str, str], body: bytes, *, what: str) -> str:
        """Check the Wechatpay-* signature of an answer or a notification; the serial that verified it.

        Certificate mode downloads the platform certificates first, and again for a serial it does
        not know (WeChat rotates them). Raises WeChatForged, naming what failed.
        """
        if not self.public_key_mode and not self.verifiers:
            await self.download_certificates()
        try:
            return verify_response(headers, body, self.verifiers, now=time.time())
        except ResponseSignatureError as exc:
            if exc.reason == "unknown_serial" and not self.public_key_mode:
                await self.download_certificates()
                try:
                    return verify_response(headers, body, self.verifiers, now=time.time())
                except ResponseSignatureError as again:
                    exc = again
            log.warning("refused %s: %s", what, exc.detail)
            raise WeChatForged(f"{what} failed verification ({exc.reason}): {exc.detail}") from None

    async def download_certificates(self) -> None:
        """GET /v3/certificates: the platform certificates, decrypted with the APIv3 key (v3.md 3)."""
        if self._downloading is None:
            self._downloading = asyncio.Lock()
        async with self._downloading:
            url = self.config.pay_base_url.rstrip("/") + "/v3/certificates"
            try:
                async with self.wechat.session.get(url, headers=self._headers("GET", "/v3/certificates", b"")) as r:
                    body, status, headers = (
                        await read_to_end(r.content, MAX_ANSWER_BYTES + 1),
                        r.status,
                        dict(r.headers),
                    )
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise WeChatUnavailable(f"{url}: {type(exc).__name__}: {exc}") from None
            if status != 200:
                raise WeChatUnavailable(
                    f"/v3/certificates answered HTTP {status}: {body[:200]!r}; a merchant without platform"
                    " certificates uses the WeChat Pay public key (wechatpay_public_key_id, wechatpay_public_key_file)"
                )
            try:
                certificates = read_certificates(body, self.config.api_v3_key)
            except ValueError as exc:
                raise WeChatForged(f"/v3/certificates does not decrypt with our APIv3 key: {exc}") from None
            now = time.time()
            valid = {
                serial: cert
                for serial, cert in certificates.items()
                if cert.not_valid_before_utc.timestamp() <= now < cert.not_valid_after_utc.timestamp()
            }
            fresh = {serial: cert.public_key() for serial, cert in valid.items()}
            keys = {**self.verifiers, **fresh}
            try:  # the first download has nothing older to check it with: it must at least be signed by itself
                verify_response(headers, body, keys, now=now)  # type: ignore[arg-type]
            except ResponseSignatureError as exc:
                raise WeChatForged(f"/v3/certificates failed verification: {exc.detail}") from None
            self.verifiers.update(fresh)  # type: ignore[arg-type]
            if valid:
                self._newest = max(valid, key=lambda serial: valid[serial].not_valid_before_utc)
            log.info("platform certificates: %s", ", ".join(sorted(fresh)) or "none valid now")
