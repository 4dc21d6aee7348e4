"""Every code block of the README (and of the reference merchant's) runs, as the Development section
says: shell blocks with bash against a mock on loopback, console transcripts compared with their
output, Python executed (a block of tests is run by pytest in a fresh project), YAML loaded with
mockwx's own loaders, TOML parsed; a block marked ``<!-- readme: syntax-only (why) -->`` is only
syntax-checked. The documented ports (8900, 8901, 8000) are rewritten to free ones for each run."""

from __future__ import annotations

import dataclasses
import doctest
import os
import re
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from mockwx.config import load_config
from mockwx.merchant.config import MerchantConfig
from mockwx.scenarios import load_scenario

from .blocks import Block, blocks, console_commands
from .sandbox import PREAMBLE, ROOT, Mock, Sandbox, free_port, rewrite, wait_for

README = ROOT / "README.md"
DOCS = [README, ROOT / "mockwx" / "merchant" / "README.md"]
ALL = [b for doc in DOCS for b in blocks(doc)]
DOCUMENTED_PORTS = (8900, 8901, 8000)  # the mock, the demo merchant, "your backend"


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Sandbox:
    return Sandbox.make(tmp_path_factory.mktemp("readme"))


def of_kind(kind: str) -> list:
    return [pytest.param(b, id=f"{b.path.relative_to(ROOT)}:{b.line}") for b in ALL if b.kind == kind]


@pytest.fixture(scope="module")
def shared_mock(sandbox: Sandbox) -> Iterator[Mock]:
    mock = Mock(sandbox, [])  # real clock, as make run starts it
    yield mock
    mock.stop()


def syntax_check(block: Block) -> None:
    if block.kind in ("sh", "console"):
        text = block.text if block.kind == "sh" else "\n".join(c.command for c in console_commands(block.text))
        result = subprocess.run(["bash", "-n"], input=text, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
    elif block.kind == "python":
        compile(block.text, block.id, "exec")
    else:
        yaml.safe_load(block.text) if block.kind == "yaml" else tomllib.loads(block.text)


def test_every_marker_says_why_and_every_block_is_recognised():
    """A syntax-only block gives its reason; serves names what to probe; no block is left without a kind."""
    assert ALL and {b.kind for b in ALL} <= {"sh", "console", "python", "yaml", "toml"}
    for block in ALL:
        if block.marker == "syntax-only":
            assert re.fullmatch(r"\(.+\)", block.detail), f"{block.id}: say why, in parentheses"
        if block.marker == "serves":
            assert block.detail.startswith("http://"), f"{block.id}: name the URL(s) to probe"


# -- shell ------------------------------------------------------------------------------------------


def run_serving(block: Block, sandbox: Sandbox) -> None:
    """A block that starts servers: start it, wait for each URL it names, then Ctrl-C it."""
    ports = {port: free_port() for port in DOCUMENTED_PORTS}
    env = {**sandbox.env, "PORT": str(ports[8900]), "MERCHANT_PORT": str(ports[8901])}
    proc = subprocess.Popen(
        ["bash", "-c", PREAMBLE + rewrite(block.text, ports)],
        cwd=sandbox.folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,  # Ctrl-C reaches every process it started, as in a terminal
    )
    try:
        for url in rewrite(block.detail, ports).split():
            wait_for(url, proc, 120)  # `make run` may install first
        os.killpg(proc.pid, signal.SIGINT)
        out, _ = proc.communicate(timeout=20)
        assert "Traceback" not in out, out
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


@pytest.mark.parametrize("block", of_kind("sh"))
def test_shell_block(block: Block, sandbox: Sandbox, shared_mock: Mock):
    if block.marker == "syntax-only":
        return syntax_check(block)
    if block.marker == "serves":
        return run_serving(block, sandbox)
    mock = Mock(sandbox, block.detail.split()) if block.marker == "mock" else shared_mock
    try:
        mock.call("POST", "/__mock__/reset")
        ports = {8900: mock.port, 8901: free_port(), 8000: free_port()}
        result = sandbox.bash(block.text, ports)
        out = result.stdout + result.stderr
        assert result.returncode == 0 and "Traceback" not in out, f"{block.id} failed:\n{out[-4000:]}"
        assert mock.problems() == [], f"{block.id}: the mock recorded protocol problems:\n{out[-3000:]}"
        if block.section == "A first payment":  # copied as it is, it pays: the order ends paid, with an attempt
            assert '"errMsg": "requestPayment:ok"' in result.stdout, out
            (order,) = mock.call("GET", "/__mock__/orders")["orders"]
            view = mock.call("GET", f"/__mock__/orders/{order['out_trade_no']}")
            assert view["trade_state"] == "SUCCESS" and view["notifications"][0]["attempts"], view
    finally:
        if mock is not shared_mock:
            mock.stop()


@pytest.mark.parametrize("block", of_kind("console"))
def test_console_transcript(block: Block, sandbox: Sandbox, shared_mock: Mock):
    if block.marker == "syntax-only":
        return syntax_check(block)
    ports = {8900: shared_mock.port, 8901: free_port(), 8000: free_port()}
    checker, flags = doctest.OutputChecker(), doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE
    for command in console_commands(block.text):
        result = sandbox.bash(command.command + " || true", ports)  # the doctor exits 1 on a wrong sign
        got = result.stdout + result.stderr
        want = rewrite(command.output, ports)
        if not checker.check_output(want, got, flags):
            pytest.fail(
                f"{block.id}: $ {command.command}\n" + checker.output_difference(doctest.Example("", want), got, flags)
            )


# -- Python -----------------------------------------------------------------------------------------


def plugin_config() -> str:
    """The pytest configuration the README tells a project to add (its TOML block)."""
    (toml,) = [b for b in ALL if b.kind == "toml" and "asyncio_mode" in b.text]
    return toml.text


@pytest.mark.parametrize("block", of_kind("python"))
def test_python_block(block: Block, sandbox: Sandbox, shared_mock: Mock, tmp_path: Path):
    if block.marker == "syntax-only":
        return syntax_check(block)
    if re.search(r"^(async )?def test_", block.text, re.M):  # tests: run by pytest in a project of their own
        (tmp_path / "pyproject.toml").write_text(plugin_config())
        (tmp_path / "test_readme_example.py").write_text(block.text)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-W", "error::DeprecationWarning"]
        result = subprocess.run(command, cwd=tmp_path, env=sandbox.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and " passed" in result.stdout, result.stdout[-4000:] + result.stderr
        return None
    script = tmp_path / "block.py"
    script.write_text(rewrite(block.text, {8900: shared_mock.port, 8901: free_port(), 8000: free_port()}))
    result = subprocess.run(
        [sys.executable, str(script)], cwd=sandbox.folder, env=sandbox.env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


# -- YAML and TOML ----------------------------------------------------------------------------------


@pytest.mark.parametrize("block", of_kind("yaml") + of_kind("toml"))
def test_data_block(block: Block, tmp_path: Path):
    if block.kind == "toml" or block.marker == "syntax-only":
        return syntax_check(block)
    data = yaml.safe_load(block.text)
    file = tmp_path / "block.yaml"
    file.write_text(block.text, encoding="utf-8")
    if isinstance(data, dict) and "steps" in data:
        load_scenario(file)  # a scenario
    elif block.path == README:
        load_config(file)  # the mock's config
    else:  # the reference merchant's settings (a part of its config file)
        known = {f.name for f in dataclasses.fields(MerchantConfig)}
        assert set(data) <= known, f"not settings of the reference merchant: {set(data) - known}"
    return None
