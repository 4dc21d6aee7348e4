"""How a long-running mock (``serve``, ``demo``) sets up Python's cyclic garbage collector (issue 14).

A mock's state only grows: every order, refund and notification lives until a reset. A full
collection walks all of it, so as a session grows one pauses the server for hundreds of
milliseconds (the p99 of a loaded mock was the collector). Measured (README "Benchmarks"), what
helps is to stop walking what survived: after start-up and after every full collection, what is
left is frozen (``gc.freeze``: moved out of the generations the collector walks), and the young
threshold is raised so short-lived request objects are collected in fewer, larger passes.

The cost: cyclic garbage among frozen objects is not reclaimed. The state is frozen as it lives
anyway; a reset, which drops a whole state, unfreezes everything, collects the old state at once and
freezes what survives (:meth:`Collector.thaw`).
Not for test processes (the in-process MockServer): they keep Python's defaults.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .backend import Backend

YOUNG_THRESHOLD = 10_000  # allocations between young collections (Python's default: 700)
OLDER_THRESHOLDS = (10, 10)  # Python's defaults


class Collector:
    """The collector's set-up for one server process: :meth:`install` once it listens, :meth:`uninstall` on stop."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop
        self._saved = gc.get_threshold()
        self.full_collections = 0

    @classmethod
    def install(cls, loop: asyncio.AbstractEventLoop | None = None) -> Collector:
        collector = cls(loop or asyncio.get_running_loop())
        gc.collect()
        gc.freeze()  # what start-up built (modules, the app, a loaded state file) is never walked again
        gc.set_threshold(YOUNG_THRESHOLD, *OLDER_THRESHOLDS)
        gc.callbacks.append(collector._collected)
        return collector

    def _collected(self, phase: str, info: dict[str, Any]) -> None:
        if phase == "stop" and info["generation"] == 2:
            self.full_collections += 1
            self._loop.call_soon_threadsafe(gc.freeze)  # what survived a full walk is not walked again

    def thaw(self) -> None:
        """A reset dropped a whole state: unfreeze, collect it now and freeze what survives. Left to the
        next full collection, which the raised thresholds and a large unfrozen heap put off for long, the
        dropped state stayed beside the next one (the soak's RSS grew 207 -> 283 MiB over five resets)."""
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def uninstall(self) -> None:
        if self._collected in gc.callbacks:
            gc.callbacks.remove(self._collected)
        gc.set_threshold(*self._saved)
        gc.unfreeze()


@contextmanager
def tuned_collector(backend: Backend) -> Iterator[None]:
    """The collector set up for a long-running mock while the block runs; each reset of ``backend`` thaws it."""
    collector = Collector.install()
    backend.after_reset.append(collector.thaw)
    try:
        yield
    finally:
        backend.after_reset.remove(collector.thaw)
        collector.uninstall()
