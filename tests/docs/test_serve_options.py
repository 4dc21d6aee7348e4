"""The README's table of `serve` options names every option `run_mock.py serve` takes (issue 11, review
item 12: --miniprogram, --backend and --lang were missing)."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from mockwx.cli import build_parser

README = Path(__file__).resolve().parents[2] / "README.md"


def _serve_options() -> set[str]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    serve = sub.choices["serve"]
    return {s for a in serve._actions for s in a.option_strings if s.startswith("--") and s != "--help"}


def test_every_serve_option_has_a_row():
    text = README.read_text(encoding="utf-8")
    table = text.split("`run_mock.py` options for `serve`", 1)[1].split("\n\n", 2)[1]
    rows = set(re.findall(r"^\| `(--[a-z-]+)", table, flags=re.M))
    assert _serve_options() - rows == set()
    assert rows - _serve_options() == set()  # and no row for an option that is gone
