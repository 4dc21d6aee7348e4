"""The collector set-up of a long-running mock (issue 14): what start-up built and what survives a full
collection is frozen, the young threshold is raised, a reset unfreezes, and stopping puts it all back."""

from __future__ import annotations

import asyncio
import gc
import weakref

from mockwx.gctune import YOUNG_THRESHOLD, Collector
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer


class Node:
    me: Node


async def test_install_freezes_after_start_and_after_each_full_collection_and_uninstall_restores():
    before = gc.get_threshold()
    collector = Collector.install()
    try:
        assert gc.get_threshold()[0] == YOUNG_THRESHOLD
        assert gc.get_freeze_count() > 0
        gc.unfreeze()
        survivors = [[n] for n in range(1000)]  # objects the collector tracks
        gc.collect()
        await asyncio.sleep(0)  # the freeze runs on the loop, after the collection
        assert collector.full_collections >= 1 and gc.get_freeze_count() >= len(survivors)
        cycle = Node()
        cycle.me = cycle
        gone = weakref.ref(cycle)
        gc.freeze()
        del cycle  # frozen cyclic garbage: no collection reaches it until a thaw
        gc.collect()
        assert gone() is not None
        collector.thaw()
        assert gone() is None and gc.get_freeze_count() > 0  # collected, and the survivors frozen again
    finally:
        collector.uninstall()
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    assert collector._collected not in gc.callbacks


async def test_a_reset_tells_its_listeners_once_the_old_state_is_gone():
    async with MockServer() as mock, MockClient(mock.url) as client:
        told = []
        mock.backend.after_reset.append(lambda: told.append(mock.backend.state.counts()["orders"]))
        await client.unifiedorder("GC20261127000001", 1)
        await client.reset()
        assert told == [0]


async def test_under_the_tuned_collector_a_reset_frees_the_old_state_at_once():
    """The soak's memory grew reset after reset: the dropped state (a cycle through its services) waited
    for a full collection that the tuned thresholds put off, and the reset itself still held it."""
    async with MockServer() as mock, MockClient(mock.url) as client:
        collector = Collector.install()
        mock.backend.after_reset.append(collector.thaw)
        try:
            await client.unifiedorder("GC20261127000002", 1)
            old = weakref.ref(mock.backend.state)
            await client.reset()
            assert old() is None and mock.backend.state.counts()["orders"] == 0
        finally:
            mock.backend.after_reset.remove(collector.thaw)
            collector.uninstall()
