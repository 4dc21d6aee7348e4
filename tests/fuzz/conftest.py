"""The fuzz suite's mock and profiles.

``HYPOTHESIS_PROFILE=ci`` (the default, part of ``make test``): derandomized, a few seconds.
``HYPOTHESIS_PROFILE=long`` (``make fuzz``): random, ``FUZZ_EXAMPLES`` inputs per test (default 2,000).
"""

from __future__ import annotations

import asyncio
import os

import pytest
from hypothesis import HealthCheck, settings

from mockwx.testing.client import MockClient
from mockwx.testing.server import MockServer, mock_config

from .harness import TOKEN, Harness

settings.register_profile(
    "ci",
    max_examples=100,
    derandomize=True,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile(
    "long",
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "2000")),
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/fuzz/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.fuzz)


async def _seed(url: str) -> dict[str, list[str]]:
    """Orders in every state, so generated requests also meet real ones."""
    async with MockClient(url, token=TOKEN) as client:
        unpaid = await client.unifiedorder("FZUNPAID001", 1)
        paid = await client.unifiedorder("FZPAID00001", 100)
        await client.pay(client.payment_params(paid["prepay_id"]))
        await client.unifiedorder("FZREFUND001", 100)
        await client.pay(out_trade_no="FZREFUND001")
        await client.refund("FZREFUND001", "FZRF0000001", 40)
        code = (await client.login("fuzz"))["code"]
        await asyncio.sleep(0)
        return {
            "out_trade_no": ["FZUNPAID001", "FZPAID00001", "FZREFUND001"],
            "prepay_id": [unpaid["prepay_id"], paid["prepay_id"]],
            "out_refund_no": ["FZRF0000001"],
            "code": [code],
        }


SENT = pytest.StashKey[int]()


@pytest.fixture(scope="module")
def harness(request: pytest.FixtureRequest):
    config = mock_config()
    config.settings.security.token = TOKEN  # required even on loopback: the fuzz also tries without it
    with MockServer.threaded(config) as mock:
        known = mock.run(_seed(mock.url))
        harness = Harness(mock, known)
        yield harness
    stash = request.config.stash
    stash[SENT] = stash.get(SENT, 0) + harness.sent


def pytest_terminal_summary(terminalreporter, config: pytest.Config) -> None:
    if config.stash.get(SENT, 0):
        terminalreporter.write_line(f"fuzz: {config.stash[SENT]} requests sent to the mock (health checks included)")
