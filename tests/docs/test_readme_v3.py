"""What the README says of API v3 matches what mockwx does (issue 9 review, item 15): the tables name v3
where it answers, and no row contradicts another."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from mockwx import catalogue, faults

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _table_after(heading: str, header_start: str) -> list[list[str]]:
    """The cells of the first table under ``heading`` whose header row starts with ``header_start``."""
    text = README[README.index(f"\n{heading}\n") :]
    lines = text[text.index(f"\n{header_start}") + 1 :].splitlines()
    rows = []
    for line in lines[2:]:  # past the header and |---|
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]])
    return rows


def test_what_is_mocked_lists_each_thing_once_and_nothing_mocked_as_missing():
    rows = _table_after("## What is mocked", "| endpoint |")
    firsts = [row[0] for row in rows]
    assert len(firsts) == len(set(firsts)), [f for f in firsts if firsts.count(f) > 1]
    mocked = " ".join(row[0] for row in rows if row[1] == "mocked")
    missing = [row for row in rows if "not mocked" in row[1]]
    assert missing and not any("getPhoneNumber" in row[0] for row in missing)
    assert "/wxa/checksession" in mocked and "getuserphonenumber" in mocked
    (v3,) = [row for row in rows if row[0] == "every `/v3/...` call below"]
    assert "every answer after authentication signed" in v3[2] and "unsigned" in v3[2]  # 401s are not


def test_the_fault_table_names_every_v3_api_a_fault_rule_takes():
    rows = _table_after("## Faults and notification plans", "| api |")
    (v3,) = [row for row in rows if "`v3/jsapi`" in row[0]]
    assert set(re.findall(r"`([^`]+)`", v3[0])) == set(catalogue.apis("v3")) == set(faults.V3_APIS)
    assert set(re.findall(r"`(\w+)`", v3[1])) == {"code", "status", "message", "delay", "drop"}


def test_the_error_path_table_has_a_v3_column():
    header = next(line for line in README.splitlines() if line.startswith("| raised by |"))
    assert "Pay v3 answers" in header
    rows = [line for line in README.splitlines() if line.startswith("| a service | `DomainError")]
    assert rows and all(line.count("|") == header.count("|") for line in rows)


def test_the_package_and_the_chinese_intro_say_v3_too():
    description = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["description"]
    assert "v3" in description
    intro = README[README.index("`api.mch.weixin.qq.com`（") :][:80]
    assert "API v3" in intro
    assert "later `/v3`" not in README and "later v3" not in (ROOT / "mockwx/http/endpoint.py").read_text()
