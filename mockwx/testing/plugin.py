"""The pytest plugin (entry point ``pytest11: mockwx``).

Fixtures:

* ``mockwx``: a fresh mock for this test (in-process, free port, virtual clock), driven with
  blocking helpers: for synchronous tests (Django, Flask, requests-based SDKs);
* ``mockwx_shared``: one mock for the whole session, reset before each test;
* ``amockwx``: a fresh mock in the test's own event loop, with awaitable helpers: for async tests
  (an aiohttp merchant in the same loop).

``amockwx`` needs pytest-asyncio (``pip install 'mockwx[pytest]'``) and either ``asyncio_mode = auto``
or ``@pytest.mark.asyncio`` on the test; without them the test fails at setup saying exactly that.

``--mockwx-url URL`` (or the ``mockwx_url`` ini option) uses an already running mock instead; it is
reset before each test. At teardown a test fails if the mock recorded protocol problems (signature
failures, malformed requests, reused codes...) it did not declare with ``mockwx.expect_problem(...)``
or ``@pytest.mark.mockwx_expect(...)``; the message carries the signature doctor's diagnosis.
"""

from __future__ import annotations

import inspect
from collections.abc import AsyncIterator, Iterator

import pytest

from .fixture import AsyncMockwx, Mockwx, problems_message
from .server import LoopThread, MockServer, mock_config


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("mockwx", "mockwx: the local WeChat Pay mock")
    group.addoption(
        "--mockwx-url", default=None, help="use this running mock (virtual clock) instead of an in-process one"
    )
    parser.addini("mockwx_url", "use this running mock instead of an in-process one", default="")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "mockwx_expect(*kinds): protocol problems the test provokes on purpose (SIGNERROR, PAYSIGN, ...)"
    )


ASYNC_SETUP = """\
  pip install 'mockwx[pytest]'        (or: pip install pytest-asyncio)
and in pyproject.toml:
  [tool.pytest.ini_options]
  asyncio_mode = "auto"
  asyncio_default_fixture_loop_scope = "function"
(in pytest.ini: the same two lines under [pytest], without the quotes; or mark each async test
@pytest.mark.asyncio).
Synchronous tests use the mockwx fixture instead, which needs none of this."""


def amockwx_problem(item: pytest.Item) -> str:
    """Why ``amockwx`` cannot run for this test ("" when it can): pytest-asyncio missing, or not running it."""
    if "amockwx" not in getattr(item, "fixturenames", ()):
        return ""
    config = item.config
    if not config.pluginmanager.has_plugin("asyncio"):
        return (
            "the amockwx fixture is async and runs in the test's event loop, which pytest-asyncio provides; it is"
            " not installed (or disabled with -p no:asyncio)."
        )
    if not inspect.iscoroutinefunction(getattr(item, "obj", None)):
        return ""
    mode = config.getoption("asyncio_mode", None) or config.getini("asyncio_mode")
    if mode == "auto" or item.get_closest_marker("asyncio") is not None:
        return ""
    return (
        f"{item.name} is an async test that pytest-asyncio does not run: asyncio_mode is {mode!r} and the test"
        " has no @pytest.mark.asyncio."
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    problem = amockwx_problem(item)
    if problem:
        pytest.fail(f"mockwx: {problem} To use amockwx:\n{ASYNC_SETUP}", pytrace=False)


def _url(config: pytest.Config) -> str | None:
    return config.getoption("mockwx_url") or config.getini("mockwx_url") or None


def _declared(request: pytest.FixtureRequest) -> set[str]:
    return {kind for marker in request.node.iter_markers("mockwx_expect") for kind in marker.args}


@pytest.fixture(scope="session")
def mockwx_loop() -> Iterator[LoopThread]:
    """The background event loop the synchronous fixtures run the mock on."""
    loop = LoopThread()
    yield loop
    loop.stop()


def _sync_fixture(request: pytest.FixtureRequest, loop: LoopThread, server: MockServer | None, reset: bool):
    url = server.url if server is not None else _url(request.config)
    assert url is not None
    inner = AsyncMockwx(url, server.backend if server is not None else None)
    inner.expect_problem(*_declared(request))
    loop.run(inner.begin(reset=reset))
    yield Mockwx(inner, loop)
    unexpected = loop.run(inner.unexpected_problems())
    loop.run(inner.close())
    if unexpected:
        pytest.fail(problems_message(unexpected), pytrace=False)


@pytest.fixture
def mockwx(request: pytest.FixtureRequest, mockwx_loop: LoopThread) -> Iterator[Mockwx]:
    """A fresh mock for this test (or the --mockwx-url one, reset), with blocking helpers."""
    if _url(request.config):
        yield from _sync_fixture(request, mockwx_loop, None, reset=True)
        return
    server = MockServer(mock_config())
    mockwx_loop.run(server.start())
    try:
        yield from _sync_fixture(request, mockwx_loop, server, reset=False)
    finally:
        mockwx_loop.run(server.stop())


@pytest.fixture(scope="session")
def mockwx_server(request: pytest.FixtureRequest, mockwx_loop: LoopThread) -> Iterator[MockServer | None]:
    """The session's shared in-process mock (None with --mockwx-url)."""
    if _url(request.config):
        yield None
        return
    server = MockServer(mock_config())
    mockwx_loop.run(server.start())
    yield server
    mockwx_loop.run(server.stop())


@pytest.fixture
def mockwx_shared(
    request: pytest.FixtureRequest, mockwx_loop: LoopThread, mockwx_server: MockServer | None
) -> Iterator[Mockwx]:
    """The session's mock, reset for this test, with blocking helpers."""
    yield from _sync_fixture(request, mockwx_loop, mockwx_server, reset=True)


try:
    import pytest_asyncio
except ImportError:  # async tests need pytest-asyncio: pytest_runtest_setup says so when one asks for amockwx
    pytest_asyncio = None

if pytest_asyncio is not None:

    @pytest_asyncio.fixture
    async def amockwx(request: pytest.FixtureRequest) -> AsyncIterator[AsyncMockwx]:
        """A fresh mock in this test's event loop (or the --mockwx-url one, reset), with awaitable helpers."""
        url = _url(request.config)
        server = None if url else await MockServer(mock_config()).start()
        inner = AsyncMockwx(url or server.url, server.backend if server else None)
        inner.expect_problem(*_declared(request))
        try:
            await inner.begin(reset=bool(url))
            yield inner
            unexpected = await inner.unexpected_problems()
        finally:
            await inner.close()
            if server is not None:
                await server.stop()
        if unexpected:
            pytest.fail(problems_message(unexpected), pytrace=False)
