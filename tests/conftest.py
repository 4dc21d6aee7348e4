"""Fixtures shared by the whole suite: a mock on a real loopback socket and a client for it."""

from __future__ import annotations

import pytest

from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config

from .support import Receiver

pytest_plugins = ["pytester"]


@pytest.fixture
def config():
    """The mock's config for this test (virtual clock, in memory); tests may change it before `mock` starts."""
    return mock_config()


@pytest.fixture
async def mock(config):
    async with MockServer(config) as server:
        yield server


@pytest.fixture
async def client(mock):
    async with MockClient(mock.url) as c:
        yield c


@pytest.fixture
async def receiver():
    """A merchant notify endpoint on loopback that records what it gets and answers as told."""
    async with Receiver() as r:
        yield r
