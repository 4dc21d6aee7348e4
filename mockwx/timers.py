"""Work scheduled on the clock (notification attempts, refund settlement), run when it falls due.

On a real clock a background loop sleeps until the next job is due. On a virtual clock the
same loop runs jobs that are due *now* (a first notification right after a payment), and
:meth:`Timers.advance` moves time forward job by job, running each batch in time order and
waiting for it, so a 24-hour retry story runs in milliseconds and is deterministic.

Jobs run as tasks: a slow job (a merchant that never answers) delays nothing else.
"""

from __future__ import annotations

import asyncio
import heapq
import logging
from collections.abc import Awaitable, Callable
from itertools import count

from .clock import SystemClock, VirtualClock

log = logging.getLogger("mockwx.timers")

Job = Callable[[], Awaitable[None]]


class Timers:
    """A keyed schedule of jobs on one clock. Scheduling a key again replaces its job."""

    def __init__(self, clock: SystemClock | VirtualClock) -> None:
        self.clock = clock
        self._heap: list[tuple[float, int, str]] = []
        self._jobs: dict[str, tuple[float, int, Job]] = {}
        self._seq = count()
        self._running: set[asyncio.Task[None]] = set()
        self._wake = asyncio.Event()
        self._advance_lock = asyncio.Lock()
        self._loop_task: asyncio.Task[None] | None = None
        self.closed = False  # stopped for good (a reset): nothing runs any more, an advance in progress ends

    # -- schedule -----------------------------------------------------------------------------

    def schedule(self, key: str, at: float, job: Job) -> None:
        if self.closed:
            return
        seq = next(self._seq)
        self._jobs[key] = (at, seq, job)
        heapq.heappush(self._heap, (at, seq, key))
        self._wake.set()

    def cancel(self, key: str) -> None:
        self._jobs.pop(key, None)

    def __len__(self) -> int:
        return len(self._jobs)

    def pending(self) -> list[tuple[float, str]]:
        """(due time, key) of every job still to run, soonest first."""
        return sorted((at, key) for key, (at, _, _) in self._jobs.items())

    def next_due(self) -> float | None:
        if self.closed:
            return None
        heap = self._heap
        while heap:
            at, seq, key = heap[0]
            entry = self._jobs.get(key)
            if entry is not None and entry[1] == seq:
                return at
            heapq.heappop(heap)  # cancelled or replaced
        return None

    def _pop_due(self, now: float) -> list[Job]:
        due: list[Job] = []
        while (at := self.next_due()) is not None and at <= now:
            _, _, key = heapq.heappop(self._heap)
            due.append(self._jobs.pop(key)[2])
        return due

    # -- run ----------------------------------------------------------------------------------

    def _spawn(self, jobs: list[Job]) -> None:
        if self.closed:
            return
        for job in jobs:
            task = asyncio.ensure_future(self._guard(job))
            self._running.add(task)
            task.add_done_callback(self._running.discard)

    @staticmethod
    async def _guard(job: Job) -> None:
        try:
            await job()
        except asyncio.CancelledError:
            raise
        except Exception:  # a job's failure must not stop the schedule
            log.exception("scheduled job failed")

    async def drain(self) -> None:
        """Run everything due now, and whatever that schedules for now, until nothing is left."""
        while True:
            self._spawn(self._pop_due(self.clock.now()))
            if not self._running:
                return
            await asyncio.gather(*list(self._running), return_exceptions=True)

    async def advance(self, seconds: float) -> float:
        """Move a virtual clock forward, running every job that falls due, in time order."""
        if not isinstance(self.clock, VirtualClock):
            raise TypeError("advance needs a virtual clock")
        async with self._advance_lock:
            target = self.clock.now() + seconds
            await self.drain()
            while (at := self.next_due()) is not None and at <= target:
                self.clock.set(max(at, self.clock.now()))
                await self.drain()
            self.clock.set(target)
            await self.drain()
            return self.clock.now()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            now = self.clock.now()
            if not self._advance_lock.locked():
                self._spawn(self._pop_due(now))
            at = self.next_due()
            timeout = None
            if at is not None and self.clock.kind == "real":
                timeout = max(0.0, at - now)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout)
            except TimeoutError:
                pass

    def start(self) -> None:
        if self._loop_task is None:
            self._loop_task = asyncio.ensure_future(self._loop())

    async def stop(self, *, close: bool = False) -> None:
        """Cancel the loop and every running job, and wait for them; ``close`` also ends this schedule
        for good, so an advance in progress stops at once and nothing is spawned again."""
        if close:
            self.closed = True
            self._jobs.clear()
            self._heap.clear()
        tasks = [t for t in [self._loop_task, *self._running] if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._loop_task = None
