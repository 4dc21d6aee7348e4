"""The mock's composition root: one object owning the clock, the state, the timers, the notify
engine and the services, built from a Config. The HTTP layer holds one; reset builds the
state anew; nothing here is global.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Callable

from . import magic
from .capture import Capture
from .clock import SystemClock, VirtualClock, make_clock
from .config import Config, demo_app, demo_merchant, restore_settings
from .domain.models import Attempt, Notification
from .faults import Faults
from .ids import Ids
from .journal import Journal
from .notify.engine import NotifyEngine
from .notify.notices import Notices
from .persist import NoPersistence, StorageError, open_persistence
from .services.bill import BillService
from .services.checkout import CheckoutService
from .services.keys import KeyRing
from .services.login import LoginService
from .services.orders import OrderService
from .services.refund import RefundService
from .services.tenants import TenantService
from .services.userdata import UserDataService
from .state import State
from .timers import Timers

log = logging.getLogger("mockwx")


class Backend:
    """Everything one running mock is made of."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        settings = self.settings = self.config.settings
        self._initial_settings = copy.deepcopy(settings)  # what reset goes back to
        self.persistence = open_persistence(settings.db)
        saved = self.persistence.get_meta("virtual_clock")  # a virtual clock resumes where it stopped
        self.clock = make_clock(settings.clock, float(saved) if saved else settings.clock_start)
        self.wall = SystemClock()  # API v3 signatures use the wall clock, whatever the mock's clock (clock.py)
        runs = int(self.persistence.get_meta("runs") or 0)
        self.persistence.set_meta("runs", str(runs + 1))
        self.ids = Ids(settings.seed, run=runs)
        self.journal = Journal(settings.journal_size)
        self.faults = Faults()
        self.timers = Timers(self.clock)
        self.state = State(self.persistence, now=self.clock.now)
        self._build_services()
        self._started = False
        self.after_reset: list[Callable[[], None]] = []  # told when a reset has dropped the old state

    def _build_services(self) -> None:
        state, clock, ids, settings = self.state, self.clock, self.ids, self.settings
        self.keyring = KeyRing(state, clock)
        self.tenants = TenantService(state, ids, self.keyring)
        self.login = LoginService(state, clock, ids, settings)
        self.userdata = UserDataService(state, clock, ids, settings, self.login)
        self.orders = OrderService(state, clock, ids, settings)
        self.engine = NotifyEngine(state, clock, self.timers, ids, settings.notify, on_attempt=self._journal_attempt)
        self.notices = Notices(
            state,
            ids,
            self.engine,
            settings.notify,
            self.faults,
            keyring=self.keyring,
            wall=self.wall,
            v3_settings=settings.v3,
        )
        self.checkout = CheckoutService(state, clock, ids, self.notices, self.faults)
        self.refunds = RefundService(state, clock, ids, settings, self.timers, self.orders, self.notices)
        self.bills = BillService(state)

    def _journal_attempt(self, notification: Notification, attempt: Attempt, headers: dict[str, str]) -> None:
        """A notification attempt is a call the mock makes: the journal lists it with the ones it receives,
        with the headers that attempt sent (a v3 attempt's signature is its own)."""
        entry = self.journal.start(attempt.at, "POST", notification.url)
        entry.api = "refund_notify" if notification.kind == "refund" else "notify"
        entry.status = attempt.status or 0
        entry.outcome = attempt.verdict
        entry.latency_ms = attempt.latency_ms
        entry.fields = {
            "notification_id": notification.id,
            "attempt": attempt.number,
            "out_trade_no": notification.out_trade_no,
            **({"out_refund_no": notification.out_refund_no} if notification.out_refund_no else {}),
            **({"label": notification.label} if notification.label else {}),
            **({"manual": True} if attempt.manual else {}),
            **({"routed_to": attempt.routed_to} if attempt.routed_to else {}),
        }
        if attempt.error:
            entry.error = {"kind": attempt.verdict, "hint": attempt.error}
        entry.request = Capture.of(f"POST {notification.url}", headers, notification.body.encode("utf-8"))
        if attempt.status is not None:
            entry.response = Capture.of(str(attempt.status), {}, attempt.excerpt.encode("utf-8"))
        self.journal.finish(entry)

    def _seed_rules(self) -> None:
        if self.settings.magic_amounts:
            magic.install(self.faults)

    def _seed_tenants(self) -> None:
        if self.settings.demo:
            if not self.state.apps.get(demo_app().appid):
                self.state.put_app(demo_app())
            if not self.state.merchants.get(demo_merchant().mch_id):
                self.tenants.add_merchant(demo_merchant())
        for app in self.config.apps:
            self.tenants.add_app(app)
        for merchant in self.config.merchants:
            self.tenants.add_merchant(merchant)
        for merchant in list(self.state.merchants.values()):  # a state file from before API v3
            if not merchant.merchant_key_pem:
                self.tenants.add_merchant(merchant)

    # -- lifecycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        """Load what persistence holds, seed the tenants, and resume pending work."""
        self.state.load()
        self._seed_tenants()
        self._seed_rules()
        await self.engine.start()
        self.refunds.start()
        self.timers.start()
        await self.state.commit()
        self._started = True
        log.info("state: %s (%s)", self.persistence.location, self.state.counts())

    async def stop(self) -> None:
        await self.timers.stop()
        await self.engine.stop()
        self.save_clock()
        try:
            await self.state.commit()
        except StorageError as exc:
            log.error("the last changes could not be saved on stop: %s", exc)
        self.state.close()
        self.persistence.close()
        self._started = False

    def save_clock(self) -> None:
        """Store a virtual clock's time with the next commit (it resumes there after a restart)."""
        if isinstance(self.clock, VirtualClock):
            self.state.put_meta("virtual_clock", repr(self.clock.now()))

    async def advance(self, seconds: float) -> float:
        now = await self.timers.advance(seconds)
        self.save_clock()
        await self.state.commit()
        return now

    async def reset(self) -> None:
        """Forget everything but the configured tenants and the clock: a fresh state, as if just started.

        The fresh state is built in memory and replaces the file's content in one transaction before
        anything else changes: if that fails (a full disk), StorageError, and the old state, its timers
        and its deliveries go on as if no reset had been asked for. Once it is stored, the old state
        lets go of the file in the same step, so work still in flight (an advance running a retry
        story, a delivery waiting on a merchant) can store nothing afterwards: a reset can never bring
        back what it deleted. That work is then cancelled, and the fresh state's starts.
        """
        before, settings_before = dict(vars(self)), copy.deepcopy(self.settings)
        try:
            restore_settings(self.settings, self._initial_settings)
            self.timers = Timers(self.clock)
            self.state = State(NoPersistence(), now=self.clock.now)  # memory only until the file holds it
            self._build_services()
            self._seed_tenants()
            self.state.adopt(self.persistence, self._clock_meta())
        except BaseException as exc:
            vars(self).update(before)  # the old state and everything built on it, untouched
            restore_settings(self.settings, settings_before)
            if isinstance(exc, StorageError):
                self.state.failed(f"a reset could not be stored, so nothing was reset: {exc}")
            raise
        old_state, old_timers, old_engine = before["state"], before["timers"], before["engine"]
        old_state.close()
        self.journal.clear()
        self.faults.clear()
        self._seed_rules()
        await old_timers.stop(close=True)
        await old_engine.stop()
        await self.engine.start()
        self.refunds.start()  # the new refund service listens to the new state's undone writes
        self.timers.start()
        await self.state.commit()
        del before, old_state, old_timers, old_engine  # unreachable now: a listener may collect them
        for listener in self.after_reset:
            listener()

    def _clock_meta(self) -> dict[str, str]:
        """A virtual clock's time, stored so that a restart resumes it (reset keeps the clock)."""
        return {"virtual_clock": repr(self.clock.now())} if isinstance(self.clock, VirtualClock) else {}
