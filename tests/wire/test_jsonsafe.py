"""The guarded JSON loader every JSON body goes through (API v3, login's JSON APIs, the control API):
what a hostile body holds is refused with its reason, never a RecursionError, a NaN let in or an int()
of 5000 digits (issue 9 review, items 2 and 3)."""

from __future__ import annotations

import json

import pytest

from mockwx.wire import JsonRefused, json_type, load_json


@pytest.mark.parametrize(
    ("raw", "kind", "says"),
    [
        (b"[" * 100_000 + b"]" * 100_000, "depth", "nested too deeply"),
        (b'{"a": ' + b"[" * 40 + b"]" * 40 + b"}", "depth", "at most 32 levels"),
        (b"NaN", "constant", "NaN is not a JSON number"),
        (b'{"a": -Infinity}', "constant", "-Infinity"),
        (b'{"a": 1e999}', "number", "not a finite number"),
        (b'{"a": ' + b"9" * 5000 + b"}", "number", "5000 digits"),
        (b'{"a": 0.' + b"1" * 100 + b"}", "number", "at most 64"),
        (b'{"a": "\\ud800"}', "surrogate", "lone surrogate"),
        (b'{"\\udfff": 1}', "surrogate", "lone surrogate"),
        (b'{"a": "\xff"}', "encoding", "not UTF-8"),
        ('{"a": 1}'.encode("utf-16"), "encoding", "not UTF-8"),
        (b'{"a": }', "syntax", "not JSON"),
    ],
)
def test_hostile_json_is_refused_with_its_reason(raw, kind, says):
    with pytest.raises(JsonRefused) as refused:
        load_json(raw)
    assert refused.value.kind == kind and says in str(refused.value)


def test_what_wechat_and_the_control_api_send_is_read_as_json_reads_it():
    text = '{"amount": {"total": 99999999999999999999999, "from": [{"amount": 1.5}]}, "d": "咖啡 \\ud83d\\ude00"}'
    assert load_json(text) == load_json(text.encode()) == json.loads(text)
    assert load_json(b'{"a": ' + b"[" * 31 + b"]" * 31 + b"}", max_depth=32)
    with pytest.raises(JsonRefused):
        load_json(b'{"a": [[1]]}', max_depth=2)


@pytest.mark.parametrize(
    ("value", "name"),
    [({}, "object"), ([], "array"), ("", "string"), (1, "integer"), (1.5, "number"), (True, "boolean"), (None, "null")],
)
def test_messages_name_json_types_not_python_ones(value, name):
    assert json_type(value) == name
