"""The notify engine: delivers notifications to merchants on WeChat's retry schedule.

A notification is a rendered request (URL, headers, body bytes) in a dialect; the engine POSTs
it and asks the dialect whether the answer acknowledges it (:data:`JUDGES`). Anything else
(another status, a reply the dialect refuses, a refused connection, no answer within the timeout)
is a failed attempt, retried after the next delay of the schedule until the schedule is
exhausted. The schedule, allowlist, timeouts and persistence are the same for every dialect.
Attempts run on the clock's timers, at most ``concurrency`` at once, never inside request handling.

Deliveries go over pooled connections kept alive for a few seconds (``KEEPALIVE``), so a burst of
notifications to one merchant does not open a TCP connection each. A pooled connection the merchant
closed while it sat idle fails at once, before any answer; such an attempt is sent again, once, on a
fresh connection within what is left of its timeout, and only that one's outcome is the attempt's: a
stale connection is never recorded as a failed delivery.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from time import perf_counter

import aiohttp

from ..clock import SystemClock, VirtualClock
from ..config import NotifySettings
from ..domain.errors import DomainError
from ..domain.models import Attempt, Notification, NotifyStatus
from ..escape import printable
from ..ids import Ids
from ..persist import StorageError
from ..state import RETRY_AFTER_STORAGE_ERROR, State
from ..streams import read_to_end
from ..timers import Timers
from . import v2, v3
from .allowlist import Allowlist
from .routing import Delivery, Router
from .waiters import Waiters

log = logging.getLogger("mockwx.notify")

# dialect -> judge(status, raw reply, lenient) -> (verdict, reason)
JUDGES: dict[str, Callable[..., tuple[str, str]]] = {"v2": v2.judge_reply, "v3": v3.judge_reply}
Signer = Callable[[Notification], dict[str, str]]
AttemptListener = Callable[[Notification, Attempt, dict[str, str]], None]  # the headers that attempt sent

MAX_REPLY_BYTES = 64 * 1024
EXCERPT_CHARS = 300
KEEPALIVE = 4.0  # seconds an idle pooled connection to a merchant is kept


class NotifyEngine:
    def __init__(
        self,
        state: State,
        clock: SystemClock | VirtualClock,
        timers: Timers,
        ids: Ids,
        settings: NotifySettings,
        on_attempt: AttemptListener | None = None,
    ) -> None:
        self.state = state
        self.on_attempt = on_attempt  # told of every attempt once its verdict is known (the journal)
        self.clock = clock
        self.timers = timers
        self.ids = ids
        self.settings = settings
        self._allowlist = Allowlist(settings.allow)
        self._router = Router(settings.routes, settings.verify_routes)
        self._semaphore = asyncio.Semaphore(settings.concurrency)
        self._session: aiohttp.ClientSession | None = None  # pooled connections
        self._fresh: aiohttp.ClientSession | None = None  # a new connection per request: the retry of a stale one
        self._timeout = aiohttp.ClientTimeout(total=settings.timeout)
        self.signers: dict[str, Signer] = {}  # dialect -> headers signed afresh for each delivery (v3)
        self._sent: dict[tuple[str, int], dict[str, str]] = {}  # (notification, attempt) -> headers, until reported
        self.waiters = Waiters()  # long-poll callers, woken by the deliveries they wait for

    @property
    def allowlist(self) -> Allowlist:
        """The allowlist of the current settings (rebuilt when notify.allow changes)."""
        if self._allowlist.entries != self.settings.allow:
            self._allowlist = Allowlist(self.settings.allow)
        return self._allowlist

    @property
    def router(self) -> Router:
        """The notify routes of the current settings (rebuilt when notify.routes changes)."""
        if self._router.source != self.settings.routes or self._router.verify != self.settings.verify_routes:
            self._router = Router(self.settings.routes, self.settings.verify_routes)
        return self._router

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        limit = self.settings.concurrency
        pooled = aiohttp.TCPConnector(limit=limit, keepalive_timeout=KEEPALIVE)
        self._session = aiohttp.ClientSession(connector=pooled, trust_env=False)
        fresh = aiohttp.TCPConnector(limit=limit, force_close=True)
        self._fresh = aiohttp.ClientSession(connector=fresh, trust_env=False)
        for notification in self.state.notifications.values():  # a restart: pick up where it was
            self._resume(notification)
        self.state.on_restore.append(self._restored)

    def _resume(self, notification: Notification) -> None:
        """Schedule a stored notification's next attempt (after a restart)."""
        if notification.status == NotifyStatus.PENDING and notification.next_at is not None:
            self._schedule(notification)

    def _restored(self, kind: str, record: object) -> None:
        """A write that was undone put this notification back: try again, but not at once (the disk is full)."""
        if isinstance(record, Notification) and record.status == NotifyStatus.PENDING and record.next_at is not None:
            record.next_at = max(record.next_at, self.clock.now() + RETRY_AFTER_STORAGE_ERROR)
            self._schedule(record)

    async def stop(self) -> None:
        self._sent.clear()  # attempts cut short report nothing
        for session in (self._session, self._fresh):
            if session is not None:
                await session.close()
        self._session = self._fresh = None

    # -- scheduling ---------------------------------------------------------------------------

    def send(
        self,
        *,
        kind: str,
        env: str,
        mch_id: str,
        out_trade_no: str,
        url: str,
        body: bytes,
        headers: dict[str, str] | None = None,
        dialect: str = "v2",
        out_refund_no: str = "",
        label: str = "",
        delay: float = 0.0,
        delays: list[int] | None = None,
        ack: str = "strict",
        status: str = NotifyStatus.PENDING,
    ) -> Notification:
        """Queue a notification; its first attempt falls due ``delay`` seconds from now.

        ``status=suppressed`` records it without ever sending it (a lost notification).
        """
        now = self.clock.now()
        notification = Notification(
            id=self.ids.fresh(self.ids.notification_id, self.state.notifications),
            kind=kind,
            env=env,
            mch_id=mch_id,
            out_trade_no=out_trade_no,
            out_refund_no=out_refund_no,
            url=url,
            body=body.decode("utf-8"),
            headers=dict(v2.HEADERS if headers is None else headers),
            dialect=dialect,
            created_at=now,
            delays=list(self.settings.retry_delays if delays is None else delays),
            label=label,
            ack=ack,
            status=status,
            next_at=now + delay if status == NotifyStatus.PENDING else None,
        )
        self.state.put_notification(notification)
        if notification.next_at is not None:
            self._schedule(notification)
        return notification

    def _schedule(self, notification: Notification) -> None:
        assert notification.next_at is not None
        self.timers.schedule(
            f"notify:{notification.id}", notification.next_at, lambda: self._scheduled(notification.id)
        )

    async def _scheduled(self, notification_id: str) -> None:
        notification = self.state.notifications.get(notification_id)
        if notification is None or notification.status != NotifyStatus.PENDING:
            return
        attempt = await self._attempt(notification)
        if attempt.verdict == "acked":
            notification.status = NotifyStatus.ACKED
            notification.next_at = None
        elif attempt.verdict == "refused":
            notification.status = NotifyStatus.REFUSED
            notification.next_at = None
        else:
            retries_done = sum(not a.manual for a in notification.attempts) - 1  # a resend is no retry
            if retries_done < len(notification.delays):
                notification.next_at = attempt.at + notification.delays[retries_done]
                self._schedule(notification)
            else:
                notification.status = NotifyStatus.GIVEN_UP
                notification.next_at = None
                log.warning(
                    "notification %s for %s given up after %d attempts",
                    notification.id,
                    printable(notification.out_trade_no),
                    len(notification.attempts),
                )
        self._report(notification, attempt)
        await self._saved(notification)

    async def resend(self, notification_id: str) -> Attempt:
        """One extra delivery now; an ack settles the notification, a failure leaves its schedule as it was."""
        notification = self.state.notifications.get(notification_id)
        if notification is None:
            raise DomainError(
                "NOT_FOUND", f"no notification {notification_id!r}", fix="GET /__mock__/notifications lists them"
            )
        attempt = await self._attempt(notification, manual=True)
        if attempt.verdict == "acked" and notification.status != NotifyStatus.ACKED:
            notification.status = NotifyStatus.ACKED
            notification.next_at = None
            self.timers.cancel(f"notify:{notification.id}")
        self._report(notification, attempt)
        await self._saved(notification)
        return attempt

    def _report(self, notification: Notification, attempt: Attempt) -> None:
        sent = self._sent.pop((notification.id, attempt.number), notification.headers)  # unsent: what it holds
        if self.on_attempt is None:
            return
        try:
            self.on_attempt(notification, attempt, sent)
        except Exception:  # a listener's bug must not stop deliveries
            log.exception("the attempt listener failed on notification %s", notification.id)

    async def _saved(self, notification: Notification) -> None:
        self.state.put_notification(notification)
        try:
            await self.state.commit()
        except StorageError:
            pass  # logged by the state, which put the notification back as stored; its schedule resumes
        self.waiters.offer(notification)

    # -- one delivery -------------------------------------------------------------------------

    async def _attempt(self, notification: Notification, manual: bool = False) -> Attempt:
        attempt = Attempt(
            number=len(notification.attempts) + 1,
            at=self.clock.now(),
            url=notification.url,
            verdict="in_flight",
            manual=manual,
        )
        notification.attempts.append(attempt)
        delivery = self.router.delivery(notification.url, self.allowlist)  # a routed host goes elsewhere
        attempt.routed_to = delivery.url if delivery.routed else ""
        refusal = delivery.refusal
        if refusal:
            attempt.verdict, attempt.error = "refused", refusal
            log.warning("notification %s not sent: %s", notification.id, printable(refusal))
            return attempt
        async with self._semaphore:
            started = perf_counter()
            try:
                await self._post(notification, attempt, delivery)
            except TimeoutError:
                attempt.verdict = "timeout"
                attempt.error = f"no answer within {self.settings.timeout:g}s"
            except (aiohttp.ClientError, OSError) as exc:
                attempt.verdict = "connection_error"
                attempt.error = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a target aiohttp cannot even try (a host name IDNA refuses...)
                log.warning("notification %s to %s failed: %r", notification.id, printable(notification.url), exc)
                attempt.verdict = "connection_error"
                attempt.error = f"could not send: {type(exc).__name__}: {exc}"
            attempt.latency_ms = round((perf_counter() - started) * 1000, 2)
        if log.isEnabledFor(logging.INFO):
            log.info(
                "notify %s #%d -> %s: %s %s",
                notification.id,
                attempt.number,
                printable(notification.url),
                attempt.verdict,
                attempt.status or printable(attempt.error),
            )
        return attempt

    async def _post(self, notification: Notification, attempt: Attempt, delivery: Delivery) -> None:
        assert self._session is not None and self._fresh is not None, "the notify engine is not started"
        if self._timeout.total != self.settings.timeout:
            self._timeout = aiohttp.ClientTimeout(total=self.settings.timeout)
        body = notification.body.encode("utf-8")
        headers = self._headers(notification, attempt, delivery.headers)  # a routed delivery keeps its Host
        started = perf_counter()
        try:
            status, raw = await self._exchange(self._session, delivery, body, headers, self._timeout)
        except (aiohttp.ServerDisconnectedError, aiohttp.ClientOSError) as exc:
            left = self.settings.timeout - (perf_counter() - started)
            if isinstance(exc, aiohttp.ClientConnectorError) or left <= 0:  # no pooled connection was used
                raise
            # the merchant closed a kept-alive connection (or this one, before answering): once more, afresh,
            # to the same target, within what is left of the attempt's timeout
            timeout = aiohttp.ClientTimeout(total=left)
            status, raw = await self._exchange(self._fresh, delivery, body, headers, timeout)
        attempt.status = status
        text = raw.decode("utf-8", "replace")
        attempt.excerpt = text[:EXCERPT_CHARS]
        judge = JUDGES[notification.dialect]
        attempt.verdict, attempt.error = judge(status, raw, lenient=notification.ack == "lenient")
        if notification.ack == "never":  # a fault rule says the merchant is always too late
            attempt.verdict = "timeout"
            attempt.error = "a fault rule (ack: never) treats every answer as arriving after the timeout"

    async def _exchange(
        self,
        session: aiohttp.ClientSession,
        delivery: Delivery,
        body: bytes,
        headers: Mapping[str, str],
        timeout: aiohttp.ClientTimeout,
    ) -> tuple[int, bytes]:
        """POST once to the attempt's target: the status and the reply (its first MAX_REPLY_BYTES)."""
        async with session.post(
            delivery.url,
            data=body,
            headers=headers,
            timeout=timeout,
            allow_redirects=False,
            ssl=delivery.verify,
            server_hostname=delivery.server_hostname,
        ) as response:
            return response.status, await read_to_end(response.content, MAX_REPLY_BYTES)

    def _headers(self, notification: Notification, attempt: Attempt, routed: Mapping[str, str]) -> dict[str, str]:
        """The headers of this attempt (a v3 signature is made afresh each time; a notify route's Host last), kept
        for the attempt's report."""
        signer = self.signers.get(notification.dialect)
        headers = {**notification.headers, **(signer(notification) if signer else {}), **routed}
        self._sent[(notification.id, attempt.number)] = headers
        return headers
