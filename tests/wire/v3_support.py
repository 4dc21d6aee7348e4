"""What the v3 wire tests share besides fixtures: test constants and a Node runner."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

MCHID = "1900007291"
API_V3_KEY = "a7cde1ZJB1kG2e7VfTs3jQzaWizur8Gb"
PUBLIC_KEY_ID = "PUB_KEY_ID_0119000072912026010100000000000001"
NODE = shutil.which("node")

needs_node = pytest.mark.skipif(NODE is None, reason="node is not installed")


def run_node(script: str, payload: object) -> object:
    """Run ``script`` with Node; it reads the JSON ``payload`` on stdin and prints one JSON value."""
    proc = subprocess.run(
        [NODE or "node", "-e", script], input=json.dumps(payload), capture_output=True, text=True, timeout=30
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
