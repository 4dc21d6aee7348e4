"""The Node SDKs of tests/interop/node: installed with ``npm ci`` from the committed lock file into a
cache folder (never into the repository), and run one operation per process.

The tests skip with the reason when node or npm is missing or the install fails, except under
``MOCKWX_REQUIRE_NODE=1`` (set by .ci/run), where they fail: CI must run them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

HERE = Path(__file__).resolve().parent / "node"
LOCK = HERE / "package-lock.json"
REQUIRED = os.environ.get("MOCKWX_REQUIRE_NODE") == "1"
INSTALL_TIMEOUT = 600


def unavailable(reason: str) -> None:
    """Skip, or fail where CI requires the Node tests to run."""
    if REQUIRED:
        pytest.fail(f"MOCKWX_REQUIRE_NODE=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def cache_folder() -> Path:
    """Where the packages go: $MOCKWX_NODE_CACHE, else ~/.cache/mockwx/node-<hash of the lock file>."""
    if os.environ.get("MOCKWX_NODE_CACHE"):
        return Path(os.environ["MOCKWX_NODE_CACHE"])
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    digest = hashlib.sha256(LOCK.read_bytes() + (HERE / "package.json").read_bytes()).hexdigest()[:12]
    return base / "mockwx" / f"node-{digest}"


def install() -> Path:
    """The node_modules folder with the locked packages, installed on first use."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        unavailable("node and npm are not installed (apt-get install nodejs npm); the Node SDK interop tests need them")
    folder = cache_folder()
    modules = folder / "node_modules"
    if (modules / ".mockwx-installed").exists():
        return modules
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, folder / name)
    try:
        proc = subprocess.run(
            [npm or "npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=INSTALL_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        unavailable(f"npm ci in {folder} took more than {INSTALL_TIMEOUT} s")
    if proc.returncode != 0:
        unavailable(f"npm ci in {folder} failed: {proc.stderr.strip()[-600:]}")
    (modules / ".mockwx-installed").write_text("npm ci done\n")
    return modules


def run(modules: Path, script: str, payload: dict[str, Any]) -> dict[str, Any]:
    """Run tests/interop/node/<script> with ``payload`` as JSON on stdin; its JSON answer."""
    proc = subprocess.run(
        [shutil.which("node") or "node", str(HERE / script)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NODE_PATH": str(modules)},
    )
    assert proc.returncode == 0, f"node {script} failed:\n{proc.stderr}"
    return json.loads(proc.stdout)
