"""The collector set-up of a long-running mock (issue 14): what start-up built and what survives a full
collection is frozen, the young threshold is raised, a reset unfreezes, and stopping puts it all back."""

from __future__ import annotations

import asyncio
import gc

from mockwx.gctune import YOUNG_THRESHOLD, Collector
from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer


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
        collector.thaw()
        assert gc.get_freeze_count() == 0
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
